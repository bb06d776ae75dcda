/**
 * MCP02 (privilege escalation via scope creep): a principal the policy allows nothing must not be
 * able to take, through resource consumption, what it was never granted: the gateway's sessions
 * and child processes, and with them every other user's access. (Named MCP02 because the attack is
 * an unprivileged principal acting beyond its grant; it is also the denial-of-service half of
 * MCP07's "insufficient authorization".)
 *
 * Per-principal caps on sessions and children, least-recently-used reclaim of idle sessions under
 * pressure, a principal at its cap never pushing others out, and a client that never reads its
 * stream losing its session, not the gateway its memory. Real gateways, real SDK clients and raw
 * HTTP; every attack is a row.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { fixture, httpClient, rawPost, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createApiKey } from '../../src/identity/apikeys.js';

const INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'loop', version: '1' } } });

/** One way for Mallory to open a session; resolves with the HTTP status and what stays open. */
type Opener = (gw: TestGateway, key: string) => Promise<{ status: number; body: string; headers: Headers; close(): void }>;

let perRequestClients = 0;
const openers: Record<string, Opener> = {
  /** Streamable HTTP initialize, never followed by DELETE (the Inspector CLI, an SDK client that only drops its transport). */
  async streamable(gw, key) {
    const r = await rawPost(gw.url, INIT, { authorization: `Bearer ${key}` });
    return { status: r.status, body: r.text, headers: r.headers, close: () => undefined };
  },
  /** 2026-07-28 per-request calls, each naming another client (clientInfo): each would be a new gateway state. */
  async perRequest(gw, key) {
    const n = ++perRequestClients;
    const V = '2026-07-28';
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': V, 'io.modelcontextprotocol/clientInfo': { name: `loop-${n}`, version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } } });
    const r = await rawPost(gw.url, body, { authorization: `Bearer ${key}`, 'mcp-protocol-version': V, 'mcp-method': 'tools/list' });
    return { status: r.status, body: r.text, headers: r.headers, close: () => undefined };
  },
  /** Legacy HTTP+SSE: a GET /sse stream held open. */
  async legacySse(gw, key) {
    const ac = new AbortController();
    const r = await fetch(gw.url.replace(/\/mcp$/, '/sse'), { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' }, signal: ac.signal });
    const body = r.status === 200 ? '' : await r.text();
    return { status: r.status, body, headers: r.headers, close: () => ac.abort() };
  },
};

interface Attack {
  name: string;
  opener: keyof typeof openers;
  /** How many sessions Mallory tries to open. */
  attempts: number;
  /** Mallory's idle sessions become reclaimable (short reclaimIdleAfter) or never do. */
  reclaim: boolean;
}

const ATTACKS: Attack[] = [
  { name: 'Streamable HTTP sessions opened in a loop, never closed', opener: 'streamable', attempts: 12, reclaim: false },
  { name: 'legacy SSE streams opened in a loop and held', opener: 'legacySse', attempts: 12, reclaim: false },
  { name: '2026-07-28 requests naming a new client each time', opener: 'perRequest', attempts: 12, reclaim: false },
  { name: 'Streamable HTTP loop when idle sessions are reclaimable: Mallory only recycles her own', opener: 'streamable', attempts: 7, reclaim: true },
  { name: 'legacy SSE loop when idle sessions are reclaimable: Mallory only recycles her own', opener: 'legacySse', attempts: 12, reclaim: true },
];

const CAPS = { maxChildren: 4, maxChildrenPerPrincipal: 2, maxSessionsPerPrincipal: 3 };

const gatewayYaml = (reclaimIdleAfter: string, extra = '') => `
auth: { apiKeys: true }
limits: { maxChildren: ${CAPS.maxChildren}, maxChildrenPerPrincipal: ${CAPS.maxChildrenPerPrincipal}, maxSessionsPerPrincipal: ${CAPS.maxSessionsPerPrincipal}, reclaimIdleAfter: ${reclaimIdleAfter}${extra} }
policy:
  allow:
    - { id: alice-all, principal: "user:alice", tools: ["*"] }
    - { id: bob-all, principal: "user:bob", tools: ["*"] }
mcpServers:
  # One child per session (not the default pool): what these rows attack is the per-principal child budget.
  crash: { command: node, args: ["${fixture('crash.mjs')}"], isolation: session }
`;

const toolText = (r: unknown) => ((r as { content: Array<{ text: string }> }).content[0]?.text ?? '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('MCP02: one principal cannot exhaust sessions or child processes', () => {
  const open: Array<() => void> = [];
  const clients: Client[] = [];
  let gw: TestGateway | undefined;
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close().catch(() => undefined);
    for (const close of open.splice(0)) close();
    await gw?.close();
    gw = undefined;
  });

  it.each(ATTACKS.map((a) => [a.name, a] as const))('%s', async (_n, attack) => {
    gw = await startTestGateway(gatewayYaml(attack.reclaim ? '150ms' : '1h'));
    const mallory = (await createApiKey(gw.rt.store, { principal: 'mallory' })).key;
    const aliceKey = (await createApiKey(gw.rt.store, { principal: 'alice' })).key;
    // Alice was here first and is idle: Mallory's loop must not push her out.
    const alice = await httpClient(gw.url, { headers: { authorization: `Bearer ${aliceKey}` } });
    clients.push(alice);
    expect(toolText(await alice.callTool({ name: 'crash__ok', arguments: { text: 'before' } }))).toBe('ok: before');

    const statuses: number[] = [];
    for (let i = 0; i < attack.attempts; i++) {
      if (attack.reclaim) await sleep(200); // each of her sessions idles past reclaimIdleAfter
      const r = await openers[attack.opener]!(gw, mallory);
      open.push(r.close);
      statuses.push(r.status);
      if (r.status !== 200) {
        // A clear refusal: 429 + Retry-After, the PCX code and the cap that was hit.
        expect(r.status).toBe(429);
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
        const err = (JSON.parse(r.body) as { error: { code: number; data: { code: string; rule: string; retryAfterMs: number } } }).error;
        expect(err.data).toMatchObject({ code: 'PCX_RATE_LIMITED', rule: 'limits.maxSessionsPerPrincipal' });
        expect(err.data.retryAfterMs).toBeGreaterThan(0);
      }
      const cap = gw.rt.gateway.capacity;
      expect(cap.childrenOfPrincipal('user:mallory')).toBeLessThanOrEqual(CAPS.maxChildrenPerPrincipal);
      expect([...gw.rt.gateway.sessions.values()].filter((s) => s.principal.id === 'user:mallory').length).toBeLessThanOrEqual(CAPS.maxSessionsPerPrincipal);
    }
    if (attack.reclaim) expect(statuses.every((s) => s === 200)).toBe(true); // her own idle sessions gave way
    else expect(statuses.filter((s) => s === 429).length).toBe(attack.attempts - CAPS.maxSessionsPerPrincipal);

    // Alice's idle session survived, and new users still get a session with real tools.
    expect(toolText(await alice.callTool({ name: 'crash__ok', arguments: { text: 'after' } }))).toBe('ok: after');
    const fresh = await httpClient(gw.url, { headers: { authorization: `Bearer ${aliceKey}` } });
    clients.push(fresh);
    expect((await fresh.listTools()).tools.map((t) => t.name)).toContain('crash__ok');
  }, 120_000); // each row starts a gateway and several child processes: slow on a loaded 2-core machine
});

