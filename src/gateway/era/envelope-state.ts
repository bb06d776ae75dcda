/**
 * The per-request (envelope) era downstream: MCP 2026-07-28 clients on the same `/mcp` port.
 *
 *   POST ─▶ header/body check (400 HeaderMismatch, before any policy) ─▶ envelope ─▶ state for
 *   (principal, client) ─▶ Session request path (authz · inspect · audit, as for every client) ─▶ reply
 *   stamped with resultType (and ttlMs / cacheScope: private on lists and reads)
 *
 * The state behind a request is a gateway `Session` keyed by the caller's principal (all of it, as
 * its credentials established it) and the envelope's client info and capabilities: requests of the
 * same client reuse its upstream connections and catalogue, and a request from other credentials
 * never shares one. Request ids are the gateway's own inside, so concurrent requests never collide.
 *
 * MRTR: when the request path asks the client something (an old server's sampling / elicitation /
 * roots request, or the gateway's own approval prompt), the call is parked and the client gets an
 * `input_required` result whose `requestState` is sealed to its principal and that very call
 * (request-state.ts). Its retry with `inputResponses` answers the parked question, and the parked
 * call's final answer goes out on the retry's response.
 *
 * `subscriptions/listen` holds one SSE response open and receives the list-changed and resource-
 * updated notifications the session gets (resource subscriptions are made upstream on its behalf).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCodes, JSONRPC } from '../../errors.js';
import type { Principal } from '../../pipeline/types.js';
import { writeJson } from '../../transports/http-server.js';
import { capacityAnswer, CapacityError } from '../capacity.js';
import type { Gateway } from '../gateway.js';
import type { Session } from '../session.js';
import { INPUT_ID_PREFIX, type Json, type RpcId } from '../upstream.js';
import {
  HEADER_MISMATCH,
  LOG_LEVEL_META_KEY,
  LOG_LEVELS,
  logLevelReaches,
  MISSING_CLIENT_CAPABILITY,
  MODERN_REQUEST_METHODS,
  MODERN_VERSIONS,
  SERVER_INFO_META_KEY,
  UNSUPPORTED_VERSION,
  hasEnvelopeClaim,
  headerMismatch,
  isModernVersion,
  nameSource,
  readEnvelope,
  stampResult,
  stripEnvelope,
  type Envelope,
  type HeaderView,
} from './envelope.js';
import { paramHeaderMismatch, receivedParamHeaders } from './param-headers.js';
import { auditPrincipal, type AuditEvent } from '../../shared/audit-event.js';
import type { DownstreamEra, ParsedPost } from './protocol-state.js';
import { RequestStateSealer, requestDigest } from './request-state.js';
import type { SessionStore } from '../fleet.js';

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' } as const;
const SUBSCRIPTION_ID_META_KEY = 'io.modelcontextprotocol/subscriptionId';
/** The synthetic initialize that opens an envelope state's session. */
const INIT_ID = 'pcx-envelope-init';
/** Old-era version the session speaks to old upstreams on the client's behalf. */
const SESSION_VERSION = '2025-11-25';

export interface EnvelopeOptions {
  /** Longest `ttlMs` on lists and reads the gateway filters per caller. */
  maxTtlMs: number;
  /** How long a parked MRTR call waits for the client's retry. */
  stateTtlMs: number;
  /** Close a state unused this long. */
  idleMs: number;
  /** The HMAC key of `requestState` (a fleet shares one, from the store); default a random per-process key. */
  requestStateKey?: Buffer;
  /** A fleet: the taint of each client's state is shared with the other replicas through the store. */
  fleet?: Pick<SessionStore, 'pullTaint' | 'flush' | 'dirty'>;
}

/**
 * Where the messages of one exchange go: an HTTP response (one JSON body, or SSE once something
 * precedes the answer) or the stdio pipe (every message a line).
 */
export interface Sink {
  /** Refuse the message before anything ran (an HTTP status and headers for HTTP; a line on stdio). */
  reject(status: number, m: unknown, headers?: Record<string, string>): void;
  /** A notification accepted (HTTP 202). */
  accepted(): void;
  /** A message before the final one. */
  event(m: unknown): void;
  /** The final message: the exchange ends. */
  end(m: unknown): void;
  /** Open a long-lived stream (subscriptions/listen); events follow until the client closes it. */
  stream(): void;
  /** The client went away (HTTP response closed; stdio input ended). */
  onClose(cb: () => void): void;
  /** End a stream from the gateway side. */
  close(): void;
}

