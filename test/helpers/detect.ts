/**
 * Test support shared by the detector tests: CPU-time measurement for the linear-time checks and
 * corpus scoring. CPU time, not wall time, so other processes on a shared machine do not count.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** CPU milliseconds (user + system) of `fn`, the best of `rounds` runs. */
export function cpuMs(fn: () => void, rounds = 1): number {
  let best = Infinity;
  for (let k = 0; k < rounds; k++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000);
  }
  return best;
}

/** `unit` repeated to `n` characters. */
export function repeatTo(unit: string, n: number): string {
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

/**
 * CPU ms of `detect` on `unit` repeated to 64 KiB and to 1 MiB, the best of three runs each after a
 * warm-up. A linear detector takes about 16x as long on the big input; a quadratic one 256x.
 */
export function adversarialTimes(detect: (s: string) => unknown, unit: string, rounds = 3): { small: number; big: number } {
  const small = repeatTo(unit, 64 * 1024);
  const big = repeatTo(unit, 1024 * 1024);
  detect(small);
  return { small: cpuMs(() => detect(small), rounds), big: cpuMs(() => detect(big), rounds) };
}

/**
 * Fails when `detect` is super-linear on `unit` repeated to 1 MiB. The bound sits between linear
 * (16x) and quadratic (256x) with room for GC and a busy machine either side, and a 5 ms floor on
 * the small run so that a detector that is merely fast on 64 KiB cannot look quadratic (it may
 * then take up to 320 ms on 1 MiB, far from what a quadratic pattern costs there).
 */
export function expectLinearTime(detect: (s: string) => unknown, unit: string): void {
  const { small, big } = adversarialTimes(detect, unit);
  if (big > 2000 || big / Math.max(small, 5) > 64) {
    throw new Error(`super-linear on ${JSON.stringify(unit.slice(0, 40))}: ${small.toFixed(1)} ms on 64 KiB, ${big.toFixed(1)} ms on 1 MiB`);
  }
}

/** The shared development corpus file, when this checkout has `../shared/corpus` beside it. */
export function sharedCorpus(name: string): string | undefined {
  return [path.join(ROOT, '..', 'shared', 'corpus', name), path.join('/work/shared/corpus', name)].find((p) => existsSync(p));
}

export function ownCorpus(name: string): string {
  return path.join(ROOT, 'test', 'corpus', name);
}

export interface Score {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number;
  recall: number;
  f1: number;
  /** Benign false-positive rate. */
  fpr: number;
}

/** Score a JSONL corpus: `judge` says, per record, what the label is and what the detector predicts. */
export function scoreCorpus<T>(file: string, judge: (rec: T) => { gold: boolean; pred: boolean }): Score {
  const m = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const { gold, pred } = judge(JSON.parse(line) as T);
    if (gold && pred) m.tp++;
    else if (gold) m.fn++;
    else if (pred) m.fp++;
    else m.tn++;
  }
  return {
    ...m,
    precision: m.tp / Math.max(1, m.tp + m.fp),
    recall: m.tp / Math.max(1, m.tp + m.fn),
    f1: (2 * m.tp) / Math.max(1, 2 * m.tp + m.fp + m.fn),
    fpr: m.fp / Math.max(1, m.fp + m.tn),
  };
}
