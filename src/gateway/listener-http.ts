/**
 * Downstream HTTP listener: Streamable HTTP on `listen.path` and the legacy HTTP+SSE endpoints
 * (`/sse` + `/messages`) for old clients, on one port for both protocol eras.
 *
 * This file does only what every era shares: DNS-rebinding checks (Host, Origin), authentication of
 * this request, bounded body reads (nothing is buffered past `limits.maxMessageBytes`) with one JSON
 * parse, and the choice of era by the request's shape (era/protocol-state.ts: `DownstreamEra`):
 *
 *   POST /mcp carrying the 2026-07-28 envelope ─▶ era/envelope-state.ts (per-request state)
 *   any other request on /mcp                 ─▶ era/session-era.ts (Mcp-Session-Id, GET / DELETE streams, fleet)
 *   GET /sse, POST /messages                   ─▶ era/session-era.ts (legacy HTTP+SSE sessions)
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCodes, JSONRPC } from '../errors.js';
import { checkPost, writeJson } from '../transports/http-server.js';
import { isLoopbackHost } from '../identity/http.js';
import type { Principal } from '../pipeline/types.js';
import type { Gateway } from './gateway.js';
import { EnvelopeState } from './era/envelope-state.js';
import { SessionEra } from './era/session-era.js';
import type { DownstreamEra, ParsedPost } from './era/protocol-state.js';
import type { Json } from './upstream.js';
import type { SessionStore } from './fleet.js';

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

const rpcErr = (code: number, message: string, data?: unknown) => ({ jsonrpc: '2.0', id: null, error: data === undefined ? { code, message } : { code, message, data } });

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]', '::1'];

function hostName(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  return hostHeader.split(':')[0] ?? '';
}


export class HttpListener {
  private server?: http.Server;
  /** MCP 2026-07-28 clients: per-request envelopes, no session id. */
  private readonly envelope: DownstreamEra;
  /** Session-era clients: Streamable HTTP sessions (in a fleet, shared) and legacy HTTP+SSE. */
  private readonly session: SessionEra;
  /** Asked in this order whether they claim a request on the MCP path: the session era takes what the envelope era does not. */
  private readonly eras: readonly DownstreamEra[];

  constructor(
    private readonly gw: Gateway,
    private readonly o: HttpListenerOptions,
  ) {
    this.envelope = new EnvelopeState(gw, { maxTtlMs: 0, stateTtlMs: 10 * 60_000, idleMs: 5 * 60_000, ...(o.requestStateKey ? { requestStateKey: o.requestStateKey } : {}), ...(o.fleet ? { fleet: o.fleet } : {}) });
    this.session = new SessionEra(gw, { ...(o.maxStreamBufferBytes !== undefined ? { maxStreamBufferBytes: o.maxStreamBufferBytes } : {}), ...(o.fleet ? { fleet: o.fleet } : {}) });
    this.eras = [this.envelope, this.session];
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
    if (isMcp) return this.mcp(req, res, auth.principal);
    if (isSse) return this.session.openLegacy(req, res, auth.principal);
    return this.session.legacyMessage(req, res, url.searchParams.get('sessionId') ?? '', auth.principal, () => this.parseBody(req, res));
  }

  /** The MCP path: a POST's body is read, parsed once and checked here; then the first era that claims the request serves it. */
  private async mcp(req: IncomingMessage, res: ServerResponse, principal: Principal): Promise<void> {
    let post: ParsedPost | undefined;
    if (req.method === 'POST') {
      const parsed = await this.parseBody(req, res);
      if (!parsed.ok) return;
      post = checkPost(req, res, parsed.body);
      if (!post) return;
    }
    const era = this.eras.find((e) => e.claims(req, post));
    if (!era) return writeJson(res, 400, rpcErr(JSONRPC.INVALID_REQUEST, 'Bad Request: no protocol era serves this request'));
    return era.handle(req, res, principal, post);
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

  get address(): AddressInfo | undefined {
    return this.server?.address() as AddressInfo | undefined;
  }

  async close(): Promise<void> {
    for (const era of this.eras) await era.close();
    await this.o.fleet?.close();
    const s = this.server;
    if (!s) return;
    s.closeAllConnections?.();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
