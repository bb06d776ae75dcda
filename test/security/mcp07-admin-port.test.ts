/**
 * OWASP MCP07 (insufficient authentication & authorization), on the admin port.
 *
 * A web page must not be able to use the admin port of a gateway on the victim's machine: not by
 * DNS rebinding (its own domain name in `Host`), not by a cross-site request (a `text/plain` POST
 * needs no preflight), and nobody may act without the admin token, even on loopback. Every case is
 * sent raw over a socket to a real gateway holding a real call for approval; after every attack
 * the ticket must still be pending (the held call never ran).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { EVERYTHING, ROOT, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { rotateTokenFile, tokenFile } from '../../src/admin/token.js';
import { AdminServer, type AdminOptions } from '../../src/admin/server.js';
import { UI_DIR } from '../../src/admin/pages.js';

const execFileP = promisify(execFile);

interface RawResponse {
  status: number;
  body: string;
}

/** One HTTP/1.1 request written byte for byte (fetch would fix up Host, Origin and the target). */
function raw(port: number, head: string[], body = ''): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (data += d));
    s.on('error', reject);
    s.on('close', () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      if (!m) return reject(new Error(`no HTTP response: ${JSON.stringify(data.slice(0, 200))}`));
      resolve({ status: Number(m[1]), body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
    const lines = [...head, 'Connection: close'];
    if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
    s.end(lines.join('\r\n') + '\r\n\r\n' + body);
  });
}

