/**
 * `portcullis eval [--corpus DIR ...] [--json]`: precision / recall / F1 / benign FP rate of the
 * detectors per category and per corpus file, plus throughput. Always exits 0 (it is a report).
 *
 * Default corpora: `../shared/corpus` next to the repository, and the repository's `test/corpus`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';

/** Repository root: this file is `src/cli/eval.ts` or `dist/cli/eval.js`. */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** The development corpus: `shared/corpus` next to the repository or next to one of its parents (git worktrees). */
export function sharedCorpusDir(root = repoRoot()): string {
  const cands = [resolve(root, '..', 'shared', 'corpus'), resolve(root, '..', '..', 'shared', 'corpus')];
  return cands.find((d) => existsSync(d)) ?? cands[0]!;
}

export function defaultCorpusDirs(root = repoRoot()): string[] {
  return [sharedCorpusDir(root), resolve(root, 'test', 'corpus')];
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
    .option('--no-heldout', 'skip the leave-one-source-out and leave-one-family-out retraining')
    .action(async (opts: { corpus: string[]; json?: boolean; throughput: boolean; heldout: boolean }) => {
      const ev = await import('../detect/eval.js');
      const { detectText, detectTool, TEXT_DETECTORS } = await import('../detect/index.js');
      const dirs = opts.corpus.length > 0 ? opts.corpus.map((d) => resolve(d)) : defaultCorpusDirs();
      const report = ev.runEval({ dirs, detectors: { detectText, detectTool: detectTool as never }, throughput: opts.throughput });
      const heldOut = opts.heldout
        ? [await ev.runHeldOut(dirs, { detectText, detectTool: detectTool as never }, 'source'), await ev.runHeldOut(dirs, { detectText, detectTool: detectTool as never }, 'family')]
        : [];
      let perDetector: Record<string, Record<string, number>> | undefined;
      if (opts.throughput) {
        const items = ev.corpusFiles(dirs).flatMap((p) => ev.loadCorpusFile(p).items);
        const sets = ev.throughputSets(items);
        perDetector = {};
        const dets: [string, (t: string) => unknown][] = [...TEXT_DETECTORS.map((d) => [d.id, (t: string) => d.detect(t)] as [string, (t: string) => unknown]), ['all', (t: string) => detectText(t)]];
        for (const [id, fn] of dets) {
          perDetector[id] = {};
          for (const [k, texts] of Object.entries(sets)) perDetector[id]![k] = Math.round(ev.measureThroughput(fn, texts, 600)!.mbPerSec * 10) / 10;
        }
      }
      if (opts.json) process.stdout.write(JSON.stringify({ dirs, ...report, heldOut, throughputPerDetector: perDetector }, null, 2) + '\n');
      else {
        process.stdout.write(`Corpora: ${dirs.join(', ')}\n\nIn-sample (the shipped scorer was trained on these files, except the eval-only challenge sets, which it has never seen)\n`);
        process.stdout.write(ev.formatReport(report));
        for (const h of heldOut) process.stdout.write('\n' + ev.formatHeldOut(h));
        if (perDetector) {
          process.stdout.write('\nThroughput MB/s (CPU, best pass)   mixed   prose    json\n');
          for (const [id, r] of Object.entries(perDetector)) process.stdout.write(`${id.padEnd(32)} ${String(r.mixed).padStart(7)} ${String(r.prose).padStart(7)} ${String(r.json).padStart(7)}\n`);
        }
      }
      process.exitCode = 0;
    });
}
