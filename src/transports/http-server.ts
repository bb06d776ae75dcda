/**
 * The server side of one Streamable HTTP session (MCP 2025-03-26 and later), on node:http.
 *
 * Why not the SDK's StreamableHTTPServerTransport: it adapts every request to a Web-standard
 * Request/Response through @hono/node-server and answers every POST as an SSE stream, which the
 * benchmark showed to be most of the per-call cost of the gateway (bench/README.md). This class
 * keeps the same wire behaviour and status codes (406, 415, 400, 404, 409, 405, 202) and adds one
 * thing the spec allows: the answer to a POST is chosen late. While only the response is pending,
 * nothing is written; if the response comes first it goes out as one `application/json` body. The
 * first related message sent before it (progress, logging, a sampling or elicitation request)
 * switches that POST to `text/event-stream`, and everything after it is streamed. So does a call
 * still pending after `keepAliveMs`: the stream then carries comments, so that proxies and load
 * balancers between client and gateway do not drop a long tool call as idle.
 *
 * Protocol types (supported versions) come from the SDK; the session logic stays in Session.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_BATCH_SIZE } from '@modelcontextprotocol/sdk/server/requestBody.js';
import { DEFAULT_SSE_KEEP_ALIVE_MS } from '@modelcontextprotocol/sdk/server/sseKeepAlive.js';
import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import { SUPPORTED_PROTOCOL_VERSIONS } from '../shared/protocol.js';

type RpcId = string | number;
type Message = Record<string, unknown>;

/** Most messages one POST may carry, and the SSE keep-alive interval: the SDK's own values. */
export { MAX_BATCH_SIZE };

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/** One POST that carried requests, waiting for their responses. */
interface Exchange {
  res: ServerResponse;
  waiting: Set<RpcId>;
  /** Responses held back while the answer can still be a single JSON body. */
  held: Message[];
  batch: boolean;
  sse: boolean;
  done: boolean;
  /** Switches a long-pending answer to SSE and keeps it alive with comments. */
  keepAlive?: NodeJS.Timeout;
}

export function writeJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const httpError = (res: ServerResponse, status: number, code: number, message: string, headers?: Record<string, string>) =>
  writeJson(res, status, { jsonrpc: '2.0', id: null, error: { code, message } }, headers);

const isRequest = (m: Message): boolean => typeof m.method === 'string' && (typeof m.id === 'string' || typeof m.id === 'number');
const isResponse = (m: Message): boolean => m.method === undefined && ('result' in m || 'error' in m);
export const isInitializeRequest = (m: Message): boolean => m.method === 'initialize' && isRequest(m);

/** The shape checks the SDK's JSON-RPC schema makes, without building a schema object per message. */
function isJsonRpcMessage(m: unknown): m is Message {
  if (!m || typeof m !== 'object' || Array.isArray(m)) return false;
  const o = m as Message;
  if (o.jsonrpc !== '2.0') return false;
  const idOk = o.id === undefined || typeof o.id === 'string' || (typeof o.id === 'number' && Number.isFinite(o.id));
  if (typeof o.method === 'string') return idOk && (o.params === undefined || (typeof o.params === 'object' && o.params !== null));
  if ('result' in o) return o.id !== undefined && idOk;
  if ('error' in o) return (o.id === null || idOk) && typeof o.error === 'object' && o.error !== null;
  return false;
}

function acceptsOf(req: IncomingMessage): string {
  return String(req.headers.accept ?? '');
}

/** `Mcp-Protocol-Version` must name a version we speak when it is present (400 otherwise). */
function checkProtocolVersion(req: IncomingMessage, res: ServerResponse): boolean {
  const v = req.headers['mcp-protocol-version'];
  if (v === undefined || (typeof v === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(v))) return true;
  httpError(res, 400, -32000, `Bad Request: Unsupported protocol version: ${String(v)} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`);
  return false;
}

/**
 * Validate a POST's headers and body before a session sees it. Returns the messages, or undefined
 * when an error response has been written.
 */
export function checkPost(req: IncomingMessage, res: ServerResponse, body: unknown): { messages: Message[]; batch: boolean } | undefined {
  const accept = acceptsOf(req);
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
    httpError(res, 406, -32000, 'Not Acceptable: Client must accept both application/json and text/event-stream');
    return undefined;
  }
  if (!isJsonContentType(req.headers['content-type'])) {
    httpError(res, 415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
    return undefined;
  }
  const batch = Array.isArray(body);
  const messages: unknown[] = batch ? body : [body];
  if (messages.length > MAX_BATCH_SIZE) {
    httpError(res, 400, -32600, `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages`);
    return undefined;
  }
  if (messages.length === 0 || !messages.every(isJsonRpcMessage)) {
    httpError(res, 400, -32700, 'Parse error: Invalid JSON-RPC message');
    return undefined;
  }
  return { messages: messages as Message[], batch };
}

