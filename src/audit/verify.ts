/**
 * Verification of the audit chain: recompute every hash, check seq continuity and prevHash links,
 * check every checkpoint's signature and that the event at its seq still has its hash, and that no
 * checkpoint lies beyond the head (a truncated tail). Events before a signed `prune` point may be
 * missing. Reports the first broken link in seq order.
 *
 * Also: every indexed column (`principal`, `target`, `time`…, what `audit query` filters on) must equal
 * the field of the hashed event; with the writer's bounds (`checkpointEvery`, `checkpointIntervalMs`) a
 * gap between signed checkpoints longer than the writer allows means checkpoints were deleted; with a
 * signed head shipped earlier (`expectHead`, from `portcullis audit head`) the log must still reach
 * that seq with that hash, so truncation, wipes and rewrites re-signed with a stolen key are caught.
 *
 * Limit (inherent to any store-only check): without a shipped head, whoever can write the database
 * and read the signing key can rewrite the whole log consistently; the tail after the last checkpoint
 * (or after the last shipped head) can be cut without trace. The JSONL / OTLP copies and the shipped
 * heads are the independent record.
 */
import type { KeyObject } from 'node:crypto';
import type { AuditCheckpoint, AuditColumns, AuditRow, ChainedEvent, Store } from '../store/types.js';
import { AUDIT_INDEXED, expectedColumns } from '../store/rows.js';
import { chainHash, ZERO_HASH } from './canonical.js';
import { checkpointSignatureValid, keyIdOf, type SignedHead } from './keys.js';

export type BrokenKind = 'modified' | 'deleted' | 'reordered' | 'truncated' | 'bad-signature' | 'missing-checkpoint' | 'column';

export interface VerifyOptions {
  page?: number;
  /** The writer's event bound (`audit.checkpointEvery`): a longer gap between checkpoints is an error. */
  checkpointEvery?: number;
  /** The writer's largest batch (default 1000): a checkpoint may land up to one batch late. */
  maxBatch?: number;
  /** The writer's time bound (`audit.checkpointInterval`, ms). */
  checkpointIntervalMs?: number;
  /** A signed head shipped earlier (`portcullis audit head`); its signature must already have been checked. */
  expectHead?: SignedHead;
}

/** Slack of the time bound: event times are decision times, a call may take a while. */
const TIME_SLACK_MS = 10 * 60_000;

export interface BrokenLink {
  seq: number;
  kind: BrokenKind;
  detail: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Events whose hash was recomputed. */
  checked: number;
  checkpoints: number;
  headSeq: number;
  /** The newest signed checkpoint (any kind). */
  lastCheckpointSeq: number;
  /** Events after the last signed checkpoint: their removal could not be detected from the store alone. */
  unanchored: number;
  /** Everything before this seq was pruned by retention (signed). */
  prunedBefore: number;
  firstBroken?: BrokenLink;
  /** Further problems after the first (each check reports its first), in seq order. */
  alsoBroken?: BrokenLink[];
  /** The shipped head that was checked (seq), when one was given. */
  expectedHeadSeq?: number;
}

const PAGE = 5000;

