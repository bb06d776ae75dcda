/**
 * SQLite store (better-sqlite3): the embedded default. One file `<dataDir>/portcullis.db` in WAL
 * mode. better-sqlite3 is synchronous; the async methods resolve with values computed inline.
 *
 * Writers: several processes may open the same file (e.g. the gateway and `portcullis audit prune`);
 * audit appends take the write lock with BEGIN IMMEDIATE and read the head inside it, so the chain
 * stays linear. Durability: WAL with `synchronous=NORMAL` by default — a resolved audit write
 * survives a crash or kill -9 of the gateway; `audit.fsync: true` selects `synchronous=FULL`, which
 * also survives a power cut at the price of one fsync per batch (~0.75 ms here vs ~20 µs).
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AuditWriterThread, type AuditRowFields } from './audit-writer.js';
import type { AuditEvent } from '../../shared/audit-event.js';
import { canonical, chainHashText, ZERO_HASH } from '../../shared/canonical.js';
import { SQLITE_MIGRATIONS, type Migration } from '../migrations.js';
import { GRANT_SQL, SECRET_SQL, UPSTREAM_CRED_SQL, grantValues, secretValues, toGrant, toSecret, toUpstreamCred, upstreamCredValues } from '../credentials-sql.js';
import { SESSION_SQL, sessionValues, toSession, toSessionState } from '../sessions-sql.js';
import {
  AUDIT_COLUMNS,
  auditValues,
  auditRowFields,
  auditWhere,
  nowIso,
  toApiKey,
  toApproval,
  APPROVAL_SQL,
  approvalStatusWhere,
  approvalValues,
  withExpiry,
  toChained,
  toAuditRow,
  toCheckpoint,
  toDefinition,
  toServer,
  toVersion,
} from '../rows.js';
import type {
  ApiKeyRecord,
  ApprovalRecord,
  GrantRecord,
  SessionRecord,
  SecretRecord,
  AuditCheckpoint,
  AuditQuery,
  AuditRow,
  ChainedEvent,
  DefinitionKind,
  DefinitionRecord,
  DefinitionVersion,
  RegistryStatus,
  ServerRecord,
  Store,
UpstreamCredentialRecord, } from '../types.js';

type Row = Record<string, unknown>;

export interface SqliteStoreOptions {
  /** `FULL` (default) or `NORMAL` (faster; a resolved write may be lost on power failure, not on a crash). */
  synchronous?: 'FULL' | 'NORMAL';
  readonly?: boolean;
  /**
   * Commit audit-chain appends on a worker thread with its own connection (store/sqlite/audit-writer.ts;
   * default false here, so tools and tests opening a store get one connection; the gateway follows
   * `audit.writerThread`, default true). Ignored for ':memory:' (not shareable between connections) and read-only.
   */
  auditThread?: boolean;
}

