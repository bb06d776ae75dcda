/**
 * Any client reaches any server, in both MCP eras: {v1 SDK client (2025-11-25 sessions), v2 SDK
 * client (2026-07-28 when it can negotiate it)} × {server-everything (2025-era), modern.mjs (a v2-SDK
 * server that speaks only 2026-07-28) over stdio and over HTTP} × {gateway over HTTP, over stdio}.
 * Each cell: list, call, a policy deny, elicitation and sampling (via MRTR wherever an end speaks
 * 2026-07-28: translated to server→client requests for a session client, and back).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as V1Stdio } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as V1Http } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Http } from '@modelcontextprotocol/client';
import { StdioClientTransport as V2Stdio } from '@modelcontextprotocol/client/stdio';
import { startHttpFixture, type HttpFixture } from '../fixtures/harness.mjs';
import { EVERYTHING, ROOT, fixture, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');
const ELICIT_ANSWER = { action: 'accept' as const, content: { confirm: true, color: 'red', number: 7, pets: 'cats', name: 'Ada', check: true, email: 'ada@example.com', integer: 3, untitledSingleSelectEnum: 'option1', titledSingleSelectEnum: 'option1' } };
const sampled = (content: unknown) => ({ role: 'assistant' as const, model: 'test-model', content: { type: 'text' as const, text: `sampled ${JSON.stringify(content)}` } });

interface Calls {
  call(name: string, args: Record<string, unknown>): Promise<{ content?: unknown; isError?: boolean }>;
  tools(): Promise<string[]>;
  era(): string;
  close(): Promise<void>;
}

/** One row per upstream kind: what to call and what comes back. */
const SERVERS = [
  { server: 'everything', echo: ['everything__echo', { message: 'm' }, 'Echo: m'], denied: 'everything__get-env', elicit: ['everything__trigger-elicitation-request', {}, 'Ada'], sample: ['everything__trigger-sampling-request', { prompt: 'hi', maxTokens: 5 }, 'sampled'] },
  { server: 'modern', echo: ['modern__echo', { text: 'm' }, 'echo: m'], denied: 'modern__add', elicit: ['modern__confirm', { action: 'deploy' }, 'confirmed: deploy'], sample: ['modern__ask_llm', { prompt: 'q' }, 'llm said: sampled'] },
  { server: 'modernhttp', echo: ['modernhttp__echo', { text: 'm' }, 'echo: m'], denied: 'modernhttp__add', elicit: ['modernhttp__confirm', { action: 'ship' }, 'confirmed: ship'], sample: ['modernhttp__ask_llm', { prompt: 'q' }, 'llm said: sampled'] },
] as const;

let modernHttp: HttpFixture;
let gw: TestGateway;
let configFile: string;
const opened: Calls[] = [];

function config(): string {
  return `auth: none
mcpServers:${EVERYTHING}
  modern:
    command: node
    args: ["${fixture('modern.mjs')}"]
  modernhttp:
    url: ${modernHttp.url}
policy:
  allow:
    - { id: all, principal: "*", tools: ["*"], prompts: ["*"], resources: ["*"] }
  deny:
    - { id: no-env, principal: "*", tools: ["everything__get-env", "modern__add", "modernhttp__add"] }
`;
}

async function v1(downstream: 'http' | 'stdio'): Promise<Calls> {
  const c = new V1Client({ name: 'v1-matrix', version: '1' }, { capabilities: { sampling: {}, elicitation: {} } });
  c.setRequestHandler(ElicitRequestSchema, async () => ELICIT_ANSWER);
  c.setRequestHandler(CreateMessageRequestSchema, async (r) => sampled(r.params.messages[0]?.content));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pcx-era-'));
  await c.connect(downstream === 'http' ? new V1Http(new URL(gw.url)) : new V1Stdio({ command: process.execPath, args: [CLI, 'stdio', '--data-dir', dataDir, '-c', configFile], stderr: 'ignore' }));
  return {
    call: (name, args) => c.callTool({ name, arguments: args }, undefined, { timeout: 30_000 }) as Promise<{ content?: unknown }>,
    tools: async () => (await c.listTools()).tools.map((t) => t.name),
    era: () => 'session',
    close: () => c.close(),
  };
}

async function v2(downstream: 'http' | 'stdio'): Promise<Calls> {
  const c = new V2Client({ name: 'v2-matrix', version: '1' }, { capabilities: { sampling: {}, elicitation: {} }, versionNegotiation: { mode: 'auto' } });
  c.setRequestHandler('elicitation/create', async () => ELICIT_ANSWER);
  c.setRequestHandler('sampling/createMessage', async (r) => sampled(r.params.messages[0]?.content));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pcx-era-'));
  await c.connect(downstream === 'http' ? new V2Http(new URL(gw.url)) : new V2Stdio({ command: process.execPath, args: [CLI, 'stdio', '--data-dir', dataDir, '-c', configFile], stderr: 'ignore' }));
  return {
    call: (name, args) => c.callTool({ name, arguments: args }, { timeout: 30_000 }) as Promise<{ content?: unknown }>,
    tools: async () => (await c.listTools()).tools.map((t) => t.name),
    era: () => (c.getProtocolEra() === 'modern' ? 'envelope' : 'session'),
    close: () => c.close(),
  };
}

beforeAll(async () => {
  modernHttp = await startHttpFixture('modern.mjs');
  gw = await startTestGateway(config());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pcx-era-cfg-'));
  configFile = path.join(dir, 'portcullis.yaml');
  writeFileSync(configFile, config());
}, 60_000);

afterAll(async () => {
  for (const c of opened.splice(0)) await c.close().catch(() => undefined);
  await gw?.close();
  await modernHttp?.close();
});

const CELLS = [
  { client: 'v1', downstream: 'http', open: () => v1('http'), era: 'session' },
  { client: 'v2', downstream: 'http', open: () => v2('http'), era: 'envelope' },
  { client: 'v1', downstream: 'stdio', open: () => v1('stdio'), era: 'session' },
  { client: 'v2', downstream: 'stdio', open: () => v2('stdio'), era: 'envelope' },
] as const;

describe.each(CELLS)('$client client over $downstream', ({ open, era }) => {
  let c: Calls;
  beforeAll(async () => {
    c = await open();
    opened.push(c);
  }, 60_000);

  it(`speaks the ${era} era to the gateway`, () => {
    expect(c.era()).toBe(era);
  });

  it.each(SERVERS)('$server: lists, calls, and is denied what policy denies', async ({ echo, denied }) => {
    const names = await c.tools();
    expect(names).toContain(echo[0]);
    expect(names).not.toContain(denied);
    expect(JSON.stringify((await c.call(echo[0], echo[1])).content)).toContain(echo[2]);
    await expect(c.call(denied, {})).rejects.toThrow(/Unknown tool|not found/i);
  });

  it.each(SERVERS)('$server: elicitation and sampling reach the client and the answer reaches the server', async ({ elicit, sample }) => {
    expect(JSON.stringify((await c.call(elicit[0], elicit[1])).content)).toContain(elicit[2]);
    expect(JSON.stringify((await c.call(sample[0], sample[1])).content)).toContain(sample[2]);
  });
});