export class HttpSink implements Sink {
  private sse = false;
  /**
   * `limit`: most bytes queued for a client that does not read (limits.maxStreamBufferBytes). Past it the
   * stream is destroyed, which cancels its request (2026-07-28: closing a stream cancels it): a slow
   * listener costs itself its stream, never the gateway its memory.
   */
  constructor(
    private readonly res: ServerResponse,
    private readonly limit = Infinity,
    private readonly onOverflow: (queued: number) => void = () => {},
  ) {}
  reject(status: number, m: unknown, headers?: Record<string, string>): void {
    writeJson(this.res, status, m, headers);
  }
  accepted(): void {
    if (!this.res.headersSent) this.res.writeHead(202).end();
  }
  event(m: unknown): void {
    if (this.res.destroyed) return;
    this.toSse();
    writeEvent(this.res, m);
    this.bound();
  }
  end(m: unknown): void {
    if (this.res.destroyed) return;
    if (this.sse) {
      writeEvent(this.res, m);
      this.res.end();
    } else writeJson(this.res, inBandStatus(m), m);
  }
  stream(): void {
    this.toSse();
    const keepAlive = setInterval(() => {
      if (this.res.destroyed) return;
      this.res.write(': keepalive\n\n');
      this.bound();
    }, 15_000);
    keepAlive.unref();
    this.res.once('close', () => clearInterval(keepAlive));
  }
  onClose(cb: () => void): void {
    this.res.once('close', cb);
  }
  close(): void {
    this.res.end();
  }
  private bound(): void {
    const queued = this.res.writableLength;
    if (queued > this.limit && !this.res.destroyed) {
      this.onOverflow(queued);
      this.res.destroy();
    }
  }
  private toSse(): void {
    if (this.sse || this.res.headersSent) return;
    this.sse = true;
    this.res.writeHead(200, SSE_HEADERS);
    this.res.flushHeaders();
  }
}

interface Exchange {
  sink: Sink;
  clientId: RpcId;
  method: string;
  internalId: string;
  digest?: string;
  done: boolean;
  /** The request's `_meta` logLevel: log notifications reach the client only at or above it, and never without it. */
  logLevel?: string;
  /** `params.uri` of a resources/read (a not-found error names it). */
  uri?: string;
}

interface Parked {
  callId: string;
  digest: string;
  /** inputRequests key → the session's id for that question. */
  asked: Map<string, number>;
  /** inputRequests key → the question, while it is asked (to ask again what a retry left out). */
  questions: Map<string, Json>;
  /** Questions that came while the client had not retried yet. */
  queued: Array<{ key: string; ourId: number; request: Json }>;
  timer: NodeJS.Timeout;
  /** The questions of the round being collected, and the timer that sends them as one input_required. */
  round?: Json;
  flush?: NodeJS.Timeout;
}

interface Listen {
  sink: Sink;
  clientId: RpcId;
  filter: { toolsListChanged?: boolean; promptsListChanged?: boolean; resourcesListChanged?: boolean; resourceSubscriptions?: string[] };
}

interface Entry {
  key: string;
  principal: Principal;
  /** The client capabilities of the envelope (part of the state's key, so the same for every request here). */
  capabilities: Json;
  session: Session;
  ready: Promise<Json>;
  exchanges: Map<string, Exchange>;
  parked: Map<string, Parked>;
  listens: Set<Listen>;
  lastUsed: number;
}

const isResponse = (m: Json) => m.method === undefined && ('result' in m || 'error' in m);

function writeEvent(res: ServerResponse, message: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
}

/** HTTP status of an in-band answer: 200, except MissingRequiredClientCapability, which the spec answers with 400. */
function inBandStatus(m: unknown): number {
  const err = m && typeof m === 'object' ? (m as Json).error : undefined;
  return err && typeof err === 'object' && (err as Json).code === MISSING_CLIENT_CAPABILITY ? 400 : 200;
}

/** The 2025-era resource-not-found code; 2026-07-28 answers -32602 instead (SEP-2164). */
const RESOURCE_NOT_FOUND_2025 = -32002;
/** The questions of one round go out as one input_required once none has come for this long. */
const ROUND_SETTLE_MS = 15;
/** A server's inputRequests key the gateway passes on as is (anything else gets one of the gateway's keys). */
const INPUT_KEY = /^[A-Za-z0-9_.:-]{1,64}$/;

/** The client capability each server→client request needs. */
const CAPABILITY_OF: Readonly<Record<string, string>> = { 'sampling/createMessage': 'sampling', 'elicitation/create': 'elicitation', 'roots/list': 'roots' };

