/**
 * `portcullis wrap` writes a command that works where it runs: by default this installation by
 * absolute paths (no registry package that 404s), started for real here through the rewritten
 * config with a bare PATH as desktop clients give; a command that does not start is refused and
 * the file is left untouched. `scan` only suggests `wrap` for servers wrap can route.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { runWrap } from '../../src/cli/wrap.js';
import { scanMachine } from '../../src/registry/scan.js';
import { ROOT, fixture } from '../helpers/gateway.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function cursorHome(servers: Record<string, unknown>): { home: string; file: string } {
  const home = mkdtempSync(path.join(os.tmpdir(), 'pcx-wrap-'));
  dirs.push(home);
  mkdirSync(path.join(home, '.cursor'));
  const file = path.join(home, '.cursor', 'mcp.json');
  writeFileSync(file, JSON.stringify({ mcpServers: servers }, null, 2) + '\n');
  return { home, file };
}

describe('portcullis wrap: the command it writes', () => {
  it('defaults to this installation by absolute paths, and the wrapped server starts with a bare PATH', async () => {
    const { file } = cursorHome({ conformant: { command: process.execPath, args: [fixture('conformant.mjs')] } });
    let out = '';
    let err = '';
    expect(runWrap(file, {}, (s) => (out += s), (s) => (err += s)), err).toBe(0);
    expect(out).toContain('wrapped: conformant');
    const entry = (JSON.parse(readFileSync(file, 'utf8')) as { mcpServers: Record<string, { command: string; args: string[] }> }).mcpServers.conformant!;
    expect(entry.command).toBe(process.execPath);
    expect(entry.args.slice(0, 4)).toEqual([path.join(ROOT, 'dist', 'cli', 'index.js'), 'stdio', '--name', 'conformant']);
    expect(JSON.stringify(entry)).not.toContain('npx');

    // Start it as the client would, from another folder with a minimal environment.
    const client = new Client({ name: 'wrapped', version: '1.0.0' });
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pcx-wrap-data-'));
    dirs.push(dataDir);
    await client.connect(new StdioClientTransport({ command: entry.command, args: entry.args, env: { PATH: '/usr/bin:/bin', PORTCULLIS_DATA_DIR: dataDir }, cwd: os.tmpdir(), stderr: 'ignore' }));
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }

    // A second wrap sees the absolute-path form as routed and changes nothing.
    const before = readFileSync(file, 'utf8');
    out = '';
    expect(runWrap(file, {}, (s) => (out += s), () => {})).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(out).toContain('already routed');
  }, 60_000);

  it.each([
    ['a program that does not exist', '/nonexistent/bin/portcullis', /ENOENT/],
    ['a program that fails', '/bin/false', /--version` failed/],
    ['a program that is not Portcullis', `${process.execPath} -e 0`, /--version` failed/],
  ])('refuses %s and leaves the file unchanged', (_name, cmd, why) => {
    const { file } = cursorHome({ memory: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] } });
    const before = readFileSync(file, 'utf8');
    let err = '';
    expect(runWrap(file, { portcullisCmd: cmd }, () => {}, (s) => (err += s))).toBe(1);
    expect(err).toMatch(/refusing to write a command that does not start/);
    expect(err).toMatch(why);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('an explicit --portcullis-cmd that starts is written as given', () => {
    const { file } = cursorHome({ memory: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] } });
    const cli = path.join(ROOT, 'dist', 'cli', 'index.js');
    expect(runWrap(file, { portcullisCmd: `${process.execPath} ${cli}` }, () => {}, () => {})).toBe(0);
    const entry = (JSON.parse(readFileSync(file, 'utf8')) as { mcpServers: Record<string, { command: string; args: string[] }> }).mcpServers.memory!;
    expect([entry.command, ...entry.args]).toEqual([process.execPath, cli, 'stdio', '--name', 'memory', '--', 'npx', '-y', '@modelcontextprotocol/server-memory']);
  });
});

describe('portcullis scan suggests wrap only where wrap can route', () => {
  it('a shadow stdio server is told to wrap; a shadow remote server is told to go into the gateway config', async () => {
    const { home } = cursorHome({ local: { command: 'npx', args: ['-y', 'some-mcp@1.0.0'] }, remote: { url: 'https://mcp.example.com/mcp' } });
    const r = await scanMachine({ root: home });
    const msg = (name: string) => r.servers.find((s) => s.name === name)!.findings.filter((f) => f.category === 'shadow_server').map((f) => f.message).join('\n');
    expect(msg('local')).toContain('portcullis wrap');
    expect(msg('remote')).toMatch(/shadow server/);
    expect(msg('remote')).not.toContain('portcullis wrap');
    expect(msg('remote')).toContain('mcpServers');
  });
});
