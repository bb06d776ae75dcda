/** Row ↔ record mapping shared by the SQLite and PostgreSQL stores (same column names). */
import type { AuditEvent } from '../shared/audit-event.js';
import type { AuditCheckpoint, AuditColumns, AuditRow, ApiKeyRecord, ApprovalRecord, ChainedEvent, DefinitionRecord, DefinitionVersion, ServerRecord } from './types.js';

type Row = Record<string, unknown>;

const opt = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

/** Copy of `o` without undefined members (so records compare equal however they were built). */
export function clean<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export function toChained(r: Row): ChainedEvent {
  return { seq: Number(r.seq), event: JSON.parse(String(r.event)) as AuditEvent, prevHash: String(r.prev_hash), hash: String(r.hash) };
}

/** The indexed columns of an audit row (each a copy of a field of the hashed event). */
export const AUDIT_INDEXED = ['id', 'time', 'session', 'principal', 'server', 'method', 'target', 'decision'] as const;

export function toAuditRow(r: Row): AuditRow {
  const columns = {} as AuditColumns;
  for (const c of AUDIT_INDEXED) columns[c] = r[c] === null || r[c] === undefined ? null : String(r[c]);
  return { ...toChained(r), columns };
}

/** What the indexed columns of `e` must hold (the same mapping `auditValues` writes). */
export function expectedColumns(e: AuditEvent): AuditColumns {
  const s = (v: unknown) => (v === undefined || v === null ? null : String(v));
  return {
    id: s(e.id),
    time: s(e.time),
    session: s(e.session),
    principal: s(e.principal?.id),
    server: s(e.server),
    method: s(e.method),
    target: s(e.target),
    decision: s(e.decision),
  };
}

/** Column values of an audit row, in the order of AUDIT_COLUMNS. */
export const AUDIT_COLUMNS = ['seq', 'id', 'time', 'session', 'principal', 'server', 'method', 'target', 'decision', 'event', 'prev_hash', 'hash'] as const;

/** `text` is the event's JSON when the caller already has it (the canonical form used for hashing). */
export function auditValues(c: ChainedEvent, text?: string): (string | number | null)[] {
  const e = c.event;
  return [c.seq, e.id, e.time, e.session ?? null, e.principal?.id ?? null, e.server ?? null, e.method ?? null, e.target ?? null, e.decision ?? null, text ?? JSON.stringify(e), c.prevHash, c.hash];
}

/** The columns of an audit row that do not depend on its place in the chain (2..10 of AUDIT_COLUMNS). */
export function auditRowFields(e: AuditEvent, text: string): [string, string, string | null, string | null, string | null, string | null, string | null, string | null, string] {
  return [e.id, e.time, e.session ?? null, e.principal?.id ?? null, e.server ?? null, e.method ?? null, e.target ?? null, e.decision ?? null, text];
}

export function toCheckpoint(r: Row): AuditCheckpoint {
  return { seq: Number(r.seq), hash: String(r.hash), time: String(r.time), kind: String(r.kind) as AuditCheckpoint['kind'], signature: String(r.signature), keyId: String(r.key_id) };
}

export function toServer(r: Row): ServerRecord {
  return clean({
    name: String(r.name),
    owner: opt(r.owner),
    transport: String(r.transport),
    target: String(r.target),
    status: String(r.status) as ServerRecord['status'],
    firstSeen: String(r.first_seen),
    lastSeen: String(r.last_seen),
  });
}

export function toDefinition(r: Row): DefinitionRecord {
  return clean({
    kind: String(r.kind) as DefinitionRecord['kind'],
    server: String(r.server),
    name: String(r.name),
    hash: String(r.hash),
    status: String(r.status) as DefinitionRecord['status'],
    reason: opt(r.reason),
    definition: JSON.parse(String(r.definition)) as unknown,
    firstSeen: String(r.first_seen),
    lastSeen: String(r.last_seen),
  });
}

export function toVersion(r: Row): DefinitionVersion {
  return { hash: String(r.hash), definition: JSON.parse(String(r.definition)) as unknown, firstSeen: String(r.first_seen) };
}

export function toApiKey(r: Row): ApiKeyRecord {
  return clean({
    id: String(r.id),
    hash: String(r.hash),
    principal: String(r.principal),
    groups: JSON.parse(String(r.groups)) as string[],
    createdAt: String(r.created_at),
    expiresAt: opt(r.expires_at),
    revokedAt: opt(r.revoked_at),
  });
}

