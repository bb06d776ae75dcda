/** Start a real gateway in-process on ephemeral ports, and connect real SDK clients to it. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { parseConfigText } from '../../src/config/load.js';
import { startRuntime, type Runtime } from '../../src/gateway/runtime.js';
import { silentLogger, type Logger } from '../../src/observability/log.js';
import { readTokenFor } from '../../src/admin/token.js';
import { createApiKey } from '../../src/identity/apikeys.js';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');

export interface TestGateway {
  rt: Runtime;
  url: string;
  adminUrl: string;
  dataDir: string;
  /** The admin token the gateway accepts (read from the data dir's token file, as a CLI would). */
  adminToken: string;
  /** An authenticated admin API call: GET by default; with `body`, a JSON POST. */
  admin(pathAndQuery: string, init?: { method?: string; body?: unknown; token?: string }): Promise<Response>;
  close(): Promise<void>;
}

/** `yaml` is a full config; ports are forced to 0 (ephemeral) and the data dir to a temp folder. */
export async function startTestGateway(yaml: string, opts: { keepDataDir?: string; log?: Logger } = {}): Promise<TestGateway> {
  const config = parseConfigText(yaml, path.join(ROOT, 'test', 'inline.yaml'));
  config.listen.port = 0;
  config.admin.port = 0;
  const dataDir = opts.keepDataDir ?? mkdtempSync(path.join(os.tmpdir(), 'pcx-test-'));
  const rt = await startRuntime({ config, dataDir, log: opts.log ?? silentLogger });
  const adminToken = config.admin.token ?? (rt.adminUrl ? (readTokenFor(dataDir) ?? '') : '');
  return {
    rt,
    url: rt.mcpUrl!,
    adminUrl: rt.adminUrl!,
    dataDir,
    adminToken,
    admin(pathAndQuery, init = {}) {
      const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
      const headers: Record<string, string> = { authorization: `Bearer ${init.token ?? adminToken}` };
      if (method !== 'GET' && method !== 'HEAD') headers['content-type'] = 'application/json';
      return fetch(`${rt.adminUrl!}${pathAndQuery}`, { method, headers, ...(method === 'GET' || method === 'HEAD' ? {} : { body: JSON.stringify(init.body ?? {}) }) });
    },
    async close() {
      await rt.close();
      if (!opts.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

export async function httpClient(url: string, opts: { capabilities?: Record<string, unknown>; headers?: Record<string, string>; name?: string } = {}): Promise<Client> {
  const c = new Client({ name: opts.name ?? 'e2e', version: '1.0.0' }, { capabilities: opts.capabilities ?? {} });
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: opts.headers ?? {} } }));
  return c;
}

export async function sseClient(url: string): Promise<Client> {
  const c = new Client({ name: 'e2e-sse', version: '1.0.0' }, { capabilities: {} });
  await c.connect(new SSEClientTransport(new URL(url.replace(/\/mcp$/, '/sse'))));
  return c;
}

/** Raw POST to the MCP endpoint (for malformed input tests). */
export async function rawPost(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body,
  });
  return { status: r.status, text: await r.text(), headers: r.headers };
}

export const EVERYTHING = `
  everything:
    command: node
    args: ["${path.join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js')}", "stdio"]`;
export const MEMORY = `
  memory:
    command: node
    args: ["${path.join(ROOT, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js')}"]
    env: { MEMORY_FILE_PATH: "${path.join(os.tmpdir(), `pcx-memory-${process.pid}.jsonl`)}" }`;

/**
 * A raw MCP 2026-07-28 POST to `url`: the request envelope in `params._meta` (merged under any `_meta`
 * the body has), the standard headers (`MCP-Protocol-Version`, `Mcp-Method`; overridable) and a bearer
 * key. Answers with the HTTP status and the JSON-RPC message (the last `data:` of an SSE answer).
 */
export async function modernPost(url: string, body: Record<string, unknown>, headers: Record<string, string>, key: string): Promise<{ status: number; json: any }> {
  const V = '2026-07-28';
  const params = { ...((body.params as Record<string, unknown>) ?? {}) };
  params._meta = { 'io.modelcontextprotocol/protocolVersion': V, 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} }, ...((params._meta as object) ?? {}) };
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': V, 'mcp-method': String(body.method), authorization: `Bearer ${key}`, ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', ...body, params }),
  });
  const text = await r.text();
  const data = text.startsWith('event:') ? JSON.parse(text.split('\n').filter((l) => l.startsWith('data: ')).pop()!.slice(6)) : JSON.parse(text);
  return { status: r.status, json: data };
}

/**
 * A gateway with API keys in front of one HTTP upstream twice: `pooled` (the default, shared isolation)
 * and `own` (`isolation: session`), every tool allowed, and a key for each named principal: what the
 * cross-caller tests of pooled upstreams (tasks, MRTR retries) start from.
 */
export async function startPooledPairGateway(upstreamUrl: string, principals: string[]): Promise<{ gw: TestGateway; keys: Record<string, string> }> {
  const gw = await startTestGateway(`
auth: { apiKeys: true }
mcpServers:
  pooled: { url: ${upstreamUrl} }
  own: { url: ${upstreamUrl} }
servers:
  own: { isolation: session }
policy:
  allow:
    - { id: all, principal: "*", tools: ["*"] }
`);
  const keys: Record<string, string> = {};
  for (const p of principals) keys[p] = (await createApiKey(gw.rt.store, { principal: p })).key;
  return { gw, keys };
}