export interface HttpSessionHandlers {
  onmessage(message: Message): void;
  /** The session ended: DELETE, close(), or the gateway dropping it. Called once. */
  onclose(): void;
  /** The client closed a POST before these of its requests were answered. */
  onabandon?(ids: RpcId[]): void;
  /** Keep-alive interval of SSE streams, and how long a POST waits before it becomes one (default 15 s). */
  keepAliveMs?: number;
  /**
   * Most bytes queued on one stream whose client does not read (default 16 MiB). Past it the session
   * is closed and its streams destroyed, so a slow or stalled client cannot grow the gateway's memory.
   */
  maxBufferBytes?: number;
  /** Called once when a stream passed `maxBufferBytes` (before the session closes). */
  onoverflow?(queuedBytes: number): void;
}

const DEFAULT_MAX_BUFFER_BYTES = 16 * 1024 * 1024;

export class StreamableHttpSession {
  private readonly exchanges = new Map<RpcId, Exchange>();
  private standalone?: { res: ServerResponse; timer: NodeJS.Timeout };
  private initialized = false;
  private closed = false;

  private readonly keepAliveMs: number;
  private readonly maxBufferBytes: number;

  constructor(
    readonly sessionId: string,
    private readonly handlers: HttpSessionHandlers,
  ) {
    this.keepAliveMs = handlers.keepAliveMs ?? DEFAULT_SSE_KEEP_ALIVE_MS;
    this.maxBufferBytes = handlers.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES;
  }

  /** A POST whose body passed checkPost. */
  handlePost(req: IncomingMessage, res: ServerResponse, { messages, batch }: { messages: Message[]; batch: boolean }): void {
    if (this.closed) return httpError(res, 404, -32001, 'Session not found');
    if (messages.some(isInitializeRequest)) {
      if (this.initialized) return httpError(res, 400, -32600, 'Invalid Request: Server already initialized');
      if (messages.length > 1) return httpError(res, 400, -32600, 'Invalid Request: Only one initialization request is allowed');
      this.initialized = true;
    } else if (!checkProtocolVersion(req, res)) return;

    const requests = messages.filter(isRequest);
    if (requests.length === 0) {
      res.writeHead(202).end();
      for (const m of messages) this.handlers.onmessage(m);
      return;
    }
    // An id still in flight would take over the other request's answer: refuse it.
    const ids = requests.map((m) => m.id as RpcId);
    const clash = ids.find((id, i) => this.exchanges.has(id) || ids.indexOf(id) !== i);
    if (clash !== undefined) return httpError(res, 400, -32600, `Invalid Request: request id ${JSON.stringify(clash)} is already in use in this session`);
    const ex: Exchange = { res, waiting: new Set(ids), held: [], batch, sse: false, done: false };
    for (const id of ex.waiting) this.exchanges.set(id, ex);
    ex.keepAlive = setInterval(() => {
      if (ex.done) return;
      if (!ex.sse) this.toSse(ex);
      this.write(ex.res, ': keepalive\n\n');
    }, this.keepAliveMs);
    ex.keepAlive.unref();
    // A client that hangs up gets nothing more, and what it was waiting for is abandoned.
    res.once('close', () => {
      if (ex.done) return;
      const abandoned = [...ex.waiting];
      this.finish(ex, false);
      this.handlers.onabandon?.(abandoned);
    });
    for (const m of messages) this.handlers.onmessage(m);
  }

  /** GET opens the one standalone SSE stream for messages not tied to a request. */
  handleGet(req: IncomingMessage, res: ServerResponse): void {
    if (!acceptsOf(req).includes('text/event-stream')) return httpError(res, 406, -32000, 'Not Acceptable: Client must accept text/event-stream');
    if (!checkProtocolVersion(req, res)) return;
    if (this.closed) return httpError(res, 404, -32001, 'Session not found');
    if (this.standalone) return httpError(res, 409, -32000, 'Conflict: Only one SSE stream is allowed per session');
    res.writeHead(200, { ...SSE_HEADERS, 'mcp-session-id': this.sessionId });
    res.flushHeaders();
    // Comments keep idle intermediaries from closing the stream.
    const timer = setInterval(() => this.write(res, ': keepalive\n\n'), this.keepAliveMs);
    timer.unref();
    const stream = { res, timer };
    this.standalone = stream;
    res.once('close', () => {
      clearInterval(timer);
      if (this.standalone === stream) this.standalone = undefined;
    });
  }

