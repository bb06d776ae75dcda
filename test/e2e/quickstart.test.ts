/**
 * docs/quickstart.md, followed step by step in a temp HOME with fake Claude Desktop, Cursor and
 * VS Code configs whose servers are real MCP servers (test fixtures): init → set the variables it
 * lists → config check → keys create → start → a real SDK client with the key sees every
 * server's tools, and without it is refused → wrap a client config and start the wrapped entry.
 * (Step 1, install, is test/e2e/install.test.ts.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ROOT, fixture, httpClient } from '../helpers/gateway.js';

const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');
const dirs: string[] = [];
let gw: ChildProcess | undefined;
afterAll(async () => {
  if (gw && gw.exitCode === null) {
    const done = new Promise((r) => gw!.once('exit', r));
    gw.kill('SIGTERM');
    await done;
  }
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function write(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

describe('docs/quickstart.md', () => {
  it('init → check → keys → start → clients see their servers through the gateway; wrap works too', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'pcx-quickstart-'));
    dirs.push(home);
    const node = process.execPath;
    const secret = 'sk-proj-' + 'Qw3rTy9UiOp2AsDfGh7JkL4zXcVbNm1';
    write(path.join(home, '.config', 'Claude', 'claude_desktop_config.json'), { mcpServers: { notes: { command: node, args: [fixture('conformant.mjs')], env: { OPENAI_API_KEY: secret } } } });
    write(path.join(home, '.cursor', 'mcp.json'), { mcpServers: { tools: { command: node, args: [fixture('conformant.mjs')] } } });
    write(path.join(home, '.config', 'Code', 'User', 'mcp.json'), { servers: { vsc: { type: 'stdio', command: node, args: [fixture('conformant.mjs')] } } });

    const work = path.join(home, 'portcullis');
    mkdirSync(work);
    const baseEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, USER: 'me' };
    const cli = (env: NodeJS.ProcessEnv, ...args: string[]) => spawnSync(node, [CLI, ...args], { cwd: work, env: { ...baseEnv, ...env }, encoding: 'utf8' });

    // 2. init (reads $HOME), set the variables it lists, check.
    const init = cli({}, 'init');
    expect(init.status, init.stderr).toBe(0);
    const yaml = readFileSync(path.join(work, 'portcullis.yaml'), 'utf8');
    expect(yaml).not.toContain(secret);
    const vars = [...init.stdout.matchAll(/export ([A-Z0-9_]+)=/g)].map((m) => m[1]!);
    expect(vars).toEqual(['OPENAI_API_KEY']);
    const env = { OPENAI_API_KEY: secret };
    const check = cli(env, 'config', 'check', '-c', 'portcullis.yaml');
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toContain('OK (3 servers: notes, tools, vsc)');

    // 3a. a key, then the gateway over HTTP.
    const key = cli(env, 'keys', 'create', '--principal', 'me', '-c', 'portcullis.yaml');
    expect(key.status, key.stderr).toBe(0);
    const apiKey = key.stdout.trim();
    expect(apiKey).toMatch(/^pcx_/);
    gw = spawn(node, [CLI, 'start', '-c', 'portcullis.yaml', '--port', '0', '--admin-port', '0'], { cwd: work, env: { ...baseEnv, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let banner = '';
    gw.stderr!.on('data', (d: Buffer) => (banner += d));
    await expect.poll(() => banner, { timeout: 30_000, interval: 100 }).toMatch(/MCP endpoint\s+http:\/\/\S+\/mcp/);
    const url = /MCP endpoint\s+(\S+)/.exec(banner)![1]!;
    expect(banner).toContain('"Authorization": "Bearer <key from portcullis keys create>"');
    expect(banner).toContain(`data ${path.join(work, '.portcullis')}`);

    const c = await httpClient(url, { headers: { Authorization: `Bearer ${apiKey}` } });
    try {
      const names = (await c.listTools()).tools.map((t) => t.name);
      for (const s of ['notes', 'tools', 'vsc']) expect(names).toContain(`${s}__test_simple_text`);
      const r = await c.callTool({ name: 'notes__test_simple_text', arguments: {} });
      expect(r.isError ?? false).toBe(false);
    } finally {
      await c.close();
    }
    await expect(httpClient(url)).rejects.toThrow();

    // 3c. wrap the Cursor config; the wrapped entry starts and serves the same server.
    const wrap = cli(env, 'wrap', path.join(home, '.cursor', 'mcp.json'));
    expect(wrap.status, wrap.stderr).toBe(0);
    const entry = (JSON.parse(readFileSync(path.join(home, '.cursor', 'mcp.json'), 'utf8')) as { mcpServers: { tools: { command: string; args: string[] } } }).mcpServers.tools;
    const wrapped = new Client({ name: 'cursor', version: '1.0.0' });
    await wrapped.connect(new StdioClientTransport({ command: entry.command, args: entry.args, env: { PATH: '/usr/bin:/bin', HOME: home }, cwd: os.tmpdir(), stderr: 'ignore' }));
    try {
      expect((await wrapped.listTools()).tools.map((t) => t.name)).toContain('test_simple_text');
    } finally {
      await wrapped.close();
    }
    // Its state went to ~/.portcullis, not into whatever folder the client started it in.
    expect(existsSync(path.join(home, '.portcullis', 'portcullis.db'))).toBe(true);

    // 4. scan sees the wrapped Cursor server as routed.
    const scan = cli(env, 'scan', '--json', '-c', 'portcullis.yaml');
    expect(scan.status, scan.stderr).toBe(0);
    const servers = (JSON.parse(scan.stdout) as { servers: Array<{ name: string; client: string; routed: boolean }> }).servers;
    expect(servers.find((s) => s.name === 'tools')!.routed).toBe(true);
  }, 120_000);
});
