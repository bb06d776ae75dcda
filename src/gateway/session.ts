/**
 * A downstream session and its router: the whole request path of one client.
 *
 *   client message ─▶ handle() ─▶ route by method ─▶ pipeline `request` ─▶ upstream
 *                                                      (authn · validate · registry · inspect · authz · flow …)
 *   client ◀─ audit event written ◀─ pipeline `response` ◀─ upstream answer
 *
 * Lists (tools, prompts, resources, templates) are fetched per upstream, run through the
 * pipeline's `list` hook per server (registry pinning, policy filtering), namespaced and merged.
 * Server→client requests (sampling, elicitation, roots) go through the `serverRequest` hook and
 * are relayed to this session with remapped ids, on the stream of the call in progress.
 */
import { randomUUID } from 'node:crypto';
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '../shared/protocol.js';
import type { AuditEvent, Outcome } from '../audit/event.js';
import { ErrorCodes, JSONRPC, rpcError, jsonRpcError, type ErrorCodeName } from '../errors.js';
import type { PipelineResult } from '../pipeline/chain.js';
import type { Finding } from '../detect/types.js';
import type { Hook, JsonRpcObject, ListKind, PipelineContext, Principal, SessionView, Target, Transport, UserAnswer } from '../pipeline/types.js';
import { NOT_FOUND_RULE, UNKNOWN_METHOD_RULE, ruleCode, ruleInfo } from '../pipeline/rules.js';
import type { Gateway, UpstreamLink } from './gateway.js';
import { LIST_METHOD, namespaced } from './names.js';
import { recordStageSpans, SpanKind, startSpan, traceIdOf, traceparentOf, tracingEnabled, type Span } from '../observability/tracing.js';
import { INPUT_ID_PREFIX, NO_OWNER, Upstream, UpstreamError, type Json, type PendingCall, type RpcId, type UpstreamOwner } from './upstream.js';
import { asUrlElicitation } from '../credentials/upstream.js';
import { buildParamHeaders, paramScanOf, type ParamDeclaration } from './era/param-headers.js';
import { Router, type ListedByServer } from './router.js';
import { ListPager } from './pages.js';
import { ClientRequests } from './client-requests.js';
import { LOG_LEVELS, logLevelReaches } from './era/envelope.js';
import { createdTaskId, TASKS_EXTENSION } from './era/tasks.js';

// Upstream → client messages that are not results (notifications, error responses) get the
// inspect stage's secrets / escape checks too (`inspectOutbound`). The module is the one the
// runtime loads for the pipeline; loaded here on first use so startup stays lazy.
let inspectMod: typeof import('../pipeline/interceptors/inspect.js') | undefined;
const loadInspect = async () => (inspectMod ??= await import('../pipeline/interceptors/inspect.js'));

/** How the session talks back to its client (an HTTP stream, SSE, or stdio). */
export interface Downstream {
  send(msg: Json, relatedRequestId?: RpcId): Promise<void>;
  /** Drop the client's connection (the gateway ended the session: revoked, idle). */
  close?(): Promise<void>;
  /** `initialize` succeeded; awaited before its answer leaves (a fleet records the session here). */
  opened?(): Promise<void>;
}

/** What a fleet replica needs to serve a session another replica opened (src/gateway/fleet.ts). */
export interface RestoredSession {
  protocolVersion?: string;
  clientInfo?: { name: string; version: string };
  capabilities: Json;
  taint: string[];
}

/** A server left out of a list, as the client sees it in `_meta["portcullis/unavailable"]` and in errors. */
interface UnavailableServer {
  server: string;
  code: ErrorCodeName;
  message: string;
  retryAfterMs?: number;
  [k: string]: unknown;
}

const LIST_KIND_BY_METHOD: Record<string, ListKind> = Object.fromEntries(Object.entries(LIST_METHOD).map(([kind, { method }]) => [method, kind as ListKind]));
const CAPABILITY_OF: Record<ListKind, string> = { tools: 'tools', prompts: 'prompts', resources: 'resources', resourceTemplates: 'resources' };
const LIST_CHANGED: Record<string, ListKind[]> = {
  'notifications/tools/list_changed': ['tools'],
  'notifications/prompts/list_changed': ['prompts'],
  'notifications/resources/list_changed': ['resources', 'resourceTemplates'],
};
/** How long a server→client request (elicitation waits for a person) may take. */
const SERVER_REQUEST_TIMEOUT_MS = 10 * 60_000;
const MAX_LIST_PAGES = 100;

export class Session implements UpstreamOwner, SessionView {
  readonly id: string;
  clientInfo?: { name: string; version: string };
  protocolVersion?: string;
  readonly taint = new Set<string>();
  readonly state = new Map<string, unknown>();
  initialized = false;
  lastActivity = Date.now();
  closed = false;
  /** Upstream connections by server name (pools of shared servers are owned by the gateway). */
  private readonly upstreams = new Map<string, UpstreamLink>();
  private clientCapabilities: Json = {};
  /** What each name / URI the client uses refers to (fed by this session's lists; never replies). */
  private readonly router: Router;
  /** Task id → the server that created it (tools/call with `task`). */
  private readonly taskServer = new Map<string, string>();
  /** The lists a client is paging through (pages.ts). */
  private readonly pages = new ListPager();
  /** Client request id → the upstream call serving it (for cancellation). */
  private readonly inflight = new Map<RpcId, { upstream: UpstreamLink; upstreamId?: number; cancelled?: boolean }>();
  /** The requests this session sent its client, under ids of its own (client-requests.ts). */
  private readonly serverRequests = new ClientRequests((m, related) => this.send(m, related));
  /** Servers the last list could not reach, so "not found" is not claimed for what they may hold. */
  private readonly unavailable = new Map<string, UnavailableServer>();

  constructor(
    private readonly gw: Gateway,
    readonly principal: Principal,
    readonly transport: Transport,
    private readonly downstream: Downstream,
    id?: string,
  ) {
    this.id = id ?? randomUUID();
    this.router = new Router({
      relist: async (kind) => void (await this.collect(kind)),
      exposed: (server, name) => this.exposed(server, name),
      labelsFor: (server, name, definition) => this.gw.labelsFor(server, name, definition),
      resourceServers: () => [...this.upstreams.values()].filter((u) => u.init?.capabilities?.resources !== undefined).map((u) => u.name),
      log: this.gw.log,
    });
  }

