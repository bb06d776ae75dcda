/**
 * MCP02 (resource exhaustion through scope creep) and MCP10 (over-sharing), for pooled upstreams
 * (`isolation: shared`, the default): many sessions share a bounded pool of children per server.
 *
 * - short-lived clients that never DELETE cannot make the gateway start more than `maxInstances`
 *   children per server (before pools: one child per session per server);
 * - the pool grows under load, refuses clearly (PCX_UPSTREAM_UNAVAILABLE + retry hint) when full and
 *   saturated, and shrinks when idle;
 * - a killed member's in-flight call fails with a clear error, the member is restarted with an
 *   exponential backoff, and new calls succeed;
 * - two callers' progress and log messages never cross, on one member or on two; a server→client
 *   request reaches the caller whose call it serves.
 *
 * Real gateways, real SDK clients, the real reference servers (server-memory, server-everything)
 * and the misbehaving fixtures (test/fixtures).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { EVERYTHING, MEMORY, fixture, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createApiKey } from '../../src/identity/apikeys.js';
import { liveChildCount } from '../../src/transports/stdio-child.js';
import type { UpstreamPool } from '../../src/gateway/pool.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (r: unknown) => ((r as { content: Array<{ text: string }> }).content[0]?.text ?? '');
const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: number; data?: { code?: string; rule?: string; retryAfterMs?: number } };
  }
  throw new Error('expected an error');
};

let gw: TestGateway | undefined;
const clients: Client[] = [];
const pool = (name: string): UpstreamPool => gw!.rt.gateway.pools.get(name)!;
const keyFor = async (principal: string) => (await createApiKey(gw!.rt.store, { principal })).key;
const client = async (key: string, capabilities?: Record<string, unknown>) => {
  const c = await httpClient(gw!.url, { headers: { authorization: `Bearer ${key}` }, ...(capabilities ? { capabilities } : {}) });
  clients.push(c);
  return c;
};
const closeAll = async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => undefined);
  await gw?.close();
  gw = undefined;
};

describe('MCP02: short-lived clients that never DELETE share a bounded pool', () => {
  afterAll(closeAll);

  it('40 clients (list + call, then dropped) use at most maxInstances children per server, and every one gets real tools', async () => {
    const childrenBefore = liveChildCount();
    gw = await startTestGateway(`
auth: { apiKeys: true }
mcpServers:${MEMORY}
    maxInstances: 2${EVERYTHING}
    maxInstances: 2
`);
    // Two principals, 20 sessions each: under limits.maxSessionsPerPrincipal (32), so nothing is reclaimed.
    const keys = [await keyFor('alice'), await keyFor('bob')];
    let peak = 0;
    const watch = setInterval(() => (peak = Math.max(peak, gw!.rt.gateway.capacity.children)), 20);
    const one = async (i: number) => {
      const c = await client(keys[i % 2]!);
      const names = (await c.listTools()).tools.map((t) => t.name);
      expect(names).toContain('memory__read_graph');
      expect(names).toContain('everything__echo');
      const r = await c.callTool({ name: 'everything__echo', arguments: { message: `client ${i}` } });
      expect(text(r)).toContain(`client ${i}`);
      await c.callTool({ name: 'memory__read_graph', arguments: {} });
      // Dropped without DELETE: the session stays until it idles out.
    };
    for (let batch = 0; batch < 4; batch++) await Promise.all(Array.from({ length: 10 }, (_, j) => one(batch * 10 + j)));
    clearInterval(watch);
    expect(gw.rt.gateway.sessions.size).toBe(40);
    expect(pool('memory').size).toBeLessThanOrEqual(2);
    expect(pool('everything').size).toBeLessThanOrEqual(2);
    expect(Math.max(peak, gw.rt.gateway.capacity.children)).toBeLessThanOrEqual(4);
    expect(liveChildCount() - childrenBefore).toBeLessThanOrEqual(4);
    // Pooled children are the gateway's: no principal's child budget is spent on them.
    expect(gw.rt.gateway.capacity.childrenOfPrincipal('user:alice')).toBe(0);
    // A 41st client still gets a working gateway.
    const late = await client(keys[0]!);
    expect(text(await late.callTool({ name: 'everything__echo', arguments: { message: 'late' } }))).toContain('late');
  }, 120_000);
});

describe('MCP02: the pool grows under load, refuses clearly when full, shrinks when idle', () => {
  afterEach(closeAll);

  it('grows to maxInstances when every member has callsPerInstance calls in flight, then shrinks back (last member after idleTimeout)', async () => {
    gw = await startTestGateway(`
auth: { apiKeys: true }
mcpServers:
  chatty: { command: node, args: ["${fixture('chatty.mjs')}"], maxInstances: 3, idleTimeout: 900ms, pool: { callsPerInstance: 1, shrinkAfter: 300ms } }
`);
    const c = await client(await keyFor('alice'));
    await c.listTools();
    expect(pool('chatty').size).toBe(1);
    let peak = 0;
    const watch = setInterval(() => (peak = Math.max(peak, gw!.rt.gateway.capacity.children)), 10);
    const calls = Array.from({ length: 4 }, (_, i) => c.callTool({ name: 'chatty__work', arguments: { marker: `m${i}`, steps: 2, ms: 600 } }));
    await expect.poll(() => pool('chatty').size, { timeout: 5000, interval: 20 }).toBe(3);
    expect(pool('chatty').loads).toEqual([1, 1, 1]); // the 4th call waits for a member to come free
    expect((await Promise.all(calls)).map(text)).toEqual(['done m0', 'done m1', 'done m2', 'done m3']);
    clearInterval(watch);
    expect(peak).toBe(3); // never more than maxInstances
    // Idle: the extra members stop after shrinkAfter, the last after idleTimeout.
    await expect.poll(() => pool('chatty').size, { timeout: 3000, interval: 50 }).toBe(1);
    await expect.poll(() => pool('chatty').size, { timeout: 3000, interval: 50 }).toBe(0);
    expect(gw.rt.gateway.capacity.children).toBe(0);
    // And comes back for the next call.
    expect(text(await c.callTool({ name: 'chatty__work', arguments: { marker: 'again', steps: 1, ms: 10 } }))).toBe('done again');
    expect(pool('chatty').size).toBe(1);
  }, 60_000);

  it('full and saturated: a call waits up to queueTimeout for a member, then gets PCX_UPSTREAM_UNAVAILABLE (servers.maxInstances) with a retry hint', async () => {
    gw = await startTestGateway(`
auth: { apiKeys: true }
mcpServers:
  chatty: { command: node, args: ["${fixture('chatty.mjs')}"], maxInstances: 1, pool: { callsPerInstance: 1, queueTimeout: 700ms } }
`);
    const c = await client(await keyFor('alice'));
    await c.listTools();
    // A short call ahead: the next one waits for it and succeeds.
    const first = c.callTool({ name: 'chatty__work', arguments: { marker: 'a', steps: 1, ms: 200 } });
    await sleep(50);
    expect(text(await c.callTool({ name: 'chatty__work', arguments: { marker: 'b', steps: 1, ms: 10 } }))).toBe('done b');
    expect(text(await first)).toBe('done a');
    // A long call ahead: the next one is refused after queueTimeout, with the rule and a retry hint.
    const long = c.callTool({ name: 'chatty__work', arguments: { marker: 'long', steps: 1, ms: 2500 } });
    await sleep(50);
    const t0 = Date.now();
    const e = await errorOf(c.callTool({ name: 'chatty__work', arguments: { marker: 'refused', steps: 1, ms: 10 } }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
    expect(e.data?.code).toBe('PCX_UPSTREAM_UNAVAILABLE');
    expect(e.data?.rule).toBe('servers.maxInstances');
    expect(e.data?.retryAfterMs).toBeGreaterThan(0);
    expect(e.message).toMatch(/busy/);
    expect(text(await long)).toBe('done long');
    expect(pool('chatty').size).toBe(1);
  }, 30_000);
});

describe('MCP02: a killed member is restarted with backoff; its in-flight call fails clearly, new calls succeed', () => {
  afterAll(closeAll);
  const TAG = `pcx-pool-${process.pid}-${Date.now()}`;
  /** The pids of this test's hang.mjs children (found by the tag on their command line). */
  const pids = () => {
    try {
      return execFileSync('pgrep', ['-f', TAG], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };

  it('kill -9 of the member mid-call', async () => {
    gw = await startTestGateway(`
auth: { apiKeys: true }
mcpServers:
  hang: { command: node, args: ["${fixture('hang.mjs')}", "--tag", "${TAG}"], maxInstances: 2 }
`);
    const alice = await client(await keyFor('alice'));
    const bob = await client(await keyFor('bob'));
    await alice.listTools();
    const inFlight = errorOf(alice.callTool({ name: 'hang__slow', arguments: { ms: 8000, steps: 1 } }));
    await sleep(300);
    expect(pids().length).toBe(1);
    const t0 = Date.now();
    process.kill(pids()[0]!, 'SIGKILL');
    const e = await inFlight;
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(e.code).toBe(-32013); // PCX_UPSTREAM_CLOSED
    expect(e.message).toMatch(/exited \(SIGKILL\).*in flight/);
    // First failure: the shortest backoff. The pool restarts the member on its own once it allows.
    expect(pool('hang').retryAfterMs).toBeLessThanOrEqual(250);
    await expect.poll(() => pool('hang').state, { timeout: 5000, interval: 25 }).toBe('ready');
    const calls = await bob.callTool({ name: 'hang__calls', arguments: {} });
    expect(JSON.stringify(calls.structuredContent)).not.toContain('slow'); // a fresh process
    // It dies again soon after starting: the backoff doubles (not reset: it was not up long).
    process.kill(pids()[0]!, 'SIGKILL');
    await expect.poll(() => pool('hang').state, { timeout: 3000, interval: 10 }).toBe('dead');
    const second = pool('hang').retryAfterMs;
    expect(second).toBeGreaterThan(250);
    expect(second).toBeLessThanOrEqual(500);
    // During the backoff a call says so (never an empty answer), with the hint; then it works again.
    const during = await errorOf(bob.callTool({ name: 'hang__calls', arguments: {} }));
    expect(during.data?.code).toBe('PCX_UPSTREAM_UNAVAILABLE');
    expect(during.data?.retryAfterMs).toBeGreaterThan(0);
    await expect
      .poll(async () => bob.callTool({ name: 'hang__calls', arguments: {} }).then(() => true, () => false), { timeout: 5000, interval: 100 })
      .toBe(true);
    expect(pids().length).toBe(1);
  }, 30_000);
});

