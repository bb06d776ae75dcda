/**
 * The admin API: one table of routes, each with zod schemas for its path parameters, query, body
 * and answer. The same table drives request validation, dispatch and the OpenAPI document served
 * at `/api/openapi.json` (openapi.ts; `schema/admin-openapi.json` is checked against it in a test).
 * The console (src/ui) uses nothing else.
 *
 * Roles (server.ts authenticates): every GET needs the viewer or the admin token; every POST the
 * admin token and a JSON body. Revocations go to the coordination backend, so with Redis every
 * replica honours them.
 */
import type { ServerResponse } from 'node:http';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { sessionChannel, type SessionChannelMessage } from '../coord/session-channel.js';
import type { Coord } from '../coord/types.js';
import type { ResolvedServer } from '../config/load.js';
import type { Principal } from '../shared/principal.js';
import type { Config } from '../config/schema.js';
import { ms } from '../config/schema.js';
import type { Registry } from '../registry/registry.js';
import { RegistryError } from '../registry/registry.js';
import type { PolicyEngine, LoadOutcome } from '../policy/engine.js';
import type { ApprovalRecord, ChainedEvent, DefinitionKind, GrantRecord, Store } from '../store/types.js';
import type { AuditEvent } from '../audit/event.js';
import { GrantError, grantEvent, grantFromRequest } from '../credentials/grants.js';
import { decideTicket } from '../pipeline/interceptors/approval.js';
import { AdminInputError, sendJson, type AdminContext, type AdminRoute } from './server.js';
import type { Feed, FeedMessage } from './feed.js';

/** The session fields the admin API shows. */
export interface AdminSessionView {
  id: string;
  principal: Principal;
  clientInfo?: { name: string; version: string };
  protocolVersion?: string;
  transport: string;
  taint: Set<string>;
  lastActivity: number;
}

/** End sessions fleet-wide (shared store) and tell the replicas holding them; nothing to do on a single-process store. */
async function endFleetSessions(deps: AdminDeps, ids: string[], endedAlready = false): Promise<void> {
  if (deps.store.kind !== 'postgres') return;
  const at = new Date().toISOString();
  for (const id of ids) {
    if (!endedAlready) await deps.store.endSession(id, 'revoked', at);
    const m: SessionChannelMessage = { from: 'admin', t: 'end', reason: 'revoked' };
    await deps.coord.publish(sessionChannel(id), JSON.stringify(m)).catch(() => 0);
  }
}

/** What the admin API needs of the gateway: structural, so admin/ does not import gateway/ (the gateway's runtime imports admin/). */
export interface AdminGateway {
  readonly servers: readonly ResolvedServer[];
  readonly version: string;
  readonly sessions: ReadonlyMap<string, AdminSessionView>;
  closeSession(s: AdminSessionView): Promise<void>;
}

export interface AdminDeps {
  gw: AdminGateway;
  coord: Coord;
  store: Store;
  registry: Registry;
  config: Config;
  feed: Feed;
  approvalTtlMs: number;
  policy?: PolicyEngine;
  /** The last policy reload's outcome (undefined: none since start). */
  lastReload?: () => (LoadOutcome & { time: string }) | undefined;
  /** Public keys that verify the audit log's checkpoints. */
  auditKeys(): KeyObject[];
  startedAt: number;
  /** The gateway's audit log (grant changes go into the same chain as calls); default: the store's chain. */
  audit?(ev: AuditEvent): Promise<void>;
  /** The instance name recorded in admin events. */
  instance?: string;
  /** Drop every upstream credential held for a principal (OAuth tokens): part of revoking it. */
  dropCredentials?(principal: string): Promise<number>;
  /** A grant was added or revoked here (the expiry recorder looks again). */
  onGrantsChanged?(): void;
}

// ───────── schemas ─────────

const Duration = z.string().regex(/^\d{1,9}(ms|s|m|h|d)$/, 'a duration like 30m, 1h or 7d');
const Actor = z.string().min(1).max(200);
const Reason = z.string().max(2000);

const Principal = z.object({ id: z.string(), kind: z.string(), groups: z.array(z.string()), agent: z.string().optional() });
const AuditEventSchema = z
  .looseObject({
    id: z.string(),
    time: z.string(),
    session: z.string().optional(),
    principal: Principal,
    client: z.object({ name: z.string(), version: z.string() }).optional(),
    server: z.string().optional(),
    method: z.string(),
    target: z.string().optional(),
    decision: z.string(),
    rule: z.string().optional(),
    reason: z.string().optional(),
    findings: z.array(z.looseObject({ detector: z.string(), category: z.string(), severity: z.string() })),
    latencyMs: z.number().optional(),
    approver: z.string().optional(),
  })
  .meta({ id: 'AuditEvent' });
