/** The shipped example policies and their cases stay green, through the real CLI commands. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { parseCases, runCases } from '../../src/policy/cases.js';
import { register } from '../../src/cli/policy.js';

const DIR = path.resolve(__dirname, '../../examples/policies');
const CONFIG = path.join(DIR, 'portcullis.yaml');

async function cli(args: string[]): Promise<{ out: string; code: number }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  process.exitCode = 0;
  try {
    const program = new Command().exitOverride();
    register(program);
    await program.parseAsync(['node', 'portcullis', ...args]);
  } finally {
    spy.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, code };
}

afterEach(() => vi.restoreAllMocks());

describe('examples/policies', () => {
  test('every case in cases.yaml passes', async () => {
    const { config } = await loadConfig(CONFIG);
    const engine = await PolicyEngine.create({ policy: config.policy!, baseDir: DIR, watch: false });
    const results = runCases(engine, parseCases(readFileSync(path.join(DIR, 'cases.yaml'), 'utf8')));
    engine.close();
    const failed = results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.problems.join('; ')}`);
    expect(failed).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(10);
  });

  test('policy test exits 0 on the shipped cases and 1 on a mismatch', async () => {
    const ok = await cli(['policy', 'test', '-c', CONFIG, '--cases', path.join(DIR, 'cases.yaml')]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/10 passed, 0 failed|\d+ passed, 0 failed/);
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const tmp = mkdtempSync(path.join((await import('node:os')).tmpdir(), 'pcx-cases-'));
    const bad = path.join(tmp, 'bad.yaml');
    writeFileSync(bad, 'cases:\n  - { name: wrong on purpose, principal: user:mallory, tool: everything__echo, expect: allow }\n');
    const ko = await cli(['policy', 'test', '-c', CONFIG, '--cases', bad]);
    expect(ko.code).toBe(1);
    expect(ko.out).toContain('✗ wrong on purpose');
  });

  test('policy compile prints the YAML rules as Cedar with @id annotations', async () => {
    const { out, code } = await cli(['policy', 'compile', '-c', CONFIG]);
    expect(code).toBe(0);
    expect(out).toContain('@id("alice-reads-project")');
    expect(out).toContain('context.normalized.path like "/srv/project/*"');
    expect(out).toContain('forbid');
    expect(out).not.toContain('no-git-internals'); // .cedar files only with --all
    const all = await cli(['policy', 'compile', '-c', CONFIG, '--all']);
    expect(all.out).toContain('no-git-internals');
  });

  test('policy explain names the deciding policy and shows the normalised path', async () => {
    const { out } = await cli([
      'policy', 'explain', '-c', CONFIG, '--principal', 'user:alice',
      '--tool', 'filesystem__read_text_file', '--args', '{"path":"/srv/project/.git/config"}',
    ]);
    expect(out).toContain('decision: DENY');
    expect(out).toContain('no-git-internals');
    expect(out).toContain('filesystem.cedar');
    const trav = await cli([
      'policy', 'explain', '-c', CONFIG, '--principal', 'user:alice',
      '--tool', 'filesystem__read_text_file', '--args', '{"path":"/srv/project/../../etc/passwd"}',
    ]);
    expect(trav.out).toContain('"normalized":{"path":"/etc/passwd"}');
    expect(trav.out).toContain('default deny');
  });
});
