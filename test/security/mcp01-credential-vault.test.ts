/**
 * MCP01 (token mismanagement & secret exposure): upstream credentials live in the encrypted vault,
 * are injected by the gateway, and their values appear nowhere an agent, an operator's screen or
 * a copy of the data dir could read them: not in the store files, the audit log, the gateway's log
 * (at debug level), errors, /metrics, the admin API, `secrets list`, or what the client sees.
 * The gateway runs as a real process (`portcullis start`), the upstream is the headers fixture,
 * which refuses every request without `Authorization: Bearer <value>`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpFixture, type HttpFixture } from '../fixtures/harness.mjs';
import { httpClient, ROOT } from '../helpers/gateway.js';

const execFileP = promisify(execFile);
const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');
const VALUE = `tok_${Math.random().toString(36).slice(2)}_Z9q`;

function cli(args: string[], input?: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => (err += d));
    p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
    p.stdin.end(input ?? '');
  });
}

describe('MCP01: upstream credentials from the vault, never exposed', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pcx-vault-e2e-'));
  const dataDir = path.join(dir, 'data');
  const config = path.join(dir, 'portcullis.yaml');
  let upstream: HttpFixture;
  let gw: ChildProcess;
  let gwLog = '';
  let mcpUrl = '';
  let adminUrl = '';

  beforeAll(async () => {
    upstream = await startHttpFixture('headers.mjs', ['--require-bearer', VALUE]);
    writeFileSync(
      config,
      `auth: none\nlisten: { port: 0 }\nadmin: { port: 0 }\nmcpServers:\n  api:\n    url: ${upstream.url}\n    headers: { Authorization: "Bearer \${secret:API_TOKEN}" }\n`,
    );
    // Before the secret exists, the gateway refuses to start rather than send a literal reference.
    const early = await cli(['start', '-c', config, '--data-dir', dataDir]);
    expect(early.code).not.toBe(0);
    expect(early.err).toMatch(/API_TOKEN/);
    const set = await cli(['secrets', 'set', 'API_TOKEN', '-c', config, '--data-dir', dataDir], `${VALUE}\n`);
    expect(set.code, set.err).toBe(0);
    gw = spawn(process.execPath, [CLI, 'start', '-c', config, '--data-dir', dataDir], { env: { ...process.env, PORTCULLIS_LOG_LEVEL: 'debug' }, stdio: ['ignore', 'pipe', 'pipe'] });
    // The banner and the log both go to stderr (stdout stays free for `portcullis stdio`).
    gw.stdout!.on('data', (d: Buffer) => (gwLog += d));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`gateway did not start:\n${gwLog}`)), 20_000);
      gw.stderr!.on('data', (d: Buffer) => {
        gwLog += d;
        const m = /MCP endpoint\s+(\S+)[\s\S]*admin\s+(http\S+)/.exec(gwLog);
        if (m) {
          clearTimeout(t);
          mcpUrl = m[1]!;
          adminUrl = m[2]!;
          resolve();
        }
      });
      gw.on('exit', (c) => reject(new Error(`gateway exited ${c}:\n${gwLog}`)));
    });
  }, 60_000);

  afterAll(async () => {
    if (gw && gw.exitCode === null) {
      gw.kill('SIGTERM');
      await new Promise((r) => gw.once('exit', r));
    }
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the upstream, which demands the bearer value, serves calls through the gateway', async () => {
    const c = await httpClient(mcpUrl);
    try {
      const names = (await c.listTools()).tools.map((t) => t.name);
      expect(names).toContain('api__whoami');
      // A failing call's error must not carry the credential either.
      await c.callTool({ name: 'api__no_such_tool', arguments: {} }).catch((e: Error) => expect(e.message).not.toContain(VALUE));
    } finally {
      await c.close();
    }
    // What the upstream received: the value, in the header, injected by the gateway.
    const seen = await fetch(upstream.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${VALUE}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
    });
    expect(seen.status).toBe(200);
  });

  it.each([
    ['/metrics', '/metrics'],
    ['/api/sessions', '/api/sessions'],
    ['/readyz', '/readyz'],
  ])('the admin surface %s does not show the value', async (_n, route) => {
    // With the admin token, as an operator reads them (without it they answer 401 and prove nothing).
    const token = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
    const r = await fetch(adminUrl.replace(/\/$/, '') + route, { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    expect(await r.text()).not.toContain(VALUE);
  });

  it('the data dir (store, WAL, audit, keys) holds no plaintext copy, and the key file is 0600', async () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = path.join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(dataDir);
    expect(files.length).toBeGreaterThan(1);
    for (const f of files) expect(readFileSync(f).toString('latin1'), f).not.toContain(VALUE);
    expect(statSync(path.join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
  });

  it('`secrets list` and the audit log show names, never values', async () => {
    const list = await cli(['secrets', 'list', '-c', config, '--data-dir', dataDir, '--json']);
    expect(JSON.parse(list.out)).toEqual([expect.objectContaining({ name: 'API_TOKEN' })]);
    expect(list.out).not.toContain(VALUE);
    const audit = await execFileP(process.execPath, [CLI, 'audit', 'query', '-c', config, '--data-dir', dataDir, '--json']);
    expect(audit.stdout).not.toContain(VALUE);
  });

  it('the gateway log (debug level) never shows the value', () => {
    expect(gwLog.length).toBeGreaterThan(0);
    expect(gwLog).not.toContain(VALUE);
  });

  it('a vault copied without its key opens nothing: another key cannot read it', async () => {
    const other = await cli(['secrets', 'set', 'X', '-c', config, '--data-dir', dataDir], 'y', { PORTCULLIS_MASTER_KEY: 'ab'.repeat(32) });
    expect(other.code).toBe(0);
    // The gateway started from the data dir's key: a secret sealed with another key refuses to open.
    writeFileSync(config, readFileSync(config, 'utf8').replace('${secret:API_TOKEN}', '${secret:X}'));
    const start = await cli(['start', '-c', config, '--data-dir', dataDir]);
    expect(start.code).not.toBe(0);
    expect(start.err).toMatch(/sealed with master key/);
  });
});
