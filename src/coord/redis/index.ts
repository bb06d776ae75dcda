/**
 * Redis coordination for fleets: counters with INCR + PEXPIRE in one round trip (MULTI), and
 * revocations as keys with a TTL. All replicas pointing at the same Redis share them.
 */
import { Redis } from 'ioredis';
import type { Coord, RateResult } from '../types.js';

export class RedisCoord implements Coord {
  readonly kind = 'redis' as const;
  private readonly redis: Redis;

  constructor(
    url: string,
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
    const res = await this.redis.multi().incr(k).pexpire(k, windowMs).exec();
    const count = Number(res?.[0]?.[1] ?? 0);
    if (!count) throw new Error('redis: rate counter unavailable');
    return { allowed: count <= limit, count, resetMs: start + windowMs - now };
  }

  async revoke(subject: string, ttlMs: number): Promise<void> {
    await this.redis.set(`${this.prefix}revoked:${subject}`, '1', 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async isRevoked(subject: string): Promise<boolean> {
    return (await this.redis.exists(`${this.prefix}revoked:${subject}`)) === 1;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
