/**
 * Downstream HTTP listener: Streamable HTTP on `listen.path` (POST/GET/DELETE with sessions and
 * SSE responses) and the legacy HTTP+SSE endpoints (`/sse` + `/messages`) for old clients.
 *
 * Streamable HTTP framing is ours (src/transports/http-server.ts, for speed: see there); the
 * legacy SSE framing is the SDK's. This file does what a gateway adds in front of them: bounded body reads (nothing is buffered past `limits.maxMessageBytes`), one
 * JSON parse, DNS-rebinding checks, authentication, and sessions bound to their principal.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCodes, JSONRPC } from '../errors.js';
import { checkPost, isInitializeRequest, StreamableHttpSession, writeJson } from '../transports/http-server.js';
import { isLoopbackHost } from '../identity/http.js';
import type { Principal } from '../pipeline/types.js';
import { CREDENTIAL_MISMATCH_RULE, REVOKED_RULE } from '../pipeline/rules.js';
import type { Gateway } from './gateway.js';
import { capacityAnswer, CapacityError } from './capacity.js';
import type { Session } from './session.js';
import { EnvelopeState } from './era/envelope-state.js';
import type { DownstreamEra } from './era/protocol-state.js';
import type { Json, RpcId } from './upstream.js';
import type { SessionStore } from './fleet.js';
import type { SessionChannelMessage } from '../coord/session-channel.js';

export type AuthOutcome =
  | { ok: true; principal: Principal }
  | { ok: false; status: number; headers?: Record<string, string>; body: Json };

export interface HttpListenerOptions {
  host: string;
  port: number;
  path: string;
  maxMessageBytes: number;
  /** Most bytes queued for one client stream that does not read; past it the session is closed (limits.maxStreamBufferBytes). */
  maxStreamBufferBytes?: number;
  authenticate(req: IncomingMessage): Promise<AuthOutcome>;
  /** Extra routes answered before MCP (e.g. OAuth protected-resource metadata). Return true when handled. */
  extraRoutes?(req: IncomingMessage, res: ServerResponse): boolean | Promise<boolean>;
  allowedHosts?: string[];
  allowedOrigins?: string[];
  /** A fleet: sessions shared with the other replicas through the store and coord (src/gateway/fleet.ts). */
  fleet?: SessionStore;
  /** The key that seals MRTR `requestState` (shared by the fleet's replicas); default a random per-process key. */
  requestStateKey?: Buffer;
}

interface StreamableEntry {
  transport: StreamableHttpSession;
  session: Session;
  /** Leave the session's fleet channel. */
  unsubscribe?: () => Promise<void>;
}

class BodyTooLarge extends Error {}

/** Read a request body, stopping (and discarding the rest) as soon as it passes `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(new BodyTooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!done) reject(e);
    });
  });
}

const rpcErr = (code: number, message: string, data?: unknown, id: RpcId | null = null) => ({
  jsonrpc: '2.0',
  id,
  error: data === undefined ? { code, message } : { code, message, data },
});

/** A session the gateway has no room for: 429 (this principal's cap) or 503 (the gateway's), with Retry-After. */
function refuseSession(res: ServerResponse, e: unknown): void {
  if (e instanceof CapacityError) {
    const a = capacityAnswer(e, null);
    return writeJson(res, a.status, a.body, a.headers);
  }
  writeJson(res, 503, rpcErr(ErrorCodes.PCX_UPSTREAM_UNAVAILABLE, (e as Error).message, { code: 'PCX_UPSTREAM_UNAVAILABLE' }));
}

/** A fleet replica cannot reach the shared store for a session's state: fail closed, ask for a retry. */
function storeUnavailable(res: ServerResponse, id: RpcId | null): void {
  writeJson(res, 503, rpcErr(ErrorCodes.PCX_STORE_UNAVAILABLE, 'the session store is unavailable, so this request was not served; retry shortly', { code: 'PCX_STORE_UNAVAILABLE', retryAfterMs: 1000 }, id), { 'retry-after': '1' });
}

