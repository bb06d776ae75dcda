/**
 * A pool of connections to one upstream server (`isolation: shared`, the default): a few children
 * (or HTTP sessions) serve every downstream session, instead of one child per session.
 *
 *   session ─▶ pool.request ─▶ a member with room (oldest first) ─▶ Upstream (ids, progress tokens remapped)
 *                  │  none: start one (≤ maxInstances, a free child slot) · full: wait ≤ queueTimeout
 *                  └─ then PCX_UPSTREAM_UNAVAILABLE (rule servers.maxInstances, retryAfterMs)
 *
 * - Grows under load: a member takes up to `callsPerInstance` calls at once; when every member has
 *   that many in flight, the next call starts a new member (up to `maxInstances`; a growing pool
 *   takes free child slots only, it never reclaims a session to make one).
 * - Shrinks when idle: a member without calls for `shrinkAfter` is stopped while another remains;
 *   the last one follows the server's `idleTimeout` (0: it stays).
 * - Crashes: the dead member's in-flight calls fail (PCX_UPSTREAM_CLOSED, from Upstream); it leaves
 *   the pool, and a new member is started no sooner than the pool's backoff allows (250 ms doubling
 *   to 30 s; back to the bottom when the member had been up `HEALTHY_RESET_MS`). Calls meanwhile go
 *   to the other members, or wait (≤ queueTimeout) for the restart.
 * - Nothing crosses callers: routing inside a member is Upstream's (responses by the gateway's ids,
 *   progress by per-call tokens, resource updates to subscribers, unattributable notifications
 *   dropped). Server→client requests carry no caller, so once the server is seen to send them, a
 *   call from a client that can answer them gets a member to itself for its duration (the only
 *   caller with calls in flight there is the one the request is for). `roots/list` is refused:
 *   one client's roots would become every caller's state.
 * - What the server keeps per connection follows the member it lives on: a resource subscription,
 *   a task and a list cursor are sent back to the member that made them; such a member is not shrunk.
 */
import type { ServerConfig } from '../config/schema.js';
import { createdTaskId } from './era/tasks.js';
import { backoffMs, HEALTHY_RESET_MS, NO_OWNER, Upstream, UpstreamError, type InitializeResult, type Json, type UpstreamDeps, type UpstreamEra, type UpstreamOwner } from './upstream.js';

export interface PoolOptions {
  /** Most members (`maxInstances`). */
  max: number;
  /** Calls one member takes at once before the pool grows (`pool.callsPerInstance`). */
  callsPerInstance: number;
  /** A member idle this long is stopped while another remains (`pool.shrinkAfter`). */
  shrinkAfterMs: number;
  /** The last member is stopped after this long idle; 0 = never (`idleTimeout`). */
  idleTimeoutMs: number;
  /** How long a call waits for a member when the pool is full and saturated (`pool.queueTimeout`). */
  queueTimeoutMs: number;
  /** The gateway's own initialize params for every member (the same for all callers). */
  initParams: Json;
  /** A member up this long before it died restarts the backoff from the bottom (default HEALTHY_RESET_MS). */
  healthyResetMs?: number;
  /** Deps of a new member; `first` when the pool has none (it may reclaim an idle session's child). */
  memberDeps(requester: string | undefined, first: boolean): UpstreamDeps;
  onRestart?(server: string): void;
}

type RequestOpts = Parameters<Upstream['request']>[2];

interface Member {
  u: Upstream;
  /** Calls in flight (an exclusive call counts `callsPerInstance`). */
  load: number;
  lastUsed: number;
  starting?: Promise<void>;
  /** When it became ready (its death after HEALTHY_RESET_MS up resets the backoff). */
  readyAt?: number;
}

/** Task ids and list cursors are remembered this long (tasks) or this many (cursors). */
const TASK_TTL_MS = 60 * 60_000;
const MAX_CURSORS = 256;

export class UpstreamPool {
  readonly shared = true;
  /** Sessions using this pool (shared with every member: list changes and resource updates reach them). */
  readonly owners = new Set<UpstreamOwner>();
  init?: InitializeResult;
  lastError?: string;
  private members: Member[] = [];
  private closed = false;
  private failures = 0;
  private nextStartAt = 0;
  /** A new member was refused a child slot (limits): do not try to grow again before this. */
  private growBlockedUntil = 0;
  /** A member died while up: the next successful start is a restart (metrics). */
  private restartPending = false;
  private era?: UpstreamEra;
  /** Seen sending server→client requests: calls of clients that can answer them get a member of their own. */
  asksClients = false;
  private waiters = new Set<() => void>();
  private nextCallId = 1;
  private readonly calls = new Map<number, { m: Member; memberId?: number }>();
  private readonly subscriptions = new Map<string, Member>();
  private readonly tasks = new Map<string, { m: Member; at: number }>();
  private readonly cursors = new Map<string, Member>();
  private timer?: NodeJS.Timeout;
  private restartTimer?: NodeJS.Timeout;

