/**
 * Verification of the audit chain: recompute every hash, check seq continuity and prevHash links,
 * check every checkpoint's signature and that the event at its seq still has its hash, and that no
 * checkpoint lies beyond the head (a truncated tail). Events before a signed `prune` point may be
 * missing. Reports the first broken link in seq order.
 *
 * Limit (inherent to any store-only check): events written after the last signed checkpoint of a run
 * that crashed can be removed without trace in the store; `unanchored` says how many events that is.
 * The JSONL / OTLP copies are the independent record for them.
 */
import type { KeyObject } from 'node:crypto';
import type { AuditCheckpoint, ChainedEvent, Store } from '../store/types.js';
import { chainHash, ZERO_HASH } from './canonical.js';
import { checkpointSignatureValid, keyIdOf } from './keys.js';

export type BrokenKind = 'modified' | 'deleted' | 'reordered' | 'truncated' | 'bad-signature';

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
}

const PAGE = 5000;

export async function verifyAudit(store: Store, publicKey: KeyObject | KeyObject[], opts: { page?: number } = {}): Promise<VerifyResult> {
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

  let checked = 0;
  let prev: ChainedEvent | undefined;
  let chainBroken: BrokenLink | undefined;
  let after = 0;
  scan: for (;;) {
    const rows = await store.readAudit(after, page);
    if (rows.length === 0) break;
    for (const row of rows) {
      after = row.seq;
      checked++;
      const b = await checkRow(store, row, prev, prunePoint, prunes, page);
      if (b) {
        chainBroken = b;
        break scan;
      }
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

async function findLater(store: Store, afterSeq: number, page: number, pred: (r: ChainedEvent) => boolean): Promise<ChainedEvent | undefined> {
  let after = afterSeq;
  for (;;) {
    const rows = await store.readAudit(after, page);
    if (rows.length === 0) return undefined;
    for (const r of rows) if (pred(r)) return r;
    after = rows[rows.length - 1]!.seq;
  }
}
