/**
 * One Store interface, two implementations (SQLite embedded default, PostgreSQL for fleets).
 * Both pass the same contract suite (src/store/contract.ts). Every method is async so the
 * two are interchangeable; the SQLite one simply resolves synchronously computed values.
 */
import type { AuditEvent } from '../shared/audit-event.js';

/** An audit event as stored: with its position and its link in the hash chain. */
export interface ChainedEvent {
  seq: number;
  event: AuditEvent;
  /** sha256 hex of the previous event's `hash` (64 zeros for the first). */
  prevHash: string;
  /** sha256 hex over prevHash + canonical JSON of the event. */
  hash: string;
}

/** The denormalised (indexed) columns of an audit row, as stored: `audit verify` checks them against the hashed event. */
export interface AuditColumns {
  id: string | null;
  time: string | null;
  session: string | null;
  principal: string | null;
  server: string | null;
  method: string | null;
  target: string | null;
  decision: string | null;
}

/** An audit row with its indexed columns as stored (what `audit query` filters on). */
export interface AuditRow extends ChainedEvent {
  columns: AuditColumns;
}

/** A signed statement "the chain up to seq has hash H", so truncation of the tail is detectable. */
export interface AuditCheckpoint {
  seq: number;
  hash: string;
  time: string;
  /** `checkpoint` or `prune` (events before `seq` were deleted by retention). */
  kind: 'checkpoint' | 'prune';
  /** Ed25519 signature (base64) over the canonical checkpoint without `signature`. */
  signature: string;
  keyId: string;
}

export interface AuditQuery {
  /** One event by its id (as clients see it in `error.data.eventId`). */
  id?: string;
  principal?: string;
  tool?: string;
  server?: string;
  decision?: string;
  session?: string;
  since?: string;
  until?: string;
  afterSeq?: number;
  limit?: number;
  /** Seq order of the result; default `asc`. `desc` with `limit` gives the newest events. */
  order?: 'asc' | 'desc';
}

export type RegistryStatus = 'pending' | 'approved' | 'quarantined' | 'retired';
export type DefinitionKind = 'tool' | 'prompt' | 'resource_template' | 'instructions';

export interface ServerRecord {
  name: string;
  owner?: string;
  transport: string;
  /** Command line or URL (never with secrets). */
  target: string;
  status: RegistryStatus;
  firstSeen: string;
  lastSeen: string;
}

export interface DefinitionRecord {
  kind: DefinitionKind;
  server: string;
  /** Upstream name (not namespaced). For `instructions`, the empty string. */
  name: string;
  hash: string;
  status: RegistryStatus;
  /** Why it has that status (e.g. `rug pull: description changed`, `poisoning: hidden instructions`). */
  reason?: string;
  definition: unknown;
  firstSeen: string;
  lastSeen: string;
}

export interface DefinitionVersion {
  hash: string;
  definition: unknown;
  firstSeen: string;
}

export interface ApiKeyRecord {
  /** Public key id (the prefix of the key shown to the user), used to look the key up. */
  id: string;
  /** sha256 hex of the full key. Compared in constant time. */
  hash: string;
  principal: string;
  groups: string[];
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
}

export interface ApprovalRecord {
  ticket: string;
  status: 'pending' | 'approved' | 'denied' | 'expired';
  session?: string;
  principal: string;
  server?: string;
  target?: string;
  summary: string;
  createdAt: string;
  decidedAt?: string;
  decidedBy?: string;
  /** sha256 of what was asked (principal, server, target, arguments): a retry of the same call matches. */
  requestDigest?: string;
  /** A pending ticket can be decided, and an approved one used, until then. */
  expiresAt?: string;
  /** When the approved call went through: a ticket lets one call through. */
  usedAt?: string;
}

/** An encrypted secret (`portcullis secrets set`): AES-256-GCM, see src/credentials/vault.ts. */
export interface SecretRecord {
  name: string;
  /** base64 of iv (12) ‖ tag (16) ‖ ciphertext, bound to the name as associated data. */
  ciphertext: string;
  /** Which master key sealed it (a fingerprint, never the key). */
  keyId: string;
  createdAt: string;
  updatedAt: string;
}

/** A just-in-time grant: one principal may call one tool (optionally with these arguments) until `expiresAt`. */
export interface GrantRecord {
  id: string;
  principal: string;
  server: string;
  /** Upstream tool name (not namespaced). */
  tool: string;
  /** When set, the call's arguments must contain these keys with these values. */
  arguments?: Record<string, unknown>;
  /** When set, the call's arguments must be exactly these (sha256 of their canonical JSON, as audit events carry). */
  argsDigest?: string;
  reason: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
  revokedBy?: string;
  /** The audit event of the denied call this grant was made from, if any. */
  requestEvent?: string;
}

