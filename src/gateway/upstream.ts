/**
 * One connection to one upstream MCP server (a stdio child, or a Streamable HTTP / SSE session).
 *
 * It speaks raw JSON-RPC: the gateway remaps ids (its own counter per connection), keeps the
 * pending calls, fails every in-flight call with a clear error when the connection dies, and
 * reconnects on demand with backoff. It belongs to one downstream session, to one principal's
 * sessions (`isolation: principal`), or is one member of a server's pool (`isolation: shared`, see
 * pool.ts); `owner` on each call says whose it is.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import path from 'node:path';
import { AsyncLocalStorage } from 'node:async_hooks';
import { isStdio, type RemoteServerConfig, type ServerConfig } from '../config/schema.js';
import { PACKAGE_ROOT } from '../config/load.js';
import type { Logger } from '../observability/log.js';
import { StdioChildTransport } from '../transports/stdio-child.js';
import type { ErrorCodeName } from '../errors.js';
import { CapacityError, type Capacity } from './capacity.js';
import { RELATED_CALL_KEY, tagNotifications } from './sse-tag.js';
import { LOG_LEVEL_META_KEY, MODERN_VERSION, SERVER_INFO_META_KEY, encodeHeaderValue, nameSource, withEnvelope, type Envelope } from './era/envelope.js';

export type { Json, RpcId } from '../shared/jsonrpc.js';
import type { Json, RpcId } from '../shared/jsonrpc.js';

/**
 * The call being sent: its headers (W3C traceparent; the 2026-07-28 Mcp-Method / Mcp-Name), which the HTTP
 * transports' fetch adds (the SDK transports take one fetch function per connection, not per request), and
 * the gateway's upstream id of the request, under which the notifications on its response stream are marked
 * (sse-tag.ts: a shared connection's log lines then reach the caller they belong to).
 */
interface CallOfFetch {
  headers?: Record<string, string>;
  callId?: number;
}
const callOfFetch = new AsyncLocalStorage<CallOfFetch>();

const tracingFetch = async (url: string | URL, init?: RequestInit): Promise<Response> => {
  const call = callOfFetch.getStore();
  if (!call) return fetch(url, init);
  let res: Response;
  if (call.headers) {
    const headers = new Headers(init?.headers);
    for (const [k, v] of Object.entries(call.headers)) headers.set(k, v);
    res = await fetch(url, { ...init, headers });
    if (call.headers['mcp-method'] !== undefined) res = await inBandError(res, init?.body);
  } else res = await fetch(url, init);
  if (call.callId !== undefined && init?.method === 'POST' && res.body && /^text\/event-stream/i.test(res.headers.get('content-type') ?? '')) {
    res = new Response(tagNotifications(res.body, call.callId), { status: res.status, statusText: res.statusText, headers: res.headers });
  }
  return res;
};

/**
 * A 2026-07-28 server answers some JSON-RPC errors with an HTTP error status (-32021 and header/envelope
 * refusals: 400; an unknown method: 404). The SDK transport throws on any non-2xx, which would turn the
 * server's answer into a transport failure; when the body is the JSON-RPC error response to this very
 * request, hand it on as an answer (status 200) so its code and data reach the client.
 */
async function inBandError(res: Response, body: unknown): Promise<Response> {
  if (res.status < 400 || res.status >= 500 || !/json/i.test(res.headers.get('content-type') ?? '') || typeof body !== 'string') return res;
  const text = await res.text();
  let same = false;
  try {
    const sent = JSON.parse(body) as Json;
    const got = JSON.parse(text) as Json;
    const err = got.error as Json | undefined;
    same = got.jsonrpc === '2.0' && sent.id !== undefined && got.id === sent.id && typeof err?.code === 'number' && typeof err.message === 'string';
  } catch {
    same = false;
  }
  return new Response(text, { status: same ? 200 : res.status, statusText: same ? 'OK' : res.statusText, headers: res.headers });
}

/** Prefix of the id under which an embedded `inputRequests` entry is relayed; the key follows it. */
export const INPUT_ID_PREFIX = 'input-';
/** Most input_required rounds one call may take with a 2026-07-28 server before the gateway gives up. */
const MAX_INPUT_ROUNDS = 8;
/** How long a stdio server gets to answer the server/discover probe before it is taken for a 2025-era one. */
const STDIO_PROBE_MS = 3000;

