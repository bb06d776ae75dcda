/**
 * OWASP MCP01 (token mismanagement & secret exposure): an upstream URL that carries credentials —
 * userinfo or secret-looking query parameters — is stored redacted in the registry and printed
 * redacted by `registry list` (table and --json). Each URL is one row; a real gateway connects to a
 * real HTTP fixture server under such a URL, and the real CLI prints the registry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startHttpFixture, type HttpFixture } from '../fixtures/harness.mjs';
import { redactTarget, redactUrl } from '../../src/util/redact-url.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');

/** `{base}` is the fixture's origin. `secrets` must never be stored or printed; `keep` must survive. */
const URLS: { name: string; url: string; secrets: string[]; keep: string[] }[] = [
  { name: 'user and password', url: '{scheme}//alice:S3cretPassw0rd@{host}/mcp', secrets: ['S3cretPassw0rd', 'alice:'], keep: ['/mcp'] },
  { name: 'token only in userinfo', url: '{scheme}//ghp_TokenInUserinfo1234567890@{host}/mcp', secrets: ['ghp_TokenInUserinfo1234567890'], keep: ['/mcp'] },
  { name: 'token= query parameter', url: '{scheme}//{host}/mcp?token=tok_abcdef123456&region=eu', secrets: ['tok_abcdef123456'], keep: ['region=eu'] },
  { name: 'api_key=, key= and sig=', url: '{scheme}//{host}/mcp?api_key=AKv1secret&key=k3y_value&sig=c2lnbmF0dXJl', secrets: ['AKv1secret', 'k3y_value', 'c2lnbmF0dXJl'], keep: ['/mcp'] },
  { name: 'presigned-style parameters', url: '{scheme}//{host}/mcp?X-Amz-Credential=AKIAEXAMPLE%2F2026&X-Amz-Signature=deadbeefcafe&X-Amz-Expires=60', secrets: ['AKIAEXAMPLE', 'deadbeefcafe'], keep: ['X-Amz-Expires=60'] },
  { name: 'access_token and client_secret, mixed case', url: '{scheme}//{host}/mcp?Access_Token=at_987654321&CLIENT_SECRET=cs_123456789', secrets: ['at_987654321', 'cs_123456789'], keep: ['/mcp'] },
  { name: 'password= and both userinfo and query', url: '{scheme}//bob:hunter2hunter2@{host}/mcp?password=pw_abcdefgh', secrets: ['hunter2hunter2', 'pw_abcdefgh'], keep: ['/mcp'] },
];

describe('MCP01: upstream URLs with credentials are stored and printed redacted', { timeout: 120_000 }, () => {
  let http: HttpFixture;
  let gw: TestGateway;
  let dataDir: string;
  const clients: Client[] = [];
  const expanded: { name: string; url: string; secrets: string[]; keep: string[] }[] = [];

  beforeAll(async () => {
    http = await startHttpFixture('headers.mjs');
    const u = new URL(http.url);
    for (const r of URLS) expanded.push({ ...r, url: r.url.replace('{scheme}', u.protocol).replace('{host}', u.host) });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'pcx-redact-'));
    gw = await startTestGateway(
      `
auth: none
registry: { mode: observe }
mcpServers:
${expanded.map((r, i) => `  up${i}: { url: ${JSON.stringify(r.url)}, type: http }`).join('\n')}
`,
      { keepDataDir: dataDir },
    );
    const c = await httpClient(gw.url);
    clients.push(c);
    await c.listTools(); // connects every upstream, which records it in the registry
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await gw?.close();
    await http?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--data-dir', dataDir], { encoding: 'utf8' });

  it('every upstream connected (the redaction does not change where the gateway connects)', async () => {
    const servers = await gw.rt.registry.list();
    expect(servers.servers.map((s) => s.name).sort()).toEqual(expanded.map((_, i) => `up${i}`).sort());
  });

  for (const [i, r] of URLS.entries()) {
    it(`${r.name}: not in the store, not in \`registry list\` nor its --json; host and harmless parts kept`, () => {
      const row = expanded[i]!;
      const table = cli('registry', 'list');
      const json = cli('registry', 'list', '--json');
      expect(table.status).toBe(0);
      expect(json.status).toBe(0);
      const db = readFileSync(path.join(dataDir, 'portcullis.db')).toString('latin1');
      const wal = (() => {
        try {
          return readFileSync(path.join(dataDir, 'portcullis.db-wal')).toString('latin1');
        } catch {
          return '';
        }
      })();
      for (const s of row.secrets) {
        expect(table.stdout).not.toContain(s);
        expect(json.stdout).not.toContain(s);
        expect(db + wal).not.toContain(s);
      }
      const target = (JSON.parse(json.stdout) as { servers: { name: string; target: string }[] }).servers.find((s) => s.name === `up${i}`)!.target;
      expect(target).toContain(new URL(http.url).host);
      for (const k of row.keep) expect(target).toContain(k);
      expect(target).toContain('***');
    });
  }
});

describe('MCP01: the redaction function (one for every place a target is shown)', { timeout: 120_000 }, () => {
  const ROWS: { in: string; out: string }[] = [
    { in: 'https://u:p@h.example/x?y=1', out: 'https://***@h.example/x?y=1' },
    { in: 'https://h.example/x?token=abc&y=1#access_token=zzz', out: 'https://h.example/x?token=***&y=1#access_token=***' },
    { in: 'https://h.example/x?%74oken=abc', out: 'https://h.example/x?%74oken=***' },
    { in: 'https://h.example/x', out: 'https://h.example/x' },
    { in: 'http:\\\\u:p@h.example/x', out: 'http:\\\\***@h.example/x' },
    { in: 'http:u:p@h.example/x', out: 'http:***@h.example/x' },
    { in: 'https:/u:p@h.example/x?sig=1', out: 'https:/***@h.example/x?sig=***' },
    { in: 'mailto:someone@h.example', out: 'mailto:someone@h.example' },
    { in: 'wss://u:p@h.example:8443/ws', out: 'wss://***@h.example:8443/ws' },
  ];
  for (const r of ROWS) it(`redactUrl(${JSON.stringify(r.in)})`, () => expect(redactUrl(r.in)).toBe(r.out));

  const CMDS: { in: string; out: string }[] = [
    { in: 'server --api-key=sk_live_123 --port 1', out: 'server --api-key=*** --port 1' },
    { in: 'server --token sk_live_123 --port 1', out: 'server --token *** --port 1' },
    { in: 'mcp-remote https://u:p@h.example/mcp?key=1', out: 'mcp-remote https://***@h.example/mcp?key=***' },
    { in: 'env GITHUB_TOKEN=ghp_x node s.js', out: 'env GITHUB_TOKEN=*** node s.js' },
  ];
  for (const r of CMDS) it(`redactTarget(${JSON.stringify(r.in)})`, () => expect(redactTarget(r.in)).toBe(r.out));
});
