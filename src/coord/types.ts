/**
 * Coordination between gateway replicas: rate-limit counters, session revocations and messages
 * (notifications and session ends for sessions whose client is connected to another replica).
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
  /**
   * Fire-and-forget messages between replicas (Redis pub/sub; in memory, within the process).
   * Delivery is at most once: a replica that is not subscribed when a message is published never
   * sees it. Returns how many subscribers received it (Redis counts connections, not handlers).
   */
  publish(channel: string, message: string): Promise<number>;
  /** Receive what is published on `channel` (this process's own publications included); returns the unsubscribe. */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
