/**
 * UpstreamPool against a real child (test/fixtures/crash.mjs): the restart backoff (exponential,
 * capped, reset after a healthy period) and growth when the gateway has no child slot to spare.
 */
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { UpstreamPool, type PoolOptions } from './pool.js';
import { backoffMs, type UpstreamOwner } from './upstream.js';
import { Capacity } from './capacity.js';
import { silentLogger } from '../observability/log.js';
import type { ServerConfig } from '../config/schema.js';

const CRASH = path.resolve(import.meta.dirname, '../../test/fixtures/crash.mjs');
const spec: ServerConfig = { command: process.execPath, args: [CRASH], env: {} };
const owner: UpstreamOwner = { id: 'alice-session', onUpstreamNotification() {}, onUpstreamRequest: async () => ({}) };
const call = (p: UpstreamPool, name: string) => p.request('tools/call', { name, arguments: {} }, { timeoutMs: 10_000, owner });

let pool: UpstreamPool | undefined;
afterEach(async () => pool?.close());

function makePool(o: Partial<PoolOptions> & { maxChildren?: number } = {}): UpstreamPool {
  const capacity = new Capacity({ maxSessions: 10, maxSessionsPerPrincipal: 10, maxChildren: o.maxChildren ?? 8, maxChildrenPerPrincipal: 8, reclaimIdleAfterMs: 60_000 }, () => [], () => undefined);
  pool = new UpstreamPool('crash', spec, {
    max: 2,
    callsPerInstance: 1,
    shrinkAfterMs: 60_000,
    idleTimeoutMs: 0,
    queueTimeoutMs: 3000,
    initParams: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } },
    memberDeps: (requester, first) => ({ log: silentLogger, maxMessageBytes: 1 << 20, capacity, requester, reclaim: first }),
    ...o,
  });
  pool.owners.add(owner);
  return pool;
}

describe('UpstreamPool restart backoff', () => {
  it('is 250 ms doubling to a 30 s cap', () => {
    expect([1, 2, 3, 4].map(backoffMs)).toEqual([250, 500, 1000, 2000]);
    expect(backoffMs(30)).toBe(30_000);
  });

  it('doubles while members die soon after starting, and starts from the bottom again after a healthy period', async () => {
    const p = makePool({ healthyResetMs: 400 });
    const crash = async () => {
      await expect.poll(() => p.state, { timeout: 5000, interval: 10 }).toBe('ready');
      await expect(call(p, 'crash')).rejects.toMatchObject({ code: 'PCX_UPSTREAM_CLOSED', message: expect.stringMatching(/exited \(code 1\)/) });
      return p.retryAfterMs;
    };
    await p.ensure();
    await new Promise((r) => setTimeout(r, 450)); // up longer than healthyResetMs: the first failure counts from 0 either way
    expect(await crash()).toBeLessThanOrEqual(250);
    // Restarted by the pool on its own (a session uses it), and killed again at once: 500 ms.
    const second = await crash();
    expect(second).toBeGreaterThan(250);
    expect(second).toBeLessThanOrEqual(500);
    const third = await crash();
    expect(third).toBeGreaterThan(500);
    expect(third).toBeLessThanOrEqual(1000);
    // Up for longer than healthyResetMs: the next failure is a first one again.
    await expect.poll(() => p.state, { timeout: 5000, interval: 10 }).toBe('ready');
    await new Promise((r) => setTimeout(r, 450));
    expect(await crash()).toBeLessThanOrEqual(250);
    // And new calls work once the backoff allows.
    await expect.poll(() => p.state, { timeout: 5000, interval: 10 }).toBe('ready');
    expect(JSON.stringify(await call(p, 'ok'))).toContain('ok: ');
  }, 30_000);
});

describe('UpstreamPool growth', () => {
  it('with no free child slot it does not grow: the call waits for the member it has', async () => {
    const p = makePool({ maxChildren: 1 });
    await p.ensure();
    const slow = p.request('tools/call', { name: 'pid', arguments: {} }, { timeoutMs: 10_000, owner });
    const [a, b] = await Promise.all([slow, call(p, 'ok')]);
    expect(JSON.stringify(a)).toContain('pid');
    expect(JSON.stringify(b)).toContain('ok: ');
    expect(p.size).toBe(1);
  }, 20_000);

  it('the gateway’s own requests (NO_OWNER) go to an existing member and never start one', async () => {
    const { NO_OWNER } = await import('./upstream.js');
    const p = makePool();
    await p.ensure();
    await Promise.all(Array.from({ length: 5 }, () => p.request('tools/list', {}, { timeoutMs: 10_000, owner: NO_OWNER })));
    expect(p.size).toBe(1);
  }, 20_000);
});

describe('isolation of a server that sets none', () => {
  it('is a pool (shared) on the HTTP gateway, its own connection per session under `portcullis stdio`; `shared: false` / `true` are the older spellings', async () => {
    const [{ Gateway }, { Pipeline }, { parseConfigText }] = await Promise.all([import('./gateway.js'), import('../pipeline/chain.js'), import('../config/load.js')]);
    const config = parseConfigText(`
mcpServers:
  plain: { command: node, args: ["${CRASH}"] }
  off: { command: node, args: ["${CRASH}"], shared: false }
  on: { command: node, args: ["${CRASH}"], shared: true }
  mine: { command: node, args: ["${CRASH}"], isolation: principal }
`);
    const make = (defaultIsolation?: 'session') => new Gateway({ config, pipeline: new Pipeline([]), sink: { write: async () => undefined }, log: silentLogger, version: 't', ...(defaultIsolation ? { defaultIsolation } : {}) });
    const http = make();
    const stdio = make('session');
    const iso = (gw: InstanceType<typeof Gateway>) => Object.fromEntries(gw.servers.map((s) => [s.name, gw.isolationOf(s.spec)]));
    expect(iso(http)).toEqual({ plain: 'shared', off: 'session', on: 'shared', mine: 'principal' });
    expect(iso(stdio)).toEqual({ plain: 'session', off: 'session', on: 'shared', mine: 'principal' });
    expect(http.upstreamFor('plain', owner)).toBeInstanceOf(UpstreamPool);
    expect(stdio.upstreamFor('plain', owner)).not.toBeInstanceOf(UpstreamPool);
    await Promise.all([http.close(), stdio.close()]);
  });
});
