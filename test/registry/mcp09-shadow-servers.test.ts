/**
 * MCP09 shadow MCP servers: `portcullis scan` finds the servers configured in every client under a
 * home dir (fixture: test/fixtures/home), tells routed / registered / shadow apart, and
 * `portcullis wrap` routes them so that a rescan counts them as routed.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScan } from '../../src/cli/scan.js';
import { runWrap } from '../../src/cli/wrap.js';
import { Registry } from '../../src/registry/registry.js';
import { scanMachine } from '../../src/registry/scan.js';
import { discover } from '../../src/registry/discovery.js';
import { parseConfigText } from '../../src/config/load.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { FIXTURE_HOME, REPO, fixtureServer } from './helpers.js';

/** Every server in the fixture home: client, and whether it is routed / registered (with the fixture's config + registry). */
const EXPECTED: Record<string, { client: string; routed?: boolean; registered?: boolean; url?: boolean }> = {
  filesystem: { client: 'claude-desktop' },
  github: { client: 'claude-desktop' },
  memory: { client: 'claude-desktop', routed: true },
  sqlite: { client: 'claude-desktop', registered: true }, // macOS path; in the registry store
  fetch: { client: 'claude-desktop', registered: true }, // Windows path; in the gateway config
  puppeteer: { client: 'claude-desktop' },
  linear: { client: 'claude-code', url: true },
  postgres: { client: 'claude-code' }, // projects.<path>.mcpServers in ~/.claude.json
  sentry: { client: 'claude-code', url: true }, // project .mcp.json
  gateway: { client: 'claude-code', url: true, routed: true },
  slack: { client: 'cursor' },
  'brave-search': { client: 'cursor' },
  stripe: { client: 'cursor' }, // project .cursor/mcp.json
  playwright: { client: 'vscode' }, // settings.json (JSONC) mcp.servers
  everything: { client: 'vscode' }, // .vscode/mcp.json servers
  notion: { client: 'windsurf', url: true },
  gitlab: { client: 'windsurf' },
  git: { client: 'zed' },
  'github-docker': { client: 'zed' },
  'sequential-thinking': { client: 'continue' },
  'server-1': { client: 'continue' }, // config.json experimental.modelContextProtocolServers
  SQLite: { client: 'continue' }, // .continue/mcpServers/*.yaml
  context7: { client: 'gemini-cli', url: true },
  weather: { client: 'gemini-cli' },
  docs: { client: 'codex' },
  'openai-tools': { client: 'codex' },
};

let dataDir: string;
const tmp: string[] = [];
function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  tmp.push(d);
  return d;
}

beforeAll(async () => {
  // A registry that knows the macOS sqlite server (as the gateway records it on first connect).
  dataDir = tempDir('pcx-scan-data-');
  const store = await openSqliteStore(path.join(dataDir, 'portcullis.db'));
  const reg = await Registry.open(store, { registry: { mode: 'observe' } });
  await reg.observeServer('sqlite', 'stdio', 'uvx mcp-server-sqlite --db-path /Users/alice/test.db');
  await store.close();
});

afterAll(() => {
  // temp dirs are left to the OS; nothing to stop
});

async function scanJson(args: { root: string; config?: string; dataDir?: string; failOn?: string }) {
  let out = '';
  let err = '';
  const code = await runScan({ root: args.root, json: true, ...(args.config ? { config: args.config } : {}), dataDir: args.dataDir ?? tempDir('pcx-empty-'), ...(args.failOn ? { failOn: args.failOn } : {}) }, (s) => (out += s), (s) => (err += s));
  return { code, err, json: JSON.parse(out) as { servers: Array<Record<string, unknown> & { name: string; findings: Array<{ category: string; severity: string; message: string }> }> } };
}