describe('MCP10: pooled callers never see each other’s progress or log messages', () => {
  afterEach(closeAll);

  interface Party {
    client: Client;
    progress: Progress[];
    notes: string[];
    sampled: number;
  }
  const party = async (key: string): Promise<Party> => {
    const p: Party = { client: await client(key, { sampling: {} }), progress: [], notes: [], sampled: 0 };
    p.client.fallbackNotificationHandler = async (n) => void p.notes.push(JSON.stringify(n));
    p.client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
      p.sampled++;
      p.notes.push(JSON.stringify(req.params));
      return { role: 'assistant', content: { type: 'text', text: 'hi' }, model: 'test' };
    });
    await p.client.listTools();
    return p;
  };

  // One member multiplexing both callers, and two members (one each): routing must hold either way.
  it.each([
    ['on one member', 8],
    ['on two members', 1],
  ] as const)('%s', async (_n, callsPerInstance) => {
    gw = await startTestGateway(`
auth: { apiKeys: true }
mcpServers:${EVERYTHING}
    pool: { callsPerInstance: ${callsPerInstance} }
  chatty: { command: node, args: ["${fixture('chatty.mjs')}"], pool: { callsPerInstance: ${callsPerInstance} } }
`);
    const alice = await party(await keyFor('alice'));
    const bob = await party(await keyFor('bob'));
    await alice.client.setLoggingLevel('debug');
    const onprogress = (p: Party) => ({ onprogress: (pr: Progress) => void p.progress.push(pr), resetTimeoutOnProgress: true });
    // Both SDK clients use their request id as the progress token: the same token, concurrently.
    const [a, b] = await Promise.all([
      alice.client.callTool({ name: 'everything__trigger-long-running-operation', arguments: { duration: 1.2, steps: 4 } }, undefined, onprogress(alice)),
      bob.client.callTool({ name: 'everything__trigger-long-running-operation', arguments: { duration: 0.9, steps: 3 } }, undefined, onprogress(bob)),
    ]);
    expect(text(a)).toMatch(/Steps: 4/);
    expect(text(b)).toMatch(/Steps: 3/);
    // Each sees only its own operation's progress (server-everything sends the last one right before
    // the result, so on a loaded machine the client may drop that one: at least the others arrive).
    expect(alice.progress.length).toBeGreaterThanOrEqual(3);
    expect(bob.progress.length).toBeGreaterThanOrEqual(2);
    expect(new Set(alice.progress.map((p) => p.total))).toEqual(new Set([4]));
    expect(new Set(bob.progress.map((p) => p.total))).toEqual(new Set([3]));
    // One call each at once: two members (list refreshes may have taken more), or all on one.
    if (callsPerInstance === 1) expect(pool('everything').size).toBeGreaterThanOrEqual(2);
    else expect(pool('everything').size).toBe(1);
    // Log messages of Alice's call name no caller on a shared server: Bob never gets them.
    const marker = `alice-secret-${Date.now()}`;
    await Promise.all([
      alice.client.callTool({ name: 'chatty__work', arguments: { marker, steps: 3, ms: 300 } }, undefined, onprogress(alice)),
      bob.client.callTool({ name: 'chatty__work', arguments: { marker: 'bob-own', steps: 3, ms: 300 } }, undefined, onprogress(bob)),
    ]);
    await sleep(150);
    expect(JSON.stringify({ progress: bob.progress, notes: bob.notes })).not.toContain(marker);
    expect(alice.progress.map((p) => p.message).filter(Boolean)).toEqual([0, 1, 2].map((i) => `${marker} step ${i}`));
  }, 60_000);

  it('a sampling request reaches the caller whose call it serves, even while another caller has a call in flight', async () => {
    gw = await startTestGateway(`
auth: { apiKeys: true }
mcpServers:
  chatty: { command: node, args: ["${fixture('chatty.mjs')}"] }
`);
    const alice = await party(await keyFor('alice'));
    const bob = await party(await keyFor('bob'));
    // The pool learns the server sends server→client requests (this one is attributable: Alice's call is the only one).
    expect(text(await alice.client.callTool({ name: 'chatty__ask', arguments: { marker: 'warm-up' } }))).toBe('answered: hi');
    expect(pool('chatty').asksClients).toBe(true);
    const marker = `alice-question-${Date.now()}`;
    // Bob's call starts while Alice's is in flight and before her request: on a shared connection it could
    // not be attributed (mcp10-shared-upstream-isolation: refused); a member of her own makes it hers.
    const [a] = await Promise.all([
      alice.client.callTool({ name: 'chatty__ask', arguments: { marker, delayMs: 500 } }),
      sleep(100).then(() => bob.client.callTool({ name: 'chatty__work', arguments: { marker: 'bob-own', steps: 2, ms: 600 } })),
    ]);
    expect(text(a)).toBe('answered: hi');
    expect(alice.notes.join()).toContain(`${marker} question`);
    expect(bob.sampled).toBe(0);
    expect(JSON.stringify({ progress: bob.progress, notes: bob.notes })).not.toContain(marker);
    expect(pool('chatty').size).toBe(2);
  }, 30_000);

  it('roots/list is refused on a shared server (one client’s roots would become every caller’s)', async () => {
    gw = await startTestGateway(`
auth: { apiKeys: true }
mcpServers:
  sampler: { command: node, args: ["${fixture('sampler.mjs')}"] }
`);
    const c = await client(await keyFor('alice'), { roots: { listChanged: true } });
    c.setRequestHandler((await import('@modelcontextprotocol/sdk/types.js')).ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///home/alice', name: 'alice' }] }));
    const r = await c.callTool({ name: 'sampler__roots', arguments: {} });
    expect(JSON.stringify(r.structuredContent)).toMatch(/refused by the gateway.*isolation: shared/);
    expect(JSON.stringify(r.structuredContent)).not.toContain('/home/alice');
  }, 30_000);
});
