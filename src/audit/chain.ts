/**
 * The tamper-evident audit log: an AuditSink over a Store.
 *
 * - Group commit: `write` queues the event; the queue is flushed on the next turn of the event loop
 *   (setImmediate, or after `maxDelayMs`) or as soon as it holds `maxBatch` events, in one store
 *   transaction. While a batch commits, new events gather for the next one, so under load batches
 *   grow by themselves and each event costs one row insert, not one transaction.
 * - Chaining: the store assigns seq/prevHash/hash inside the transaction while holding its writer
 *   lock (`Store.appendAuditChain`), reading the head there. A restart therefore continues from the
 *   stored head, and several gateway replicas on one PostgreSQL database append in turn through a
 *   transaction-scoped advisory lock: the chain stays one linear sequence. (SQLite: one gateway per
 *   file is the supported setup; other processes — CLI prune — are still serialised by BEGIN IMMEDIATE.)
 * - Checkpoints: a signed (Ed25519) `checkpoint` once `checkpointEvery` events are not covered by one,
 *   once the oldest uncovered event is `checkpointIntervalMs` old (a timer covers a quiet log), and at
 *   clean shutdown, so deleting the tail is detectable and `audit verify` can flag a gap longer than
 *   that bound as deleted checkpoints. Replicas should share one signing key (`audit.signingKey`);
 *   `verifyAudit` accepts several public keys otherwise.
 * - failClosed: when a batch cannot be committed, every `write` in it rejects with
 *   AuditUnavailableError (the gateway answers PCX_AUDIT_UNAVAILABLE). With failClosed false they
 *   resolve and `stats().dropped` grows.
 */
import { performance } from 'node:perf_hooks';
import type { AuditCheckpoint, ChainedEvent, Store } from '../store/types.js';
import type { AuditEvent, AuditFinding, AuditSink } from './event.js';
import { signCheckpoint, type SigningKey } from './keys.js';

const noop = () => {};

