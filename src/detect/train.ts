/**
 * Training of the learned scorer (`npm run train`) and the leave-one-source-out folds of
 * `npm run eval`. Pure TypeScript, deterministic (seeded shuffles), a few seconds on the corpus.
 *
 * Examples: injection — text items of the files that carry `prompt_injection` labels (long texts
 * split into windows; with a gold span, windows away from the attack are negatives), plus the other
 * text files' items as extra negatives at half weight; poisoning — tool items (`malicious_capability`
 * is a negative), each definition flattened by `toolModelText`.
 *
 * Optimiser: logistic loss, class-balanced weights, AdaGrad, L2. The decision threshold is picked by
 * 5-fold cross-validation inside the training data (best F1 with a benign false-positive rate of at
 * most 0.5 %, extra negatives included), so a leave-one-source-out fold never sees the held-out source at all.
 */
import type { CorpusItem } from './eval.js';
import { DIM, cueHits, featuresOf, modelViewWithMap, scoreView, sigmoid, dot, windows, type LinearModel, type SparseVec } from './model.js';
import { toolModelText, type ToolDefinition } from './poisoning.js';

export type ModelName = 'injection' | 'poisoning';

export interface Example {
  x: SparseVec;
  y: 0 | 1;
  weight: number;
  /** Index of the item the window came from. */
  item: number;
}

export interface ItemRef {
  item: CorpusItem;
  y: 0 | 1;
  weight: number;
}

/**
 * Sources that are scored but never trained or tuned on: fresh challenge sets written before a round of
 * detector changes, kept aside so their before/after figures stay honest (`npm run eval` still scores them,
 * in-sample and in their own leave-one-source-out fold).
 */
export const EVAL_ONLY_SOURCES: ReadonlySet<string> = new Set(['authored/challenge5', 'authored/challenge6', 'authored/challenge7', 'authored/challenge8', 'authored/challenge9', 'authored/challenge10']);

/** Does this item take part in training the model, and as what? */
export function itemRefs(items: readonly CorpusItem[], name: ModelName): ItemRef[] {
  const out: ItemRef[] = [];
  const injFiles = new Set(items.filter((i) => i.labels.includes('prompt_injection')).map((i) => i.file));
  for (const it of items) {
    if (EVAL_ONLY_SOURCES.has(it.source ?? '')) continue;
    if (name === 'poisoning') {
      if (it.type === 'tool') out.push({ item: it, y: it.labels.includes('tool_poisoning') ? 1 : 0, weight: 1 });
    } else if (it.type === 'text') {
      if (injFiles.has(it.file)) out.push({ item: it, y: it.labels.includes('prompt_injection') ? 1 : 0, weight: 1 });
      else if (it.labels.length === 0 || !it.labels.includes('prompt_injection')) out.push({ item: it, y: 0, weight: 0.5 });
    }
  }
  return out;
}

interface Span {
  start: number;
  end: number;
}

function rawText(it: CorpusItem): string {
  return it.type === 'tool' ? toolModelText(it.tool as ToolDefinition) : it.text ?? '';
}

/** Windows of one item as training examples. */
export function examplesOf(ref: ItemRef, index: number): Example[] {
  const text = rawText(ref.item);
  const v = modelViewWithMap(text);
  const spans = ((ref.item as CorpusItem & { spans?: Span[] }).spans ?? []).filter((s) => typeof s.start === 'number' && typeof s.end === 'number');
  const ws = windows(v.text.length);
  const cues = ws.length > 1 ? cueHits(v.text) : undefined;
  const out: Example[] = [];
  for (const [s, e] of ws) {
    let y = ref.y;
    if (ref.y === 1 && ws.length > 1 && spans.length > 0 && s < v.normLength) {
      const os = v.map(s), oe = v.map(Math.min(e, v.normLength));
      const overlaps = spans.some((sp) => sp.start < oe && sp.end > os);
      if (!overlaps) {
        // a window of a positive item away from the attack: benign text (skip the ones that touch it)
        const near = spans.some((sp) => sp.start < oe + 200 && sp.end > os - 200);
        if (near) continue;
        y = 0;
      }
    }
    out.push({ x: featuresOf(v.text, s, e, cues), y, weight: ref.weight, item: index });
  }
  return out;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TrainOptions {
  epochs?: number;
  l2?: number;
  lr?: number;
  seed?: number;
}

/** Fit a logistic regression on examples (threshold left at 0.5). */
export function fit(ex: readonly Example[], o: TrainOptions = {}): LinearModel {
  const epochs = o.epochs ?? 10, l2 = o.l2 ?? 1e-3, lr = o.lr ?? 0.3;
  const w = new Float32Array(DIM);
  const g2 = new Float32Array(DIM).fill(1e-6);
  let bias = 0, gb = 1e-6;
  const pos = ex.filter((e) => e.y === 1).reduce((a, e) => a + e.weight, 0);
  const neg = ex.filter((e) => e.y === 0).reduce((a, e) => a + e.weight, 0);
  const cw = [pos + neg === 0 ? 1 : (pos + neg) / (2 * Math.max(neg, 1e-9)), pos + neg === 0 ? 1 : (pos + neg) / (2 * Math.max(pos, 1e-9))];
  const order = ex.map((_, i) => i);
  const r = rng(o.seed ?? 17);
  const m: LinearModel = { bias, w, threshold: 0.5 };
  for (let ep = 0; ep < epochs; ep++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const k of order) {
      const e = ex[k]!;
      m.bias = bias;
      const p = sigmoid(dot(m, e.x));
      const g = (p - e.y) * e.weight * cw[e.y]!;
      for (let t = 0; t < e.x.idx.length; t++) {
        const a = e.x.idx[t]!;
        const gi = g * e.x.val[t]! + l2 * w[a]!;
        g2[a]! += gi * gi;
        w[a]! -= (lr * gi) / Math.sqrt(g2[a]!);
      }
      gb += g * g;
      bias -= (lr * g) / Math.sqrt(gb);
    }
  }
  m.bias = bias;
  return m;
}