describe('MCP02: under pressure, idle sessions are reclaimed least recently used first', () => {
  let gw: TestGateway;
  let keys: Record<string, string>;
  const clients: Client[] = [];
  beforeAll(async () => {
    gw = await startTestGateway(gatewayYaml('150ms', ', maxSessions: 100').replace(`maxChildren: ${CAPS.maxChildren}`, 'maxChildren: 2'));
    keys = {
      alice: (await createApiKey(gw.rt.store, { principal: 'alice' })).key,
      bob: (await createApiKey(gw.rt.store, { principal: 'bob' })).key,
    };
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await gw?.close();
  });
  const client = async (who: string) => {
    const c = await httpClient(gw.url, { headers: { authorization: `Bearer ${keys[who]}` } });
    clients.push(c);
    return c;
  };

  it("the pool is full of Bob's idle sessions: Alice gets the least recently used one's child, not an empty list", async () => {
    const bob1 = await client('bob');
    const bob2 = await client('bob');
    await bob1.callTool({ name: 'crash__ok', arguments: {} });
    await sleep(50);
    await bob2.callTool({ name: 'crash__ok', arguments: {} }); // bob2 used more recently than bob1
    expect(gw.rt.gateway.capacity.children).toBe(2);
    await sleep(250);
    const alice = await client('alice');
    expect((await alice.listTools()).tools.map((t) => t.name)).toContain('crash__ok');
    // bob1 (least recently used) gave way; bob2 still works.
    await expect(bob1.callTool({ name: 'crash__ok', arguments: {} })).rejects.toThrow();
    expect(toolText(await bob2.callTool({ name: 'crash__ok', arguments: { text: 'still' } }))).toBe('ok: still');
  });

  it('with no idle session to reclaim, a new session gets PCX_UPSTREAM_UNAVAILABLE with a retry hint, never an empty list', async () => {
    // Both children are held by sessions that just worked (not idle long enough to be reclaimed).
    const busy = [...gw.rt.gateway.sessions.values()];
    for (const s of busy) s.lastActivity = Date.now() + 60_000;
    const late = await client('alice');
    const err = await late.listTools().then(
      () => undefined,
      (e: { code?: number; data?: { code?: string; unavailable?: Array<{ rule?: string }>; retryAfterMs?: number } }) => e,
    );
    expect(err?.data?.code).toBe('PCX_UPSTREAM_UNAVAILABLE');
    expect(err?.data?.retryAfterMs).toBeGreaterThan(0);
    expect(err?.data?.unavailable?.[0]?.rule).toMatch(/^limits\.maxChildren/);
    for (const s of busy) s.lastActivity = Date.now() - 60_000;
  });
});

