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
