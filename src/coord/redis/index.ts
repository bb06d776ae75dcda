/**
 * Redis coordination for fleets: counters with INCR + PEXPIRE in one round trip (MULTI), and
 * revocations as keys with a TTL. All replicas pointing at the same Redis share them.
 */
import { Redis } from 'ioredis';
import type { Coord, RateResult } from '../types.js';

/** Redis errors as callers (and, through a denial, clients) should read them: which dependency is down. */
async function unavailable<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw new Error(`Redis (coord.redis) unavailable: ${(e as Error).message}`, { cause: e });
  }
}

export class RedisCoord implements Coord {
  readonly kind = 'redis' as const;
  private readonly redis: Redis;
  /** A subscribing connection can do nothing else: a second one, opened at the first subscribe. */
  private sub?: Redis;
  private readonly handlers = new Map<string, Set<(message: string) => void>>();

  constructor(
    private readonly url: string,
    private readonly prefix = 'portcullis:',
  ) {
    // Fail fast: a security decision must not wait on a reconnect loop (callers fail closed).
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true, connectTimeout: 2000 });
    this.redis.on('error', () => undefined);
  }

  async connect(): Promise<void> {
    await this.redis.connect();
  }

  async hit(key: string, windowMs: number, limit: number): Promise<RateResult> {
    const now = Date.now();
    const start = now - (now % windowMs);
    const k = `${this.prefix}rate:${key}:${start}`;
    const res = await unavailable(this.redis.multi().incr(k).pexpire(k, windowMs).exec());
    const count = Number(res?.[0]?.[1] ?? 0);
    if (!count) throw new Error('redis: rate counter unavailable');
    return { allowed: count <= limit, count, resetMs: start + windowMs - now };
  }

  async revoke(subject: string, ttlMs: number): Promise<void> {
    await unavailable(this.redis.set(`${this.prefix}revoked:${subject}`, '1', 'PX', Math.max(1, Math.round(ttlMs))));
  }

  async isRevoked(subject: string): Promise<boolean> {
    return (await unavailable(this.redis.exists(`${this.prefix}revoked:${subject}`))) === 1;
  }

  async publish(channel: string, message: string): Promise<number> {
    return unavailable(this.redis.publish(`${this.prefix}ch:${channel}`, message));
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    const full = `${this.prefix}ch:${channel}`;
    if (!this.sub) {
      // Reconnects on its own and subscribes again to every channel (ioredis autoResubscribe):
      // after a Redis restart, messages flow again without the gateway doing anything.
      const sub = new Redis(this.url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 1, retryStrategy: (n) => Math.min(1000, 50 * n) });
      sub.on('error', () => undefined);
      sub.on('message', (ch: string, msg: string) => {
        for (const h of this.handlers.get(ch) ?? []) h(msg);
      });
      this.sub = sub;
      await sub.connect();
    }
    let hs = this.handlers.get(full);
    if (!hs) {
      this.handlers.set(full, (hs = new Set()));
      await this.sub.subscribe(full);
    }
    const h = (m: string) => handler(m);
    hs.add(h);
    return async () => {
      hs.delete(h);
      if (hs.size > 0 || this.handlers.get(full) !== hs) return;
      this.handlers.delete(full);
      await this.sub?.unsubscribe(full).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    this.sub?.disconnect();
  }
}
