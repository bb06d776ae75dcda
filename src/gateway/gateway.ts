/**
 * The gateway: configuration, the pipeline, upstream connections and the sessions that use them.
 * Listeners (HTTP, SSE, stdio) create sessions here; `Session` holds the request path.
 */
import { randomUUID } from 'node:crypto';
import { digest } from '../audit/canonical.js';
import os from 'node:os';
import { auditPrincipal, type AuditEvent, type AuditSink, type Outcome } from '../audit/event.js';
import { ms, type Config, type ServerConfig } from '../config/schema.js';
import { ambiguousName, resolveServers, type ResolvedServer } from '../config/load.js';
import type { Pipeline, PipelineResult } from '../pipeline/chain.js';
import type { ListKind, PipelineContext, Principal, Transport } from '../pipeline/types.js';
import type { Logger } from '../observability/log.js';
import type { detectText as DetectText } from '../detect/index.js';
import { redactJson } from '../detect/redact.js';
import { DEPTH_RULE } from '../pipeline/rules.js';
import { Session, type Downstream } from './session.js';
import { LIST_METHOD } from './names.js';
import { NO_OWNER, Upstream, UpstreamError, type Json, type UpstreamDeps, type UpstreamOwner } from './upstream.js';
import { CredentialDenied } from '../credentials/upstream.js';
import { UpstreamPool } from './pool.js';
import { Capacity } from './capacity.js';
import { UpstreamStderr } from './upstream-log.js';
import { LATEST_PROTOCOL_VERSION } from '../shared/protocol.js';
import { isStdio } from '../config/schema.js';
import { toolLabels } from './labels.js';

/** What readiness knows of one upstream server. */
export interface UpstreamHealth {
  /** `per-principal`: it takes each principal's own credential, so it starts only for one (never probed without). */
  state: 'up' | 'down' | 'starting' | 'per-principal';
  /** Why it is down (exit code, connection error), without its stderr (that is in the log). */
  error?: string;
  since?: string;
  /** When the gateway will try it again, for a down server. */
  retryAfterMs?: number;
}

/** What a session holds for one server: its own connection (`session`, `principal`) or the server's pool (`shared`). */
export type UpstreamLink = Upstream | UpstreamPool;

export type Isolation = 'shared' | 'principal' | 'session';

/** Pool sizing when `maxInstances` / `pool.*` are not set (docs/upstreams.md). */
export const POOL_DEFAULTS = { maxInstances: 4, callsPerInstance: 8, shrinkAfterMs: 60_000, queueTimeoutMs: 5_000 } as const;

export interface GatewayHooks {
  /** Called once per upstream connection after initialize (registry: observe server, pin instructions). */
  onUpstreamReady?(u: UpstreamLink): Promise<void> | void;
  /** Whether a server's `instructions` may be shown (the registry hides changed, unapproved ones). */
  instructionsVisible?(server: string): boolean;
  onSessionChange?(transport: Transport, delta: 1 | -1): void;
  onUpstreamHealth?(server: string, up: boolean, reason?: string): void;
  onUpstreamRestart?(server: string): void;
  onEvent?(ev: AuditEvent): void;
  /** `servers.<name>.credentials`: the principal's own env / headers for that server (src/credentials/upstream.ts). */
  credentials?(server: string, principal: Principal): Promise<Record<string, string>>;
  /** A remote server answered 401 to them. */
  credentialsRejected?(server: string, principal: Principal): Promise<void>;
}

export interface GatewayOptions {
  config: Config;
  pipeline: Pipeline;
  sink: AuditSink;
  log: Logger;
  version: string;
  hooks?: GatewayHooks;
  /** Override the server list (e.g. `portcullis stdio -- cmd`). */
  servers?: ResolvedServer[];
  /**
   * Isolation of servers that set none (default `shared`: pooled). `portcullis stdio` serves one
   * client, so it uses `session`: its one client's capabilities and roots reach the server as they are.
   */
  defaultIsolation?: Isolation;
}