export class AuditUnavailableError extends Error {
  readonly code = 'PCX_AUDIT_UNAVAILABLE';
  constructor(cause: unknown) {
    super(`audit store unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'AuditUnavailableError';
  }
}

/** What the log reports to metrics (see src/observability/metrics.ts `auditMetricsHook`). */
export interface AuditMetricsHook {
  observeWrite(seconds: number, events: number): void;
  setBacklog(n: number): void;
  incDropped(n: number): void;
}

export interface AuditLogOptions {
  store: Store;
  key: SigningKey;
  /** Signed checkpoint after at most N events (default 1000). */
  checkpointEvery?: number;
  /** ...and at most this long after the first event it does not cover yet (default 0: no time bound). */
  checkpointIntervalMs?: number;
  /** Reject writes that cannot be committed (default true). */
  failClosed?: boolean;
  /** Most events per transaction (default 1000). */
  maxBatch?: number;
  /** Wait up to this long to gather a batch (default 0: the next event-loop turn). At most 2 ms is sensible. */
  maxDelayMs?: number;
  metrics?: AuditMetricsHook;
  /** Called with errors the log survives (checkpoint failures, dropped batches, subscriber errors). */
  onError?: (err: unknown, what: string) => void;
}

export interface AuditStats {
  /** Events queued or in the transaction being committed. */
  backlog: number;
  written: number;
  dropped: number;
  failedBatches: number;
  batches: number;
  lastBatchSize: number;
  /** Duration of the last commit, in ms. */
  lastWriteMs: number;
  headSeq: number;
  lastCheckpointSeq: number;
}

interface Pending {
  event: AuditEvent;
  resolve: (c: ChainedEvent | undefined) => void;
  reject: (e: unknown) => void;
}

/** Findings keep only category/detector/severity/where: never a matched value or message. */
export function sanitizeFindings(findings: readonly AuditFinding[] | undefined): AuditFinding[] {
  if (!findings) return [];
  return findings.map((f) => {
    const o: AuditFinding = { category: String(f.category), detector: String(f.detector), severity: f.severity };
    if (f.where !== undefined) o.where = String(f.where);
    return o;
  });
}

export class AuditLog implements AuditSink {
  private readonly store: Store;
  private readonly key: SigningKey;
  private readonly checkpointEvery: number;
  private readonly checkpointIntervalMs: number;
  /** Wall-clock ms when the first event after the last checkpoint was committed (0: none pending). */
  private uncoveredSince = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly failClosed: boolean;
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;
  private readonly metrics: AuditMetricsHook | undefined;
  private readonly onError: (err: unknown, what: string) => void;
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private draining: Promise<void> | undefined;
  private closed = false;
  private readonly subscribers = new Set<(batch: ChainedEvent[]) => void>();
  private s: AuditStats = { backlog: 0, written: 0, dropped: 0, failedBatches: 0, batches: 0, lastBatchSize: 0, lastWriteMs: 0, headSeq: 0, lastCheckpointSeq: 0 };
  private lastHeadHash = '';

  private constructor(o: AuditLogOptions) {
    this.store = o.store;
    this.key = o.key;
    this.checkpointEvery = o.checkpointEvery ?? 1000;
    this.checkpointIntervalMs = o.checkpointIntervalMs ?? 0;
    this.failClosed = o.failClosed ?? true;
    this.maxBatch = o.maxBatch ?? 1000;
    this.maxDelayMs = o.maxDelayMs ?? 0;
    this.metrics = o.metrics;
    this.onError = o.onError ?? (() => {});
  }

  /** Open the log: reads the head and the last checkpoint so a restart continues the chain. */
  static async open(o: AuditLogOptions): Promise<AuditLog> {
    const log = new AuditLog(o);
    const head = await o.store.auditHead();
    if (head) {
      log.s.headSeq = head.seq;
      log.lastHeadHash = head.hash;
    }
    const cps = await o.store.listCheckpoints();
    log.s.lastCheckpointSeq = cps.reduce((m, c) => Math.max(m, c.seq), 0);
    // A previous run that crashed left events without a checkpoint: cover them soon.
    if (log.s.headSeq > log.s.lastCheckpointSeq) log.uncoveredSince = Date.now();
    if (log.checkpointIntervalMs > 0) {
      log.timer = setInterval(() => log.timedCheckpoint(), Math.max(50, Math.min(log.checkpointIntervalMs / 4, 5000)));
      log.timer.unref();
    }
    return log;
  }

  /** AuditSink: resolves when the event is committed (see `append`). */
  write(event: AuditEvent): Promise<void> {
    return this.append(event).then(noop);
  }

  /**
   * Resolves when the event is committed, with its chain link (seq, hash); with undefined when it was
   * dropped (failClosed off). Rejects with AuditUnavailableError when failClosed and it cannot be stored.
   */
  append(event: AuditEvent): Promise<ChainedEvent | undefined> {
    if (this.closed) return Promise.reject(new AuditUnavailableError(new Error('audit log is closed')));
    const ev: AuditEvent = { ...event, findings: sanitizeFindings(event.findings) };
    return new Promise<ChainedEvent | undefined>((resolve, reject) => {
      this.queue.push({ event: ev, resolve, reject });
      this.metrics?.setBacklog(this.queue.length + this.inFlight);
      if (this.draining) return; // picked up when the batch in flight is committed
      if (this.queue.length >= this.maxBatch) this.kick();
      else this.schedule();
    });
  }

  /** Called with every committed batch, in seq order (JSONL / OTLP sinks, live tail). */
  subscribe(fn: (batch: ChainedEvent[]) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  stats(): AuditStats {
    return { ...this.s, backlog: this.queue.length + this.inFlight };
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.maxDelayMs > 0) setTimeout(() => this.kick(), this.maxDelayMs);
    else setImmediate(() => this.kick());
  }

  /**
   * Commit one batch. The next batch starts from a fresh event-loop turn (setImmediate), never from
   * a microtask: with a synchronous store (SQLite) a chain of microtasks would starve I/O.
   */
  private kick(): void {
    this.scheduled = false;
    if (this.draining || this.queue.length === 0) return;
    this.draining = this.drainOne().finally(() => {
      this.draining = undefined;
      if (this.queue.length > 0) this.schedule();
    });
  }

  private async drainOne(): Promise<void> {
    const batch = this.queue.splice(0, this.maxBatch);
    this.inFlight = batch.length;
    const t0 = performance.now();
    let chained: ChainedEvent[];
    try {
      chained = await this.store.appendAuditChain(batch.map((p) => p.event));
    } catch (e) {
      this.inFlight = 0;
      this.s.failedBatches++;
      if (this.failClosed) {
        const err = new AuditUnavailableError(e);
        for (const p of batch) p.reject(err);
      } else {
        this.s.dropped += batch.length;
        this.metrics?.incDropped(batch.length);
        this.onError(e, `audit: dropped ${batch.length} events (failClosed is off)`);
        for (const p of batch) p.resolve(undefined);
      }
      this.metrics?.setBacklog(this.queue.length);
      return;
    }
    const ms = performance.now() - t0;
    this.inFlight = 0;
    const last = chained[chained.length - 1]!;
    this.s.batches++;
    this.s.written += chained.length;
    this.s.lastBatchSize = chained.length;
    this.s.lastWriteMs = ms;
    this.s.headSeq = last.seq;
    this.lastHeadHash = last.hash;
    this.metrics?.observeWrite(ms / 1000, chained.length);
    this.metrics?.setBacklog(this.queue.length);
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve(chained[i]);
    for (const fn of this.subscribers) {
      try {
        fn(chained);
      } catch (e) {
        this.onError(e, 'audit: subscriber failed');
      }
    }
    if (this.uncoveredSince === 0) this.uncoveredSince = Date.now();
    if (last.seq - this.s.lastCheckpointSeq >= this.checkpointEvery || this.intervalDue()) await this.checkpoint(last.seq, last.hash);
  }

  private intervalDue(): boolean {
    return this.checkpointIntervalMs > 0 && this.uncoveredSince > 0 && Date.now() - this.uncoveredSince >= this.checkpointIntervalMs;
  }

  /** The time bound: a quiet log still gets its checkpoint. */
  private timedCheckpoint(): void {
    if (this.closed || this.draining || !this.intervalDue() || this.s.headSeq <= this.s.lastCheckpointSeq) return;
    void this.checkpoint(this.s.headSeq, this.lastHeadHash);
  }

  private async checkpoint(seq: number, hash: string, kind: AuditCheckpoint['kind'] = 'checkpoint'): Promise<void> {
    try {
      await this.store.addCheckpoint(signCheckpoint(this.key, { seq, hash, kind }));
      this.s.lastCheckpointSeq = Math.max(this.s.lastCheckpointSeq, seq);
      if (this.s.lastCheckpointSeq >= this.s.headSeq) this.uncoveredSince = 0;
    } catch (e) {
      this.onError(e, `audit: checkpoint at seq ${seq} failed`);
    }
  }

  /** Wait until everything written so far is committed (or failed). */
  async flush(): Promise<void> {
    while (this.draining || this.queue.length > 0) {
      if (!this.draining) this.kick();
      await this.draining;
    }
  }

  /** Record a signed checkpoint at the current head now (done by `close` automatically). */
  async checkpointNow(): Promise<void> {
    await this.flush();
    if (this.s.headSeq > this.s.lastCheckpointSeq) await this.checkpoint(this.s.headSeq, this.lastHeadHash);
  }

  /** Delete events older than `olderThan` after recording a signed `prune` checkpoint. */
  async prune(olderThan: Date | string): Promise<PruneResult> {
    await this.flush();
    return pruneAudit(this.store, this.key, olderThan);
  }

  /** Flush, write the shutdown checkpoint, stop accepting events. Does not close the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.checkpointNow();
    this.closed = true;
  }
}

export interface PruneResult {
  deleted: number;
  /** The first seq kept (the signed prune point), when something was deleted. */
  keptFrom?: number;
}

/**
 * Retention: delete events with time < olderThan. Records a signed `prune` checkpoint
 * `{ seq: S, hash: hash of event S-1 }` first ("events before S were deleted on purpose; the event at S
 * links to this hash"), then deletes seq < S. The head event is always kept, so the chain continues.
 */
export async function pruneAudit(store: Store, key: SigningKey, olderThan: Date | string): Promise<PruneResult> {
  const cutoff = typeof olderThan === 'string' ? new Date(olderThan).toISOString() : olderThan.toISOString();
  const head = await store.auditHead();
  const firstStored = (await store.readAudit(0, 1))[0];
  if (!head || !firstStored) return { deleted: 0 };
  const firstKept = (await store.queryAudit({ since: cutoff, limit: 1 }))[0];
  const s = Math.min(firstKept ? firstKept.seq : head.seq, head.seq);
  if (s <= firstStored.seq) return { deleted: 0 };
  const before = (await store.readAudit(s - 2, 1))[0];
  if (!before || before.seq !== s - 1) throw new Error(`audit prune: event ${s - 1} is missing; run \`portcullis audit verify\``);
  await store.addCheckpoint(signCheckpoint(key, { seq: s, hash: before.hash, kind: 'prune' }));
  const deleted = await store.pruneAudit(s);
  return { deleted, keptFrom: s };
}