const ChainedEventSchema = z.object({ seq: z.number().int(), hash: z.string(), event: AuditEventSchema }).meta({ id: 'ChainedEvent' });

const Approval = z
  .object({
    ticket: z.string(),
    status: z.enum(['pending', 'approved', 'denied', 'expired']),
    session: z.string().optional(),
    principal: z.string(),
    server: z.string().optional(),
    target: z.string().optional(),
    summary: z.string().describe('What was asked, with secrets and personal data masked'),
    createdAt: z.string(),
    expiresAt: z.string().optional(),
    decidedAt: z.string().optional(),
    decidedBy: z.string().optional(),
    usedAt: z.string().optional(),
    rule: z.string().optional().describe('The policy rule that held the call (from its audit event)'),
    findings: z.array(z.looseObject({ detector: z.string(), category: z.string(), severity: z.string() })).optional(),
  })
  .meta({ id: 'Approval' });

const Session = z
  .object({
    id: z.string(),
    principal: z.string(),
    groups: z.array(z.string()),
    client: z.object({ name: z.string(), version: z.string() }).optional(),
    protocolVersion: z.string().optional(),
    transport: z.string(),
    taint: z.array(z.string()),
    idleSeconds: z.number(),
  })
  .meta({ id: 'Session' });

const RegistryStatus = z.enum(['pending', 'approved', 'quarantined', 'retired']);
const DefinitionKindSchema = z.enum(['tool', 'prompt', 'resource_template', 'instructions']);
const Definition = z
  .object({
    id: z.string().describe('server__name as clients see it'),
    kind: DefinitionKindSchema,
    server: z.string(),
    name: z.string(),
    hash: z.string(),
    status: RegistryStatus,
    reason: z.string().optional(),
    definition: z.unknown(),
    firstSeen: z.string(),
    lastSeen: z.string(),
  })
  .meta({ id: 'Definition' });
const ServerRecordSchema = z
  .object({ name: z.string(), owner: z.string().optional(), transport: z.string(), target: z.string(), status: RegistryStatus, firstSeen: z.string(), lastSeen: z.string() })
  .meta({ id: 'RegistryServer' });

const Upstream = z
  .object({
    name: z.string(),
    transport: z.string(),
    target: z.string(),
    up: z.boolean().nullable().describe('null until the gateway has connected to it'),
    since: z.string().optional(),
    restarts: z.number().int(),
    registryStatus: RegistryStatus.optional(),
  })
  .meta({ id: 'Upstream' });

const Grant = z
  .object({
    id: z.string(),
    principal: z.string(),
    server: z.string(),
    tool: z.string(),
    arguments: z.record(z.string(), z.unknown()).optional().describe('Only calls whose arguments hold these keys with these values'),
    exactArguments: z.boolean().describe('Only the exact arguments of the denied call it was made from'),
    reason: z.string(),
    createdBy: z.string(),
    createdAt: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().optional(),
    revokedBy: z.string().optional(),
    requestEvent: z.string().optional().describe('The denied call (audit event id) it was made from'),
    state: z.enum(['active', 'expired', 'revoked']),
  })
  .meta({ id: 'Grant' });

function grantView(g: GrantRecord, now = new Date().toISOString()): z.infer<typeof Grant> {
  const { argsDigest, ...rest } = g;
  return { ...rest, exactArguments: argsDigest !== undefined, state: g.revokedAt ? 'revoked' : g.expiresAt <= now ? 'expired' : 'active' };
}

async function auditAdmin(deps: AdminDeps, ev: AuditEvent): Promise<void> {
  if (deps.audit) await deps.audit(ev);
  else await deps.store.appendAuditChain([ev]);
}

const Ok = z.object({ ok: z.literal(true) });
const ErrorBody = z.object({ error: z.string(), rule: z.string().optional() }).meta({ id: 'Error' });

const ExplainBody = z.object({
  principal: z.string().min(1).describe('user:NAME, agent:NAME or anonymous'),
  groups: z.array(z.string()).optional(),
  tool: z.string().optional().describe('server__tool'),
  prompt: z.string().optional(),
  resource: z.string().optional(),
  server: z.string().optional(),
  action: z.enum(['sample', 'elicit', 'list']).optional(),
  arguments: z.record(z.string(), z.unknown()).optional(),
  context: z
    .object({
      taint: z.array(z.string()).optional(),
      findings: z.array(z.string()).optional(),
      labels: z.array(z.string()).optional(),
      client: z.string().optional(),
      agent: z.string().optional(),
      scopes: z.array(z.string()).optional(),
    })
    .optional(),
});

