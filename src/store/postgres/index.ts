/**
 * PostgreSQL store (pg Pool), for fleets: any number of gateway replicas share one database.
 *
 * - Migrations run under a session advisory lock, so replicas starting at once apply each
 *   version exactly once (the others wait, then find it recorded in schema_migrations).
 * - Audit appends (`appendAuditChain`) take a transaction-scoped advisory lock and read the head
 *   inside the transaction: replicas append in turn and the hash chain stays linear. The lock is
 *   held only for one batch (group commit), so throughput scales with batch size, not replicas.
 * - Lock keys are derived from the schema name, so separate schemas (tests, tenants) do not contend.
 */
import pg from 'pg';
import type { AuditEvent } from '../../shared/audit-event.js';
import { canonical, chainHashText, ZERO_HASH } from '../../shared/canonical.js';
import { GRANT_SQL, SECRET_SQL, UPSTREAM_CRED_SQL, grantValues, secretValues, toGrant, toSecret, toUpstreamCred, upstreamCredValues } from '../credentials-sql.js';
import { SESSION_SQL, sessionValues, toSession, toSessionState } from '../sessions-sql.js';
import { POSTGRES_MIGRATIONS, type Migration } from '../migrations.js';
import {
  auditValues,
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
  AuditRow,
  AuditQuery,
  ChainedEvent,
  DefinitionKind,
  DefinitionRecord,
  DefinitionVersion,
  RegistryStatus,
  ServerRecord,
  Store,
UpstreamCredentialRecord, } from '../types.js';

type Row = Record<string, unknown>;

export interface PostgresStoreOptions {
  url: string;
  /** Schema to use (sets search_path on every connection); default the server's search_path. */
  schema?: string;
  /** Pool size (default 10). */
  max?: number;
  /** Give up connecting after this long (default 5 s). */
  connectTimeoutMs?: number;
  /** Server-side statement timeout (default 30 s). */
  statementTimeoutMs?: number;
}

