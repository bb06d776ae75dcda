/**
 * `portcullis eval [--corpus DIR ...] [--json]`: precision / recall / F1 / benign FP rate of the
 * detectors per category and per corpus file, plus throughput. Always exits 0 (it is a report).
 *
 * Default corpora: `../shared/corpus` next to the repository, and the repository's `test/corpus`.
 */
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';

/** Repository root: this file is `src/cli/eval.ts` or `dist/cli/eval.js`. */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export function defaultCorpusDirs(root = repoRoot()): string[] {
  return [resolve(root, '..', 'shared', 'corpus'), resolve(root, 'test', 'corpus')];
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('score the detectors on labelled JSONL corpora (precision, recall, F1, benign FP rate, MB/s)')
    .option('--corpus <dir>', 'corpus directory with *.jsonl files (repeatable; default: ../shared/corpus and test/corpus)', collect, [] as string[])
    .option('--json', 'machine-readable report')
    .option('--no-throughput', 'skip the throughput measurement')
    .action(async (opts: { corpus: string[]; json?: boolean; throughput: boolean }) => {
      const { runEval, formatReport } = await import('../detect/eval.js');
      const { detectText, detectTool } = await import('../detect/index.js');
      const dirs = opts.corpus.length > 0 ? opts.corpus.map((d) => resolve(d)) : defaultCorpusDirs();
      const report = runEval({ dirs, detectors: { detectText, detectTool: detectTool as never }, throughput: opts.throughput });
      if (opts.json) process.stdout.write(JSON.stringify({ dirs, ...report }, null, 2) + '\n');
      else {
        process.stdout.write(`Corpora: ${dirs.join(', ')}\n\n`);
        process.stdout.write(formatReport(report));
      }
      process.exitCode = 0;
    });
}