export class Gateway {
  readonly config: Config;
  readonly pipeline: Pipeline;
  readonly log: Logger;
  readonly version: string;
  readonly instance = `${os.hostname()}:${process.pid}`;
  readonly servers: ResolvedServer[];
  readonly sessions = new Map<string, Session>();
  /** Revocations (the coordination backend), for the listeners: a revoked session's id is answered PCX_SESSION_REVOKED. */
  revocation?: { isRevoked(subject: string): Promise<boolean> };
  private readonly sink: AuditSink;
  private readonly hooks: GatewayHooks;
  private readonly specs = new Map<string, ServerConfig>();
  /** `isolation: shared` (the default): one pool of connections per server. */
  readonly pools = new Map<string, UpstreamPool>();
  private readonly defaultIsolation: Isolation;
  /** `isolation: principal`: one connection per (server, principal), closed when its last session leaves. */
  private readonly perPrincipal = new Map<string, Upstream>();
  private readonly perPrincipalKey = new WeakMap<Upstream, string>();
  private readonly perServer = new Map<string, number>();
  /** Session and child caps, in all and per principal, and who gives way under pressure. */
  readonly capacity: Capacity;
  private readonly stderr: UpstreamStderr;
  private readonly health = new Map<string, { up: boolean; error?: string; since: number; fails: number; retryAt: number }>();
  private readonly probes = new Map<string, Promise<void>>();
  private readonly lists = new WeakMap<object, Map<ListKind, Promise<Json[]>>>();
  private readonly sweeper: NodeJS.Timeout;
  private closing = false;

  constructor(o: GatewayOptions) {
    this.config = o.config;
    this.pipeline = o.pipeline;
    this.sink = o.sink;
    this.log = o.log;
    this.version = o.version;
    this.hooks = o.hooks ?? {};
    this.defaultIsolation = o.defaultIsolation ?? 'shared';
    this.servers = o.servers ?? resolveServers(o.config);
    for (const s of this.servers) {
      const why = ambiguousName(s.name, o.config.namespace.separator);
      if (why) throw new Error(`server name "${s.name}" ${why}; rename the server`);
      this.specs.set(s.name, s.spec);
    }
    const l = o.config.limits;
    this.capacity = new Capacity(
      {
        maxSessions: l.maxSessions,
        maxSessionsPerPrincipal: l.maxSessionsPerPrincipal,
        maxChildren: l.maxChildren,
        maxChildrenPerPrincipal: l.maxChildrenPerPrincipal,
        reclaimIdleAfterMs: ms(l.reclaimIdleAfter, 60_000),
        reclaimPooledIdleAfterMs: ms(l.reclaimPooledIdleAfter, 5_000),
      },
      () => this.sessions.values(),
      (s, why) => {
        this.log.info({ session: s.id, principal: s.principal.id, reason: why }, 'reclaiming an idle session');
        void this.closeSession(s as Session);
      },
    );
    this.stderr = new UpstreamStderr(this.log, (server) => {
      const spec = this.specs.get(server);
      return spec && isStdio(spec) ? Object.values(spec.env) : [];
    });
    const idle = ms(o.config.limits.sessionIdleTimeout, 30 * 60_000);
    this.sweeper = setInterval(() => this.sweep(idle), Math.min(60_000, Math.max(1000, idle / 4)));
    this.sweeper.unref();
  }

  serverSpec(name: string): ServerConfig | undefined {
    return this.specs.get(name);
  }

  timeoutFor(server: string): number {
    return ms(this.specs.get(server)?.timeout, ms(this.config.limits.requestTimeout, 60_000));
  }

  // ───────── sessions ─────────

  /** Throws CapacityError when the principal or the gateway is at its session cap and nothing idle can give way. */
  createSession(principal: Principal, transport: Transport, downstream: Downstream, id?: string): Session {
    if (transport !== 'stdio') this.capacity.admitSession(principal.id);
    const s = new Session(this, principal, transport, downstream, id);
    this.sessions.set(s.id, s);
    this.hooks.onSessionChange?.(transport, 1);
    return s;
  }

