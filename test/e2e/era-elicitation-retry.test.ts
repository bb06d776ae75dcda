/**
 * A 2026-07-28 client in front of a 2025-era server (conformant.mjs over HTTP: elicitation/create mid-call),
 * the gateway translating: the old server's request becomes an input_required round under a key the gateway
 * names (a 2025 server names none), and the client's retry is answered back on the upstream session that is
 * still waiting for it. The requestState is the gateway's, bound to the caller and checked (untrusted): another
 * principal's retry, a tampered state, or an answer under a key that was not asked never reach the server.
 * Pooled (the default isolation) and `isolation: session`; raw 2026-07-28 POSTs and the v2 client SDK.
 *
 * The conformance scenario input-required-result-basic-elicitation (cross-era column) asks for the key
 * "user_name", which only a server can choose; scripts/conformance.mjs lists that as a cross-era limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client as V2Client, StreamableHTTPClientTransport as V2HttpTransport } from '@modelcontextprotocol/client';
import { startHttpFixture, type HttpFixture } from '../fixtures/harness.mjs';
import { modernPost, startPooledPairGateway, type TestGateway } from '../helpers/gateway.js';

let old: HttpFixture;
let gw: TestGateway;
let aliceKey: string;
let malloryKey: string;
let nextId = 100;

const TOOL = 'test_input_required_result_elicitation';

beforeAll(async () => {
  old = await startHttpFixture('conformant.mjs');
  let keys: Record<string, string>;
  ({ gw, keys } = await startPooledPairGateway(old.url, ['alice', 'mallory']));
  aliceKey = keys.alice!;
  malloryKey = keys.mallory!;
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await old?.close();
});

const call = (server: string, key: string, extra: Record<string, unknown> = {}) =>
  modernPost(gw.url, { id: nextId++, method: 'tools/call', params: { name: `${server}__${TOOL}`, arguments: {}, ...extra } }, { 'mcp-name': `${server}__${TOOL}` }, key);

const accept = (name: string) => ({ action: 'accept', content: { name } });

describe.each(['pooled', 'own'])('2026-07-28 client → 2025-era server (%s connection)', (server) => {
  it("the old server's elicitation is one input_required round; the retry under its key is answered on the upstream session", async () => {
    const r1 = await call(server, aliceKey);
    expect(r1.json.result.resultType).toBe('input_required');
    const keys = Object.keys(r1.json.result.inputRequests);
    expect(keys).toHaveLength(1);
    const [k] = keys as [string];
    expect(r1.json.result.inputRequests[k]).toMatchObject({ method: 'elicitation/create', params: { message: 'What is your name?' } });
    expect(typeof r1.json.result.requestState).toBe('string');
    const r2 = await call(server, aliceKey, { inputResponses: { [k]: accept('Alice') }, requestState: r1.json.result.requestState });
    expect(r2.json.result).toMatchObject({ resultType: 'complete', content: [{ type: 'text', text: 'Hello, Alice!' }] });
  });

  it("another principal's retry with Alice's requestState is refused (era.request-state), and Alice's own retry still completes", async () => {
    const r1 = await call(server, aliceKey);
    const [k] = Object.keys(r1.json.result.inputRequests) as [string];
    const state = r1.json.result.requestState as string;
    const stolen = await call(server, malloryKey, { inputResponses: { [k]: accept('Mallory') }, requestState: state });
    expect(stolen.json.error).toMatchObject({ code: -32602, data: { rule: 'era.request-state' } });
    const tampered = await call(server, aliceKey, { inputResponses: { [k]: accept('Mallory') }, requestState: `${state.slice(0, -2)}${state.endsWith('A') ? 'BB' : 'AA'}` });
    expect(tampered.json.error).toMatchObject({ code: -32602, data: { rule: 'era.request-state' } });
    const r2 = await call(server, aliceKey, { inputResponses: { [k]: accept('Alice') }, requestState: state });
    expect(r2.json.result.content[0].text).toBe('Hello, Alice!');
  });

  it('an answer under a key that was not asked reaches no one: the question is asked again, then answered', async () => {
    const r1 = await call(server, aliceKey);
    const [k] = Object.keys(r1.json.result.inputRequests) as [string];
    const wrong = k === 'user_name' ? 'other' : 'user_name';
    const r2 = await call(server, aliceKey, { inputResponses: { [wrong]: accept('Mallory') }, requestState: r1.json.result.requestState });
    expect(r2.json.result.resultType).toBe('input_required');
    expect(Object.keys(r2.json.result.inputRequests)).toEqual([k]);
    const r3 = await call(server, aliceKey, { inputResponses: { [k]: accept('Alice') }, requestState: r2.json.result.requestState });
    expect(r3.json.result.content[0].text).toBe('Hello, Alice!');
  });

  it('the v2 client SDK answers the round with its elicitation handler', async () => {
    const c = new V2Client({ name: 'v2-elicit', version: '1.0.0' }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: 'auto' } });
    const asked: string[] = [];
    c.setRequestHandler('elicitation/create', async (r) => {
      asked.push(r.params.message);
      return { action: 'accept', content: { name: 'Ada' } };
    });
    await c.connect(new V2HttpTransport(new URL(gw.url), { requestInit: { headers: { authorization: `Bearer ${aliceKey}` } } }));
    try {
      expect(c.getProtocolEra()).toBe('modern');
      const r = await c.callTool({ name: `${server}__${TOOL}`, arguments: {} });
      expect(r.content).toEqual([{ type: 'text', text: 'Hello, Ada!' }]);
      expect(asked).toEqual(['What is your name?']);
    } finally {
      await c.close();
    }
  });
});
