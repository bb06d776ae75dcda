/**
 * The console's static files (built by Vite from src/ui into dist/ui, shipped in the package):
 * `/` is the page, `/assets/*` its scripts and styles. No data here (everything comes from /api with
 * the token), so these answer without a token; they refuse framing and load nothing from elsewhere.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../config/load.js';
import type { AdminContext, AdminRoute } from './server.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export const UI_DIR = path.join(PACKAGE_ROOT, 'dist', 'ui');

/** Every file of the built console, read once (a few hundred KB at most). */
function load(dir: string): Map<string, { body: Buffer; type: string }> {
  const files = new Map<string, { body: Buffer; type: string }>();
  const walk = (d: string, prefix: string) => {
    for (const name of readdirSync(d)) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full, `${prefix}${name}/`);
      else files.set(`/${prefix}${name}`, { body: readFileSync(full), type: TYPES[path.extname(name)] ?? 'application/octet-stream' });
    }
  };
  try {
    walk(dir, '');
  } catch {
    /* not built: see below */
  }
  return files;
}

export function consolePages(dir = UI_DIR): AdminRoute {
  let files: Map<string, { body: Buffer; type: string }> | undefined;
  return (ctx: AdminContext) => {
    files ??= load(dir);
    const p = ctx.url.pathname === '/' ? '/index.html' : ctx.url.pathname;
    const f = files.get(p);
    if (!f) {
      if (p !== '/index.html') return false;
      const text = 'The Portcullis console is not built in this installation (run `npm run build`). The admin API is at /api (see /api/openapi.json).\n';
      ctx.res.writeHead(503, { ...HEADERS, 'content-type': 'text/plain; charset=utf-8' });
      ctx.res.end(text);
      return true;
    }
    const immutable = p.startsWith('/assets/');
    ctx.res.writeHead(200, { ...HEADERS, 'content-type': f.type, 'content-length': f.body.length, 'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-store' });
    ctx.res.end(ctx.req.method === 'HEAD' ? undefined : f.body);
    return true;
  };
}
