/**
 * The SQLite audit-chain writer on a worker thread, so that the commit (BEGIN IMMEDIATE, the head
 * read, one insert per event, the WAL write) does not run on the thread that relays MCP messages.
 *
 * The relay thread computes each event's canonical text (it is both the stored JSON and the hashed
 * text) and posts the row fields; the worker, on its own connection to the same file, takes the
 * write lock, reads the head inside the transaction, chains `sha256(prevHash + text)`, inserts and
 * commits, then answers with the links. The caller's promise resolves only after that answer, so an
 * acknowledged event is committed exactly as before (a crash or kill -9 after the answer cannot lose
 * it: the WAL frames are written before COMMIT returns). One batch at a time is in flight (AuditLog
 * serialises), but the client queues any number in order.
 *
 * The worker is a short inline script (`eval`), not a file: the package runs from dist/, from the
 * TypeScript sources under vitest, and bundled (the crash test), and an inline script needs no path
 * that all three agree on. Its one dependency, better-sqlite3, is resolved here and passed in.
 * The link formula is the one of `chainHashText` (src/shared/canonical.ts); `audit verify` and the
 * store contract tests check every link with that function, so the two cannot drift unnoticed.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** The inline worker: { id, rows: [fields 1..9 of AUDIT_COLUMNS][] } in, { id, seq0, prev0, hashes } out. */
const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const Database = require(workerData.sqlite);
const ZERO_HASH = '0'.repeat(64);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = ' + workerData.synchronous);
const head = db.prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
const ins = db.prepare(workerData.insertSql);
const append = db.transaction((rows) => {
  const h = head.get();
  let seq = h ? Number(h.seq) : 0;
  let prev = h ? String(h.hash) : ZERO_HASH;
  const seq0 = seq + 1;
  const prev0 = prev;
  const hashes = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const f = rows[i];
    seq += 1;
    // f[8] is the event's canonical text; the link is sha256(prevHash + text), as chainHashText.
    const hash = createHash('sha256').update(prev).update(f[8]).digest('hex');
    ins.run(seq, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], prev, hash);
    hashes[i] = hash;
    prev = hash;
  }
  return { seq0, prev0, hashes };
});
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const r = append.immediate(m.rows);
    parentPort.postMessage({ id: m.id, seq0: r.seq0, prev0: r.prev0, hashes: r.hashes });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String((e && e.message) || e), code: e && e.code });
  }
});
`;

export type AuditRowFields = [string, string, string | null, string | null, string | null, string | null, string | null, string | null, string];

export interface AuditLinks {
  seq0: number;
  prev0: string;
  hashes: string[];
}

interface Waiter {
  resolve: (l: AuditLinks) => void;
  reject: (e: Error) => void;
}

/** better-sqlite3's entry point: beside this module, else from the working directory (bundled copies). */
function sqliteEntry(): string {
  for (const from of [import.meta.url, path.join(process.cwd(), 'noop.js')]) {
    try {
      return createRequire(from).resolve('better-sqlite3');
    } catch {
      // next
    }
  }
  throw new Error('audit writer: cannot resolve better-sqlite3');
}

export class AuditWriterThread {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 1;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: { file: string; synchronous: string; insertSql: string }) {}

  private start(): Worker {
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file: this.opts.file, synchronous: this.opts.synchronous, insertSql: this.opts.insertSql, sqlite: sqliteEntry() },
    });
    // Idle, the worker must not keep the process alive (the main connection's owner closes it).
    w.unref();
    w.on('message', (m: { id: number; error?: string; code?: string } & Partial<AuditLinks>) => {
      const waiter = this.waiting.get(m.id);
      if (!waiter) return;
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) w.unref();
      if (m.error !== undefined) waiter.reject(Object.assign(new Error(m.error), m.code ? { code: m.code } : {}));
      else waiter.resolve({ seq0: m.seq0!, prev0: m.prev0!, hashes: m.hashes! });
    });
    const fail = (err: Error) => {
      if (this.worker === w) this.worker = undefined;
      for (const x of this.waiting.values()) x.reject(err);
      this.waiting.clear();
    };
    w.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
    w.on('exit', (code) => fail(new Error(`audit writer thread exited (${code})`)));
    this.worker = w;
    return w;
  }

  /** Append rows (fields 1..9 of AUDIT_COLUMNS; the 9th is the canonical text) as one transaction. */
  append(rows: AuditRowFields[]): Promise<AuditLinks> {
    if (this.closing) return Promise.reject(new Error('audit writer is closed'));
    const w = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<AuditLinks>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // Keep the process alive while a commit is pending: its caller is waiting for it.
      w.ref();
      w.postMessage({ id, rows });
    });
  }

  /** Let pending commits finish, then close the worker's connection. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const w = this.worker;
      if (!w) return;
      await Promise.allSettled([...this.waiting.values()].map((x) => new Promise<void>((r) => {
        const { resolve, reject } = x;
        x.resolve = (l) => (resolve(l), r());
        x.reject = (e) => (reject(e), r());
      })));
      const exited = new Promise<void>((r) => w.once('exit', () => r()));
      // Referenced until it has exited: an idle worker is unref'd, and a caller awaiting close() with
      // nothing else pending would otherwise see the process end under its feet (exit code 0).
      w.ref();
      w.postMessage('close');
      await exited;
      this.worker = undefined;
    })();
    return this.closing;
  }
}