/** The id of a single-request POST, for errors about it. */
function requestIdOf(post: ReturnType<typeof checkPost>): RpcId | null {
  if (!post || post.batch || post.messages.length !== 1) return null;
  const id = (post.messages[0] as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]', '::1'];

function hostName(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  return hostHeader.split(':')[0] ?? '';
}


export class HttpListener {
  private server?: http.Server;
  private readonly streamable = new Map<string, StreamableEntry>();
  /** Sessions being rebuilt from the fleet store, so concurrent requests for one id rebuild it once. */
  private readonly restoring = new Map<string, Promise<StreamableEntry | undefined>>();
  private readonly legacy = new Map<string, { transport: SSEServerTransport; session: Session }>();
  /** MCP 2026-07-28 clients: per-request envelopes, no session id (src/gateway/era/). */
  private readonly envelope: DownstreamEra;

  constructor(
    private readonly gw: Gateway,
    private readonly o: HttpListenerOptions,
  ) {
    this.envelope = new EnvelopeState(gw, { maxTtlMs: 0, stateTtlMs: 10 * 60_000, idleMs: 5 * 60_000, ...(o.requestStateKey ? { requestStateKey: o.requestStateKey } : {}), ...(o.fleet ? { fleet: o.fleet } : {}) });
  }

  async listen(): Promise<AddressInfo> {
    const server = http.createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        this.gw.log.error({ err: err instanceof Error ? err.message : String(err) }, 'HTTP handler failed');
        writeJson(res, 500, rpcErr(JSONRPC.INTERNAL_ERROR, 'internal error'));
      });
    });
    server.keepAliveTimeout = 65_000;
    server.on('clientError', (_e, socket) => socket.destroy());
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    return server.address() as AddressInfo;
  }

  /** DNS-rebinding protection: a browser page on another origin must not reach a loopback gateway. */
  private checkOrigin(req: IncomingMessage, res: ServerResponse): boolean {
    const loopbackBind = isLoopbackHost(this.o.host);
    const host = req.headers.host ? hostName(req.headers.host) : '';
    const allowedHosts = [...(this.o.allowedHosts ?? []), ...(loopbackBind ? LOOPBACK_NAMES : [])];
    if (allowedHosts.length > 0 && (this.o.allowedHosts || loopbackBind) && !allowedHosts.includes(host)) {
      writeJson(res, 403, rpcErr(JSONRPC.INVALID_REQUEST, `Host header "${host}" is not allowed (listen.allowedHosts)`));
      return false;
    }
    const origin = req.headers.origin;
    if (origin) {
      let oh = '';
      try {
        oh = new URL(origin).hostname;
      } catch {
        /* invalid origin */
      }
      const ok = (this.o.allowedOrigins ?? []).includes(origin) || (loopbackBind && LOOPBACK_NAMES.includes(oh.includes(':') ? `[${oh}]` : oh)) || LOOPBACK_NAMES.includes(oh);
      if (!ok) {
        writeJson(res, 403, rpcErr(JSONRPC.INVALID_REQUEST, `Origin ${origin} is not allowed (listen.allowedOrigins)`));
        return false;
      }
    }
    return true;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (this.o.extraRoutes && (await this.o.extraRoutes(req, res))) return;
    const path = url.pathname;
    const isMcp = path === this.o.path;
    const isSse = path === '/sse';
    const isMessages = path === '/messages';
    if (!isMcp && !isSse && !isMessages) return writeJson(res, 404, { error: 'not found', mcp: this.o.path });
    if (!this.checkOrigin(req, res)) return;
    const auth = await this.o.authenticate(req);
    if (!auth.ok) return writeJson(res, auth.status, auth.body, auth.headers);
    if (isMcp) return this.streamableHttp(req, res, auth.principal);
    if (isSse) return this.openLegacy(req, res, auth.principal);
    return this.legacyMessage(req, res, url, auth.principal);
  }

  /** Read and parse one POST body; on failure the response is already sent. */
  private async parseBody(req: IncomingMessage, res: ServerResponse): Promise<{ ok: true; body: unknown } | { ok: false }> {
    let raw: Buffer;
    try {
      raw = await readBody(req, this.o.maxMessageBytes);
    } catch (e) {
      if (e instanceof BodyTooLarge) {
        writeJson(res, 413, rpcErr(ErrorCodes.PCX_MESSAGE_TOO_LARGE, `message larger than limits.maxMessageBytes (${this.o.maxMessageBytes} bytes)`, { code: 'PCX_MESSAGE_TOO_LARGE', limit: this.o.maxMessageBytes }));
      } else writeJson(res, 400, rpcErr(JSONRPC.PARSE_ERROR, 'could not read the request body'));
      return { ok: false };
    }
    try {
      return { ok: true, body: JSON.parse(raw.toString('utf8')) };
    } catch (e) {
      writeJson(res, 400, rpcErr(JSONRPC.PARSE_ERROR, `Parse error: ${(e as Error).message}`));
      return { ok: false };
    }
  }

  private sameOwner(session: Session, principal: Principal): boolean {
    return session.principal.id === principal.id;
  }

  /**
   * Answer a request whose session id the listener does not serve to this caller, or undefined
   * when it may go on: another principal's session and an unknown id get the same 404; a session
   * that was revoked gets 404 with PCX_SESSION_REVOKED; the session's own principal presenting
   * another credential (a second, weaker key; another token) gets 403, and the session keeps
   * only the credential that opened it.
   */
  private async refuseSession(res: ServerResponse, sessionId: string, session: Session | undefined, principal: Principal): Promise<boolean> {
    if (session && this.sameOwner(session, principal)) {
      if (session.principal.credential === principal.credential) return false;
      writeJson(res, 403, rpcErr(ErrorCodes.PCX_DENIED, 'this session was opened with another credential; open a new session with this one', { code: 'PCX_DENIED', rule: CREDENTIAL_MISMATCH_RULE }));
      return true;
    }
    if (!session && (await this.gw.sessionRevoked(sessionId, principal))) {
      writeJson(res, 404, rpcErr(ErrorCodes.PCX_SESSION_REVOKED, 'the session was revoked; authenticate again and open a new session', { code: 'PCX_SESSION_REVOKED', rule: REVOKED_RULE }));
      return true;
    }
    writeJson(res, 404, rpcErr(-32001, 'Session not found'));
    return true;
  }

  private async streamableHttp(req: IncomingMessage, res: ServerResponse, principal: Principal): Promise<void> {
    const sid = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(sid) ? sid[0] : sid;
    let post: ReturnType<typeof checkPost>;
    if (req.method === 'POST') {
      const parsed = await this.parseBody(req, res);
      if (!parsed.ok) return;
      post = checkPost(req, res, parsed.body);
      if (!post) return;
      // The era is chosen per request, body first: a message carrying the 2026-07-28 envelope is per-request.
      if (this.envelope.claims(req, post)) return this.envelope.handlePost(req, res, principal, post);
    }
    if (sessionId) {
      let entry = this.streamable.get(sessionId);
      const fleet = this.o.fleet;
      if (fleet && !entry) {
        // A session another replica opened (or one this replica dropped): rebuilt from the store.
        const r = await this.restore(res, sessionId, principal, requestIdOf(post));
        if (r === 'answered') return;
        entry = r;
      }
      // Another principal presenting a session id it did not open gets the same 404 as an unknown id (session hijacking).
      if (await this.refuseSession(res, sessionId, entry?.session, principal)) return;
      if (!entry) return;
      if (fleet && !(await this.checkFleet(res, fleet, entry, requestIdOf(post)))) return;
      if (req.method === 'GET') return entry.transport.handleGet(req, res);
      if (req.method === 'DELETE') {
        if (fleet) await fleet.end(sessionId, 'deleted').catch((e: unknown) => this.gw.log.warn({ session: sessionId, err: String(e) }, 'could not end the session fleet-wide'));
        return entry.transport.handleDelete(req, res);
      }
      if (!post) return entry.transport.handleOther(res);
      if (fleet) this.forwardResponses(fleet, entry, post.messages as Json[]);
      return entry.transport.handlePost(req, res, post);
    }
    if (!post || !post.messages.some(isInitializeRequest)) {
      return writeJson(res, 400, rpcErr(JSONRPC.INVALID_REQUEST, 'Bad Request: no Mcp-Session-Id header; start with an initialize request'));
    }
    let entry: StreamableEntry;
    try {
      entry = this.openStreamable(randomUUID(), principal);
    } catch (e) {
      return refuseSession(res, e);
    }
    entry.transport.handlePost(req, res, post);
  }

  /** A Streamable HTTP session (its transport and gateway session); in a fleet, recorded and on its channel. */
  private openStreamable(id: string, principal: Principal): StreamableEntry {
    let session: Session | undefined;
    const fleet = this.o.fleet;
    const transport = new StreamableHttpSession(id, {
      onmessage: (m) => session?.handle(m as Json),
      // The client dropped the connection before these were answered: cancel their upstream calls.
      onabandon: (ids) => session?.abandon(ids),
      onclose: () => {
        const e = this.streamable.get(id);
        if (e?.transport === transport) {
          this.streamable.delete(id);
          void e.unsubscribe?.().catch(() => undefined);
        }
        if (session) void this.gw.closeSession(session);
      },
      maxBufferBytes: this.o.maxStreamBufferBytes,
      onoverflow: (queued) => this.gw.log.warn({ session: id, queued, limit: this.o.maxStreamBufferBytes }, 'client is not reading its stream: session closed (limits.maxStreamBufferBytes)'),
    });
    const send = async (m: Json, related?: RpcId): Promise<void> => {
      if (fleet && session) {
        // An answer leaves only once the taint it follows is in the store (the next request may land elsewhere).
        if (fleet.dirty(session) && 'id' in m && m.method === undefined) {
          try {
            await fleet.flush(session);
          } catch (e) {
            this.gw.log.error({ session: id, err: String(e) }, 'session taint could not be written to the store; answer withheld');
            m = rpcErr(ErrorCodes.PCX_STORE_UNAVAILABLE, "the session store could not record this session's state, so the answer was withheld; retry shortly", { code: 'PCX_STORE_UNAVAILABLE', retryAfterMs: 1000 }, m.id as RpcId) as unknown as Json;
          }
        }
        // Not for a stream here (no request of it in flight here, no GET stream here): to the replica that holds the GET stream.
        if (!transport.deliversLocally(m as never, related)) {
          await fleet.publish(id, { t: 'notify', msg: m });
          return;
        }
      }
      return transport.send(m, related);
    };
    session = this.gw.createSession(principal, 'http', { send, close: () => transport.close(), ...(fleet ? { opened: () => fleet.opened(session!) } : {}) }, id);
    const entry: StreamableEntry = { transport, session };
    this.streamable.set(id, entry);
    if (fleet) {
      fleet
        .subscribe(id, (m) => this.onFleetMessage(entry, m))
        .then((off) => {
          if (this.streamable.get(id) === entry) entry.unsubscribe = off;
          else void off();
        })
        .catch((e: unknown) => this.gw.log.warn({ session: id, err: String(e) }, 'could not join the session channel: notifications from other replicas will not reach this stream'));
    }
    return entry;
  }

  private onFleetMessage(entry: StreamableEntry, m: SessionChannelMessage): void {
    if (m.t === 'end') {
      this.gw.log.info({ session: entry.session.id, reason: m.reason }, 'session ended by another replica');
      void entry.transport.close();
      return;
    }
    entry.session.lastActivity = Date.now();
    if (m.t === 'notify') {
      if (entry.transport.hasStream) void entry.transport.send(m.msg as never);
      return;
    }
    if (entry.session.awaitsClientResponse(m.msg.id)) entry.session.handle(m.msg as Json);
  }

  /** The client's answers to requests another replica asked it: sent on to that replica. */
  private forwardResponses(fleet: SessionStore, entry: StreamableEntry, messages: Json[]): void {
    for (const m of messages) {
      if (m.method !== undefined || !('result' in m || 'error' in m)) continue;
      if (entry.session.awaitsClientResponse(m.id)) continue;
      void fleet.publish(entry.session.id, { t: 'response', msg: m }).catch((e: unknown) => this.gw.log.warn({ session: entry.session.id, err: String(e) }, 'could not forward a client response to the fleet'));
    }
  }

  /**
   * Rebuild a session another replica opened: only for the principal and the credential that
   * opened it, and only when it was not ended or revoked. Answers (and returns 'answered') when it
   * must not be served; undefined when the store does not know it (the caller answers 404).
   */
  private restore(res: ServerResponse, id: string, principal: Principal, requestId: RpcId | null): Promise<StreamableEntry | undefined | 'answered'> {
    const pending = this.restoring.get(id);
    if (pending) return pending.then((e) => (e && this.sameOwner(e.session, principal) ? e : undefined));
    const fleet = this.o.fleet!;
    let answered = false;
    const p = (async (): Promise<StreamableEntry | undefined> => {
      let rec;
      try {
        rec = await fleet.find(id);
      } catch (e) {
        this.gw.log.error({ session: id, err: String(e) }, 'session store unavailable');
        answered = true;
        storeUnavailable(res, requestId);
        return undefined;
      }
      // Unknown, or another principal's: the same 404 as any unknown id.
      if (!rec || rec.principal !== principal.id || rec.transport !== 'http') return undefined;
      if (rec.endedAt || (await this.gw.sessionRevoked(id, principal))) {
        answered = true;
        if (rec.endReason === 'deleted') writeJson(res, 404, rpcErr(-32001, 'Session not found'));
        else writeJson(res, 404, rpcErr(ErrorCodes.PCX_SESSION_REVOKED, 'the session was revoked; authenticate again and open a new session', { code: 'PCX_SESSION_REVOKED', rule: REVOKED_RULE }));
        return undefined;
      }
      if (rec.credential !== (principal.credential ?? '')) {
        answered = true;
        writeJson(res, 403, rpcErr(ErrorCodes.PCX_DENIED, 'this session was opened with another credential; open a new session with this one', { code: 'PCX_DENIED', rule: CREDENTIAL_MISMATCH_RULE }));
        return undefined;
      }
      let entry: StreamableEntry;
      try {
        entry = this.openStreamable(id, principal);
      } catch (e) {
        answered = true;
        refuseSession(res, e);
        return undefined;
      }
      entry.session.restore({ ...(rec.protocolVersion ? { protocolVersion: rec.protocolVersion } : {}), ...(rec.clientInfo ? { clientInfo: rec.clientInfo } : {}), capabilities: rec.capabilities, taint: rec.taint });
      fleet.adopt(entry.session, rec);
      entry.transport.markInitialized();
      this.gw.log.info({ session: id, principal: principal.id, openedBy: rec.instance }, 'session taken over from the fleet store');
      return entry;
    })();
    this.restoring.set(id, p);
    return p.finally(() => this.restoring.delete(id)).then((e) => (answered ? 'answered' : e));
  }

  /** A held session, checked against the store before serving: taint from other replicas merged; ended elsewhere refused. */
  private async checkFleet(res: ServerResponse, fleet: SessionStore, entry: StreamableEntry, requestId: RpcId | null): Promise<boolean> {
    let r;
    try {
      r = await fleet.refresh(entry.session);
    } catch (e) {
      // Without the store this replica cannot know the session's taint or whether it was ended: fail closed.
      this.gw.log.error({ session: entry.session.id, err: String(e) }, 'session store unavailable');
      storeUnavailable(res, requestId);
      return false;
    }
    if (r.ok) return true;
    void entry.transport.close();
    if (r.reason === 'revoked') writeJson(res, 404, rpcErr(ErrorCodes.PCX_SESSION_REVOKED, 'the session was revoked; authenticate again and open a new session', { code: 'PCX_SESSION_REVOKED', rule: REVOKED_RULE }));
    else writeJson(res, 404, rpcErr(-32001, 'Session not found'));
    return false;
  }

  private async openLegacy(req: IncomingMessage, res: ServerResponse, principal: Principal): Promise<void> {
    if (req.method !== 'GET') return writeJson(res, 405, { error: 'GET /sse opens the legacy SSE stream' });
    // Loaded with the first legacy client: the SDK's SSE transport brings its zod schemas of every MCP
    // message (~1 MB of heap) that a gateway without legacy clients never needs.
    const { SSEServerTransport } = await import('@modelcontextprotocol/sdk/server/sse.js');
    const transport = new SSEServerTransport('/messages', res);
    let session: Session;
    try {
      session = this.gw.createSession(
        principal,
        'sse',
        {
          send: async (m) => {
            await transport.send(m as unknown as JSONRPCMessage);
            // The SDK's SSE transport writes without bound: a client that does not read loses its session, not our memory.
            const limit = this.o.maxStreamBufferBytes;
            if (limit !== undefined && res.writableLength > limit && !res.destroyed) {
              this.gw.log.warn({ session: transport.sessionId, queued: res.writableLength, limit }, 'client is not reading its stream: session closed (limits.maxStreamBufferBytes)');
              res.destroy();
            }
          },
          close: () => {
            this.legacy.delete(transport.sessionId);
            return transport.close();
          },
        },
        transport.sessionId,
      );
    } catch (e) {
      return refuseSession(res, e);
    }
    this.legacy.set(transport.sessionId, { transport, session });
    transport.onmessage = (m) => session.handle(m as unknown as Json);
    transport.onclose = () => {
      this.legacy.delete(transport.sessionId);
      void this.gw.closeSession(session);
    };
    await transport.start();
  }

  private async legacyMessage(req: IncomingMessage, res: ServerResponse, url: URL, principal: Principal): Promise<void> {
    if (req.method !== 'POST') return writeJson(res, 405, { error: 'POST /messages?sessionId=…' });
    const sessionId = url.searchParams.get('sessionId') ?? '';
    const entry = this.legacy.get(sessionId);
    const parsed = await this.parseBody(req, res);
    if (!parsed.ok) return;
    if ((await this.refuseSession(res, sessionId, entry?.session, principal)) || !entry) return;
    await entry.transport.handlePostMessage(req, res, parsed.body);
  }

  get address(): AddressInfo | undefined {
    return this.server?.address() as AddressInfo | undefined;
  }

  async close(): Promise<void> {
    await this.envelope.close();
    await this.o.fleet?.close();
    for (const { transport } of this.streamable.values()) await transport.close().catch(() => undefined);
    for (const { transport } of this.legacy.values()) await transport.close().catch(() => undefined);
    const s = this.server;
    if (!s) return;
    s.closeAllConnections?.();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
