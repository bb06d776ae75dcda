/**
 * The admin port (loopback by default): health, readiness, Prometheus metrics, and the admin
 * API routes other modules register. Kept apart from the MCP port so it is never exposed with it.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual, createHash } from 'node:crypto';

export type AdminRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

export interface AdminOptions {
  host: string;
  port: number;
  token?: string;
  /** Readiness: a boolean, or `{ ready, ...details }` (details, e.g. which upstream is down, go in the body). */
  ready(): boolean | { ready: boolean; [k: string]: unknown } | Promise<boolean | { ready: boolean; [k: string]: unknown }>;
  health(): Record<string, unknown>;
  metrics(): Promise<string>;
  routes?: AdminRoute[];
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const sha = (s: string) => createHash('sha256').update(s).digest();

export class AdminServer {
  private server?: http.Server;
  constructor(private readonly o: AdminOptions) {}

  async listen(): Promise<AddressInfo> {
    const s = http.createServer((req, res) => {
      this.route(req, res).catch((e: unknown) => json(res, 500, { error: e instanceof Error ? e.message : String(e) }));
    });
    this.server = s;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(this.o.port, this.o.host, () => resolve());
    });
    return s.address() as AddressInfo;
  }

  private authorized(req: IncomingMessage): boolean {
    if (!this.o.token) return true;
    const h = req.headers.authorization ?? '';
    const given = h.startsWith('Bearer ') ? h.slice(7) : '';
    return timingSafeEqual(sha(given), sha(this.o.token));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    if (url.pathname === '/healthz') return json(res, 200, { status: 'ok', ...this.o.health() });
    if (url.pathname === '/readyz') {
      const r = await this.o.ready();
      const body = typeof r === 'boolean' ? { ready: r } : r;
      return json(res, body.ready ? 200 : 503, body);
    }
    if (!this.authorized(req)) return json(res, 401, { error: 'admin token required (admin.token)' });
    if (url.pathname === '/metrics') {
      const text = await this.o.metrics();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(text);
      return;
    }
    for (const r of this.o.routes ?? []) if (await r(req, res, url)) return;
    json(res, 404, { error: 'not found' });
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections?.();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