  constructor(
    readonly name: string,
    readonly spec: ServerConfig,
    private readonly opts: PoolOptions,
  ) {}

  /** Members started or starting (what the pool costs now). */
  get size(): number {
    return this.members.length;
  }

  /** Calls in flight on each member (for tests and the admin view). */
  get loads(): number[] {
    return this.members.map((m) => m.load);
  }

  get state(): Upstream['state'] {
    if (this.closed) return 'closed';
    if (this.members.some((m) => m.u.state === 'ready')) return 'ready';
    if (this.members.some((m) => m.starting)) return 'connecting';
    return Date.now() < this.nextStartAt ? 'dead' : 'idle';
  }

  get retryAfterMs(): number {
    return this.state === 'dead' ? Math.max(0, this.nextStartAt - Date.now()) : 0;
  }

  /**
   * At least one member is ready (one is started if none is); during the restart backoff it fails at
   * once with the retry hint. The caller's params are not used: every member gets the pool's.
   */
  async ensure(_initParams?: Json): Promise<void> {
    if (this.state === 'ready') return;
    const m = await this.acquire(0, undefined, Date.now() + this.opts.queueTimeoutMs);
    m.lastUsed = Date.now();
  }

  /** Start one member ahead of the first call (a stdio session is created before its initialize). */
  prestart(): void {
    if (this.closed || this.members.length > 0 || Date.now() < this.nextStartAt) return;
    this.spawn(undefined); // a refusal is reported to the first call
  }

  async request(method: string, params: unknown, opts: RequestOpts): Promise<Json> {
    if (this.closed) throw new UpstreamError('PCX_UPSTREAM_UNAVAILABLE', `${this.name}: connection closed`);
    const p = params as Json | undefined;
    // The log level is state of the whole process: one caller may not turn every caller's server verbose.
    // Each session filters the lines of its own calls by its level instead (Session.onUpstreamNotification).
    if (method === 'logging/setLevel') return { jsonrpc: '2.0', id: 0, result: {} };
    if (method === 'tasks/list') return this.listTasks(params, opts);
    let pinned: Member | undefined;
    if ((method === 'resources/subscribe' || method === 'resources/unsubscribe') && typeof p?.uri === 'string') {
      pinned = this.alive(this.subscriptions.get(p.uri));
      if (!pinned && method === 'resources/unsubscribe') return { jsonrpc: '2.0', id: 0, result: {} }; // subscribed nowhere
    } else if (method.startsWith('tasks/') && typeof p?.taskId === 'string') {
      const t = this.tasks.get(p.taskId);
      pinned = this.alive(t?.m);
      if (t && !pinned) return { jsonrpc: '2.0', id: 0, error: { code: -32602, message: `Unknown task: ${p.taskId} (the ${this.name} instance that ran it has stopped)` } };
    } else if (typeof p?.cursor === 'string') {
      pinned = this.alive(this.cursors.get(p.cursor));
    }
    const exclusive = this.asksClients && opts.owner.answersServerRequests === true;
    const weight = exclusive ? this.opts.callsPerInstance : 1;
    // The gateway's own requests (list refreshes after a list_changed) never grow the pool: each new
    // member announces its lists, and growing for the refresh would start the next one.
    if (!pinned && opts.owner === NO_OWNER) pinned = this.leastLoaded();
    let m: Member;
    if (pinned) {
      m = pinned;
      m.load += 1;
    } else {
      m = await this.acquire(weight, opts.owner.id, Date.now() + this.opts.queueTimeoutMs);
    }
    const taken = pinned ? 1 : weight;
    // Pinned before it is sent, so a concurrent subscribe to the same URI goes to the same member
    // (one upstream subscription, and each unsubscribe reaches the member that holds it).
    if (method === 'resources/subscribe' && typeof p?.uri === 'string') this.subscriptions.set(p.uri, m);
    const callId = this.nextCallId++;
    const entry: { m: Member; memberId?: number } = { m };
    this.calls.set(callId, entry);
    try {
      const res = await m.u.request(method, params, {
        ...opts,
        onSent: (memberId) => {
          entry.memberId = memberId;
          opts.onSent?.(callId);
        },
      });
      this.remember(method, p, res, m);
      return res;
    } finally {
      this.calls.delete(callId);
      m.load = Math.max(0, m.load - taken);
      m.lastUsed = Date.now();
      this.wake();
    }
  }

  /** Cancel a call by the id `request` reported through `onSent`. */
  cancel(callId: number, reason: string, settle = true): void {
    const c = this.calls.get(callId);
    if (c?.memberId !== undefined) c.m.u.cancel(c.memberId, reason, settle);
  }

