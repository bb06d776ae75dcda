/** In-process coordination: fixed-window counters and revocations with expiry. */
import type { Coord, RateResult } from '../types.js';

export class MemoryCoord implements Coord {
  readonly kind = 'memory' as const;
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly revoked = new Map<string, number>();
  private sweeps = 0;
  private readonly channels = new Map<string, Set<(message: string) => void>>();

  async hit(key: string, windowMs: number, limit: number): Promise<RateResult> {
    const now = Date.now();
    const start = now - (now % windowMs);
    let w = this.windows.get(key);
    if (!w || w.start !== start) this.windows.set(key, (w = { start, count: 0 }));
    w.count++;
    if (++this.sweeps % 10_000 === 0) this.sweep(now, windowMs);
    return { allowed: w.count <= limit, count: w.count, resetMs: start + windowMs - now };
  }

  private sweep(now: number, windowMs: number): void {
    for (const [k, w] of this.windows) if (w.start + windowMs < now) this.windows.delete(k);
  }

  async revoke(subject: string, ttlMs: number): Promise<void> {
    this.revoked.set(subject, Date.now() + ttlMs);
  }

  async isRevoked(subject: string): Promise<boolean> {
    const until = this.revoked.get(subject);
    if (until === undefined) return false;
    if (until < Date.now()) {
      this.revoked.delete(subject);
      return false;
    }
    return true;
  }

  async close(): Promise<void> {}

  async publish(channel: string, message: string): Promise<number> {
    const hs = this.channels.get(channel);
    if (!hs) return 0;
    // Asynchronous like Redis: a publisher never runs its subscribers inside its own call.
    for (const h of hs) queueMicrotask(() => h(message));
    return hs.size;
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    let hs = this.channels.get(channel);
    if (!hs) this.channels.set(channel, (hs = new Set()));
    const h = (m: string) => handler(m);
    hs.add(h);
    return async () => {
      hs.delete(h);
      if (hs.size === 0 && this.channels.get(channel) === hs) this.channels.delete(channel);
    };
  }
}