  // ───────────────────────── client → gateway ─────────────────────────

  /** Handle one parsed message from the client. Never throws; every failure becomes a JSON-RPC error. */
  handle(msg: Json): void {
    this.lastActivity = Date.now();
    const method = msg.method;
    const id = msg.id as RpcId | undefined;
    if (typeof method !== 'string') {
      if (id !== undefined && ('result' in msg || 'error' in msg)) return this.onClientResponse(msg);
      if (id !== undefined) void this.reply(jsonRpcError(id, JSONRPC.INVALID_REQUEST, 'invalid JSON-RPC message: no method'));
      return;
    }
    if (id === undefined || id === null) return this.onClientNotification(method, msg);
    this.onClientRequest(method, id, msg).catch((err: unknown) => {
      this.gw.log.error({ err, method, session: this.id }, 'unexpected error handling a request');
      void this.reply(jsonRpcError(id, JSONRPC.INTERNAL_ERROR, `internal error: ${err instanceof Error ? err.message : String(err)}`));
    });
  }

  private async onClientRequest(method: string, id: RpcId, msg: Json): Promise<void> {
    if (method === 'initialize') return this.initialize(id, msg);
    if (method === 'ping') return this.reply({ jsonrpc: '2.0', id, result: {} });
    if (!this.initialized) return this.reply(jsonRpcError(id, JSONRPC.INVALID_REQUEST, `${method} before initialize: send initialize first`));
    const kind = LIST_KIND_BY_METHOD[method];
    if (kind) return this.list(kind, id, msg);
    switch (method) {
      case 'tools/call':
        return this.call(id, msg, await this.router.resolveNamed('tools', (msg.params as Json | undefined)?.name));
      case 'prompts/get':
        return this.call(id, msg, await this.router.resolveNamed('prompts', (msg.params as Json | undefined)?.name));
      case 'resources/read':
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        return this.call(id, msg, await this.router.resolveResource((msg.params as Json | undefined)?.uri));
      case 'completion/complete':
        return this.call(id, msg, await this.router.resolveCompletion((msg.params as Json | undefined)?.ref as Json | undefined));
      case 'logging/setLevel':
        return this.setLogLevel(id, msg);
      case 'tasks/get':
      case 'tasks/result':
      case 'tasks/update':
      case 'tasks/cancel': {
        // Tasks (2025-11-25, and the 2026-07-28 extension) live on the upstream whose tools/call created them,
        // and are reachable from the session that created them only (era/tasks.ts).
        const taskId = (msg.params as Json | undefined)?.taskId;
        const server = typeof taskId === 'string' ? this.taskServer.get(taskId) : undefined;
        if (!server) return this.reply(jsonRpcError(id, JSONRPC.INVALID_PARAMS, `Unknown task: ${String(taskId)}`));
        const target = { kind: 'other' as const, server, name: `task:${String(taskId)}` };
        if (method === 'tasks/update') {
          // The answers to a task's questions go to the server as a relayed request's answers do: inspected first.
          const checked = await this.taskAnswers(id, msg, target);
          if (!checked) return;
          msg = checked;
        }
        return this.call(id, msg, target);
      }
      case 'tasks/list':
        return this.listTasks(id, msg);
      default:
        return this.unknownMethod(id, method, msg);
    }
  }

  /**
   * A method the gateway does not route by name (newer, experimental, vendor `x/…`). Default deny:
   * it goes to the only upstream, if there is one, and only when a policy rule allows it by name
   * (authz `call_method`); with no policy stage nothing can allow it, so it is refused here.
   */
  private async unknownMethod(id: RpcId, method: string, msg: Json): Promise<void> {
    const only = this.upstreams.size === 1 ? [...this.upstreams.values()][0] : undefined;
    const target: Target = { kind: 'method', name: method, ...(only ? { server: only.name } : {}) };
    if (!this.gw.pipeline.hasStage('authz')) {
      const ctx = this.context('request', method, msg as JsonRpcObject, target);
      const r: PipelineResult = {
        decision: { kind: 'deny', rule: UNKNOWN_METHOD_RULE, reason: `method ${method} is not one the gateway knows, and no policy allows it by name (policy.allow[].methods)` },
        message: ctx.message,
        findings: [],
        stages: {},
        modified: false,
      };
      const ev = this.event(ctx, r, { outcome: 'denied', latencyMs: 0 });
      if (await this.auditOrFail(ev, id)) await this.reply(this.denial(id, r, ev.id));
      return;
    }
    if (!only) return this.reply(rpcError(id, 'PCX_NO_ROUTE', `method ${method} is not supported through the gateway with several upstream servers`));
    return this.call(id, msg, target);
  }

  private onClientNotification(method: string, msg: Json): void {
    switch (method) {
      case 'notifications/initialized':
        return;
      case 'notifications/cancelled': {
        const reqId = (msg.params as Json | undefined)?.requestId as RpcId | undefined;
        const f = reqId === undefined ? undefined : this.inflight.get(reqId);
        if (f) this.cancelInflight(f, String((msg.params as Json).reason ?? 'cancelled by the client'));
        return;
      }
      case 'notifications/roots/list_changed':
        for (const u of this.upstreams.values()) u.notify(method, msg.params);
        return;
      default:
        this.gw.log.debug({ method }, 'client notification not relayed');
    }
  }

  private cancelInflight(f: { upstream: UpstreamLink; upstreamId?: number; cancelled?: boolean }, reason: string): void {
    f.cancelled = true;
    if (f.upstreamId !== undefined) f.upstream.cancel(f.upstreamId, reason);
  }

  /** The client went away in the middle of these requests (HTTP stream closed): cancel their upstream calls. */
  abandon(ids: RpcId[]): void {
    for (const id of ids) {
      const f = this.inflight.get(id);
      if (f) this.cancelInflight(f, 'client disconnected');
    }
  }

  /** The id the upstream gave a server→client request this session relays under `ourId` (a 2026-07-28 inputRequests key rides in it). */
  relayedRequestId(ourId: number): RpcId | undefined {
    return this.serverRequests.relayedId(ourId);
  }

  private onClientResponse(msg: Json): void {
    this.serverRequests.answer(msg);
  }

  // ───────────────────────── initialize ─────────────────────────

