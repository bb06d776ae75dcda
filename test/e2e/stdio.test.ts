/**
 * `portcullis stdio`: the drop-in line for a client config. Driven by the real SDK client
 * over stdio, as Claude Desktop / Cursor would start it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { spawn } from 'node:child_process';
import { EVERYTHING, MEMORY, ROOT } from '../helpers/gateway.js';

const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');
const clients: Client[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => undefined);
});

async function stdioGateway(args: string[]): Promise<Client> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pcx-stdio-'));
  const c = new Client({ name: 'stdio-e2e', version: '1' }, { capabilities: {} });
  await c.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'stdio', '--data-dir', dataDir, ...args], stderr: 'ignore' }));
  clients.push(c);
  return c;
}

describe('portcullis stdio', () => {
  it('-c FILE serves the aggregated, namespaced gateway over stdio', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pcx-cfg-'));
    const file = path.join(dir, 'portcullis.yaml');
    writeFileSync(file, `auth: none\nmcpServers:${EVERYTHING}${MEMORY}\n`);
    const c = await stdioGateway(['-c', file]);
    const names = (await c.listTools()).tools.map((t) => t.name);
    expect(names).toContain('everything__echo');
    expect(names).toContain('memory__read_graph');
    expect(await c.callTool({ name: 'everything__echo', arguments: { message: 'via stdio' } })).toEqual({ content: [{ type: 'text', text: 'Echo: via stdio' }] });
  });

  it('-- CMD ARGS wraps one server with its tool names unchanged', async () => {
    const c = await stdioGateway(['--', process.execPath, path.join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js'), 'stdio']);
    const names = (await c.listTools()).tools.map((t) => t.name);
    expect(names).toContain('echo');
    expect(names).not.toContain('everything__echo');
    expect(await c.callTool({ name: 'echo', arguments: { message: 'wrapped' } })).toEqual({ content: [{ type: 'text', text: 'Echo: wrapped' }] });
    const p = await c.getPrompt({ name: 'simple-prompt' });
    expect(p.messages.length).toBeGreaterThan(0);
  });

  it('answers malformed JSON with -32700 and keeps the session usable', async () => {
    // Its own data dir: without one, `stdio -- CMD` uses ~/.portcullis, which a test must never touch.
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pcx-stdio-'));
    const child = spawn(process.execPath, [CLI, 'stdio', '--data-dir', dataDir, '--', process.execPath, path.join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js'), 'stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const lines: string[] = [];
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    try {
      child.stdin.write('{"jsonrpc": "2.0", "id": 1, "method": \n');
      await expect.poll(() => lines.length, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(JSON.parse(lines[0]!).error.code).toBe(-32700);
      child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }) + '\n');
      await expect.poll(() => lines.some((l) => l.includes('"id":2')), { timeout: 20_000 }).toBe(true);
      const init = JSON.parse(lines.find((l) => l.includes('"id":2'))!);
      expect(init.result.protocolVersion).toBe('2025-06-18');
    } finally {
      child.stdin.end();
      await new Promise((r) => child.once('exit', r));
    }
  });
});
