/**
 * Capacity of the gateway: how many downstream sessions and upstream child processes exist, in
 * all and per principal, and what gives way when a cap is reached.
 *
 * Why: every stdio server with `isolation: session` (or `principal`) costs one child process (~57 MB)
 * per session (or principal); pooled (`shared`) servers cost at most `maxInstances` each. Without caps
 * per principal, one credential (even one the policy allows nothing) can open sessions in a loop
 * until the global pool is full, and every other user then gets no upstream at all.
 *
 * Rules (all decided synchronously, so concurrent requests cannot both squeeze past a cap):
 *   - A principal at its own cap (sessions or children) makes room only from its own sessions:
 *     its least-recently-used idle one is closed. With none idle, it is refused. It never pushes
 *     another principal's session out.
 *   - At a global cap, a principal under its own caps makes room from the least-recently-used idle
 *     session of anyone (the pool serves the living, not the forgotten). With none idle, refused.
 *   - "Idle" means no call or server request in flight and no client message for
 *     `limits.reclaimIdleAfter`. stdio sessions (the gateway's own client) are never reclaimed.
 *   - Refusals carry a retry hint (`retryAfterMs`): when the soonest candidate becomes idle enough.
 */
import { rpcError, type ErrorCodeName } from '../errors.js';

/** What capacity needs to know about a session. */
export interface Reclaimable {
  readonly id: string;
  readonly principal: { id: string };
  readonly transport: string;
  readonly lastActivity: number;
  readonly closed: boolean;
  /** A call or server→client request is in flight. */
  readonly busy: boolean;
  /** Closing it frees a child process (false: it only uses pooled ones, so reclaiming it would free nothing). */
  readonly holdsChildren?: boolean;
}

export interface CapacityLimits {
  maxSessions: number;
  maxSessionsPerPrincipal: number;
  maxChildren: number;
  maxChildrenPerPrincipal: number;
  reclaimIdleAfterMs: number;
  /** At a principal's own session cap, how long one of its sessions holding no child of its own must have been idle to give way (default reclaimIdleAfterMs). */
  reclaimPooledIdleAfterMs?: number;
}

/** A refusal for lack of capacity: `status` is the HTTP status a listener answers with. */
export class CapacityError extends Error {
  constructor(
    readonly code: ErrorCodeName,
    message: string,
    readonly status: number,
    readonly data: { rule: string; retryAfterMs: number; [k: string]: unknown },
  ) {
    super(message);
  }
}

/**
 * How a CapacityError is answered over HTTP, in either protocol era: its status, Retry-After (whole
 * seconds, at least 1), and a JSON-RPC error whose data names the code, the cap's rule and the retry hint.
 */
export function capacityAnswer(e: CapacityError, id: string | number | null): { status: number; headers: Record<string, string>; body: ReturnType<typeof rpcError> } {
  return { status: e.status, headers: { 'retry-after': String(Math.max(1, Math.ceil(e.data.retryAfterMs / 1000))) }, body: rpcError(id, e.code, e.message, e.data) };
}

export class Capacity {
  private childrenTotal = 0;
  private readonly childrenOf = new Map<string, number>();
  /** Which principal each counted child belongs to is tracked by the caller (Upstream); here only counts. */

  constructor(
    readonly limits: CapacityLimits,
    private readonly sessions: () => Iterable<Reclaimable>,
    /** Close a session to make room (must remove it from `sessions()` synchronously). */
    private readonly reclaim: (s: Reclaimable, why: string) => void,
  ) {}

  get children(): number {
    return this.childrenTotal;
  }

  childrenOfPrincipal(principal: string): number {
    return this.childrenOf.get(principal) ?? 0;
  }

  /** Make room for one more session of `principal`, or throw CapacityError. */
  admitSession(principal: string): void {
    const { maxSessions, maxSessionsPerPrincipal } = this.limits;
    const mine = (s: Reclaimable) => s.principal.id === principal && s.transport !== 'stdio';
    let own = 0;
    let total = 0;
    for (const s of this.sessions()) {
      if (s.closed) continue;
      total++;
      if (mine(s)) own++;
    }
    if (own >= maxSessionsPerPrincipal) {
      // Its own sessions that hold no child are cheap to open again: they give way sooner (reclaimPooledIdleAfter).
      const cheap = (s: Reclaimable) => mine(s) && s.holdsChildren === false;
      const why = `principal ${principal} reached limits.maxSessionsPerPrincipal`;
      const pooledIdle = Math.min(this.limits.reclaimPooledIdleAfterMs ?? this.limits.reclaimIdleAfterMs, this.limits.reclaimIdleAfterMs);
      if (!this.reclaimOne(mine, why) && !this.reclaimOne(cheap, why, pooledIdle)) {
        throw new CapacityError(
          'PCX_RATE_LIMITED',
          `too many sessions for this principal (limits.maxSessionsPerPrincipal = ${maxSessionsPerPrincipal}); close one (HTTP DELETE) or retry later`,
          429,
          { rule: 'limits.maxSessionsPerPrincipal', retryAfterMs: Math.min(this.retryHint(mine), this.retryHint(cheap, pooledIdle)) },
        );
      }
      total--;
    }
    if (total >= maxSessions) {
      const anyone = (s: Reclaimable) => s.transport !== 'stdio';
      if (!this.reclaimOne(anyone, 'limits.maxSessions reached')) {
        throw new CapacityError('PCX_UPSTREAM_UNAVAILABLE', `the gateway is at limits.maxSessions (${maxSessions}) and no session is idle; retry later`, 503, {
          rule: 'limits.maxSessions',
          retryAfterMs: this.retryHint(anyone),
        });
      }
    }
  }

