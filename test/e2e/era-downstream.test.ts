/**
 * MCP 2026-07-28 clients (the v2 SDK `Client`, per-request envelopes, no session) on the same /mcp
 * port as session-based ones, against the reference server-everything (2025-era): discovery, lists,
 * calls, a policy deny, sampling and elicitation turned into MRTR input_required rounds, and the
 * new-surface checks (header/body mismatch, sealed requestState).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client as V2Client, StreamableHTTPClientTransport as V2HttpTransport } from '@modelcontextprotocol/client';
import type { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { createApiKey } from '../../src/identity/apikeys.js';
import { EVERYTHING, httpClient, modernPost, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const V = '2026-07-28';
let gw: TestGateway;
let bobKey: string;
let malloryKey: string;
let modern: V2Client;
let legacy: V1Client;
const elicited: string[] = [];

async function v2Client(url: string, key: string, caps: Record<string, unknown> = { sampling: {}, elicitation: {} }): Promise<V2Client> {
  const c = new V2Client({ name: 'v2-e2e', version: '1.0.0' }, { capabilities: caps, versionNegotiation: { mode: 'auto' } });
  c.setRequestHandler('sampling/createMessage', async (r) => ({ role: 'assistant', model: 'test-model', content: { type: 'text', text: `sampled ${JSON.stringify(r.params.messages[0]?.content)}` } }));
  c.setRequestHandler('elicitation/create', async (r) => {
    elicited.push(r.params.message);
    return { action: 'accept', content: { color: 'red', number: 7, pets: 'cats', name: 'Ada', check: true, email: 'ada@example.com', integer: 3, untitledSingleSelectEnum: 'option1', titledSingleSelectEnum: 'option1' } };
  });
  await c.connect(new V2HttpTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  return c;
}

/** A raw 2026-07-28 POST as bob (or `key`): see `modernPost`. */
function post(body: Record<string, unknown>, headers: Record<string, string>, key = bobKey): Promise<{ status: number; json: any }> {
  return modernPost(gw.url, body, headers, key);
}

beforeAll(async () => {
  gw = await startTestGateway(`
auth: { apiKeys: true }
mcpServers:${EVERYTHING}
policy:
  allow:
    - { id: eng-everything, principal: "group:eng", tools: ["everything__*"], prompts: ["everything__*"], resources: ["*"] }
  deny:
    - { id: nobody-reads-env, principal: "*", tools: ["everything__get-env"] }
`);
  bobKey = (await createApiKey(gw.rt.store, { principal: 'bob', groups: ['eng'] })).key;
  malloryKey = (await createApiKey(gw.rt.store, { principal: 'mallory', groups: ['eng'] })).key;
  modern = await v2Client(gw.url, bobKey);
  legacy = await httpClient(gw.url, { headers: { authorization: `Bearer ${bobKey}` } });
}, 60_000);

afterAll(async () => {
  await Promise.all([modern?.close(), legacy?.close()]);
  await gw?.close();
});

