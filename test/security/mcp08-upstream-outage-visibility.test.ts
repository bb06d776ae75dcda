/**
 * MCP08 (lack of audit & telemetry): an upstream server that is down must be visible — to the
 * caller (PCX_UPSTREAM_UNAVAILABLE with a retry hint, never "Unknown tool" or a silently shorter
 * list), to the orchestrator (/readyz 503 naming the server) and to the operator (its stderr in the
 * gateway log, rate-limited, with secrets redacted). A down server that looks like a missing tool
 * hides an outage, and lets a caller mistake "unavailable" for "does not exist".
 *
 * Every way of being down is a row; one gateway holds them all beside a healthy server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { fixture, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createApiKey } from '../../src/identity/apikeys.js';
import { SECRETS } from '../fixtures/_data.mjs';
import { UpstreamStderr } from '../../src/gateway/upstream-log.js';

const SERVICE_TOKEN = 'svc-live-7f3a9c2e11d84b6f';

interface Down {
  server: string;
  yaml: string;
  /** What the error and /readyz say about it. */
  reason: RegExp;
  /** Lines the server prints before dying that must reach the log, redacted. */
  stderr?: RegExp;
}

const DOWN: Down[] = [
  {
    server: 'exits',
    yaml: `{ command: node, args: ["${fixture('wontstart.mjs')}"], env: { SERVICE_TOKEN: "${SERVICE_TOKEN}" } }`,
    reason: /exited|code 3|closed/,
    stderr: /wontstart: cannot connect with SERVICE_TOKEN=\[REDACTED:env\]/,
  },
  { server: 'missing', yaml: `{ command: "/nonexistent/pcx-no-such-server" }`, reason: /cannot start|ENOENT/ },
  { server: 'refused', yaml: `{ url: "http://127.0.0.1:9/mcp", type: http }`, reason: /fetch failed|ECONNREFUSED|refused|error/i },
  { server: 'crashloop', yaml: `{ command: node, args: ["${fixture('crash.mjs')}", "exit-on-start", "--exit-code", "7"] }`, reason: /code 7|exited|closed/ },
];