  handleDelete(req: IncomingMessage, res: ServerResponse): void {
    if (!checkProtocolVersion(req, res)) return;
    res.writeHead(200).end();
    void this.close();
  }

  /** The session was initialized on another replica (fleet): a second initialize is refused here too. */
  markInitialized(): void {
    this.initialized = true;
  }

  /** Whether send() would put this message on one of this process's streams (a fleet sends the rest to the replica holding the GET stream). */
  deliversLocally(message: Message, relatedRequestId?: RpcId): boolean {
    if (isResponse(message)) return true;
    if (relatedRequestId !== undefined && this.exchanges.has(relatedRequestId)) return true;
    return this.standalone !== undefined;
  }

  /** Whether the client has its GET stream open here. */
  get hasStream(): boolean {
    return this.standalone !== undefined;
  }

  handleOther(res: ServerResponse): void {
    httpError(res, 405, -32000, 'Method not allowed.', { allow: 'GET, POST, DELETE' });
  }

  /**
   * Send one message to the client: a response goes to the POST that carried its request; another
   * message related to a pending request goes on that POST's stream; anything else goes on the
   * standalone GET stream, or is dropped when the client has not opened one (as the spec allows).
   */
  async send(message: Message, relatedRequestId?: RpcId): Promise<void> {
    if (this.closed) return;
    if (isResponse(message)) {
      const id = message.id as RpcId;
      const ex = this.exchanges.get(id);
      if (!ex) return;
      this.exchanges.delete(id);
      ex.waiting.delete(id);
      if (ex.sse) this.writeEvent(ex.res, message);
      else ex.held.push(message);
      if (ex.waiting.size === 0) this.finish(ex, true);
      return;
    }
    const ex = relatedRequestId === undefined ? undefined : this.exchanges.get(relatedRequestId);
    if (ex) {
      if (!ex.sse) this.toSse(ex);
      this.writeEvent(ex.res, message);
      return;
    }
    if (this.standalone) this.writeEvent(this.standalone.res, message);
  }

  private toSse(ex: Exchange): void {
    ex.sse = true;
    ex.res.writeHead(200, { ...SSE_HEADERS, 'mcp-session-id': this.sessionId });
    for (const m of ex.held) this.writeEvent(ex.res, m);
    ex.held = [];
  }

  /** Complete an exchange: write what it holds (when `deliver`) and forget its pending ids. */
  private finish(ex: Exchange, deliver: boolean): void {
    ex.done = true;
    clearInterval(ex.keepAlive);
    for (const id of ex.waiting) if (this.exchanges.get(id) === ex) this.exchanges.delete(id);
    if (!deliver || ex.res.destroyed) return;
    if (ex.sse) ex.res.end();
    else writeJson(ex.res, 200, ex.batch ? ex.held : ex.held[0], { 'mcp-session-id': this.sessionId });
  }

  private writeEvent(res: ServerResponse, message: Message): void {
    this.write(res, `event: message\ndata: ${JSON.stringify(message)}\n\n`);
  }

  /** Write to a stream; when what is queued for the client passes the bound, drop the session. */
  private write(res: ServerResponse, text: string): void {
    if (res.writableEnded || res.destroyed) return;
    res.write(text);
    if (res.writableLength > this.maxBufferBytes) this.overflow(res.writableLength);
  }

  /** A client that does not read its stream: destroy every stream of the session (freeing what is queued) and close it. */
  private overflow(queued: number): void {
    if (this.closed) return;
    this.handlers.onoverflow?.(queued);
    for (const ex of new Set(this.exchanges.values())) ex.res.destroy();
    this.standalone?.res.destroy();
    void this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Requests still waiting get an error rather than a stream that ends without their answer.
    for (const ex of new Set(this.exchanges.values())) {
      for (const id of ex.waiting) {
        const error = { jsonrpc: '2.0', id, error: { code: -32000, message: 'Connection closed: the session ended' } };
        if (ex.sse) this.writeEvent(ex.res, error);
        else ex.held.push(error);
      }
      this.finish(ex, true);
    }
    this.exchanges.clear();
    if (this.standalone) {
      clearInterval(this.standalone.timer);
      this.standalone.res.end();
      this.standalone = undefined;
    }
    this.handlers.onclose();
  }
}