export function toApproval(r: Row): ApprovalRecord {
  return clean({
    ticket: String(r.ticket),
    status: String(r.status) as ApprovalRecord['status'],
    session: opt(r.session),
    principal: String(r.principal),
    server: opt(r.server),
    target: opt(r.target),
    summary: String(r.summary),
    createdAt: String(r.created_at),
    decidedAt: opt(r.decided_at),
    decidedBy: opt(r.decided_by),
    requestDigest: opt(r.request_digest),
    expiresAt: opt(r.expires_at),
    usedAt: opt(r.used_at),
  });
}

/**
 * The approval statements, one copy for both stores (`?` placeholders; PostgreSQL numbers them).
 * The conditions are the ticket rules: only a pending, unexpired ticket is decided; only an
 * approved, unexpired, unused one is used, once.
 */
export const APPROVAL_SQL = {
  insert:
    'INSERT INTO approvals (ticket, status, session, principal, server, target, summary, created_at, decided_at, decided_by, request_digest, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  byTicket: 'SELECT * FROM approvals WHERE ticket = ?',
  list: (where: string) => `SELECT * FROM approvals ${where} ORDER BY created_at, ticket`,
  /** status, now, by, expiresAt | null, ticket, now */
  decide:
    "UPDATE approvals SET status = ?, decided_at = ?, decided_by = ?, expires_at = COALESCE(?, expires_at) WHERE ticket = ? AND status = 'pending' AND (expires_at IS NULL OR expires_at > ?)",
  /** principal, requestDigest */
  findUnused: 'SELECT * FROM approvals WHERE principal = ? AND request_digest = ? AND used_at IS NULL ORDER BY created_at DESC, ticket DESC LIMIT 1',
  /** now, ticket, now */
  consume: "UPDATE approvals SET used_at = ? WHERE ticket = ? AND status = 'approved' AND used_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
} as const;

export function approvalValues(a: ApprovalRecord): (string | null)[] {
  const o = (v: string | undefined) => v ?? null;
  return [a.ticket, a.status, o(a.session), a.principal, o(a.server), o(a.target), a.summary, a.createdAt, o(a.decidedAt), o(a.decidedBy), o(a.requestDigest), o(a.expiresAt), o(a.usedAt)];
}

/** WHERE clause (with `?` placeholders) for approvals in `status`, where `expired` means pending past its deadline. */
export function approvalStatusWhere(status: ApprovalRecord['status'] | undefined, now: string): { where: string; params: string[] } {
  if (status === undefined) return { where: '', params: [] };
  if (status === 'pending') return { where: "WHERE status = 'pending' AND (expires_at IS NULL OR expires_at > ?)", params: [now] };
  if (status === 'expired') return { where: "WHERE status = 'expired' OR (status = 'pending' AND expires_at <= ?)", params: [now] };
  return { where: 'WHERE status = ?', params: [status] };
}

/** An approval past its deadline reads as expired, whatever it was (decisions and uses are refused). */
export function withExpiry(a: ApprovalRecord, now: string): ApprovalRecord {
  return a.expiresAt !== undefined && a.expiresAt <= now && a.status === 'pending' ? { ...a, status: 'expired' } : a;
}

/** A monotonic-enough ISO clock: never returns a time before the previous one from this process. */
let lastNow = '';
export function nowIso(): string {
  let t = new Date().toISOString();
  if (t < lastNow) t = lastNow;
  lastNow = t;
  return t;
}

/** WHERE clause for an AuditQuery, with `?` placeholders (Postgres rewrites them to $n). */
export function auditWhere(q: import('./types.js').AuditQuery): { where: string; params: (string | number)[] } {
  const w: string[] = [];
  const p: (string | number)[] = [];
  const eq = (col: string, v: string | undefined) => {
    if (v !== undefined) {
      w.push(`${col} = ?`);
      p.push(v);
    }
  };
  eq('id', q.id);
  eq('principal', q.principal);
  eq('target', q.tool);
  eq('server', q.server);
  eq('decision', q.decision);
  eq('session', q.session);
  if (q.since !== undefined) {
    w.push('time >= ?');
    p.push(q.since);
  }
  if (q.until !== undefined) {
    w.push('time <= ?');
    p.push(q.until);
  }
  if (q.afterSeq !== undefined) {
    w.push('seq > ?');
    p.push(q.afterSeq);
  }
  return { where: w.length ? `WHERE ${w.join(' AND ')}` : '', params: p };
}
