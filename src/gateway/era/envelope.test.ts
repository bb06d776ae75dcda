import { describe, expect, it } from 'vitest';
import * as sdk from '@modelcontextprotocol/server';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  MODERN_VERSION,
  PROTOCOL_VERSION_META_KEY,
  SERVER_INFO_META_KEY,
  decodeHeaderValue,
  encodeHeaderValue,
  headerMismatch,
  readEnvelope,
  stampResult,
  stripEnvelope,
  withEnvelope,
} from './envelope.js';
import { RequestStateSealer, requestDigest } from './request-state.js';

const env = { protocolVersion: MODERN_VERSION, clientInfo: { name: 'c', version: '1' }, capabilities: {} };
const call = (name: string) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });

describe('envelope vocabulary', () => {
  it('uses the v2 SDK key names (copied to keep the SDK off the start path; checked here)', () => {
    expect(PROTOCOL_VERSION_META_KEY).toBe(sdk.PROTOCOL_VERSION_META_KEY);
    expect(CLIENT_INFO_META_KEY).toBe(sdk.CLIENT_INFO_META_KEY);
    expect(CLIENT_CAPABILITIES_META_KEY).toBe(sdk.CLIENT_CAPABILITIES_META_KEY);
    expect(SERVER_INFO_META_KEY).toBe(sdk.SERVER_INFO_META_KEY);
  });

  it('reads, strips and adds the envelope', () => {
    const p = withEnvelope({ name: 'x', _meta: { progressToken: 3 } }, env);
    expect(readEnvelope(p)).toEqual(env);
    expect(stripEnvelope(p)).toEqual({ name: 'x', _meta: { progressToken: 3 } });
    expect(readEnvelope({})).toHaveProperty('error');
    // clientCapabilities is required (SEP-2575: -32602, HTTP 400); an empty object declares none; clientInfo is optional.
    expect(readEnvelope({ _meta: { [PROTOCOL_VERSION_META_KEY]: MODERN_VERSION } })).toHaveProperty('error');
    expect(readEnvelope({ _meta: { [PROTOCOL_VERSION_META_KEY]: MODERN_VERSION, [CLIENT_CAPABILITIES_META_KEY]: {} } })).toEqual({ protocolVersion: MODERN_VERSION, clientInfo: undefined, capabilities: {} });
    expect(readEnvelope({ _meta: { [PROTOCOL_VERSION_META_KEY]: MODERN_VERSION, [CLIENT_CAPABILITIES_META_KEY]: 'x' } })).toHaveProperty('error');
  });

  it('round-trips header values, with the base64 sentinel for what is not plain ASCII', () => {
    for (const v of ['plain', 'données', ' padded ', 'a\nb']) expect(decodeHeaderValue(encodeHeaderValue(v))).toBe(v);
    expect(decodeHeaderValue('=?base64?%%%?=')).toBeUndefined();
    for (const v of ['=?base64?x?=', '=?base64??=', '=?base64?SGVsbG8=', '=?base64?']) expect(decodeHeaderValue(encodeHeaderValue(v))).toBe(v);
  });

  // SEP-2243 as the conformance suite (http-custom-header-server-validation) checks it: only a value wrapped
  // in BOTH `=?base64?` and `?=` is Base64, and then it must be canonical (padding included); else a literal.
  it.each([
    ['=?base64?SGVsbG8=?=', 'Hello'],
    ['=?base64?SGVsbG8?=', undefined], // missing padding
    ['=?base64?SGVsbG8==?=', undefined], // extra padding
    ['=?base64?SGVs!!!bG8=?=', undefined], // not Base64
    ['=?base64?SGVs bG8=?=', undefined],
    ['=?base64?/w==?=', undefined], // Base64 of bytes that are not UTF-8
    ['=?base64?SGVsbG8=', '=?base64?SGVsbG8='], // no `?=`: a literal value
    ['SGVsbG8=', 'SGVsbG8='],
    ['=?base64??=', ''],
  ])('decodes the header value %j as %j', (raw, want) => {
    expect(decodeHeaderValue(raw)).toBe(want);
  });

  // Each row: headers, body, and whether they disagree. A disagreement is refused before policy.
  const rows: Array<[string, { protocolVersion?: string; method?: string; name?: string }, Record<string, unknown>, boolean]> = [
    ['all agree', { protocolVersion: MODERN_VERSION, method: 'tools/call', name: 'echo' }, call('echo'), false],
    ['name differs', { protocolVersion: MODERN_VERSION, method: 'tools/call', name: 'echo' }, call('rm'), true],
    ['name differs only by case', { protocolVersion: MODERN_VERSION, method: 'tools/call', name: 'Echo' }, call('echo'), true],
    ['name base64 of the body value', { protocolVersion: MODERN_VERSION, method: 'tools/call', name: encodeHeaderValue('écho') }, call('écho'), false],
    ['name base64 of another value', { protocolVersion: MODERN_VERSION, method: 'tools/call', name: encodeHeaderValue('écho') }, call('echo'), true],
    ['name missing', { protocolVersion: MODERN_VERSION, method: 'tools/call' }, call('echo'), true],
    ['method differs', { protocolVersion: MODERN_VERSION, method: 'tools/list', name: 'echo' }, call('echo'), true],
    ['method missing', { protocolVersion: MODERN_VERSION, name: 'echo' }, call('echo'), true],
    ['version missing', { method: 'tools/call', name: 'echo' }, call('echo'), true],
    ['version differs', { protocolVersion: '2025-11-25', method: 'tools/call', name: 'echo' }, call('echo'), true],
    ['list needs no name', { protocolVersion: MODERN_VERSION, method: 'tools/list' }, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, false],
    ['a name on a method without one', { protocolVersion: MODERN_VERSION, method: 'tools/list', name: 'x' }, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, true],
    ['resource URI', { protocolVersion: MODERN_VERSION, method: 'resources/read', name: 'file:///a' }, { jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'file:///b' } }, true],
    ['notification without headers', {}, { jsonrpc: '2.0', method: 'notifications/cancelled', params: {} }, false],
  ];
  it.each(rows)('headers vs body: %s', (_n, h, msg, bad) => {
    expect(headerMismatch(h, msg, env) !== undefined).toBe(bad);
  });

  it('stamps resultType on every result, and private + bounded ttl on lists and reads', () => {
    expect(stampResult('tools/call', { content: [] }, 0)).toEqual({ resultType: 'complete', content: [] });
    expect(stampResult('tools/list', { tools: [], ttlMs: 60_000, cacheScope: 'public' }, 5000)).toMatchObject({ resultType: 'complete', ttlMs: 5000, cacheScope: 'private' });
    expect(stampResult('resources/read', { contents: [] }, 0)).toMatchObject({ ttlMs: 0, cacheScope: 'private' });
  });
});