describe('MCP09 shadow MCP servers', () => {
  it('finds every server of every client in the fixture home', () => {
    const r = discover({ root: FIXTURE_HOME });
    expect(r.problems).toEqual([]);
    const byName = Object.fromEntries(r.servers.map((s) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [name, e] of Object.entries(EXPECTED)) expect(byName[name]!.client, name).toBe(e.client);
    expect(new Set(r.servers.map((s) => s.client))).toEqual(new Set(['claude-desktop', 'claude-code', 'cursor', 'vscode', 'windsurf', 'zed', 'continue', 'gemini-cli', 'codex']));
    // Shapes: Zed's command object, Continue's transport, Windsurf's serverUrl, Gemini's httpUrl, Codex TOML.
    expect(byName.git).toMatchObject({ command: 'uvx', args: ['mcp-server-git', '--repository', '/home/alice/projects/webapp'], shape: 'zed-command-object' });
    expect(byName['server-1']).toMatchObject({ command: 'uvx', shape: 'continue-transport' });
    expect(byName.notion).toMatchObject({ url: 'https://mcp.notion.com/mcp', transport: 'http' });
    expect(byName.context7).toMatchObject({ url: 'https://mcp.context7.com/mcp', transport: 'http' });
    expect(byName['openai-tools']).toMatchObject({ command: 'uvx', args: ['openai-mcp'] });
    expect(byName.postgres!.scope).toBe('project:/home/alice/projects/webapp');
    expect(byName.playwright!.file).toBe(path.join(FIXTURE_HOME, '.config', 'Code', 'User', 'settings.json'));
  });

  it('--json reports routed, registered and shadow for each server, in exactly the documented shape', async () => {
    const { code, json } = await scanJson({ root: FIXTURE_HOME, config: path.join(FIXTURE_HOME, 'portcullis.yaml'), dataDir });
    expect(code).toBe(0);
    expect(json.servers.length).toBe(Object.keys(EXPECTED).length);
    for (const s of json.servers) {
      const e = EXPECTED[s.name]!;
      expect(Object.keys(s).sort(), s.name).toEqual(['client', 'file', 'findings', 'name', e.url ? 'url' : 'command', 'registered', 'routed', 'shadow'].sort());
      expect(s.client).toBe(e.client);
      expect(s.routed, `${s.name} routed`).toBe(e.routed ?? false);
      expect(s.registered, `${s.name} registered`).toBe(e.registered ?? false);
      expect(s.shadow, `${s.name} shadow`).toBe(!(e.routed ?? false) && !(e.registered ?? false));
      expect(s.shadow).toBe(s.findings.some((f) => f.category === 'shadow_server' && f.message.startsWith('[MCP09]')));
      for (const f of s.findings) expect(Object.keys(f).sort()).toEqual(['category', 'message', 'severity']);
      expect(path.isAbsolute(String(s.file))).toBe(true);
    }
    const fs = json.servers.find((s) => s.name === 'filesystem')!;
    expect(fs.command).toBe('npx -y @modelcontextprotocol/server-filesystem /home/alice/Documents');
    // Without the config and the registry, fetch and sqlite are shadows too.
    const bare = await scanJson({ root: FIXTURE_HOME });
    expect(bare.json.servers.filter((s) => s.shadow).map((s) => s.name).sort()).toEqual(Object.keys(EXPECTED).filter((n) => !EXPECTED[n]!.routed).sort());
  });

  it('prints a readable table by default and exits 1 at --fail-on', async () => {
    let out = '';
    const code = await runScan({ root: FIXTURE_HOME, dataDir: tempDir('pcx-empty-') }, (s) => (out += s), () => {});
    expect(code).toBe(0);
    expect(out).toMatch(/^CLIENT\s+SERVER\s+ROUTED\s+REGISTERED\s+SHADOW\s+FINDINGS\s+CONFIG/);
    expect(out).toMatch(/claude-desktop\s+memory\s+yes\s+no\s+-/);
    expect(out).toMatch(/cursor\s+slack\s+no\s+no\s+SHADOW\s+1 high, 2 medium/);
    expect(out).toContain('[MCP01] plaintext secret in env SLACK_BOT_TOKEN');
    expect(out).not.toContain('xoxb-'); // never the secret itself
    expect(out).toMatch(/26 servers in 16 config files: 2 routed through Portcullis, 24 shadow\./);
    expect((await scanJson({ root: FIXTURE_HOME, failOn: 'high' })).code).toBe(1);
    expect((await scanJson({ root: FIXTURE_HOME, failOn: 'critical' })).code).toBe(0);
    let err = '';
    expect(await runScan({ root: FIXTURE_HOME, failOn: 'severe' }, () => {}, (s) => (err += s))).toBe(2);
    expect(err).toContain('--fail-on');
  });

  it('wrap routes every stdio server of every client config through portcullis stdio; rescan counts them as routed', async () => {
    const home = tempDir('pcx-home-');
    cpSync(FIXTURE_HOME, home, { recursive: true });
    const files = [...new Set(discover({ root: home }).servers.map((s) => s.file))];
    expect(files.length).toBe(16);

    // --dry-run prints a diff and writes nothing.
    const settings = path.join(home, '.config', 'Code', 'User', 'settings.json');
    const before = readFileSync(settings, 'utf8');
    let out = '';
    expect(runWrap(settings, { dryRun: true, portcullisCmd: 'npx -y portcullis@0.1.0', force: true }, (s) => (out += s), () => {})).toBe(0);
    expect(readFileSync(settings, 'utf8')).toBe(before);
    expect(out).toContain(`--- ${settings}`);
    expect(out).toContain('-        "args": ["@playwright/mcp@latest"],');
    expect(out).toContain('+        "args": ["-y", "portcullis@0.1.0", "stdio", "--name", "playwright", "--", "npx", "@playwright/mcp@latest"],');
    expect(out).toContain('would wrap: playwright');

    for (const f of files) {
      let o = '';
      let e = '';
      expect(runWrap(f, { portcullisCmd: 'npx -y portcullis@0.1.0', force: true }, (s) => (o += s), (s) => (e += s)), `${f}: ${e}`).toBe(0);
    }
    // Backups kept; comments in JSONC kept; env kept.
    expect(readdirSync(path.dirname(settings)).some((n) => /^settings\.json\.bak-\d{8}T\d{6}Z$/.test(n))).toBe(true);
    const after = readFileSync(settings, 'utf8');
    expect(after).toContain('// browser automation');
    expect(after).toContain('/* MCP servers for agent mode */');
    const codex = readFileSync(path.join(home, '.codex', 'config.toml'), 'utf8');
    expect(codex).toContain('model = "o4-mini"');
    expect(codex).toContain('args = ["-y", "portcullis@0.1.0", "stdio", "--name", "openai-tools", "--", "uvx", "openai-mcp"]');
    const cursor = JSON.parse(readFileSync(path.join(home, '.cursor', 'mcp.json'), 'utf8')) as { mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }> };
    expect(cursor.mcpServers.slack).toEqual({
      command: 'npx',
      args: ['-y', 'portcullis@0.1.0', 'stdio', '--name', 'slack', '--', 'npx', '-y', '@modelcontextprotocol/server-slack'],
      env: { SLACK_BOT_TOKEN: 'xoxb-1234567890-1234567890123-0a1B2c3D4e5F6g7H8i9J0kLm', SLACK_TEAM_ID: 'T01234567' },
    });
    const zed = discover({ root: home }).servers.find((s) => s.name === 'git')!;
    expect(zed.shape).toBe('zed-command-object');
    expect(zed.command).toBe('npx');

    const r = await scanMachine({ root: home });
    for (const s of r.servers) {
      expect(s.routed, s.name).toBe(s.command !== undefined || EXPECTED[s.name]!.routed === true);
      if (s.command) expect(s.shadow).toBe(false);
    }
    // The wrapped servers still carry their own findings (the unpinned package behind the wrapper).
    const fsrv = r.servers.find((s) => s.name === 'filesystem')!;
    expect(fsrv.findings.map((f) => f.category)).toEqual(['supply_chain']);

    // Idempotent: a second wrap changes nothing.
    for (const f of files) {
      let o = '';
      const text = readFileSync(f, 'utf8');
      runWrap(f, { portcullisCmd: 'npx -y portcullis@0.1.0', force: true }, (s) => (o += s), () => {});
      expect(readFileSync(f, 'utf8'), f).toBe(text);
      expect(o).not.toContain('wrapped:');
    }
  });

  it('--connect starts each server, lists its tools and runs the poisoning scanner on them (MCP03)', async () => {
    const home = tempDir('pcx-connect-');
    const node = process.execPath;
    const cursorDir = path.join(home, '.cursor');
    mkdirSync(cursorDir, { recursive: true });
    writeFileSync(
      path.join(cursorDir, 'mcp.json'),
      JSON.stringify({
        mcpServers: {
          poisoned: { command: node, args: [fixtureServer('poisoned')] },
          clean: { command: node, args: [path.join(REPO, 'test', 'fixtures', 'conformant.mjs')] },
          broken: { command: node, args: ['-e', 'process.exit(3)'] },
        },
      }),
    );
    const r = await scanMachine({ root: home, connect: true, connectTimeoutMs: 10_000 });
    const by = Object.fromEntries(r.servers.map((s) => [s.name, s]));
    const poisoned = by.poisoned!.findings.filter((f) => f.category === 'tool_poisoning');
    expect(poisoned.length).toBeGreaterThan(0);
    expect(poisoned.some((f) => f.message.startsWith('[MCP03] tool add:'))).toBe(true);
    expect(by.poisoned!.findings.some((f) => f.category === 'tools' && f.message.includes('add'))).toBe(true);
    expect(by.clean!.findings.filter((f) => f.category === 'tool_poisoning')).toEqual([]);
    expect(by.broken!.findings.some((f) => f.category === 'connect')).toBe(true);
  });
});

it('the fixture gateway config parses', () => {
  expect(() => parseConfigText(readFileSync(path.join(FIXTURE_HOME, 'portcullis.yaml'), 'utf8'))).not.toThrow();
  expect(existsSync(path.join(FIXTURE_HOME, '.claude.json'))).toBe(true);
});