  private async initialize(id: RpcId, msg: Json): Promise<void> {
    const params = (msg.params ?? {}) as Json;
    const requested = typeof params.protocolVersion === 'string' ? params.protocolVersion : LATEST_PROTOCOL_VERSION;
    this.protocolVersion = SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION;
    const ci = params.clientInfo as { name?: unknown; version?: unknown } | undefined;
    if (ci && typeof ci.name === 'string') this.clientInfo = { name: ci.name, version: String(ci.version ?? '') };
    this.clientCapabilities = (params.capabilities as Json | undefined) ?? {};

    const t0 = performance.now();
    const ctx = this.context('connect', 'initialize', msg as JsonRpcObject, { kind: 'other' });
    const verdict = await this.gw.pipeline.run(ctx);
    if (verdict.decision.kind === 'deny' || verdict.decision.kind === 'approve') {
      const ev = this.event(ctx, verdict, { outcome: 'denied', latencyMs: performance.now() - t0 });
      await this.gw.audit(ev).catch(() => undefined);
      await this.reply(this.denial(id, verdict, ev.id));
      // A caller refused by authn (revoked, expired) keeps no session: it cannot pile them up.
      if (verdict.decision.kind === 'deny' && ruleInfo(verdict.decision.rule)?.stage === 'authn') void this.gw.closeSession(this);
      return;
    }

    // Forward the client's own capabilities: servers hide features (sampling, elicitation) from clients that lack them.
    const initParams = this.initParams();
    const servers = this.gw.servers;
    await Promise.all(
      servers.map(async (s) => {
        let u = this.upstreams.get(s.name);
        if (!u) this.upstreams.set(s.name, (u = this.gw.upstreamFor(s.name, this)));
        try {
          await u.ensure(initParams);
          await this.gw.onUpstreamReady(u);
        } catch (e) {
          this.gw.log.warn({ server: s.name, err: (e as Error).message }, 'upstream not available for this session');
        }
      }),
    );
    this.initialized = true;
    await this.downstream.opened?.().catch((e: unknown) => this.gw.log.warn({ session: this.id, err: String(e) }, 'session not shared with the fleet; it is served by this replica only'));
    const ev = this.event(ctx, verdict, { outcome: 'ok', latencyMs: performance.now() - t0 });
    await this.gw.audit(ev).catch(() => undefined);
    return this.reply({
      jsonrpc: '2.0',
      id,
      result: {
        protocolVersion: this.protocolVersion,
        capabilities: this.mergedCapabilities(),
        serverInfo: { name: 'portcullis', title: 'Portcullis MCP gateway', version: this.gw.version },
        ...this.mergedInstructions(),
      },
    });
  }

  private mergedCapabilities(): Json {
    const caps: Json = {};
    const has = (k: string) => [...this.upstreams.values()].filter((u) => u.init?.capabilities?.[k] !== undefined);
    if (has('tools').length) caps.tools = { listChanged: true };
    if (has('prompts').length) caps.prompts = { listChanged: true };
    const res = has('resources');
    if (res.length) caps.resources = { listChanged: true, subscribe: res.some((u) => (u.init!.capabilities.resources as Json).subscribe === true) };
    if (has('logging').length) caps.logging = {};
    if (has('completions').length) caps.completions = {};
    const tasks = has('tasks')[0];
    if (tasks) caps.tasks = tasks.init!.capabilities.tasks;
    // The 2026-07-28 tasks extension, relayed (a 2026-07-28 client sees it in server/discover).
    if ([...this.upstreams.values()].some((u) => (u.init?.capabilities?.extensions as Json | undefined)?.[TASKS_EXTENSION] !== undefined)) caps.extensions = { [TASKS_EXTENSION]: {} };
    // With no upstream up yet, still announce tools so clients list (and see an empty list, not an error).
    if (Object.keys(caps).length === 0) caps.tools = { listChanged: true };
    return caps;
  }

  private mergedInstructions(): { instructions?: string } {
    const parts: string[] = [];
    for (const u of this.upstreams.values()) {
      const ins = u.init?.instructions;
      if (typeof ins === 'string' && ins.trim() && this.gw.instructionsVisible(u.name)) parts.push(this.upstreams.size === 1 ? ins : `## ${u.name}\n${ins}`);
    }
    return parts.length ? { instructions: parts.join('\n\n') } : {};
  }

  // ───────────────────────── lists ─────────────────────────

  private exposed(server: string, name: string): string {
    const spec = this.gw.serverSpec(server);
    return namespaced(spec?.prefix ?? server, this.gw.config.namespace.separator, name);
  }

  /**
   * Fetch one kind of list from every upstream, run the `list` hook per server, namespace and merge.
   * A server that is down (or cannot be started now) is left out and named in `unavailable`: the
   * list still shows the others, and a call to its tools says it is unavailable (see `downServerFor`).
   */
  private async collect(kind: ListKind, forEvent?: { id: RpcId; msg: Json }): Promise<{ items: Json[]; findings: Finding[]; denied?: PipelineResult; unavailable: UnavailableServer[] }> {
    const { key } = LIST_METHOD[kind];
    const cap = CAPABILITY_OF[kind];
    const unavailable: UnavailableServer[] = [];
    this.unavailable.clear();
    const perServer = await Promise.all(
      [...this.upstreams.values()].map(async (u) => {
        let items: Json[];
        try {
          if (u.state !== 'ready') await u.ensure(this.initParams());
          if (u.init?.capabilities?.[cap] === undefined) return undefined;
          items = await this.gw.listOf(u, kind);
        } catch (e) {
          this.gw.log.warn({ server: u.name, kind, err: (e as Error).message }, 'list failed: server left out of the list');
          const err = e instanceof UpstreamError ? e : undefined;
          const down = { server: u.name, code: err?.code ?? 'PCX_UPSTREAM_UNAVAILABLE', message: (e as Error).message, ...(err?.data ?? {}) } as UnavailableServer;
          unavailable.push(down);
          this.unavailable.set(u.name, down);
          return undefined;
        }
        const message = { jsonrpc: '2.0', id: forEvent?.id ?? 0, result: { [key]: items } } as unknown as JsonRpcObject;
        const ctx = this.context('list', LIST_METHOD[kind].method, message, { kind: 'other', server: u.name });
        ctx.list = { kind, server: u.name, exposedName: (n: string) => this.exposed(u.name, n) };
        const r = await this.gw.pipeline.run(ctx);
        return { u, r, message };
      }),
    );
    const findings: Finding[] = [];
    const accepted: ListedByServer[] = [];
    for (const x of perServer) {
      if (!x) continue;
      const { u, r } = x;
      findings.push(...r.findings);
      // The caller is no longer allowed in (revoked, expired): the whole list is refused, with that reason.
      if (r.decision.kind === 'deny' && ruleInfo(r.decision.rule)?.stage === 'authn') return { items: [], findings, denied: r, unavailable };
      if (r.decision.kind === 'deny' || r.decision.kind === 'approve') {
        // A list the pipeline refuses shows nothing from that server (fail closed), but the rest still lists.
        this.gw.log.warn({ server: u.name, kind, rule: r.decision.rule }, 'list denied by pipeline');
        continue;
      }
      const itemsOf = (m: JsonRpcObject) => ((m as { result?: Json }).result?.[key] ?? []) as Json[];
      accepted.push({ server: u.name, listed: itemsOf(x.message), visible: itemsOf(r.message) });
    }
    const indexed = this.router.index(kind, accepted);
    findings.push(...indexed.findings);
    return { items: indexed.items, findings, unavailable };
  }