describe('MCP02: a client that never reads its stream loses its session, not the gateway its memory', () => {
  let gw: TestGateway;
  let key: string;
  const LIMIT = 1024 * 1024;
  beforeAll(async () => {
    gw = await startTestGateway(`
auth: { apiKeys: true }
limits: { maxStreamBufferBytes: ${LIMIT} }
mcpServers:
  # Per session, so the server's log messages are relayed to the caller (a pooled server's are not).
  chatty: { command: node, args: ["${fixture('chatty.mjs')}"], isolation: session }
`);
    key = (await createApiKey(gw.rt.store, { principal: 'slow' })).key;
  });
  afterAll(async () => gw?.close());

  /** A raw HTTP/1.1 exchange on a socket that is paused after the request is written (never reads). */
  const stalledPost = (sessionId: string | undefined, body: string) => {
    const url = new URL(gw.url);
    const sock = net.connect(Number(url.port), url.hostname);
    sock.setNoDelay(true);
    const headers = [
      `POST ${url.pathname} HTTP/1.1`,
      `Host: ${url.host}`,
      'Content-Type: application/json',
      'Accept: application/json, text/event-stream',
      `Authorization: Bearer ${key}`,
      'MCP-Protocol-Version: 2025-06-18',
      ...(sessionId ? [`Mcp-Session-Id: ${sessionId}`] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      '',
    ].join('\r\n');
    sock.write(headers + body);
    sock.pause();
    return sock;
  };

  const FLOODS = [
    { name: 'log messages related to the call (POST stream)', params: { name: 'chatty__flood', arguments: { count: 1500, bytes: 65536 }, _meta: { progressToken: 1 } } },
    { name: 'many small messages', params: { name: 'chatty__flood', arguments: { count: 40000, bytes: 2048 } } },
  ];

  it.each(FLOODS.map((f) => [f.name, f] as const))('flood of %s to a client that never reads', async (_n, flood) => {
    const init = await rawPost(gw.url, INIT, { authorization: `Bearer ${key}` });
    const sid = init.headers.get('mcp-session-id')!;
    await rawPost(gw.url, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), { authorization: `Bearer ${key}`, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' });
    await rawPost(gw.url, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'logging/setLevel', params: { level: 'debug' } }), { authorization: `Bearer ${key}`, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' });
    const rssBefore = process.memoryUsage().rss;
    const sock = stalledPost(sid, JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: flood.params }));
    // The gateway closes the slow session (and so stops its upstream) once the stream's queue passes the limit.
    const deadline = Date.now() + 20_000;
    while (gw.rt.gateway.sessions.has(sid) && Date.now() < deadline) await sleep(100);
    expect(gw.rt.gateway.sessions.has(sid)).toBe(false);
    const grew = process.memoryUsage().rss - rssBefore;
    sock.destroy();
    // Far below the flood's size (~100 MB): what is queued is bounded by the limit, plus kernel buffers.
    expect(grew).toBeLessThan(64 * 1024 * 1024);
    // The gateway still serves others.
    const other = await httpClient(gw.url, { headers: { authorization: `Bearer ${key}` } });
    expect((await other.listTools()).tools.map((t) => t.name)).toContain('chatty__flood');
    await other.close();
  }, 60_000);

  it('a 2026-07-28 client that never reads its POST stream loses that stream (its call cancelled), not the gateway its memory', async () => {
    const url = new URL(gw.url);
    const V = '2026-07-28';
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 9,
      method: 'tools/call',
      params: {
        name: 'chatty__flood',
        arguments: { count: 1500, bytes: 65536 },
        _meta: { progressToken: 1, 'io.modelcontextprotocol/protocolVersion': V, 'io.modelcontextprotocol/clientInfo': { name: 'stalled', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/logLevel': 'debug' },
      },
    });
    const rssBefore = process.memoryUsage().rss;
    const sock = net.connect(Number(url.port), url.hostname);
    const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
    sock.write(
      [`POST ${url.pathname} HTTP/1.1`, `Host: ${url.host}`, 'Content-Type: application/json', 'Accept: application/json, text/event-stream', `Authorization: Bearer ${key}`, `MCP-Protocol-Version: ${V}`, 'Mcp-Method: tools/call', 'Mcp-Name: chatty__flood', `Content-Length: ${Buffer.byteLength(body)}`, '', ''].join('\r\n') + body,
    );
    sock.pause();
    await sleep(8000);
    const grew = process.memoryUsage().rss - rssBefore;
    sock.destroy();
    await closed;
    expect(grew).toBeLessThan(64 * 1024 * 1024);
    const other = await httpClient(gw.url, { headers: { authorization: `Bearer ${key}` } });
    expect((await other.listTools()).tools.map((t) => t.name)).toContain('chatty__flood');
    await other.close();
  }, 60_000);
});