  /** Was this session (or the principal now presenting its id) revoked? For an id the listener no longer knows. */
  async sessionRevoked(id: string, principal: Principal): Promise<boolean> {
    const r = this.revocation;
    if (!r) return false;
    try {
      return (await r.isRevoked(`session:${id}`)) || (await r.isRevoked(`principal:${principal.id}`));
    } catch {
      return false;
    }
  }

  async closeSession(s: Session): Promise<void> {
    if (!this.sessions.delete(s.id)) return;
    this.hooks.onSessionChange?.(s.transport, -1);
    await s.close();
  }

  private sweep(idleMs: number): void {
    const now = Date.now();
    for (const s of this.sessions.values()) {
      if (s.transport !== 'stdio' && now - s.lastActivity > idleMs) {
        this.log.info({ session: s.id }, 'closing idle session');
        void this.closeSession(s);
      }
    }
  }

  // ───────── upstreams ─────────

  private upstreamDeps(owner?: Session | UpstreamOwner): UpstreamDeps {
    const who = owner && 'principal' in owner ? (owner as Session).principal : undefined;
    const principal = who?.id;
    const creds = this.hooks.credentials;
    const rejected = this.hooks.credentialsRejected;
    return {
      ...(who && creds
        ? {
            credentials: (server: string) =>
              creds(server, who).catch((e: unknown) => {
                if (e instanceof CredentialDenied) throw new UpstreamError('PCX_DENIED', e.message, { rule: e.rule, ...e.data });
                throw new UpstreamError('PCX_DENIED', `${server}: the credential for ${who.id} could not be obtained (${e instanceof Error ? e.message : String(e)})`, { rule: 'credentials.unavailable' });
              }),
            credentialsRejected: async (server: string) => {
              await rejected?.(server, who).catch((e: unknown) => this.log.warn({ server, err: String(e) }, 'forgetting a rejected upstream credential failed'));
            },
          }
        : {}),
      log: this.log,
      maxMessageBytes: this.config.limits.maxMessageBytes,
      capacity: this.capacity,
      principal,
      requester: owner?.id,
      onStderr: (server, line) => this.stderr.line(server, line),
      onHealth: (server, up, reason) => this.setHealth(server, up, reason),
      onRestart: (server: string) => this.hooks.onUpstreamRestart?.(server),
    };
  }