  /**
   * A name or URI that resolved to nothing while a server that may hold it is down: the honest
   * answer is "unavailable", not "unknown". Tools and prompts match by the server's name prefix
   * (every server when it has none); resources may be anywhere.
   */
  private downServerFor(msg: Json): UnavailableServer | undefined {
    if (this.unavailable.size === 0) return undefined;
    const p = msg.params as Json | undefined;
    const name = msg.method === 'tools/call' || msg.method === 'prompts/get' ? p?.name : (p?.ref as Json | undefined)?.type === 'ref/prompt' ? (p?.ref as Json).name : undefined;
    const sep = this.gw.config.namespace.separator;
    for (const [server, down] of this.unavailable) {
      if (typeof name !== 'string') return down;
      const prefix = this.gw.serverSpec(server)?.prefix ?? server;
      if (prefix === '' || name.startsWith(prefix + sep)) return down;
    }
    return undefined;
  }

  private async list(kind: ListKind, id: RpcId, msg: Json): Promise<void> {
    const t0 = performance.now();
    const cursor = (msg.params as Json | undefined)?.cursor;
    let items: Json[];
    let findings: Finding[] = [];
    let offset = 0;
    let unavailableMeta: UnavailableServer[] | undefined;
    if (cursor !== undefined) {
      // A later page comes from the snapshot the first page was cut from, so pages never overlap or skip.
      const from = this.pages.resume(kind, cursor);
      if (!from) {
        return this.reply(jsonRpcError(id, JSONRPC.INVALID_PARAMS, 'Invalid cursor: it is not one this session issued for this list, or the list changed since; list again without a cursor'));
      }
      ({ items, offset } = from);
    } else {
      let denied: PipelineResult | undefined;
      let unavailable: UnavailableServer[];
      ({ items, findings, denied, unavailable } = await this.collect(kind, { id, msg }));
      this.pages.forget(kind);
      if (denied) {
        const ctx = this.context('list', LIST_METHOD[kind].method, msg as JsonRpcObject, { kind: 'other' });
        const ev = this.event(ctx, denied, { outcome: 'denied', latencyMs: performance.now() - t0 });
        if (await this.auditOrFail(ev, id)) await this.reply(this.denial(id, denied, ev.id));
        return;
      }
      if (unavailable.length > 0) {
        // Never an empty list that hides an outage: with nothing to show, the error itself.
        if (items.length === 0 && unavailable.length === this.upstreams.size) {
          const first = unavailable[0]!;
          return this.reply(rpcError(id, 'PCX_UPSTREAM_UNAVAILABLE', `no upstream server can answer ${String(msg.method)}: ${unavailable.map((u) => u.message).join('; ')}`, { unavailable, retryAfterMs: first.retryAfterMs ?? 1000 }));
        }
        unavailableMeta = unavailable;
      }
    }
    const { result, end } = this.pages.page(kind, items, offset, this.gw.config.limits.listPageSize);
    // The list succeeds with the servers that answered; which ones did not travels with it.
    if (unavailableMeta) result._meta = { 'portcullis/unavailable': unavailableMeta };
    const ctx = this.context('list', LIST_METHOD[kind].method, msg as JsonRpcObject, { kind: 'other' });
    ctx.findings.push(...findings);
    const ev = this.event(ctx, { decision: { kind: 'allow' }, findings, message: ctx.message, stages: {}, modified: false }, { outcome: 'ok', latencyMs: performance.now() - t0 });
    ev.target = `${end - offset} of ${items.length} items`;
    if (await this.auditOrFail(ev, id)) await this.reply({ jsonrpc: '2.0', id, result });
  }

  // ───────────────────────── resolving targets (the router) ─────────────────────────

  /** The `x-mcp-header` declarations of a tool as this caller sees it (2026-07-28 Mcp-Param-* check), or undefined when no such tool is shown. */
  paramDeclarations(name: string): Promise<ParamDeclaration[] | undefined> {
    return this.router.paramDeclarations(name);
  }

  // ───────────────────────── calls ─────────────────────────

  /** Rewrite the client's message for the upstream: its own names, no client-only fields. */
  private upstreamParams(msg: Json, target: Target): Json | undefined {
    const params = msg.params as Json | undefined;
    if (!params) return undefined;
    if (msg.method === 'tools/call' || msg.method === 'prompts/get') return { ...params, name: target.upstreamName };
    if (msg.method === 'completion/complete' && (params.ref as Json | undefined)?.type === 'ref/prompt') {
      return { ...params, ref: { ...(params.ref as Json), name: target.upstreamName } };
    }
    return params;
  }

  private notFound(id: RpcId, msg: Json): Json {
    const p = msg.params as Json | undefined;
    const what = msg.method === 'tools/call' ? `Unknown tool: ${String(p?.name)}` : msg.method === 'prompts/get' ? `Unknown prompt: ${String(p?.name)}` : `Resource not found: ${String(p?.uri ?? (p?.ref as Json | undefined)?.uri ?? '')}`;
    if (msg.method === 'resources/read') return { jsonrpc: '2.0', id, error: { code: -32002, message: what, data: { code: 'PCX_NOT_FOUND', uri: p?.uri } } };
    return rpcError(id, 'PCX_NOT_FOUND', what);
  }

