/**
 * What the conformance suite's 2026-07-28 server scenarios (`npm run conformance`) found the gateway doing
 * differently from the server behind it, pinned as tests: a 2026-07-28 client → gateway → a 2026-07-28
 * server over HTTP (test/fixtures/conformant-modern.mjs).
 *   - server-stateless: removed/unknown methods are HTTP 404 + -32601; an envelope without
 *     clientCapabilities is HTTP 400 + -32602; the server's -32021 MissingRequiredClientCapability
 *     (which it answers with HTTP 400) reaches the client as -32021 with HTTP 400, not as a transport failure;
 *   - input-required-result-*: the server's inputRequests keys (user_name, …) reach the client, all in one round;
 *     a retry that leaves some out is asked again for those (a SHOULD of SEP-2322);
 *   - http-custom-header-server-validation: `=?base64?…?=` must be canonical Base64 (padding too), and a
 *     value not wrapped on both sides is a literal.
 * And in front of a 2025-era server (test/fixtures/conformant.mjs, stdio), where the gateway translates:
 *   - server-stateless: no log lines for a request that set no `_meta` logLevel (the old server logs anyway);
 *     a server request for a capability the client did not declare ends the call with -32021, never reaches it;
 *   - sep-2164-resource-not-found: the old server's -32002 reaches a 2026-07-28 client as -32602 + data.uri.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modernPost, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/conformant-modern.mjs');
const OLD_FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/conformant.mjs');
let upstream: ChildProcess;
let gw: TestGateway;
let oldGw: TestGateway;

/** A raw 2026-07-28 POST whose envelope declares `caps` (null: no clientCapabilities key at all). */
function post(body: Record<string, unknown>, headers: Record<string, string>, caps: Record<string, unknown> | null): Promise<{ status: number; json: any }> {
  const params = { ...((body.params as Record<string, unknown>) ?? {}) };
  // modernPost puts its default envelope under this _meta; an undefined value drops the key from the JSON.
  params._meta = { 'io.modelcontextprotocol/clientCapabilities': caps ?? undefined };
  return modernPost(gw.url, { ...body, params }, headers, 'unused');
}

beforeAll(async () => {
  upstream = spawn(process.execPath, [FIXTURE, '--http', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let err = '';
    upstream.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /LISTENING (\d+)/.exec(err);
      if (m) resolve(Number(m[1]));
    });
    upstream.once('exit', (code) => reject(new Error(`conformant-modern exited (${code}): ${err}`)));
  });
  gw = await startTestGateway(`
auth: none
mcpServers:
  up: { url: "http://127.0.0.1:${port}/mcp", type: http }
servers:
  up: { prefix: "" }
`);
  oldGw = await startTestGateway(`
auth: none
mcpServers:
  old: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(OLD_FIXTURE)}] }
servers:
  old: { prefix: "", isolation: session }
`);
}, 60_000);

afterAll(async () => {
  await Promise.all([gw?.close(), oldGw?.close()]);
  if (upstream && upstream.exitCode === null && upstream.signalCode === null) {
    const gone = new Promise((r) => upstream.once('exit', r));
    upstream.kill();
    await gone;
  }
});

/** A raw 2026-07-28 tools/call to the gateway in front of the 2025-era server: every message of the answer. */
async function callOld(name: string, caps: Record<string, unknown>, meta: Record<string, unknown> = {}): Promise<{ status: number; messages: any[] }> {
  const r = await fetch(oldGw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': name },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name, arguments: {}, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': caps, ...meta } },
    }),
  });
  const text = await r.text();
  const messages = text.startsWith('event:') ? text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6))) : [JSON.parse(text)];
  return { status: r.status, messages };
}