  /** Notifications from clients: `roots/list_changed` is not relayed (roots are refused on a shared server). */
  notify(method: string, params?: unknown): void {
    if (method === 'notifications/roots/list_changed') return;
    for (const m of this.members) m.u.notify(method, params);
  }

  detach(owner: UpstreamOwner): void {
    this.owners.delete(owner);
    for (const m of this.members) m.u.detach(owner);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.wake();
    const members = this.members;
    this.members = [];
    await Promise.all(members.map((m) => m.u.close()));
  }

  // ───────── members ─────────

  private leastLoaded(): Member | undefined {
    let best: Member | undefined;
    for (const m of this.members) if (m.u.state === 'ready' && (!best || m.load < best.load)) best = m;
    return best;
  }

  private alive(m: Member | undefined): Member | undefined {
    return m && this.members.includes(m) && m.u.state === 'ready' ? m : undefined;
  }

  /** Reserve `weight` on a member with room, starting one when none has; wait (≤ deadline) when the pool is full. */
  private async acquire(weight: number, requester: string | undefined, deadline: number): Promise<Member> {
    const cap = this.opts.callsPerInstance;
    let refused: UpstreamError | undefined;
    for (;;) {
      if (this.closed) throw new UpstreamError('PCX_UPSTREAM_UNAVAILABLE', `${this.name}: the gateway is closing`);
      // Oldest first: load packs onto the first members, so the others go idle and are stopped.
      const fit = this.members.find((m) => (m.u.state === 'ready' || m.starting) && m.load + weight <= cap);
      const now = Date.now();
      const canGrow = this.members.length < this.opts.max && now >= this.nextStartAt && (this.members.length === 0 || now >= this.growBlockedUntil);
      const m = fit ?? (canGrow ? this.spawn(requester) : undefined);
      if (m) {
        m.load += weight;
        m.lastUsed = now;
        if (!m.starting) return m;
        try {
          await m.starting;
          return m;
        } catch (e) {
          m.load = Math.max(0, m.load - weight);
          const capacity = e instanceof UpstreamError && e.data?.rule !== undefined;
          // No child slot for another member: the ones there are will do, when one comes free.
          if (!capacity || this.members.length === 0) throw e;
          refused = e;
          this.growBlockedUntil = Date.now() + 1000;
          continue;
        }
      }
      // No member can take it now. With none at all, say why at once (a down server answers at once,
      // with its retry hint, as Upstream does: a list does not wait on it).
      if (this.members.length === 0) throw refused ?? this.backoffError();
      // Every member is busy: wait for one to come free (or for the backoff to allow a new one).
      if (now >= deadline) throw refused ?? this.busyError();
      const backingOff = now < this.nextStartAt && this.members.length < this.opts.max;
      await this.waitForChange(Math.min(deadline, backingOff ? this.nextStartAt : deadline) - now);
    }
  }

  private backoffError(): UpstreamError {
    const wait = Math.max(250, this.nextStartAt - Date.now());
    return new UpstreamError('PCX_UPSTREAM_UNAVAILABLE', `${this.name} is unavailable (${this.lastError ?? 'failed'}); next restart attempt in ${Math.ceil(wait / 1000)}s`, { retryAfterMs: wait });
  }

  private busyError(): UpstreamError {
    const { max, callsPerInstance, queueTimeoutMs } = this.opts;
    return new UpstreamError(
      'PCX_UPSTREAM_UNAVAILABLE',
      `${this.name}: all ${this.members.length} instances are busy (servers.${this.name}.maxInstances = ${max}, ${callsPerInstance} calls each) and none came free within ${queueTimeoutMs} ms; retry later`,
      { rule: 'servers.maxInstances', retryAfterMs: 1000 },
    );
  }

  /** A new member, starting (a refusal of a child slot rejects its `starting`). */
  private spawn(requester: string | undefined): Member {
    const first = this.members.length === 0;
    const deps: UpstreamDeps = {
      ...this.opts.memberDeps(requester, first),
      owners: this.owners,
      refuseRoots: true,
      onDown: (u, reason) => this.onMemberDown(u, reason),
      onServerRequest: () => void (this.asksClients = true),
    };
    const u = new Upstream(this.name, this.spec, deps, true, 0);
    u.group = this;
    if (this.era) u.era = this.era; // discovery's verdict holds for every member of one server
    const m: Member = { u, load: 0, lastUsed: Date.now() };
    this.members.push(m);
    this.startTimer();
    m.starting = u.ensure(this.opts.initParams).then(
      () => {
        m.starting = undefined;
        m.readyAt = Date.now();
        this.init = u.init;
        this.era ??= u.era;
        if (this.restartPending) {
          this.restartPending = false;
          this.opts.onRestart?.(this.name);
        }
        this.wake();
      },
      (e: unknown) => {
        m.starting = undefined;
        this.remove(m);
        this.wake();
        throw e;
      },
    );
    m.starting.catch(() => undefined); // the callers waiting on it get the error
    return m;
  }

