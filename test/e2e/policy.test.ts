/**
 * Policy on every call through the gateway, with the real SDK client against server-everything
 * and server-filesystem (OWASP MCP02 privilege escalation via scope creep, MCP07 authorization).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { EVERYTHING, ROOT, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createApiKey } from '../../src/identity/apikeys.js';

describe('MCP02: Cedar / YAML policy through the gateway', () => {
  let gw: TestGateway;
  let eng: Client;
  let alice: Client;
  let guest: Client;
  const project = mkdtempSync(path.join(os.tmpdir(), 'pcx-project-'));
  const secretDir = mkdtempSync(path.join(os.tmpdir(), 'pcx-outside-'));

  beforeAll(async () => {
    mkdirSync(path.join(project, 'src'), { recursive: true });
    writeFileSync(path.join(project, 'src', 'main.txt'), 'hello from the project');
    writeFileSync(path.join(secretDir, 'secret.txt'), 'not for alice');
    gw = await startTestGateway(`
auth: { apiKeys: true }
mcpServers:${EVERYTHING}
  filesystem:
    command: node
    args: ["${path.join(ROOT, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js')}", "${project}", "${secretDir}"]
policy:
  allow:
    - { id: eng-everything, principal: "group:eng", tools: ["everything__*"], prompts: ["everything__*"] }
    - id: alice-reads-project
      principal: "user:alice"
      tools: ["filesystem__read_text_file", "filesystem__list_directory"]
      where: { path: { startsWith: "${project}/" } }
    - { id: alice-echo-with-approval, principal: "user:alice", tools: ["everything__echo"], obligations: [approve] }
  deny:
    - { id: nobody-reads-env, principal: "*", tools: ["everything__get-env"] }
`);
    const key = async (principal: string, groups: string[] = []) => (await createApiKey(gw.rt.store, { principal, groups })).key;
    eng = await httpClient(gw.url, { headers: { authorization: `Bearer ${await key('bob', ['eng'])}` } });
    alice = await httpClient(gw.url, { headers: { authorization: `Bearer ${await key('alice')}` } });
    guest = await httpClient(gw.url, { headers: { authorization: `Bearer ${await key('mallory')}` } });
  });
  afterAll(async () => {
    for (const c of [eng, alice, guest]) await c?.close();
    await gw?.close();
  });

  it('group-based allow: eng sees and calls everything__* tools, but not the denied one', async () => {
    const names = (await eng.listTools()).tools.map((t) => t.name);
    expect(names).toContain('everything__echo');
    expect(names).not.toContain('everything__get-env');
    expect(names.some((n) => n.startsWith('filesystem__'))).toBe(false);
    expect(await eng.callTool({ name: 'everything__echo', arguments: { message: 'hi' } })).toEqual({ content: [{ type: 'text', text: 'Echo: hi' }] });
    expect((await eng.listPrompts()).prompts.map((p) => p.name)).toContain('everything__simple-prompt');
  });

  it('a hidden tool called by name gets exactly the answer of a missing tool', async () => {
    const hidden = await eng.callTool({ name: 'everything__get-env', arguments: {} }).then(() => undefined, (e: Error & { code?: number }) => e);
    const missing = await eng.callTool({ name: 'everything__no-such-tool', arguments: {} }).then(() => undefined, (e: Error & { code?: number }) => e);
    expect(hidden?.code).toBe(missing?.code);
    expect(hidden?.message.replace('get-env', 'X')).toBe(missing?.message.replace('no-such-tool', 'X'));
  });

  it('default deny: a principal with no allow rule sees nothing and cannot call', async () => {
    expect((await guest.listTools()).tools).toEqual([]);
    await expect(guest.callTool({ name: 'everything__echo', arguments: { message: 'x' } })).rejects.toThrow(/Unknown tool/);
  });

  it('argument-based allow: alice reads inside the project, not outside it, not through ../', async () => {
    const names = (await alice.listTools()).tools.map((t) => t.name);
    expect(names).toContain('filesystem__read_text_file');
    expect(names).not.toContain('filesystem__write_file');
    const ok = await alice.callTool({ name: 'filesystem__read_text_file', arguments: { path: path.join(project, 'src', 'main.txt') } });
    expect(JSON.stringify(ok.content)).toContain('hello from the project');
    for (const p of [path.join(secretDir, 'secret.txt'), `${project}/../${path.basename(secretDir)}/secret.txt`]) {
      const err = await alice.callTool({ name: 'filesystem__read_text_file', arguments: { path: p } }).then(() => undefined, (e: Error & { data?: { rule?: string } }) => e);
      expect(err, p).toBeDefined();
      expect(JSON.stringify(err)).not.toContain('not for alice');
    }
  });

  it('a policy that asks for human approval never lets the call through unapproved (fail closed)', async () => {
    const err = await alice.callTool({ name: 'everything__echo', arguments: { message: 'approve me' } }).then(() => undefined, (e: Error & { data?: { rule?: string } }) => e);
    expect(err?.data?.rule).toBe('approval.unavailable');
    expect(err?.message).toMatch(/alice-echo-with-approval/);
  });

  it('every decision names its policy in the audit event', async () => {
    await eng.callTool({ name: 'everything__echo', arguments: { message: 'which policy?' } });
    const evs = (await gw.rt.store.queryAudit({ limit: 10_000 })).map((c) => c.event);
    const allowed = evs.filter((e) => e.target === 'everything__echo' && e.decision === 'allow');
    expect(allowed.at(-1)?.policyIds?.some((id) => id.startsWith('eng-everything'))).toBe(true);
  });
});