/** A failure of the upstream hop (not an error the upstream answered with). */
export class UpstreamError extends Error {
  constructor(
    readonly code: ErrorCodeName,
    message: string,
    /** Extra `error.data` for the client: `retryAfterMs` when a retry can succeed later, the `rule` of a cap. */
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Who a call belongs to: the downstream session that receives its notifications and server requests. */
export interface UpstreamOwner {
  id: string;
  /** The client can answer server→client requests (sampling, elicitation): a pool gives its calls a member of their own. */
  readonly answersServerRequests?: boolean;
  onUpstreamNotification(upstream: Upstream, msg: Json, call?: PendingCall): void;
  onUpstreamRequest(upstream: Upstream, msg: Json, call?: PendingCall): Promise<Json>;
}

export interface PendingCall {
  upstreamId: number;
  method: string;
  owner: UpstreamOwner;
  /** The client's id for the request this call serves, if any. */
  downstreamId?: RpcId;
  /** The caller's own progress token; the upstream sees `upstreamToken` instead (unique per connection). */
  progressToken?: string | number;
  upstreamToken?: string;
  resolve(msg: Json): void;
  reject(err: UpstreamError): void;
  timer?: NodeJS.Timeout;
  timeoutMs: number;
}

type RequestOpts = {
  timeoutMs: number;
  owner: UpstreamOwner;
  downstreamId?: RpcId;
  skipReady?: boolean;
  onSent?: (upstreamId: number) => void;
  traceparent?: string;
  /** `Mcp-Param-*` headers mirroring the call's arguments, sent to a 2026-07-28 server only. */
  paramHeaders?: Record<string, string>;
  /**
   * The capabilities of the client this call is for, sent in a 2026-07-28 request's envelope. A pooled
   * connection serves many clients: the server must judge each request by its own caller's capabilities
   * (ask only for what that client can answer, or refuse with -32021), not by the connection's.
   */
  clientCapabilities?: Json;
  /**
   * The log level a session client set (logging/setLevel), sent to a 2026-07-28 server as the request's
   * `_meta` logLevel: that revision has no logging/setLevel, a request asks for its own log lines.
   */
  logLevel?: string;
};


export interface InitializeResult {
  protocolVersion: string;
  capabilities: Json;
  serverInfo?: { name: string; version: string };
  instructions?: string;
}

export interface UpstreamDeps {
  log: Logger;
  maxMessageBytes: number;
  /** The gateway's child budget (`limits.maxChildren`, `limits.maxChildrenPerPrincipal`). */
  capacity: Capacity;
  /** Whose sessions this connection serves (undefined: the gateway's own, e.g. a shared server). */
  principal?: string;
  /** The session that asked for it (never reclaimed to make room for itself). */
  requester?: string;
  /** Set when this server's `maxInstances` is reached: a child may not be started, for this reason. */
  refuseChild?: string;
  /** A line the child wrote on stderr (the gateway logs it, rate-limited and redacted). */
  onStderr?(server: string, line: string): void;
  onRestart?(server: string): void;
  onHealth?(server: string, up: boolean, reason?: string): void;
  /**
   * `servers.<name>.credentials`: this connection's principal's own credential, as env for a stdio
   * child (at spawn) or headers for each HTTP request. Throws UpstreamError (a rule) when there is none.
   */
  credentials?(server: string): Promise<Record<string, string>>;
  /** The remote server answered 401 to those credentials (the source forgets them). */
  credentialsRejected?(server: string): Promise<void>;
  /** A pool member: the owners of the whole pool (list changes and resource updates reach them). */
  owners?: Set<UpstreamOwner>;
  /** A pool member: false = only take a free child slot, never close an idle session to make one. */
  reclaim?: boolean;
  /** A pool member: refuse `roots/list` (a client's roots would become state of every caller's process). */
  refuseRoots?: boolean;
  /** The connection failed or died (not closed by the gateway). */
  onDown?(u: Upstream, reason: string): void;
  /** The server sent a server→client request (other than ping). */
  onServerRequest?(u: Upstream, method: string): void;
}

type State = 'idle' | 'connecting' | 'ready' | 'dead' | 'closed';
/** How the upstream is spoken to: a 2025-era session (initialize) or 2026-07-28 per-request envelopes. */
export type UpstreamEra = 'session' | 'envelope';

const INIT_TIMEOUT_MS = 30_000;
const MAX_BACKOFF_MS = 30_000;
/** A connection up at least this long before it died starts its restart backoff from the bottom again. */
export const HEALTHY_RESET_MS = 30_000;

/** The restart delay after `failures` consecutive failures: 250 ms doubling, capped at 30 s. */
export function backoffMs(failures: number): number {
  return Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.max(0, failures - 1));
}

export class Upstream {
  state: State = 'idle';
  init?: InitializeResult;
  /** Set when the last connection failed or died, for error messages. */
  lastError?: string;
  private transport?: Transport;
  private nextId = 1;
  private readonly pending = new Map<number, PendingCall>();
  /** In-flight calls by the progress token the upstream was given. */
  private readonly byToken = new Map<string, PendingCall>();
  /** Shared connections: who subscribed to which resource URI (updates go to them only). */
  private readonly subscribers = new Map<string, Set<UpstreamOwner>>();
  /** Owners attached to this connection (one unless shared). */
  readonly owners: Set<UpstreamOwner>;
  private connecting?: Promise<void>;
  private failures = 0;
  private retryAt = 0;
  /** When the current connection became ready (for the healthy-period backoff reset). */
  private readyAt = 0;
  private initParams?: Json;
  private isChild = false;
  private idleTimer?: NodeJS.Timeout;
  private prestarted?: Promise<Transport | undefined>;
  /** Decided by discovery at the first connect (server/discover answered with 2026-07-28, or not). */
  era?: UpstreamEra;
  /** The envelope sent with every request in the per-request era. */
  private envelope?: Envelope;
  /** The pool this connection is a member of (lists are cached per pool). */
  group?: object;

