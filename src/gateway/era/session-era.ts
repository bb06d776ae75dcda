/**
 * The session era downstream (MCP 2025-11-25, 2025-06-18, 2025-03-26, and the 2024-11-05 HTTP+SSE
 * transport): a client opens a session with `initialize` and names it on every later request.
 *
 *   Streamable HTTP (`handle`, every request on the MCP path the per-request era does not claim)
 *     no Mcp-Session-Id ─▶ an initialize opens a session (capacity-checked), else HTTP 400
 *     Mcp-Session-Id    ─▶ the session, only for the principal AND the credential that opened it
 *                          (another principal: 404 as for an unknown id; other credential: 403;
 *                           an unknown id that was revoked: 404 + PCX_SESSION_REVOKED)
 *                       ─▶ POST: messages to the session; GET: its standalone SSE stream; DELETE: ends it
 *   Legacy HTTP+SSE (`openLegacy` on GET /sse, `legacyMessage` on POST /messages?sessionId=…)
 *
 * In a fleet (`fleet`, a shared PostgreSQL store) a Streamable HTTP session is recorded when its
 * initialize succeeds; a replica that does not hold an id rebuilds the session from the record (same
 * principal and credential only), every request on a held session first re-reads the record (taint
 * from other replicas merged, a session ended elsewhere refused), an answer leaves only once the taint
 * it follows is stored, and messages for a stream or a server→client request held by another replica
 * travel on the session's coord channel (src/gateway/fleet.ts).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCodes, JSONRPC } from '../../errors.js';
import type { Principal } from '../../pipeline/types.js';
import { CREDENTIAL_MISMATCH_RULE, REVOKED_RULE } from '../../pipeline/rules.js';
import { isInitializeRequest, StreamableHttpSession, writeJson } from '../../transports/http-server.js';
import type { SessionChannelMessage } from '../../coord/session-channel.js';
import { capacityAnswer, CapacityError } from '../capacity.js';
import type { SessionStore } from '../fleet.js';
import type { Gateway } from '../gateway.js';
import type { Session } from '../session.js';
import type { Json, RpcId } from '../upstream.js';
import type { DownstreamEra, ParsedPost } from './protocol-state.js';

export interface SessionEraOptions {
  /** Most bytes queued for one client stream that does not read; past it the session is closed (limits.maxStreamBufferBytes). */
  maxStreamBufferBytes?: number;
  /** A fleet: sessions shared with the other replicas through the store and coord. */
  fleet?: SessionStore;
}

/** A legacy POST /messages body, read (within the listener's limits) only once the request may be served; undefined when the listener already answered. */
export type ReadBody = () => Promise<{ ok: true; body: unknown } | { ok: false }>;

interface StreamableEntry {
  transport: StreamableHttpSession;
  session: Session;
  /** Leave the session's fleet channel. */
  unsubscribe?: () => Promise<void>;
}

const rpcErr = (code: number, message: string, data?: unknown, id: RpcId | null = null) => ({
  jsonrpc: '2.0',
  id,
  error: data === undefined ? { code, message } : { code, message, data },
});

const notFound = (res: ServerResponse) => writeJson(res, 404, rpcErr(-32001, 'Session not found'));
const revoked = (res: ServerResponse) =>
  writeJson(res, 404, rpcErr(ErrorCodes.PCX_SESSION_REVOKED, 'the session was revoked; authenticate again and open a new session', { code: 'PCX_SESSION_REVOKED', rule: REVOKED_RULE }));
const otherCredential = (res: ServerResponse) =>
  writeJson(res, 403, rpcErr(ErrorCodes.PCX_DENIED, 'this session was opened with another credential; open a new session with this one', { code: 'PCX_DENIED', rule: CREDENTIAL_MISMATCH_RULE }));

