/**
 * The whole MCP surface through the gateway, with the real SDK client over Streamable HTTP
 * (and legacy SSE) against the reference servers server-everything and server-memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { EVERYTHING, MEMORY, httpClient, sseClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
let client: Client;

beforeAll(async () => {
  // server-everything keeps state per connection (log level, simulated logging, the client's roots):
  // one per session, as docs/upstreams.md says such a server needs. server-memory is pooled (the default).
  gw = await startTestGateway(`auth: none\nmcpServers:${EVERYTHING}\n    isolation: session${MEMORY}\n`);
  client = await httpClient(gw.url, { capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } } });
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => ({
    model: 'test-model',
    role: 'assistant',
    content: { type: 'text', text: `sampled: ${JSON.stringify(req.params.messages[0]?.content)}` },
  }));
  client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { color: 'red', number: 7, pets: 'cats', name: 'Ada', check: true, email: 'ada@example.com', integer: 3, untitledSingleSelectEnum: 'option1', titledSingleSelectEnum: 'option1' } }));
  client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///tmp/project', name: 'project' }] }));
});

afterAll(async () => {
  await client?.close();
  await gw?.close();
});

describe('Streamable HTTP relay to server-everything and server-memory', () => {
  it('lists tools of both servers, namespaced server__tool, within 64 characters', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toContain('everything__echo');
    expect(names).toContain('memory__create_entities');
    // server-everything hides tools from clients without the capability; we forwarded ours.
    expect(names).toContain('everything__trigger-sampling-request');
    expect(names).toContain('everything__get-roots-list');
    for (const n of names) expect(n.length).toBeLessThanOrEqual(64);
    const echo = tools.find((t) => t.name === 'everything__echo')!;
    expect(echo.inputSchema.properties).toHaveProperty('message');
  });

  it('negotiates the protocol version and merges capabilities and instructions', () => {
    expect(client.getServerVersion()?.name).toBe('portcullis');
    const caps = client.getServerCapabilities()!;
    expect(caps.tools).toBeDefined();
    expect(caps.prompts).toBeDefined();
    expect(caps.resources?.subscribe).toBe(true);
    expect(caps.logging).toBeDefined();
    expect(caps.completions).toBeDefined();
  });

  it('calls tools: text, numbers, structured content, images, annotations, resource links', async () => {
    expect(await client.callTool({ name: 'everything__echo', arguments: { message: 'hello' } })).toEqual({ content: [{ type: 'text', text: 'Echo: hello' }] });
    const sum = await client.callTool({ name: 'everything__get-sum', arguments: { a: 2, b: 40 } });
    expect(JSON.stringify(sum.content)).toContain('42');
    const structured = await client.callTool({ name: 'everything__get-structured-content', arguments: { location: 'Chicago' } });
    expect(structured.structuredContent).toBeDefined();
    const img = await client.callTool({ name: 'everything__get-tiny-image', arguments: {} });
    expect((img.content as Array<{ type: string }>).some((c) => c.type === 'image')).toBe(true);
    const ann = await client.callTool({ name: 'everything__get-annotated-message', arguments: { messageType: 'error', includeImage: true } });
    expect((ann.content as unknown[]).length).toBeGreaterThan(0);
    const links = await client.callTool({ name: 'everything__get-resource-links', arguments: { count: 2 } });
    expect((links.content as Array<{ type: string }>).filter((c) => c.type === 'resource_link').length).toBe(2);
    const ref = await client.callTool({ name: 'everything__get-resource-reference', arguments: { resourceType: 'Text', resourceId: 1 } });
    expect((ref.content as Array<{ type: string }>).some((c) => c.type === 'resource')).toBe(true);
  });

  it('relays progress notifications of a long-running tool', async () => {
    const progress: number[] = [];
    const r = await client.callTool({ name: 'everything__trigger-long-running-operation', arguments: { duration: 1, steps: 4 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(JSON.stringify(r.content)).toMatch(/completed/i);
    expect(progress.length).toBeGreaterThanOrEqual(3);
  });

  it('relays server→client requests: sampling, elicitation and roots, with ids remapped', async () => {
    const s = await client.callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt: 'what is MCP?', maxTokens: 10 } });
    expect(JSON.stringify(s.content)).toContain('sampled:');
    const e = await client.callTool({ name: 'everything__trigger-elicitation-request', arguments: {} });
    expect(JSON.stringify(e.content)).toMatch(/accept/i);
    const roots = await client.callTool({ name: 'everything__get-roots-list', arguments: {} });
    expect(JSON.stringify(roots.content)).toContain('file:///tmp/project');
  });

  it('lists and reads resources and templates, routed by URI', async () => {
    const { resources } = await client.listResources();
    expect(resources.length).toBeGreaterThan(0);
    const first = resources[0]!;
    const read = await client.readResource({ uri: first.uri });
    expect(read.contents[0]?.uri).toBe(first.uri);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('demo://resource/dynamic/text/{resourceId}');
    const dyn = await client.readResource({ uri: 'demo://resource/dynamic/text/5' });
    expect(JSON.stringify(dyn.contents)).toContain('5');
  });

  it('subscribes to a resource and relays updated notifications', async () => {
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    const { resources } = await client.listResources();
    const uri = resources[0]!.uri;
    await client.subscribeResource({ uri });
    await client.callTool({ name: 'everything__toggle-subscriber-updates', arguments: {} });
    await expect.poll(() => updates.length, { timeout: 15_000, interval: 200 }).toBeGreaterThan(0);
    await client.callTool({ name: 'everything__toggle-subscriber-updates', arguments: {} });
    await client.unsubscribeResource({ uri });
    expect(updates).toContain(uri);
  });

  it('lists and gets prompts (namespaced), with arguments', async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toContain('everything__args-prompt');
    const p = await client.getPrompt({ name: 'everything__args-prompt', arguments: { city: 'Paris', state: 'IDF' } });
    expect(JSON.stringify(p.messages)).toContain('Paris');
  });

  it('routes completion requests for a namespaced prompt', async () => {
    const r = await client.complete({ ref: { type: 'ref/prompt', name: 'everything__completable-prompt' }, argument: { name: 'department', value: 'E' } });
    expect(r.completion.values.length).toBeGreaterThan(0);
    expect(r.completion.values.every((v) => v.startsWith('E'))).toBe(true);
  });

  it('sets the log level upstream and relays log messages', async () => {
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(n.params);
    });
    await client.setLoggingLevel('debug');
    await client.callTool({ name: 'everything__toggle-simulated-logging', arguments: {} });
    await expect.poll(() => logs.length, { timeout: 15_000, interval: 200 }).toBeGreaterThan(0);
    await client.callTool({ name: 'everything__toggle-simulated-logging', arguments: {} });
  });

  it('answers ping', async () => {
    await expect(client.ping()).resolves.toBeDefined();
  });

  it('keeps state per session in a stateful server (server-memory)', async () => {
    await client.callTool({ name: 'memory__create_entities', arguments: { entities: [{ name: 'Portcullis', entityType: 'project', observations: ['guards MCP'] }] } });
    const g = await client.callTool({ name: 'memory__read_graph', arguments: {} });
    expect(JSON.stringify(g)).toContain('Portcullis');
  });

  it('gives each client its own upstream session (no mixing of stateful servers)', async () => {
    const other = await httpClient(gw.url);
    try {
      const mine = gw.rt.gateway.sessions.size;
      expect(mine).toBeGreaterThanOrEqual(2);
      const ids = [...gw.rt.gateway.sessions.values()].map((s) => s.upstreamConnections.get('everything'));
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      await other.close();
    }
  });

  it('answers an unknown tool as the spec says (-32602), without reaching any upstream', async () => {
    await expect(client.callTool({ name: 'nope__nothing', arguments: {} })).rejects.toThrow(/Unknown tool: nope__nothing/);
  });
});

describe('legacy HTTP+SSE clients', () => {
  it('lists and calls tools over /sse + /messages', async () => {
    const c = await sseClient(gw.url);
    try {
      const { tools } = await c.listTools();
      expect(tools.map((t) => t.name)).toContain('everything__echo');
      expect(await c.callTool({ name: 'everything__echo', arguments: { message: 'old' } })).toEqual({ content: [{ type: 'text', text: 'Echo: old' }] });
    } finally {
      await c.close();
    }
  });
});

describe('tasks (2025-11-25): a task-augmented tool call through the gateway', () => {
  it('creates the task upstream, routes tasks/get and tasks/result to it, lists it', async () => {
    const { CreateTaskResultSchema, GetTaskResultSchema, CallToolResultSchema, ListTasksResultSchema } = await import('@modelcontextprotocol/sdk/types.js');
    const created = await client.request({ method: 'tools/call', params: { name: 'everything__simulate-research-query', arguments: { topic: 'MCP gateways' }, task: { ttl: 60_000 } } }, CreateTaskResultSchema);
    const taskId = created.task.taskId;
    expect(taskId).toBeTruthy();
    let status = created.task.status;
    for (let i = 0; i < 100 && status !== 'completed' && status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema)).status;
    }
    expect(status).toBe('completed');
    const result = await client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema);
    expect(JSON.stringify(result.content)).toMatch(/MCP gateways/i);
    const listed = await client.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema);
    expect(listed.tasks.map((t) => t.taskId)).toContain(taskId);
    await expect(client.request({ method: 'tasks/get', params: { taskId: 'not-a-task' } }, GetTaskResultSchema)).rejects.toThrow(/Unknown task/);
  }, 30_000);

  it('get-env and gzip-file-as-resource work through the gateway too', async () => {
    const env = await client.callTool({ name: 'everything__get-env', arguments: {} });
    expect(JSON.stringify(env.content)).toContain('PATH');
    const gz = await client.callTool({ name: 'everything__gzip-file-as-resource', arguments: { name: 'hello.txt.gz', data: 'data:text/plain;base64,aGVsbG8gd29ybGQ=' } });
    expect(JSON.stringify(gz.content)).toContain('resource_link');
  });
});
