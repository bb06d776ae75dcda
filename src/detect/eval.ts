/**
 * Batch evaluation of the detectors on labelled JSONL corpora (`portcullis eval`, `npm run eval`).
 *
 * Record format (see shared/corpus/README.md): `{"id", "type": "text"|"tool", "text"|"tool", "labels": [...]}`.
 * An item is predicted positive for a category when the detector output for it has a finding of
 * that category with severity ≥ medium (text items: `detectText`, all detectors; tool items:
 * `detectTool`). `malicious_capability` counts as a negative for `tool_poisoning`.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SEVERITY_RANK, type Finding } from './types.js';

export const EVAL_CATEGORIES = ['prompt_injection', 'tool_poisoning', 'secret', 'pii'] as const;
export type EvalCategory = (typeof EVAL_CATEGORIES)[number];

export interface CorpusItem {
  id: string;
  type: 'text' | 'tool';
  text?: string;
  tool?: unknown;
  labels: string[];
  source?: string;
  /** The file the item came from (basename). */
  file: string;
}

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface Metrics extends Counts {
  n: number;
  precision: number;
  recall: number;
  f1: number;
  /** FP / (FP + TN): how often a benign item is flagged. */
  benignFpr: number;
}

/** Precision, recall, F1 and benign false-positive rate from confusion counts (0 when undefined). */
export function computeMetrics(c: Counts): Metrics {
  const precision = c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp);
  const recall = c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  const benignFpr = c.fp + c.tn === 0 ? 0 : c.fp / (c.fp + c.tn);
  return { ...c, n: c.tp + c.fp + c.fn + c.tn, precision, recall, f1, benignFpr };
}

/** Categories a list of findings predicts (severity ≥ medium). */
export function predictedCategories(findings: readonly Finding[], minSeverity: Finding['severity'] = 'medium'): Set<string> {
  const out = new Set<string>();
  for (const f of findings) if (SEVERITY_RANK[f.severity] >= SEVERITY_RANK[minSeverity]) out.add(f.category);
  return out;
}

/** Gold label for a category (`malicious_capability` is not tool poisoning). */
export function goldPositive(item: Pick<CorpusItem, 'labels'>, cat: EvalCategory): boolean {
  return item.labels.includes(cat);
}

/** Categories an item's file is scored on: those with a positive label anywhere in the file. */
export function fileCategories(items: readonly CorpusItem[]): EvalCategory[] {
  const cats = new Set<EvalCategory>();
  for (const it of items) for (const l of it.labels) if ((EVAL_CATEGORIES as readonly string[]).includes(l)) cats.add(l as EvalCategory);
  if (items.some((i) => i.labels.includes('malicious_capability'))) cats.add('tool_poisoning');
  return EVAL_CATEGORIES.filter((c) => cats.has(c));
}