function logLevelOf(params: Json): string | undefined {
  const v = (params._meta as Json | undefined)?.[LOG_LEVEL_META_KEY];
  return typeof v === 'string' && LOG_LEVELS.includes(v) ? v : undefined;
}
/** Whether a log line at `level` goes to a client whose request asked for `wanted` (none: no log lines at all). */
function logWanted(wanted: string | undefined, level: unknown): boolean {
  return wanted !== undefined && logLevelReaches(level, wanted);
}

const rpcErr = (id: RpcId | null, code: number, message: string, data?: Json) => ({ jsonrpc: '2.0', id, error: data ? { code, message, data } : { code, message } });

export class EnvelopeState implements DownstreamEra {
  readonly era = 'envelope' as const;
  private readonly entries = new Map<string, Entry>();
  private readonly sealer: RequestStateSealer;
  private nextId = 1;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly gw: Gateway,
    private readonly o: EnvelopeOptions,
  ) {
    this.sealer = new RequestStateSealer(o.requestStateKey);
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, Math.max(1000, o.idleMs / 2)));
    this.sweeper.unref();
  }

  /** Only POSTs: a 2026-07-28 client has no GET stream and no session to DELETE (those stay the session era's). */
  claims(req: IncomingMessage, post: ParsedPost | undefined): boolean {
    if (!post) return false;
    if (post.messages.some(hasEnvelopeClaim)) return true;
    return isModernVersion(req.headers['mcp-protocol-version']);
  }

  async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, post: ParsedPost | undefined): Promise<void> {
    if (!post) return writeJson(res, 405, rpcErr(null, JSONRPC.INVALID_REQUEST, 'Method Not Allowed: a protocol revision 2026-07-28 request is a POST'), { allow: 'POST' });
    if (post.batch) return writeJson(res, 400, rpcErr(null, JSONRPC.INVALID_REQUEST, 'Bad Request: JSON-RPC batches may not contain requests for protocol revision 2026-07-28 or later'));
    const h = req.headers;
    const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(',') : v);
    const limit = this.gw.config.limits.maxStreamBufferBytes;
    const sink = new HttpSink(res, limit, (queued) => this.gw.log.warn({ principal: principal.id, queued, limit }, 'client is not reading its stream: stream closed, its request cancelled (limits.maxStreamBufferBytes)'));
    return this.handleMessage(sink, principal, post.messages[0]!, {
      protocolVersion: one(h['mcp-protocol-version']),
      method: one(h['mcp-method']),
      name: one(h['mcp-name']),
      params: receivedParamHeaders(h),
    });
  }

  /** One per-request message; `headers` on HTTP (checked against the body), undefined on stdio (which has none). */
  async handleMessage(sink: Sink, principal: Principal, msg: Json, headers: HeaderView | undefined): Promise<void> {
    const id = msg.id as RpcId | undefined;
    if (msg.method === undefined) return sink.reject(400, rpcErr(null, JSONRPC.INVALID_REQUEST, 'Bad Request: a 2026-07-28 client sends no responses (input travels in inputResponses)'));
    const env = readEnvelope(msg.params);
    if ('error' in env) return sink.reject(400, rpcErr(id ?? null, JSONRPC.INVALID_PARAMS, `Invalid _meta envelope for protocol revision 2026-07-28: ${env.error}`));
    // Header/body agreement comes before anything reads either: no policy ever sees a request whose headers say otherwise.
    const mismatch = headers && headerMismatch(headers, msg, env);
    if (mismatch) return this.refuseHeaders(sink, principal, msg, env, mismatch);
    if (!MODERN_VERSIONS.includes(env.protocolVersion)) {
      return sink.reject(400, rpcErr(id ?? null, UNSUPPORTED_VERSION, `Unsupported protocol version: ${env.protocolVersion}`, { supported: [...MODERN_VERSIONS], requested: env.protocolVersion }));
    }
    if (id === undefined || id === null) {
      sink.accepted();
      if (msg.method === 'notifications/cancelled') this.cancel(principal, env, msg);
      return;
    }
    if (!MODERN_REQUEST_METHODS.has(msg.method as string)) {
      return sink.reject(404, rpcErr(id, JSONRPC.METHOD_NOT_FOUND, `Method not found: ${String(msg.method)} is not a protocol revision 2026-07-28 request`));
    }
    let entry: Entry;
    try {
      entry = this.entryFor(principal, env);
    } catch (e) {
      // A principal at its session cap gets what a session-era client gets: 429, Retry-After, the cap's rule.
      if (e instanceof CapacityError) {
        const a = capacityAnswer(e, id);
        return sink.reject(a.status, a.body, a.headers);
      }
      return sink.reject(503, rpcErr(id, ErrorCodes.PCX_UPSTREAM_UNAVAILABLE, (e as Error).message, { code: 'PCX_UPSTREAM_UNAVAILABLE' }));
    }
    entry.lastUsed = Date.now();
    const init = await entry.ready;
    if ('error' in init) {
      // The connect hook refused this client (or the state could not open): answer and forget it.
      this.drop(entry);
      return sink.end({ ...init, id });
    }
    const method = msg.method as string;
    if (method === 'server/discover') return sink.end({ jsonrpc: '2.0', id, result: this.discoverResult(init.result as Json) });
    if (method === 'subscriptions/listen') return this.listen(entry, sink, id, msg);
    if (this.o.fleet) {
      // Taint another replica added for this client counts here before the pipeline runs (flow rule).
      try {
        await this.o.fleet.pullTaint(entry.session, this.fleetId(entry));
      } catch (e) {
        this.gw.log.error({ principal: principal.id, err: String(e) }, 'session store unavailable');
        return sink.reject(503, rpcErr(id, ErrorCodes.PCX_STORE_UNAVAILABLE, 'the session store is unavailable, so this request was not served; retry shortly', { code: 'PCX_STORE_UNAVAILABLE', retryAfterMs: 1000 }));
      }
    }
    const params = (msg.params ?? {}) as Json;
    if (headers && method === 'tools/call') {
      // Mcp-Param-* against the arguments, with the tool's declarations as this caller sees them; still before any policy.
      const decls = typeof params.name === 'string' ? await entry.session.paramDeclarations(params.name) : undefined;
      const why = paramHeaderMismatch(decls ?? [], params.arguments, headers.params ?? {});
      if (why) return this.refuseHeaders(sink, principal, msg, env, why);
    }
    const digest = method === 'tools/call' || method === 'prompts/get' || method === 'resources/read' ? requestDigest(method, params) : undefined;
    if (params.requestState !== undefined) return this.resume(entry, sink, id, method, params, digest);

    const internalId = `m${this.nextId++}`;
    const ex: Exchange = { sink, clientId: id, method, internalId, digest, done: false, logLevel: logLevelOf(params), uri: typeof params.uri === 'string' ? params.uri : undefined };
    this.attach(entry, ex);
    // inputResponses without a requestState answer nothing the gateway asked (every round it asks carries one):
    // they are dropped, never passed to a server unseen, and the call starts afresh — so whatever it needs is
    // asked for again (SEP-2322: re-request missing input rather than fail). tasks/update is the exception: its
    // inputResponses answer a task's questions, for the server (the session checks the task is the caller's).
    const { inputResponses: _unasked, ...fresh } = params;
    entry.session.handle({ jsonrpc: '2.0', id: internalId, method, params: stripEnvelope(method === 'tasks/update' ? params : fresh) });
  }

  /**
   * HTTP 400 HeaderMismatch, as the spec asks, before any policy: a rule or an intermediary keyed on a
   * header never sees a request whose body says otherwise. Audited like every other refusal.
   */
  private refuseHeaders(sink: Sink, principal: Principal, msg: Json, env: Envelope, why: string): void {
    const id = msg.id as RpcId | undefined;
    const method = typeof msg.method === 'string' ? msg.method : 'unknown';
    this.gw.log.warn({ principal: principal.id, method, mismatch: why }, 'per-request message rejected: headers disagree with the body');
    const { eventId, recorded } = this.auditRefusal(principal, method, (msg.params ?? {}) as Json, env.clientInfo, 'era.header-mismatch', why);
    void recorded.then(() => sink.reject(400, rpcErr(id ?? null, HEADER_MISMATCH, `Bad Request: the request headers and body disagree: ${why}`, { code: 'HeaderMismatch', rule: 'era.header-mismatch', reason: why, eventId })));
  }

  /** Audit a refusal made here, before the session's pipeline (which audits everything after). Returns the event id. */
  /** The refusal's audit event; `recorded` settles once it is committed (or failed): the answer waits for it, as every answer does. */
  private auditRefusal(principal: Principal, method: string, params: Json, client: Envelope['clientInfo'], rule: string, reason: string): { eventId: string; recorded: Promise<void> } {
    const target = nameSource(method, params);
    const ev: AuditEvent = {
      id: randomUUID(),
      time: new Date().toISOString(),
      instance: this.gw.instance,
      principal: auditPrincipal(principal),
      transport: 'http',
      hook: 'request',
      method,
      ...(target !== undefined ? { target } : {}),
      ...(client ? { client } : {}),
      decision: 'deny',
      rule,
      reason,
      findings: [],
      outcome: 'denied',
    };
    // A refusal whose audit fails is still a refusal (fail closed); the failure is logged.
    const recorded = this.gw.audit(ev).then(
      () => undefined,
      (err: unknown) => void this.gw.log.error({ err, rule }, 'audit of a refusal failed'),
    );
    return { eventId: ev.id, recorded };
  }

  // ───────── state per (principal, client) ─────────

  private keyOf(principal: Principal, env: Envelope): string {
    const { expiresAt: _e, ...who } = principal;
    return createHash('sha256')
      .update(JSON.stringify(who))
      .update('\0')
      .update(JSON.stringify(env.clientInfo ?? null))
      .update('\0')
      .update(JSON.stringify(env.capabilities))
      .digest('base64url');
  }

  private entryFor(principal: Principal, env: Envelope): Entry {
    const key = this.keyOf(principal, env);
    const old = this.entries.get(key);
    if (old && !old.session.closed) {
      if (principal.expiresAt !== undefined) old.session.principal.expiresAt = principal.expiresAt;
      return old;
    }
    let resolveReady!: (m: Json) => void;
    const ready = new Promise<Json>((r) => (resolveReady = r));
    const entry = { key, principal, capabilities: env.capabilities, ready, exchanges: new Map(), parked: new Map(), listens: new Set(), lastUsed: Date.now() } as unknown as Entry;
    entry.session = this.gw.createSession({ ...principal }, 'http', {
      send: (m, related) => {
        if (m.id === INIT_ID && isResponse(m)) {
          resolveReady(m);
          return Promise.resolve();
        }
        return this.fromSession(entry, m, related);
      },
    });
    this.entries.set(key, entry);
    entry.session.handle({
      jsonrpc: '2.0',
      id: INIT_ID,
      method: 'initialize',
      params: { protocolVersion: SESSION_VERSION, capabilities: env.capabilities, clientInfo: env.clientInfo ?? { name: 'unknown-2026-client', version: '0' } },
    });
    void ready.then((m) => {
      // From here the session reports the client's own revision (audit, policy context).
      if (!('error' in m)) entry.session.protocolVersion = env.protocolVersion;
    });
    return entry;
  }

  private drop(entry: Entry): void {
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    for (const p of entry.parked.values()) {
      clearTimeout(p.timer);
      if (p.flush) clearTimeout(p.flush);
    }
    for (const l of entry.listens) l.sink.close();
    void this.gw.closeSession(entry.session);
  }

  private sweep(): void {
    const now = Date.now();
    for (const e of this.entries.values()) {
      if (e.session.closed) {
        this.drop(e);
        continue;
      }
      if (now - e.lastUsed > this.o.idleMs && e.exchanges.size === 0 && e.parked.size === 0 && e.listens.size === 0) this.drop(e);
    }
  }

  // ───────── session → client ─────────

  /** The id a fleet shares this client's state under: the same on every replica for the same principal, client info and capabilities. */
  private fleetId(entry: Entry): string {
    return `env:${entry.key}`;
  }

  private fromSession(entry: Entry, m: Json, related?: RpcId): Promise<void> {
    if (isResponse(m)) {
      const ex = entry.exchanges.get(String(m.id));
      if (!ex) return Promise.resolve();
      const fleet = this.o.fleet;
      // The answer leaves only once the taint it follows is in the store (the next request may land elsewhere).
      if (fleet?.dirty(entry.session)) {
        return fleet.flush(entry.session, this.fleetId(entry)).then(
          () => this.finish(entry, ex, m),
          (e: unknown) => {
            this.gw.log.error({ principal: entry.principal.id, err: String(e) }, 'taint could not be written to the store; answer withheld');
            this.finish(entry, ex, rpcErr(m.id as RpcId, ErrorCodes.PCX_STORE_UNAVAILABLE, "the session store could not record this client's state, so the answer was withheld; retry shortly", { code: 'PCX_STORE_UNAVAILABLE', retryAfterMs: 1000 }) as unknown as Json);
          },
        );
      }
      this.finish(entry, ex, m);
      return Promise.resolve();
    }
    if (typeof m.method !== 'string') return Promise.resolve();
    if (m.id !== undefined) return this.askClient(entry, m, related);
    // A notification: on the stream of the call it belongs to, else on the listen streams that asked for it.
    const ex = related === undefined ? undefined : entry.exchanges.get(String(related));
    if (ex) {
      // A 2026-07-28 client gets log lines only when its request asked for them (_meta logLevel), at or above
      // that level; a 2025-era server logs at whatever level its session has, so the gateway filters here.
      if (m.method === 'notifications/message' && !logWanted(ex.logLevel, (m.params as Json | undefined)?.level)) return Promise.resolve();
      ex.sink.event(m);
      return Promise.resolve();
    }
    this.broadcast(entry, m);
    return Promise.resolve();
  }

  /** The request path asks the client something: park the call and answer it with input_required. */
  private askClient(entry: Entry, m: Json, related?: RpcId): Promise<void> {
    const ourId = m.id as number;
    const callId = related === undefined ? undefined : String(related);
    const ex = callId === undefined ? undefined : entry.exchanges.get(callId);
    const request = { method: m.method, params: m.params ?? {} };
    const parked = callId === undefined ? undefined : entry.parked.get(callId);
    const key = this.inputKey(entry, ourId, parked);
    if (!ex || !ex.digest) {
      if (parked) {
        parked.queued.push({ key, ourId, request });
        return Promise.resolve();
      }
      // Nothing to carry it: a 2026-07-28 client takes input only inside a call.
      entry.session.handle({ jsonrpc: '2.0', id: ourId, error: { code: JSONRPC.METHOD_NOT_FOUND, message: `${String(m.method)} cannot reach a 2026-07-28 client outside a tools/call, prompts/get or resources/read` } });
      return Promise.resolve();
    }
    const needed = CAPABILITY_OF[String(m.method)];
    if (needed && (typeof entry.capabilities[needed] !== 'object' || entry.capabilities[needed] === null)) {
      // The server asks for something this client did not declare: the gateway must not rely on it (SEP-2575).
      // The server's questions get an error; the client's call ends with -32021 naming what was missing.
      const refuse = (id: number) => entry.session.handle({ jsonrpc: '2.0', id, error: { code: JSONRPC.METHOD_NOT_FOUND, message: `the client did not declare the ${needed} capability` } });
      refuse(ourId);
      if (parked) {
        clearTimeout(parked.timer);
        if (parked.flush) clearTimeout(parked.flush);
        entry.parked.delete(parked.callId);
        for (const id of [...parked.asked.values(), ...parked.queued.map((q) => q.ourId)]) refuse(id);
      }
      entry.session.abandon([ex.internalId]);
      entry.exchanges.delete(ex.internalId);
      this.write(ex, rpcErr(ex.clientId, MISSING_CLIENT_CAPABILITY, `Missing required client capability: ${needed}`, { requiredCapabilities: { [needed]: {} } }));
      return Promise.resolve();
    }
    const p: Parked = parked ?? {
      callId: callId!,
      digest: ex.digest,
      asked: new Map(),
      questions: new Map(),
      queued: [],
      timer: setTimeout(() => this.expire(entry, callId!), this.o.stateTtlMs),
    };
    p.timer.unref?.();
    entry.parked.set(callId!, p);
    p.asked.set(key, ourId);
    p.questions.set(key, request);
    // A server asks a round's questions together (Upstream.request relays them at once): collect them until
    // none has come for a moment, so the client gets them in one input_required round rather than one each.
    (p.round ??= {})[key] = request;
    if (p.flush) clearTimeout(p.flush);
    p.flush = setTimeout(() => {
      p.flush = undefined;
      const inputRequests = p.round ?? {};
      p.round = undefined;
      if (ex.done || entry.exchanges.get(ex.internalId) !== ex) return;
      this.inputRequired(entry, ex, p, inputRequests);
    }, ROUND_SETTLE_MS);
    return Promise.resolve();
  }

  /**
   * The inputRequests key for a question: the 2026-07-28 server's own key when the question is one of its
   * inputRequests (so the client sees what the server asked for), else — an old server's request, the gateway's
   * approval prompt, an odd or already used key — one of the gateway's own.
   */
  private inputKey(entry: Entry, ourId: number, parked: Parked | undefined): string {
    const relayed = entry.session.relayedRequestId(ourId);
    const theirs = typeof relayed === 'string' && relayed.startsWith(INPUT_ID_PREFIX) ? relayed.slice(INPUT_ID_PREFIX.length) : undefined;
    const taken = (k: string) => parked !== undefined && (parked.asked.has(k) || parked.queued.some((q) => q.key === k));
    return theirs !== undefined && INPUT_KEY.test(theirs) && !/^r\d+$/.test(theirs) && !taken(theirs) ? theirs : `r${ourId}`;
  }

  private inputRequired(entry: Entry, ex: Exchange, p: Parked, inputRequests: Json): void {
    const requestState = this.sealer.seal({ p: entry.principal.id, d: p.digest, c: p.callId, e: Date.now() + this.o.stateTtlMs, i: this.gw.instance });
    // The exchange ends here; the call stays parked under its id for the retry.
    entry.exchanges.delete(ex.internalId);
    this.write(ex, { jsonrpc: '2.0', id: ex.clientId, result: { resultType: 'input_required', inputRequests, requestState } });
  }

  private expire(entry: Entry, callId: string): void {
    const p = entry.parked.get(callId);
    if (!p) return;
    entry.parked.delete(callId);
    if (p.flush) clearTimeout(p.flush);
    for (const ourId of [...p.asked.values(), ...p.queued.map((q) => q.ourId)]) entry.session.handle({ jsonrpc: '2.0', id: ourId, error: { code: ErrorCodes.PCX_UPSTREAM_TIMEOUT, message: 'the client did not retry with inputResponses in time' } });
    entry.session.abandon([callId]);
  }

  /** A retry: check its requestState, answer the parked questions, and wait for the call's answer on this response. */
  private resume(entry: Entry, sink: Sink, id: RpcId, method: string, params: Json, digest: string | undefined): void {
    const opened = this.sealer.open(params.requestState, entry.principal.id, digest ?? requestDigest(method, params));
    const p = 'error' in opened ? undefined : entry.parked.get(opened.c);
    if ('error' in opened || !p) {
      const reason =
        'error' in opened
          ? opened.error
          : opened.i !== undefined && opened.i !== this.gw.instance
            ? `the call waiting for input is parked on gateway replica ${opened.i}, not this one (${this.gw.instance}); MRTR retries must reach the same replica`
            : 'requestState names no call waiting for input (expired or already resumed)';
      this.gw.log.warn({ principal: entry.principal.id, method, reason }, 'requestState refused');
      const { eventId, recorded } = this.auditRefusal(entry.principal, method, params, undefined, 'era.request-state', reason);
      return void recorded.then(() => sink.end(rpcErr(id, JSONRPC.INVALID_PARAMS, 'Invalid or expired requestState', { code: 'PCX_DENIED', rule: 'era.request-state', reason, eventId })));
    }
    const responses = (params.inputResponses ?? {}) as Json;
    const answered = (k: string) => responses[k] !== null && typeof responses[k] === 'object' && !Array.isArray(responses[k]);
    const missing = [...p.asked.keys()].filter((k) => !answered(k));
    const ex: Exchange = { sink, clientId: id, method, internalId: p.callId, digest: p.digest, done: false, logLevel: logLevelOf(params), uri: typeof params.uri === 'string' ? params.uri : undefined };
    if (missing.length) {
      // SEP-2322: what the retry left out is asked again (a new round, a new sealed state); what it answered
      // goes on now. Keys the gateway did not ask are ignored.
      for (const [k, ourId] of [...p.asked]) {
        if (missing.includes(k)) continue;
        p.asked.delete(k);
        p.questions.delete(k);
        entry.session.handle({ jsonrpc: '2.0', id: ourId, result: responses[k] });
      }
      return this.inputRequired(entry, ex, p, Object.fromEntries(missing.map((k) => [k, p.questions.get(k)])));
    }
    this.attach(entry, ex);
    const answers = [...p.asked.entries()];
    p.asked.clear();
    p.questions.clear();
    const next = p.queued.splice(0);
    if (next.length === 0) {
      clearTimeout(p.timer);
      entry.parked.delete(p.callId);
    }
    for (const [k, ourId] of answers) entry.session.handle({ jsonrpc: '2.0', id: ourId, result: responses[k] });
    if (next.length) {
      for (const q of next) {
        p.asked.set(q.key, q.ourId);
        p.questions.set(q.key, q.request);
      }
      this.inputRequired(entry, ex, p, Object.fromEntries(next.map((q) => [q.key, q.request])));
    }
  }

  private cancel(principal: Principal, env: Envelope, msg: Json): void {
    const entry = this.entries.get(this.keyOf(principal, env));
    const reqId = (msg.params as Json | undefined)?.requestId;
    if (!entry || reqId === undefined) return;
    for (const ex of entry.exchanges.values()) if (ex.clientId === reqId) entry.session.abandon([ex.internalId]);
  }

  // ───────── HTTP framing ─────────

  private attach(entry: Entry, ex: Exchange): void {
    entry.exchanges.set(ex.internalId, ex);
    ex.sink.onClose(() => {
      if (ex.done) return;
      ex.done = true;
      if (entry.exchanges.get(ex.internalId) === ex) entry.exchanges.delete(ex.internalId);
      // Closing the stream cancels the request (2026-07-28).
      entry.session.abandon([ex.internalId]);
    });
  }

  private finish(entry: Entry, ex: Exchange, m: Json): void {
    entry.exchanges.delete(ex.internalId);
    const out: Json = { ...m, id: ex.clientId };
    if (m.result && typeof m.result === 'object') out.result = stampResult(ex.method, m.result as Json, this.o.maxTtlMs);
    const err = m.error as Json | undefined;
    if (ex.method === 'resources/read' && err?.code === RESOURCE_NOT_FOUND_2025) {
      // 2026-07-28 (SEP-2164): an unknown resource is -32602 with the uri in data; an old server (and the gateway's
      // own not-found, which answers a hidden resource exactly like a missing one) still says -32002.
      const data = err.data && typeof err.data === 'object' ? (err.data as Json) : {};
      out.error = { ...err, code: JSONRPC.INVALID_PARAMS, data: { ...data, uri: data.uri ?? ex.uri } };
    }
    this.write(ex, out);
  }

  private write(ex: Exchange, m: Json): void {
    ex.done = true;
    ex.sink.end(m);
  }

  private discoverResult(init: Json): Json {
    const caps = { ...((init.capabilities as Json | undefined) ?? {}) };
    delete caps.logging; // logging/setLevel is gone in 2026-07-28
    delete caps.tasks; // 2025-11-25 core tasks: a 2026-07-28 client has the extension instead (era/tasks.ts; not translated)
    const out: Json = {
      resultType: 'complete',
      supportedVersions: [...MODERN_VERSIONS],
      capabilities: caps,
      ttlMs: 0,
      cacheScope: 'private',
      _meta: { [SERVER_INFO_META_KEY]: init.serverInfo },
    };
    if (typeof init.instructions === 'string') out.instructions = init.instructions;
    return out;
  }

  // ───────── subscriptions/listen ─────────

  private listen(entry: Entry, sink: Sink, id: RpcId, msg: Json): void {
    const asked = ((msg.params as Json | undefined)?.notifications ?? {}) as Listen['filter'];
    const filter: Listen['filter'] = {};
    if (asked.toolsListChanged === true) filter.toolsListChanged = true;
    if (asked.promptsListChanged === true) filter.promptsListChanged = true;
    if (asked.resourcesListChanged === true) filter.resourcesListChanged = true;
    if (Array.isArray(asked.resourceSubscriptions)) filter.resourceSubscriptions = asked.resourceSubscriptions.filter((u): u is string => typeof u === 'string');
    const l: Listen = { sink, clientId: id, filter };
    sink.stream();
    sink.event({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { notifications: filter, _meta: { [SUBSCRIPTION_ID_META_KEY]: id } } });
    entry.listens.add(l);
    // Resource subscriptions are made upstream through the request path (so policy sees them too); their answers are not relayed.
    for (const uri of filter.resourceSubscriptions ?? []) entry.session.handle({ jsonrpc: '2.0', id: `sub${this.nextId++}`, method: 'resources/subscribe', params: { uri } });
    sink.onClose(() => {
      entry.listens.delete(l);
      entry.lastUsed = Date.now();
    });
  }

  private broadcast(entry: Entry, m: Json): void {
    const method = m.method as string;
    const uri = (m.params as Json | undefined)?.uri;
    for (const l of entry.listens) {
      const f = l.filter;
      const wanted =
        (method === 'notifications/tools/list_changed' && f.toolsListChanged) ||
        (method === 'notifications/prompts/list_changed' && f.promptsListChanged) ||
        (method === 'notifications/resources/list_changed' && f.resourcesListChanged) ||
        (method === 'notifications/resources/updated' && typeof uri === 'string' && f.resourceSubscriptions?.includes(uri));
      if (!wanted) continue;
      const params = { ...((m.params as Json | undefined) ?? {}) };
      params._meta = { ...((params._meta as Json | undefined) ?? {}), [SUBSCRIPTION_ID_META_KEY]: l.clientId };
      l.sink.event({ jsonrpc: '2.0', method, params });
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const e of [...this.entries.values()]) this.drop(e);
  }
}