describe('requestState sealing', () => {
  const s = new RequestStateSealer();
  const d = requestDigest('tools/call', { name: 'deploy', arguments: { env: 'prod', n: 1 } });
  const state = s.seal({ p: 'user:bob', d, c: 'm1', e: Date.now() + 60_000 });

  it('opens for the same principal and call, with arguments in any key order', () => {
    expect(s.open(state, 'user:bob', requestDigest('tools/call', { name: 'deploy', arguments: { n: 1, env: 'prod' } }))).toMatchObject({ c: 'm1' });
  });

  const refused: Array<[string, () => unknown]> = [
    ['another principal', () => s.open(state, 'user:mallory', d)],
    ['other arguments', () => s.open(state, 'user:bob', requestDigest('tools/call', { name: 'deploy', arguments: { env: 'dev', n: 1 } }))],
    ['another tool', () => s.open(state, 'user:bob', requestDigest('tools/call', { name: 'deploy2', arguments: { env: 'prod', n: 1 } }))],
    ['one byte changed', () => s.open(state.slice(0, 10) + (state[10] === 'a' ? 'b' : 'a') + state.slice(11), 'user:bob', d)],
    ['another gateway key', () => new RequestStateSealer().open(state, 'user:bob', d)],
    ['expired', () => s.open(s.seal({ p: 'user:bob', d, c: 'm1', e: Date.now() - 1 }), 'user:bob', d)],
    ['not a string', () => s.open({ c: 'm1' }, 'user:bob', d)],
    ['oversized', () => s.open('pcx1.' + 'a'.repeat(5000) + '.x', 'user:bob', d)],
  ];
  it.each(refused)('refuses a state from %s', (_n, f) => {
    expect(f()).toHaveProperty('error');
  });
});