/** `shared/injection.jsonl` or `test/corpus/injection.jsonl`: which corpus a row is about. */
function corpusLabel(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts.slice(-2).join('/').replace(/^corpus\//, parts.at(-3) === 'shared' ? 'shared/' : 'test/corpus/');
}

export function parseCorpusLine(line: string, file: string): CorpusItem | undefined {
  const t = line.trim();
  if (!t) return undefined;
  const r = JSON.parse(t) as Partial<CorpusItem> & { labels?: unknown };
  if (typeof r.id !== 'string' && typeof r.id !== 'number') throw new Error('missing id');
  const type = r.type === 'tool' ? 'tool' : 'text';
  if (type === 'text' && typeof r.text !== 'string') throw new Error(`${r.id}: text item without text`);
  if (type === 'tool' && (typeof r.tool !== 'object' || r.tool === null)) throw new Error(`${r.id}: tool item without tool`);
  const labels = Array.isArray(r.labels) ? r.labels.filter((x): x is string => typeof x === 'string') : [];
  return { id: String(r.id), type, text: r.text, tool: r.tool, labels, source: typeof r.source === 'string' ? r.source : undefined, file };
}

export function loadCorpusFile(path: string): { items: CorpusItem[]; errors: string[] } {
  const items: CorpusItem[] = [];
  const errors: string[] = [];
  const file = basename(path);
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((line, i) => {
    try {
      const it = parseCorpusLine(line, file);
      if (it) items.push(it);
    } catch (e) {
      errors.push(`${path}:${i + 1}: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  return { items, errors };
}

/** All `*.jsonl` files of the given directories (missing directories are skipped). */
export function corpusFiles(dirs: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    let names: string[];
    try {
      if (!statSync(d).isDirectory()) continue;
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names.sort()) if (n.endsWith('.jsonl')) out.push(join(d, n));
  }
  return out;
}

export interface Detectors {
  detectText(text: string): Finding[];
  detectTool(tool: never): Finding[];
}

export interface FileReport {
  path: string;
  file: string;
  items: number;
  errors: string[];
  categories: Partial<Record<EvalCategory, Metrics>>;
  bySource: Record<string, Partial<Record<EvalCategory, Metrics>>>;
}

export interface EvalReport {
  files: FileReport[];
  categories: Partial<Record<EvalCategory, Metrics>>;
  throughput?: { mbPerSec: number; bytes: number; seconds: number; items: number };
  misses: { file: string; id: string; category: EvalCategory; kind: 'fp' | 'fn' }[];
}

function add(a: Counts, gold: boolean, pred: boolean): void {
  if (gold && pred) a.tp++;
  else if (!gold && pred) a.fp++;
  else if (gold && !pred) a.fn++;
  else a.tn++;
}

const zero = (): Counts => ({ tp: 0, fp: 0, fn: 0, tn: 0 });

/** Score already-loaded items. `predict` returns the predicted categories of one item. */
export function scoreItems(
  files: { path: string; items: CorpusItem[]; errors: string[] }[],
  predict: (item: CorpusItem) => Set<string>,
): EvalReport {
  const total: Partial<Record<EvalCategory, Counts>> = {};
  const reports: FileReport[] = [];
  const misses: EvalReport['misses'] = [];
  for (const f of files) {
    const cats = fileCategories(f.items);
    const counts: Partial<Record<EvalCategory, Counts>> = {};
    const bySource: Record<string, Partial<Record<EvalCategory, Counts>>> = {};
    for (const it of f.items) {
      let pred: Set<string>;
      try {
        pred = predict(it);
      } catch {
        pred = new Set();
      }
      for (const c of cats) {
        const gold = goldPositive(it, c);
        const p = pred.has(c);
        add((counts[c] ??= zero()), gold, p);
        add((total[c] ??= zero()), gold, p);
        const src = it.source ?? 'unknown';
        add(((bySource[src] ??= {})[c] ??= zero()), gold, p);
        if (gold !== p) misses.push({ file: corpusLabel(f.path), id: it.id, category: c, kind: p ? 'fp' : 'fn' });
      }
    }
    const m = (x: Partial<Record<EvalCategory, Counts>>) =>
      Object.fromEntries(Object.entries(x).map(([k, v]) => [k, computeMetrics(v!)])) as Partial<Record<EvalCategory, Metrics>>;
    reports.push({
      path: f.path,
      file: corpusLabel(f.path),
      items: f.items.length,
      errors: f.errors,
      categories: m(counts),
      bySource: Object.fromEntries(Object.entries(bySource).map(([s, v]) => [s, m(v)])),
    });
  }
  const categories = Object.fromEntries(Object.entries(total).map(([k, v]) => [k, computeMetrics(v!)])) as Partial<Record<EvalCategory, Metrics>>;
  return { files: reports, categories, misses };
}

/** MB/s (UTF-8 bytes) of `detect` over `texts`, warm, best of several passes within ~`budgetMs`. */
export function measureThroughput(detect: (t: string) => unknown, texts: readonly string[], budgetMs = 1500): EvalReport['throughput'] {
  const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t, 'utf8'), 0);
  if (bytes === 0) return { mbPerSec: 0, bytes: 0, seconds: 0, items: 0 };
  for (const t of texts) detect(t); // warm-up: JIT and lazily built tables
  let best = Infinity;
  const deadline = performance.now() + budgetMs;
  let passes = 0;
  while (passes < 2 || (performance.now() < deadline && passes < 50)) {
    const t0 = performance.now();
    for (const t of texts) detect(t);
    best = Math.min(best, (performance.now() - t0) / 1000);
    passes++;
  }
  return { mbPerSec: bytes / 1e6 / best, bytes, seconds: best, items: texts.length };
}

export interface RunEvalOptions {
  dirs: readonly string[];
  detectors: Detectors;
  throughput?: boolean;
}

/** Mixed text for the throughput figure: every text item, and tool definitions as JSON text. */
export function mixedTexts(items: readonly CorpusItem[]): string[] {
  return items.map((i) => (i.type === 'text' ? i.text ?? '' : JSON.stringify(i.tool)));
}

export function runEval(opts: RunEvalOptions): EvalReport {
  const files = corpusFiles(opts.dirs).map((p) => ({ path: p, ...loadCorpusFile(p) }));
  const predict = (it: CorpusItem): Set<string> =>
    predictedCategories(it.type === 'tool' ? opts.detectors.detectTool(it.tool as never) : opts.detectors.detectText(it.text ?? ''));
  const report = scoreItems(files, predict);
  if (opts.throughput !== false) {
    const texts = mixedTexts(files.flatMap((f) => f.items));
    report.throughput = measureThroughput((t) => opts.detectors.detectText(t), texts);
  }
  return report;
}

const pct = (x: number) => (x * 100).toFixed(1).padStart(5);

export function formatReport(r: EvalReport): string {
  const lines: string[] = [];
  const row = (name: string, m: Metrics) =>
    `${name.padEnd(34)} ${String(m.tp).padStart(4)} ${String(m.fp).padStart(4)} ${String(m.fn).padStart(4)} ${String(m.tn).padStart(4)}  ${pct(m.precision)} ${pct(m.recall)} ${pct(m.f1)} ${pct(m.benignFpr)}`;
  const header = `${''.padEnd(34)}   TP   FP   FN   TN   prec%  rec%   F1%  bFPR%`;
  lines.push('Per category', header);
  for (const c of EVAL_CATEGORIES) {
    const m = r.categories[c];
    if (m) lines.push(row(c, m));
  }
  lines.push('', 'Per file', header);
  for (const f of r.files) {
    for (const [c, m] of Object.entries(f.categories)) lines.push(row(`${f.file} ${c}`, m!));
    if (Object.keys(f.categories).length === 0) lines.push(`${f.file}: no scored labels (${f.items} items)`);
    for (const e of f.errors.slice(0, 5)) lines.push(`  ${e}`);
    if (f.errors.length > 5) lines.push(`  ... ${f.errors.length - 5} more bad lines`);
  }
  if (r.throughput) {
    lines.push('', `Throughput: detectText (all detectors) ${r.throughput.mbPerSec.toFixed(1)} MB/s on ${r.throughput.items} mixed items (${(r.throughput.bytes / 1e6).toFixed(2)} MB)`);
  }
  return lines.join('\n') + '\n';
}
