/**
 * OWASP MCP08 (lack of audit and telemetry): every decision through the gateway, allow
 * included, is in the hash-chained log before the client sees the answer; the CLI verifies
 * the chain, finds tampering, and answers "who called what, when, and why was it allowed".
 * Metrics are on the admin port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { EVERYTHING, ROOT, fixture, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { SECRETS } from '../fixtures/_data.mjs';

const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');
const execFileP = promisify(execFile);
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

describe('MCP08: audit trail and telemetry through the gateway', () => {
  let gw: TestGateway;
  let c: Client;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'pcx-audit-'));
    gw = await startTestGateway(`
auth: none
mcpServers:${EVERYTHING}
  inj: { command: node, args: ["${fixture('injector.mjs')}"] }
`, { keepDataDir: dataDir });
    c = await httpClient(gw.url, { name: 'audit-e2e' });
    await c.listTools();
    await c.callTool({ name: 'everything__echo', arguments: { message: 'audited' } });
    await c.callTool({ name: 'inj__leak_secrets', arguments: {} });
    await c.callTool({ name: 'inj__send_email', arguments: { to: 'a@b.test', body: `key ${SECRETS.awsAccessKeyId} ${SECRETS.awsSecretAccessKey}` } }).catch(() => undefined);
  });
  afterAll(async () => {
    await c?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('/metrics on the admin port counts calls, decisions and findings', async () => {
    const text = await (await gw.admin('/metrics')).text();
    expect(text).toMatch(/portcullis_calls_total\{server="everything",method="tools\/call",decision="allow"\} [1-9]/);
    expect(text).toMatch(/portcullis_decisions_total\{decision="deny",rule="inspect\.secrets"\} 1/);
    expect(text).toMatch(/portcullis_findings_total\{detector="secrets\.[^"]+",category="secret"/);
    expect(text).toMatch(/portcullis_sessions_active\{transport="http"\} 1/);
    expect((await fetch(`${gw.adminUrl}/readyz`)).status).toBe(200);
  });

  it('every decision is an event: who, what, decision, rule, findings — never the secret itself', async () => {
    await c.close();
    await gw.close(); // writes the final signed checkpoint
    const q = cli('audit', 'query', '--data-dir', dataDir, '--json', '--limit', '1000');
    expect(q.status).toBe(0);
    const parsed = JSON.parse(q.stdout) as unknown;
    const events = (Array.isArray(parsed) ? parsed : ((parsed as { events: unknown[] }).events ?? [])) as Array<{ event?: Record<string, unknown> } & Record<string, unknown>>;
    const evs = events.map((e) => (e.event ?? e) as { method: string; target?: string; decision: string; rule?: string; principal: { id: string }; client?: { name: string }; findings: Array<{ category: string }>; argsDigest?: string });
    const echo = evs.find((e) => e.target === 'everything__echo')!;
    expect(echo).toMatchObject({ method: 'tools/call', decision: 'allow', principal: { id: 'anonymous' }, client: { name: 'audit-e2e' } });
    expect(echo.argsDigest).toMatch(/^[0-9a-f]{64}$/);
    const denied = evs.find((e) => e.target === 'inj__send_email')!;
    expect(denied).toMatchObject({ decision: 'deny', rule: 'inspect.secrets' });
    expect(evs.find((e) => e.target === 'inj__leak_secrets')!.findings.some((f) => f.category === 'secret')).toBe(true);
    expect(evs.some((e) => e.method === 'initialize')).toBe(true);
    expect(evs.some((e) => e.method === 'tools/list')).toBe(true);
    const raw = JSON.stringify(events);
    expect(raw).not.toContain(SECRETS.awsAccessKeyId);
    expect(raw).not.toContain(SECRETS.awsSecretAccessKey);
  });

  it('audit verify passes on the untouched log, and names the first broken link after tampering', () => {
    const ok = cli('audit', 'verify', '--data-dir', dataDir);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    const db = new Database(path.join(dataDir, 'portcullis.db'));
    const row = db.prepare('SELECT seq, event FROM audit_events ORDER BY seq LIMIT 1 OFFSET 2').get() as { seq: number; event: string };
    db.prepare('UPDATE audit_events SET event = ? WHERE seq = ?').run(row.event.replace('"allow"', '"deny"').replace('anonymous', 'someone-else'), row.seq);
    db.close();
    const bad = cli('audit', 'verify', '--data-dir', dataDir);
    expect(bad.status).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(new RegExp(`seq ${row.seq}|#${row.seq}\\b|${row.seq}`));
    expect(bad.stdout + bad.stderr).toMatch(/modified/i);
  });
});

describe('revoking a session through the admin API', () => {
  it('ends the session now; its id then gets 404', async () => {
    const gw = await startTestGateway(`auth: none\nmcpServers:${EVERYTHING}\n`);
    try {
      const c = await httpClient(gw.url);
      const sid = (c.transport as { sessionId?: string }).sessionId!;
      const list = (await (await gw.admin('/api/sessions')).json()) as { sessions: Array<{ id: string }> };
      expect(list.sessions.map((s) => s.id)).toContain(sid);
      // Async: the gateway runs in this process, so a synchronous spawn would block its answer.
      const r = await execFileP(process.execPath, [CLI, 'revoke', '--session', sid, '--admin', gw.adminUrl, '--data-dir', gw.dataDir], { encoding: 'utf8' });
      expect(JSON.parse(r.stdout)).toMatchObject({ revoked: `session:${sid}`, closed: true });
      await expect(c.listTools()).rejects.toThrow();
      await c.close().catch(() => undefined);
    } finally {
      await gw.close();
    }
  });
});
