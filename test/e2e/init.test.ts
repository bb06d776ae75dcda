/**
 * `portcullis init` on a machine with Claude Desktop, Claude Code, Cursor, VS Code, … configs
 * (test/fixtures/home, with made-up credentials in them): a starter portcullis.yaml with those
 * servers, no credential copied (each a `${env:…}` reference, listed in the next steps), API keys
 * on, a policy allowing what is configured, a file `config check` accepts once the variables are set.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { discover } from '../../src/registry/discovery.js';
import { ROOT } from '../helpers/gateway.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');

function fakeHome(): string {
  const home = mkdtempSync(path.join(os.tmpdir(), 'pcx-init-home-'));
  dirs.push(home);
  cpSync(path.join(ROOT, 'test', 'fixtures', 'home'), home, { recursive: true });
  rmSync(path.join(home, 'portcullis.yaml'));
  return home;
}

function cli(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH, HOME: env.HOME, ...env }, encoding: 'utf8' });
}

/** Every literal credential-looking value in the fixture configs (env, headers, args, URLs). */
function credentialValues(home: string): string[] {
  const out: string[] = [];
  for (const s of discover({ root: home }).servers) {
    for (const [k, v] of [...Object.entries(s.env), ...Object.entries(s.headers)]) if (/token|key|secret|pass|auth/i.test(k) && !/^\$\{/.test(v) && !/\$\{/.test(v.replace(/^Bearer /, ''))) out.push(v.replace(/^Bearer /, ''));
    for (const a of s.args) if (/^--?[\w-]*(key|token)[\w-]*=/i.test(a) || /:\/\/[^/]*:[^@/]+@/.test(a)) out.push(a.split('=').slice(1).join('=') || a);
  }
  return out.filter((v) => v.length >= 8);
}

describe('portcullis init', () => {
  it('writes a starter config from the clients on the machine, with no credential copied', () => {
    const home = fakeHome();
    const work = mkdtempSync(path.join(os.tmpdir(), 'pcx-init-work-'));
    dirs.push(work);
    const r = cli(work, { HOME: home }, 'init', '--root', home);
    expect(r.status, r.stderr).toBe(0);
    const file = path.join(work, 'portcullis.yaml');
    const text = readFileSync(file, 'utf8');
    expect(statSync(file).mode & 0o077).toBe(0);

    // The servers of Claude Desktop, Claude Code, Cursor and VS Code (user and project configs).
    const config = parse(text) as { auth: { apiKeys: boolean }; mcpServers: Record<string, { command?: string; url?: string; env?: Record<string, string>; headers?: Record<string, string> }>; policy: { allow: Array<{ tools: string[] }> } };
    for (const n of ['filesystem', 'github', 'slack', 'brave-search', 'playwright', 'linear', 'stripe', 'everything']) expect(Object.keys(config.mcpServers)).toContain(n);
    // The one already routed through Portcullis is left out.
    expect(Object.keys(config.mcpServers)).not.toContain('gateway');
    expect(r.stdout).toMatch(/left out gateway .*points at a Portcullis listener/);

    // Credentials: none copied; each a reference, named in the next steps.
    const creds = credentialValues(home);
    expect(creds.length).toBeGreaterThan(5);
    for (const c of creds) expect(text, `credential copied: ${c.slice(0, 6)}…`).not.toContain(c);
    expect(config.mcpServers.slack!.env).toEqual({ SLACK_BOT_TOKEN: '${env:SLACK_BOT_TOKEN}', SLACK_TEAM_ID: 'T01234567' });
    expect(config.mcpServers.linear!.headers).toEqual({ Authorization: 'Bearer ${LINEAR_API_TOKEN}' });
    expect(config.mcpServers.everything!.env).toEqual({ API_KEY: '${env:API_KEY}' }); // was a VS Code ${input:api-key}
    expect(r.stdout).toContain('export SLACK_BOT_TOKEN=…');
    expect(r.stdout).toContain('export API_KEY=…');

    // API keys on; the policy allows every configured server; next steps name wrap and the HTTP URL.
    expect(config.auth.apiKeys).toBe(true);
    expect(config.policy.allow[0]!.tools).toEqual(Object.keys(config.mcpServers).map((n) => `${n}__*`));
    expect(r.stdout).toContain('http://127.0.0.1:7400/mcp');
    expect(r.stdout).toContain(`portcullis wrap ${path.join(home, '.cursor', 'mcp.json')}`);

    // config check: an error naming each unset variable, then OK once they are set.
    const unset = cli(work, { HOME: home }, 'config', 'check', '-c', file);
    expect(unset.status).toBe(1);
    expect(unset.stderr).toMatch(/portcullis\.yaml:\d+: environment variable SLACK_BOT_TOKEN is not set/);
    const vars = Object.fromEntries([...r.stdout.matchAll(/export ([A-Z0-9_]+)=/g)].map((m) => [m[1]!, 'set-for-test']));
    const ok = cli(work, { HOME: home, ...vars }, 'config', 'check', '-c', file);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/: OK \(\d+ servers: /);
    // The policy compiles (Cedar) with those servers.
    const pol = cli(work, { HOME: home, ...vars }, 'policy', 'compile', '-c', file);
    expect(pol.status, pol.stderr).toBe(0);
  }, 60_000);

  it('--dry-run prints the file and writes nothing; an existing file is not overwritten without --force', () => {
    const home = fakeHome();
    const work = mkdtempSync(path.join(os.tmpdir(), 'pcx-init-work-'));
    dirs.push(work);
    const dry = cli(work, { HOME: home }, 'init', '--root', home, '--dry-run');
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('mcpServers:');
    expect(dry.stdout).toContain('SLACK_BOT_TOKEN: ${env:SLACK_BOT_TOKEN}');
    expect(existsSync(path.join(work, 'portcullis.yaml'))).toBe(false);

    writeFileSync(path.join(work, 'portcullis.yaml'), 'auth: none\n');
    const again = cli(work, { HOME: home }, 'init', '--root', home);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('exists; use --force');
    expect(readFileSync(path.join(work, 'portcullis.yaml'), 'utf8')).toBe('auth: none\n');
    expect(cli(work, { HOME: home }, 'init', '--root', home, '--force').status).toBe(0);
    expect(readFileSync(path.join(work, 'portcullis.yaml'), 'utf8')).toContain('mcpServers:');
  }, 60_000);
});
