/**
 * A fleet: several gateway replicas behind a load balancer, sharing a PostgreSQL store and a
 * Redis coord. Turned on by `store.postgres` (with `coord.redis` for messages between replicas).
 *
 * What an old-era (Mcp-Session-Id) session's next request needs lives in the store, not only in
 * the replica that opened it: principal and credential binding, negotiated protocol version,
 * client info and capabilities, taint. A replica that gets a request for a session it does not
 * hold rebuilds it from the store (its upstream connections are opened lazily there, its lists
 * fetched on first use). On every request a held session is checked against the store (one
 * primary-key read): taint another replica added is merged before the pipeline runs, and a
 * session ended elsewhere (DELETE, revocation) is refused. Taint this replica adds is written
 * before the answer leaves (fail closed: when it cannot be written, the answer is an error).
 *
 * Messages for a client's GET stream produced on a replica that does not hold the stream, and a
 * client's answers to server→client requests posted to a replica that did not ask, travel on the
 * session's coord channel (src/coord/session-channel.ts).
 */
import type { Coord } from '../coord/types.js';
import { parseSessionChannelMessage, sessionChannel, type SessionChannelMessage } from '../coord/session-channel.js';
import type { SessionRecord, Store } from '../store/types.js';
import type { Logger } from '../observability/log.js';
import type { Session } from './session.js';

type Outgoing = { t: 'notify'; msg: Record<string, unknown> } | { t: 'response'; msg: Record<string, unknown> } | { t: 'end'; reason: string };

