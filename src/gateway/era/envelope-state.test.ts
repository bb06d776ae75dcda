/**
 * The per-request (2026-07-28) era on its own (harness.testutil.ts: a real Gateway and Sessions behind
 * what the listener does before it hands a request over): which requests it claims, the checks that
 * come before any state or policy, and per-caller state. The era with real SDK clients and servers of
 * both lines is test/e2e/era-*.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_CAPABILITIES_META_KEY, CLIENT_INFO_META_KEY, HEADER_MISMATCH, MODERN_VERSION, PROTOCOL_VERSION_META_KEY, SERVER_INFO_META_KEY } from './envelope.js';
import { EnvelopeState } from './envelope-state.js';
import { eraHarness, principal, type EraHarness } from './harness.testutil.js';

const ALICE = principal('user:alice', 'api-key:a1');
const BOB = principal('user:bob', 'api-key:b1');
const meta = (client = 'c') => ({ [PROTOCOL_VERSION_META_KEY]: MODERN_VERSION, [CLIENT_INFO_META_KEY]: { name: client, version: '1' }, [CLIENT_CAPABILITIES_META_KEY]: {} });
const request = (id: number, method: string, params: Record<string, unknown> = {}, client?: string) => ({ jsonrpc: '2.0', id, method, params: { ...params, _meta: meta(client) } });
const headersFor = (method: string, name?: string) => ({ 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': method, ...(name ? { 'mcp-name': name } : {}) });

let h: EraHarness<EnvelopeState> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});
const harness = async () => (h = await eraHarness((gw) => new EnvelopeState(gw, { maxTtlMs: 0, stateTtlMs: 60_000, idleMs: 60_000 })));

describe('EnvelopeState (2026-07-28 per-request era)', () => {
  it('claims only POSTs whose body carries the envelope or whose MCP-Protocol-Version names 2026-07-28', async () => {
    const e = await harness();
    // A session-era initialize, a GET stream and a DELETE are left to the session era.
    expect((await e.send(ALICE, 'POST', { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } })).status).toBe(501);
    expect((await e.send(ALICE, 'GET', undefined, { 'mcp-protocol-version': MODERN_VERSION })).status).toBe(501);
    expect((await e.send(ALICE, 'DELETE', undefined, { 'mcp-protocol-version': MODERN_VERSION })).status).toBe(501);
    expect(e.unclaimed).toBe(3);
    // The header alone claims the POST, and the envelope it lacks is then refused.
    const noEnvelope = await e.send(ALICE, 'POST', { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }, headersFor('tools/list'));
    expect(noEnvelope.status).toBe(400);
    expect(noEnvelope.json.error.message).toMatch(/Invalid _meta envelope/);
    expect(e.unclaimed).toBe(3);
  });

  it('answers server/discover from the state it opens for the caller, without a handshake', async () => {
    const e = await harness();
    const r = await e.send(ALICE, 'POST', request(7, 'server/discover'), headersFor('server/discover'));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: 7, result: { resultType: 'complete', supportedVersions: [MODERN_VERSION], cacheScope: 'private', ttlMs: 0 } });
    expect(r.json.result._meta[SERVER_INFO_META_KEY].name).toBeTruthy();
    expect(r.json.result.capabilities.logging).toBeUndefined();
  });

  it('refuses a request whose headers disagree with its body before any state is opened (HTTP 400, HeaderMismatch)', async () => {
    const e = await harness();
    const r = await e.send(ALICE, 'POST', request(3, 'tools/call', { name: 'delete_everything', arguments: {} }), headersFor('tools/call', 'read_file'));
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: HEADER_MISMATCH, data: { code: 'HeaderMismatch', rule: 'era.header-mismatch' } });
    const noMethod = await e.send(ALICE, 'POST', request(4, 'tools/list'), { 'mcp-protocol-version': MODERN_VERSION });
    expect(noMethod.json.error.code).toBe(HEADER_MISMATCH);
    expect(e.gw.sessions.size).toBe(0);
  });

  it('serves only 2026-07-28 requests: initialize and removed methods are 404 Method not found', async () => {
    const e = await harness();
    for (const method of ['initialize', 'ping', 'logging/setLevel', 'tasks/result']) {
      const r = await e.send(ALICE, 'POST', request(5, method), headersFor(method));
      expect(r.status, method).toBe(404);
      expect(r.json.error.code, method).toBe(-32601);
    }
  });

  it('keeps one state per principal and client: the same client shares it, another principal or client never does', async () => {
    const e = await harness();
    const list = (p = ALICE, client?: string) => e.send(p, 'POST', request(6, 'tools/list', {}, client), headersFor('tools/list'));
    for (const r of await Promise.all([list(), list()])) expect(r.json.result).toMatchObject({ tools: [], resultType: 'complete', cacheScope: 'private' });
    expect(e.gw.sessions.size).toBe(1);
    await list(BOB);
    await list(ALICE, 'other-client');
    expect(e.gw.sessions.size).toBe(3);
    expect([...e.gw.sessions.values()].map((s) => s.principal.id).sort()).toEqual([ALICE.id, ALICE.id, BOB.id]);
  });
});