  /**
   * The server's pool. Its members are the gateway's (their children count against
   * limits.maxChildren, not against a principal) and all get the gateway's own initialize: no
   * one client's identity, and no `roots` (refused on a shared server; see pool.ts).
   */
  private poolOf(name: string, spec: ServerConfig): UpstreamPool {
    let p = this.pools.get(name);
    if (!p) {
      const o = spec.pool;
      p = new UpstreamPool(name, spec, {
        max: spec.maxInstances ?? POOL_DEFAULTS.maxInstances,
        callsPerInstance: o?.callsPerInstance ?? POOL_DEFAULTS.callsPerInstance,
        shrinkAfterMs: ms(o?.shrinkAfter, POOL_DEFAULTS.shrinkAfterMs),
        queueTimeoutMs: ms(o?.queueTimeout, POOL_DEFAULTS.queueTimeoutMs),
        idleTimeoutMs: ms(spec.idleTimeout),
        initParams: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: { sampling: {}, elicitation: {} }, clientInfo: { name: 'portcullis', version: this.version } },
        memberDeps: (requester, first) => ({ ...this.upstreamDeps(), requester, reclaim: first, onRestart: undefined }),
        onRestart: (server) => this.hooks.onUpstreamRestart?.(server),
      });
      this.pools.set(name, p);
    }
    return p;
  }

  /**
   * `isolation`, or the older `shared: true` / `shared: false`; default `shared` (a pool) but under
   * `portcullis stdio`, and for a server with per-principal `credentials` (never pooled by default:
   * a pool's connections serve every principal, so it cannot carry one principal's credential).
   */
  isolationOf(spec: ServerConfig): Isolation {
    return spec.isolation ?? (spec.shared === true ? 'shared' : spec.shared === false ? 'session' : spec.credentials ? 'session' : this.defaultIsolation);
  }

  upstreamFor(name: string, owner: UpstreamOwner): UpstreamLink {
    const spec = this.specs.get(name);
    if (!spec) throw new Error(`unknown server ${name}`);
    const isolation = this.isolationOf(spec);
    if (isolation === 'shared') {
      const p = this.poolOf(name, spec);
      p.owners.add(owner);
      return p;
    }
    const n = this.perServer.get(name) ?? 0;
    if (isolation === 'principal' && 'principal' in owner) {
      const key = `${name}\0${(owner as Session).principal.id}`;
      let u = this.perPrincipal.get(key);
      if (!u || u.state === 'closed') {
        const deps = this.upstreamDeps(owner);
        if (spec.maxInstances !== undefined && n >= spec.maxInstances) deps.refuseChild = `${spec.maxInstances} instances run already (servers.${name}.maxInstances)`;
        // Several sessions (of one principal) share it: the multi-owner routing of a shared connection applies.
        u = new Upstream(name, spec, deps, true, ms(spec.idleTimeout));
        this.perPrincipal.set(key, u);
        this.perPrincipalKey.set(u, key);
        this.perServer.set(name, n + 1);
      }
      u.owners.add(owner);
      return u;
    }
    const deps = this.upstreamDeps(owner);
    if (spec.maxInstances !== undefined && n >= spec.maxInstances) deps.refuseChild = `${spec.maxInstances} instances run already (servers.${name}.maxInstances)`;
    const u = new Upstream(name, spec, deps, false, ms(spec.idleTimeout));
    this.perServer.set(name, n + 1);
    u.owners.add(owner);
    return u;
  }

  async releaseUpstream(u: UpstreamLink, owner: UpstreamOwner): Promise<void> {
    u.detach(owner);
    if (u instanceof UpstreamPool) return; // the pool outlives its sessions (it shrinks when idle)
    const key = this.perPrincipalKey.get(u);
    if (key !== undefined) {
      // A principal's connection lives while one of its sessions uses it.
      if (u.owners.size > 0) return;
      this.perPrincipal.delete(key);
      this.perPrincipalKey.delete(u);
    }
    this.perServer.set(u.name, Math.max(0, (this.perServer.get(u.name) ?? 1) - 1));
    await u.close();
  }

  // ───────── upstream health (readiness) ─────────

  private setHealth(server: string, up: boolean, reason?: string): void {
    const prev = this.health.get(server);
    const now = Date.now();
    if (up) this.health.set(server, { up: true, since: prev?.up ? prev.since : now, fails: 0, retryAt: 0 });
    else {
      const fails = (prev && !prev.up ? prev.fails : 0) + 1;
      this.health.set(server, { up: false, error: reason, since: prev && !prev.up ? prev.since : now, fails, retryAt: now + Math.min(30_000, 1000 * 2 ** (fails - 1)) });
      if (!prev || prev.up) this.log.warn({ server, reason }, 'upstream server is down');
    }
    this.hooks.onUpstreamHealth?.(server, up, reason);
  }

  /** Start the server once (shared: its connection; otherwise a throw-away child) to learn whether it can. */
  private probe(name: string): Promise<void> {
    let p = this.probes.get(name);
    if (p) return p;
    const spec = this.specs.get(name)!;
    const init = { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'portcullis-readiness', version: this.version } };
    p = (async () => {
      if (this.isolationOf(spec) === 'shared') {
        await this.poolOf(name, spec).ensure(init);
        return;
      }
      const u = new Upstream(name, spec, this.upstreamDeps(), false, 0);
      try {
        await u.ensure(init);
      } finally {
        await u.close();
      }
    })()
      .catch(() => undefined) // recorded by setHealth (or, for a capacity refusal, retried at the next probe)
      .finally(() => this.probes.delete(name));
    this.probes.set(name, p);
    return p;
  }

  /**
   * Whether every upstream server can serve, and what each one's state is. Servers not seen yet,
   * and down servers whose retry time has come, are started once (waiting up to `waitMs`).
   */
  async readiness(waitMs = 5000): Promise<{ ready: boolean; upstreams: Record<string, UpstreamHealth> }> {
    const now = Date.now();
    const pending: Promise<void>[] = [];
    for (const s of this.servers) {
      const h = this.health.get(s.name);
      if (s.spec.credentials) continue;
      if (!h || (!h.up && now >= h.retryAt)) pending.push(this.probe(s.name));
    }
    if (pending.length) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(pending), new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
      clearTimeout(timer);
    }
    const upstreams: Record<string, UpstreamHealth> = {};
    let ready = true;
    for (const s of this.servers) {
      const h = this.health.get(s.name);
      if (!h && s.spec.credentials) upstreams[s.name] = { state: 'per-principal' };
      else if (!h) {
        upstreams[s.name] = { state: 'starting' };
        ready = false;
      } else if (h.up) upstreams[s.name] = { state: 'up', since: new Date(h.since).toISOString() };
      else {
        ready = false;
        upstreams[s.name] = { state: 'down', error: h.error?.slice(0, 300), since: new Date(h.since).toISOString(), retryAfterMs: Math.max(0, h.retryAt - Date.now()) };
      }
    }
    return { ready, upstreams };
  }

  async onUpstreamReady(u: UpstreamLink): Promise<void> {
    await this.hooks.onUpstreamReady?.(u);
  }

  instructionsVisible(server: string): boolean {
    return this.hooks.instructionsVisible?.(server) ?? true;
  }

  /** Tell every client its list of this kind may have changed. */
  notifyListChanged(kind: 'tools' | 'prompts' | 'resources'): void {
    for (const s of this.sessions.values()) if (s.initialized) s.listChanged(kind);
  }

  /** An upstream's full list of one kind (all pages), cached until it says the list changed. */
  listOf(u: UpstreamLink, kind: ListKind): Promise<Json[]> {
    let m = this.lists.get(u);
    if (!m) this.lists.set(u, (m = new Map()));
    const cached = m.get(kind);
    if (cached) return cached;
    const p = this.fetchList(u, kind);
    m.set(kind, p);
    p.catch(() => m.delete(kind));
    return p;
  }

  /** `u` may be a pool member: a pool's lists are cached once for all its members. */
  invalidateLists(u: UpstreamLink, kinds: ListKind[]): void {
    const m = this.lists.get((u instanceof Upstream && u.group) || u);
    if (m) for (const k of kinds) m.delete(k);
  }

  private async fetchList(u: UpstreamLink, kind: ListKind): Promise<Json[]> {
    const { method, key } = LIST_METHOD[kind];
    const out: Json[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const res = await u.request(method, cursor ? { cursor } : {}, { timeoutMs: this.timeoutFor(u.name), owner: NO_OWNER });
      if ('error' in res) throw new Error(`${u.name} ${method}: ${String((res.error as Json).message)}`);
      const result = res.result as Json;
      const items = result[key];
      if (Array.isArray(items)) for (const it of items) if (it && typeof it === 'object') out.push(it as Json);
      cursor = typeof result.nextCursor === 'string' && result.nextCursor ? result.nextCursor : undefined;
      if (!cursor) break;
    }
    return out;
  }

  /** Labels of a tool: server-wide and per-tool labels from config, plus what its MCP annotations imply. */
  labelsFor(server: string, name: string, definition: Json | undefined): string[] {
    return toolLabels(this.specs.get(server), name, definition);
  }

  // ───────── calls in flight per principal ─────────

  private readonly callsInFlight = new Map<string, number>();

  /**
   * Take one of the principal's in-flight call slots (limits.maxCallsInFlightPerPrincipal), or
   * undefined when it has none left. The returned function gives it back (once).
   */
  acquireCallSlot(principal: string): (() => void) | undefined {
    const n = this.callsInFlight.get(principal) ?? 0;
    if (n >= this.config.limits.maxCallsInFlightPerPrincipal) return undefined;
    this.callsInFlight.set(principal, n + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const m = (this.callsInFlight.get(principal) ?? 1) - 1;
      if (m <= 0) this.callsInFlight.delete(principal);
      else this.callsInFlight.set(principal, m);
    };
  }

  // ───────── audit ─────────

  buildEvent(
    s: Session,
    ctx: PipelineContext,
    r: PipelineResult | undefined,
    extra: { outcome: Outcome; latencyMs: number; stages?: Record<string, number>; error?: string; result?: unknown },
  ): AuditEvent {
    const d = r?.decision;
    const params = (ctx.message as { params?: Json }).params;
    const args = params?.arguments;
    const ev: AuditEvent = {
      id: randomUUID(),
      time: new Date().toISOString(),
      instance: this.instance,
      session: s.id,
      principal: auditPrincipal(s.principal),
      transport: s.transport,
      hook: ctx.hook,
      method: ctx.method,
      decision: d ? d.kind : 'allow',
      findings: (r?.findings ?? ctx.findings).map((f) => ({ category: f.category, detector: f.detector, severity: f.severity, ...(f.field ? { where: f.field } : {}) })),
      latencyMs: Math.round(extra.latencyMs * 1000) / 1000,
      outcome: extra.outcome,
    };
    if (s.clientInfo) ev.client = s.clientInfo;
    if (ctx.target.server) ev.server = ctx.target.server;
    if (ctx.target.name) ev.target = ctx.target.name;
    if (d && (d.kind === 'deny' || d.kind === 'approve')) {
      ev.reason = d.reason;
      ev.rule = d.rule;
    } else if (d?.kind === 'modify' && d.rule) ev.rule = d.rule;
    if (ctx.policyIds.length) ev.policyIds = [...ctx.policyIds];
    if (ctx.traceId) ev.traceId = ctx.traceId;
    if (ctx.approver) ev.approver = ctx.approver;
    // A message refused for its nesting is not walked again (hashing it would recurse past the stack).
    const tooDeep = d?.kind === 'deny' && d.rule === DEPTH_RULE;
    if (!tooDeep) {
      const safe = <T>(f: () => T): T | undefined => {
        try {
          return f();
        } catch {
          return undefined; // unhashable (too deep for the stack): recorded without it rather than not at all
        }
      };
      if (args !== undefined) ev.argsDigest = safe(() => digest(args));
      if (extra.result !== undefined) ev.resultDigest = safe(() => digest(extra.result));
      if (this.config.audit.redactedCopies || ctx.obligations.has('audit-copy')) {
        // Copies for investigators, with secrets and personal data replaced (never the raw values).
        if (args !== undefined) ev.argsRedacted = safe(() => redactJson(args, redactForAudit).value);
        if (extra.result !== undefined) ev.resultRedacted = safe(() => redactJson(extra.result, redactForAudit).value);
      }
    }
    if (extra.stages) ev.stages = roundStages(extra.stages);
    if (extra.error) ev.error = extra.error.slice(0, 500);
    return ev;
  }

  /** Resolves when the event is durable. Rejects when the sink fails (the caller fails closed). */
  async audit(ev: AuditEvent): Promise<void> {
    this.hooks.onEvent?.(ev);
    await this.sink.write(ev);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.sweeper);
    await Promise.all([...this.sessions.values()].map((s) => this.closeSession(s)));
    await Promise.all([...this.pools.values()].map((p) => p.close()));
    await this.pipeline.close();
  }
}

// The detectors (libphonenumber…) are loaded by loadAuditRedaction(), which startRuntime awaits before
// any traffic, not statically: a stdio gateway can then spawn its child before they load.
let detectText: typeof DetectText | undefined;
export async function loadAuditRedaction(): Promise<void> {
  detectText ??= (await import('../detect/index.js')).detectText;
}
export const redactForAudit = (s: string) => {
  if (!detectText) throw new Error('audit redaction used before loadAuditRedaction()');
  return detectText(s, ['secrets', 'pii']);
};

function roundStages(s: Record<string, number>): Record<string, number> {
  const o: Record<string, number> = {};
  for (const [k, v] of Object.entries(s)) o[k] = Math.round(v * 1000) / 1000;
  return o;
}