  /** The request path for tools/call, prompts/get, resources/*, completion and routed extras. */
  private async call(id: RpcId, msg: Json, target: Target | undefined): Promise<void> {
    const t0 = performance.now();
    const method = msg.method as string;
    if (!target || !target.server) {
      // Nothing to call, but the request stages still run: a revoked caller or a malformed request
      // gets that answer (and its audit event); everything else gets the not-found answer.
      const ctx = this.context('request', method, msg as JsonRpcObject, target ?? { kind: 'other' });
      const req = await this.gw.pipeline.run(ctx);
      const d = req.decision;
      if (d.kind === 'deny' && d.rule !== NOT_FOUND_RULE) {
        const ev = this.event(ctx, req, { outcome: 'denied', latencyMs: performance.now() - t0 });
        if (await this.auditOrFail(ev, id)) await this.reply(this.denial(id, req, ev.id));
        return;
      }
      const down = this.downServerFor(msg);
      const ev = this.event(ctx, undefined, { outcome: 'error', latencyMs: performance.now() - t0, error: down ? `unavailable: ${down.message}` : 'not found' });
      // A server left out for this principal (no credential of its own): refused under that rule, not "retry later".
      const refused = down?.code === 'PCX_DENIED' && typeof down.rule === 'string' ? down.rule : undefined;
      if (refused) ev.rule = refused;
      if (!(await this.auditOrFail(ev, id))) return;
      if (down && refused) {
        const { code: _c, message, retryAfterMs: _r, ...data } = down;
        const denied = rpcError(id, 'PCX_DENIED', message, data);
        return this.reply({ ...denied, error: asUrlElicitation(denied.error, this.clientCapabilities) });
      }
      if (down) {
        const { code: _c, message, ...data } = down;
        return this.reply(rpcError(id, 'PCX_UPSTREAM_UNAVAILABLE', `${down.server} is unavailable, so this cannot be answered now: ${message}`, { ...data, retryAfterMs: down.retryAfterMs ?? 1000 }));
      }
      await this.reply(this.notFound(id, msg));
      return;
    }
    const ctx = this.context('request', method, msg as JsonRpcObject, target);
    const startedAt = Date.now();
    const span = tracingEnabled()
      ? startSpan(`mcp ${method} ${target.name ?? ''}`.trim(), { 'mcp.method': method, 'mcp.server': target.server, 'mcp.target': target.name ?? '', 'portcullis.principal': this.principal.id, 'portcullis.session': this.id }, ((msg.params as Json | undefined)?._meta as Json | undefined)?.traceparent as string | undefined, SpanKind.SERVER)
      : undefined;
    ctx.traceId = traceIdOf(span);
    const req = await this.gw.pipeline.run(ctx);
    const stages: Record<string, number> = { ...req.stages };
    if (req.decision.kind === 'deny' || req.decision.kind === 'approve') {
      const ev = this.event(ctx, req, { outcome: 'denied', latencyMs: performance.now() - t0, stages });
      this.endSpan(span, startedAt, stages, 'denied');
      if (!(await this.auditOrFail(ev, id))) return;
      const hidden = req.decision.kind === 'deny' && req.decision.rule === NOT_FOUND_RULE;
      return this.reply(hidden ? this.notFound(id, msg) : this.denial(id, req, ev.id));
    }
    // One principal may not hold more than its share of upstream work at once, whatever its sessions.
    const release = this.gw.acquireCallSlot(this.principal.id);
    if (!release) {
      const limit = this.gw.config.limits.maxCallsInFlightPerPrincipal;
      const reason = `${this.principal.id} already has ${limit} calls in flight (limits.maxCallsInFlightPerPrincipal)`;
      const refused = { ...req, decision: { kind: 'deny' as const, rule: 'rate.in-flight', reason } };
      const ev = this.event(ctx, refused, { outcome: 'denied', latencyMs: performance.now() - t0, stages });
      this.endSpan(span, startedAt, stages, 'denied');
      if (!(await this.auditOrFail(ev, id))) return;
      return this.reply(this.denial(id, refused, ev.id, { retryAfterMs: 1000 }));
    }
    const request = req.message as Json;
    const u = this.upstreams.get(target.server)!;
    const inflight: { upstream: UpstreamLink; upstreamId?: number; cancelled?: boolean } = { upstream: u };
    this.inflight.set(id, inflight);
    let response: Json;
    let outcome: Outcome = 'ok';
    let errText: string | undefined;
    let upstreamRule: string | undefined;
    const tUp = performance.now();
    try {
      await u.ensure(this.initParams());
      const upstreamParams = this.upstreamParams(request, target);
      const scan = method === 'tools/call' && target.definition ? paramScanOf(target.definition) : undefined;
      response = await u.request(method, upstreamParams, {
        // The gateway is the client upstream: it mirrors the arguments it sends (after any redaction).
        ...(scan?.ok && scan.declarations.length ? { paramHeaders: buildParamHeaders(scan.declarations, upstreamParams?.arguments) } : {}),
        timeoutMs: this.gw.timeoutFor(target.server),
        owner: this,
        downstreamId: id,
        clientCapabilities: this.clientCapabilities,
        ...(this.logLevel ? { logLevel: this.logLevel } : {}),
        traceparent: traceparentOf(span),
        onSent: (upstreamId) => {
          inflight.upstreamId = upstreamId;
          if (inflight.cancelled) u.cancel(upstreamId, 'cancelled by the client');
        },
      });
    } catch (e) {
      const err = e instanceof UpstreamError ? e : new UpstreamError('PCX_UPSTREAM_UNAVAILABLE', String(e));
      outcome = inflight.cancelled ? 'cancelled' : err.code === 'PCX_UPSTREAM_TIMEOUT' ? 'timeout' : 'error';
      errText = err.message;
      if (typeof err.data?.rule === 'string') upstreamRule = err.data.rule;
      const failed = rpcError(id, err.code, err.message, { server: target.server, ...err.data });
      // A sign-in link goes as the spec's URL-mode elicitation to a client that can show one.
      response = { ...failed, error: asUrlElicitation(failed.error, this.clientCapabilities) } as unknown as Json;
    } finally {
      release();
      this.inflight.delete(id);
    }
    stages.upstream = performance.now() - tUp;
    if (inflight.cancelled) {
      // The client cancelled (or left): the spec says send no response. Record it all the same.
      const ev = this.event(ctx, req, { outcome: 'cancelled', latencyMs: performance.now() - t0, stages, error: errText });
      await this.gw.audit(ev).catch(() => undefined);
      return;
    }
    if ('error' in response && outcome === 'ok') outcome = 'error';

    let final = response;
    let res: PipelineResult | undefined;
    if (outcome === 'ok' || 'result' in response) {
      const rctx = this.context('response', method, { ...response, id } as JsonRpcObject, target);
      rctx.request = request as JsonRpcObject;
      rctx.obligations = ctx.obligations;
      rctx.findings = [...req.findings];
      rctx.policyIds = ctx.policyIds;
      res = await this.gw.pipeline.run(rctx);
      Object.assign(stages, Object.fromEntries(Object.entries(res.stages).map(([k, v]) => [`${k}.response`, v])));
      final = res.message as Json;
    }
    if ('error' in final) {
      // An upstream error (message and data) can carry a secret too; never relay or record it raw.
      final = (await this.outbound(final)) ?? { ...final, error: { code: JSONRPC.INTERNAL_ERROR, message: 'the upstream error was withheld by the gateway' } };
      if (errText !== undefined) errText = (inspectMod ?? (await loadInspect())).redactSecretsIn(errText);
    }
    // A task waiting for input carries server→client requests inside its tasks/get result: each passes the
    // `serverRequest` policy (sample / elicit) a relayed request would; one refused ends the poll with that refusal.
    if (method === 'tasks/get' && 'result' in final) final = (await this.checkTaskInputs(final, target.server!, id)) ?? final;
    const taskId = createdTaskId(final.result);
    if (taskId !== undefined && target.server) this.taskServer.set(taskId, target.server);
    const decided = res ?? req;
    this.endSpan(span, startedAt, stages, outcome);
    const ev = this.event(ctx, decided, {
      outcome: res && (res.decision.kind === 'deny' || res.decision.kind === 'approve') ? 'denied' : outcome,
      latencyMs: performance.now() - t0,
      stages,
      error: errText ?? ((final.error as Json | undefined)?.message as string | undefined),
      result: 'result' in final ? final.result : undefined,
    });
    if (upstreamRule !== undefined && ev.rule === undefined) ev.rule = upstreamRule;
    if (!(await this.auditOrFail(ev, id))) return;
    if (res && (res.decision.kind === 'deny' || res.decision.kind === 'approve')) return this.reply(this.denial(id, res, ev.id));
    return this.reply({ ...final, id });
  }