describe('MCP07: the admin port refuses rebinding, cross-site and unauthenticated requests', () => {
  let gw: TestGateway;
  let alice: Client;
  let port: number;
  let token: string;
  let viewer: string;
  let ticket: string;
  const echo = () => alice.callTool({ name: 'everything__echo', arguments: { message: 'held for a human' } });
  const held = async () => (await gw.rt.store.listApprovals('pending')).some((a) => a.ticket === ticket);
  const good = () => `Host: 127.0.0.1:${port}`;
  const auth = () => `Authorization: Bearer ${token}`;

  beforeAll(async () => {
    gw = await startTestGateway(`
auth: none
mcpServers:${EVERYTHING}
policy:
  allow:
    - { id: echo-needs-approval, principal: "*", tools: ["everything__echo"], obligations: [approve] }
`);
    port = Number(new URL(gw.adminUrl).port);
    token = gw.adminToken;
    viewer = rotateTokenFile(gw.dataDir, 'viewer').token;
    alice = await httpClient(gw.url);
    const err = await echo().then(() => undefined, (e: Error & { data?: { ticket?: string } }) => e);
    ticket = err!.data!.ticket!;
    expect(ticket).toMatch(/^apr_/);
  });
  afterAll(async () => {
    await alice?.close();
    await gw?.close();
  });

  it('the admin token is created at first start in the data dir, mode 0600', () => {
    const file = tokenFile(gw.dataDir, 'admin');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(token);
    expect(token).toMatch(/^pcx_admin_[A-Za-z0-9_-]{43}$/);
  });

  // ---- Host: DNS rebinding. A page at attacker.example rebound to 127.0.0.1 sends its own name.
  const HOSTS: Array<[host: (port: number) => string, ok: boolean]> = [
    [(p) => `127.0.0.1:${p}`, true],
    [(p) => `localhost:${p}`, true],
    [(p) => `LocalHost:${p}`, true],
    [(p) => `[::1]:${p}`, true],
    [() => 'attacker.example', false],
    [(p) => `attacker.example:${p}`, false],
    [(p) => `127.0.0.1.attacker.example:${p}`, false],
    [(p) => `localhost.attacker.example:${p}`, false],
    [(p) => `localhost:${p}.attacker.example`, false],
    [() => 'localhost:1@evil', false],
    [(p) => `localhost:${p}@evil.example`, false],
    [(p) => `evil.example@localhost:${p}`, false],
    [(p) => `localhost.:${p}`, false],
    [() => 'localhost', false], // port 80 implied: not this listener
    [() => '127.0.0.1:1', false],
    [(p) => `127.1:${p}`, false],
    [(p) => `2130706433:${p}`, false],
    [(p) => `0x7f.0.0.1:${p}`, false],
    [(p) => `127.0.0.1:${p}, attacker.example`, false],
    [(p) => `127.0.0.1:${p}/x`, false],
    [(p) => `127.0.0.1:0${p}0`, false],
    [() => '', false],
  ];
  const READ_PATHS = ['/api/approvals', '/api/sessions', '/metrics', '/healthz', '/readyz', '/'];

  it.each(HOSTS.flatMap(([h, ok]) => READ_PATHS.map((p) => [h, ok, p] as const)))('Host %# (%s) on GET %s', async (host, ok, p) => {
    const r = await raw(port, [`GET ${p} HTTP/1.1`, `Host: ${host(port)}`, auth()]);
    if (ok) expect(r.status, r.body).toBe(p === '/' && !existsSync(path.join(UI_DIR, 'index.html')) ? 503 : 200);
    else {
      expect(r.status, `${host(port)} ${p}: ${r.body}`).toBe(421);
      expect(JSON.parse(r.body)).toMatchObject({ rule: 'admin.host' });
    }
  });

  it.each(HOSTS.filter(([, ok]) => !ok).map(([h]) => [h]))('Host %# cannot approve the held call', async (host) => {
    const r = await raw(port, [`POST /api/approvals/${ticket}/approve HTTP/1.1`, `Host: ${host(port)}`, auth(), 'Content-Type: application/json'], '{}');
    expect(r.status).toBe(421);
    expect(await held()).toBe(true);
  });

  // ---- Request framing that could smuggle another authority past the Host check.
  const FRAMING: Array<[name: string, head: (port: number) => string[], status: number]> = [
    ['absolute-form target', (p) => [`GET http://attacker.example/api/approvals HTTP/1.1`, `Host: 127.0.0.1:${p}`], 400],
    ['absolute-form target naming us', (p) => [`GET http://127.0.0.1:${p}/api/approvals HTTP/1.1`, `Host: 127.0.0.1:${p}`], 400],
    ['two Host headers', (p) => ['GET /api/approvals HTTP/1.1', `Host: 127.0.0.1:${p}`, 'Host: attacker.example'], 400],
    ['two Host headers, bad first', (p) => ['GET /api/approvals HTTP/1.1', 'Host: attacker.example', `Host: 127.0.0.1:${p}`], 400],
    ['no Host (HTTP/1.0)', () => ['GET /api/approvals HTTP/1.0'], 400],
  ];
  it.each(FRAMING)('%s → %d', async (_name, head, status) => {
    const r = await raw(port, [...head(port), auth()]);
    expect(r.status, r.body).toBe(status);
  });

  // ---- Origin: a cross-site page (or another local port) may neither read nor act.
  const ORIGINS: Array<[origin: ((port: number) => string) | undefined, extra: string[], ok: boolean]> = [
    [undefined, [], true],
    [(p) => `http://127.0.0.1:${p}`, [], true],
    [(p) => `http://127.0.0.1:${p}`, ['Sec-Fetch-Site: same-origin'], true],
    [() => 'https://attacker.example', [], false],
    [() => 'http://attacker.example', ['Sec-Fetch-Site: cross-site'], false],
    [() => 'null', [], false],
    [(p) => `http://localhost:${p}`, [], false], // another origin than the one the request was sent to
    [(p) => `https://127.0.0.1:${p}`, [], false],
    [(p) => `http://127.0.0.1:${p}.attacker.example`, [], false],
    [(p) => `http://127.0.0.1:${p}@attacker.example`, [], false],
    [(p) => `http://127.0.0.1:${p + 1}`, [], false],
    [() => 'http://127.0.0.1', [], false],
    [() => 'http://localhost:3000', ['Sec-Fetch-Site: same-site'], false],
    [() => 'garbage', [], false],
    [undefined, ['Sec-Fetch-Site: cross-site'], false],
    [undefined, ['Sec-Fetch-Site: same-site', 'Sec-Fetch-Mode: cors'], false],
    [undefined, ['Sec-Fetch-Site: cross-site', 'Sec-Fetch-Mode: navigate'], false], // a link to /api/… from another site
  ];
  it.each(ORIGINS)('Origin %# (%s %s): read', async (origin, extra, ok) => {
    const r = await raw(port, ['GET /api/approvals HTTP/1.1', good(), auth(), ...(origin ? [`Origin: ${origin(port)}`] : []), ...extra]);
    if (ok) expect(r.status, r.body).toBe(200);
    else {
      expect(r.status, r.body).toBe(403);
      expect(JSON.parse(r.body)).toMatchObject({ rule: 'admin.origin' });
    }
  });
  it.each(ORIGINS.filter(([, , ok]) => !ok))('Origin %# (%s %s): cannot approve', async (origin, extra) => {
    const r = await raw(port, [`POST /api/approvals/${ticket}/approve HTTP/1.1`, good(), auth(), 'Content-Type: application/json', ...(origin ? [`Origin: ${origin(port)}`] : []), ...extra], '{}');
    expect(r.status, r.body).toBe(403);
    expect(await held()).toBe(true);
  });
  it('two Origin headers are refused', async () => {
    const r = await raw(port, ['GET /api/approvals HTTP/1.1', good(), auth(), `Origin: http://127.0.0.1:${port}`, 'Origin: https://attacker.example']);
    expect(r.status).toBe(403);
  });

  // ---- Acting needs the admin token (in the Authorization header) and a JSON body, on loopback too.
  const ACTS: Array<[name: string, headers: () => string[], body: string, status: number, rule: string]> = [
    ['no token', () => ['Content-Type: application/json'], '{}', 401, 'admin.auth'],
    ['wrong token', () => ['Authorization: Bearer pcx_admin_wrong-wrong-wrong-wrong', 'Content-Type: application/json'], '{}', 401, 'admin.auth'],
    ['token with a suffix', () => [`Authorization: Bearer ${token}x`, 'Content-Type: application/json'], '{}', 401, 'admin.auth'],
    ['token as a cookie', () => [`Cookie: token=${token}; admin=${token}`, 'Content-Type: application/json'], '{}', 401, 'admin.auth'],
    ['token as Basic', () => [`Authorization: Basic ${Buffer.from(`admin:${token}`).toString('base64')}`, 'Content-Type: application/json'], '{}', 401, 'admin.auth'],
    ['token twice', () => [auth(), auth(), 'Content-Type: application/json'], '{}', 401, 'admin.auth'],
    ['viewer token', () => [`Authorization: Bearer ${viewer}`, 'Content-Type: application/json'], '{}', 403, 'admin.role'],
    ['text/plain (a cross-site "simple" request)', () => [auth(), 'Content-Type: text/plain'], '{}', 415, 'admin.content_type'],
    ['text/plain;charset=utf-8', () => [auth(), 'Content-Type: text/plain;charset=UTF-8'], '{"by":"x"}', 415, 'admin.content_type'],
    ['form-urlencoded', () => [auth(), 'Content-Type: application/x-www-form-urlencoded'], 'by=x', 415, 'admin.content_type'],
    ['multipart/form-data', () => [auth(), 'Content-Type: multipart/form-data; boundary=x'], '--x--', 415, 'admin.content_type'],
    ['no content type', () => [auth()], '{}', 415, 'admin.content_type'],
    ['text/plain with json as a parameter', () => [auth(), 'Content-Type: text/plain; type=application/json'], '{}', 415, 'admin.content_type'],
    ['application/jsonp', () => [auth(), 'Content-Type: application/jsonp'], '{}', 415, 'admin.content_type'],
    ['json body that is not an object', () => [auth(), 'Content-Type: application/json'], '["approve"]', 400, 'admin.input'],
    ['json body that does not parse', () => [auth(), 'Content-Type: application/json'], '{by:', 400, 'admin.input'],
    ['body over 64 KiB', () => [auth(), 'Content-Type: application/json'], JSON.stringify({ by: 'x'.repeat(70_000) }), 413, 'admin.input'],
  ];
  it.each(ACTS)('approve with %s → %d', async (_name, headers, body, status, rule) => {
    const r = await raw(port, [`POST /api/approvals/${ticket}/approve HTTP/1.1`, good(), ...headers()], body);
    expect(r.status, r.body).toBe(status);
    expect(JSON.parse(r.body)).toMatchObject({ rule });
    expect(await held()).toBe(true);
  });
  it.each(ACTS.filter(([, , , status]) => status === 401 || status === 403))('revoke a principal with %s → %d', async (_name, headers, body, status) => {
    const r = await raw(port, ['POST /api/principals/user:alice/revoke HTTP/1.1', good(), ...headers()], body);
    expect(r.status, r.body).toBe(status);
  });

  // ---- Reading: /api and /metrics need a token (viewer or admin); probes and pages do not.
  const READS: Array<[path: string, who: 'none' | 'viewer' | 'admin', status: number]> = [
    ['/api/approvals', 'none', 401],
    ['/api/sessions', 'none', 401],
    ['/metrics', 'none', 401],
    ['/api/approvals?token=TOKEN', 'none', 401],
    ['/api/approvals', 'viewer', 200],
    ['/api/sessions', 'viewer', 200],
    ['/metrics', 'viewer', 200],
    ['/api/approvals', 'admin', 200],
    ['/metrics', 'admin', 200],
    ['/healthz', 'none', 200],
    ['/readyz', 'none', 200],
  ];
  it.each(READS)('GET %s as %s → %d', async (p, who, status) => {
    const cred = who === 'admin' ? [auth()] : who === 'viewer' ? [`Authorization: Bearer ${viewer}`] : [];
    const r = await raw(port, [`GET ${p.replace('TOKEN', token)} HTTP/1.1`, good(), ...cred]);
    expect(r.status, r.body).toBe(status);
  });

  it('an OPTIONS preflight gets no CORS grant', async () => {
    const r = await raw(port, [`OPTIONS /api/approvals/${ticket}/approve HTTP/1.1`, good(), 'Origin: https://attacker.example', 'Access-Control-Request-Method: POST']);
    expect(r.status).toBe(403);
    expect(r.body).not.toMatch(/access-control-allow/i);
  });

  it('after every attack the call is still held; the admin token with JSON approves it and the retry runs', async () => {
    expect(await held()).toBe(true);
    const r = await gw.admin(`/api/approvals/${ticket}/approve`, { body: { by: 'user:carol' } });
    expect(r.status).toBe(200);
    expect(await echo()).toEqual({ content: [{ type: 'text', text: 'Echo: held for a human' }] });
  });

  it('`portcullis admin token` rotates the token: the running gateway takes the new one at once, the old one stops working', async () => {
    const out = await execFileP(process.execPath, [path.join(ROOT, 'dist/cli/index.js'), 'admin', 'token', '--data-dir', gw.dataDir]);
    const fresh = out.stdout.trim();
    expect(fresh).toMatch(/^pcx_admin_/);
    expect(fresh).not.toBe(token);
    expect(readFileSync(tokenFile(gw.dataDir, 'admin'), 'utf8').trim()).toBe(fresh);
    expect(statSync(tokenFile(gw.dataDir, 'admin')).mode & 0o777).toBe(0o600);
    expect((await gw.admin('/api/sessions')).status).toBe(401);
    expect((await gw.admin('/api/sessions', { token: fresh })).status).toBe(200);
    token = fresh;
  });
});