/** What the HTTP listener needs to share its sessions with other replicas. */
export interface SessionStore {
  readonly instance: string;
  /** The session finished `initialize`: record it so any replica can serve its next request. */
  opened(s: Session): Promise<void>;
  /** The stored record of a session this replica does not hold (ended ones included), or undefined. */
  find(id: string): Promise<SessionRecord | undefined>;
  /** A session rebuilt from `rec` on this replica: its stored taint is what the record had. */
  adopt(s: Session, rec: SessionRecord): void;
  /** Before serving a request on a held session: merge stored taint; `ended` when it must not be served. */
  refresh(s: Session): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Whether the session has taint the store does not have yet. */
  dirty(s: Session): boolean;
  /** Write the session's new taint flags (before the answer that follows them leaves). Throws when it cannot. */
  flush(s: Session, id?: string): Promise<void>;
  /**
   * A per-request (2026-07-28) client's state, shared under `id` (derived from its principal,
   * client info and capabilities, as every replica derives it): merge the stored taint into the
   * state's session (recording the state when the store does not have it yet). Throws when it cannot.
   */
  pullTaint(s: Session, id: string): Promise<void>;
  /** End a session fleet-wide (DELETE, revocation): recorded, and announced to the replicas holding it. */
  end(id: string, reason: string): Promise<void>;
  publish(id: string, m: Outgoing): Promise<number>;
  subscribe(id: string, onMessage: (m: SessionChannelMessage) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const TOUCH_EVERY_MS = 60_000;

export class FleetSessions implements SessionStore {
  /** Taint flags known to be in the store, per session. */
  private readonly stored = new WeakMap<Session, Set<string>>();
  private readonly touched = new Map<string, number>();
  private readonly pruner: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly coord: Coord,
    readonly instance: string,
    private readonly log: Logger,
    /** Sessions not seen for this long are deleted from the store (the gateway's idle timeout, doubled). */
    private readonly forgetAfterMs: number,
  ) {
    this.pruner = setInterval(() => {
      this.store.pruneSessions(new Date(Date.now() - this.forgetAfterMs).toISOString()).catch((e: unknown) => this.log.warn({ err: String(e) }, 'could not prune fleet sessions'));
      const old = Date.now() - TOUCH_EVERY_MS;
      for (const [id, t] of this.touched) if (t < old) this.touched.delete(id);
    }, Math.min(10 * 60_000, Math.max(5_000, forgetAfterMs / 4)));
    this.pruner.unref();
  }

  async opened(s: Session): Promise<void> {
    await this.record(s, s.id, s.transport, s.protocolVersion);
  }

  /**
   * Write a session's record at first sight (an old-era session when it opens, a per-request client's
   * state the first time a replica sees it) and remember which taint the store holds for it.
   */
  private async record(s: Session, id: string, transport: string, protocolVersion?: string): Promise<void> {
    const now = new Date().toISOString();
    const taint = [...s.taint];
    await this.store.putSession({
      id,
      principal: s.principal.id,
      credential: s.principal.credential ?? '',
      transport,
      ...(protocolVersion ? { protocolVersion } : {}),
      ...(s.clientInfo ? { clientInfo: s.clientInfo } : {}),
      capabilities: s.declaredCapabilities,
      instance: this.instance,
      createdAt: now,
      seenAt: now,
      taint,
    });
    this.stored.set(s, new Set(taint));
    this.touched.set(id, Date.now());
  }

  async find(id: string): Promise<SessionRecord | undefined> {
    return this.store.getSession(id);
  }

  /** Mark a session rebuilt from its record as stored (its taint is what the record had). */
  adopt(s: Session, rec: SessionRecord): void {
    this.stored.set(s, new Set(rec.taint));
    this.touched.set(s.id, Date.now());
  }

  async refresh(s: Session): Promise<{ ok: true } | { ok: false; reason: string }> {
    const known = this.stored.get(s);
    // Never recorded (its initialize has not finished, or recording failed): only this replica knows it.
    if (!known) return { ok: true };
    const rec = await this.store.sessionState(s.id);
    if (!rec) return { ok: false, reason: 'expired' };
    if (rec.endedAt) return { ok: false, reason: rec.endReason ?? 'ended' };
    for (const f of rec.taint) {
      s.taint.add(f);
      known.add(f);
    }
    const now = Date.now();
    if (now - (this.touched.get(s.id) ?? 0) > TOUCH_EVERY_MS) {
      this.touched.set(s.id, now);
      void this.store.touchSession(s.id, new Date(now).toISOString()).catch(() => undefined);
    }
    return { ok: true };
  }

  dirty(s: Session): boolean {
    const known = this.stored.get(s);
    return known !== undefined && s.taint.size > known.size;
  }

  async flush(s: Session, id = s.id): Promise<void> {
    const known = this.stored.get(s);
    if (!known) return;
    const add = [...s.taint].filter((f) => !known.has(f));
    if (add.length === 0) return;
    await this.store.addSessionTaint(id, add);
    for (const f of add) known.add(f);
  }

  async pullTaint(s: Session, id: string): Promise<void> {
    const rec = await this.store.sessionState(id);
    if (!rec) return this.record(s, id, 'envelope');
    let known = this.stored.get(s);
    if (!known) this.stored.set(s, (known = new Set()));
    // Ended (its principal was revoked) or not: taint only ever grows, and the authn stage decides revocation.
    for (const f of rec.taint) {
      s.taint.add(f);
      known.add(f);
    }
    const now = Date.now();
    if (now - (this.touched.get(id) ?? 0) > TOUCH_EVERY_MS) {
      this.touched.set(id, now);
      void this.store.touchSession(id, new Date(now).toISOString()).catch(() => undefined);
    }
  }

  async end(id: string, reason: string): Promise<void> {
    await this.store.endSession(id, reason, new Date().toISOString());
    await this.publish(id, { t: 'end', reason }).catch((e: unknown) => this.log.warn({ session: id, err: String(e) }, 'could not announce the end of a session to the fleet'));
  }

  publish(id: string, m: Outgoing): Promise<number> {
    return this.coord.publish(sessionChannel(id), JSON.stringify({ from: this.instance, ...m }));
  }

  subscribe(id: string, onMessage: (m: SessionChannelMessage) => void): Promise<() => Promise<void>> {
    return this.coord.subscribe(sessionChannel(id), (text) => {
      const m = parseSessionChannelMessage(text);
      if (m && m.from !== this.instance) onMessage(m);
    });
  }

  async close(): Promise<void> {
    clearInterval(this.pruner);
  }
}

/** The fleet's session store for a gateway on a shared (PostgreSQL) store; undefined for a single process. */
export function openFleet(store: Store, coord: Coord, o: { instance: string; log: Logger; idleMs: number }): FleetSessions | undefined {
  if (store.kind !== 'postgres') return undefined;
  if (coord.kind !== 'redis') o.log.warn('store.postgres without coord.redis: sessions are shared between replicas, but notifications for a client whose stream is on another replica are not delivered, and revocations are not seen by other replicas');
  return new FleetSessions(store, coord, o.instance, o.log, Math.max(2 * o.idleMs, 60_000));
}
