/**
 * Rows and statements of the fleet tables (sessions, their taint, shared keys), one copy for both
 * stores (`?` placeholders; PostgreSQL numbers them). Taint is a row per flag, so concurrent adds
 * from several replicas are a plain insert-or-ignore on both dialects, never a read-modify-write.
 */
import type { SessionRecord } from './types.js';

type Row = Record<string, unknown>;
const opt = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

export const SESSION_TABLES = `
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  principal TEXT NOT NULL,
  credential TEXT NOT NULL,
  transport TEXT NOT NULL,
  protocol_version TEXT,
  client_info TEXT,
  capabilities TEXT NOT NULL,
  instance TEXT,
  created_at TEXT NOT NULL,
  seen_at TEXT NOT NULL,
  ended_at TEXT,
  end_reason TEXT
);
CREATE INDEX sessions_seen ON sessions (seen_at);
CREATE INDEX sessions_principal ON sessions (principal);
CREATE TABLE session_taint (
  session TEXT NOT NULL,
  flag TEXT NOT NULL,
  PRIMARY KEY (session, flag)
);
CREATE TABLE shared_keys (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`;

export const SESSION_SQL = {
  upsert:
    'INSERT INTO sessions (id, principal, credential, transport, protocol_version, client_info, capabilities, instance, created_at, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
    'ON CONFLICT (id) DO UPDATE SET principal = excluded.principal, credential = excluded.credential, transport = excluded.transport, protocol_version = excluded.protocol_version, ' +
    'client_info = excluded.client_info, capabilities = excluded.capabilities, instance = excluded.instance, seen_at = excluded.seen_at',
  get: 'SELECT * FROM sessions WHERE id = ?',
  taintOf: 'SELECT flag FROM session_taint WHERE session = ? ORDER BY flag',
  state: 'SELECT ended_at, end_reason FROM sessions WHERE id = ?',
  addTaint: 'INSERT INTO session_taint (session, flag) VALUES (?, ?) ON CONFLICT DO NOTHING',
  touch: 'UPDATE sessions SET seen_at = ? WHERE id = ? AND seen_at < ?',
  /** at, reason, id */
  end: 'UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL RETURNING id',
  /** at, reason, principal */
  endOf: 'UPDATE sessions SET ended_at = ?, end_reason = ? WHERE principal = ? AND ended_at IS NULL RETURNING id',
  /** before */
  prune: 'DELETE FROM sessions WHERE seen_at < ? RETURNING id',
  pruneTaint: 'DELETE FROM session_taint WHERE session NOT IN (SELECT id FROM sessions)',
  keyInsert: 'INSERT INTO shared_keys (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING',
  keyGet: 'SELECT value FROM shared_keys WHERE name = ?',
} as const;

export function sessionValues(s: Omit<SessionRecord, 'taint' | 'endedAt' | 'endReason'>): unknown[] {
  return [s.id, s.principal, s.credential, s.transport, s.protocolVersion ?? null, s.clientInfo ? JSON.stringify(s.clientInfo) : null, JSON.stringify(s.capabilities ?? {}), s.instance ?? null, s.createdAt, s.seenAt];
}

export function toSession(r: Row, taint: string[]): SessionRecord {
  const out: SessionRecord = {
    id: String(r.id),
    principal: String(r.principal),
    credential: String(r.credential),
    transport: String(r.transport),
    capabilities: JSON.parse(String(r.capabilities)) as Record<string, unknown>,
    taint,
    createdAt: String(r.created_at),
    seenAt: String(r.seen_at),
  };
  const pv = opt(r.protocol_version);
  if (pv !== undefined) out.protocolVersion = pv;
  const ci = opt(r.client_info);
  if (ci !== undefined) out.clientInfo = JSON.parse(ci) as { name: string; version: string };
  const inst = opt(r.instance);
  if (inst !== undefined) out.instance = inst;
  const ended = opt(r.ended_at);
  if (ended !== undefined) out.endedAt = ended;
  const why = opt(r.end_reason);
  if (why !== undefined) out.endReason = why;
  return out;
}

export function toSessionState(r: Row, taint: string[]): Pick<SessionRecord, 'taint' | 'endedAt' | 'endReason'> {
  const out: Pick<SessionRecord, 'taint' | 'endedAt' | 'endReason'> = { taint };
  const ended = opt(r.ended_at);
  if (ended !== undefined) out.endedAt = ended;
  const why = opt(r.end_reason);
  if (why !== undefined) out.endReason = why;
  return out;
}
