/**
 * The session era on its own (harness.testutil.ts: a real Gateway and real Sessions behind what the
 * listener does before it hands a request over). The fleet is an in-memory SessionStore
 * (test/fleet/ runs the real one, on PostgreSQL and Redis, across three processes).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CREDENTIAL_MISMATCH_RULE, REVOKED_RULE } from '../../pipeline/rules.js';
import type { Principal } from '../../pipeline/types.js';
import type { SessionRecord } from '../../store/types.js';
import type { SessionChannelMessage } from '../../coord/session-channel.js';
import type { SessionStore } from '../fleet.js';
import type { Session } from '../session.js';
import { eraHarness, principal, type EraHarness } from './harness.testutil.js';
import { SessionEra } from './session-era.js';

const ALICE = principal('user:alice', 'api-key:a1');

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
const LIST = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };

/** The fleet store's part of the contract, in memory, recording what the era asked of it. */
class MemoryFleet implements SessionStore {
  readonly instance = 'test/1';
  readonly records = new Map<string, SessionRecord>();
  readonly calls: string[] = [];
  findFails = false;
  refreshAnswer: { ok: true } | { ok: false; reason: string } = { ok: true };
  async opened(s: Session): Promise<void> {
    this.calls.push(`opened ${s.id}`);
    this.records.set(s.id, record(s.id, s.principal));
  }
  async find(id: string): Promise<SessionRecord | undefined> {
    this.calls.push(`find ${id}`);
    await new Promise((r) => setTimeout(r, 20)); // concurrent requests overlap here
    if (this.findFails) throw new Error('connection refused');
    return this.records.get(id);
  }
  adopt(s: Session): void {
    this.calls.push(`adopt ${s.id}`);
  }
  async refresh(s: Session): Promise<{ ok: true } | { ok: false; reason: string }> {
    this.calls.push(`refresh ${s.id}`);
    return this.refreshAnswer;
  }
  dirty(): boolean {
    return false;
  }
  async flush(): Promise<void> {}
  async pullTaint(): Promise<void> {}
  async end(id: string, reason: string): Promise<void> {
    this.calls.push(`end ${id} ${reason}`);
  }
  async publish(): Promise<number> {
    return 0;
  }
  async subscribe(_id: string, _on: (m: SessionChannelMessage) => void): Promise<() => Promise<void>> {
    return async () => undefined;
  }
  async close(): Promise<void> {}
}

function record(id: string, p: Principal, extra: Partial<SessionRecord> = {}): SessionRecord {
  const now = new Date().toISOString();
  return { id, principal: p.id, credential: p.credential ?? '', transport: 'http', protocolVersion: '2025-11-25', clientInfo: { name: 't', version: '1' }, capabilities: {}, taint: [], createdAt: now, seenAt: now, ...extra };
}

type Harness = EraHarness<SessionEra>;
const SESSION_HEADERS = { 'mcp-protocol-version': '2025-11-25' };

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function harness(o: { fleet?: MemoryFleet; limits?: string } = {}): Promise<Harness> {
  const h = await eraHarness((gw) => new SessionEra(gw, o.fleet ? { fleet: o.fleet } : {}), o);
  cleanup.push(() => h.close());
  const send = h.send.bind(h);
  // Every request is the session era's: none is left unclaimed.
  h.send = async (p, method, body, headers) => {
    const r = await send(p, method, body, { ...SESSION_HEADERS, ...headers });
    expect(h.unclaimed).toBe(0);
    return r;
  };
  return h;
}

async function open(h: Harness, p: Principal = ALICE): Promise<string> {
  const r = await h.send(p, 'POST', INIT);
  expect(r.status).toBe(200);
  expect(r.json.result.protocolVersion).toBe('2025-11-25');
  const id = r.headers.get('mcp-session-id');
  expect(id).toBeTruthy();
  await h.send(p, 'POST', { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': id! });
  return id!;
}

describe('SessionEra (Streamable HTTP sessions)', () => {
  it('opens a session only with an initialize, and serves it by its Mcp-Session-Id', async () => {
    const h = await harness();
    expect((await h.send(ALICE, 'POST', LIST)).json.error.message).toMatch(/no Mcp-Session-Id header; start with an initialize request/);
    expect((await h.send(ALICE, 'GET')).status).toBe(400);
    const id = await open(h);
    expect(h.era.sessionIds).toEqual([id]);
    expect(h.gw.sessions.get(id)?.principal.id).toBe(ALICE.id);
    const r = await h.send(ALICE, 'POST', LIST, { 'mcp-session-id': id });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: 2, result: { tools: [] } });
  });

  it('gives another principal the 404 of an unknown id, and its own principal with another credential a 403', async () => {
    const h = await harness();
    const id = await open(h);
    const mallory = await h.send(principal('user:mallory', 'api-key:m1'), 'POST', LIST, { 'mcp-session-id': id });
    const unknown = await h.send(ALICE, 'POST', LIST, { 'mcp-session-id': 'no-such-session' });
    expect(mallory.status).toBe(404);
    expect(mallory.json).toEqual(unknown.json);
    expect(unknown.json.error.code).toBe(-32001);
    const otherKey = await h.send(principal(ALICE.id, 'api-key:a2'), 'POST', LIST, { 'mcp-session-id': id });
    expect(otherKey.status).toBe(403);
    expect(otherKey.json.error.data.rule).toBe(CREDENTIAL_MISMATCH_RULE);
    // Neither attempt touched the session: its own credential is still served.
    expect((await h.send(ALICE, 'POST', LIST, { 'mcp-session-id': id })).status).toBe(200);
  });

  it('ends a session on DELETE; its id is then unknown, or revoked when it was revoked', async () => {
    const h = await harness();
    const id = await open(h);
    expect((await h.send(principal('user:mallory', 'api-key:m1'), 'DELETE', undefined, { 'mcp-session-id': id })).status).toBe(404);
    expect(h.gw.sessions.has(id)).toBe(true);
    expect((await h.send(ALICE, 'DELETE', undefined, { 'mcp-session-id': id })).status).toBe(200);
    await expect.poll(() => h.gw.sessions.has(id)).toBe(false);
    expect(h.era.sessionIds).toEqual([]);
    expect((await h.send(ALICE, 'POST', LIST, { 'mcp-session-id': id })).json.error.code).toBe(-32001);
    h.gw.revocation = { isRevoked: async (subject) => subject === `session:${id}` };
    const r = await h.send(ALICE, 'POST', LIST, { 'mcp-session-id': id });
    expect(r.status).toBe(404);
    expect(r.json.error.data).toEqual({ code: 'PCX_SESSION_REVOKED', rule: REVOKED_RULE });
  });

  it('refuses a session past the principal cap with 429 and Retry-After, opening nothing', async () => {
    const h = await harness({ limits: 'limits:\n  maxSessionsPerPrincipal: 1\n  reclaimIdleAfter: 1h\n' });
    await open(h);
    const r = await h.send(ALICE, 'POST', INIT);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBeTruthy();
    expect(h.era.sessionIds).toHaveLength(1);
  });
});