/**
 * A sealed per-principal upstream credential (src/credentials/oauth.ts): a user's OAuth tokens for one
 * server, a client registration (principal ''), or a pending authorization (principal = hash of its state).
 */
export interface UpstreamCredentialRecord {
  kind: 'oauth-tokens' | 'oauth-client' | 'oauth-pending';
  server: string;
  principal: string;
  /** Sealed like a secret (AES-256-GCM), bound to kind, server and principal. */
  ciphertext: string;
  keyId: string;
  /** After this the record is worthless (a pending authorization, an exchanged token); undefined: no deadline. */
  expiresAt?: string;
  updatedAt: string;
}

/**
 * An old-era (Mcp-Session-Id) session as a fleet shares it: what any replica needs to serve the
 * session's next request. Not its upstream connections (re-opened lazily where the request lands)
 * nor its catalogue (listed again on first use).
 */
export interface SessionRecord {
  id: string;
  /** Principal id that opened it; a request presenting another principal never sees it. */
  principal: string;
  /** The credential that opened it (`Principal.credential`): another credential of the same principal is refused. */
  credential: string;
  transport: string;
  protocolVersion?: string;
  clientInfo?: { name: string; version: string };
  /** The client's `initialize` capabilities (forwarded to upstreams; elicitation decides approvals). */
  capabilities: Record<string, unknown>;
  /** Taint flags (flow stage); only ever grow. */
  taint: string[];
  /** The replica that opened it (`host:pid`), for operators. */
  instance?: string;
  createdAt: string;
  /** Last time a replica served it (updated at most about once a minute per replica). */
  seenAt: string;
  /** When it was ended fleet-wide (DELETE by the client, revocation); never served again after. */
  endedAt?: string;
  endReason?: string;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Run pending migrations (versioned, idempotent). Called once at start. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  // --- audit (append-only) ---
  /** Append events in order, atomically (one transaction per batch: group commit). */
  appendAudit(events: ChainedEvent[]): Promise<void>;
  /**
   * Append events after the current head in one transaction, holding the store's writer lock
   * (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock) and reading the head
   * inside it, so the chain stays linear even with several writers (gateway replicas).
   * Assigns seq, prevHash and hash (see src/audit/canonical.ts `chainHash`) and returns the links.
   */
  appendAuditChain(events: AuditEvent[]): Promise<ChainedEvent[]>;
  /** The last stored event (for chaining after a restart), or undefined. */
  auditHead(): Promise<ChainedEvent | undefined>;
  /** Events in seq order after `afterSeq` (exclusive), up to `limit`. */
  readAudit(afterSeq: number, limit: number): Promise<ChainedEvent[]>;
  /** Like readAudit, with the indexed columns as stored (for verification). */
  readAuditRows(afterSeq: number, limit: number): Promise<AuditRow[]>;
  queryAudit(q: AuditQuery): Promise<ChainedEvent[]>;
  addCheckpoint(c: AuditCheckpoint): Promise<void>;
  listCheckpoints(): Promise<AuditCheckpoint[]>;
  /** Delete events with seq < beforeSeq (retention); the caller records a signed `prune` checkpoint first. */
  pruneAudit(beforeSeq: number): Promise<number>;

  // --- registry ---
  upsertServer(s: Omit<ServerRecord, 'firstSeen' | 'lastSeen' | 'status'> & { status?: RegistryStatus }): Promise<ServerRecord>;
  getServer(name: string): Promise<ServerRecord | undefined>;
  listServers(): Promise<ServerRecord[]>;
  setServerStatus(name: string, status: RegistryStatus): Promise<void>;
  getDefinition(kind: DefinitionKind, server: string, name: string): Promise<DefinitionRecord | undefined>;
  /** Insert or update the current definition; every distinct hash is kept as a version. */
  putDefinition(d: Omit<DefinitionRecord, 'firstSeen' | 'lastSeen'>): Promise<DefinitionRecord>;
  /** Touch last_seen only. */
  touchDefinition(kind: DefinitionKind, server: string, name: string): Promise<void>;
  setDefinitionStatus(kind: DefinitionKind, server: string, name: string, status: RegistryStatus, reason?: string): Promise<void>;
  listDefinitions(filter?: { server?: string; status?: RegistryStatus; kind?: DefinitionKind }): Promise<DefinitionRecord[]>;
  listDefinitionVersions(kind: DefinitionKind, server: string, name: string): Promise<DefinitionVersion[]>;

