/**
 * MCP07 (insufficient authentication & authorization) on the 2026-07-28 surface: a request whose
 * Mcp-Method / Mcp-Name / MCP-Protocol-Version headers disagree with its body is refused (HTTP 400
 * HeaderMismatch) before any policy runs, so a rule or an edge keyed on a header cannot be walked
 * around; and a requestState (MRTR) is sealed to the principal and the call it was issued for, so it
 * cannot be forged, altered, replayed by another principal, moved to another call, or used twice.
 * Attacks are data: one line per case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/identity/apikeys.js';
import { EVERYTHING, modernPost, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const V = '2026-07-28';
let gw: TestGateway;
let bobKey: string;
let malloryKey: string;

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
}, 60_000);

afterAll(async () => {
  await gw?.close();
});

describe('the new surface is checked before any policy', () => {
  const cases: Array<{ name: string; headers: Record<string, string>; body: Record<string, unknown> }> = [
    { name: 'Mcp-Name names an allowed tool, the body a denied one', headers: { 'mcp-name': 'everything__echo' }, body: { method: 'tools/call', params: { name: 'everything__get-env', arguments: {} } } },
    { name: 'Mcp-Method says tools/list, the body calls a tool', headers: { 'mcp-method': 'tools/list', 'mcp-name': 'everything__echo' }, body: { method: 'tools/call', params: { name: 'everything__echo', arguments: { message: 'x' } } } },
    { name: 'Mcp-Name missing on tools/call', headers: {}, body: { method: 'tools/call', params: { name: 'everything__echo', arguments: { message: 'x' } } } },
    { name: 'Mcp-Name with a broken base64 sentinel', headers: { 'mcp-name': '=?base64?***?=' }, body: { method: 'tools/call', params: { name: 'everything__echo', arguments: { message: 'x' } } } },
    { name: 'protocol version header disagrees with the envelope', headers: { 'mcp-protocol-version': '2025-11-25', 'mcp-name': 'everything__echo' }, body: { method: 'tools/call', params: { name: 'everything__echo', arguments: { message: 'x' } } } },
    { name: 'Mcp-Name (base64) for another resource than the body reads', headers: { 'mcp-name': `=?base64?${Buffer.from('demo://resource/static/document/other.md').toString('base64')}?=` }, body: { method: 'resources/read', params: { uri: 'demo://resource/static/document/architecture.md' } } },
  ];
  it.each(cases)('HTTP 400 HeaderMismatch: $name', async ({ headers, body }) => {
    const r = await post({ id: 10, ...body }, headers);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe(-32020);
    expect(r.json.error.data.rule).toBe('era.header-mismatch');
  });

  it('requestState is sealed to the caller and the call: altered, replayed by another principal, or moved to another call, it is refused', async () => {
    const first = await post({ id: 20, method: 'tools/call', params: { name: 'everything__trigger-elicitation-request', arguments: {} } }, { 'mcp-name': 'everything__trigger-elicitation-request' });
    expect(first.json.result.resultType).toBe('input_required');
    const state: string = first.json.result.requestState;
    const key = Object.keys(first.json.result.inputRequests)[0]!;
    const answer = { [key]: { action: 'decline' } };
    const retry = (s: string, k = bobKey, args: Record<string, unknown> = {}, name = 'everything__trigger-elicitation-request') =>
      post({ id: 21, method: 'tools/call', params: { name, arguments: args, inputResponses: answer, requestState: s } }, { 'mcp-name': name }, k);
    const tampered = state.slice(0, -2) + (state.endsWith('A') ? 'BB' : 'AA');
    for (const bad of [await retry(tampered), await retry(state, malloryKey), await retry(state, bobKey, { extra: 1 }), await retry(state, bobKey, {}, 'everything__echo'), await retry('forged')]) {
      expect(bad.json.error?.code).toBe(-32602);
      expect(bad.json.error?.data?.rule).toBe('era.request-state');
    }
    // The genuine retry completes the call, once.
    const ok = await retry(state);
    expect(ok.json.result.resultType).toBe('complete');
    expect((await retry(state)).json.error?.data?.rule).toBe('era.request-state');
  });
});