describe('MCP07: the Host / Origin gate under other bind configurations', () => {
  // An address of a non-loopback interface of this machine (what a kubelet probe puts in Host), if any.
  const iface = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && !a.internal && a.family === 'IPv4')?.address;
  const servers: AdminServer[] = [];
  const start = async (o: Partial<AdminOptions>) => {
    const s = new AdminServer({ host: '127.0.0.1', port: 0, ready: () => true, health: () => ({}), metrics: async () => '', dataDir: mkdtempSync(path.join(os.tmpdir(), 'pcx-guard-')), ...o });
    servers.push(s);
    return (await s.listen()).port;
  };
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  // [bind, allowedHosts, allowedOrigins, Host (port → value), Origin, expected status on /healthz]
  type Case = [bind: string, hosts: string[], origins: string[], host: (p: number) => string, origin: string | undefined, status: number];
  const CASES: Case[] = [
    ['0.0.0.0', [], [], (p) => `127.0.0.1:${p}`, undefined, 200],
    ['0.0.0.0', [], [], (p) => `localhost:${p}`, undefined, 200],
    ...(iface ? [['0.0.0.0', [], [], (p: number) => `${iface}:${p}`, undefined, 200] satisfies Case] : []),
    ['0.0.0.0', [], [], (p) => `203.0.113.9:${p}`, undefined, 421], // an IP that is not ours
    ['0.0.0.0', [], [], (p) => `attacker.example:${p}`, undefined, 421],
    ['0.0.0.0', ['gw.internal'], [], (p) => `gw.internal:${p}`, undefined, 200],
    ['0.0.0.0', ['gw.internal'], [], () => 'gw.internal', undefined, 200], // behind a proxy on :80
    ['0.0.0.0', ['gw.internal:8443'], [], () => 'gw.internal:8443', undefined, 200],
    ['0.0.0.0', ['gw.internal:8443'], [], () => 'gw.internal:9000', undefined, 421],
    ['0.0.0.0', ['gw.internal'], [], (p) => `gw.internal.attacker.example:${p}`, undefined, 421],
    ['0.0.0.0', ['gw.internal'], ['https://console.example.com'], () => 'gw.internal', 'https://console.example.com', 200],
    ['0.0.0.0', ['gw.internal'], ['https://console.example.com'], () => 'gw.internal', 'https://console.example.com.attacker.example', 403],
    ['0.0.0.0', ['gw.internal'], ['https://console.example.com'], () => 'gw.internal', 'http://console.example.com', 403],
    ['127.0.0.1', [], [], (p) => `${iface ?? '192.0.2.77'}:${p}`, undefined, 421], // loopback bind: no interface addresses
    ['localhost', [], [], (p) => `localhost:${p}`, undefined, 200],
  ];
  it.each(CASES)('bind %s allowedHosts %j allowedOrigins %j: Host %# Origin %s', async (bind, hosts, origins, host, origin, status) => {
    const port = await start({ host: bind, allowedHosts: hosts, allowedOrigins: origins });
    const r = await raw(port, ['GET /healthz HTTP/1.1', `Host: ${host(port)}`, ...(origin ? [`Origin: ${origin}`] : [])]);
    expect(r.status, r.body).toBe(status);
  });

  it('a bad allowedHosts or allowedOrigins entry refuses to start', () => {
    expect(() => new AdminServer({ host: '127.0.0.1', port: 0, ready: () => true, health: () => ({}), metrics: async () => '', allowedHosts: ['evil@host'] })).toThrow(/allowedHosts/);
    expect(() => new AdminServer({ host: '127.0.0.1', port: 0, ready: () => true, health: () => ({}), metrics: async () => '', allowedOrigins: ['not an origin'] })).toThrow(/allowedOrigins/);
  });

  it('a token file others can read grants nothing', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pcx-guard-'));
    const t = rotateTokenFile(dataDir, 'admin').token;
    const port = await start({ dataDir });
    const get = () => raw(port, ['GET /api/x HTTP/1.1', `Host: 127.0.0.1:${port}`, `Authorization: Bearer ${t}`]);
    expect((await get()).status).toBe(404); // authenticated, no such route
    chmodSync(path.join(dataDir, 'admin-token'), 0o644);
    expect((await get()).status).toBe(401);
  });
});