  /**
   * tasks/update: each of its inputResponses through the same check as a client's answer to a relayed request
   * (`answerToServer`); the message to send, or undefined when one was withheld (refused and audited here).
   */
  private async taskAnswers(id: RpcId, msg: Json, target: Target): Promise<Json | undefined> {
    const params = (msg.params ?? {}) as Json;
    const answers = params.inputResponses;
    if (!answers || typeof answers !== 'object' || Array.isArray(answers)) return msg;
    const t0 = performance.now();
    const ctx = this.context('serverRequest', 'tasks/update', msg as JsonRpcObject, target);
    const out: Json = {};
    for (const [key, value] of Object.entries(answers as Json)) {
      const checked = await this.answerToServer({ jsonrpc: '2.0', id: 0, result: value }, ctx);
      if (checked.message === undefined) {
        const why = checked.findings.length ? [...new Set(checked.findings.map((f) => f.category))].join(', ') : 'content the gateway could not inspect';
        const r: PipelineResult = { decision: { kind: 'deny', reason: `${why} in the answer to ${key}`, rule: 'inspect.secrets' }, findings: checked.findings, message: msg as JsonRpcObject, stages: {}, modified: false };
        const ev = this.event(ctx, r, { outcome: 'denied', latencyMs: performance.now() - t0 });
        if (await this.auditOrFail(ev, id)) await this.reply(rpcError(id, 'PCX_DENIED', `an answer in tasks/update was withheld by the gateway: it contained ${why}`, { decision: 'deny', rule: 'inspect.secrets', reason: r.decision.kind === 'deny' ? r.decision.reason : why, eventId: ev.id }));
        return undefined;
      }
      out[key] = checked.message.result;
    }
    return { ...msg, params: { ...params, inputResponses: out } };
  }

  /**
   * The `inputRequests` of an `input_required` task (tasks extension), each through the `serverRequest` hook
   * as if the server had sent it: the message to relay instead (the requests as the hook left them), a
   * denial when one is refused (audited), or undefined when the result asks for nothing.
   */
  private async checkTaskInputs(response: Json, server: string, id: RpcId): Promise<Json | undefined> {
    const result = response.result as Json | undefined;
    const asks = result?.status === 'input_required' ? result.inputRequests : undefined;
    if (!asks || typeof asks !== 'object' || Array.isArray(asks)) return undefined;
    const checked: Json = {};
    for (const [key, ask] of Object.entries(asks as Json)) {
      const a = (ask && typeof ask === 'object' ? ask : {}) as Json;
      const method = String(a.method);
      const t0 = performance.now();
      const ctx = this.context('serverRequest', method, { jsonrpc: '2.0', id: `${INPUT_ID_PREFIX}${key}`, method, params: a.params ?? {} } as JsonRpcObject, { kind: 'other', server });
      const r = await this.gw.pipeline.run(ctx);
      if (r.decision.kind === 'deny' || r.decision.kind === 'approve') {
        const ev = this.event(ctx, r, { outcome: 'denied', latencyMs: performance.now() - t0 });
        await this.gw.audit(ev).catch(() => undefined);
        return this.denial(id, r, ev.id) as unknown as Json;
      }
      checked[key] = { ...a, params: (r.message as Json).params };
    }
    return { ...response, result: { ...result, inputRequests: checked } };
  }

  /** The level this client asked for with logging/setLevel (sent per request to 2026-07-28 servers). */
  private logLevel?: string;

  private async setLogLevel(id: RpcId, msg: Json): Promise<void> {
    const level = (msg.params as Json | undefined)?.level;
    if (typeof level === 'string' && LOG_LEVELS.includes(level)) this.logLevel = level;
    const targets = [...this.upstreams.values()].filter((u) => this.upstreamUp(u) && u.init?.capabilities?.logging !== undefined);
    await Promise.all(targets.map((u) => u.request('logging/setLevel', msg.params, { timeoutMs: this.gw.timeoutFor(u.name), owner: this }).catch(() => undefined)));
    return this.reply({ jsonrpc: '2.0', id, result: {} });
  }

