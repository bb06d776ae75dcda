/**
 * Policy on every call through the gateway, with the real SDK client against server-everything
 * and server-filesystem (OWASP MCP02 privilege escalation via scope creep, MCP07 authorization).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { EVERYTHING, ROOT, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createApiKey } from '../../src/identity/apikeys.js';

const execFileP = promisify(execFile);

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

  describe('human approval (@obligation("approve"))', () => {
    type RpcFailure = Error & { code?: number; data?: { rule?: string; ticket?: string } };
    const echo = (c: Client, message: string) => c.callTool({ name: 'everything__echo', arguments: { message } });
    const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: RpcFailure) => e);
    const admin = (pathAndQuery: string, method = 'GET', body?: Record<string, string>) => gw.admin(pathAndQuery, { method, ...(method === 'GET' ? {} : { body: body ?? {} }) });
    const cli = (...args: string[]) => execFileP(process.execPath, [path.join(ROOT, 'dist/cli/index.js'), ...args, '--data-dir', gw.dataDir]);

    it('an unapproved call is answered at once with PCX_APPROVAL_REQUIRED and a ticket; a retry gets the same ticket', async () => {
      const err = await refusal(echo(alice, 'approve me'));
      expect(err?.code).toBe(-32016);
      expect(err?.data?.rule).toBe('approval.required');
      expect(err?.data?.ticket).toMatch(/^apr_[0-9a-f]{32}$/);
      expect(err?.message).toMatch(/alice-echo-with-approval/);
      expect((await refusal(echo(alice, 'approve me')))?.data?.ticket).toBe(err?.data?.ticket);
    });

    it('approved through the admin API, the same call goes through once, and the audit event names the approver', async () => {
      const ticket = (await refusal(echo(alice, 'deploy v2')))!.data!.ticket!;
      const pending = (await (await admin('/api/approvals?status=pending')).json()) as { approvals: { ticket: string; principal: string; summary: string }[] };
      const t = pending.approvals.find((a) => a.ticket === ticket)!;
      expect(t.principal).toBe('user:alice');
      expect(t.summary).toContain('deploy v2');
      expect((await admin(`/api/approvals/${ticket}/approve`, 'POST', { by: 'user:carol' })).status).toBe(200);
      expect((await admin(`/api/approvals/${ticket}/deny`, 'POST')).status).toBe(409); // decided once
      expect(await echo(alice, 'deploy v2')).toEqual({ content: [{ type: 'text', text: 'Echo: deploy v2' }] });
      const ev = (await gw.rt.store.queryAudit({ limit: 10_000 })).map((c) => c.event).filter((e) => e.target === 'everything__echo' && e.decision === 'allow').at(-1);
      expect(ev?.approver).toBe('user:carol');
      expect(ev?.principal?.id).toBe('user:alice');
      // used: the next identical call needs a new ticket
      const again = await refusal(echo(alice, 'deploy v2'));
      expect(again?.data?.rule).toBe('approval.required');
      expect(again?.data?.ticket).not.toBe(ticket);
    });

    it('a ticket covers exactly its call: other arguments need their own', async () => {
      const ticket = (await refusal(echo(alice, 'only this')))!.data!.ticket!;
      expect((await admin(`/api/approvals/${ticket}/approve`, 'POST')).status).toBe(200);
      const other = await refusal(echo(alice, 'something else'));
      expect(other?.data?.rule).toBe('approval.required');
      expect(other?.data?.ticket).not.toBe(ticket);
      expect(await echo(alice, 'only this')).toEqual({ content: [{ type: 'text', text: 'Echo: only this' }] });
    });

    it('denied with `portcullis approvals deny`, the call is refused with rule approval.denied', async () => {
      const ticket = (await refusal(echo(alice, 'drop the table')))!.data!.ticket!;
      const listed = await cli('approvals', 'list', '--json');
      expect((JSON.parse(listed.stdout) as { ticket: string }[]).map((a) => a.ticket)).toContain(ticket);
      const out = await cli('approvals', 'deny', ticket, '--by', 'user:dana');
      expect(out.stdout).toContain(`denied ${ticket}`);
      const err = await refusal(echo(alice, 'drop the table'));
      expect(err?.data?.rule).toBe('approval.denied');
      expect(err?.message).toContain('user:dana');
      await expect(cli('approvals', 'approve', ticket)).rejects.toThrow(/no pending ticket/);
    });

    it('the summary an approver reads (it is stored) has personal data masked; secrets never get that far', async () => {
      const email = 'jane.doe@example.com';
      const ticket = (await refusal(echo(alice, `mail the report to ${email}`)))?.data?.ticket;
      expect(ticket).toMatch(/^apr_/);
      const all = (await (await admin('/api/approvals')).json()) as { approvals: { ticket: string; summary: string }[] };
      const summary = all.approvals.find((a) => a.ticket === ticket)?.summary;
      expect(summary).toContain('mail the report to');
      expect(summary).toContain('[REDACTED:pii');
      expect(summary).not.toContain(email);
      // a secret in the arguments is refused by the inspect stage before any ticket is made
      const secret = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
      expect((await refusal(echo(alice, `use token ${secret}`)))?.data?.rule).toBe('inspect.secrets');
      const after = (await (await admin('/api/approvals')).json()) as { approvals: { summary: string }[] };
      expect(after.approvals.map((a) => a.summary).join('\n')).not.toContain(secret);
    });
  });

  it('every decision names its policy in the audit event', async () => {
    await eng.callTool({ name: 'everything__echo', arguments: { message: 'which policy?' } });
    const evs = (await gw.rt.store.queryAudit({ limit: 10_000 })).map((c) => c.event);
    const allowed = evs.filter((e) => e.target === 'everything__echo' && e.decision === 'allow');
    expect(allowed.at(-1)?.policyIds?.some((id) => id.startsWith('eng-everything'))).toBe(true);
  });
});