/** A session the gateway has no room for: 429 (this principal's cap) or 503 (the gateway's), with Retry-After. */
function refuseOpen(res: ServerResponse, e: unknown): void {
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
function requestIdOf(post: ParsedPost | undefined): RpcId | null {
  if (!post || post.batch || post.messages.length !== 1) return null;
  const id = post.messages[0]!.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

const sameOwner = (session: Session, principal: Principal): boolean => session.principal.id === principal.id;

export class SessionEra implements DownstreamEra {
  readonly era = 'session' as const;
  private readonly streamable = new Map<string, StreamableEntry>();
  /** Sessions being rebuilt from the fleet store, so concurrent requests for one id rebuild it once. */
  private readonly restoring = new Map<string, Promise<StreamableEntry | undefined>>();
  private readonly legacy = new Map<string, { transport: SSEServerTransport; session: Session }>();

  constructor(
    private readonly gw: Pick<Gateway, 'createSession' | 'closeSession' | 'sessionRevoked' | 'log'>,
    private readonly o: SessionEraOptions = {},
  ) {}

  /** Every request the per-request era does not claim is the session era's (the listener asks that era first). */
  claims(): boolean {
    return true;
  }

  /** The held Streamable HTTP sessions (ids), for tests and diagnostics. */
  get sessionIds(): string[] {
    return [...this.streamable.keys()];
  }

  /**
   * Answer a request whose session id this replica does not serve to this caller, or return false
   * when it may go on: another principal's session and an unknown id get the same 404 (session
   * hijacking); a session that was revoked gets 404 with PCX_SESSION_REVOKED; the session's own
   * principal presenting another credential (a second, weaker key; another token) gets 403, and the
   * session keeps only the credential that opened it.
   */
  private async refuse(res: ServerResponse, sessionId: string, session: Session | undefined, principal: Principal): Promise<boolean> {
    if (session && sameOwner(session, principal)) {
      if (session.principal.credential === principal.credential) return false;
      otherCredential(res);
      return true;
    }
    if (!session && (await this.gw.sessionRevoked(sessionId, principal))) {
      revoked(res);
      return true;
    }
    notFound(res);
    return true;
  }

  /** A Streamable HTTP request on the MCP path: `post` is the parsed, checked body of a POST, undefined for GET / DELETE / others. */
  async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, post?: ParsedPost): Promise<void> {
    const sid = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(sid) ? sid[0] : sid;
    if (sessionId) {
      let entry = this.streamable.get(sessionId);
      const fleet = this.o.fleet;
      if (fleet && !entry) {
        // A session another replica opened (or one this replica dropped): rebuilt from the store.
        const r = await this.restore(res, sessionId, principal, requestIdOf(post));
        if (r === 'answered') return;
        entry = r;
      }
      if (await this.refuse(res, sessionId, entry?.session, principal)) return;
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
      return refuseOpen(res, e);
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
    if (pending) return pending.then((e) => (e && sameOwner(e.session, principal) ? e : undefined));
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
        if (rec.endReason === 'deleted') notFound(res);
        else revoked(res);
        return undefined;
      }
      if (rec.credential !== (principal.credential ?? '')) {
        answered = true;
        otherCredential(res);
        return undefined;
      }
      let entry: StreamableEntry;
      try {
        entry = this.openStreamable(id, principal);
      } catch (e) {
        answered = true;
        refuseOpen(res, e);
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
    if (r.reason === 'revoked') revoked(res);
    else notFound(res);
    return false;
  }

  /** GET /sse: a legacy HTTP+SSE session (the SDK's framing), bound to this principal. */
  async openLegacy(req: IncomingMessage, res: ServerResponse, principal: Principal): Promise<void> {
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
      return refuseOpen(res, e);
    }
    this.legacy.set(transport.sessionId, { transport, session });
    transport.onmessage = (m) => session.handle(m as unknown as Json);
    transport.onclose = () => {
      this.legacy.delete(transport.sessionId);
      void this.gw.closeSession(session);
    };
    await transport.start();
  }

  /** POST /messages?sessionId=…: one message to a legacy session, for the principal and credential that opened it. */
  async legacyMessage(req: IncomingMessage, res: ServerResponse, sessionId: string, principal: Principal, readBody: ReadBody): Promise<void> {
    if (req.method !== 'POST') return writeJson(res, 405, { error: 'POST /messages?sessionId=…' });
    const entry = this.legacy.get(sessionId);
    const parsed = await readBody();
    if (!parsed.ok) return;
    if ((await this.refuse(res, sessionId, entry?.session, principal)) || !entry) return;
    await entry.transport.handlePostMessage(req, res, parsed.body);
  }

  async close(): Promise<void> {
    for (const { transport } of this.streamable.values()) await transport.close().catch(() => undefined);
    for (const { transport } of this.legacy.values()) await transport.close().catch(() => undefined);
  }
}
