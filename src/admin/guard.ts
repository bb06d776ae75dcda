/**
 * Request gates of the admin port, applied before any route (including /healthz and /readyz):
 *
 * - Host (DNS rebinding): the Host header must name this listener: a loopback name or literal
 *   (when the port is reachable over loopback), the bind address, an address of one of this
 *   machine's interfaces (what Kubernetes probes send: `<pod IP>:<port>`), or an entry of
 *   `admin.allowedHosts` (`name` = any port, `name:port`). The port must be the listener's.
 *   A rebinding page always sends its own domain name, which none of these is. → 421
 * - Origin (cross-site requests): absent (non-browser clients), or the same origin as the Host the
 *   request was sent to, or an entry of `admin.allowedOrigins`. `Sec-Fetch-Site: cross-site` is
 *   refused too. → 403
 * - Request target: origin-form only (`/path?query`); no absolute-form, no duplicate Host. → 400
 *
 * Kept free of I/O so it costs nothing measurable (the admin port is not on the MCP hot path anyway).
 */
import os from 'node:os';
import net from 'node:net';
import type { IncomingMessage } from 'node:http';

export interface GuardOptions {
  /** The bind address (`admin.host`). */
  host: string;
  /** Extra Host names (`name` or `name:port`), e.g. the name a reverse proxy forwards. */
  allowedHosts?: string[];
  /** Extra allowed Origins (`scheme://host[:port]`). */
  allowedOrigins?: string[];
}

export interface Rejection {
  status: number;
  rule: string;
  error: string;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);
// RFC 3986 host (reg-name or IP literal) and an optional port; nothing else (no userinfo, path, spaces).
const HOST_RE = /^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)(?::(\d{1,5}))?$/;

function isWildcard(h: string): boolean {
  return h === '0.0.0.0' || h === '::' || h === '[::]' || h === '';
}

function isLoopbackLiteral(h: string): boolean {
  return LOOPBACK_NAMES.has(h) || (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) && net.isIPv4(h));
}

/** `[::1]` → `::1`; lower case. */
function bare(h: string): string {
  const l = h.toLowerCase();
  return l.startsWith('[') && l.endsWith(']') ? l.slice(1, -1) : l;
}

function bracket(h: string): string {
  return net.isIPv6(h) ? `[${h}]` : h;
}

let ifaceCache: { at: number; set: Set<string> } | undefined;
/** This machine's interface addresses (bracketed IPv6), refreshed at most every 10 s. */
function interfaceAddresses(): Set<string> {
  const now = Date.now();
  if (ifaceCache && now - ifaceCache.at < 10_000) return ifaceCache.set;
  const set = new Set<string>();
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) set.add(bracket(a.address.toLowerCase().replace(/%.*$/, '')));
  ifaceCache = { at: now, set };
  return set;
}

/** Paths that answer with data or act (everything but the console's static pages and the probes). */
export function isDataPath(p: string): boolean {
  return p === '/api' || p.startsWith('/api/') || p === '/metrics';
}

export class AdminGuard {
  private readonly bindHost: string;
  private readonly loopbackReachable: boolean;
  private readonly wildcard: boolean;
  private readonly allowedAnyPort = new Set<string>();
  private readonly allowedWithPort = new Set<string>();
  private readonly allowedOrigins: Set<string>;
  private port = 0;

  constructor(o: GuardOptions) {
    const b = bare(o.host.trim());
    this.wildcard = isWildcard(b);
    this.bindHost = bracket(b);
    this.loopbackReachable = this.wildcard || isLoopbackLiteral(this.bindHost) || b === 'localhost' || b === '::1';
    for (const h of o.allowedHosts ?? []) {
      const m = HOST_RE.exec(h.trim().toLowerCase());
      if (!m) throw new Error(`admin.allowedHosts: "${h}" is not a host name or host:port`);
      if (m[2] === undefined) this.allowedAnyPort.add(m[1]!);
      else this.allowedWithPort.add(`${m[1]!}:${Number(m[2])}`);
    }
    this.allowedOrigins = new Set(
      (o.allowedOrigins ?? []).map((s) => {
        let u: URL;
        try {
          u = new URL(s);
        } catch {
          throw new Error(`admin.allowedOrigins: "${s}" is not an origin (scheme://host[:port])`);
        }
        if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.origin === 'null') throw new Error(`admin.allowedOrigins: "${s}" is not an http(s) origin`);
        return u.origin;
      }),
    );
  }

  /** Set once the listener is bound (port 0 → the real one). */
  setPort(port: number): void {
    this.port = port;
  }

  private hostAllowed(name: string, port: number): boolean {
    if (this.allowedWithPort.has(`${name}:${port}`) || this.allowedAnyPort.has(name)) return true;
    if (port !== this.port) return false;
    if (this.loopbackReachable && isLoopbackLiteral(name)) return true;
    if (name === this.bindHost) return true;
    // An IP literal of one of our interfaces: no DNS name involved, so no rebinding.
    if ((net.isIPv4(name) || (name.startsWith('[') && net.isIPv6(name.slice(1, -1)))) && (this.wildcard || name === this.bindHost)) return interfaceAddresses().has(name);
    return false;
  }

  /** undefined when the request may proceed; else why not. */
  /** `pathname` is the request's normalised path (as the router sees it). */
  check(req: IncomingMessage, pathname: string): Rejection | undefined {
    const url = req.url ?? '';
    if (!url.startsWith('/') || url.startsWith('//')) return { status: 400, rule: 'admin.request_target', error: 'request target must be a path (origin-form)' };
    let hosts = 0;
    for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'host') hosts++;
    if (hosts !== 1) return { status: 400, rule: 'admin.host', error: 'exactly one Host header is required' };
    const raw = (req.headers.host ?? '').toLowerCase();
    const m = HOST_RE.exec(raw);
    if (!m) return { status: 421, rule: 'admin.host', error: 'Host header is not a host name or host:port' };
    const name = m[1]!;
    const port = m[2] === undefined ? 80 : Number(m[2]);
    if (!this.hostAllowed(name, port)) {
      return { status: 421, rule: 'admin.host', error: `Host "${raw}" does not name this admin port (admin.allowedHosts)` };
    }
    const origins = req.headersDistinct?.origin ?? (req.headers.origin === undefined ? [] : [req.headers.origin]);
    if (origins.length > 1) return { status: 403, rule: 'admin.origin', error: 'more than one Origin header' };
    const origin = origins[0];
    if (origin !== undefined) {
      let o: string;
      try {
        o = new URL(origin).origin;
      } catch {
        o = 'null';
      }
      const sameOrigin = o !== 'null' && o === new URL(`http://${raw}`).origin;
      if (!sameOrigin && !this.allowedOrigins.has(o)) return { status: 403, rule: 'admin.origin', error: `cross-origin request refused (Origin ${origin.slice(0, 200)}; admin.allowedOrigins)` };
    }
    // Browsers label every request; one from another site (or another port of this host) is refused
    // unless its Origin is allowed, or it is a plain navigation to a console page (no data, no effect:
    // pages are static and refuse framing).
    const site = req.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') {
      const allowedOrigin = origin !== undefined && this.allowedOrigins.size > 0; // passed the Origin check above
      const pageNavigation = req.headers['sec-fetch-mode'] === 'navigate' && (req.method === 'GET' || req.method === 'HEAD') && !isDataPath(pathname);
      if (!allowedOrigin && !pageNavigation) return { status: 403, rule: 'admin.origin', error: `cross-site request refused (Sec-Fetch-Site: ${site})` };
    }
    return undefined;
  }
}
