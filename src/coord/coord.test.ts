/** The coordination contract, run against memory and against the real Redis on 127.0.0.1:6379. */
import { describe, expect, it, afterAll } from 'vitest';
import net from 'node:net';
import { MemoryCoord } from './memory/index.js';
import { RedisCoord } from './redis/index.js';
import type { Coord } from './types.js';

const REDIS_URL = process.env.PORTCULLIS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

async function redisUp(): Promise<boolean> {
  const u = new URL(REDIS_URL);
  return new Promise((resolve) => {
    const s = net.connect(Number(u.port || 6379), u.hostname);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.setTimeout(1000, () => (s.destroy(), resolve(false)));
  });
}
const haveRedis = await redisUp();
if (!haveRedis) console.warn(`[coord] Redis tests skipped: no server answers at ${REDIS_URL}`);

function contract(name: string, make: () => Promise<Coord>) {
  describe(`coord contract: ${name}`, () => {
    const made: Coord[] = [];
    afterAll(async () => {
      for (const c of made) await c.close();
    });
    const fresh = async () => {
      const c = await make();
      made.push(c);
      return c;
    };
    const key = () => `test-${Math.random().toString(36).slice(2)}`;

    it('allows up to the limit in a window, then refuses', async () => {
      const c = await fresh();
      const k = key();
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await c.hit(k, 60_000, 3));
      expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, false]);
      expect(results[4]!.count).toBe(5);
      expect(results[4]!.resetMs).toBeGreaterThan(0);
    });

    it('a new window starts afresh', async () => {
      const c = await fresh();
      const k = key();
      expect((await c.hit(k, 200, 1)).allowed).toBe(true);
      await new Promise((r) => setTimeout(r, 450));
      expect((await c.hit(k, 200, 1)).allowed).toBe(true);
    });

    it('revocations hold until they expire', async () => {
      const c = await fresh();
      const s = `session:${key()}`;
      expect(await c.isRevoked(s)).toBe(false);
      await c.revoke(s, 300);
      expect(await c.isRevoked(s)).toBe(true);
      await new Promise((r) => setTimeout(r, 450));
      expect(await c.isRevoked(s)).toBe(false);
    });

    it('publish reaches the subscribers of that channel only, until they unsubscribe', async () => {
      const c = await fresh();
      const ch = key();
      const got: string[] = [];
      const other: string[] = [];
      const off = await c.subscribe(ch, (m) => got.push(m));
      const off2 = await c.subscribe(`${ch}-other`, (m) => other.push(m));
      expect(await c.publish(ch, 'one')).toBe(1);
      await until(() => got.length === 1);
      await off();
      expect(await c.publish(ch, 'two')).toBe(0);
      await new Promise((r) => setTimeout(r, 50));
      expect(got).toEqual(['one']);
      expect(other).toEqual([]);
      await off2();
    });
  });
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

contract('memory', async () => new MemoryCoord());
describe.skipIf(!haveRedis)('redis', () => {
  contract('redis', async () => {
    const c = new RedisCoord(REDIS_URL, `pcx-test-${process.pid}:`);
    await c.connect();
    return c;
  });
  it('two replicas share counters through Redis', async () => {
    const prefix = `pcx-test-shared-${process.pid}:`;
    const a = new RedisCoord(REDIS_URL, prefix);
    const b = new RedisCoord(REDIS_URL, prefix);
    await a.connect();
    await b.connect();
    try {
      expect((await a.hit('k', 60_000, 2)).allowed).toBe(true);
      expect((await b.hit('k', 60_000, 2)).allowed).toBe(true);
      expect((await a.hit('k', 60_000, 2)).allowed).toBe(false);
      await a.revoke('principal:user:x', 5000);
      expect(await b.isRevoked('principal:user:x')).toBe(true);
      // Messages cross between replicas.
      const got: string[] = [];
      await b.subscribe('session:s1', (m) => got.push(m));
      expect(await a.publish('session:s1', 'hello')).toBe(1);
      await until(() => got.length === 1);
      expect(got).toEqual(['hello']);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