  /**
   * Count one more child for `principal` (undefined: a gateway-owned child, e.g. a shared server),
   * making room first if a cap is reached. `requester` (the session asking) is never reclaimed, nor
   * a session that holds no child (closing it would free nothing). With `reclaim` false (a pool
   * growing past its first member) nobody is: the child is started only if there is a free slot.
   */
  acquireChild(principal: string | undefined, requester: string | undefined, server: string, reclaim = true): void {
    const { maxChildren, maxChildrenPerPrincipal } = this.limits;
    const notMe = (s: Reclaimable) => reclaim && s.id !== requester && s.transport !== 'stdio' && s.holdsChildren !== false;
    if (principal !== undefined && this.childrenOfPrincipal(principal) >= maxChildrenPerPrincipal) {
      const mine = (s: Reclaimable) => notMe(s) && s.principal.id === principal;
      // Closing a session releases its children synchronously; one may not be enough (it may hold none).
      while (this.childrenOfPrincipal(principal) >= maxChildrenPerPrincipal) {
        if (!this.reclaimOne(mine, `principal ${principal} reached limits.maxChildrenPerPrincipal`)) {
          throw new CapacityError(
            'PCX_UPSTREAM_UNAVAILABLE',
            `${server}: this principal's sessions hold ${maxChildrenPerPrincipal} child servers already (limits.maxChildrenPerPrincipal); close idle sessions or retry later`,
            429,
            { rule: 'limits.maxChildrenPerPrincipal', retryAfterMs: this.retryHint(mine), server },
          );
        }
      }
    }
    while (this.childrenTotal >= maxChildren) {
      if (!this.reclaimOne(notMe, 'limits.maxChildren reached')) {
        throw new CapacityError('PCX_UPSTREAM_UNAVAILABLE', `${server}: the gateway runs ${maxChildren} child servers already (limits.maxChildren) and no session is idle; retry later`, 503, {
          rule: 'limits.maxChildren',
          retryAfterMs: this.retryHint(notMe),
          server,
        });
      }
    }
    this.childrenTotal++;
    if (principal !== undefined) this.childrenOf.set(principal, this.childrenOfPrincipal(principal) + 1);
  }

  releaseChild(principal: string | undefined): void {
    this.childrenTotal = Math.max(0, this.childrenTotal - 1);
    if (principal === undefined) return;
    const n = this.childrenOfPrincipal(principal) - 1;
    if (n > 0) this.childrenOf.set(principal, n);
    else this.childrenOf.delete(principal);
  }

  /** Close the least-recently-used idle session matching `which`; false when there is none. */
  private reclaimOne(which: (s: Reclaimable) => boolean, why: string, minIdleMs = this.limits.reclaimIdleAfterMs): boolean {
    const now = Date.now();
    let victim: Reclaimable | undefined;
    for (const s of this.sessions()) {
      if (s.closed || s.busy || !which(s) || now - s.lastActivity < minIdleMs) continue;
      if (!victim || s.lastActivity < victim.lastActivity) victim = s;
    }
    if (!victim) return false;
    this.reclaim(victim, why);
    return true;
  }

  /** When the soonest matching session becomes reclaimable (ms), for the caller's retry hint. */
  private retryHint(which: (s: Reclaimable) => boolean, minIdleMs = this.limits.reclaimIdleAfterMs): number {
    const now = Date.now();
    let soonest = this.limits.reclaimIdleAfterMs;
    for (const s of this.sessions()) {
      if (s.closed || s.busy || !which(s)) continue;
      soonest = Math.min(soonest, Math.max(0, s.lastActivity + minIdleMs - now));
    }
    return Math.max(1000, Math.ceil(soonest / 1000) * 1000);
  }
}
