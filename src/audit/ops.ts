/**
 * The logic behind `portcullis audit …` (src/cli/audit.ts is a thin commander layer over it), kept
 * here so it can be tested without a process: verification report, query, export, tail, prune.
 */
import { existsSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { ms } from '../config/schema.js';
import type { AuditQuery, ChainedEvent, Store } from '../store/types.js';
import { pruneAudit, type PruneResult } from './chain.js';
import { loadPublicKey, makeSignedHead, parseSignedHead, publicKeyFileOf, readSigningKeyFile, type SignedHead, type SigningKey } from './keys.js';
import { verifyAudit, type VerifyOptions, type VerifyResult } from './verify.js';
import { readFileSync } from 'node:fs';
import { safeField } from '../util/terminal.js';
import type { SigningKeySource } from './index.js';

/** `2026-01-01`, an ISO time, or a duration ago (`15m`, `2h`, `7d`) → ISO. */
export function parseTime(s: string, now = Date.now()): string {
  if (/^\d+(ms|s|m|h|d)$/.test(s)) return new Date(now - ms(s)).toISOString();
  if (/^\d+w$/.test(s)) return new Date(now - Number(s.slice(0, -1)) * 7 * 86_400_000).toISOString();
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new Error(`not a time: ${s} (use an ISO date like 2026-01-31 or 2026-01-31T12:00:00Z, or a duration ago like 2h or 7d)`);
  return new Date(t).toISOString();
}

/** `30d` → ms; errors name the expected form. */
export function parseAge(s: string): number {
  if (/^\d+w$/.test(s)) return Number(s.slice(0, -1)) * 7 * 86_400_000;
  if (!/^\d+(ms|s|m|h|d)$/.test(s)) throw new Error(`not a duration: ${s} (use e.g. 30d, 12h, 4w)`);
  return ms(s);
}

/** Public keys for verification: explicit files, else `<key>.pub.pem`, else the private key's public half. */
export function verificationKeys(source: SigningKeySource | string, explicit: string[] = []): KeyObject[] {
  if (explicit.length > 0) return explicit.map((f) => loadPublicKey(f));
  if (typeof source !== 'string' && source.kind === 'pem') return [loadPublicKey(source.pem)];
  const signingKeyFile = typeof source === 'string' ? source : source.file;
  const pub = publicKeyFileOf(signingKeyFile);
  if (existsSync(pub)) return [loadPublicKey(pub)];
  if (existsSync(signingKeyFile)) return [loadPublicKey(signingKeyFile)];
  throw new Error(`no audit public key: neither ${pub} nor ${signingKeyFile} exists; pass --public-key FILE`);
}

export function loadSigningKeyFile(file: string): SigningKey {
  if (!existsSync(file)) throw new Error(`no audit signing key at ${file}: prune needs the gateway's key (set audit.signingKey or --data-dir)`);
  return readSigningKeyFile(file);
}

/** `--expect-head` takes the JSON itself or a file holding it. */
export function readExpectedHead(arg: string): { head: SignedHead; publicKey: KeyObject } {
  const text = arg.trimStart().startsWith('{') ? arg : readFileSync(arg, 'utf8');
  return parseSignedHead(text);
}

/**
 * `portcullis audit head`: verify the log (a head is never signed over a broken log), then sign its
 * current end and record that as a checkpoint too. Ship the printed JSON somewhere the gateway host
 * cannot write (another machine, a ticket, a WORM bucket) and give it to `audit verify --expect-head`.
 */
export async function runHead(store: Store, key: SigningKey, verifyOpts: VerifyOptions = {}): Promise<{ head?: SignedHead; result: VerifyResult }> {
  const result = await verifyAudit(store, [key.publicKey], verifyOpts);
  if (!result.ok) return { result };
  const last = await store.auditHead();
  const seq = last?.seq ?? 0;
  const head = makeSignedHead(key, seq, last?.hash ?? '0'.repeat(64));
  if (seq > 0 && seq > result.lastCheckpointSeq) {
    const { format: _f, publicKey: _p, ...cp } = head;
    await store.addCheckpoint(cp);
  }
  return { head, result };
}


export function verifyReport(r: VerifyResult, notes: string[] = []): string {
  if (!r.ok) {
    const b = r.firstBroken!;
    let s = `audit log BROKEN at seq ${b.seq} (${b.kind}): ${b.detail}\n`;
    for (const a of r.alsoBroken ?? []) s += `  also at seq ${a.seq} (${a.kind}): ${a.detail}\n`;
    return s + `  checked ${r.checked} events, ${r.checkpoints} checkpoints\n`;
  }
  let s = `audit log OK: ${r.checked} events (seq ${r.headSeq - r.checked + 1}…${r.headSeq}), ${r.checkpoints} signed checkpoints`;
  if (r.prunedBefore > 0) s += `, pruned before seq ${r.prunedBefore}`;
  if (r.expectedHeadSeq !== undefined) s += `, matches the shipped head at seq ${r.expectedHeadSeq}`;
  s += '\n';
  for (const n of notes) s += `  note: ${n}\n`;
  if (r.unanchored > 0) s += `  note: the last ${r.unanchored} events come after the last signed checkpoint (seq ${r.lastCheckpointSeq}); their removal would not be detectable until the next checkpoint\n`;
  return s;
}

export async function runVerify(store: Store, keys: KeyObject[], opts: VerifyOptions = {}, notes: string[] = []): Promise<{ result: VerifyResult; text: string; exitCode: number }> {
  const result = await verifyAudit(store, keys, opts);
  return { result, text: verifyReport(result, notes), exitCode: result.ok ? 0 : 1 };
}

/** One line per event; every field escaped (a newline in a URI cannot forge a line, ESC cannot reach the terminal). */
export function formatEvent(c: ChainedEvent): string {
  const e = c.event;
  const what = [e.server, e.target].filter(Boolean).map(safeField).join(' ') || '-';
  const why = safeField(e.rule ?? e.reason ?? '');
  const f = e.findings?.length ? ` findings=${e.findings.map((x) => `${safeField(x.category)}/${safeField(x.severity)}`).join(',')}` : '';
  const lat = typeof e.latencyMs === 'number' ? ` ${e.latencyMs.toFixed(1)}ms` : '';
  return `${String(c.seq).padStart(7)} ${safeField(e.time)} ${safeField(e.decision).padEnd(7)} ${safeField(e.principal?.id)} ${safeField(e.method)} ${what}${why ? ` [${why}]` : ''}${e.outcome ? ` ${safeField(e.outcome)}` : ''}${lat}${f}`;
}

/** The store's query, as a person gives it: `since` / `until` may also be durations back from now (see parseTime). */
export type QueryOptions = Pick<AuditQuery, 'principal' | 'tool' | 'server' | 'decision' | 'session' | 'since' | 'until' | 'limit'>;

export function toAuditQuery(o: QueryOptions, now = Date.now()): AuditQuery {
  const q: AuditQuery = {};
  if (o.principal) q.principal = o.principal;
  if (o.tool) q.tool = o.tool;
  if (o.server) q.server = o.server;
  if (o.decision) q.decision = o.decision;
  if (o.session) q.session = o.session;
  if (o.since) q.since = parseTime(o.since, now);
  if (o.until) q.until = parseTime(o.until, now);
  return q;
}

/** The newest `limit` matching events, oldest first. */
export async function queryEvents(store: Store, o: QueryOptions): Promise<ChainedEvent[]> {
  const rows = await store.queryAudit({ ...toAuditQuery(o), order: 'desc', limit: o.limit ?? 100 });
  return rows.reverse();
}

const CSV_COLUMNS = ['seq', 'time', 'id', 'instance', 'session', 'principal', 'client', 'transport', 'hook', 'server', 'method', 'target', 'decision', 'rule', 'reason', 'outcome', 'latency_ms', 'findings', 'args_digest', 'result_digest', 'trace_id', 'hash'];

function csvCell(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  // Quote when needed; neutralise spreadsheet formulas.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvRow(c: ChainedEvent): string {
  const e = c.event;
  const cells = [
    c.seq,
    e.time,
    e.id,
    e.instance,
    e.session,
    e.principal.id,
    e.client ? `${e.client.name}/${e.client.version}` : '',
    e.transport,
    e.hook,
    e.server,
    e.method,
    e.target,
    e.decision,
    e.rule,
    e.reason,
    e.outcome,
    e.latencyMs,
    e.findings.map((f) => `${f.category}:${f.detector}:${f.severity}`).join(' '),
    e.argsDigest,
    e.resultDigest,
    e.traceId,
    c.hash,
  ];
  return cells.map(csvCell).join(',');
}

/** Stream matching events in seq order as JSONL (chained records) or CSV. Returns the count. */
export async function exportEvents(
  store: Store,
  o: { format: 'jsonl' | 'csv'; since?: string; until?: string; principal?: string; tool?: string; decision?: string },
  write: (chunk: string) => void | Promise<void>,
  page = 2000,
): Promise<number> {
  if (o.format !== 'jsonl' && o.format !== 'csv') throw new Error(`--format must be jsonl or csv, not ${String(o.format)}`);
  const base = toAuditQuery(o);
  if (o.format === 'csv') await write(CSV_COLUMNS.join(',') + '\n');
  let after = 0;
  let n = 0;
  for (;;) {
    const rows = await store.queryAudit({ ...base, afterSeq: after, limit: page });
    if (rows.length === 0) break;
    let s = '';
    for (const c of rows) s += (o.format === 'csv' ? csvRow(c) : JSON.stringify({ seq: c.seq, prevHash: c.prevHash, hash: c.hash, event: c.event })) + '\n';
    await write(s);
    n += rows.length;
    after = rows[rows.length - 1]!.seq;
  }
  return n;
}

/** Print the last `n` events, then (follow) new ones as they are committed, until `signal` aborts. */
export async function tailEvents(
  store: Store,
  o: { n: number; follow: boolean; intervalMs?: number; json?: boolean },
  write: (line: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  const fmt = (c: ChainedEvent) => (o.json ? JSON.stringify({ seq: c.seq, hash: c.hash, event: c.event }) : formatEvent(c));
  const last = (await store.queryAudit({ order: 'desc', limit: o.n })).reverse();
  for (const c of last) write(fmt(c) + '\n');
  let after = last.length ? last[last.length - 1]!.seq : ((await store.auditHead())?.seq ?? 0);
  // One abort listener for the whole follow (not one per poll: that leaked listeners every 500 ms).
  let wake: (() => void) | undefined;
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    while (o.follow && !signal?.aborted) {
      await new Promise<void>((r) => {
        const t = setTimeout(() => ((wake = undefined), r()), o.intervalMs ?? 500);
        wake = () => (clearTimeout(t), (wake = undefined), r());
      });
      await drainNew();
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  async function drainNew(): Promise<void> {
    for (;;) {
      const rows = await store.readAudit(after, 1000);
      for (const c of rows) write(fmt(c) + '\n');
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.seq;
    }
  }
}

export async function runPrune(store: Store, key: SigningKey, olderThan: string, now = Date.now()): Promise<PruneResult & { cutoff: string }> {
  const cutoff = new Date(now - parseAge(olderThan)).toISOString();
  return { ...(await pruneAudit(store, key, cutoff)), cutoff };
}
