/**
 * Variables in the forms MCP clients write them, relative paths in server entries, and where the
 * data directory is: the things a pasted client config needs to work unchanged.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ConfigError, bindDataDir, loadConfig, parseConfigText, resolveDataDir, resolveServers } from '../../src/config/load.js';
import type { StdioServerConfig } from '../../src/config/schema.js';
import { ROOT } from '../helpers/gateway.js';

const ENV = { TOKEN: 'tok-123', EMPTY: '', HOME_DIR: '/home/u' };

function envOf(value: string, env: NodeJS.ProcessEnv = ENV): string {
  const c = parseConfigText(`auth: none\nmcpServers:\n  s:\n    command: x\n    env: { V: ${JSON.stringify(value)} }\n`, '/cfg/portcullis.yaml', env);
  return (resolveServers(c)[0]!.spec as StdioServerConfig).env.V!;
}

function problems(text: string, env: NodeJS.ProcessEnv = ENV): string[] {
  try {
    parseConfigText(text, 'cfg.yaml', env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('variables', () => {
  it.each([
    ['${TOKEN}', 'tok-123'],
    ['Bearer ${TOKEN}', 'Bearer tok-123'],
    ['${env:TOKEN}', 'tok-123'],
    ['${UNSET_VAR:-fallback}', 'fallback'],
    ['${env:UNSET_VAR:-fallback}', 'fallback'],
    ['${TOKEN:-fallback}', 'tok-123'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${UNSET_VAR:-}', ''],
    ['$${TOKEN}', '${TOKEN}'],
    ['${secret:github}', '${secret:github}'], // kept for the secret store (credentials/refs.ts)
    ['${HOME_DIR}/x-${TOKEN}', '/home/u/x-tok-123'],
    // Kept for the vault, which opens it when the gateway starts (src/credentials/refs.ts).
    ['${secret:github}', '${secret:github}'],
  ])('%s → %s', (value, expected) => {
    expect(envOf(value)).toBe(expected);
  });

  it.each([
    ['an unset ${VAR}', '${NOT_SET_ANYWHERE}', /^cfg\.yaml:5: environment variable NOT_SET_ANYWHERE is not set/],
    ['an unset ${env:VAR}', '${env:NOT_SET_ANYWHERE}', /^cfg\.yaml:5: environment variable NOT_SET_ANYWHERE is not set/],
    ['a VS Code ${input:…}', '${input:api-key}', /^cfg\.yaml:5: \$\{input:api-key\}: VS Code input variables/],
    ['an unknown form', '${workspace Folder}', /^cfg\.yaml:5: \$\{workspace Folder\}: not a variable/],
  ])('%s is a config error with file:line', (_name, value, pattern) => {
    const p = problems(`auth: none\nmcpServers:\n  s:\n    command: x\n    env: { V: ${JSON.stringify(value)} }\n`);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(pattern);
  });

  it('a config error names every unresolved variable, each on its line', () => {
    const p = problems('auth: none\nmcpServers:\n  a:\n    command: x\n    args: ["${NOPE_A}"]\n  b:\n    url: "https://h/${NOPE_B}"\n');
    expect(p.map((x) => x.split(': ')[0])).toEqual(['cfg.yaml:5', 'cfg.yaml:7']);
  });
});

describe('relative paths in server entries resolve against the config file folder', () => {
  const yaml = [
    'auth: none',
    'mcpServers:',
    '  s:',
    '    command: ./bin/server',
    '    args: ["--root", "./data", "../shared", "--flag=./x", "plain", "/abs"]',
    '    env: { FILE: ./mem.jsonl, UP: ../up, NAME: plain, URL: "https://x/./y", IN_DATA: "${dataDir}/m.jsonl" }',
    '    cwd: work',
  ].join('\n');

  it('cwd always; env values and args written ./x or ../x; ${dataDir} is the bound data dir', () => {
    const c = parseConfigText(yaml, '/etc/pcx/portcullis.yaml', {});
    bindDataDir(c, '/var/lib/pcx');
    const s = resolveServers(c)[0]!.spec as StdioServerConfig;
    expect(s.cwd).toBe('/etc/pcx/work');
    expect(s.args).toEqual(['--root', '/etc/pcx/data', '/etc/shared', '--flag=./x', 'plain', '/abs']);
    expect(s.env).toEqual({ FILE: '/etc/pcx/mem.jsonl', UP: '/etc/up', NAME: 'plain', URL: 'https://x/./y', IN_DATA: '/var/lib/pcx/m.jsonl' });
    // The command is looked up on PATH as the client would; it is not rewritten.
    expect(s.command).toBe('./bin/server');
  });

  it('${dataDir} without a bound data dir is the default data dir beside the config', () => {
    const c = parseConfigText(yaml, '/etc/pcx/portcullis.yaml', {});
    expect((resolveServers(c)[0]!.spec as StdioServerConfig).env.IN_DATA).toBe('/etc/pcx/.portcullis/m.jsonl');
  });
});

describe('the data dir', () => {
  it('defaults to .portcullis beside the config file, whatever the current folder', () => {
    const c = parseConfigText('auth: none\n', '/srv/gw/portcullis.yaml', {});
    expect(resolveDataDir(c, undefined, {})).toBe('/srv/gw/.portcullis');
    expect(resolveDataDir(parseConfigText('auth: none\ndataDir: state\n', '/srv/gw/p.yaml', {}), undefined, {})).toBe('/srv/gw/state');
    expect(resolveDataDir(c, undefined, { PORTCULLIS_DATA_DIR: '/tmp/pd' })).toBe('/tmp/pd');
    expect(resolveDataDir(c, '/tmp/flag', { PORTCULLIS_DATA_DIR: '/tmp/pd' })).toBe('/tmp/flag');
  });

  it('the bundled demo (its folder may be read-only once installed) uses ./.portcullis in the current folder', async () => {
    const { config } = await loadConfig(undefined, {});
    expect(resolveDataDir(config, undefined, {})).toBe(path.resolve('.portcullis'));
  });

  it('a command run from another folder with -c finds the data beside the config (keys create, then keys list)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pcx-datadir-'));
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'pcx-elsewhere-'));
    try {
      writeFileSync(path.join(dir, 'portcullis.yaml'), 'auth: { apiKeys: true }\n');
      const cli = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'dist/cli/index.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, PORTCULLIS_DATA_DIR: '' } });
      expect(cli(dir, 'keys', 'create', '--principal', 'alice', '-c', 'portcullis.yaml').status).toBe(0);
      // The key database holds key hashes: owner-only, like its folder.
      expect(statSync(path.join(dir, '.portcullis', 'portcullis.db')).mode & 0o077).toBe(0);
      expect(statSync(path.join(dir, '.portcullis')).mode & 0o077).toBe(0);
      const list = cli(elsewhere, 'keys', 'list', '--json', '-c', path.join(dir, 'portcullis.yaml'));
      expect(list.status, list.stderr).toBe(0);
      expect(JSON.parse(list.stdout).map((k: { principal: string }) => k.principal)).toEqual(['user:alice']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