  private remove(m: Member): void {
    const i = this.members.indexOf(m);
    if (i >= 0) this.members.splice(i, 1);
    for (const [k, v] of this.subscriptions) if (v === m) this.subscriptions.delete(k);
    for (const [k, v] of this.tasks) if (v.m === m) this.tasks.delete(k);
    for (const [k, v] of this.cursors) if (v === m) this.cursors.delete(k);
  }

  /** A member failed to start or died: out of the pool, and the pool backs off before starting another. */
  private onMemberDown(u: Upstream, reason: string): void {
    const m = this.members.find((x) => x.u === u);
    if (!m) return;
    const wasUp = m.readyAt !== undefined;
    this.remove(m);
    // After Upstream has failed the in-flight calls with the reason (closing now would say "session closed").
    queueMicrotask(() => void u.close());
    this.lastError = reason;
    const now = Date.now();
    if (wasUp && now - m.readyAt! >= (this.opts.healthyResetMs ?? HEALTHY_RESET_MS)) this.failures = 0;
    this.failures++;
    this.nextStartAt = now + backoffMs(this.failures);
    if (wasUp) {
      this.restartPending = true;
      // Sessions still use it: bring a member back once the backoff allows (not for a start that failed:
      // that is retried when a call needs it, so a server that cannot start is not spun forever).
      if (this.members.length === 0 && this.owners.size > 0 && !this.closed) {
        if (this.restartTimer) clearTimeout(this.restartTimer);
        this.restartTimer = setTimeout(() => {
          this.restartTimer = undefined;
          if (this.closed || this.members.length > 0 || this.owners.size === 0) return;
          try {
            this.spawn(undefined);
          } catch {
            /* no slot now: the next call starts it */
          }
        }, this.nextStartAt - now);
        this.restartTimer.unref?.();
      }
    }
    this.wake();
  }

  /** Stickiness: what the server now keeps on this member (subscriptions, tasks, cursors). */
  private remember(method: string, p: Json | undefined, res: Json, m: Member): void {
    const result = res.result as Json | undefined;
    if (!result) return;
    const taskId = createdTaskId(result);
    if (taskId !== undefined) this.tasks.set(taskId, { m, at: Date.now() });
    if (typeof result.nextCursor === 'string' && result.nextCursor) {
      this.cursors.set(result.nextCursor, m);
      if (this.cursors.size > MAX_CURSORS) this.cursors.delete(this.cursors.keys().next().value!);
    }
  }

  private sticky(m: Member): boolean {
    if (m.u.hasSubscriptions) return true;
    const now = Date.now();
    for (const t of this.tasks.values()) if (t.m === m && now - t.at < TASK_TTL_MS) return true;
    return false;
  }

  /** tasks/list: every member's tasks (the session keeps only those it created). */
  private async listTasks(params: unknown, opts: RequestOpts): Promise<Json> {
    const ready = this.members.filter((m) => m.u.state === 'ready');
    const lists = await Promise.all(
      ready.map((m) =>
        m.u.request('tasks/list', params, opts).then(
          (r) => ((r.result as Json | undefined)?.tasks ?? []) as Json[],
          () => [] as Json[],
        ),
      ),
    );
    return { jsonrpc: '2.0', id: 0, result: { tasks: lists.flat() } };
  }

  // ───────── waiting, shrinking ─────────

  private wake(): void {
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }

  private waitForChange(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, Math.max(1, ms));
      this.waiters.add(done);
    });
  }

  private startTimer(): void {
    if (this.timer) return;
    const every = Math.max(100, Math.min(this.opts.shrinkAfterMs, this.opts.idleTimeoutMs || Infinity, 30_000) / 2);
    this.timer = setInterval(() => this.shrink(), every);
    this.timer.unref?.();
  }

  /** Stop members idle past `shrinkAfter` (keeping one), and the last past `idleTimeout` (when set). */
  shrink(now = Date.now()): void {
    for (const m of [...this.members].reverse()) {
      // `load` counts every request sent through the pool (not the member's own long-lived listen request).
      if (m.load > 0 || m.starting || this.sticky(m)) continue;
      const idle = now - m.lastUsed;
      const last = this.members.length === 1;
      if (last ? this.opts.idleTimeoutMs > 0 && idle >= this.opts.idleTimeoutMs : idle >= this.opts.shrinkAfterMs) {
        this.remove(m);
        void m.u.close();
      }
    }
    if (this.members.length === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