export async function verifyAudit(store: Store, publicKey: KeyObject | KeyObject[], opts: VerifyOptions = {}): Promise<VerifyResult> {
  const page = opts.page ?? PAGE;
  const keys = new Map<string, KeyObject>();
  for (const k of Array.isArray(publicKey) ? publicKey : [publicKey]) keys.set(keyIdOf(k), k);

  const problems: BrokenLink[] = [];
  const cps = await store.listCheckpoints();
  const valid: AuditCheckpoint[] = [];
  for (const c of cps) {
    const k = keys.get(c.keyId);
    if (!k) problems.push({ seq: c.seq, kind: 'bad-signature', detail: `${c.kind} at seq ${c.seq} is signed by unknown key ${c.keyId}` });
    else if (!checkpointSignatureValid(c, k)) problems.push({ seq: c.seq, kind: 'bad-signature', detail: `${c.kind} at seq ${c.seq}: the signature does not match` });
    else valid.push(c);
  }
  const prunes = valid.filter((c) => c.kind === 'prune');
  const prunePoint = prunes.reduce((m, c) => Math.max(m, c.seq), 0);
  const cpAt = new Map<number, AuditCheckpoint[]>();
  for (const c of valid) cpAt.set(c.seq, [...(cpAt.get(c.seq) ?? []), c]);
  const lastCheckpointSeq = valid.reduce((m, c) => Math.max(m, c.seq), 0);

  // Anchors: seqs up to which a signed statement covers the chain (a prune point S covers S-1).
  const anchors = new Set<number>();
  for (const c of valid) anchors.add(c.kind === 'prune' ? c.seq - 1 : c.seq);
  const intervalMs = opts.checkpointIntervalMs ?? 0;
  // Events commit in seq order and an event's time is taken before it commits, so the running
  // maximum of event times up to an event is a lower bound of its commit time; a slow call (early
  // time) cannot make a segment look long. A segment starts at its first event's lower bound and
  // must end (with a checkpoint) within the writer's time bound of it.
  let maxSoFar = -Infinity;
  let segBase = NaN;
  let segFrom = 0;
  let timeGap: BrokenLink | undefined;
  const checkSpan = (to: number) => {
    const span = maxSoFar - segBase;
    if (intervalMs > 0 && !timeGap && span > 2 * intervalMs + TIME_SLACK_MS) {
      timeGap = {
        seq: segFrom,
        kind: 'missing-checkpoint',
        detail: `events ${segFrom}…${to} span ${Math.round(span / 60_000)} minutes without a signed checkpoint, although one is written at most ${Math.round(intervalMs / 1000)}s after an event: checkpoints were deleted`,
      };
    }
    segBase = NaN;
    segFrom = to + 1;
  };
  const expect = opts.expectHead;
  let hashAtExpected: string | undefined;

  let checked = 0;
  let prev: ChainedEvent | undefined;
  let chainBroken: BrokenLink | undefined;
  let after = 0;
  scan: for (;;) {
    const rows = await store.readAuditRows(after, page);
    if (rows.length === 0) break;
    for (const row of rows) {
      after = row.seq;
      checked++;
      if (checked === 1) segFrom = row.seq;
      const b = (await checkRow(store, row, prev, prunePoint, prunes, page)) ?? checkColumns(row);
      if (b) {
        chainBroken = b;
        break scan;
      }
      if (expect && row.seq === expect.seq) hashAtExpected = row.hash;
      const t = Date.parse(row.event.time);
      if (Number.isFinite(t)) maxSoFar = Math.max(maxSoFar, t);
      if (Number.isNaN(segBase)) segBase = maxSoFar;
      if (anchors.has(row.seq)) checkSpan(row.seq);
      for (const c of cpAt.get(row.seq) ?? []) {
        if (c.kind === 'checkpoint' && c.hash !== row.hash) {
          chainBroken = { seq: row.seq, kind: 'modified', detail: `the signed checkpoint at seq ${row.seq} records hash ${c.hash.slice(0, 12)}…, the chain has ${row.hash.slice(0, 12)}… (rewritten at or before seq ${row.seq})` };
        } else if (c.kind === 'prune' && c.hash !== row.prevHash) {
          chainBroken = { seq: row.seq, kind: 'modified', detail: `the signed prune point at seq ${row.seq} links to ${c.hash.slice(0, 12)}…, the event links to ${row.prevHash.slice(0, 12)}…` };
        }
        if (chainBroken) break scan;
      }
      prev = row;
    }
  }
  if (chainBroken) problems.push(chainBroken);

  const head = await store.auditHead();
  const headSeq = head?.seq ?? 0;
  if (lastCheckpointSeq > headSeq) {
    problems.push({
      seq: headSeq + 1,
      kind: 'truncated',
      detail: `a signed ${valid.find((c) => c.seq === lastCheckpointSeq)!.kind} exists at seq ${lastCheckpointSeq} but the log ends at seq ${headSeq}: events ${headSeq + 1}…${lastCheckpointSeq} (at least) were removed`,
    });
  }

  if (!chainBroken) {
    if (checked > 0) checkSpan(headSeq);
    if (timeGap) problems.push(timeGap);
    const every = opts.checkpointEvery;
    if (every !== undefined) {
      const bound = every + (opts.maxBatch ?? 1000);
      let last = Math.max(0, prunePoint - 1);
      const points = [...anchors].filter((a) => a > last && a <= headSeq).sort((a, b) => a - b);
      for (const a of [...points, headSeq]) {
        if (a - last > bound) {
          problems.push({
            seq: last + 1,
            kind: 'missing-checkpoint',
            detail:
              a === headSeq && !anchors.has(a)
                ? `events ${last + 1}…${a} (${a - last}) are not covered by a signed checkpoint, although one is written at least every ${every} events: checkpoints were deleted`
                : `no signed checkpoint between seq ${last} and seq ${a} (${a - last} events), although one is written at least every ${every} events: checkpoints were deleted`,
          });
          break;
        }
        last = a;
      }
    }
  }

  if (expect) {
    if (expect.seq > headSeq) {
      problems.push({
        seq: headSeq + 1,
        kind: 'truncated',
        detail:
          headSeq === 0
            ? `the log is empty, but the shipped head (signed ${expect.time}) says it reached seq ${expect.seq}: the audit tables were wiped`
            : `the shipped head (signed ${expect.time}) says the log reached seq ${expect.seq} with hash ${expect.hash.slice(0, 12)}…, but it ends at seq ${headSeq}: events ${headSeq + 1}…${expect.seq} were removed`,
      });
    } else if (expect.seq > 0 && expect.seq >= prunePoint && hashAtExpected === undefined && !chainBroken) {
      problems.push({ seq: expect.seq, kind: 'deleted', detail: `the shipped head's event ${expect.seq} is not in the log` });
    } else if (hashAtExpected !== undefined && hashAtExpected !== expect.hash) {
      problems.push({
        seq: expect.seq,
        kind: 'modified',
        detail: `the shipped head (signed ${expect.time}) records hash ${expect.hash.slice(0, 12)}… at seq ${expect.seq}, the log has ${hashAtExpected.slice(0, 12)}…: the log was rewritten (and re-hashed) at or before seq ${expect.seq}`,
      });
    }
  }

  problems.sort((a, b) => a.seq - b.seq);
  const firstBroken = problems[0];
  return {
    ok: firstBroken === undefined,
    checked,
    checkpoints: cps.length,
    headSeq,
    lastCheckpointSeq,
    unanchored: Math.max(0, headSeq - lastCheckpointSeq),
    prunedBefore: prunePoint,
    ...(firstBroken ? { firstBroken } : {}),
    ...(problems.length > 1 ? { alsoBroken: problems.slice(1) } : {}),
    ...(expect ? { expectedHeadSeq: expect.seq } : {}),
  };
}

