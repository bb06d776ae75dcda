/**
 * Rows and statements of the credential tables (secrets, grants), one copy for both stores
 * (`?` placeholders; PostgreSQL numbers them). The stores only run these.
 */
import type { GrantRecord, SecretRecord, UpstreamCredentialRecord } from './types.js';

type Row = Record<string, unknown>;
const opt = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

export const SECRET_SQL = {
  upsert:
    'INSERT INTO secrets (name, ciphertext, key_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ' +
    'ON CONFLICT (name) DO UPDATE SET ciphertext = excluded.ciphertext, key_id = excluded.key_id, updated_at = excluded.updated_at',
  get: 'SELECT * FROM secrets WHERE name = ?',
  list: 'SELECT * FROM secrets ORDER BY name',
  remove: 'DELETE FROM secrets WHERE name = ? RETURNING name',
} as const;

export function secretValues(s: SecretRecord): string[] {
  return [s.name, s.ciphertext, s.keyId, s.createdAt, s.updatedAt];
}

export function toSecret(r: Row): SecretRecord {
  return { name: String(r.name), ciphertext: String(r.ciphertext), keyId: String(r.key_id), createdAt: String(r.created_at), updatedAt: String(r.updated_at) };
}

export const GRANT_SQL = {
  insert:
    'INSERT INTO grants (id, principal, server, tool, arguments, args_digest, reason, created_by, created_at, expires_at, revoked_at, revoked_by, request_event) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  get: 'SELECT * FROM grants WHERE id = ?',
  listAll: 'SELECT * FROM grants ORDER BY created_at, id',
  /** now */
  listActive: 'SELECT * FROM grants WHERE revoked_at IS NULL AND expires_at > ? ORDER BY created_at, id',
  /** principal, server, tool, now */
  findActive: 'SELECT * FROM grants WHERE principal = ? AND server = ? AND tool = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at, id',
  /** now, by, id, now */
  revoke: 'UPDATE grants SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL AND expires_at > ? RETURNING id',
  /** now, now: grants that ran out and whose expiry is not recorded yet (each is claimed once). */
  claimExpired:
    'UPDATE grants SET expiry_recorded_at = ? WHERE expires_at <= ? AND revoked_at IS NULL AND expiry_recorded_at IS NULL RETURNING *',
} as const;

export function grantValues(g: GrantRecord): (string | null)[] {
  const o = (v: string | undefined) => v ?? null;
  return [g.id, g.principal, g.server, g.tool, g.arguments === undefined ? null : JSON.stringify(g.arguments), o(g.argsDigest), g.reason, g.createdBy, g.createdAt, g.expiresAt, o(g.revokedAt), o(g.revokedBy), o(g.requestEvent)];
}

export function toGrant(r: Row): GrantRecord {
  const g: GrantRecord = {
    id: String(r.id),
    principal: String(r.principal),
    server: String(r.server),
    tool: String(r.tool),
    reason: String(r.reason),
    createdBy: String(r.created_by),
    createdAt: String(r.created_at),
    expiresAt: String(r.expires_at),
  };
  if (r.arguments !== null && r.arguments !== undefined) g.arguments = JSON.parse(String(r.arguments)) as Record<string, unknown>;
  const revokedAt = opt(r.revoked_at);
  if (revokedAt) g.revokedAt = revokedAt;
  const revokedBy = opt(r.revoked_by);
  if (revokedBy) g.revokedBy = revokedBy;
  const d = opt(r.args_digest);
  if (d) g.argsDigest = d;
  const ev = opt(r.request_event);
  if (ev) g.requestEvent = ev;
  return g;
}

export const UPSTREAM_CRED_SQL = {
  upsert:
    'INSERT INTO upstream_credentials (kind, server, principal, ciphertext, key_id, expires_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
    'ON CONFLICT (kind, server, principal) DO UPDATE SET ciphertext = excluded.ciphertext, key_id = excluded.key_id, expires_at = excluded.expires_at, updated_at = excluded.updated_at',
  get: 'SELECT * FROM upstream_credentials WHERE kind = ? AND server = ? AND principal = ?',
  take: 'DELETE FROM upstream_credentials WHERE kind = ? AND server = ? AND principal = ? RETURNING *',
  removePrincipal: 'DELETE FROM upstream_credentials WHERE principal = ? RETURNING kind',
  list: 'SELECT kind, server, principal, expires_at, updated_at FROM upstream_credentials ORDER BY server, principal, kind',
  /** now */
  purgeExpired: 'DELETE FROM upstream_credentials WHERE expires_at IS NOT NULL AND expires_at <= ? RETURNING kind',
} as const;

export function upstreamCredValues(r: UpstreamCredentialRecord): (string | null)[] {
  return [r.kind, r.server, r.principal, r.ciphertext, r.keyId, r.expiresAt ?? null, r.updatedAt];
}

export function toUpstreamCred(r: Row): UpstreamCredentialRecord {
  const out: UpstreamCredentialRecord = {
    kind: String(r.kind) as UpstreamCredentialRecord['kind'],
    server: String(r.server),
    principal: String(r.principal),
    ciphertext: String(r.ciphertext ?? ''),
    keyId: String(r.key_id ?? ''),
    updatedAt: String(r.updated_at),
  };
  const e = opt(r.expires_at);
  if (e) out.expiresAt = e;
  return out;
}

/** Per-principal upstream credentials (OAuth tokens, client registrations, pending authorizations), sealed by the caller. */
export const UPSTREAM_CREDENTIAL_TABLES = `
CREATE TABLE upstream_credentials (
  kind TEXT NOT NULL,
  server TEXT NOT NULL,
  principal TEXT NOT NULL,
  ciphertext TEXT NOT NULL,
  key_id TEXT NOT NULL,
  expires_at TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (kind, server, principal)
);
CREATE INDEX upstream_credentials_principal ON upstream_credentials (principal);
`;

/** Secrets are encrypted by the caller (src/credentials/vault.ts); grants are plain rows. */
export const CREDENTIAL_TABLES = `
CREATE TABLE secrets (
  name TEXT PRIMARY KEY,
  ciphertext TEXT NOT NULL,
  key_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE grants (
  id TEXT PRIMARY KEY,
  principal TEXT NOT NULL,
  server TEXT NOT NULL,
  tool TEXT NOT NULL,
  arguments TEXT,
  args_digest TEXT,
  reason TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT,
  revoked_by TEXT,
  request_event TEXT,
  expiry_recorded_at TEXT
);
CREATE INDEX grants_lookup ON grants (principal, server, tool, expires_at);
`;