export const SQLITE_FILE = 'portcullis.db';
const INSERT_AUDIT_SQL = `INSERT INTO audit_events (${AUDIT_COLUMNS.join(', ')}) VALUES (${AUDIT_COLUMNS.map(() => '?').join(', ')})`;

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  /** The raw handle, for tests and tools. */
  readonly db: Database.Database;
  private readonly stmts = new Map<string, Database.Statement>();
  private closed = false;
  /** Built once: a transaction function per call showed in the per-call profile. */
  private appendChainTxn?: Database.Transaction<(events: AuditEvent[]) => ChainedEvent[]>;
  /** Where appendAuditChain commits when `auditThread` is on (started on first use). */
  private readonly writer: AuditWriterThread | undefined;

  constructor(
    readonly file: string,
    opts: SqliteStoreOptions = {},
  ) {
    if (file !== ':memory:') {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      // API key hashes, sessions and the audit log: readable by the owner only (SQLite gives its
      // -wal / -shm files the database file's mode). An existing file is tightened too.
      if (!opts.readonly) closeSync(openSync(file, 'a', 0o600));
      if (!opts.readonly) chmodSync(file, 0o600);
    }
    this.db = new Database(file, { readonly: opts.readonly ?? false });
    // better-sqlite3 waits synchronously for a lock held by another process (e.g. `audit prune`): keep it short.
    this.db.pragma('busy_timeout = 5000');
    if (!opts.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
      if (file !== ':memory:') restrictMode(file);
    }
    if (opts.auditThread && !opts.readonly && file !== ':memory:') {
      this.writer = new AuditWriterThread({ file, synchronous: opts.synchronous ?? 'NORMAL', insertSql: INSERT_AUDIT_SQL });
    }
  }

  /** Whether audit-chain appends commit on the writer thread. */
  get auditThread(): boolean {
    return this.writer !== undefined;
  }

  private st(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  async migrate(migrations: Migration[] = SQLITE_MIGRATIONS): Promise<void> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const run = this.db.transaction(() => {
      const done = new Set((this.db.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((r) => Number(r.version)));
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (done.has(m.version)) continue;
        this.db.exec(m.sql);
        this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, nowIso());
      }
    });
    run.immediate();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer?.close();
    this.stmts.clear();
    this.db.close();
  }

  // --- audit ---

  private insertAudit(): Database.Statement {
    return this.st(INSERT_AUDIT_SQL);
  }

  async appendAudit(events: ChainedEvent[]): Promise<void> {
    const ins = this.insertAudit();
    this.db.transaction(() => {
      for (const c of events) ins.run(auditValues(c));
    }).immediate();
  }

  async appendAuditChain(events: AuditEvent[]): Promise<ChainedEvent[]> {
    if (this.writer) {
      const texts = events.map((e) => canonical(e));
      const { seq0, prev0, hashes } = await this.writer.append(events.map((e, i) => auditRowFields(e, texts[i]!)));
      return events.map((event, i) => ({ seq: seq0 + i, event, prevHash: i === 0 ? prev0 : hashes[i - 1]!, hash: hashes[i]! }));
    }
    this.appendChainTxn ??= this.db.transaction((batch: AuditEvent[]) => {
      const h = this.st('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
      const ins = this.insertAudit();
      let seq = h ? Number(h.seq) : 0;
      let prev = h ? String(h.hash) : ZERO_HASH;
      const out: ChainedEvent[] = [];
      for (const event of batch) {
        seq += 1;
        const text = canonical(event);
        const hash = chainHashText(prev, text);
        const c: ChainedEvent = { seq, event, prevHash: prev, hash };
        ins.run(auditValues(c, text));
        out.push(c);
        prev = hash;
      }
      return out;
    });
    return this.appendChainTxn.immediate(events);
  }

  async auditHead(): Promise<ChainedEvent | undefined> {
    const r = this.st('SELECT * FROM audit_events ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
    return r ? toChained(r) : undefined;
  }

  async readAudit(afterSeq: number, limit: number): Promise<ChainedEvent[]> {
    return (this.st('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as Row[]).map(toChained);
  }

  async readAuditRows(afterSeq: number, limit: number): Promise<AuditRow[]> {
    return (this.st('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as Row[]).map(toAuditRow);
  }

  async queryAudit(q: AuditQuery): Promise<ChainedEvent[]> {
    const { where, params } = auditWhere(q);
    const order = q.order === 'desc' ? 'DESC' : 'ASC';
    const sql = `SELECT * FROM audit_events ${where} ORDER BY seq ${order} LIMIT ?`;
    return (this.db.prepare(sql).all(...params, q.limit ?? 1000) as Row[]).map(toChained);
  }

  async addCheckpoint(c: AuditCheckpoint): Promise<void> {
    this.st('INSERT OR IGNORE INTO audit_checkpoints (seq, kind, hash, time, signature, key_id) VALUES (?, ?, ?, ?, ?, ?)').run(
      c.seq,
      c.kind,
      c.hash,
      c.time,
      c.signature,
      c.keyId,
    );
  }

  async listCheckpoints(): Promise<AuditCheckpoint[]> {
    return (this.st('SELECT * FROM audit_checkpoints ORDER BY seq, kind, key_id').all() as Row[]).map(toCheckpoint);
  }

  async pruneAudit(beforeSeq: number): Promise<number> {
    return this.st('DELETE FROM audit_events WHERE seq < ?').run(beforeSeq).changes;
  }

  // --- registry ---

  async upsertServer(s: Omit<ServerRecord, 'firstSeen' | 'lastSeen' | 'status'> & { status?: RegistryStatus }): Promise<ServerRecord> {
    const now = nowIso();
    this.st(
      `INSERT INTO servers (name, owner, transport, target, status, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, transport = excluded.transport, target = excluded.target,
         status = COALESCE(?, servers.status), last_seen = excluded.last_seen`,
    ).run(s.name, s.owner ?? null, s.transport, s.target, s.status ?? 'pending', now, now, s.status ?? null);
    return (await this.getServer(s.name))!;
  }

  async getServer(name: string): Promise<ServerRecord | undefined> {
    const r = this.st('SELECT * FROM servers WHERE name = ?').get(name) as Row | undefined;
    return r ? toServer(r) : undefined;
  }

  async listServers(): Promise<ServerRecord[]> {
    return (this.st('SELECT * FROM servers ORDER BY name').all() as Row[]).map(toServer);
  }

  async setServerStatus(name: string, status: RegistryStatus): Promise<void> {
    this.st('UPDATE servers SET status = ? WHERE name = ?').run(status, name);
  }

  async getDefinition(kind: DefinitionKind, server: string, name: string): Promise<DefinitionRecord | undefined> {
    const r = this.st('SELECT * FROM definitions WHERE kind = ? AND server = ? AND name = ?').get(kind, server, name) as Row | undefined;
    return r ? toDefinition(r) : undefined;
  }

  async putDefinition(d: Omit<DefinitionRecord, 'firstSeen' | 'lastSeen'>): Promise<DefinitionRecord> {
    const now = nowIso();
    const json = JSON.stringify(d.definition ?? null);
    this.db
      .transaction(() => {
        this.st(
          `INSERT INTO definitions (kind, server, name, hash, status, reason, definition, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (kind, server, name) DO UPDATE SET hash = excluded.hash, status = excluded.status, reason = excluded.reason,
             definition = excluded.definition, last_seen = excluded.last_seen`,
        ).run(d.kind, d.server, d.name, d.hash, d.status, d.reason ?? null, json, now, now);
        this.st(
          'INSERT OR IGNORE INTO definition_versions (kind, server, name, hash, definition, first_seen) VALUES (?, ?, ?, ?, ?, ?)',
        ).run(d.kind, d.server, d.name, d.hash, json, now);
      })
      .immediate();
    return (await this.getDefinition(d.kind, d.server, d.name))!;
  }

  async touchDefinition(kind: DefinitionKind, server: string, name: string): Promise<void> {
    this.st('UPDATE definitions SET last_seen = ? WHERE kind = ? AND server = ? AND name = ?').run(nowIso(), kind, server, name);
  }

  async setDefinitionStatus(kind: DefinitionKind, server: string, name: string, status: RegistryStatus, reason?: string): Promise<void> {
    this.st('UPDATE definitions SET status = ?, reason = ? WHERE kind = ? AND server = ? AND name = ?').run(status, reason ?? null, kind, server, name);
  }

  async listDefinitions(filter: { server?: string; status?: RegistryStatus; kind?: DefinitionKind } = {}): Promise<DefinitionRecord[]> {
    const w: string[] = [];
    const p: string[] = [];
    if (filter.server !== undefined) (w.push('server = ?'), p.push(filter.server));
    if (filter.status !== undefined) (w.push('status = ?'), p.push(filter.status));
    if (filter.kind !== undefined) (w.push('kind = ?'), p.push(filter.kind));
    const sql = `SELECT * FROM definitions ${w.length ? 'WHERE ' + w.join(' AND ') : ''} ORDER BY server, kind, name`;
    return (this.st(sql).all(...p) as Row[]).map(toDefinition);
  }

  async listDefinitionVersions(kind: DefinitionKind, server: string, name: string): Promise<DefinitionVersion[]> {
    return (
      this.st('SELECT * FROM definition_versions WHERE kind = ? AND server = ? AND name = ? ORDER BY first_seen, rowid').all(kind, server, name) as Row[]
    ).map(toVersion);
  }

  // --- API keys ---

  async createApiKey(k: ApiKeyRecord): Promise<void> {
    this.st('INSERT INTO api_keys (id, hash, principal, groups, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      k.id,
      k.hash,
      k.principal,
      JSON.stringify(k.groups),
      k.createdAt,
      k.expiresAt ?? null,
      k.revokedAt ?? null,
    );
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    const r = this.st('SELECT * FROM api_keys WHERE id = ?').get(id) as Row | undefined;
    return r ? toApiKey(r) : undefined;
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return (this.st('SELECT * FROM api_keys ORDER BY created_at, id').all() as Row[]).map(toApiKey);
  }

  async revokeApiKey(id: string): Promise<boolean> {
    return this.st('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(nowIso(), id).changes > 0;
  }

  // --- approvals ---

  async createApproval(a: ApprovalRecord): Promise<void> {
    this.st(APPROVAL_SQL.insert).run(...approvalValues(a));
  }

  async getApproval(ticket: string): Promise<ApprovalRecord | undefined> {
    const r = this.st(APPROVAL_SQL.byTicket).get(ticket) as Row | undefined;
    return r ? withExpiry(toApproval(r), nowIso()) : undefined;
  }

  async listApprovals(status?: ApprovalRecord['status']): Promise<ApprovalRecord[]> {
    const now = nowIso();
    const { where, params } = approvalStatusWhere(status, now);
    return (this.st(APPROVAL_SQL.list(where)).all(...params) as Row[]).map((r) => withExpiry(toApproval(r), now));
  }

  async decideApproval(ticket: string, status: 'approved' | 'denied', by: string, expiresAt?: string): Promise<boolean> {
    const now = nowIso();
    return this.st(APPROVAL_SQL.decide).run(status, now, by, expiresAt ?? null, ticket, now).changes > 0;
  }

  async findApproval(principal: string, requestDigest: string): Promise<ApprovalRecord | undefined> {
    const r = this.st(APPROVAL_SQL.findUnused).get(principal, requestDigest) as Row | undefined;
    return r ? withExpiry(toApproval(r), nowIso()) : undefined;
  }

  async consumeApproval(ticket: string): Promise<boolean> {
    const now = nowIso();
    return this.st(APPROVAL_SQL.consume).run(now, ticket, now).changes > 0;
  }
  // --- secrets ---

  async putSecret(sec: SecretRecord): Promise<void> {
    this.st(SECRET_SQL.upsert).run(...secretValues(sec));
  }

  async getSecret(name: string): Promise<SecretRecord | undefined> {
    const r = this.st(SECRET_SQL.get).get(name) as Row | undefined;
    return r ? toSecret(r) : undefined;
  }

  async listSecrets(): Promise<SecretRecord[]> {
    return (this.st(SECRET_SQL.list).all() as Row[]).map(toSecret);
  }

  async deleteSecret(name: string): Promise<boolean> {
    return this.st(SECRET_SQL.remove).all(name).length > 0;
  }

  // --- grants ---

  async createGrant(g: GrantRecord): Promise<void> {
    this.st(GRANT_SQL.insert).run(...grantValues(g));
  }

  async getGrant(id: string): Promise<GrantRecord | undefined> {
    const r = this.st(GRANT_SQL.get).get(id) as Row | undefined;
    return r ? toGrant(r) : undefined;
  }

  async listGrants(opts: { all?: boolean } = {}): Promise<GrantRecord[]> {
    const rows = opts.all ? this.st(GRANT_SQL.listAll).all() : this.st(GRANT_SQL.listActive).all(nowIso());
    return (rows as Row[]).map(toGrant);
  }

  async findGrants(principal: string, server: string, tool: string): Promise<GrantRecord[]> {
    return (this.st(GRANT_SQL.findActive).all(principal, server, tool, nowIso()) as Row[]).map(toGrant);
  }

  async revokeGrant(id: string, by: string): Promise<boolean> {
    const now = nowIso();
    return this.st(GRANT_SQL.revoke).all(now, by, id, now).length > 0;
  }
  async claimExpiredGrants(): Promise<GrantRecord[]> {
    const now = nowIso();
    return (this.st(GRANT_SQL.claimExpired).all(now, now) as Row[]).map(toGrant);
  }

  // --- per-principal upstream credentials ---

  async putUpstreamCredential(r: UpstreamCredentialRecord): Promise<void> {
    this.st(UPSTREAM_CRED_SQL.upsert).run(...upstreamCredValues(r));
  }

  async getUpstreamCredential(kind: UpstreamCredentialRecord['kind'], server: string, principal: string): Promise<UpstreamCredentialRecord | undefined> {
    const r = this.st(UPSTREAM_CRED_SQL.get).get(kind, server, principal) as Row | undefined;
    return r ? toUpstreamCred(r) : undefined;
  }

  async takeUpstreamCredential(kind: UpstreamCredentialRecord['kind'], server: string, principal: string): Promise<UpstreamCredentialRecord | undefined> {
    const r = (this.st(UPSTREAM_CRED_SQL.take).all(kind, server, principal) as Row[])[0];
    const rec = r ? toUpstreamCred(r) : undefined;
    return rec && (rec.expiresAt === undefined || rec.expiresAt > nowIso()) ? rec : undefined;
  }

  async deleteUpstreamCredentials(principal: string): Promise<number> {
    return this.st(UPSTREAM_CRED_SQL.removePrincipal).all(principal).length;
  }

  async purgeExpiredUpstreamCredentials(): Promise<number> {
    return this.st(UPSTREAM_CRED_SQL.purgeExpired).all(nowIso()).length;
  }

  async listUpstreamCredentials() {
    return (this.st(UPSTREAM_CRED_SQL.list).all() as Row[]).map((r) => {
      const { ciphertext: _c, keyId: _k, ...rest } = toUpstreamCred(r);
      return rest;
    });
  }

  // --- fleet: sessions and shared keys ---

  async putSession(s: Omit<SessionRecord, 'taint' | 'endedAt' | 'endReason'> & { taint?: string[] }): Promise<void> {
    this.db.transaction(() => {
      this.st(SESSION_SQL.upsert).run(...sessionValues(s));
      for (const f of s.taint ?? []) this.st(SESSION_SQL.addTaint).run(s.id, f);
    })();
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const r = this.st(SESSION_SQL.get).get(id) as Row | undefined;
    if (!r) return undefined;
    return toSession(r, (this.st(SESSION_SQL.taintOf).all(id) as Row[]).map((x) => String(x.flag)));
  }

  async sessionState(id: string): Promise<Pick<SessionRecord, 'taint' | 'endedAt' | 'endReason'> | undefined> {
    const r = this.st(SESSION_SQL.state).get(id) as Row | undefined;
    if (!r) return undefined;
    return toSessionState(r, (this.st(SESSION_SQL.taintOf).all(id) as Row[]).map((x) => String(x.flag)));
  }

  async addSessionTaint(id: string, flags: string[]): Promise<void> {
    this.db.transaction(() => {
      for (const f of flags) this.st(SESSION_SQL.addTaint).run(id, f);
    })();
  }

  async touchSession(id: string, at: string): Promise<void> {
    this.st(SESSION_SQL.touch).run(at, id, at);
  }

  async endSession(id: string, reason: string, at: string): Promise<boolean> {
    return this.st(SESSION_SQL.end).all(at, reason, id).length > 0;
  }

  async endSessionsOf(principal: string, reason: string, at: string): Promise<string[]> {
    return (this.st(SESSION_SQL.endOf).all(at, reason, principal) as Row[]).map((r) => String(r.id)).sort();
  }

  async pruneSessions(before: string): Promise<number> {
    return this.db.transaction(() => {
      const n = this.st(SESSION_SQL.prune).all(before).length;
      this.st(SESSION_SQL.pruneTaint).run();
      return n;
    })();
  }

  async sharedKey(name: string, candidate: string): Promise<string> {
    this.st(SESSION_SQL.keyInsert).run(name, candidate, nowIso());
    return String((this.st(SESSION_SQL.keyGet).get(name) as Row).value);
  }


}

/**
 * Owner-only (0600) for the database and its WAL / shared-memory files, whatever the umask was when
 * they were created (older versions created them world-readable). Files of another owner are left alone.
 */
function restrictMode(file: string): void {
  if (process.platform === 'win32') return;
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      const st = statSync(f);
      if ((st.mode & 0o077) !== 0 && (typeof process.getuid !== 'function' || st.uid === process.getuid())) chmodSync(f, st.mode & 0o700);
    } catch {
      // absent (no WAL yet) or not ours
    }
  }
}

export async function openSqliteStore(file: string, opts?: SqliteStoreOptions): Promise<SqliteStore> {
  const s = new SqliteStore(file, opts);
  await s.migrate();
  return s;

}