  /** The tasks of every upstream that has them, merged (tasks created through this session only are routable). */
  private async listTasks(id: RpcId, msg: Json): Promise<void> {
    const targets = [...this.upstreams.values()].filter((u) => this.upstreamUp(u) && u.init?.capabilities?.tasks !== undefined);
    const lists = await Promise.all(
      targets.map((u) =>
        u.request('tasks/list', msg.params, { timeoutMs: this.gw.timeoutFor(u.name), owner: this }).then(
          (r) => (((r.result as Json | undefined)?.tasks ?? []) as Json[]).filter((t) => this.taskServer.get(String(t.taskId)) === u.name),
          () => [] as Json[],
        ),
      ),
    );
    return this.reply({ jsonrpc: '2.0', id, result: { tasks: lists.flat() } });
  }

  /** A call or a server→client request is in flight (an idle session may be reclaimed under pressure). */
  get busy(): boolean {
    return this.inflight.size > 0 || this.serverRequests.size > 0;
  }

  /** Closing this session frees a child (it has one of its own; pooled ones are the gateway's). */
  get holdsChildren(): boolean {
    for (const u of this.upstreams.values()) if (u instanceof Upstream && u.holdsChild) return true;
    return false;
  }

  /** The client answers sampling / elicitation (a pool then gives its calls a member to themselves). */
  get answersServerRequests(): boolean {
    return this.clientCapabilities.sampling !== undefined || this.clientCapabilities.elicitation !== undefined;
  }

  private upstreamUp(u: UpstreamLink): boolean {
    return u.state === 'ready' || u.state === 'idle';
  }

  /** What each upstream's initialize gets: the client's own version, capabilities and info. */
  initParams(): Json {
    return { protocolVersion: this.protocolVersion, capabilities: this.clientCapabilities, clientInfo: this.clientInfo ?? { name: 'portcullis-client', version: '0' } };
  }

  // ───────────────────────── upstream → client ─────────────────────────

  onUpstreamNotification(u: Upstream, msg: Json, call?: PendingCall): void {
    const method = msg.method as string;
    const kinds = LIST_CHANGED[method];
    if (kinds) {
      this.gw.invalidateLists(u, kinds);
      for (const k of kinds) this.pages.forget(k);
      // Re-read and re-check at once (registry pinning quarantines a rug pull now, not at the next list).
      void Promise.all(kinds.map((k) => this.collect(k).catch(() => undefined))).then(() => this.send(msg));
      return;
    }
    if (method === 'notifications/cancelled') {
      // The upstream cancels one of its own server→client requests.
      for (const ourId of this.serverRequests.withdrawn(u, (msg.params as Json | undefined)?.requestId)) void this.send({ ...msg, params: { ...(msg.params as Json), requestId: ourId } });
      return;
    }
    // A log line below the level this client set is not its (a shared server has one level for all its callers).
    if (method === 'notifications/message' && this.logLevel && !logLevelReaches((msg.params as Json | undefined)?.level, this.logLevel)) return;
    // Progress, logging messages, resource updates: relayed on the stream of the call they belong to,
    // after the outbound checks (dropped when they fail or withhold it).
    const out = this.outbound(msg);
    if (out instanceof Promise) void out.then((m) => m && this.send(m, call?.downstreamId));
    else if (out) void this.send(out, call?.downstreamId);
  }

  /** `inspectOutbound` on an upstream message (sync once the module is loaded); undefined = withheld. */
  private outbound(msg: Json): Json | undefined | Promise<Json | undefined> {
    const cfg = this.gw.config;
    if (cfg.pipeline.disable.includes('inspect')) return msg;
    const run = (m: NonNullable<typeof inspectMod>) => {
      try {
        return m.inspectOutbound(msg as JsonRpcObject, cfg.inspect).message as Json | undefined;
      } catch (err) {
        this.gw.log.warn({ err: String(err), method: msg.method }, 'outbound inspection failed; message withheld');
        return undefined;
      }
    };
    return inspectMod ? run(inspectMod) : loadInspect().then(run);
  }

  async onUpstreamRequest(u: Upstream, msg: Json, call?: PendingCall): Promise<Json> {
    const method = msg.method as string;
    const t0 = performance.now();
    const ctx = this.context('serverRequest', method, msg as JsonRpcObject, { kind: 'other', server: u.name });
    const r = await this.gw.pipeline.run(ctx);
    if (r.decision.kind === 'deny' || r.decision.kind === 'approve') {
      const ev = this.event(ctx, r, { outcome: 'denied', latencyMs: performance.now() - t0 });
      await this.gw.audit(ev).catch(() => undefined);
      return this.denial(msg.id as RpcId, r, ev.id) as unknown as Json;
    }
    const raw = await this.requestClient(r.message as Json, call?.downstreamId, SERVER_REQUEST_TIMEOUT_MS, { upstream: u, upstreamId: msg.id as RpcId });
    const checked = await this.answerToServer(raw, ctx);
    const blocked = checked.message === undefined;
    const why = checked.findings.length ? [...new Set(checked.findings.map((f) => f.category))].join(', ') : 'content the gateway could not inspect';
    const answer = checked.message ?? (rpcError(raw.id as RpcId, 'PCX_DENIED', `the client's answer to ${method} was withheld by the gateway: it contained ${why}`, { decision: 'deny', rule: 'inspect.secrets', reason: `${why} in the client's answer` }) as unknown as Json);
    const ev = this.event(ctx, r, { outcome: blocked ? 'denied' : 'error' in answer ? 'error' : 'ok', latencyMs: performance.now() - t0 });
    await this.gw.audit(ev).catch(() => undefined);
    return answer;
  }

  /**
   * The client's answer to a server→client request goes to the server like arguments do: secrets
   * (and Unicode) in a sampling completion, an elicitation form or a roots list get the argument-side
   * actions. Findings join the request's audit event; undefined = withheld.
   */
  private async answerToServer(answer: Json, ctx: PipelineContext): Promise<{ message: Json | undefined; findings: Finding[] }> {
    const cfg = this.gw.config;
    if (cfg.pipeline.disable.includes('inspect') || !('result' in answer)) return { message: answer, findings: [] };
    const m = inspectMod ?? (await loadInspect());
    try {
      const { message, findings } = m.inspectOutbound(answer as JsonRpcObject, cfg.inspect, 'toServer');
      ctx.findings.push(...findings);
      return { message: message as Json | undefined, findings };
    } catch (err) {
      this.gw.log.warn({ err: String(err), method: ctx.method }, 'inspection of the client\'s answer failed; answer withheld');
      return { message: undefined, findings: [] };
    }
  }