describe('MCP02: one principal flooding slow calls cannot take the upstream away from others', () => {
  const LIMIT = 4;
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(`
auth: { apiKeys: true }
limits: { maxCallsInFlightPerPrincipal: ${LIMIT} }
policy:
  allow:
    - { id: all, principal: "*", tools: ["*"] }
mcpServers:
  slow: { command: node, args: ["${fixture('hang.mjs')}"], shared: true }
`);
  }, 60_000);
  afterAll(async () => gw?.close());

  it('past the cap her calls are refused (429-style PCX_RATE_LIMITED, rule rate.in-flight, audited); others are served; slots come back', async () => {
    const malloryKey = (await createApiKey(gw.rt.store, { principal: 'mallory' })).key;
    const aliceKey = (await createApiKey(gw.rt.store, { principal: 'alice' })).key;
    // Two sessions: the cap is per principal, not per session.
    const m1 = await httpClient(gw.url, { headers: { authorization: `Bearer ${malloryKey}` } });
    const m2 = await httpClient(gw.url, { headers: { authorization: `Bearer ${malloryKey}` } });
    const alice = await httpClient(gw.url, { headers: { authorization: `Bearer ${aliceKey}` } });
    try {
      const flood = Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? m1 : m2).callTool({ name: 'slow__slow', arguments: { ms: 1500, steps: 1 } }, undefined, { timeout: 20_000 }).then(
          () => 'ok' as const,
          (e: { data?: { code?: string; rule?: string; retryAfterMs?: number; eventId?: string } }) => e.data,
        ),
      );
      await sleep(300);
      // Alice is not behind Mallory's queue.
      const t = Date.now();
      expect(toolText(await alice.callTool({ name: 'slow__slow', arguments: { ms: 10, steps: 1 } }))).toMatch(/slept 10ms/);
      expect(Date.now() - t).toBeLessThan(1400);
      const results = await Promise.all(flood);
      const refused = results.filter((r) => r !== 'ok');
      expect(results.filter((r) => r === 'ok')).toHaveLength(LIMIT);
      expect(refused).toHaveLength(10 - LIMIT);
      for (const r of refused) expect(r).toMatchObject({ code: 'PCX_RATE_LIMITED', rule: 'rate.in-flight', retryAfterMs: expect.any(Number) });
      const ids = new Set(refused.map((r) => (r as { eventId: string }).eventId));
      const audited = (await gw.rt.store.queryAudit({ limit: 10_000 })).map((c) => c.event).filter((e) => ids.has(e.id));
      expect(audited.every((e) => e.decision === 'deny' && e.rule === 'rate.in-flight' && e.principal.id === 'user:mallory')).toBe(true);
      expect(audited).toHaveLength(10 - LIMIT);
      // Once her calls are answered, her slots are hers again.
      expect(toolText(await m1.callTool({ name: 'slow__slow', arguments: { ms: 10, steps: 1 } }))).toMatch(/slept 10ms/);
    } finally {
      await Promise.all([m1.close(), m2.close(), alice.close()]);
    }
  }, 60_000);
});