  // --- API keys ---
  createApiKey(k: ApiKeyRecord): Promise<void>;
  getApiKey(id: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  revokeApiKey(id: string): Promise<boolean>;

  // --- approvals ---
  createApproval(a: ApprovalRecord): Promise<void>;
  getApproval(ticket: string): Promise<ApprovalRecord | undefined>;
  listApprovals(status?: ApprovalRecord['status']): Promise<ApprovalRecord[]>;
  /**
   * Decide a pending, unexpired ticket (false otherwise: decided before, expired, unknown).
   * `expiresAt` moves the deadline for using an approval.
   */
  decideApproval(ticket: string, status: 'approved' | 'denied', by: string, expiresAt?: string): Promise<boolean>;
  /** The newest unused ticket for this principal and request digest, with `status: 'expired'` once past its deadline. */
  findApproval(principal: string, requestDigest: string): Promise<ApprovalRecord | undefined>;
  /** Use an approved, unexpired, unused ticket once; true only for the caller that used it. */
  consumeApproval(ticket: string): Promise<boolean>;

  // --- secrets (values are sealed by the caller) ---
  putSecret(s: SecretRecord): Promise<void>;
  getSecret(name: string): Promise<SecretRecord | undefined>;
  listSecrets(): Promise<SecretRecord[]>;
  deleteSecret(name: string): Promise<boolean>;

  // --- just-in-time grants ---
  createGrant(g: GrantRecord): Promise<void>;
  getGrant(id: string): Promise<GrantRecord | undefined>;
  /** Active (unrevoked, unexpired) grants, or all with `all`. */
  listGrants(opts?: { all?: boolean }): Promise<GrantRecord[]>;
  /** Active grants of this principal for this tool, oldest first. */
  findGrants(principal: string, server: string, tool: string): Promise<GrantRecord[]>;
  /** Revoke an active grant; false when unknown, expired or revoked before. */
  revokeGrant(id: string, by: string): Promise<boolean>;
  /** Grants that expired and whose expiry was not yet claimed: marks them, returns each once (for the audit). */
  claimExpiredGrants(): Promise<GrantRecord[]>;

  // --- per-principal upstream credentials (sealed by the caller) ---
  putUpstreamCredential(r: UpstreamCredentialRecord): Promise<void>;
  getUpstreamCredential(kind: UpstreamCredentialRecord['kind'], server: string, principal: string): Promise<UpstreamCredentialRecord | undefined>;
  /** Read and delete in one step (single use); undefined when absent or past `expiresAt`. */
  takeUpstreamCredential(kind: UpstreamCredentialRecord['kind'], server: string, principal: string): Promise<UpstreamCredentialRecord | undefined>;
  /** Drop every credential held for this principal (all servers, all kinds); how many there were. */
  deleteUpstreamCredentials(principal: string): Promise<number>;
  /** Delete records past their `expiresAt` (abandoned sign-in links); how many. */
  purgeExpiredUpstreamCredentials(): Promise<number>;
  /** (server, principal, kind) of the records held, for listings: never the ciphertext. */
  listUpstreamCredentials(): Promise<Array<Pick<UpstreamCredentialRecord, 'kind' | 'server' | 'principal' | 'expiresAt' | 'updatedAt'>>>;

  // --- fleet: shared sessions and keys ---
  /** Record a session (insert, or replace everything but its taint and end). */
  putSession(s: Omit<SessionRecord, 'taint' | 'endedAt' | 'endReason'> & { taint?: string[] }): Promise<void>;
  getSession(id: string): Promise<SessionRecord | undefined>;
  /** What a replica checks on every request of a session it holds: its taint and whether it ended (a small, prepared read). */
  sessionState(id: string): Promise<Pick<SessionRecord, 'taint' | 'endedAt' | 'endReason'> | undefined>;
  /** Add taint flags (a union: concurrent adds from several replicas are all kept). */
  addSessionTaint(id: string, flags: string[]): Promise<void>;
  touchSession(id: string, at: string): Promise<void>;
  /** End a session fleet-wide; false when unknown or ended before. */
  endSession(id: string, reason: string, at: string): Promise<boolean>;
  /** End every open session of a principal (revocation); returns their ids. */
  endSessionsOf(principal: string, reason: string, at: string): Promise<string[]>;
  /** Delete sessions not seen since `before` (and ended ones); returns how many. */
  pruneSessions(before: string): Promise<number>;
  /**
   * A named random key shared by every replica (e.g. the MRTR `requestState` HMAC key): the first
   * caller's `candidate` is stored, every caller (then and later) gets the stored one.
   */
  sharedKey(name: string, candidate: string): Promise<string>;
}
