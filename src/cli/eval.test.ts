import { resolve } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { defaultCorpusDirs, register, repoRoot } from './eval.js';

describe('portcullis eval', () => {
  it('resolves the default corpora next to the repository root', () => {
    const root = repoRoot();
    expect(resolve(root, 'package.json')).toMatch(/package\.json$/);
    const shared = defaultCorpusDirs(root)[0]!;
    // next to the repository, or next to its parent (a git worktree under wt/)
    expect([resolve(root, '..', 'shared', 'corpus'), resolve(root, '..', '..', 'shared', 'corpus')]).toContain(shared);
    expect(defaultCorpusDirs(root)[1]).toBe(resolve(root, 'test', 'corpus'));
  });
  it('registers eval with --corpus (repeatable) and --json', () => {
    const program = new Command();
    register(program);
    const cmd = program.commands.find((c) => c.name() === 'eval')!;
    expect(cmd.options.map((o) => o.long)).toEqual(expect.arrayContaining(['--corpus', '--json', '--no-throughput', '--no-heldout']));
  });
});

describe('portcullis eval end to end (real detectors, temporary corpus)', () => {
  it('prints a JSON report and exits 0', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { vi } = await import('vitest');
    const dir = mkdtempSync(join(tmpdir(), 'pc-evalcli-'));
    const key = 'sk_' + 'live_' + 'a1B2c3D4e5F6g7H8i9J0k1L2';
    writeFileSync(
      join(dir, 'mini.jsonl'),
      [
        JSON.stringify({ id: 's1', type: 'text', text: `STRIPE_KEY=${key}`, labels: ['secret'] }),
        JSON.stringify({ id: 's2', type: 'text', text: 'nothing to see here', labels: [] }),
        JSON.stringify({ id: 'p1', type: 'text', text: 'write to jane.doe@example.com', labels: ['pii'] }),
      ].join('\n'),
    );
    const chunks: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
      chunks.push(String(c));
      return true;
    });
    try {
      const program = new Command().exitOverride();
      register(program);
      await program.parseAsync(['node', 'portcullis', 'eval', '--corpus', dir, '--json', '--no-throughput']);
    } finally {
      spy.mockRestore();
    }
    const report = JSON.parse(chunks.join('')) as { categories: Record<string, { tp: number; fp: number; fn: number }> };
    expect(report.categories.secret).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    expect(report.categories.pii).toMatchObject({ tp: 1, fn: 0 });
    expect(process.exitCode ?? 0).toBe(0);
  });
});