describe('MCP02: short-lived clients that never DELETE do not lock their principal out of a pooled server', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(`
auth: { apiKeys: true }
limits: { maxSessionsPerPrincipal: 3, reclaimIdleAfter: 1h, reclaimPooledIdleAfter: 200ms }
policy:
  allow:
    - { id: all, principal: "*", tools: ["*"] }
mcpServers:
  crash: { command: node, args: ["${fixture('crash.mjs')}"] }
`);
  }, 60_000);
  afterAll(async () => gw?.close());

  it('each new client past the cap takes the place of the principal’s oldest idle session (it held no child of its own)', async () => {
    const key = (await createApiKey(gw.rt.store, { principal: 'inspector' })).key;
    const clients: Client[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        const c = await httpClient(gw.url, { headers: { authorization: `Bearer ${key}` } });
        clients.push(c); // never closed: like the Inspector CLI
        expect(toolText(await c.callTool({ name: 'crash__ok', arguments: { text: `run ${i}` } }))).toBe(`ok: run ${i}`);
        await sleep(300);
        const mine = [...gw.rt.gateway.sessions.values()].filter((s) => s.principal.id === 'user:inspector');
        expect(mine.length).toBeLessThanOrEqual(3);
      }
      // The pool served them all with its own member(s), not one child per client.
      expect(gw.rt.gateway.capacity.children).toBeLessThanOrEqual(4);
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    }
  }, 60_000);
});
