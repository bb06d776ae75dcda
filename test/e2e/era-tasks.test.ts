/**
 * The 2026-07-28 Tasks extension (io.modelcontextprotocol/tasks, SEP-2663) through the gateway, against
 * tasks-modern.mjs (a 2026-07-28 server that answers tools/call with a task to a client that declared the
 * extension), pooled and `isolation: session`. A task id is bound to the caller that created it: another
 * principal's tasks/get, tasks/update and tasks/cancel are answered as for an unknown task and never reach
 * the server. A session-era client (v1 SDK) in front of the same server gets its result synchronously (it
 * declares no extension; 2025-11-25 core tasks are not translated to the extension — docs/architecture.md).
 *
 * Before: the gateway recorded only the 2025-11-25 shape (`result.task.taskId`), so every tasks/get of a
 * 2026-07-28 task was "Unknown task", and tasks/update was refused as an unknown method.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpFixture, type HttpFixture } from '../fixtures/harness.mjs';
import { httpClient, modernPost, startPooledPairGateway, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createApiKey } from '../../src/identity/apikeys.js';
import { SECRETS } from '../fixtures/_data.mjs';

const EXT = 'io.modelcontextprotocol/tasks';
const WITH_TASKS = { 'io.modelcontextprotocol/clientCapabilities': { extensions: { [EXT]: {} } } };

let srv: HttpFixture;
let gw: TestGateway;
let aliceKey: string;
let bobKey: string;
let nextId = 1;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  srv = await startHttpFixture('tasks-modern.mjs');
  let keys: Record<string, string>;
  ({ gw, keys } = await startPooledPairGateway(srv.url, ['alice', 'bob']));
  aliceKey = keys.alice!;
  bobKey = keys.bob!;
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await srv?.close();
});

/** A raw 2026-07-28 request; tasks/* name their task in Mcp-Name (the header must agree with the body). */
const rpc = (key: string, method: string, params: Record<string, unknown>, meta: Record<string, unknown> = WITH_TASKS, headers: Record<string, string> = {}) =>
  modernPost(gw.url, { id: nextId++, method, params: { ...params, _meta: meta } }, { ...(typeof params.taskId === 'string' ? { 'mcp-name': params.taskId } : {}), ...headers }, key);

const research = (key: string, server: string, topic: string, meta: Record<string, unknown> = WITH_TASKS) =>
  rpc(key, 'tools/call', { name: `${server}__research`, arguments: { topic, ms: 300 } }, meta, { 'mcp-name': `${server}__research` });

async function pollDone(key: string, taskId: string): Promise<any> {
  for (let i = 0; i < 60; i++) {
    const r = await rpc(key, 'tasks/get', { taskId });
    if (r.json.result?.status !== 'working') return r.json;
    await sleep(r.json.result.pollIntervalMs ?? 50);
  }
  throw new Error('task never finished');
}

const serverUpdates = async () => (await (await fetch(`${srv.baseUrl}/updates`)).json()) as Array<{ taskId: string }>;

it('server/discover tells a 2026-07-28 client the extension is there', async () => {
  const r = await rpc(aliceKey, 'server/discover', {});
  expect(r.json.result.capabilities.extensions).toEqual({ [EXT]: {} });
});

describe.each(['pooled', 'own'])('tasks on a 2026-07-28 server (%s connection)', (server) => {
  it('a call answered with a task; the creator polls it to its result', async () => {
    const created = await research(aliceKey, server, 'gateways');
    expect(created.json.result).toMatchObject({ resultType: 'task', status: 'working' });
    const done = await pollDone(aliceKey, created.json.result.taskId);
    expect(done.result).toMatchObject({ status: 'completed', result: { content: [{ type: 'text', text: 'report on gateways' }] } });
  });

  it("another principal cannot get, update or cancel it (unknown task, nothing sent upstream); the creator can update it and it completes", async () => {
    const created = await research(aliceKey, server, 'secrets of alice');
    const taskId = created.json.result.taskId as string;
    for (const [method, params] of [
      ['tasks/get', { taskId }],
      ['tasks/update', { taskId, inputResponses: { k: { action: 'accept', content: {} } } }],
      ['tasks/cancel', { taskId }],
    ] as const) {
      const r = await rpc(bobKey, method, params);
      expect(r.json.error, method).toMatchObject({ code: -32602 });
      expect(r.json.error.message).toMatch(/Unknown task/);
      expect(JSON.stringify(r.json)).not.toContain('secrets of alice');
    }
    expect((await serverUpdates()).filter((u) => u.taskId === taskId)).toEqual([]);
    const upd = await rpc(aliceKey, 'tasks/update', { taskId, inputResponses: { k: { action: 'accept', content: {} } } });
    expect(upd.json.result).toBeDefined();
    expect((await serverUpdates()).filter((u) => u.taskId === taskId)).toHaveLength(1);
    const done = await pollDone(aliceKey, taskId);
    expect(done.result.status).toBe('completed'); // bob's cancel never reached it
  });

  it('the creator cancels its own task', async () => {
    const created = await research(aliceKey, server, 'to be cancelled');
    const taskId = created.json.result.taskId as string;
    expect((await rpc(aliceKey, 'tasks/cancel', { taskId })).json.result).toBeDefined();
    expect((await pollDone(aliceKey, taskId)).result.status).toBe('cancelled');
  });

  it('a client that did not declare the extension gets the result at once', async () => {
    const r = await research(aliceKey, server, 'now', { 'io.modelcontextprotocol/clientCapabilities': {} });
    expect(r.json.result).toMatchObject({ content: [{ type: 'text', text: 'report on now' }] });
    expect(r.json.result.resultType).not.toBe('task');
  });
});