async function checkRow(store: Store, row: ChainedEvent, prev: ChainedEvent | undefined, prunePoint: number, prunes: AuditCheckpoint[], page: number): Promise<BrokenLink | undefined> {
  if (!prev) {
    if (row.seq === 1) {
      if (row.prevHash !== ZERO_HASH) return { seq: 1, kind: 'modified', detail: 'the first event does not start the chain (prevHash is not zero)' };
    } else if (prunePoint === 0) {
      return { seq: 1, kind: 'deleted', detail: `the log starts at seq ${row.seq} and there is no signed prune record: events 1…${row.seq - 1} were removed` };
    } else if (row.seq > prunePoint) {
      return { seq: prunePoint, kind: 'deleted', detail: `retention pruned up to seq ${prunePoint} but the log starts at seq ${row.seq}: events ${prunePoint}…${row.seq - 1} were removed` };
    } else if (row.seq === prunePoint) {
      const p = prunes.find((c) => c.seq === prunePoint)!;
      if (p.hash !== row.prevHash) return { seq: row.seq, kind: 'modified', detail: `event ${row.seq} does not link to the signed prune point` };
    }
  } else if (row.seq !== prev.seq + 1) {
    return { seq: prev.seq + 1, kind: 'deleted', detail: `seq jumps from ${prev.seq} to ${row.seq}: events ${prev.seq + 1}…${row.seq - 1} are missing` };
  }
  if (chainHash(row.prevHash, row.event) !== row.hash) {
    return { seq: row.seq, kind: 'modified', detail: `event ${row.seq} (id ${row.event?.id ?? '?'}) does not match its hash: its content was changed` };
  }
  if (prev && row.prevHash !== prev.hash) {
    // Is the real successor of `prev`, or the real predecessor of `row`, elsewhere in the log?
    const moved = await findLater(store, row.seq, page, (r) => r.hash === row.prevHash || r.prevHash === prev.hash);
    if (moved) return { seq: row.seq, kind: 'reordered', detail: `event ${row.seq} links to an event stored at seq ${moved.hash === row.prevHash ? moved.seq : '?'}; events were reordered (the event that follows ${prev.seq} is at seq ${moved.prevHash === prev.hash ? moved.seq : '?'})` };
    return {
      seq: prev.seq,
      kind: 'modified',
      detail: `event ${prev.seq} is not the event that ${row.seq} links to: it was changed and re-hashed, or events were removed and the rest renumbered`,
    };
  }
  return undefined;
}

/** The indexed columns must be copies of the hashed event's fields (else `audit query` lies). */
function checkColumns(row: AuditRow): BrokenLink | undefined {
  const want = expectedColumns(row.event);
  for (const c of AUDIT_INDEXED) {
    if (row.columns[c] !== want[c]) {
      return {
        seq: row.seq,
        kind: 'column',
        detail: `event ${row.seq}: the indexed column "${c}" holds ${show(row.columns[c])} but the hashed event says ${show(want[c])}: the column was edited (it changes what \`audit query\` finds)`,
      };
    }
  }
  return undefined;
}

function show(v: AuditColumns[keyof AuditColumns]): string {
  if (v === null) return 'NULL';
  return JSON.stringify(v.length > 80 ? v.slice(0, 80) + '…' : v);
}

async function findLater(store: Store, afterSeq: number, page: number, pred: (r: ChainedEvent) => boolean): Promise<ChainedEvent | undefined> {
  let after = afterSeq;
  for (;;) {
    const rows = await store.readAudit(after, page);
    if (rows.length === 0) return undefined;
    for (const r of rows) if (pred(r)) return r;
    after = rows[rows.length - 1]!.seq;
  }
}
