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
  /** Gold spans (character offsets into `text`), when the corpus gives them. Used by training only. */
  spans?: { start: number; end: number }[];
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
  const spans = Array.isArray(r.spans) ? r.spans.filter((x): x is { start: number; end: number } => typeof x?.start === 'number' && typeof x?.end === 'number') : undefined;
  return { id: String(r.id), type, text: r.text, tool: r.tool, labels, source: typeof r.source === 'string' ? r.source : undefined, ...(spans?.length ? { spans } : {}), file };
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

// ------------------------------------------------------------------------------------------------
// Held-out evaluation of the learned scorer: leave one source (or one generator family) out,
// retrain without it, score it.

export type GroupBy = 'source' | 'family';

/** The group an item is held out with: its source, or for generated items the generator and its attack family. */
export function groupOf(it: CorpusItem & { meta?: Record<string, unknown> }, by: GroupBy): string {
  const src = it.source ?? 'unknown';
  if (by === 'source') return src;
  const m = it.meta ?? {};
  if (typeof m.generator !== 'string') return src;
  const fam = m.attack ?? m.container ?? m.kind ?? 'other';
  return `${m.generator}:${typeof fam === 'string' ? fam : 'other'}`;
}

export interface HeldOutReport {
  by: GroupBy;
  categories: Partial<Record<EvalCategory, Metrics>>;
  groups: Record<string, Partial<Record<EvalCategory, Metrics>>>;
  folds: number;
  seconds: number;
}

const MODEL_CATS: Record<'injection' | 'poisoning', EvalCategory> = { injection: 'prompt_injection', poisoning: 'tool_poisoning' };

/**
 * For each group: train both scorers on every other group (threshold picked by CV inside the
 * training part), score the group's items with the full detectors (rules + retrained scorer).
 * Only the learned categories (prompt_injection, tool_poisoning) are reported: the other detectors
 * have no training step.
 */
export async function runHeldOut(dirs: readonly string[], detectors: Detectors, by: GroupBy): Promise<HeldOutReport> {
  const t0 = performance.now();
  const { trainModel } = await import('./train.js');
  const { setModelOverride } = await import('./model.js');
  const files = corpusFiles(dirs).map((p) => ({ path: p, ...loadCorpusFile(p) }));
  for (const f of files) {
    // keep meta for grouping (loadCorpusFile drops it)
    const raw = readFileSync(f.path, 'utf8').split('\n').filter((l) => l.trim());
    const metaById = new Map<string, unknown>();
    for (const l of raw) {
      try {
        const r = JSON.parse(l) as { id: unknown; meta?: unknown };
        metaById.set(String(r.id), r.meta);
      } catch {
        /* reported by loadCorpusFile */
      }
    }
    for (const it of f.items) (it as CorpusItem & { meta?: unknown }).meta = metaById.get(it.id);
  }
  const all = files.flatMap((f) => f.items);
  const catsOfFile = new Map(files.map((f) => [f.path, fileCategories(f.items)]));
  const total: Partial<Record<EvalCategory, Counts>> = {};
  const groups: Record<string, Partial<Record<EvalCategory, Counts>>> = {};
  const groupNames = [...new Set(all.map((i) => groupOf(i, by)))].sort();
  let folds = 0;
  try {
    for (const g of groupNames) {
      const held = files.flatMap((f) => f.items.filter((i) => groupOf(i, by) === g).map((i) => ({ i, cats: catsOfFile.get(f.path)! })));
      const learned = (['injection', 'poisoning'] as const).filter((n) => held.some((h) => h.cats.includes(MODEL_CATS[n])));
      if (learned.length === 0) continue;
      folds++;
      const rest = all.filter((i) => groupOf(i, by) !== g);
      const models = Object.fromEntries(learned.map((n) => [n, trainModel(rest, n)]));
      setModelOverride(models);
      for (const { i, cats } of held) {
        const pred = predictedCategories(i.type === 'tool' ? detectors.detectTool(i.tool as never) : detectors.detectText(i.text ?? ''));
        for (const n of learned) {
          const c = MODEL_CATS[n];
          if (!cats.includes(c)) continue;
          add((total[c] ??= zero()), goldPositive(i, c), pred.has(c));
          add(((groups[g] ??= {})[c] ??= zero()), goldPositive(i, c), pred.has(c));
        }
      }
    }
  } finally {
    setModelOverride(undefined);
  }
  const m = (x: Partial<Record<EvalCategory, Counts>>) =>
    Object.fromEntries(Object.entries(x).map(([k, v]) => [k, computeMetrics(v!)])) as Partial<Record<EvalCategory, Metrics>>;
  return { by, categories: m(total), groups: Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, m(v)])), folds, seconds: (performance.now() - t0) / 1000 };
}

export function formatHeldOut(r: HeldOutReport): string {
  const lines: string[] = [];
  const row = (name: string, m: Metrics) =>
    `${name.padEnd(46)} ${String(m.tp).padStart(4)} ${String(m.fp).padStart(4)} ${String(m.fn).padStart(4)} ${String(m.tn).padStart(4)}  ${pct(m.precision)} ${pct(m.recall)} ${pct(m.f1)} ${pct(m.benignFpr)}`;
  const title = r.by === 'source' ? 'Leave-one-source-out' : 'Leave-one-generator-family-out';
  lines.push(`${title} (scorer retrained without the held-out group; ${r.folds} folds, ${r.seconds.toFixed(0)} s)`, `${''.padEnd(46)}   TP   FP   FN   TN   prec%  rec%   F1%  bFPR%`);
  for (const c of EVAL_CATEGORIES) {
    const m = r.categories[c];
    if (m) lines.push(row(c, m));
  }
  for (const [g, cs] of Object.entries(r.groups)) for (const [c, m] of Object.entries(cs)) lines.push(row(`  ${g} ${c}`.slice(0, 46), m!));
  return lines.join('\n') + '\n';
}

/** Throughput texts: clean prose, one large JSON result, and the mixed corpus items. */
export function throughputSets(items: readonly CorpusItem[]): Record<'mixed' | 'prose' | 'json', string[]> {
  const PROSE = [
    'The quarterly report shows steady growth across all regions, with the northern office leading the way this year. ',
    'Meeting notes: we agreed to ship the release on Thursday once the final review passes; Ana will update the changelog. ',
    'Customers asked for clearer invoices, so the billing team redesigned the layout and added a summary table at the top. ',
    'The museum reopens in May after a two-year renovation that restored the original skylights and the mosaic floor. ',
    'Rainfall was below average in March, and reservoirs in the south are at sixty percent of their usual capacity. ',
  ];
  const prose: string[] = [];
  for (let i = 0; i < 400; i++) {
    let p = '';
    for (let k = 0; k < 20; k++) p += PROSE[(i * 7 + k * 3) % PROSE.length];
    prose.push(p);
  }
  const rows = [];
  for (let i = 0; i < 6000; i++) rows.push({ id: i, name: `item-${i}`, status: i % 3 ? 'active' : 'archived', price: (i * 1.37).toFixed(2), tags: ['alpha', 'beta', String(i % 17)], updated: `2026-03-${String((i % 28) + 1).padStart(2, '0')}T09:12:44Z`, note: PROSE[i % PROSE.length] });
  return { mixed: mixedTexts(items), prose, json: [JSON.stringify({ results: rows })] };
}
