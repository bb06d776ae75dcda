import { CREDENTIAL_TABLES, UPSTREAM_CREDENTIAL_TABLES } from './credentials-sql.js';
import { SESSION_TABLES } from './sessions-sql.js';

/**
 * Versioned schema migrations, one list per dialect. A migration is never edited once released:
 * add a new version instead. `schema_migrations(version, name, applied_at)` records what ran.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const common = (t: { bigint: string; json: string }) => `
CREATE TABLE audit_events (
  seq ${t.bigint} PRIMARY KEY,
  id TEXT NOT NULL,
  time TEXT NOT NULL,
  session TEXT,
  principal TEXT,
  server TEXT,
  method TEXT,
  target TEXT,
  decision TEXT,
  event TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_events_time ON audit_events (time);
CREATE INDEX audit_events_principal ON audit_events (principal, seq);
CREATE INDEX audit_events_target ON audit_events (target, seq);
CREATE INDEX audit_events_session ON audit_events (session, seq);
CREATE TABLE audit_checkpoints (
  seq ${t.bigint} NOT NULL,
  kind TEXT NOT NULL,
  hash TEXT NOT NULL,
  time TEXT NOT NULL,
  signature TEXT NOT NULL,
  key_id TEXT NOT NULL,
  PRIMARY KEY (seq, kind, key_id)
);
CREATE TABLE servers (
  name TEXT PRIMARY KEY,
  owner TEXT,
  transport TEXT NOT NULL,
  target TEXT NOT NULL,
  status TEXT NOT NULL,
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL
);
CREATE TABLE definitions (
  kind TEXT NOT NULL,
  server TEXT NOT NULL,
  name TEXT NOT NULL,
  hash TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  definition ${t.json} NOT NULL,
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  PRIMARY KEY (kind, server, name)
);
CREATE TABLE definition_versions (
  kind TEXT NOT NULL,
  server TEXT NOT NULL,
  name TEXT NOT NULL,
  hash TEXT NOT NULL,
  definition ${t.json} NOT NULL,
  first_seen TEXT NOT NULL,
  PRIMARY KEY (kind, server, name, hash)
);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL,
  principal TEXT NOT NULL,
  groups ${t.json} NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  revoked_at TEXT
);
CREATE TABLE approvals (
  ticket TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  session TEXT,
  principal TEXT NOT NULL,
  server TEXT,
  target TEXT,
  summary TEXT NOT NULL,
  created_at TEXT NOT NULL,
  decided_at TEXT,
  decided_by TEXT
);
CREATE INDEX approvals_status ON approvals (status, created_at);
`;

/** Approval tickets match a retried call by a digest of what was asked, expire, and are used once. */
const approvalTickets = `
ALTER TABLE approvals ADD COLUMN request_digest TEXT;
ALTER TABLE approvals ADD COLUMN expires_at TEXT;
ALTER TABLE approvals ADD COLUMN used_at TEXT;
CREATE INDEX approvals_request ON approvals (principal, request_digest, created_at);
`;

export const SQLITE_MIGRATIONS: Migration[] = [
  { version: 1, name: 'initial', sql: common({ bigint: 'INTEGER', json: 'TEXT' }) },
  { version: 2, name: 'approval-tickets', sql: approvalTickets },
  { version: 10, name: 'credentials', sql: CREDENTIAL_TABLES },
  { version: 11, name: 'fleet-sessions', sql: SESSION_TABLES },
  { version: 12, name: 'upstream-credentials', sql: UPSTREAM_CREDENTIAL_TABLES },
];

export const POSTGRES_MIGRATIONS: Migration[] = [
  { version: 1, name: 'initial', sql: common({ bigint: 'BIGINT', json: 'TEXT' }) },
  { version: 2, name: 'approval-tickets', sql: approvalTickets },
  { version: 10, name: 'credentials', sql: CREDENTIAL_TABLES },
  { version: 11, name: 'fleet-sessions', sql: SESSION_TABLES },
  { version: 12, name: 'upstream-credentials', sql: UPSTREAM_CREDENTIAL_TABLES },
];