describe('2026-07-28 client → gateway → 2025-era server', () => {
  it('discovers the gateway in the per-request era, next to a session-based client on the same port', () => {
    expect(modern.getProtocolEra()).toBe('modern');
    expect(modern.getServerVersion()?.name).toBe('portcullis');
    expect(modern.getServerCapabilities()?.tools).toBeDefined();
    expect(legacy.getServerVersion()?.name).toBe('portcullis');
  });

  it('lists tools filtered by policy, stamped private with resultType', async () => {
    const names = (await modern.listTools()).tools.map((t) => t.name);
    expect(names).toContain('everything__echo');
    expect(names).not.toContain('everything__get-env');
    const raw = await post({ id: 1, method: 'tools/list' }, {});
    expect(raw.status).toBe(200);
    expect(raw.json.result).toMatchObject({ resultType: 'complete', cacheScope: 'private', ttlMs: 0 });
  });

  it('calls a tool; the denied one answers exactly like a missing one', async () => {
    expect(await modern.callTool({ name: 'everything__echo', arguments: { message: 'hi' } })).toMatchObject({ content: [{ type: 'text', text: 'Echo: hi' }] });
    const hidden = await post({ id: 2, method: 'tools/call', params: { name: 'everything__get-env', arguments: {} } }, { 'mcp-name': 'everything__get-env' });
    const missing = await post({ id: 3, method: 'tools/call', params: { name: 'everything__nope', arguments: {} } }, { 'mcp-name': 'everything__nope' });
    expect(hidden.json.error.code).toBe(missing.json.error.code);
    expect(hidden.json.error.message.replace('get-env', 'X')).toBe(missing.json.error.message.replace('nope', 'X'));
  });

  it('prompts and resources travel too', async () => {
    expect((await modern.listPrompts()).prompts.map((p) => p.name)).toContain('everything__simple-prompt');
    const got = await modern.getPrompt({ name: 'everything__simple-prompt', arguments: {} });
    expect(got.messages.length).toBeGreaterThan(0);
    const { resources } = await modern.listResources();
    expect(resources.length).toBeGreaterThan(0);
    const read = await modern.readResource({ uri: resources[0]!.uri });
    expect(read.contents[0]?.uri).toBe(resources[0]!.uri);
  });

  it('progress of a long call reaches the client', async () => {
    const seen: number[] = [];
    const r = await modern.callTool({ name: 'everything__trigger-long-running-operation', arguments: { duration: 1, steps: 3 } }, { onprogress: (p) => seen.push(p.progress) });
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(r.content)).toContain('completed');
  });

  it("the server's sampling and elicitation requests become input_required rounds (MRTR) answered by the client", async () => {
    const s = await modern.callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt: 'what is MCP?', maxTokens: 10 } });
    expect(JSON.stringify(s.content)).toContain('sampled');
    const e = await modern.callTool({ name: 'everything__trigger-elicitation-request', arguments: {} });
    expect(JSON.stringify(e.content)).toContain('Ada');
    expect(elicited.length).toBeGreaterThan(0);
  });

  it('a session-based client still gets its session (the era is chosen per request)', async () => {
    expect((await legacy.listTools()).tools.map((t) => t.name)).toContain('everything__echo');
    expect(await legacy.callTool({ name: 'everything__echo', arguments: { message: 'old' } })).toEqual({ content: [{ type: 'text', text: 'Echo: old' }] });
  });
});

describe('human approval of a 2026-07-28 client goes through MRTR (approvals.elicit)', () => {
  let agw: TestGateway;
  let asking: V2Client;
  let plain: V2Client;
  let answer: { action: 'accept' | 'decline' | 'cancel'; content?: Record<string, string | number | boolean> } = { action: 'accept', content: { approve: true } };
  const shown: string[] = [];
  beforeAll(async () => {
    agw = await startTestGateway(`
auth: none
approvals: { elicit: true, elicitTimeout: 10s }
mcpServers:${EVERYTHING}
policy:
  allow:
    - { id: echo-needs-a-human, principal: "*", tools: ["everything__echo"], obligations: [approve] }
`);
    asking = new V2Client({ name: 'v2-approver', version: '1' }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: 'auto' } });
    asking.setRequestHandler('elicitation/create', async (r) => {
      shown.push(r.params.message);
      return answer;
    });
    await asking.connect(new V2HttpTransport(new URL(agw.url)));
    plain = new V2Client({ name: 'v2-plain', version: '1' }, { capabilities: {}, versionNegotiation: { mode: 'auto' } });
    await plain.connect(new V2HttpTransport(new URL(agw.url)));
  }, 60_000);
  afterAll(async () => {
    await Promise.all([asking?.close(), plain?.close()]);
    await agw?.close();
  });

  it('the person approves in an input_required round: the call goes through', async () => {
    answer = { action: 'accept', content: { approve: true } };
    expect(await asking.callTool({ name: 'everything__echo', arguments: { message: 'ship it' } })).toMatchObject({ content: [{ type: 'text', text: 'Echo: ship it' }] });
    expect(shown.at(-1)).toContain('everything__echo');
    expect(shown.at(-1)).toContain('ship it');
  });

  it('declined: denied with approval.denied; a client without elicitation gets a ticket', async () => {
    answer = { action: 'decline' };
    const declined = await asking.callTool({ name: 'everything__echo', arguments: { message: 'rm -rf' } }).then(() => undefined, (e: Error & { data?: { rule?: string } }) => e);
    expect(declined?.data?.rule).toBe('approval.denied');
    const before = shown.length;
    const ticket = await plain.callTool({ name: 'everything__echo', arguments: { message: 'plain' } }).then(() => undefined, (e: Error & { code?: number; data?: { ticket?: string } }) => e);
    expect(ticket?.code).toBe(-32016);
    expect(ticket?.data?.ticket).toMatch(/^apr_/);
    expect(shown.length).toBe(before);
  });
});
