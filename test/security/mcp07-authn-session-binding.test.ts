/**
 * OWASP MCP07 — insufficient authentication: a session is bound to the credential that opened it,
 * and revocation and expiry are checked by one stage (authn) before anything else.
 *
 * - another credential of the same user (a second, weaker API key) on a session: 403, rule
 *   authn.credential-mismatch — it never inherits the first key's groups;
 * - another principal's credential on a session: the 404 of an unknown session;
 * - a revoked key: 401 at the listener, on every request;
 * - a revoked principal or session: PCX_SESSION_REVOKED as a JSON-RPC error (on initialize, list
 *   and call), never a bare 404, and no session is left behind.
 * Attacks are data; every one goes through the real listener, with raw HTTP where an SDK client
 * cannot swap its credential mid-session, and real SDK clients elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { createApiKey, revokeApiKey } from '../../src/identity/apikeys.js';
import { fixture, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const CONFIG = `
auth: { apiKeys: true }
mcpServers:
  surface:
    command: node
    args: ["${fixture('surface.mjs')}"]
policy:
  allow:
    - { id: admins, principal: "group:admin", tools: ["surface__*"] }
    - { id: everyone-echo, principal: "*", tools: ["surface__echo"] }
`;

interface Raw {
  status: number;
  body: { result?: Record<string, unknown>; error?: { code: number; message: string; data?: { code?: string; rule?: string } } } | undefined;
  sessionId?: string;
}

/** One JSON-RPC request over raw HTTP (the answer may come as JSON or as one SSE event). */
async function post(url: string, key: string, msg: Record<string, unknown>, sessionId?: string): Promise<Raw> {
  const r = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${key}`,
      'mcp-protocol-version': '2025-06-18',
      ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
    },
    body: JSON.stringify(msg),
  });
  const text = await r.text();
  let body: Raw['body'];
  const data = text.split('\n').find((l) => l.startsWith('data: '));
  try {
    body = text ? JSON.parse(data ? data.slice(6) : text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: r.status, body, sessionId: r.headers.get('mcp-session-id') ?? undefined };
}

async function open(url: string, key: string): Promise<{ raw: Raw; sid: string | undefined }> {
  const raw = await post(url, key, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'attacker', version: '1' } } });
  if (raw.sessionId && !raw.body?.error) await post(url, key, { jsonrpc: '2.0', method: 'notifications/initialized' }, raw.sessionId);
  return { raw, sid: raw.sessionId };
}

const call = (name: string) => ({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name, arguments: { text: 'x' } } });
const list = { jsonrpc: '2.0', id: 3, method: 'tools/list', params: {} };

describe('MCP07 sessions are bound to the credential that opened them', () => {
  let gw: TestGateway;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    gw = await startTestGateway(CONFIG);
    const mk = async (name: string, principal: string, groups: string[]) => (keys[name] = (await createApiKey(gw.rt.store, { principal, groups })).key);
    await mk('strong', 'alice', ['admin']);
    await mk('weak', 'alice', []);
    await mk('bob', 'bob', ['admin']);
    await mk('revokedLater', 'alice', ['admin']);
  });
  afterAll(async () => {
    await gw?.close();
  });

  // Open with `opener`, then present `presenter` on that session.
  const swaps: Array<{ name: string; opener: string; presenter: string; msg: Record<string, unknown>; status: number; code?: string; rule?: string }> = [
    { name: 'weaker key of the same user calls an admin tool on the strong session', opener: 'strong', presenter: 'weak', msg: call('surface__calls'), status: 403, code: 'PCX_DENIED', rule: 'authn.credential-mismatch' },
    { name: 'weaker key lists on the strong session', opener: 'strong', presenter: 'weak', msg: list, status: 403, code: 'PCX_DENIED', rule: 'authn.credential-mismatch' },
    { name: 'stronger key on the weak session (no upgrade either)', opener: 'weak', presenter: 'strong', msg: call('surface__calls'), status: 403, code: 'PCX_DENIED', rule: 'authn.credential-mismatch' },
    { name: "another principal's key on the session: same 404 as an unknown id", opener: 'strong', presenter: 'bob', msg: call('surface__echo'), status: 404 },
  ];

  it.each(swaps)('$name → HTTP $status', async ({ opener, presenter, msg, status, code, rule }) => {
    const { sid } = await open(gw.url, keys[opener]!);
    expect(sid).toBeDefined();
    const r = await post(gw.url, keys[presenter]!, msg, sid);
    expect(r.status).toBe(status);
    expect(r.body?.result).toBeUndefined();
    if (code) expect(r.body?.error?.data).toMatchObject({ code, rule });
    // The opener still works on its own session.
    const own = await post(gw.url, keys[opener]!, call('surface__echo'), sid);
    expect(own.status).toBe(200);
    expect(own.body?.result).toBeDefined();
  });

  it('the weak key never gets the strong key\'s groups: on its own session the admin tool is hidden', async () => {
    const { sid } = await open(gw.url, keys.weak!);
    const r = await post(gw.url, keys.weak!, call('surface__calls'), sid);
    expect(r.body?.error?.data?.code).toBe('PCX_NOT_FOUND');
  });

  it('a revoked key is refused on its session (401), and the weak key cannot take the session over', async () => {
    const { sid } = await open(gw.url, keys.revokedLater!);
    expect((await post(gw.url, keys.revokedLater!, call('surface__calls'), sid)).body?.result).toBeDefined();
    await revokeApiKey(gw.rt.store, keys.revokedLater!);
    expect((await post(gw.url, keys.revokedLater!, call('surface__calls'), sid)).status).toBe(401);
    const weak = await post(gw.url, keys.weak!, call('surface__calls'), sid);
    expect(weak.status).toBe(403);
    expect(weak.body?.result).toBeUndefined();
  });
});

describe('MCP07 revocation is checked first, on every hook, with PCX_SESSION_REVOKED', () => {
  let gw: TestGateway;
  let sdk: Client | undefined;
  beforeAll(async () => {
    gw = await startTestGateway(CONFIG);
  });
  afterAll(async () => {
    await sdk?.close().catch(() => undefined);
    await gw?.close();
  });

  const revocations: Array<{ name: string; subject: (p: string, sid: string) => string; close: boolean; then: 'call' | 'list' | 'initialize'; status: number }> = [
    { name: 'principal revoked, session still open: a call', subject: (p) => `principal:${p}`, close: false, then: 'call', status: 200 },
    { name: 'principal revoked, session still open: a list', subject: (p) => `principal:${p}`, close: false, then: 'list', status: 200 },
    { name: 'principal revoked: a new session cannot be opened', subject: (p) => `principal:${p}`, close: false, then: 'initialize', status: 200 },
    { name: 'principal revoked and its sessions closed (admin API): the old session id', subject: (p) => `principal:${p}`, close: true, then: 'call', status: 404 },
    { name: 'session revoked and closed: its id', subject: (_p, sid) => `session:${sid}`, close: true, then: 'list', status: 404 },
    { name: 'session revoked, still open: a call', subject: (_p, sid) => `session:${sid}`, close: false, then: 'call', status: 200 },
  ];

  it.each(revocations)('$name → PCX_SESSION_REVOKED', async ({ subject, close, then, status }) => {
    const principal = `user:rev-${Math.random().toString(36).slice(2, 8)}`;
    const { key } = await createApiKey(gw.rt.store, { principal: principal.slice(5), groups: ['admin'] });
    const { sid } = await open(gw.url, key);
    expect(sid).toBeDefined();
    expect((await post(gw.url, key, list, sid)).body?.result).toBeDefined();
    await gw.rt.coord.revoke(subject(principal, sid!), 60_000);
    if (close) {
      const s = gw.rt.gateway.sessions.get(sid!);
      if (s) await gw.rt.gateway.closeSession(s);
    }
    const before = gw.rt.gateway.sessions.size;
    const r = then === 'initialize' ? (await open(gw.url, key)).raw : await post(gw.url, key, then === 'call' ? call('surface__echo') : list, sid);
    expect(r.status).toBe(status);
    expect(r.body?.result).toBeUndefined();
    expect(r.body?.error?.data?.code).toBe('PCX_SESSION_REVOKED');
    expect(r.body?.error?.code).toBe(-32020);
    if (then === 'initialize') {
      await new Promise((res) => setTimeout(res, 50));
      expect(gw.rt.gateway.sessions.size).toBe(before); // a refused caller keeps no session
    }
  });

  it('an SDK client of a revoked principal cannot connect (the error names PCX_SESSION_REVOKED)', async () => {
    const { key } = await createApiKey(gw.rt.store, { principal: 'mallory', groups: ['admin'] });
    await gw.rt.coord.revoke('principal:user:mallory', 60_000);
    await expect(httpClient(gw.url, { headers: { authorization: `Bearer ${key}` } }).then((c) => (sdk = c))).rejects.toThrow(/revoked/);
  });

  it('the refusals are audited with rule authn.revoked', async () => {
    const events = (await gw.rt.store.queryAudit({ limit: 10_000 })).map((c) => c.event);
    const refused = events.filter((e) => e.rule === 'authn.revoked');
    expect(refused.length).toBeGreaterThanOrEqual(4);
    expect(new Set(refused.map((e) => e.hook))).toEqual(new Set(['connect', 'list', 'request']));
  });
});
