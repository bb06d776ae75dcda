/**
 * Log lines of a call on a pooled (shared) HTTP upstream reach the session of the caller whose request
 * they were sent for — remapped onto that client's own request, at that client's log level — and never
 * another principal's session. Both upstream eras: modern.mjs (v2 server SDK, 2026-07-28 only) and
 * chatty.mjs (v1 SDK, 2025-era), each over Streamable HTTP, pooled (the default isolation).
 * Clients: v1 `@modelcontextprotocol/sdk` (session era) and v2 `@modelcontextprotocol/client` (2026-07-28).
 *
 * Before: a shared connection's log lines named no caller and were dropped (so every "saw her own lines"
 * expectation below failed; the cross-era conformance scenario tools-call-with-logging failed with it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client as V2Client, StreamableHTTPClientTransport as V2HttpTransport } from '@modelcontextprotocol/client';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startHttpFixture, type HttpFixture } from '../fixtures/harness.mjs';
import { httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createApiKey } from '../../src/identity/apikeys.js';

interface Line {
  level: string;
  data: unknown;
}
interface Party {
  client: Client;
  lines: Line[];
}

let modern: HttpFixture;
let chatty: HttpFixture;
let gw: TestGateway;
let aliceKey: string;
let bobKey: string;
let alice: Party;
let bob: Party;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function party(key: string): Promise<Party> {
  const lines: Line[] = [];
  const client = await httpClient(gw.url, { headers: { authorization: `Bearer ${key}` } });
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void lines.push({ level: n.params.level, data: n.params.data }));
  return { client, lines };
}

const markersIn = (lines: Line[]) => lines.map((l) => String(l.data));

beforeAll(async () => {
  [modern, chatty] = await Promise.all([startHttpFixture('modern.mjs'), startHttpFixture('chatty.mjs')]);
  gw = await startTestGateway(`
auth: { apiKeys: true }
mcpServers:
  m: { url: ${modern.url} }
  c: { url: ${chatty.url} }
policy:
  allow:
    - { id: all, principal: "*", tools: ["*"] }
`);
  aliceKey = (await createApiKey(gw.rt.store, { principal: 'alice' })).key;
  bobKey = (await createApiKey(gw.rt.store, { principal: 'bob' })).key;
  alice = await party(aliceKey);
  bob = await party(bobKey);
  await alice.client.setLoggingLevel('info');
  await bob.client.setLoggingLevel('info');
}, 60_000);

afterAll(async () => {
  await alice?.client.close();
  await bob?.client.close();
  await gw?.close();
  await Promise.all([modern?.close(), chatty?.close()]);
});

describe.each([
  ['2026-07-28', 'm'],
  ['2025-era', 'c'],
])('pooled %s server over HTTP, two principals calling at once', (_era, server) => {
  it('each sees the log lines of its own call, and none of the other’s', async () => {
    alice.lines.length = bob.lines.length = 0;
    const a = `alice-${server}-${Date.now()}`;
    const b = `bob-${server}-${Date.now()}`;
    await Promise.all([
      alice.client.callTool({ name: `${server}__work`, arguments: { marker: a, steps: 3, ms: 300 } }),
      bob.client.callTool({ name: `${server}__work`, arguments: { marker: b, steps: 3, ms: 300 } }),
    ]);
    await sleep(150);
    expect(markersIn(alice.lines)).toEqual([`${a} log 0`, `${a} log 1`, `${a} log 2`]);
    expect(markersIn(bob.lines)).toEqual([`${b} log 0`, `${b} log 1`, `${b} log 2`]);
    // Both connections really were shared (the isolation is not one connection per caller).
    const conns = [...gw.rt.gateway.sessions.values()].map((s) => s.upstreamConnections.get(server));
    expect(conns.length).toBeGreaterThanOrEqual(2);
    expect(new Set(conns).size).toBe(1);
  });
});

it('a client that set a higher level gets only the lines at or above it (2026-07-28 server: sent as the request’s logLevel)', async () => {
  alice.lines.length = bob.lines.length = 0;
  await alice.client.setLoggingLevel('warning');
  try {
    const a = `alice-lvl-${Date.now()}`;
    const b = `bob-lvl-${Date.now()}`;
    await Promise.all([
      alice.client.callTool({ name: 'm__work', arguments: { marker: a, steps: 3, ms: 150 } }),
      bob.client.callTool({ name: 'm__work', arguments: { marker: b, steps: 3, ms: 150 } }),
    ]);
    await sleep(150);
    expect(alice.lines).toEqual([{ level: 'warning', data: `${a} log 2` }]);
    expect(markersIn(bob.lines)).toEqual([`${b} log 0`, `${b} log 1`, `${b} log 2`]);
  } finally {
    await alice.client.setLoggingLevel('info');
  }
});

it('a 2026-07-28 client (v2 SDK) gets its call’s log lines from a pooled 2025-era server; a session client calling at once does not', async () => {
  const lines: string[] = [];
  const v2 = new V2Client({ name: 'v2-logs', version: '1.0.0' }, { capabilities: {}, versionNegotiation: { mode: 'auto' } });
  v2.setNotificationHandler('notifications/message', (n) => void lines.push(String(n.params.data)));
  await v2.connect(new V2HttpTransport(new URL(gw.url), { requestInit: { headers: { authorization: `Bearer ${aliceKey}` } } }));
  try {
    expect(v2.getProtocolEra()).toBe('modern');
    bob.lines.length = 0;
    const a = `v2-alice-${Date.now()}`;
    const b = `bob-v1-${Date.now()}`;
    await Promise.all([
      v2.callTool({ name: 'c__work', arguments: { marker: a, steps: 3, ms: 300 }, _meta: { 'io.modelcontextprotocol/logLevel': 'info' } }),
      bob.client.callTool({ name: 'c__work', arguments: { marker: b, steps: 3, ms: 300 } }),
    ]);
    await sleep(150);
    expect(lines).toEqual([`${a} log 0`, `${a} log 1`, `${a} log 2`]);
    expect(markersIn(bob.lines)).toEqual([`${b} log 0`, `${b} log 1`, `${b} log 2`]);
  } finally {
    await v2.close();
  }
});
