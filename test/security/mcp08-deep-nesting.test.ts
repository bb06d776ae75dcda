/**
 * OWASP MCP08 (lack of audit) / robustness — a message nested far past any sane depth gets a clear
 * error (PCX_DENIED, rule validate.depth, `limits.maxDepth`) AND an audit event, never an internal
 * error, and the gateway keeps serving. JSON.parse takes any depth, but JSON.stringify, hashing
 * and the detectors recurse: the attacks below are 100,000 levels deep in every place a message
 * can nest, written as raw JSON (an SDK client could not even serialise them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { fixture, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const N = 100_000;
const arrays = (n: number) => '['.repeat(n) + ']'.repeat(n);
const objects = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const mixed = (n: number) => '[{"k":'.repeat(n / 2) + 'null' + '}]'.repeat(n / 2);

async function post(url: string, body: string, sessionId?: string): Promise<{ status: number; json: { id?: unknown; result?: unknown; error?: { code: number; message: string; data?: { code?: string; rule?: string; eventId?: string } } } }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18', ...(sessionId ? { 'mcp-session-id': sessionId } : {}) },
    body,
  });
  const text = await r.text();
  const data = text.split('\n').find((l) => l.startsWith('data: '));
  return { status: r.status, json: text ? JSON.parse(data ? data.slice(6) : text) : {} };
}

describe('MCP08 deep nesting: a clear, audited refusal', () => {
  let gw: TestGateway;
  let sid: string;
  let sdk: Client;
  beforeAll(async () => {
    gw = await startTestGateway(`
auth: none
mcpServers:
  surface:
    command: node
    args: ["${fixture('surface.mjs')}"]
`);
    const r = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'deep', version: '1' } } }),
    });
    await r.text();
    sid = r.headers.get('mcp-session-id')!;
    await post(gw.url, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), sid);
    sdk = await httpClient(gw.url);
  });
  afterAll(async () => {
    await sdk?.close();
    await gw?.close();
  });

  let nextId = 100;
  const attacks: Array<{ name: string; body: (id: number) => string }> = [
    { name: 'tool arguments: arrays', body: (id) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"surface__echo","arguments":{"text":${arrays(N)}}}}` },
    { name: 'tool arguments: objects', body: (id) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"surface__echo","arguments":${objects(N)}}}` },
    { name: 'tool arguments: mixed', body: (id) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"surface__echo","arguments":{"x":${mixed(N)}}}}` },
    { name: 'unknown tool with deep arguments', body: (id) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"surface__nope","arguments":{"x":${arrays(N)}}}}` },
    { name: '_meta', body: (id) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"surface__echo","arguments":{},"_meta":{"x":${objects(N)}}}}` },
    { name: 'prompt arguments', body: (id) => `{"jsonrpc":"2.0","id":${id},"method":"prompts/get","params":{"name":"surface__greet","arguments":{"name":${arrays(N)}}}}` },
    { name: 'resource read params', body: (id) => `{"jsonrpc":"2.0","id":${id},"method":"resources/read","params":{"uri":"memo://public/readme","x":${arrays(N)}}}` },
    { name: 'completion argument', body: (id) => `{"jsonrpc":"2.0","id":${id},"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"surface__greet"},"argument":{"name":"name","value":${arrays(N)}}}}` },
    { name: 'just past the limit (65 levels)', body: (id) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"surface__echo","arguments":{"x":${arrays(65)}}}}` },
  ];

  it.each(attacks)('$name → PCX_DENIED validate.depth, audited', async ({ body }) => {
    const id = nextId++;
    const r = await post(gw.url, body(id), sid);
    expect(r.status).toBe(200);
    expect(r.json.id).toBe(id);
    expect(r.json.error?.data).toMatchObject({ code: 'PCX_DENIED', rule: 'validate.depth' });
    expect(r.json.error?.message).toMatch(/nested deeper than 64/);
    const events = (await gw.rt.store.queryAudit({ limit: 10_000 })).map((c) => c.event);
    const ev = events.find((e) => e.id === r.json.error?.data?.eventId);
    expect(ev).toMatchObject({ decision: 'deny', rule: 'validate.depth', outcome: 'denied' });
    // The gateway is still fine, on this session and others.
    expect((await post(gw.url, JSON.stringify({ jsonrpc: '2.0', id: id + 10_000, method: 'tools/call', params: { name: 'surface__echo', arguments: { text: 'ok' } } }), sid)).json.result).toBeDefined();
  });

  it('control: nesting within the limit goes through', async () => {
    const r = await post(gw.url, `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"surface__echo","arguments":{"x":${arrays(40)}}}}`, sid);
    expect(r.json.result).toBeDefined();
  });

  it('an upstream result nested too deep is refused the same way (response path), and audited', async () => {
    const err = await sdk.callTool({ name: 'surface__deep', arguments: { depth: 2000 } }).then(
      () => undefined,
      (e: { data?: { rule?: string; code?: string } }) => e,
    );
    expect(err?.data).toMatchObject({ code: 'PCX_DENIED', rule: 'validate.depth' });
    expect(await sdk.callTool({ name: 'surface__deep', arguments: { depth: 10 } })).toMatchObject({ content: [{ text: 'deep' }] });
  });
});