describe('2026-07-28 client → gateway → 2026-07-28 server: what conformance checks', () => {
  it.each(['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe', 'tasks/result', 'tasks/list', 'unknown/method'])(
    '%s is not a 2026-07-28 request: HTTP 404, -32601, the request id kept',
    async (method) => {
      const r = await post({ id: 41, method, params: method.startsWith('resources/') ? { uri: 'test://static-text' } : {} }, {}, {});
      expect(r.status).toBe(404);
      expect(r.json).toMatchObject({ id: 41, error: { code: -32601 } });
    },
  );

  it('an envelope without clientCapabilities is HTTP 400, -32602', async () => {
    const r = await post({ id: 42, method: 'server/discover' }, {}, null);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ id: 42, error: { code: -32602 } });
    expect((await post({ id: 43, method: 'server/discover' }, {}, {})).status).toBe(200);
  });

  it("the server's -32021 (a capability the client did not declare) reaches the client with its data and HTTP 400", async () => {
    const call = { method: 'tools/call', params: { name: 'test_missing_capability', arguments: {} } };
    const refused = await post({ id: 44, ...call }, { 'mcp-name': 'test_missing_capability' }, {});
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ id: 44, error: { code: -32021, data: { requiredCapabilities: { sampling: {} } } } });
    const served = await post({ id: 45, ...call }, { 'mcp-name': 'test_missing_capability' }, { sampling: {} });
    expect(served.status).toBe(200);
    expect(served.json.result.content[0].text).toBe('client declared sampling');
  });

  it("the server's inputRequests reach the client under the server's keys, all of a round at once, and the retry completes", async () => {
    const call = { method: 'tools/call', params: { name: 'test_input_required_result_multiple_inputs', arguments: {} } };
    const h = { 'mcp-name': 'test_input_required_result_multiple_inputs' };
    const caps = { elicitation: {}, sampling: {}, roots: {} };
    const r1 = await post({ id: 47, ...call }, h, caps);
    expect(r1.json.result.resultType).toBe('input_required');
    expect(Object.keys(r1.json.result.inputRequests).sort()).toEqual(['client_roots', 'greeting', 'user_name']);
    expect(r1.json.result.inputRequests.greeting.method).toBe('sampling/createMessage');
    const inputResponses = {
      user_name: { action: 'accept', content: { name: 'Ada' } },
      greeting: { role: 'assistant', content: { type: 'text', text: 'Hi' }, model: 'm' },
      client_roots: { roots: [{ uri: 'file:///tmp' }] },
    };
    const r2 = await post({ id: 48, method: 'tools/call', params: { ...call.params, inputResponses, requestState: r1.json.result.requestState } }, h, caps);
    expect(r2.json.result).toMatchObject({ resultType: 'complete', content: [{ type: 'text', text: 'Hi Ada (1 roots)' }] });
  });

  it('inputResponses without a requestState answer nothing: dropped, never sent upstream, the question asked afresh', async () => {
    const h = { 'mcp-name': 'test_input_required_result_elicitation' };
    const unasked = { user_name: { action: 'accept', content: { name: 'Mallory' } }, wrong_key: { action: 'accept', content: { data: 'x' } } };
    const r = await post({ id: 52, method: 'tools/call', params: { name: 'test_input_required_result_elicitation', arguments: {}, inputResponses: unasked } }, h, { elicitation: {} });
    expect(r.status).toBe(200);
    // The server would have completed with "Hello, Mallory!" had the answers reached it.
    expect(r.json.result).toMatchObject({ resultType: 'input_required', inputRequests: { user_name: { method: 'elicitation/create' } } });
  });

  it('a retry that leaves answers out is asked again for just those (input-required-result-missing-input-response)', async () => {
    const call = { method: 'tools/call', params: { name: 'test_input_required_result_multiple_inputs', arguments: {} } };
    const h = { 'mcp-name': 'test_input_required_result_multiple_inputs' };
    const caps = { elicitation: {}, sampling: {}, roots: {} };
    const r1 = await post({ id: 49, ...call }, h, caps);
    const partial = { user_name: { action: 'accept', content: { name: 'Ada' } }, unknown_key: { action: 'accept' } };
    const r2 = await post({ id: 50, method: 'tools/call', params: { ...call.params, inputResponses: partial, requestState: r1.json.result.requestState } }, h, caps);
    expect(r2.json.result.resultType).toBe('input_required');
    expect(Object.keys(r2.json.result.inputRequests).sort()).toEqual(['client_roots', 'greeting']);
    const rest = { greeting: { role: 'assistant', content: { type: 'text', text: 'Hey' }, model: 'm' }, client_roots: { roots: [] } };
    const r3 = await post({ id: 51, method: 'tools/call', params: { ...call.params, inputResponses: rest, requestState: r2.json.result.requestState } }, h, caps);
    expect(r3.json.result).toMatchObject({ resultType: 'complete', content: [{ type: 'text', text: 'Hey Ada (0 roots)' }] });
  });

  it.each([
    ['=?base64?SGVsbG8=?=', 'Hello', 200],
    ['=?base64?SGVsbG8?=', 'Hello', 400], // padding missing: not canonical Base64
    ['=?base64?SGVsbG8=', '=?base64?SGVsbG8=', 200], // not wrapped on both sides: the literal value
  ])('Mcp-Param-Region %j for region %j: HTTP %i', async (header, region, status) => {
    const r = await post({ id: 46, method: 'tools/call', params: { name: 'test_custom_headers', arguments: { region } } }, { 'mcp-name': 'test_custom_headers', 'mcp-param-region': header }, {});
    expect(r.status).toBe(status);
    if (status === 400) expect(r.json.error.code).toBe(-32020);
    else expect(r.json.result.content[0].text).toContain(JSON.stringify(region).slice(1, -1));
  });
});

describe('2026-07-28 client → gateway → 2025-era server: translation', () => {
  it('log lines reach the client only when its request set a logLevel, and only at or above it', async () => {
    const logs = (r: { messages: any[] }) => r.messages.filter((m) => m.method === 'notifications/message').map((m) => m.params.level);
    const none = await callOld('test_logging_tool', {});
    expect(none.messages.at(-1).result.content[0].text).toBe('logged');
    expect(logs(none)).toEqual([]);
    expect(logs(await callOld('test_logging_tool', {}, { 'io.modelcontextprotocol/logLevel': 'error' }))).toEqual(['error']);
    expect(logs(await callOld('test_logging_tool', {}, { 'io.modelcontextprotocol/logLevel': 'debug' }))).toEqual(['info', 'error']);
  });

  it("an unknown resource is -32602 with the uri in data (SEP-2164), though the old server says -32002", async () => {
    const uri = 'test://nonexistent-resource';
    const r = await fetch(oldGw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'resources/read', 'mcp-name': uri },
      body: JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'resources/read', params: { uri, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } }),
    });
    expect(await r.json()).toMatchObject({ id: 8, error: { code: -32602, data: { uri } } });
  });

  it('a server request for an undeclared client capability ends the call with -32021 (HTTP 400), never reaches the client', async () => {
    const r = await callOld('test_missing_capability', { elicitation: {} });
    expect(r.status).toBe(400);
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]).toMatchObject({ id: 7, error: { code: -32021, data: { requiredCapabilities: { sampling: {} } } } });
    const asked = await callOld('test_missing_capability', { sampling: {} });
    expect(asked.messages.at(-1).result).toMatchObject({ resultType: 'input_required' });
    expect(Object.values(asked.messages.at(-1).result.inputRequests)).toMatchObject([{ method: 'sampling/createMessage' }]);
  });
});