  constructor(
    readonly name: string,
    readonly spec: ServerConfig,
    private readonly deps: UpstreamDeps,
    readonly shared = false,
    private readonly idleTimeoutMs = 0,
  ) {
    this.owners = deps.owners ?? new Set();
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Connect (or reconnect after a failure, respecting the backoff) and run the initialize handshake. */
  ensure(initParams: Json): Promise<void> {
    this.initParams ??= initParams;
    if (this.state === 'ready') return Promise.resolve();
    if (this.state === 'closed') return Promise.reject(new UpstreamError('PCX_UPSTREAM_UNAVAILABLE', `${this.name}: connection closed`));
    if (this.connecting) return this.connecting;
    const now = Date.now();
    if (this.state === 'dead' && now < this.retryAt) {
      return Promise.reject(
        new UpstreamError('PCX_UPSTREAM_UNAVAILABLE', `${this.name} is unavailable (${this.lastError ?? 'failed'}); next restart attempt in ${Math.ceil((this.retryAt - now) / 1000)}s`, {
          retryAfterMs: Math.max(250, this.retryAt - now),
        }),
      );
    }
    const restart = this.state === 'dead';
    this.state = 'connecting';
    this.connecting = this.connect(this.initParams).then(
      () => {
        this.connecting = undefined;
        // The backoff is reset only once the connection has stayed up (markDead): a server that dies
        // right after each start does not get restarted every 250 ms.
        this.readyAt = Date.now();
        this.state = 'ready';
        this.deps.onHealth?.(this.name, true);
        if (restart) this.deps.onRestart?.(this.name);
      },
      (err: unknown) => {
        this.connecting = undefined;
        const capacity = err instanceof UpstreamError && err.data?.rule !== undefined;
        // A refusal for capacity is not the server's fault: no backoff, no health change.
        if (capacity) this.state = 'idle';
        else this.markDead(err instanceof Error ? err.message : String(err));
        if (capacity) throw err;
        // Whatever went wrong while starting (it exited, the connection closed, initialize failed), the server is unavailable.
        const data = { ...(err instanceof UpstreamError ? err.data : {}), retryAfterMs: Math.max(250, this.retryAt - Date.now()) };
        const message = err instanceof UpstreamError && err.code === 'PCX_UPSTREAM_UNAVAILABLE' ? err.message : `${this.name} could not be started: ${this.lastError}`;
        throw new UpstreamError('PCX_UPSTREAM_UNAVAILABLE', message, data);
      },
    );
    return this.connecting;
  }

  private markDead(reason: string): void {
    if (this.state === 'closed') return;
    this.lastError = reason;
    const now = Date.now();
    if (this.state === 'ready' && now - this.readyAt >= HEALTHY_RESET_MS) this.failures = 0;
    this.state = 'dead';
    this.failures++;
    this.retryAt = now + backoffMs(this.failures);
    this.deps.onHealth?.(this.name, false, reason);
    this.deps.onDown?.(this, reason);
  }

  /** This connection holds a child counted against a principal (closing its session frees it). */
  get holdsChild(): boolean {
    return this.isChild && this.deps.principal !== undefined;
  }

  /** Sessions are subscribed to resources through this connection. */
  get hasSubscriptions(): boolean {
    return this.subscribers.size > 0;
  }

  /** When the next (re)start may be tried, in ms from now (0: now). */
  get retryAfterMs(): number {
    return this.state === 'dead' ? Math.max(0, this.retryAt - Date.now()) : 0;
  }

  /** The principal's own credential for this server (fail closed: no principal, no credential). */
  private credentialValues(): Promise<Record<string, string>> {
    if (!this.deps.credentials) {
      return Promise.reject(new UpstreamError('PCX_DENIED', `${this.name} takes per-principal credentials (servers.${this.name}.credentials), and this connection serves no principal`, { rule: 'credentials.no-credential' }));
    }
    return this.deps.credentials(this.name);
  }

  private makeTransport(extraEnv?: Record<string, string>): Transport | Promise<Transport> {
    const spec = this.spec;
    if (isStdio(spec)) {
      return new StdioChildTransport({
        name: this.name,
        command: spec.command,
        args: spec.args,
        env: extraEnv ? { ...spec.env, ...extraEnv } : spec.env,
        cwd: spec.cwd,
        maxLineBytes: this.deps.maxMessageBytes,
        extraPath: [path.join(PACKAGE_ROOT, 'node_modules', '.bin')],
        log: this.deps.log,
        onStderr: this.deps.onStderr ? (line) => this.deps.onStderr!(this.name, line) : undefined,
      });
    }
    return remoteTransport(spec, spec.credentials ? { headers: () => this.credentialValues(), rejected: async () => this.deps.credentialsRejected?.(this.name) } : undefined);
  }

  /** Count this connection's child against the gateway's budget; throws UpstreamError when there is no room. */
  private reserveChild(): void {
    if (!isStdio(this.spec) || this.isChild) return;
    if (this.deps.refuseChild) throw new UpstreamError('PCX_UPSTREAM_UNAVAILABLE', `${this.name}: ${this.deps.refuseChild}`, { rule: 'servers.maxInstances', retryAfterMs: 1000 });
    try {
      this.deps.capacity.acquireChild(this.deps.principal, this.deps.requester, this.name, this.deps.reclaim ?? true);
    } catch (e) {
      if (e instanceof CapacityError) throw new UpstreamError(e.code, e.message, e.data);
      throw e;
    }
    this.isChild = true;
  }

  /**
   * Spawn a stdio child now, before the client's initialize arrives (which the handshake needs),
   * so a client that starts `portcullis stdio` does not wait for two process starts in a row.
   */
  prestart(): void {
    if (!isStdio(this.spec) || this.state !== 'idle' || this.transport || this.prestarted || this.spec.credentials) return;
    try {
      this.reserveChild();
    } catch {
      return; // connect() reports it
    }
    const t = this.makeTransport() as StdioChildTransport; // stdio only (checked above): made synchronously
    this.prestarted = t.start().then(
      () => t,
      () => undefined, // connect() will start a fresh one and report the error
    );
  }

  private async connect(initParams: Json): Promise<void> {
    const early = this.prestarted ? await this.prestarted : undefined;
    this.prestarted = undefined;
    // Per-principal credentials first: a principal without one starts nothing (and takes no child slot).
    const creds = this.spec.credentials ? await this.credentialValues() : undefined;
    if (!early) this.reserveChild();
    const t = early && !(early as StdioChildTransport).exit ? early : await this.makeTransport(isStdio(this.spec) ? creds : undefined);
    if (this.state === 'closed') {
      // Closed while the transport was being made (a pool shutting down, a session ending): start nothing.
      await t.close().catch(() => undefined);
      this.releaseChild();
      throw new UpstreamError('PCX_UPSTREAM_UNAVAILABLE', `${this.name}: connection closed`);
    }
    this.transport = t;
    t.onmessage = (m) => this.onMessage(m as unknown as Json);
    t.onerror = (e) => this.deps.log.warn({ server: this.name, err: e.message }, 'upstream transport error');
    t.onclose = () => this.onClosed(t);
    try {
      if (t !== early) await t.start();
      if (this.era !== 'session' && (await this.discover(t, initParams))) return;
      const res = await this.request('initialize', initParams, { timeoutMs: INIT_TIMEOUT_MS, owner: NO_OWNER, skipReady: true });
      if ('error' in res) {
        const e = res.error as { message?: string };
        throw new UpstreamError('PCX_UPSTREAM_UNAVAILABLE', `${this.name} refused initialize: ${e.message ?? 'error'}`);
      }
      const result = res.result as InitializeResult;
      this.init = result;
      const setPv = (t as { setProtocolVersion?: (v: string) => void }).setProtocolVersion;
      if (typeof setPv === 'function' && result.protocolVersion) setPv.call(t, result.protocolVersion);
      await t.send({ jsonrpc: '2.0', method: 'notifications/initialized' } as JSONRPCMessage);
      this.touch();
    } catch (e) {
      this.transport = undefined;
      t.onclose = undefined;
      await t.close().catch(() => undefined);
      this.releaseChild();
      throw e;
    }
  }

  /**
   * Try `server/discover` (2026-07-28). A server that answers with a revision we speak is used per
   * request from now on; anything else (an error, a refusal, silence on stdio) means a 2025-era
   * server, remembered so that reconnects go straight to initialize.
   */
  private async discover(t: Transport, initParams: Json): Promise<boolean> {
    const env: Envelope = {
      protocolVersion: MODERN_VERSION,
      clientInfo: (initParams.clientInfo as Envelope['clientInfo']) ?? { name: 'portcullis', version: '0' },
      capabilities: (initParams.capabilities as Json | undefined) ?? {},
    };
    let res: Json | undefined;
    try {
      res = await this.send('server/discover', withEnvelope({}, env), { timeoutMs: isStdio(this.spec) ? STDIO_PROBE_MS : INIT_TIMEOUT_MS, owner: NO_OWNER, skipReady: true, headers: { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'server/discover' } });
    } catch {
      res = undefined;
    }
    const result = res?.result as Json | undefined;
    const versions = result?.supportedVersions;
    if (!Array.isArray(versions) || !versions.includes(MODERN_VERSION)) {
      if (this.transport !== t) throw new UpstreamError('PCX_UPSTREAM_UNAVAILABLE', `${this.name}: connection closed during discovery`);
      // Only an answer is a verdict to keep; silence (a slow start) is probed again at the next connect.
      if (res) this.era = 'session';
      return false;
    }
    this.era = 'envelope';
    this.envelope = env;
    const meta = result!._meta as Json | undefined;
    this.init = {
      protocolVersion: MODERN_VERSION,
      capabilities: (result!.capabilities as Json | undefined) ?? {},
      serverInfo: meta?.[SERVER_INFO_META_KEY] as InitializeResult['serverInfo'],
      ...(typeof result!.instructions === 'string' ? { instructions: result!.instructions } : {}),
    };
    const setPv = (t as { setProtocolVersion?: (v: string) => void }).setProtocolVersion;
    if (typeof setPv === 'function') setPv.call(t, MODERN_VERSION);
    // List changes come on one long-lived subscriptions/listen request (the 2026-07-28 replacement for the GET stream).
    const caps = this.init.capabilities;
    const notifications = {
      toolsListChanged: (caps.tools as Json | undefined)?.listChanged === true,
      promptsListChanged: (caps.prompts as Json | undefined)?.listChanged === true,
      resourcesListChanged: (caps.resources as Json | undefined)?.listChanged === true,
    };
    if (notifications.toolsListChanged || notifications.promptsListChanged || notifications.resourcesListChanged) {
      this.request('subscriptions/listen', { notifications }, { timeoutMs: 0, owner: NO_OWNER, skipReady: true }).catch(() => undefined);
    }
    this.touch();
    return true;
  }

  private releaseChild(): void {
    if (this.isChild) {
      this.isChild = false;
      this.deps.capacity.releaseChild(this.deps.principal);
    }
  }

  private onClosed(t: Transport): void {
    if (this.transport !== t) return;
    this.transport = undefined;
    this.releaseChild();
    const { exit, closeReason } = t as StdioChildTransport;
    const why = closeReason ? closeReason.message : exit ? `process exited (${exit.signal ?? `code ${exit.code}`})` : 'connection closed';
    if (this.state !== 'closed') {
      this.markDead(why);
      this.deps.log.warn({ server: this.name, reason: why }, 'upstream went away');
    }
    this.failAll(new UpstreamError(closeReason?.code ?? 'PCX_UPSTREAM_CLOSED', `${this.name}: ${why}${closeReason ? '' : ' while the call was in flight'}`));
  }

  private failAll(err: UpstreamError): void {
    const calls = [...this.pending.values()];
    this.pending.clear();
    this.byToken.clear();
    for (const c of calls) {
      if (c.timer) clearTimeout(c.timer);
      c.reject(err);
    }
  }

  /**
   * Send a request and resolve with the upstream's response message (result or error). To a
   * 2026-07-28 server it goes with the envelope and standard headers, and an `input_required` answer
   * is fulfilled here: each embedded request goes to the owner as a server→client request would
   * (so a session-based client sees sampling / elicitation / roots on its own session), and the call
   * is retried with the answers and the server's requestState, which never leaves the gateway.
   */
  async request(method: string, params: unknown, opts: RequestOpts): Promise<Json> {
    if (this.era !== 'envelope' || !this.envelope) return this.send(method, params, opts);
    // No logging/setLevel in 2026-07-28: the level travels with each request instead (opts.logLevel).
    if (method === 'logging/setLevel') return { jsonrpc: '2.0', id: 0, result: {} };
    if ((method === 'resources/subscribe' || method === 'resources/unsubscribe') && opts.owner !== NO_OWNER) {
      const answered = this.envelopeSubscription(method, (params as Json | undefined)?.uri, opts.owner);
      if (answered) return answered;
    }
    let base = withEnvelope(params, opts.clientCapabilities ? { ...this.envelope, capabilities: opts.clientCapabilities } : this.envelope);
    if (opts.logLevel) base = { ...base, _meta: { ...(base._meta as Json), [LOG_LEVEL_META_KEY]: opts.logLevel } };
    const name = nameSource(method, base);
    const headers: Record<string, string> = { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': method };
    if (name !== undefined) headers['mcp-name'] = encodeHeaderValue(name);
    if (opts.paramHeaders) Object.assign(headers, opts.paramHeaders);
    let res = await this.send(method, base, { ...opts, headers });
    for (let round = 0; opts.owner !== NO_OWNER; round++) {
      const result = res.result as Json | undefined;
      if (result?.resultType !== 'input_required') break;
      if (round >= MAX_INPUT_ROUNDS) return { jsonrpc: '2.0', id: res.id, error: { code: -32603, message: `${this.name} asked for input more than ${MAX_INPUT_ROUNDS} times for one ${method}` } };
      const inputResponses: Json = {};
      const asks = Object.entries((result.inputRequests as Json | undefined) ?? {});
      const call: PendingCall = { upstreamId: Number(res.id), method, owner: opts.owner, downstreamId: opts.downstreamId, resolve() {}, reject() {}, timeoutMs: opts.timeoutMs };
      // All of a round's questions at once (the server asked them together; a per-request client answers them in
      // one input_required round). Each id carries its key, which a per-request client sees again.
      const replies = await Promise.all(
        asks.map(([key, ask]) => opts.owner.onUpstreamRequest(this, { jsonrpc: '2.0', id: `${INPUT_ID_PREFIX}${key}`, method: (ask as Json).method, params: (ask as Json).params ?? {} }, call)),
      );
      const failed = replies.find((reply) => 'error' in reply);
      if (failed) return { jsonrpc: '2.0', id: res.id, error: failed.error };
      asks.forEach(([key], i) => (inputResponses[key] = replies[i]!.result));
      const retry: Json = { ...base, inputResponses };
      if (result.requestState !== undefined) retry.requestState = result.requestState;
      res = await this.send(method, retry, { ...opts, headers });
    }
    return res;
  }

  private send(method: string, params: unknown, opts: RequestOpts & { headers?: Record<string, string> }): Promise<Json> {
    const t = this.transport;
    if (!t || (!opts.skipReady && this.state !== 'ready')) {
      return Promise.reject(new UpstreamError('PCX_UPSTREAM_UNAVAILABLE', `${this.name} is not connected${this.lastError ? ` (${this.lastError})` : ''}`));
    }
    const id = this.nextId++;
    const p = params as { _meta?: { progressToken?: string | number } } | undefined;
    const progressToken = p?._meta?.progressToken;
    // Progress tokens are the caller's choice: two clients (or two calls) may pick the same one. The
    // upstream gets one of ours, unique on this connection, so progress reaches only the call that asked.
    const upstreamToken = progressToken === undefined ? undefined : `pcx-${id}`;
    let p2 = params as Json | undefined;
    if (upstreamToken !== undefined) p2 = { ...p2, _meta: { ...(p2!._meta as Json), progressToken: upstreamToken } };
    if (this.shared && !opts.skipReady) {
      const answered = this.sharedSubscription(method, p2, opts.owner, id);
      if (answered) return answered;
    }
    return new Promise<Json>((resolve, reject) => {
      const call: PendingCall = {
        upstreamId: id,
        method,
        owner: opts.owner,
        downstreamId: opts.downstreamId,
        progressToken,
        upstreamToken,
        resolve,
        reject,
        timeoutMs: opts.timeoutMs,
      };
      this.pending.set(id, call);
      if (upstreamToken !== undefined) this.byToken.set(upstreamToken, call);
      this.arm(call);
      // Trace context travels in _meta for every transport, and as a header on HTTP ones.
      if (opts.traceparent) p2 = { ...(p2 ?? {}), _meta: { ...((p2?._meta as Json | undefined) ?? {}), traceparent: opts.traceparent } };
      const msg = p2 === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params: p2 };
      const extra = opts.traceparent ? { ...opts.headers, traceparent: opts.traceparent } : opts.headers;
      // A caller's request (not the gateway's own, e.g. a listen stream): its response stream's notifications are marked as its.
      const http = !isStdio(this.spec);
      const callId = opts.owner !== NO_OWNER && http ? id : undefined;
      // Only HTTP transports' fetch reads the call's context. A stdio child must not enter the
      // AsyncLocalStorage: its first run() turns on Node's promise hooks for the life of the process, a
      // cost on every promise of every call (~1–2 % of the gateway's busy time in the profile).
      const sent = http && (extra || callId !== undefined) ? callOfFetch.run({ headers: extra, callId }, () => t.send(msg as JSONRPCMessage)) : t.send(msg as JSONRPCMessage);
      sent.then(
        () => opts.onSent?.(id),
        (err: Error) => {
          if (this.forget(id)) {
            if (call.timer) clearTimeout(call.timer);
            // A refusal of the principal's credential (no token any more) is that refusal, link and rule included.
            reject(err instanceof UpstreamError && err.data?.rule !== undefined ? err : new UpstreamError('PCX_UPSTREAM_CLOSED', `${this.name}: could not send (${err.message})`));
          }
        },
      );
      this.touch();
    });
  }

  /** Remove an in-flight call; false when it was not (or no longer) pending. */
  private forget(id: number): boolean {
    const call = this.pending.get(id);
    if (!call) return false;
    this.pending.delete(id);
    if (call.upstreamToken !== undefined) this.byToken.delete(call.upstreamToken);
    return true;
  }

  private arm(call: PendingCall): void {
    if (call.timer) clearTimeout(call.timer);
    if (call.timeoutMs <= 0) return;
    call.timer = setTimeout(() => {
      if (!this.forget(call.upstreamId)) return;
      this.cancel(call.upstreamId, 'timeout', false);
      call.reject(new UpstreamError('PCX_UPSTREAM_TIMEOUT', `${this.name} did not answer ${call.method} within ${call.timeoutMs} ms`));
    }, call.timeoutMs);
    call.timer.unref?.();
  }

  /** Cancel an in-flight call: tell the upstream, and (unless told not to) settle it locally. */
  cancel(upstreamId: number, reason: string, settle = true): void {
    const call = this.pending.get(upstreamId);
    if (settle && call) {
      this.forget(upstreamId);
      if (call.timer) clearTimeout(call.timer);
      call.reject(new UpstreamError('PCX_UPSTREAM_CLOSED', `cancelled: ${reason}`));
    }
    this.notify('notifications/cancelled', { requestId: upstreamId, reason });
  }

  notify(method: string, params?: unknown): void {
    const t = this.transport;
    if (!t || this.state !== 'ready') return;
    if (this.era === 'envelope' && this.envelope) {
      if (method === 'notifications/roots/list_changed') return; // no such notification in 2026-07-28
      params = withEnvelope(params, this.envelope);
    }
    const msg = params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
    t.send(msg as JSONRPCMessage).catch(() => undefined);
  }

  /** Answer a server→client request (with the upstream's own id). */
  respond(msg: Json): void {
    this.transport?.send(msg as unknown as JSONRPCMessage).catch(() => undefined);
  }

  private onMessage(msg: Json): void {
    const id = msg.id as RpcId | undefined;
    const method = msg.method as string | undefined;
    if (method === undefined) {
      // A response. One without a usable id (e.g. a parse error) cannot be matched: log it.
      const call = typeof id === 'number' ? this.pending.get(id) : undefined;
      if (!call) {
        this.deps.log.debug({ server: this.name, id }, 'response for no pending call');
        return;
      }
      this.forget(id as number);
      if (call.timer) clearTimeout(call.timer);
      call.resolve(msg);
      return;
    }
    if (id === undefined) return this.onNotification(msg, method);
    void this.onServerRequest(msg, method, id);
  }

  /** The most recent in-flight call (of `owner`, when given): where a server→client message most likely belongs. */
  private latestCall(owner?: UpstreamOwner): PendingCall | undefined {
    let last: PendingCall | undefined;
    for (const c of this.pending.values()) if (c.owner !== NO_OWNER && (owner === undefined || c.owner === owner)) last = c;
    return last;
  }

  /**
   * On a shared connection, the one owner with calls in flight, if exactly one has: only then can a
   * message the upstream sends without a token or id (a server→client request) be attributed.
   */
  private soleActiveOwner(): UpstreamOwner | undefined {
    let owner: UpstreamOwner | undefined;
    for (const c of this.pending.values()) {
      if (c.owner === NO_OWNER) continue;
      if (owner && owner !== c.owner) return undefined;
      owner = c.owner;
    }
    return owner;
  }

  /**
   * Route a notification to the session it belongs to. A shared connection serves several
   * principals, so nothing is broadcast that carries data: progress goes by its (remapped) token
   * to the one call that asked, a resource update to the sessions subscribed to that URI, list
   * changes (no data, each session re-lists through its own policy) to every owner, and what
   * cannot be attributed (logging messages, unknown notifications) to nobody. A message that came on
   * the response stream of a caller's request (HTTP; marked by sse-tag.ts) is attributed: it is that caller's.
   */
  private onNotification(msg: Json, method: string): void {
    if (method === 'notifications/subscriptions/acknowledged') return; // our own listen stream opening
    let params = msg.params as Json | undefined;
    // The mark of the response stream it came on (sse-tag.ts), stripped before anything else sees the message.
    const meta = params?._meta as Json | undefined;
    let related: PendingCall | undefined;
    if (meta && RELATED_CALL_KEY in meta) {
      const { [RELATED_CALL_KEY]: callId, ...rest } = meta;
      params = { ...params };
      if (Object.keys(rest).length) params._meta = rest;
      else delete params._meta;
      msg = { ...msg, params };
      const c = typeof callId === 'number' ? this.pending.get(callId) : undefined;
      if (c && c.owner !== NO_OWNER) related = c;
    }
    if (method === 'notifications/progress') {
      const token = params?.progressToken;
      const c = typeof token === 'string' ? this.byToken.get(token) : undefined;
      if (!c) return this.deps.log.debug({ server: this.name }, 'progress for no call in flight: dropped');
      this.arm(c); // progress resets the timeout: long jobs that report progress are alive
      c.owner.onUpstreamNotification(this, { ...msg, params: { ...params, progressToken: c.progressToken } }, c);
      return;
    }
    if (method.endsWith('/list_changed') || method === 'notifications/cancelled') {
      // list_changed carries no data; a cancellation is acted on only by the session holding that request id.
      for (const o of this.owners) o.onUpstreamNotification(this, msg, this.latestCall(o));
      return;
    }
    if (related && method !== 'notifications/resources/updated') {
      // Sent on the response stream of one caller's request (a log line of its call, above all): that caller's,
      // whoever else shares the connection.
      related.owner.onUpstreamNotification(this, msg, related);
      return;
    }
    if (!this.shared) {
      const call = this.latestCall();
      const owner = call?.owner ?? this.owners.values().next().value;
      owner?.onUpstreamNotification(this, msg, call);
      return;
    }
    if (method === 'notifications/resources/updated') {
      const uri = params?.uri;
      for (const o of (typeof uri === 'string' && this.subscribers.get(uri)) || []) if (this.owners.has(o)) o.onUpstreamNotification(this, msg, this.latestCall(o));
      return;
    }
    this.deps.log.debug({ server: this.name, method }, 'notification from a shared server that names no caller: not relayed');
  }

  private async onServerRequest(msg: Json, method: string, id: RpcId): Promise<void> {
    if (method === 'ping') return this.respond({ jsonrpc: '2.0', id, result: {} });
    if (method === 'roots/list' && this.deps.refuseRoots) {
      // The answer would become the server's state for every caller of this process (server-filesystem
      // takes the roots as its allowed directories): a server that needs the client's roots is `isolation: session`.
      return this.respond({ jsonrpc: '2.0', id, error: { code: -32601, message: 'roots/list refused by the gateway: this server is shared between clients (isolation: shared); its configured directories apply' } });
    }
    this.deps.onServerRequest?.(this, method);
    // Shared: only while exactly one session has calls here can the request be its; otherwise refuse it.
    const owner = this.shared ? this.soleActiveOwner() : (this.latestCall()?.owner ?? this.owners.values().next().value);
    const call = owner ? this.latestCall(owner) : undefined;
    if (!owner) {
      const why = this.shared ? 'it cannot be attributed to one client session of this shared server' : 'no client session';
      return this.respond({ jsonrpc: '2.0', id, error: { code: -32601, message: `${method} refused by the gateway: ${why}` } });
    }
    let reply: Json;
    try {
      reply = await owner.onUpstreamRequest(this, msg, call);
    } catch (e) {
      reply = { jsonrpc: '2.0', id, error: { code: -32603, message: e instanceof Error ? e.message : String(e) } };
    }
    this.respond({ ...reply, id });
  }

  /**
   * resources/subscribe and /unsubscribe on a shared connection: the upstream holds one subscription
   * per URI for all sessions, so it is sent on the first subscriber and withdrawn after the last;
   * the others are answered here. Returns the answer when the upstream need not be asked.
   */
  private sharedSubscription(method: string, params: Json | undefined, owner: UpstreamOwner, id: number): Promise<Json> | undefined {
    const uri = params?.uri;
    if (typeof uri !== 'string' || owner === NO_OWNER) return undefined;
    const set = this.subscribers.get(uri);
    if (method === 'resources/subscribe') {
      if (set?.size) {
        set.add(owner);
        return Promise.resolve({ jsonrpc: '2.0', id, result: {} });
      }
      this.subscribers.set(uri, new Set([owner]));
      return undefined;
    }
    if (method === 'resources/unsubscribe') {
      if (!set?.has(owner)) return Promise.resolve({ jsonrpc: '2.0', id, result: {} });
      set.delete(owner);
      if (set.size > 0) return Promise.resolve({ jsonrpc: '2.0', id, result: {} });
      this.subscribers.delete(uri);
    }
    return undefined;
  }

  /** A session leaves this connection: forget its subscriptions (withdrawing those it held alone). */
  detach(owner: UpstreamOwner): void {
    this.owners.delete(owner);
    let changed = false;
    for (const [uri, set] of this.subscribers) {
      if (!set.delete(owner) || set.size > 0) continue;
      this.subscribers.delete(uri);
      changed = true;
      if (this.state === 'ready' && this.era !== 'envelope') void this.request('resources/unsubscribe', { uri }, { timeoutMs: 10_000, owner: NO_OWNER }).catch(() => undefined);
    }
    if (changed && this.era === 'envelope') this.relistenResources();
  }

  /** The upstream id of the subscriptions/listen request that carries this connection's resource subscriptions (2026-07-28). */
  private resourceListen?: number;

  /**
   * resources/subscribe and /unsubscribe from a session-era client to a 2026-07-28 server, which has
   * neither: the subscription becomes a `resourceSubscriptions` entry of a subscriptions/listen stream the
   * gateway holds for this connection (reopened with the new set on every change), and the client is
   * answered here. `notifications/resources/updated` from that stream reach the subscribed sessions.
   */
  private envelopeSubscription(method: string, uri: unknown, owner: UpstreamOwner): Json | undefined {
    if (typeof uri !== 'string') return undefined;
    const set = this.subscribers.get(uri);
    let changed = false;
    if (method === 'resources/subscribe') {
      if (set) set.add(owner);
      else {
        this.subscribers.set(uri, new Set([owner]));
        changed = true;
      }
    } else if (set?.delete(owner) && set.size === 0) {
      this.subscribers.delete(uri);
      changed = true;
    }
    if (changed) this.relistenResources();
    return { jsonrpc: '2.0', id: 0, result: {} };
  }

  private relistenResources(): void {
    const previous = this.resourceListen;
    this.resourceListen = undefined;
    if (previous !== undefined) this.cancel(previous, 'resource subscriptions changed');
    const uris = [...this.subscribers.keys()];
    if (uris.length === 0 || this.state !== 'ready') return;
    this.request('subscriptions/listen', { notifications: { resourceSubscriptions: uris } }, {
      timeoutMs: 0,
      owner: NO_OWNER,
      skipReady: true,
      onSent: (id) => {
        this.resourceListen = id;
      },
    }).catch(() => undefined);
  }

  /** Stop an idle child after `idleTimeout`; the next call restarts it. */
  private touch(): void {
    if (this.idleTimeoutMs <= 0) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.pending.size > 0) return this.touch();
      this.deps.log.info({ server: this.name }, 'stopping idle upstream');
      const t = this.transport;
      this.transport = undefined;
      this.state = 'idle';
      this.releaseChild();
      if (t) {
        t.onclose = undefined;
        void t.close();
      }
    }, this.idleTimeoutMs);
    this.idleTimer.unref?.();
  }

  async close(): Promise<void> {
    this.state = 'closed';
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const early = this.prestarted;
    this.prestarted = undefined;
    if (early) void early.then((t) => t?.close());
    const t = this.transport;
    this.transport = undefined;
    this.failAll(new UpstreamError('PCX_UPSTREAM_CLOSED', `${this.name}: session closed`));
    this.releaseChild();
    if (t) {
      t.onclose = undefined;
      await t.close().catch(() => undefined);
    }
  }
}

