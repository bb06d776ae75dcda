/**
 * Installable from the clone: `npm pack` yields a package whose `portcullis` binary works from any
 * folder once `npm install -g` put it in a prefix. The tarball is packed and unpacked for real and
 * npm installs it globally into a temp prefix (bin shim and all); its dependencies are linked from
 * this checkout's node_modules rather than fetched, to keep the test offline and under a minute
 * (a full `npm install -g ./portcullis-*.tgz` fetches ~350 packages and takes minutes).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/gateway.js';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('npm pack → npm install -g → portcullis from any folder', () => {
  it('packs the CLI, schema, examples and docs (no sources or tests), installs a working `portcullis`', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'pcx-install-'));
    try {
      const packed = JSON.parse(execFileSync(NPM, ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: ROOT, encoding: 'utf8' })) as Array<{ filename: string; files: Array<{ path: string }> }>;
      const files = packed[0]!.files.map((f) => f.path);
      for (const f of ['dist/cli/index.js', 'dist/gateway/runtime.js', 'schema/portcullis.schema.json', 'examples/demo/portcullis.yaml', 'policy/portcullis.cedarschema', 'docs/config.md', 'README.md', 'package.json']) expect(files).toContain(f);
      expect(files.filter((f) => /^(src|test)\/|__fixtures__|\.test\.js$/.test(f))).toEqual([]);
      expect(readFileSync(path.join(ROOT, 'dist', 'cli', 'index.js'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);

      const unpacked = path.join(tmp, 'unpacked');
      mkdirSync(unpacked);
      execFileSync('tar', ['-xzf', path.join(tmp, packed[0]!.filename), '-C', unpacked]);
      const pkg = path.join(unpacked, 'package');
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
      const prefix = path.join(tmp, 'prefix');
      execFileSync(NPM, ['install', '-g', '--prefix', prefix, '--offline', '--ignore-scripts', '--no-audit', '--no-fund', pkg], { cwd: tmp, encoding: 'utf8', stdio: 'pipe' });

      // From an unrelated folder, with only the prefix's bin and Node on PATH.
      const elsewhere = path.join(tmp, 'elsewhere');
      const cfgDir = path.join(tmp, 'configs');
      mkdirSync(elsewhere);
      mkdirSync(cfgDir);
      const env = { PATH: [path.join(prefix, 'bin'), path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter), HOME: tmp, PCX_TEST_TOKEN: 'x' };
      const run = (...args: string[]) => spawnSync('portcullis', args, { cwd: elsewhere, env, encoding: 'utf8' });

      const version = run('--version');
      expect(version.status, version.stderr).toBe(0);
      expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);

      writeFileSync(path.join(cfgDir, 'portcullis.yaml'), 'auth: { apiKeys: true }\nmcpServers:\n  memory:\n    command: mcp-server-memory\n    env: { TOKEN: "${PCX_TEST_TOKEN}", FILE: ./memory.jsonl }\n');
      const check = run('config', 'check', '-c', path.join(cfgDir, 'portcullis.yaml'));
      expect(check.status, check.stderr).toBe(0);
      expect(check.stdout).toBe(`${path.join(cfgDir, 'portcullis.yaml')}: OK (1 server: memory)\n`);

      writeFileSync(path.join(cfgDir, 'bad.yaml'), 'auth: none\nlisten:\n  port: "eighty"\n');
      const bad = run('config', 'check', '-c', path.join(cfgDir, 'bad.yaml'));
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain('bad.yaml:3: listen.port: expected a number, got a string "eighty"');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 90_000);
});