/** Item-level probability: the best window. */
function itemScores(m: LinearModel, ex: readonly Example[], n: number): Float64Array {
  const s = new Float64Array(n);
  for (const e of ex) s[e.item] = Math.max(s[e.item]!, sigmoid(dot(m, e.x)));
  return s;
}

/**
 * Lowest decision threshold. In-distribution CV is over-confident: on held-out sources the benign
 * FPR at 0.5 was 13 % (injection) and 17 % (poisoning); from 0.9 up it is ~2 % with recall ~0.91.
 * This floor was read off the leave-one-source-out sweep (so LOSO figures are not fully unbiased
 * for this one number; challenge sets written after it are).
 */
export const THRESHOLD_FLOOR = 0.9;

/** Threshold with the best F1 whose benign FPR is at most `maxFpr` (on out-of-fold scores). */
export function pickThreshold(scores: ArrayLike<number>, ys: ArrayLike<number>, weights: ArrayLike<number>, maxFpr = 0.005): number {
  // when no threshold meets the FPR bound, the one with the fewest benign false positives (not a fixed 0.5: that
  // failed open, e.g. a leave-one-source-out fold whose hard negatives made every threshold miss the bound)
  let best = THRESHOLD_FLOOR, bestF1 = -1, fallback = THRESHOLD_FLOOR, fallbackFpr = Infinity;
  for (let th = THRESHOLD_FLOOR; th <= 0.981; th += 0.01) {
    let tp = 0, fp = 0, fn = 0, tn = 0;
    for (let i = 0; i < scores.length; i++) {
      if (weights[i]! < 1 && ys[i] === 1) continue; // extra negatives count for the FPR only
      const p = scores[i]! >= th;
      if (ys[i] === 1) p ? tp++ : fn++;
      else p ? fp++ : tn++;
    }
    const fpr = fp + tn === 0 ? 0 : fp / (fp + tn);
    const f1 = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
    if (fpr < fallbackFpr - 1e-9) {
      fallbackFpr = fpr;
      fallback = th;
    }
    if (fpr <= maxFpr && f1 > bestF1 + 1e-9) {
      bestF1 = f1;
      best = th;
    }
  }
  return Math.round((bestF1 < 0 ? fallback : best) * 1000) / 1000;
}

/** Train one model on items: 5-fold CV for the threshold, then a final fit on everything. */
export function trainModel(items: readonly CorpusItem[], name: ModelName, o: TrainOptions = {}): LinearModel {
  const refs = itemRefs(items, name);
  const ex = refs.flatMap((r, i) => examplesOf(r, i));
  const K = 5;
  const fold = (i: number) => {
    // fold by a hash of the id: stable, and an item's windows stay together
    let h = 2166136261;
    const id = refs[i]!.item.id;
    for (let k = 0; k < id.length; k++) h = Math.imul(h ^ id.charCodeAt(k), 16777619);
    return (h >>> 0) % K;
  };
  const oof = new Float64Array(refs.length);
  for (let k = 0; k < K; k++) {
    const m = fit(ex.filter((e) => fold(e.item) !== k), o);
    const s = itemScores(m, ex.filter((e) => fold(e.item) === k), refs.length);
    for (let i = 0; i < refs.length; i++) if (fold(i) === k) oof[i] = s[i]!;
  }
  const model = fit(ex, o);
  model.threshold = pickThreshold(oof, refs.map((r) => r.y), refs.map((r) => r.weight));
  return model;
}

/** Score one item with a model (the same path as the detectors: model view, windows, best window). */
export function scoreItem(m: LinearModel, it: CorpusItem): number {
  return scoreView(m, modelViewWithMap(rawText(it)).text).p;
}