/** `?` placeholders → `$1, $2...`. */
function pgSql(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

const INSERT_AUDIT = `INSERT INTO audit_events (seq, id, time, session, principal, server, method, target, decision, event, prev_hash, hash)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])`;

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  /** The raw pool, for tests and tools. */
  readonly pool: pg.Pool;
  private closed = false;

  constructor(readonly opts: PostgresStoreOptions) {
    if (opts.schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(opts.schema)) throw new Error(`store.postgres: invalid schema name ${JSON.stringify(opts.schema)}`);
    this.pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.max ?? 10,
      // Fail (and so deny, when audit fails closed) instead of hanging when the database is unreachable.
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000,
      statement_timeout: opts.statementTimeoutMs ?? 30_000,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.pool.on('error', () => {});
  }

  private async q(sql: string, params: unknown[] = []): Promise<Row[]> {
    const r = await this.pool.query(pgSql(sql), params);
    return r.rows as Row[];
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  async migrate(migrations: Migration[] = POSTGRES_MIGRATIONS): Promise<void> {
    const c = await this.pool.connect();
    try {
      await c.query(`SELECT pg_advisory_lock(hashtext('portcullis.migrate.' || current_schema()))`);
      try {
        await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
        const done = new Set((await c.query('SELECT version FROM schema_migrations')).rows.map((r: Row) => Number(r.version)));
        for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
          if (done.has(m.version)) continue;
          await c.query('BEGIN');
          try {
            await c.query(m.sql);
            await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, nowIso()]);
            await c.query('COMMIT');
          } catch (e) {
            await c.query('ROLLBACK').catch(() => {});
            throw new Error(`store.postgres: migration ${m.version} (${m.name}) failed: ${(e as Error).message}`, { cause: e });
          }
        }
      } finally {
        await c.query(`SELECT pg_advisory_unlock(hashtext('portcullis.migrate.' || current_schema()))`).catch(() => {});
      }
    } finally {
      c.release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  // --- audit ---

  private static columns(events: ChainedEvent[], texts?: string[]): unknown[][] {
    const cols: unknown[][] = Array.from({ length: 12 }, () => []);
    for (let j = 0; j < events.length; j++) {
      const v = auditValues(events[j]!, texts?.[j]);
      for (let i = 0; i < 12; i++) cols[i]!.push(v[i]);
    }
    return cols;
  }

  async appendAudit(events: ChainedEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.pool.query(INSERT_AUDIT, PostgresStore.columns(events));
  }

  async appendAuditChain(events: AuditEvent[]): Promise<ChainedEvent[]> {
    if (events.length === 0) return [];
    return this.tx(async (c) => {
      await c.query(`SELECT pg_advisory_xact_lock(hashtext('portcullis.audit.' || current_schema()))`);
      const h = (await c.query('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1')).rows[0] as Row | undefined;
      let seq = h ? Number(h.seq) : 0;
      let prev = h ? String(h.hash) : ZERO_HASH;
      const out: ChainedEvent[] = [];
      const texts: string[] = [];
      for (const event of events) {
        seq += 1;
        const text = canonical(event);
        const hash = chainHashText(prev, text);
        out.push({ seq, event, prevHash: prev, hash });
        texts.push(text);
        prev = hash;
      }
      await c.query(INSERT_AUDIT, PostgresStore.columns(out, texts));
      return out;
    });
  }

  async auditHead(): Promise<ChainedEvent | undefined> {
    const r = (await this.q('SELECT * FROM audit_events ORDER BY seq DESC LIMIT 1'))[0];
    return r ? toChained(r) : undefined;
  }

  async readAudit(afterSeq: number, limit: number): Promise<ChainedEvent[]> {
    return (await this.q('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?', [afterSeq, limit])).map(toChained);
  }

  async readAuditRows(afterSeq: number, limit: number): Promise<AuditRow[]> {
    return (await this.q('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?', [afterSeq, limit])).map(toAuditRow);
  }

  async queryAudit(q: AuditQuery): Promise<ChainedEvent[]> {
    const { where, params } = auditWhere(q);
    const order = q.order === 'desc' ? 'DESC' : 'ASC';
    return (await this.q(`SELECT * FROM audit_events ${where} ORDER BY seq ${order} LIMIT ?`, [...params, q.limit ?? 1000])).map(toChained);
  }

  async addCheckpoint(c: AuditCheckpoint): Promise<void> {
    await this.q('INSERT INTO audit_checkpoints (seq, kind, hash, time, signature, key_id) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [
      c.seq,
      c.kind,
      c.hash,
      c.time,
      c.signature,
      c.keyId,
    ]);
  }

  async listCheckpoints(): Promise<AuditCheckpoint[]> {
    return (await this.q('SELECT * FROM audit_checkpoints ORDER BY seq, kind, key_id')).map(toCheckpoint);
  }

  async pruneAudit(beforeSeq: number): Promise<number> {
    const r = await this.pool.query('DELETE FROM audit_events WHERE seq < $1', [beforeSeq]);
    return r.rowCount ?? 0;
  }

  // --- registry ---

  async upsertServer(s: Omit<ServerRecord, 'firstSeen' | 'lastSeen' | 'status'> & { status?: RegistryStatus }): Promise<ServerRecord> {
    const now = nowIso();
    const rows = await this.q(
      `INSERT INTO servers (name, owner, transport, target, status, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, transport = excluded.transport, target = excluded.target,
         status = COALESCE(?::text, servers.status), last_seen = excluded.last_seen
       RETURNING *`,
      [s.name, s.owner ?? null, s.transport, s.target, s.status ?? 'pending', now, now, s.status ?? null],
    );
    return toServer(rows[0]!);
  }

  async getServer(name: string): Promise<ServerRecord | undefined> {
    const r = (await this.q('SELECT * FROM servers WHERE name = ?', [name]))[0];
    return r ? toServer(r) : undefined;
  }

  async listServers(): Promise<ServerRecord[]> {
    return (await this.q('SELECT * FROM servers ORDER BY name')).map(toServer);
  }

  async setServerStatus(name: string, status: RegistryStatus): Promise<void> {
    await this.q('UPDATE servers SET status = ? WHERE name = ?', [status, name]);
  }

  async getDefinition(kind: DefinitionKind, server: string, name: string): Promise<DefinitionRecord | undefined> {
    const r = (await this.q('SELECT * FROM definitions WHERE kind = ? AND server = ? AND name = ?', [kind, server, name]))[0];
    return r ? toDefinition(r) : undefined;
  }

  async putDefinition(d: Omit<DefinitionRecord, 'firstSeen' | 'lastSeen'>): Promise<DefinitionRecord> {
    const now = nowIso();
    const json = JSON.stringify(d.definition ?? null);
    return this.tx(async (c) => {
      const r = await c.query(
        pgSql(`INSERT INTO definitions (kind, server, name, hash, status, reason, definition, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (kind, server, name) DO UPDATE SET hash = excluded.hash, status = excluded.status, reason = excluded.reason,
             definition = excluded.definition, last_seen = excluded.last_seen
           RETURNING *`),
        [d.kind, d.server, d.name, d.hash, d.status, d.reason ?? null, json, now, now],
      );
      await c.query(
        pgSql('INSERT INTO definition_versions (kind, server, name, hash, definition, first_seen) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING'),
        [d.kind, d.server, d.name, d.hash, json, now],
      );
      return toDefinition(r.rows[0] as Row);
    });
  }

  async touchDefinition(kind: DefinitionKind, server: string, name: string): Promise<void> {
    await this.q('UPDATE definitions SET last_seen = ? WHERE kind = ? AND server = ? AND name = ?', [nowIso(), kind, server, name]);
  }

  async setDefinitionStatus(kind: DefinitionKind, server: string, name: string, status: RegistryStatus, reason?: string): Promise<void> {
    await this.q('UPDATE definitions SET status = ?, reason = ? WHERE kind = ? AND server = ? AND name = ?', [status, reason ?? null, kind, server, name]);
  }

  async listDefinitions(filter: { server?: string; status?: RegistryStatus; kind?: DefinitionKind } = {}): Promise<DefinitionRecord[]> {
    const w: string[] = [];
    const p: string[] = [];
    if (filter.server !== undefined) (w.push('server = ?'), p.push(filter.server));
    if (filter.status !== undefined) (w.push('status = ?'), p.push(filter.status));
    if (filter.kind !== undefined) (w.push('kind = ?'), p.push(filter.kind));
    return (await this.q(`SELECT * FROM definitions ${w.length ? 'WHERE ' + w.join(' AND ') : ''} ORDER BY server, kind, name`, p)).map(toDefinition);
  }

  async listDefinitionVersions(kind: DefinitionKind, server: string, name: string): Promise<DefinitionVersion[]> {
    return (
      await this.q('SELECT * FROM definition_versions WHERE kind = ? AND server = ? AND name = ? ORDER BY first_seen, ctid', [kind, server, name])
    ).map(toVersion);
  }

  // --- API keys ---

  async createApiKey(k: ApiKeyRecord): Promise<void> {
    await this.q('INSERT INTO api_keys (id, hash, principal, groups, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      k.id,
      k.hash,
      k.principal,
      JSON.stringify(k.groups),
      k.createdAt,
      k.expiresAt ?? null,
      k.revokedAt ?? null,
    ]);
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    const r = (await this.q('SELECT * FROM api_keys WHERE id = ?', [id]))[0];
    return r ? toApiKey(r) : undefined;
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return (await this.q('SELECT * FROM api_keys ORDER BY created_at, id')).map(toApiKey);
  }

  async revokeApiKey(id: string): Promise<boolean> {
    const r = await this.pool.query('UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [nowIso(), id]);
    return (r.rowCount ?? 0) > 0;
  }

  // --- approvals ---

  async createApproval(a: ApprovalRecord): Promise<void> {
    await this.q(APPROVAL_SQL.insert, approvalValues(a));
  }

  async getApproval(ticket: string): Promise<ApprovalRecord | undefined> {
    const r = (await this.q(APPROVAL_SQL.byTicket, [ticket]))[0];
    return r ? withExpiry(toApproval(r), nowIso()) : undefined;
  }

  async listApprovals(status?: ApprovalRecord['status']): Promise<ApprovalRecord[]> {
    const now = nowIso();
    const { where, params } = approvalStatusWhere(status, now);
    return (await this.q(APPROVAL_SQL.list(where), params)).map((r) => withExpiry(toApproval(r), now));
  }

  async decideApproval(ticket: string, status: 'approved' | 'denied', by: string, expiresAt?: string): Promise<boolean> {
    const now = nowIso();
    const r = await this.pool.query(pgSql(APPROVAL_SQL.decide), [status, now, by, expiresAt ?? null, ticket, now]);
    return (r.rowCount ?? 0) > 0;
  }

  async findApproval(principal: string, requestDigest: string): Promise<ApprovalRecord | undefined> {
    const r = (await this.q(APPROVAL_SQL.findUnused, [principal, requestDigest]))[0];
    return r ? withExpiry(toApproval(r), nowIso()) : undefined;
  }

  async consumeApproval(ticket: string): Promise<boolean> {
    const now = nowIso();
    const r = await this.pool.query(pgSql(APPROVAL_SQL.consume), [now, ticket, now]);
    return (r.rowCount ?? 0) > 0;
  }
  // --- secrets ---

  async putSecret(sec: SecretRecord): Promise<void> {
    await this.q(SECRET_SQL.upsert, secretValues(sec));
  }

  async getSecret(name: string): Promise<SecretRecord | undefined> {
    const r = (await this.q(SECRET_SQL.get, [name]))[0];
    return r ? toSecret(r) : undefined;
  }

  async listSecrets(): Promise<SecretRecord[]> {
    return (await this.q(SECRET_SQL.list)).map(toSecret);
  }

  async deleteSecret(name: string): Promise<boolean> {
    return (await this.q(SECRET_SQL.remove, [name])).length > 0;
  }

  // --- grants ---

  async createGrant(g: GrantRecord): Promise<void> {
    await this.q(GRANT_SQL.insert, grantValues(g));
  }

  async getGrant(id: string): Promise<GrantRecord | undefined> {
    const r = (await this.q(GRANT_SQL.get, [id]))[0];
    return r ? toGrant(r) : undefined;
  }

  async listGrants(opts: { all?: boolean } = {}): Promise<GrantRecord[]> {
    const rows = opts.all ? await this.q(GRANT_SQL.listAll) : await this.q(GRANT_SQL.listActive, [nowIso()]);
    return rows.map(toGrant);
  }

  async findGrants(principal: string, server: string, tool: string): Promise<GrantRecord[]> {
    return (await this.q(GRANT_SQL.findActive, [principal, server, tool, nowIso()])).map(toGrant);
  }

  async revokeGrant(id: string, by: string): Promise<boolean> {
    const now = nowIso();
    return (await this.q(GRANT_SQL.revoke, [now, by, id, now])).length > 0;
  }
  async claimExpiredGrants(): Promise<GrantRecord[]> {
    const now = nowIso();
    return (await this.q(GRANT_SQL.claimExpired, [now, now])).map(toGrant);
  }

  // --- per-principal upstream credentials ---

  async putUpstreamCredential(r: UpstreamCredentialRecord): Promise<void> {
    await this.q(UPSTREAM_CRED_SQL.upsert, upstreamCredValues(r));
  }

  async getUpstreamCredential(kind: UpstreamCredentialRecord['kind'], server: string, principal: string): Promise<UpstreamCredentialRecord | undefined> {
    const r = (await this.q(UPSTREAM_CRED_SQL.get, [kind, server, principal]))[0];
    return r ? toUpstreamCred(r) : undefined;
  }

  async takeUpstreamCredential(kind: UpstreamCredentialRecord['kind'], server: string, principal: string): Promise<UpstreamCredentialRecord | undefined> {
    const r = (await this.q(UPSTREAM_CRED_SQL.take, [kind, server, principal]))[0];
    const rec = r ? toUpstreamCred(r) : undefined;
    return rec && (rec.expiresAt === undefined || rec.expiresAt > nowIso()) ? rec : undefined;
  }

  async deleteUpstreamCredentials(principal: string): Promise<number> {
    return (await this.q(UPSTREAM_CRED_SQL.removePrincipal, [principal])).length;
  }

  async purgeExpiredUpstreamCredentials(): Promise<number> {
    return (await this.q(UPSTREAM_CRED_SQL.purgeExpired, [nowIso()])).length;
  }

  async listUpstreamCredentials() {
    return (await this.q(UPSTREAM_CRED_SQL.list)).map((r) => {
      const { ciphertext: _c, keyId: _k, ...rest } = toUpstreamCred(r);
      return rest;
    });
  }

  // --- fleet: sessions and shared keys ---

  async putSession(s: Omit<SessionRecord, 'taint' | 'endedAt' | 'endReason'> & { taint?: string[] }): Promise<void> {
    await this.tx(async (c) => {
      await c.query(pgSql(SESSION_SQL.upsert), sessionValues(s));
      for (const f of s.taint ?? []) await c.query(pgSql(SESSION_SQL.addTaint), [s.id, f]);
    });
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    // One round trip: the row and its taint flags together (this runs on every request a fleet serves).
    const r = (await this.q(`SELECT s.*, ARRAY(SELECT flag FROM session_taint t WHERE t.session = s.id ORDER BY flag) AS taint FROM sessions s WHERE s.id = ?`, [id]))[0];
    return r ? toSession(r, (r.taint as string[] | null) ?? []) : undefined;
  }

  async sessionState(id: string): Promise<Pick<SessionRecord, 'taint' | 'endedAt' | 'endReason'> | undefined> {
    // Every request a fleet replica serves runs this: one round trip, a prepared statement, a small row.
    const r = (
      await this.pool.query({
        name: 'pcx_session_state',
        text: 'SELECT s.ended_at, s.end_reason, ARRAY(SELECT flag FROM session_taint t WHERE t.session = s.id ORDER BY flag) AS taint FROM sessions s WHERE s.id = $1',
        values: [id],
      })
    ).rows[0] as Row | undefined;
    return r ? toSessionState(r, (r.taint as string[] | null) ?? []) : undefined;
  }

  async addSessionTaint(id: string, flags: string[]): Promise<void> {
    if (flags.length === 0) return;
    await this.pool.query('INSERT INTO session_taint (session, flag) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING', [id, flags]);
  }

  async touchSession(id: string, at: string): Promise<void> {
    await this.q(SESSION_SQL.touch, [at, id, at]);
  }

  async endSession(id: string, reason: string, at: string): Promise<boolean> {
    return (await this.q(SESSION_SQL.end, [at, reason, id])).length > 0;
  }

  async endSessionsOf(principal: string, reason: string, at: string): Promise<string[]> {
    return (await this.q(SESSION_SQL.endOf, [at, reason, principal])).map((r) => String(r.id)).sort();
  }

  async pruneSessions(before: string): Promise<number> {
    return this.tx(async (c) => {
      const n = (await c.query(pgSql(SESSION_SQL.prune), [before])).rowCount ?? 0;
      await c.query(SESSION_SQL.pruneTaint);
      return n;
    });
  }

  async sharedKey(name: string, candidate: string): Promise<string> {
    await this.q(SESSION_SQL.keyInsert, [name, candidate, nowIso()]);
    return String((await this.q(SESSION_SQL.keyGet, [name]))[0]!.value);
  }


}

export async function openPostgresStore(opts: PostgresStoreOptions): Promise<PostgresStore> {
  const s = new PostgresStore(opts);
  try {
    await s.migrate();
  } catch (e) {
    await s.close().catch(() => {});
    throw e;
  }
  return s;

}