  /** Send a request to the client under our own id, on the stream of `relatedTo`, and wait for its answer. */
  private requestClient(request: Json, relatedTo: RpcId | undefined, timeoutMs: number, relayedFrom?: { upstream: Upstream; upstreamId: RpcId }): Promise<Json> {
    return this.serverRequests.ask(request, relatedTo, timeoutMs, relayedFrom);
  }

  /** SessionView.askUser: an elicitation from the gateway itself (approval), when the client supports it. */
  async askUser(message: string, requestedSchema: Record<string, unknown>, relatedTo: RpcId | undefined, timeoutMs: number): Promise<UserAnswer | undefined> {
    if (this.clientCapabilities.elicitation === undefined || this.closed) return undefined;
    const answer = await this.requestClient({ jsonrpc: '2.0', method: 'elicitation/create', params: { message, requestedSchema } }, relatedTo, timeoutMs);
    const result = answer.result as Json | undefined;
    const action = result?.action;
    if (action !== 'accept' && action !== 'decline' && action !== 'cancel') return undefined;
    const content = result?.content;
    return content && typeof content === 'object' && !Array.isArray(content) ? { action, content: content as Record<string, unknown> } : { action };
  }

  // ───────────────────────── helpers ─────────────────────────

  private context(hook: Hook, method: string, message: JsonRpcObject, target: Target): PipelineContext {
    return { hook, session: this, method, message, target, obligations: new Set(), findings: [], policyIds: [] };
  }

  private endSpan(span: Span | undefined, startedAt: number, stages: Record<string, number>, outcome: string): void {
    if (!span) return;
    recordStageSpans(span, startedAt, stages);
    span.setAttribute('portcullis.outcome', outcome);
    span.end();
  }

  private denial(id: RpcId, r: PipelineResult, eventId: string, extra?: { retryAfterMs: number }): Json {
    const d = r.decision;
    if (d.kind === 'approve') {
      return rpcError(id, 'PCX_APPROVAL_REQUIRED', `approval required: ${d.reason}`, { decision: 'approve', reason: d.reason, rule: d.rule, ticket: d.ticket, eventId }) as unknown as Json;
    }
    if (d.kind !== 'deny') throw new Error('not a denial');
    const code: ErrorCodeName = ruleCode(d.rule);
    return rpcError(id, code, `denied by ${d.rule}: ${d.reason}`, { decision: 'deny', reason: d.reason, rule: d.rule, eventId, ...extra }) as unknown as Json;
  }

  private event(ctx: PipelineContext, r: PipelineResult | undefined, extra: { outcome: Outcome; latencyMs: number; stages?: Record<string, number>; error?: string; result?: unknown }): AuditEvent {
    return this.gw.buildEvent(this, ctx, r, extra);
  }

  /** Write the event before the client sees the answer; when the audit store fails closed, answer with an error instead. */
  private async auditOrFail(ev: AuditEvent, id: RpcId): Promise<boolean> {
    try {
      await this.gw.audit(ev);
      return true;
    } catch (e) {
      this.gw.log.error({ err: (e as Error).message }, 'audit write failed; denying (audit.failClosed)');
      await this.reply(rpcError(id, 'PCX_AUDIT_UNAVAILABLE', 'the audit log cannot record this call, so it was not made (audit.failClosed is on)'));
      return false;
    }
  }

  /** A URL-mode elicitation this session was given (a sign-in link) completed: tell a client that can take it. */
  elicitationComplete(elicitationId: string): void {
    if ((this.clientCapabilities.elicitation as Json | undefined)?.url === undefined) return;
    void this.send({ jsonrpc: '2.0', method: 'notifications/elicitation/complete', params: { elicitationId } } as Json);
  }

  private reply(msg: unknown): Promise<void> {
    return this.send(msg as Json);
  }

  send(msg: Json, relatedRequestId?: RpcId): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.downstream.send(msg, relatedRequestId).catch((e: Error) => {
      this.gw.log.debug({ session: this.id, err: e.message }, 'could not deliver to the client');
    });
  }

  /**
   * Take over a session another replica initialized (fleet): its negotiated state and taint. Its
   * upstream connections are attached here and opened on first use; lists are fetched when needed.
   */
  restore(r: RestoredSession): void {
    if (r.protocolVersion) this.protocolVersion = r.protocolVersion;
    if (r.clientInfo) this.clientInfo = r.clientInfo;
    this.clientCapabilities = r.capabilities;
    for (const f of r.taint) this.taint.add(f);
    for (const s of this.gw.servers) if (!this.upstreams.has(s.name)) this.upstreams.set(s.name, this.gw.upstreamFor(s.name, this));
    this.initialized = true;
  }

  /** The capabilities the client declared in `initialize`. */
  get declaredCapabilities(): Json {
    return this.clientCapabilities;
  }

  /** Whether this replica asked the client the request with this id and waits for its answer. */
  awaitsClientResponse(id: unknown): boolean {
    return this.serverRequests.has(id);
  }

  /** Start this session's stdio children ahead of initialize (a stdio session is created before it arrives). */
  prestartUpstreams(): void {
    for (const s of this.gw.servers) {
      let u = this.upstreams.get(s.name);
      if (!u) this.upstreams.set(s.name, (u = this.gw.upstreamFor(s.name, this)));
      u.prestart();
    }
  }

  /** Invalidate what this session listed and tell the client to list again. */
  listChanged(kind: 'tools' | 'prompts' | 'resources'): void {
    this.router.forget(kind);
    this.pages.forget(kind);
    if (kind === 'resources') {
      this.router.forget('resourceTemplates');
      this.pages.forget('resourceTemplates');
    }
    void this.send({ jsonrpc: '2.0', method: `notifications/${kind}/list_changed` });
  }

  get upstreamConnections(): ReadonlyMap<string, UpstreamLink> {
    return this.upstreams;
  }

  /** End the session: cancel what is in flight, stop its own upstreams (shared ones stay). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.inflight.values()) this.cancelInflight(f, 'session closed');
    this.serverRequests.closeAll();
    await Promise.all([...this.upstreams.values()].map((u) => this.gw.releaseUpstream(u, this)));
    await this.downstream.close?.().catch(() => undefined);
  }
}

export { NO_OWNER };