describe('MCP08: a down upstream is visible to callers, readiness and the log', () => {
  let gw: TestGateway;
  let client: Client;
  const logLines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) logLines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    gw = await startTestGateway(
      `
auth: { apiKeys: true }
mcpServers:
  healthy: { command: node, args: ["${fixture('crash.mjs')}"] }
${DOWN.map((d) => `  ${d.server}: ${d.yaml}`).join('\n')}
`,
      { log: pino({ level: 'info' }, sink) },
    );
    const key = (await createApiKey(gw.rt.store, { principal: 'alice' })).key;
    client = await httpClient(gw.url, { headers: { authorization: `Bearer ${key}` } });
  });
  afterAll(async () => {
    await client?.close();
    await gw?.close();
  });

  it('the list succeeds with the healthy server, and names every down one in _meta', async () => {
    const r = await client.listTools();
    expect(r.tools.map((t) => t.name)).toContain('healthy__ok');
    const unavailable = (r._meta?.['portcullis/unavailable'] ?? []) as Array<{ server: string; code: string; message: string }>;
    expect(unavailable.map((u) => u.server).sort()).toEqual(DOWN.map((d) => d.server).sort());
    for (const u of unavailable) expect(u.code).toBe('PCX_UPSTREAM_UNAVAILABLE');
  });

  it.each(DOWN.map((d) => [d.server, d] as const))('a call to a tool of %s → PCX_UPSTREAM_UNAVAILABLE with a retry hint, not "Unknown tool"', async (server, d) => {
    const err = await client.callTool({ name: `${server}__anything`, arguments: {} }).then(
      () => undefined,
      (e: { code?: number; message?: string; data?: { code?: string; server?: string; retryAfterMs?: number } }) => e,
    );
    expect(err?.code).toBe(-32011);
    expect(err?.data?.code).toBe('PCX_UPSTREAM_UNAVAILABLE');
    expect(err?.data?.server).toBe(server);
    expect(err?.data?.retryAfterMs).toBeGreaterThan(0);
    expect(err?.message).toMatch(d.reason);
    expect(err?.message).not.toMatch(/Unknown tool/);
  });

  it('a tool name no server could hold is still "not found"', async () => {
    const err = await client.callTool({ name: 'nosuchserver__x', arguments: {} }).then(
      () => undefined,
      (e: { data?: { code?: string } }) => e,
    );
    expect(err?.data?.code).toBe('PCX_NOT_FOUND');
  });

  it('/readyz is 503 and names each down server with its reason; the healthy one is up', async () => {
    const r = await fetch(`${gw.adminUrl}/readyz`);
    expect(r.status).toBe(503);
    const body = (await r.json()) as { ready: boolean; upstreams: Record<string, { state: string; error?: string }> };
    expect(body.ready).toBe(false);
    expect(body.upstreams.healthy?.state).toBe('up');
    for (const d of DOWN) {
      expect(body.upstreams[d.server]?.state, d.server).toBe('down');
      expect(body.upstreams[d.server]?.error, d.server).toMatch(d.reason);
    }
    expect(JSON.stringify(body)).not.toContain(SERVICE_TOKEN);
  });

  it("the down servers' stderr is in the gateway log, secrets redacted", async () => {
    const stderr = logLines.filter((l) => l.msg === 'upstream stderr');
    for (const d of DOWN.filter((x) => x.stderr)) expect(stderr.filter((l) => l.server === d.server).map((l) => l.stderr)).toContainEqual(expect.stringMatching(d.stderr!));
    expect(stderr.some((l) => l.server === 'crashloop' && /exit-on-start/.test(String(l.stderr)))).toBe(true);
    const all = JSON.stringify(logLines);
    expect(all).not.toContain(SERVICE_TOKEN);
    expect(all).not.toContain(SECRETS.githubToken);
    expect(all).toMatch(/wontstart: fallback credential \[REDACTED:secret/);
  });

  it('a child that prints in a loop cannot flood the log: stderr is rate-limited per server, and the drop is logged', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    const log = new UpstreamStderr(pino({ level: 'info' }, sink), () => []);
    for (let i = 0; i < 1000; i++) log.line('noisy', `line ${i}`);
    log.line('quiet', 'one line from another server');
    await new Promise((r) => setTimeout(r, 1100)); // the bucket refills a little
    log.line('noisy', 'after the storm');
    await new Promise((r) => setTimeout(r, 300));
    const noisy = lines.filter((l) => l.server === 'noisy' && l.msg === 'upstream stderr');
    expect(noisy.length).toBeLessThanOrEqual(25);
    expect(noisy.map((l) => l.stderr)).toContain('after the storm');
    expect(lines.find((l) => l.server === 'noisy' && typeof l.suppressed === 'number')?.suppressed).toBeGreaterThan(900);
    expect(lines.some((l) => l.server === 'quiet')).toBe(true);
  });
});

describe('MCP08: with its only server down, a list is an error, never an empty list', () => {
  let gw: TestGateway;
  let client: Client;
  beforeAll(async () => {
    gw = await startTestGateway(`
auth: { apiKeys: true }
mcpServers:
  only: { command: node, args: ["${fixture('wontstart.mjs')}"] }
`);
    const key = (await createApiKey(gw.rt.store, { principal: 'alice' })).key;
    client = await httpClient(gw.url, { headers: { authorization: `Bearer ${key}` } });
  });
  afterAll(async () => {
    await client?.close();
    await gw?.close();
  });

  it('tools/list → PCX_UPSTREAM_UNAVAILABLE naming the server', async () => {
    const err = await client.listTools().then(
      () => undefined,
      (e: { data?: { code?: string; unavailable?: Array<{ server: string }>; retryAfterMs?: number } }) => e,
    );
    expect(err?.data?.code).toBe('PCX_UPSTREAM_UNAVAILABLE');
    expect(err?.data?.unavailable?.map((u) => u.server)).toEqual(['only']);
    expect(err?.data?.retryAfterMs).toBeGreaterThan(0);
  });
});
