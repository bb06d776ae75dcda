/**
 * Coordination between gateway replicas: rate-limit counters and session revocations.
 * In memory for one process (the default); Redis when `coord.redis.url` is set, so every
 * replica behind a load balancer sees the same counters and the same revocations.
 */
export interface RateResult {
  allowed: boolean;
  /** Calls counted in the current window, this one included. */
  count: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

export interface Coord {
  readonly kind: 'memory' | 'redis';
  /** Count one hit for `key` in a fixed window of `windowMs`; allowed while count ≤ limit. */
  hit(key: string, windowMs: number, limit: number): Promise<RateResult>;
  /** Revoke a session or a principal (`session:<id>`, `principal:<id>`) for `ttlMs`. */
  revoke(subject: string, ttlMs: number): Promise<void>;
  isRevoked(subject: string): Promise<boolean>;
  close(): Promise<void>;
}