it("a session-era client (v1 SDK) gets its result synchronously, and cannot reach a 2026-07-28 client's task", async () => {
  const created = await research(aliceKey, 'pooled', 'alice only');
  const taskId = created.json.result.taskId as string;
  const c = await httpClient(gw.url, { headers: { authorization: `Bearer ${aliceKey}` } });
  try {
    const r = await c.callTool({ name: 'pooled__research', arguments: { topic: 'old client' } });
    expect(r.content).toEqual([{ type: 'text', text: 'report on old client' }]);
    // Same principal, another session: task ids are bound to the state that created them.
    await expect(c.request({ method: 'tasks/get', params: { taskId } } as never, (await import('@modelcontextprotocol/sdk/types.js')).GetTaskResultSchema)).rejects.toThrow(/Unknown task/);
  } finally {
    await c.close();
  }
});

describe('a task waiting for input: its inputRequests pass the serverRequest policy (elicit) as a relayed request would', () => {
  const approve = (g: TestGateway, key: string, what: string) =>
    modernPost(g.url, { id: nextId++, method: 'tools/call', params: { name: 'pooled__approve', arguments: { what }, _meta: WITH_TASKS } }, { 'mcp-name': 'pooled__approve' }, key);
  const get = (g: TestGateway, key: string, taskId: string) => modernPost(g.url, { id: nextId++, method: 'tasks/get', params: { taskId, _meta: WITH_TASKS } }, { 'mcp-name': taskId }, key);

  it('allowed: the elicitation reaches the creator, whose tasks/update completes the task', async () => {
    const created = await approve(gw, aliceKey, 'deploy');
    const taskId = created.json.result.taskId as string;
    const polled = await get(gw, aliceKey, taskId);
    expect(polled.json.result).toMatchObject({ status: 'input_required', inputRequests: { confirm: { method: 'elicitation/create', params: { message: 'Approve deploy?' } } } });
    const upd = await modernPost(gw.url, { id: nextId++, method: 'tasks/update', params: { taskId, inputResponses: { confirm: { action: 'accept', content: { ok: true } } }, _meta: WITH_TASKS } }, { 'mcp-name': taskId }, aliceKey);
    expect(upd.json.result, JSON.stringify(upd.json)).toBeDefined();
    expect((await pollDone(aliceKey, taskId)).result, 'after the update').toMatchObject({ status: 'completed', result: { content: [{ text: 'approved deploy' }] } });
  });

  it("a secret in the creator's answer never reaches the server raw (answers are checked like a relayed request's)", async () => {
    const created = await approve(gw, aliceKey, 'rotate');
    const taskId = created.json.result.taskId as string;
    const secret = SECRETS.githubToken;
    await modernPost(gw.url, { id: nextId++, method: 'tasks/update', params: { taskId, inputResponses: { confirm: { action: 'accept', content: { ok: true, note: `token ${secret}` } } }, _meta: WITH_TASKS } }, { 'mcp-name': taskId }, aliceKey);
    const seen = JSON.stringify(await serverUpdates());
    expect(seen).not.toContain(secret);
  });

  it('forbidden by policy: the poll is refused (audited), the question never reaches the client', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'era-tasks-cedar-'));
    fs.writeFileSync(path.join(dir, 'no-elicit.cedar'), '@id("no-elicit") forbid(principal, action == Action::"elicit", resource);');
    const strict = await startTestGateway(`
auth: { apiKeys: true }
mcpServers:
  pooled: { url: ${srv.url} }
policy:
  cedar: ${dir}
  allow:
    - { id: all, principal: "*", tools: ["*"] }
`);
    try {
      const key = (await createApiKey(strict.rt.store, { principal: 'alice' })).key;
      const created = await approve(strict, key, 'drop tables');
      expect(created.json.result.resultType).toBe('task');
      const polled = await get(strict, key, created.json.result.taskId);
      expect(polled.json.error).toMatchObject({ data: { rule: 'policy.no-elicit' } });
      expect(JSON.stringify(polled.json)).not.toContain('Approve drop tables?');
    } finally {
      await strict.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