describe('SessionEra in a fleet', () => {
  it('records a session once its initialize succeeded, and re-reads the record before every request on it', async () => {
    const fleet = new MemoryFleet();
    const h = await harness({ fleet });
    const id = await open(h);
    expect(fleet.calls).toContain(`opened ${id}`);
    fleet.calls.length = 0;
    await h.send(ALICE, 'POST', LIST, { 'mcp-session-id': id });
    expect(fleet.calls).toEqual([`refresh ${id}`]);
  });

  it('rebuilds a session another replica opened, once for concurrent requests, for its own principal and credential only', async () => {
    const fleet = new MemoryFleet();
    const h = await harness({ fleet });
    fleet.records.set('elsewhere', record('elsewhere', ALICE));
    const [a, b] = await Promise.all([h.send(ALICE, 'POST', LIST, { 'mcp-session-id': 'elsewhere' }), h.send(ALICE, 'POST', { ...LIST, id: 3 }, { 'mcp-session-id': 'elsewhere' })]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(fleet.calls.filter((c) => c.startsWith('find'))).toEqual(['find elsewhere']);
    expect(fleet.calls).toContain('adopt elsewhere');
    expect(h.gw.sessions.get('elsewhere')?.protocolVersion).toBe('2025-11-25');

    fleet.records.set('elsewhere-2', record('elsewhere-2', ALICE));
    const mallory = await h.send(principal('user:mallory', 'api-key:m1'), 'POST', LIST, { 'mcp-session-id': 'elsewhere-2' });
    expect(mallory.status).toBe(404);
    expect(mallory.json.error.code).toBe(-32001);
    const otherKey = await h.send(principal(ALICE.id, 'api-key:a2'), 'POST', LIST, { 'mcp-session-id': 'elsewhere-2' });
    expect(otherKey.status).toBe(403);
    expect(otherKey.json.error.data.rule).toBe(CREDENTIAL_MISMATCH_RULE);
    expect(h.gw.sessions.has('elsewhere-2')).toBe(false);
  });

  it('does not rebuild a session ended elsewhere: deleted is unknown, revoked says so', async () => {
    const fleet = new MemoryFleet();
    const h = await harness({ fleet });
    fleet.records.set('deleted', record('deleted', ALICE, { endedAt: new Date().toISOString(), endReason: 'deleted' }));
    fleet.records.set('revoked', record('revoked', ALICE, { endedAt: new Date().toISOString(), endReason: 'revoked' }));
    expect((await h.send(ALICE, 'POST', LIST, { 'mcp-session-id': 'deleted' })).json.error.code).toBe(-32001);
    const r = await h.send(ALICE, 'POST', LIST, { 'mcp-session-id': 'revoked' });
    expect(r.json.error.data.code).toBe('PCX_SESSION_REVOKED');
    expect(h.gw.sessions.size).toBe(0);
  });

  it('fails closed when the store cannot be read (503, the request id, Retry-After), and closes a session ended elsewhere', async () => {
    const fleet = new MemoryFleet();
    const h = await harness({ fleet });
    fleet.findFails = true;
    const down = await h.send(ALICE, 'POST', LIST, { 'mcp-session-id': 'elsewhere' });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('1');
    expect(down.json).toMatchObject({ id: 2, error: { data: { code: 'PCX_STORE_UNAVAILABLE' } } });

    const id = await open(h);
    fleet.refreshAnswer = { ok: false, reason: 'revoked' };
    const r = await h.send(ALICE, 'POST', LIST, { 'mcp-session-id': id });
    expect(r.status).toBe(404);
    expect(r.json.error.data.code).toBe('PCX_SESSION_REVOKED');
    await expect.poll(() => h.gw.sessions.has(id)).toBe(false);
  });

  it('ends a DELETEd session fleet-wide', async () => {
    const fleet = new MemoryFleet();
    const h = await harness({ fleet });
    const id = await open(h);
    expect((await h.send(ALICE, 'DELETE', undefined, { 'mcp-session-id': id })).status).toBe(200);
    expect(fleet.calls).toContain(`end ${id} deleted`);
  });
});
