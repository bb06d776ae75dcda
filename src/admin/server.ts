/**
 * The admin port (loopback by default): health, readiness, Prometheus metrics, and the admin API
 * routes other modules register. Kept apart from the MCP port so it is never exposed with it.
 *
 * Every request passes, in this order:
 * 1. the Host / Origin gate (guard.ts), on every path, probes included: DNS rebinding and
 *    cross-site requests stop here;
 * 2. authentication by `Authorization: Bearer <token>` only (never cookies, never the query), for
 *    everything but /healthz, /readyz and the console's static pages: reading (/api/*, /metrics)
 *    needs the viewer or admin token, acting (any method but GET/HEAD) the admin token;
 * 3. for acting requests, `Content-Type: application/json` and a JSON object body (≤ 64 KiB), so an
 *    HTML form or a `text/plain` fetch can never act even if everything else were bypassed.
 * Denials are JSON `{ error, rule }`.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdminGuard } from './guard.js';
import { AdminCredentials, type AdminRole } from './token.js';

export interface AdminContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Who the bearer token says the caller is (undefined only on open paths). */
  role?: AdminRole;
  /** The parsed JSON body of an acting request ({} for reads). */
  body: Record<string, unknown>;
}

export type AdminRoute = (ctx: AdminContext) => boolean | Promise<boolean>;

export interface AdminOptions {
  host: string;
  port: number;
  /** Where the admin / viewer token files live. */
  dataDir?: string;
  /** `admin.token`: replaces the admin token file. */
  token?: string;
  /** `admin.viewerToken`: replaces the viewer token file. */
  viewerToken?: string;
  allowedHosts?: string[];
  allowedOrigins?: string[];
  /** Readiness: a boolean, or `{ ready, ...details }` (details, e.g. which upstream is down, go in the body). */
  ready(): boolean | { ready: boolean; [k: string]: unknown } | Promise<boolean | { ready: boolean; [k: string]: unknown }>;
  health(): Record<string, unknown>;
  metrics(): Promise<string>;
  routes?: AdminRoute[];
  /** Answers GETs outside /api and /metrics without a token (the console's static files). */
  pages?: AdminRoute;
}

const MAX_BODY = 64 * 1024;

const BASE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...BASE_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
  return true;
}

function deny(res: ServerResponse, status: number, rule: string, error: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error, rule }, { ...headers, ...(status === 421 || status === 400 ? { connection: 'close' } : {}) });
}

/** The bearer token of a request, or '' (only the Authorization header counts). */
function bearer(req: IncomingMessage): string {
  const list = req.headersDistinct?.authorization ?? (req.headers.authorization === undefined ? [] : [req.headers.authorization]);
  if (list.length !== 1) return '';
  const m = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(list[0]!);
  return m ? m[1]! : '';
}

function isJsonContentType(v: string | undefined): boolean {
  if (v === undefined) return false;
  const type = v.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json';
}

/** Bad input to an admin route: answered with `status` and the message (rule admin.input). */
export class AdminInputError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_BODY) {
      req.resume();
      reject(new AdminInputError(413, `body over ${MAX_BODY} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > MAX_BODY) {
        failed = true;
        chunks.length = 0;
        reject(new AdminInputError(413, `body over ${MAX_BODY} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return resolve({});
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch {
        return reject(new AdminInputError(400, 'body is not valid JSON'));
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return reject(new AdminInputError(400, 'body must be a JSON object'));
      resolve(v as Record<string, unknown>);
    });
  });
}

export class AdminServer {
  private server?: http.Server;
  private readonly guard: AdminGuard;
  private readonly credentials: AdminCredentials;

  constructor(private readonly o: AdminOptions) {
    this.guard = new AdminGuard({ host: o.host, allowedHosts: o.allowedHosts, allowedOrigins: o.allowedOrigins });
    this.credentials = new AdminCredentials({ dataDir: o.dataDir, token: o.token, viewerToken: o.viewerToken });
  }

  async listen(): Promise<AddressInfo> {
    const s = http.createServer((req, res) => {
      this.route(req, res).catch((e: unknown) => {
        if (e instanceof AdminInputError) return void (res.headersSent || deny(res, e.status, 'admin.input', e.message));
        if (!res.headersSent) sendJson(res, 500, { error: e instanceof Error ? e.message : String(e) });
        else res.destroy();
      });
    });
    s.on('clientError', (_e, socket) => socket.destroy());
    this.server = s;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(this.o.port, this.o.host, () => resolve());
    });
    const addr = s.address() as AddressInfo;
    this.guard.setPort(addr.port);
    return addr;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://admin');
    } catch {
      return deny(res, 400, 'admin.request_target', 'unparseable request target');
    }
    const rejected = this.guard.check(req, url.pathname);
    if (rejected) return deny(res, rejected.status, rejected.rule, rejected.error);

    const method = req.method ?? 'GET';
    const reading = method === 'GET' || method === 'HEAD';
    if (reading && url.pathname === '/healthz') return void sendJson(res, 200, { status: 'ok', ...this.o.health() });
    if (reading && url.pathname === '/readyz') {
      const r = await this.o.ready();
      const body = typeof r === 'boolean' ? { ready: r } : r;
      return void sendJson(res, body.ready ? 200 : 503, body);
    }
    const isData = url.pathname === '/metrics' || url.pathname === '/api' || url.pathname.startsWith('/api/');
    if (reading && !isData) {
      if (this.o.pages && (await this.o.pages({ req, res, url, body: {} }))) return;
      return void sendJson(res, 404, { error: 'not found' });
    }
    if (method === 'OPTIONS') return deny(res, 405, 'admin.method', 'no cross-origin access to the admin API', { allow: 'GET, HEAD, POST' });

    const token = bearer(req);
    const role = token ? this.credentials.roleOf(token) : undefined;
    if (!role) {
      return deny(res, 401, 'admin.auth', token ? 'admin token not valid' : 'admin token required: Authorization: Bearer <token> (see `portcullis admin token`)', {
        'www-authenticate': 'Bearer realm="portcullis-admin"',
      });
    }
    let body: Record<string, unknown> = {};
    if (!reading) {
      if (role !== 'admin') return deny(res, 403, 'admin.role', 'the viewer token may only read; acting needs the admin token');
      if (!isJsonContentType(req.headers['content-type'])) return deny(res, 415, 'admin.content_type', 'acting requests must send Content-Type: application/json');
      body = await readJsonBody(req);
    }
    if (reading && url.pathname === '/metrics') {
      const text = await this.o.metrics();
      res.writeHead(200, { ...BASE_HEADERS, 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(text);
      return;
    }
    const ctx: AdminContext = { req, res, url, role, body };
    for (const r of this.o.routes ?? []) if (await r(ctx)) return;
    sendJson(res, 404, { error: `no admin route ${method} ${url.pathname}` });
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections?.();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