/** Owner of internal calls (initialize, list refreshes): never receives notifications. */
export const NO_OWNER: UpstreamOwner = {
  id: '-',
  onUpstreamNotification() {},
  onUpstreamRequest() {
    return Promise.reject(new Error('no owner'));
  },
};

/**
 * The SDK's HTTP and SSE client transports, loaded on first use: importing them costs ~100 ms at
 * start, which a gateway of stdio servers (and every `portcullis stdio` wrap) would pay for nothing.
 */
async function remoteTransport(spec: RemoteServerConfig, creds?: { headers(): Promise<Record<string, string>>; rejected(): Promise<void> }): Promise<Transport> {
  const url = new URL(spec.url);
  const headers: Record<string, string> = { ...(spec.headers as Record<string, string> | undefined) };
  // fetch refuses URLs with credentials: send userinfo as HTTP Basic (unless an Authorization header is configured).
  if (url.username || url.password) {
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) {
      headers.Authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    }
    url.username = '';
    url.password = '';
  }
  const requestInit: RequestInit = { headers };
  // Per-principal credentials are asked for on every request (a refreshed token, a rotated secret).
  const fetchFn = creds
    ? async (u: string | URL, init?: RequestInit): Promise<Response> => {
        const h = new Headers(init?.headers);
        for (const [k, v] of Object.entries(await creds.headers())) h.set(k, v);
        const res = await tracingFetch(u, { ...init, headers: h });
        if (res.status === 401) {
          // Refused: the source forgets it, and is asked again, so a user whose token was revoked
          // gets the refusal of having none (with its sign-in link) rather than a bare 401.
          await creds.rejected();
          await creds.headers();
        }
        return res;
      }
    : tracingFetch;
  if (spec.type === 'sse') {
    const { SSEClientTransport } = await import('@modelcontextprotocol/sdk/client/sse.js');
    return new SSEClientTransport(url, { requestInit, fetch: fetchFn });
  }
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  return new StreamableHTTPClientTransport(url, { requestInit, fetch: fetchFn });
}
