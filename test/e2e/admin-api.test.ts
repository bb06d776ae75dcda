/**
 * The admin API the console uses, against a real gateway with real upstreams: every answer is
 * checked against its route's zod schema (the one the OpenAPI document is generated from), and the
 * committed OpenAPI copy must match what the code generates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { EVERYTHING, ROOT, fixture, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { ROUTES } from '../../src/admin/api.js';
import { openApiDocument } from '../../src/admin/openapi.js';

type RpcFailure = Error & { code?: number; data?: { rule?: string; ticket?: string } };

describe('admin API (console backend)', () => {
  let gw: TestGateway;
  let c: Client;
  const state = path.join(mkdtempSync(path.join(os.tmpdir(), 'pcx-adminapi-')), 'state');

  /** GET or POST a route and check the answer against the route's response schema. */
  async function call(method: 'GET' | 'POST', pathAndQuery: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const r = await gw.admin(pathAndQuery, method === 'POST' ? { body: body ?? {} } : {});
    const json = (await r.json()) as Record<string, unknown>;
    if (r.status === 200) {
      const p = new URL(pathAndQuery, 'http://x').pathname.split('/').filter(Boolean);
      const spec = ROUTES.find((s) => s.method === method && s.path.split('/').filter(Boolean).every((seg, i, a) => a.length === p.length && (seg.startsWith('{') || seg === p[i])));
      expect(spec, pathAndQuery).toBeDefined();
      const parsed = spec!.response.safeParse(json);
      expect(parsed.success, `${pathAndQuery}: ${parsed.error?.message}`).toBe(true);
    }
    return { status: r.status, json };
  }

  beforeAll(async () => {
    writeFileSync(state, 'initial');
    gw = await startTestGateway(`
auth: none
mcpServers:${EVERYTHING}
  weather: { command: node, args: ["${fixture('rugpull.mjs')}", "--state", "${state}"] }
registry: { mode: observe }
policy:
  allow:
    - { id: echo-needs-approval, principal: "*", tools: ["everything__echo"], obligations: [approve] }
    - { id: weather-for-all, principal: "*", tools: ["weather__*", "everything__get-sum"] }
`);
    c = await httpClient(gw.url, { name: 'admin-api-e2e' });
    await c.listTools();
    await c.callTool({ name: 'everything__get-sum', arguments: { a: 1, b: 2 } });
  });
  afterAll(async () => {
    await c?.close();
    await gw?.close();
  });

  it('the committed OpenAPI document is what the route table generates (npm run schema:admin)', async () => {
    const committed = JSON.parse(readFileSync(path.join(ROOT, 'schema', 'admin-openapi.json'), 'utf8')) as unknown;
    expect(committed).toEqual(openApiDocument());
    const served = await call('GET', '/api/openapi.json');
    expect(served.json).toEqual(openApiDocument());
    // every route is documented
    const paths = served.json.paths as Record<string, Record<string, unknown>>;
    for (const r of ROUTES) expect(paths[r.path]?.[r.method.toLowerCase()], `${r.method} ${r.path}`).toBeDefined();
  });

  it('overview, upstreams and sessions describe what is running', async () => {
    const o = await call('GET', '/api/overview');
    expect(o.status).toBe(200);
    expect(o.json.sessions).toBe(1);
    expect((o.json.series as Array<{ calls: number }>).reduce((n, b) => n + b.calls, 0)).toBeGreaterThan(0);
    const u = await call('GET', '/api/upstreams');
    expect((u.json.upstreams as Array<{ name: string; up: boolean | null }>).map((x) => x.name).sort()).toEqual(['everything', 'weather']);
    expect((u.json.upstreams as Array<{ name: string; up: boolean | null }>).find((x) => x.name === 'everything')?.up).toBe(true);
    const s = await call('GET', '/api/sessions');
    expect((s.json.sessions as Array<{ client?: { name: string } }>)[0]?.client?.name).toBe('admin-api-e2e');
  });

  it('approvals: a held call is listed with its rule; deny with a reason; the retry is refused naming it', async () => {
    const err = await c.callTool({ name: 'everything__echo', arguments: { message: 'deny me' } }).then(() => undefined, (e: RpcFailure) => e);
    const ticket = err!.data!.ticket!;
    const list = await call('GET', '/api/approvals?status=pending');
    const t = (list.json.approvals as Array<{ ticket: string; rule?: string; target?: string }>).find((a) => a.ticket === ticket);
    expect(t?.rule).toBe('echo-needs-approval');
    expect(t?.target).toBe('everything__echo');
    expect((await call('POST', `/api/approvals/${ticket}/deny`, { by: 'user:sec', reason: 'not today' })).json).toMatchObject({ status: 'denied' });
    const again = await c.callTool({ name: 'everything__echo', arguments: { message: 'deny me' } }).then(() => undefined, (e: RpcFailure) => e);
    expect(again?.data?.rule).toBe('approval.denied');
    expect(again?.message).toContain('not today');
    expect((await call('GET', '/api/approvals?status=bogus')).status).toBe(400);
    expect((await call('POST', `/api/approvals/${ticket}/approve`, { by: 42 })).status).toBe(400);
  });

  it('registry: a rug-pulled tool is quarantined; the diff shows both sides; approve re-admits it', async () => {
    let changed = 0;
    c.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
    await c.callTool({ name: 'weather__get_weather', arguments: { city: 'Oslo' } });
    writeFileSync(state, 'flipped');
    await expect.poll(() => changed, { timeout: 10_000, interval: 100 }).toBeGreaterThan(0);
    await c.listTools();
    const q = await call('GET', '/api/registry?status=quarantined');
    expect((q.json.definitions as Array<{ id: string }>).map((d) => d.id)).toContain('weather__get_weather');
    const d = await call('GET', '/api/registry/diff?id=weather__get_weather');
    expect(d.json.status).toBe('quarantined');
    expect(JSON.stringify((d.json.previous as { definition: unknown }).definition)).not.toContain('sidenote');
    expect(JSON.stringify((d.json.current as { definition: unknown }).definition)).toContain('sidenote');
    expect(d.json.text).toMatch(/sidenote/);
    expect((await call('GET', '/api/registry/diff?id=nope__nothing')).status).toBe(404);
    expect((await call('POST', '/api/registry/weather__get_weather/approve', { by: 'user:sec' })).status).toBe(200);
    await expect.poll(async () => (await c.listTools()).tools.map((t) => t.name), { timeout: 10_000 }).toContain('weather__get_weather');
  });

  it('audit: filters find the call; verify says OK', async () => {
    const a = await call('GET', '/api/audit?tool=everything__get-sum&limit=5');
    const evs = a.json.events as Array<{ event: { target?: string; decision: string } }>;
    expect(evs.length).toBeGreaterThan(0);
    expect(evs.every((e) => e.event.target === 'everything__get-sum')).toBe(true);
    expect((await call('GET', '/api/audit?since=yesterday-ish')).status).toBe(400);
    const v = await call('POST', '/api/audit/verify');
    expect(v.json.ok).toBe(true);
    expect(v.json.text).toMatch(/audit log OK/);
  });

  it('policy: the set in force, and a what-if through the explain code path', async () => {
    const p = await call('GET', '/api/policy');
    expect((p.json.policies as Array<{ id: string }>).map((x) => x.id)).toEqual(expect.arrayContaining(['echo-needs-approval', 'weather-for-all']));
    const yes = await call('POST', '/api/policy/explain', { principal: 'user:zoe', tool: 'weather__get_weather', arguments: { city: 'x' } });
    expect((yes.json.result as { decision: string }).decision).toBe('allow');
    const no = await call('POST', '/api/policy/explain', { principal: 'user:zoe', tool: 'everything__get-env' });
    expect((no.json.result as { decision: string }).decision).toBe('deny');
    expect((await call('POST', '/api/policy/explain', { tool: 'x' })).status).toBe(400);
  });

  it('the live feed streams decisions as they happen (SSE)', async () => {
    const ac = new AbortController();
    const r = await fetch(`${gw.adminUrl}/api/events`, { headers: { authorization: `Bearer ${gw.adminToken}` }, signal: ac.signal });
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = r.body!.getReader();
    let text = '';
    const read = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
        if (text.includes('"target":"everything__get-sum"')) break;
      }
    })();
    await new Promise((res) => setTimeout(res, 100));
    await c.callTool({ name: 'everything__get-sum', arguments: { a: 2, b: 3 } });
    await Promise.race([read, new Promise((res) => setTimeout(res, 5000))]);
    ac.abort();
    expect(text).toMatch(/event: decision\ndata: \{.*"target":"everything__get-sum"/);
  });

  it('revoking a session closes it and its client is refused', async () => {
    const other = await httpClient(gw.url, { name: 'to-revoke' });
    const sid = (other.transport as { sessionId?: string }).sessionId!;
    const r = await call('POST', `/api/sessions/${sid}/revoke`, { for: '10m' });
    expect(r.json).toMatchObject({ closed: true, forSeconds: 600 });
    await expect(other.listTools()).rejects.toThrow(/PCX_SESSION_REVOKED/);
    await other.close().catch(() => undefined);
    expect((await call('POST', `/api/sessions/${sid}/revoke`, { for: 'forever' })).status).toBe(400);
  });
});
