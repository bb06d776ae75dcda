/**
 * `scan --connect`: start (stdio) or connect to (HTTP / SSE) a discovered server with the SDK
 * client, list its tools, and close it again (children are killed). Bounded by a timeout.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { DiscoveredServer } from './discovery.js';

export interface ListedTools {
  tools: Array<Record<string, unknown>>;
  instructions?: string;
}

/** `${VAR}`, `${env:VAR}`, `$VAR` from the environment; `${input:x}` and unknown variables become ''. */
export function expandVars(value: string, env: NodeJS.ProcessEnv = process.env): string {
  return value
    .replace(/\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, n: string) => env[n] ?? '')
    .replace(/\$\{[^}]*\}/g, '')
    .replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, n: string) => env[n] ?? '');
}

function expandAll(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, expandVars(v)]));
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Connect, list every page of tools, close. Throws on failure or timeout. */
export async function listServerTools(
  s: Pick<DiscoveredServer, 'transport' | 'command' | 'args' | 'env' | 'url' | 'headers' | 'raw'>,
  opts: { timeoutMs?: number; command?: { command: string; args: string[] } } = {},
): Promise<ListedTools> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const client = new Client({ name: 'portcullis-scan', version: '0.1.0' }, { capabilities: {} });
  let transport: Transport;
  if (s.transport === 'stdio') {
    const cmd = opts.command ?? { command: s.command ?? '', args: s.args };
    const cwd = typeof s.raw.cwd === 'string' ? s.raw.cwd : undefined;
    transport = new StdioClientTransport({
      command: expandVars(cmd.command),
      args: cmd.args.map((a) => expandVars(a)),
      env: { ...getDefaultEnvironment(), ...expandAll(s.env) },
      stderr: 'ignore',
      ...(cwd ? { cwd } : {}),
    });
  } else {
    const url = new URL(expandVars(s.url ?? ''));
    const requestInit = { headers: expandAll(s.headers) };
    transport = s.transport === 'sse' ? new SSEClientTransport(url, { requestInit }) : new StreamableHTTPClientTransport(url, { requestInit });
  }
  try {
    await withTimeout(client.connect(transport), timeoutMs, 'initialize');
    const tools: Array<Record<string, unknown>> = [];
    let cursor: string | undefined;
    for (let page = 0; page < 50; page++) {
      const r = await withTimeout(client.listTools(cursor ? { cursor } : {}), timeoutMs, 'tools/list');
      tools.push(...(r.tools as Array<Record<string, unknown>>));
      cursor = r.nextCursor;
      if (!cursor) break;
    }
    const instructions = client.getInstructions();
    return { tools, ...(instructions ? { instructions } : {}) };
  } finally {
    // StdioClientTransport.close() ends stdin, then SIGTERM, then SIGKILL.
    await withTimeout(client.close(), 5000, 'close').catch(() => undefined);
  }
}