const AuditFilters = z.object({
  principal: z.string().optional(),
  tool: z.string().optional(),
  server: z.string().optional(),
  decision: z.string().optional(),
  session: z.string().optional(),
  since: z.string().optional().describe('ISO time or a duration ago (15m, 2h, 7d)'),
  until: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

// ───────── route table ─────────

type Params = Record<string, string>;

export interface RouteSpec<Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST';
  /** `/api/approvals/{ticket}/approve` */
  path: string;
  summary: string;
  tag: string;
  query?: Q;
  body?: B;
  response: z.ZodType;
  /** Answers with `text/event-stream` instead of JSON (handled by `stream`). */
  sse?: boolean;
  handler?(deps: AdminDeps, req: { params: Params; query: z.infer<Q>; body: z.infer<B>; ctx: AdminContext }): Promise<unknown>;
  stream?(deps: AdminDeps, ctx: AdminContext, query: z.infer<Q>): void;
}

function route<Q extends z.ZodType = z.ZodObject, B extends z.ZodType = z.ZodObject>(r: RouteSpec<Q, B>): RouteSpec {
  return r as unknown as RouteSpec;
}

const idOf = (deps: AdminDeps, kind: DefinitionKind, server: string, name: string) => deps.registry.idOf(kind, server, name);

/** The audit event of each ticket's holding decision (rule, findings), from the newest events. */
async function holdingEvents(store: Store, list: ApprovalRecord[]): Promise<Map<string, ChainedEvent['event']>> {
  const out = new Map<string, ChainedEvent['event']>();
  if (list.length === 0) return out;
  const want = new Set(list.map((a) => a.ticket));
  // The decision that made a ticket names it in its reason; the newest events hold the pending ones.
  for (const c of await store.queryAudit({ limit: 5000, order: 'desc' })) {
    if (c.event.rule !== 'approval.required') continue;
    const t = /\b(apr_[0-9a-f]{32})\b/.exec(c.event.reason ?? '')?.[1];
    if (t && want.has(t) && !out.has(t)) out.set(t, c.event);
    if (out.size === want.size) break;
  }
  return out;
}

function minuteBuckets(events: ChainedEvent[], minutes: number, now: number) {
  const start = Math.floor(now / 60_000) * 60_000 - (minutes - 1) * 60_000;
  const buckets = Array.from({ length: minutes }, (_, i) => ({ time: new Date(start + i * 60_000).toISOString(), calls: 0, denials: 0, findings: 0, latencyMs: 0 as number, latencyN: 0 }));
  for (const c of events) {
    const i = Math.floor((Date.parse(c.event.time) - start) / 60_000);
    const b = buckets[i];
    if (!b) continue;
    b.calls++;
    if (c.event.decision === 'deny') b.denials++;
    b.findings += c.event.findings.length;
    if (c.event.latencyMs !== undefined) {
      b.latencyMs += c.event.latencyMs;
      b.latencyN++;
    }
  }
  return buckets.map(({ latencyN, latencyMs, ...b }) => ({ ...b, avgLatencyMs: latencyN ? Math.round((latencyMs / latencyN) * 10) / 10 : null }));
}

function upstreams(deps: AdminDeps) {
  return Promise.all(
    deps.gw.servers.map(async (s) => {
      const h = deps.feed.upstreams.get(s.name);
      const spec = s.spec as { command?: string; args?: string[]; url?: string; type?: string };
      const target = spec.command ? [spec.command.split('/').pop(), ...(spec.args ?? []).map((a) => a.split('/').pop())].join(' ') : redactUrl(spec.url ?? '');
      return {
        name: s.name,
        transport: spec.command ? 'stdio' : spec.type === 'sse' ? 'sse' : 'http',
        target,
        up: h ? h.up : null,
        ...(h ? { since: h.since } : {}),
        restarts: h?.restarts ?? 0,
        ...(deps.registry.serverStatus(s.name) ? { registryStatus: deps.registry.serverStatus(s.name)! } : {}),
      };
    }),
  );
}

function redactUrl(u: string): string {
  try {
    const url = new URL(u);
    if (url.username || url.password) url.username = url.password = '';
    url.search = url.search ? '?…' : '';
    return url.toString();
  } catch {
    return '(invalid url)';
  }
}

export const ROUTES: RouteSpec[] = [
  route({
    method: 'GET',
    path: '/api/overview',
    tag: 'overview',
    summary: 'Calls, denials, findings and latency per minute over the last hour; upstream health; counts',
    query: z.object({ minutes: z.coerce.number().int().min(5).max(1440).optional() }),
    response: z.object({
      version: z.string(),
      uptimeSeconds: z.number(),
      sessions: z.number().int(),
      pendingApprovals: z.number().int(),
      quarantined: z.number().int(),
      upstreams: z.array(Upstream),
      series: z.array(z.object({ time: z.string(), calls: z.number(), denials: z.number(), findings: z.number(), avgLatencyMs: z.number().nullable() })),
      topRules: z.array(z.object({ rule: z.string(), count: z.number() })),
      findingsByCategory: z.array(z.object({ category: z.string(), count: z.number() })),
    }),
    async handler(deps, { query }) {
      const minutes = query.minutes ?? 60;
      const now = Date.now();
      const events = await deps.store.queryAudit({ since: new Date(now - minutes * 60_000).toISOString(), limit: 20_000, order: 'desc' });
      const rules = new Map<string, number>();
      const cats = new Map<string, number>();
      for (const c of events) {
        if (c.event.decision !== 'allow' && c.event.rule) rules.set(c.event.rule, (rules.get(c.event.rule) ?? 0) + 1);
        for (const f of c.event.findings) cats.set(f.category, (cats.get(f.category) ?? 0) + 1);
      }
      const top = (m: Map<string, number>, k: string) => [...m].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([v, count]) => ({ [k]: v, count }));
      const defs = await deps.registry.list({ status: 'quarantined' });
      return {
        version: deps.gw.version,
        uptimeSeconds: Math.round((now - deps.startedAt) / 1000),
        sessions: deps.gw.sessions.size,
        pendingApprovals: (await deps.store.listApprovals('pending')).length,
        quarantined: defs.definitions.length + defs.servers.length,
        upstreams: await upstreams(deps),
        series: minuteBuckets(events, minutes, now),
        topRules: top(rules, 'rule'),
        findingsByCategory: top(cats, 'category'),
      };
    },
  }),
  route({
    method: 'GET',
    path: '/api/upstreams',
    tag: 'upstreams',
    summary: 'Configured upstream servers, their health and registry status',
    response: z.object({ upstreams: z.array(Upstream) }),
    async handler(deps) {
      return { upstreams: await upstreams(deps) };
    },
  }),
  route({
    method: 'GET',
    path: '/api/sessions',
    tag: 'sessions',
    summary: 'Open sessions: principal, client, protocol version, transport, taint',
    response: z.object({ sessions: z.array(Session) }),
    async handler(deps) {
      return {
        sessions: [...deps.gw.sessions.values()].map((s) => ({
          id: s.id,
          principal: s.principal.id,
          groups: s.principal.groups,
          ...(s.clientInfo ? { client: s.clientInfo } : {}),
          ...(s.protocolVersion ? { protocolVersion: s.protocolVersion } : {}),
          transport: s.transport,
          taint: [...s.taint],
          idleSeconds: Math.round((Date.now() - s.lastActivity) / 1000),
        })),
      };
    },
  }),
  route({
    method: 'POST',
    path: '/api/sessions/{id}/revoke',
    tag: 'sessions',
    summary: 'End a session now and refuse its id for `for` (default 1h); its client gets PCX_SESSION_REVOKED',
    body: z.object({ for: Duration.optional(), by: Actor.optional(), reason: Reason.optional() }),
    response: z.object({ revoked: z.string(), closed: z.boolean(), forSeconds: z.number() }),
    async handler(deps, { params, body }) {
      const ttl = ms(body.for ?? '1h', 3_600_000);
      const id = params.id!;
      await deps.coord.revoke(`session:${id}`, ttl);
      const s = deps.gw.sessions.get(id);
      if (s) await deps.gw.closeSession(s);
      // A fleet: ended in the shared store for good (not only while the coord revocation lasts), and every replica holding it drops it.
      await endFleetSessions(deps, [id]);
      return { revoked: `session:${id}`, closed: Boolean(s), forSeconds: ttl / 1000 };
    },
  }),
  route({
    method: 'POST',
    path: '/api/principals/{id}/revoke',
    tag: 'sessions',
    summary: 'Refuse every call of a principal for `for` (default 1h), close its sessions, and drop the upstream tokens the gateway holds for it',
    body: z.object({ for: Duration.optional(), by: Actor.optional(), reason: Reason.optional() }),
    response: z.object({ revoked: z.string(), closedSessions: z.number().int(), forSeconds: z.number(), droppedCredentials: z.number().int().describe('Upstream OAuth tokens (and other per-principal credentials) deleted from the vault') }),
    async handler(deps, { params, body }) {
      const ttl = ms(body.for ?? '1h', 3_600_000);
      const id = params.id!;
      await deps.coord.revoke(`principal:${id}`, ttl);
      await endFleetSessions(deps, await deps.store.endSessionsOf(id, 'revoked', new Date().toISOString()), true);
      let closed = 0;
      for (const s of [...deps.gw.sessions.values()]) {
        if (s.principal.id === id) {
          await deps.gw.closeSession(s);
          closed++;
        }
      }
      const droppedCredentials = deps.dropCredentials ? await deps.dropCredentials(id) : await deps.store.deleteUpstreamCredentials(id);
      return { revoked: `principal:${id}`, closedSessions: closed, forSeconds: ttl / 1000, droppedCredentials };
    },
  }),
  route({
    method: 'GET',
    path: '/api/approvals',
    tag: 'approvals',
    summary: 'Approval tickets (all, or one status), newest first, with the rule and findings of the decision that held each',
    query: z.object({ status: z.enum(['pending', 'approved', 'denied', 'expired']).optional() }),
    response: z.object({ approvals: z.array(Approval) }),
    async handler(deps, { query }) {
      const list = await deps.store.listApprovals(query.status);
      const evs = await holdingEvents(deps.store, list.filter((a) => a.status === 'pending'));
      return {
        approvals: list.map((a) => {
          const { requestDigest: _d, ...rest } = a;
          const ev = evs.get(a.ticket);
          return { ...rest, ...(ev ? { rule: ev.policyIds?.[0] ?? ev.rule, findings: ev.findings } : {}) };
        }),
      };
    },
  }),
  ...(['approve', 'deny'] as const).map((verdict) =>
    route({
      method: 'POST',
      path: `/api/approvals/{ticket}/${verdict}`,
      tag: 'approvals',
      summary: verdict === 'approve' ? 'Let the ticket’s call through once, when the client sends it again' : 'Refuse the ticket’s call',
      body: z.object({ by: Actor.optional().describe('who decides, recorded in the audit event'), reason: Reason.optional() }),
      response: z.object({ ticket: z.string(), status: z.enum(['approved', 'denied']), by: z.string() }),
      async handler(deps, { params, body }) {
        const ticket = params.ticket!;
        // The reason travels with the approver's name: it is what the audit event records.
        const by = (body.by || 'admin-api') + (body.reason ? ` (${body.reason.replace(/[\u0000-\u001f\u007f]/g, ' ')})` : '');
        const ok = await decideTicket(deps.store, ticket, verdict, by, deps.approvalTtlMs);
        if (!ok) throw new AdminInputError(409, `no pending ticket ${ticket}: unknown, decided already, or expired`);
        const status = verdict === 'approve' ? 'approved' : 'denied';
        deps.feed.publish({ type: 'approval', ticket, status, by });
        return { ticket, status, by };
      },
    }),
  ),
  route({
    method: 'GET',
    path: '/api/grants',
    tag: 'grants',
    summary: 'Just-in-time grants: the active ones, or with `all=true` expired and revoked ones too',
    query: z.object({ all: z.enum(['true', 'false']).optional() }),
    response: z.object({ grants: z.array(Grant) }),
    async handler(deps, { query }) {
      return { grants: (await deps.store.listGrants({ all: query.all === 'true' })).map((g) => grantView(g)) };
    },
  }),
  route({
    method: 'POST',
    path: '/api/grants',
    tag: 'grants',
    summary: 'Grant a principal one tool (optionally only with given arguments) for a limited time; or, with `fromEvent`, exactly the denied call that audit event records (a Cedar forbid still wins)',
    body: z.object({
      principal: z.string().min(1).max(200).optional().describe('alice, user:alice, agent:ci-bot (with fromEvent: taken from the event)'),
      tool: z.string().min(1).max(400).optional().describe('The namespaced tool, e.g. github__merge_pull_request (with fromEvent: taken from the event)'),
      arguments: z.record(z.string(), z.unknown()).optional().describe('Only calls whose arguments hold these keys with these values'),
      fromEvent: z.string().min(1).max(200).optional().describe('A denied call’s error.data.eventId: its principal, tool and exact arguments'),
      for: Duration.describe('How long (at most 24h)'),
      reason: z.string().trim().min(1).max(2000).describe('Why (recorded in the audit log)'),
      by: Actor.optional().describe('Who grants, recorded in the audit event'),
    }),
    response: Grant,
    async handler(deps, { body }) {
      const by = body.by || 'admin-api';
      let g: GrantRecord;
      try {
        g = await grantFromRequest(deps.store, deps.config, {
          ...(body.principal ? { principal: body.principal } : {}),
          ...(body.tool ? { tool: body.tool } : {}),
          ...(body.arguments ? { arguments: body.arguments } : {}),
          ...(body.fromEvent ? { fromEvent: body.fromEvent } : {}),
          forMs: ms(body.for, 0),
          reason: body.reason,
          createdBy: by,
        });
      } catch (e) {
        if (e instanceof GrantError) throw new AdminInputError(400, e.message);
        throw e;
      }
      await deps.store.createGrant(g);
      await auditAdmin(deps, grantEvent('add', g, by, deps.instance ?? 'admin'));
      deps.onGrantsChanged?.();
      return grantView(g);
    },
  }),
  route({
    method: 'POST',
    path: '/api/grants/{id}/revoke',
    tag: 'grants',
    summary: 'End a grant now',
    body: z.object({ by: Actor.optional().describe('Who revokes, recorded in the audit event') }),
    response: Grant,
    async handler(deps, { params, body }) {
      const by = body.by || 'admin-api';
      if (!(await deps.store.revokeGrant(params.id!, by))) throw new AdminInputError(409, `no active grant ${params.id}: unknown, expired or revoked already`);
      const g = (await deps.store.getGrant(params.id!))!;
      await auditAdmin(deps, grantEvent('revoke', g, by, deps.instance ?? 'admin'));
      deps.onGrantsChanged?.();
      return grantView(g);
    },
  }),
  route({
    method: 'GET',
    path: '/api/credentials',
    tag: 'credentials',
    summary: 'Who the gateway holds upstream OAuth tokens for, per server (names and dates: never a token); revoking a principal drops its tokens',
    response: z.object({ credentials: z.array(z.object({ server: z.string(), principal: z.string(), updatedAt: z.string() }).meta({ id: 'UpstreamCredential' })) }),
    async handler(deps) {
      const rows = await deps.store.listUpstreamCredentials();
      return { credentials: rows.filter((r) => r.kind === 'oauth-tokens').map((r) => ({ server: r.server, principal: r.principal, updatedAt: r.updatedAt })) };
    },
  }),
  route({
    method: 'GET',
    path: '/api/registry',
    tag: 'registry',
    summary: 'Servers and their tools, prompts and resource templates, with registry status',
    query: z.object({ status: RegistryStatus.optional(), server: z.string().optional(), kind: DefinitionKindSchema.optional() }),
    response: z.object({ servers: z.array(ServerRecordSchema), definitions: z.array(Definition) }),
    async handler(deps, { query }) {
      const { servers, definitions } = await deps.registry.list(query);
      return { servers, definitions: definitions.map((d) => ({ id: idOf(deps, d.kind, d.server, d.name), ...d })) };
    },
  }),
  route({
    method: 'GET',
    path: '/api/registry/diff',
    tag: 'registry',
    summary: 'A definition against the version before it (or, renamed, the tool it was renamed from): both sides and a text diff',
    query: z.object({ id: z.string().min(1).describe('server__name'), kind: DefinitionKindSchema.optional() }),
    response: z.object({
      id: z.string(),
      status: RegistryStatus,
      reason: z.string().optional(),
      previous: z.object({ label: z.string(), definition: z.unknown() }).nullable(),
      current: z.object({ label: z.string(), definition: z.unknown() }),
      text: z.string(),
    }),
    async handler(deps, { query }) {
      const { defs } = await resolveDefs(deps, query.id, query.kind);
      const d = defs[0];
      if (!d) throw new AdminInputError(404, `${query.id} is a server; the diff takes server__name`);
      const id = idOf(deps, d.kind, d.server, d.name);
      const text = await deps.registry.diff(query.id, query.kind ? { kind: query.kind } : {});
      let previous: { label: string; definition: unknown } | null = null;
      const renamed = /^renamed from (\S+)/.exec(d.reason ?? '');
      if (renamed) {
        const src = (await resolveDefs(deps, renamed[1]!, d.kind).catch(() => ({ defs: [] }))).defs[0];
        if (src) previous = { label: `${renamed[1]} (${src.status})`, definition: src.definition };
      }
      if (!previous) {
        const versions = await deps.store.listDefinitionVersions(d.kind, d.server, d.name);
        const cur = versions.map((v) => v.hash).lastIndexOf(d.hash);
        const prev = cur > 0 ? versions[cur - 1] : versions.filter((v) => v.hash !== d.hash).at(-1);
        if (prev) previous = { label: `${id} ${prev.hash.slice(0, 12)} (first seen ${prev.firstSeen})`, definition: prev.definition };
      }
      return { id, status: d.status, ...(d.reason ? { reason: d.reason } : {}), previous, current: { label: `${id} ${d.hash.slice(0, 12)} (current)`, definition: d.definition }, text };
    },
  }),
  ...(['approve', 'quarantine', 'retire'] as const).map((verb) =>
    route({
      method: 'POST',
      path: `/api/registry/{id}/${verb}`,
      tag: 'registry',
      summary: `${verb[0]!.toUpperCase()}${verb.slice(1)} a server or a definition (server__name)`,
      body: z.object({ kind: z.enum(['tool', 'prompt', 'resource_template', 'instructions', 'server']).optional(), by: Actor.optional(), reason: Reason.optional() }),
      response: z.object({ changed: z.array(z.object({ kind: z.string(), server: z.string(), name: z.string(), status: z.string() })) }),
      async handler(deps, { params, body }) {
        const by = body.by || 'admin-api';
        const opts = { ...(body.kind ? { kind: body.kind } : {}), by, ...(body.reason ? { reason: `${verb === 'quarantine' ? 'quarantined' : 'retired'} by ${by}: ${body.reason}` } : {}) };
        try {
          const changed = verb === 'approve' ? await deps.registry.approve(params.id!, opts) : verb === 'quarantine' ? await deps.registry.quarantine(params.id!, opts) : await deps.registry.retire(params.id!, opts);
          return { changed: changed.map((c) => ({ kind: c.kind, server: c.server, name: c.name, status: c.status })) };
        } catch (e) {
          if (e instanceof RegistryError) throw new AdminInputError(404, e.message);
          throw e;
        }
      },
    }),
  ),
  route({
    method: 'GET',
    path: '/api/audit',
    tag: 'audit',
    summary: 'Audit events matching the filters, newest first (default 100, at most 1000)',
    query: AuditFilters,
    response: z.object({ events: z.array(ChainedEventSchema) }),
    async handler(deps, { query }) {
      const { toAuditQuery } = await import('../audit/ops.js');
      let q;
      try {
        q = toAuditQuery({ ...query, limit: query.limit ?? 100 });
      } catch (e) {
        throw new AdminInputError(400, e instanceof Error ? e.message : String(e));
      }
      const events = await deps.store.queryAudit({ ...q, order: 'desc' });
      return { events: events.map((c) => ({ seq: c.seq, hash: c.hash, event: c.event })) };
    },
  }),
  route({
    method: 'POST',
    path: '/api/audit/verify',
    tag: 'audit',
    summary: 'Verify the hash chain and signed checkpoints of the whole audit log',
    body: z.object({}),
    response: z.object({ ok: z.boolean(), text: z.string(), result: z.looseObject({ ok: z.boolean(), checked: z.number() }) }),
    async handler(deps) {
      const { runVerify } = await import('../audit/ops.js');
      const r = await runVerify(deps.store, deps.auditKeys());
      return { ok: r.result.ok, text: r.text, result: r.result };
    },
  }),
  route({
    method: 'GET',
    path: '/api/policy',
    tag: 'policy',
    summary: 'The policy set in force (each policy’s id, effect, source and Cedar text) and the last reload’s result',
    response: z.object({
      configured: z.boolean(),
      generation: z.number().int().optional(),
      policies: z.array(z.object({ id: z.string(), effect: z.string(), source: z.string(), text: z.string(), obligations: z.array(z.string()) })),
      lastReload: z.object({ ok: z.boolean(), policies: z.number(), problems: z.array(z.string()).optional(), time: z.string() }).nullable(),
    }),
    async handler(deps) {
      const p = deps.policy;
      if (!p) return { configured: false, policies: [], lastReload: null };
      return {
        configured: true,
        generation: p.generation,
        policies: [...p.policies.values()].map((x) => ({ id: x.id, effect: x.effect, source: x.source, text: x.text, obligations: x.obligations })),
        lastReload: deps.lastReload?.() ?? null,
      };
    },
  }),
  route({
    method: 'POST',
    path: '/api/policy/explain',
    tag: 'policy',
    summary: 'What if: decide a proposed call with the policy set in force (as `portcullis policy explain`) without running it',
    body: ExplainBody,
    response: z.looseObject({ result: z.looseObject({ decision: z.string() }), determining: z.array(z.unknown()), errored: z.array(z.unknown()) }),
    async handler(deps, { body }) {
      if (!deps.policy) throw new AdminInputError(409, 'no policy is configured: every call not refused by another stage is allowed');
      const { caseToRequest } = await import('../policy/cases.js');
      let req;
      try {
        req = caseToRequest(body, deps.config.namespace.separator);
      } catch (e) {
        throw new AdminInputError(400, e instanceof Error ? e.message : String(e));
      }
      const ex = deps.policy.explain(req);
      return { ...ex, determining: ex.determining.map((d) => ({ id: d.id, effect: d.effect, source: d.source, text: d.text, obligations: d.obligations })) };
    },
  }),
  route({
    method: 'GET',
    path: '/api/events',
    tag: 'feed',
    summary: 'Live feed (Server-Sent Events): `decision` (audit events), `approval`, `registry`, `upstream`',
    response: z.string().describe('text/event-stream'),
    sse: true,
    stream(deps, ctx) {
      const { req, res } = ctx;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'x-accel-buffering': 'no' });
      res.write(': portcullis live feed\n\n');
      let queued = 0;
      const send = (m: FeedMessage) => {
        // A reader that does not keep up is cut off, not buffered without bound.
        if (res.writableLength > 1 << 20) {
          res.destroy();
          return;
        }
        queued++;
        res.write(`event: ${m.type}\ndata: ${JSON.stringify(m)}\n\n`);
      };
      const off = deps.feed.subscribe(send);
      const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
      ping.unref();
      const end = () => {
        off();
        clearInterval(ping);
      };
      req.on('close', end);
      res.on('close', end);
      void queued;
    },
  }),
  route({
    method: 'GET',
    path: '/api/openapi.json',
    tag: 'meta',
    summary: 'This document',
    response: z.looseObject({ openapi: z.string() }),
    async handler() {
      const { openApiDocument } = await import('./openapi.js');
      return openApiDocument();
    },
  }),
];

