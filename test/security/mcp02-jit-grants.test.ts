/**
 * MCP02 (privilege escalation via scope creep): just-in-time grants. A call the policy denies
 * carries the audit event id; an approver turns it into a time-boxed grant for exactly that call
 * (`portcullis grants add --from-event`); the call then succeeds, other arguments stay denied,
 * a Cedar forbid still wins over any grant, a revoked grant stops at once, and an expired one
 * ends on its own with no process running. Every step is in the audit chain.
 * Real gateway, real SDK client with an API key, server-everything, the real CLI on the same store.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../helpers/cli.js';
import { register } from '../../src/cli/grants.js';
import { createApiKey } from '../../src/identity/apikeys.js';
import { EVERYTHING, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pcx-grants-'));
const dataDir = path.join(dir, 'data');
const configFile = path.join(dir, 'portcullis.yaml');
const YAML = `auth: { apiKeys: true }
mcpServers:${EVERYTHING}
policy:
  allow:
    - { id: alice-echo-ok, principal: "user:alice", tools: ["everything__echo"], where: { message: { startsWith: "ok" } } }
    - { id: alice-sum, principal: "user:alice", tools: ["everything__get-sum"], where: { a: { in: [1, 2, 3] } } }
  deny:
    - { id: nobody-reads-env, principal: "*", tools: ["everything__get-env"] }
`;

const grants = (args: string[]) => runCommand(register, ['grants', ...args, '-c', configFile, '--data-dir', dataDir], { catchErrors: true });

type RpcError = Error & { code?: number; data?: { code?: string; eventId?: string; rule?: string } };
const denial = (p: Promise<unknown>) => p.then(() => undefined, (e: RpcError) => e);

describe('MCP02: just-in-time grants', () => {
  let gw: TestGateway;
  let alice: Client;

  beforeAll(async () => {
    writeFileSync(configFile, YAML);
    gw = await startTestGateway(YAML, { keepDataDir: dataDir });
    alice = await httpClient(gw.url, { headers: { authorization: `Bearer ${(await createApiKey(gw.rt.store, { principal: 'alice' })).key}` } });
  }, 30_000);
  afterAll(async () => {
    await alice?.close();
    await gw?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('request → grant from the denied event → call succeeds, only with those arguments → revoke → denied again', async () => {
    const denied = await denial(alice.callTool({ name: 'everything__echo', arguments: { message: 'deploy now' } }));
    expect(denied?.data?.code).toBe('PCX_DENIED');
    const eventId = denied!.data!.eventId!;
    expect(eventId).toBeTruthy();

    const add = await grants(['add', '--from-event', eventId, '--for', '10m', '--reason', 'incident 42', '--json']);
    expect(add.code, add.err).toBe(0);
    const g = JSON.parse(add.out) as { id: string; principal: string; server: string; tool: string };
    expect(g).toMatchObject({ principal: 'user:alice', server: 'everything', tool: 'echo' });

    expect(await alice.callTool({ name: 'everything__echo', arguments: { message: 'deploy now' } })).toEqual({ content: [{ type: 'text', text: 'Echo: deploy now' }] });
    // The grant is for that exact call: other arguments are still denied.
    expect((await denial(alice.callTool({ name: 'everything__echo', arguments: { message: 'rm -rf' } })))?.data?.code).toBe('PCX_DENIED');

    expect((await grants(['revoke', g.id])).code).toBe(0);
    expect((await denial(alice.callTool({ name: 'everything__echo', arguments: { message: 'deploy now' } })))?.data?.code).toBe('PCX_DENIED');
    expect((await grants(['revoke', g.id])).code).toBe(1);

    const events = await gw.rt.store.queryAudit({ limit: 1000 });
    const methods = events.map((c) => c.event.method);
    expect(methods).toContain('grants/add');
    expect(methods).toContain('grants/revoke');
    // The granted call's event names the grant and the built-in permit that let it through.
    const used = events.find((c) => c.event.method === 'tools/call' && c.event.policyIds?.includes(g.id));
    expect(used?.event.policyIds).toEqual(['jit-grant', g.id]);
    expect(used?.event.decision).toBe('allow');
  });

  it('admin API, end to end: denied call → its eventId → approver grants it → call succeeds → grant expires → denied again, all audited', async () => {
    const args = { message: 'release 1.4' };
    const first = await denial(alice.callTool({ name: 'everything__echo', arguments: args }));
    expect(first?.data?.code).toBe('PCX_DENIED');
    const eventId = first!.data!.eventId!;

    // A viewer may look, only the admin token may grant.
    const viewerTry = await gw.admin('/api/grants', { body: { fromEvent: eventId, for: '2s', reason: 'x' }, token: 'not-the-admin-token-at-all' });
    expect(viewerTry.status).toBe(401);
    const bad = await gw.admin('/api/grants', { body: { fromEvent: eventId, for: '2s', reason: '   ' } });
    expect(bad.status).toBe(400);
    const tooLong = await gw.admin('/api/grants', { body: { fromEvent: eventId, for: '2d', reason: 'x' } });
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { error: string }).error).toMatch(/at most/);

    const r = await gw.admin('/api/grants', { body: { fromEvent: eventId, for: '2s', reason: 'release window', by: 'bob' } });
    expect(r.status).toBe(200);
    const g = (await r.json()) as { id: string; principal: string; server: string; tool: string; exactArguments: boolean; state: string; createdBy: string };
    expect(g).toMatchObject({ principal: 'user:alice', server: 'everything', tool: 'echo', exactArguments: true, state: 'active', createdBy: 'bob' });
    const listed = (await (await gw.admin('/api/grants')).json()) as { grants: Array<{ id: string }> };
    expect(listed.grants.map((x) => x.id)).toContain(g.id);

    expect(await alice.callTool({ name: 'everything__echo', arguments: args })).toEqual({ content: [{ type: 'text', text: 'Echo: release 1.4' }] });
    await new Promise((res) => setTimeout(res, 2300));
    expect((await denial(alice.callTool({ name: 'everything__echo', arguments: args })))?.data?.code).toBe('PCX_DENIED');

    // The expiry is recorded by the running gateway (it wakes at the next expiry it knows of).
    let expired: unknown;
    for (let i = 0; i < 40 && !expired; i++) {
      expired = (await gw.rt.store.queryAudit({ limit: 1000 })).find((c) => c.event.method === 'grants/expire' && c.event.policyIds?.includes(g.id));
      if (!expired) await new Promise((res) => setTimeout(res, 100));
    }
    expect(expired).toBeDefined();
    const events = (await gw.rt.store.queryAudit({ limit: 1000 })).map((c) => c.event);
    const add = events.find((e) => e.method === 'grants/add' && e.policyIds?.includes(g.id));
    expect(add?.principal.id).toBe('bob');
    expect(add?.reason).toMatch(/release window/);
    const calls = events.filter((e) => e.method === 'tools/call' && e.target === 'everything__echo' && e.argsDigest === events.find((x) => x.id === eventId)?.argsDigest);
    // denied, allowed under the grant, denied again
    expect(calls.map((e) => [e.decision, e.policyIds?.includes(g.id) ?? false])).toEqual([
      ['deny', false],
      ['allow', true],
      ['deny', false],
    ]);
    const all = (await (await gw.admin('/api/grants?all=true')).json()) as { grants: Array<{ id: string; state: string }> };
    expect(all.grants.find((x) => x.id === g.id)?.state).toBe('expired');
    expect((await gw.admin(`/api/grants/${g.id}/revoke`, { body: {} })).status).toBe(409);
  });

  it('admin API: revoke ends a grant at once and is audited', async () => {
    const r = await gw.admin('/api/grants', { body: { principal: 'alice', tool: 'everything__get-sum', arguments: { a: 77 }, for: '10m', reason: 'debug' } });
    expect(r.status).toBe(200);
    const g = (await r.json()) as { id: string };
    expect(await alice.callTool({ name: 'everything__get-sum', arguments: { a: 77, b: 1 } })).toMatchObject({ content: [{ type: 'text' }] });
    const rv = await gw.admin(`/api/grants/${g.id}/revoke`, { body: { by: 'carol' } });
    expect(rv.status).toBe(200);
    expect(((await rv.json()) as { state: string }).state).toBe('revoked');
    expect((await denial(alice.callTool({ name: 'everything__get-sum', arguments: { a: 77, b: 1 } })))?.data?.code).toBe('PCX_DENIED');
    const ev = (await gw.rt.store.queryAudit({ limit: 1000 })).find((c) => c.event.method === 'grants/revoke' && c.event.policyIds?.includes(g.id));
    expect(ev?.event.principal.id).toBe('carol');
  });

  it('a grant expires on time by itself', async () => {
    const add = await grants(['add', '--principal', 'alice', '--tool', 'everything__get-sum', '--args', '{"a":50}', '--for', '2s', '--reason', 'test', '--json']);
    expect(add.code, add.err).toBe(0);
    expect(await alice.callTool({ name: 'everything__get-sum', arguments: { a: 50, b: 1 } })).toMatchObject({ content: [{ type: 'text' }] });
    expect((await denial(alice.callTool({ name: 'everything__get-sum', arguments: { a: 51, b: 1 } })))?.data?.code).toBe('PCX_DENIED');
    await new Promise((r) => setTimeout(r, 2200));
    expect((await denial(alice.callTool({ name: 'everything__get-sum', arguments: { a: 50, b: 1 } })))?.data?.code).toBe('PCX_DENIED');
    const list = await grants(['list', '--all']);
    expect(list.out).toMatch(/expired/);
  });

  it('a forbid wins over any grant', async () => {
    const add = await grants(['add', '--principal', 'alice', '--tool', 'everything__get-env', '--for', '10m', '--reason', 'try']);
    expect(add.code, add.err).toBe(0);
    const e = await denial(alice.callTool({ name: 'everything__get-env', arguments: {} }));
    expect(e).toBeDefined();
    expect(e?.message).not.toMatch(/PATH|HOME=/);
  });

  it.each([
    [['add', '--principal', 'alice', '--tool', 'nosuch__tool', '--for', '1m', '--reason', 'x'], /names no tool of a configured server/],
    [['add', '--principal', 'alice', '--tool', 'everything__echo', '--for', '48h', '--reason', 'x'], /at most/],
    [['add', '--principal', 'alice', '--tool', 'everything__echo', '--for', '1m', '--reason', 'x', '--args', '[1]'], /JSON object/],
    [['add', '--from-event', 'no-such-event', '--for', '1m', '--reason', 'x'], /no audit event/],
  ])('refuses a bad grant: %j', async (args, msg) => {
    const r = await grants(args);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(msg);
  });
});