async function resolveDefs(deps: AdminDeps, id: string, kind?: DefinitionKind) {
  try {
    return await deps.registry.resolve(id, kind);
  } catch (e) {
    if (e instanceof RegistryError) throw new AdminInputError(404, e.message);
    throw e;
  }
}

export { ErrorBody, Ok };

// ───────── dispatch ─────────

interface Compiled {
  spec: RouteSpec;
  parts: string[];
}
const COMPILED: Compiled[] = ROUTES.map((spec) => ({ spec, parts: spec.path.split('/').filter(Boolean) }));

function match(parts: string[], pattern: string[]): Params | undefined {
  if (parts.length !== pattern.length) return undefined;
  const params: Params = {};
  for (let i = 0; i < parts.length; i++) {
    const p = pattern[i]!;
    if (p.startsWith('{')) params[p.slice(1, -1)] = parts[i]!;
    else if (p !== parts[i]) return undefined;
  }
  return params;
}

function problems(e: z.ZodError, where: string): string {
  return e.issues.map((i) => `${where}${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`).join('; ');
}

export function adminApi(deps: AdminDeps): AdminRoute {
  return async (ctx: AdminContext) => {
    const { req, res, url } = ctx;
    if (!url.pathname.startsWith('/api/')) return false;
    let parts: string[];
    try {
      parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw new AdminInputError(400, 'bad percent-encoding in the path');
    }
    let pathMatched = false;
    for (const { spec, parts: pattern } of COMPILED) {
      const params = match(parts, pattern);
      if (!params) continue;
      pathMatched = true;
      if (spec.method !== (req.method === 'HEAD' ? 'GET' : req.method)) continue;
      const q = (spec.query ?? z.object({})).safeParse(Object.fromEntries(url.searchParams));
      if (!q.success) throw new AdminInputError(400, problems(q.error, 'query'));
      if (spec.sse) {
        spec.stream!(deps, ctx, q.data);
        return true;
      }
      const b = (spec.body ?? z.object({})).safeParse(ctx.body);
      if (!b.success) throw new AdminInputError(400, problems(b.error, 'body'));
      const out = await spec.handler!(deps, { params, query: q.data, body: b.data, ctx });
      return sendJson(res as ServerResponse, 200, out);
    }
    if (pathMatched) throw new AdminInputError(405, `${req.method} is not allowed on ${url.pathname}`);
    return sendJson(res, 404, { error: `no admin route ${req.method} ${url.pathname}` });
  };
}
