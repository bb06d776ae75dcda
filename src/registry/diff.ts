/**
 * Readable diffs of definitions: pretty-printed canonical JSON compared line by line, printed
 * in unified-diff style (`---`/`+++` headers, `@@` hunks, 3 lines of context). A small LCS after
 * trimming the common head and tail; no library.
 */
import { prettyCanonicalJson } from './hash.js';

export type DiffOp = { op: ' ' | '-' | '+'; line: string };

/** Above this many cells the LCS table is skipped and the middle is shown as removed + added. */
const MAX_CELLS = 4_000_000;

export function diffLines(a: readonly string[], b: readonly string[]): DiffOp[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  const ops: DiffOp[] = a.slice(0, head).map((line) => ({ op: ' ', line }));
  const n = am.length;
  const m = bm.length;
  if (n * m > MAX_CELLS) {
    for (const line of am) ops.push({ op: '-', line });
    for (const line of bm) ops.push({ op: '+', line });
  } else {
    // lcs[i][j] = LCS length of am[i..] and bm[j..], flattened.
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = am[i] === bm[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (am[i] === bm[j]) {
        ops.push({ op: ' ', line: am[i]! });
        i++;
        j++;
      } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) {
        ops.push({ op: '-', line: am[i++]! });
      } else {
        ops.push({ op: '+', line: bm[j++]! });
      }
    }
    while (i < n) ops.push({ op: '-', line: am[i++]! });
    while (j < m) ops.push({ op: '+', line: bm[j++]! });
  }
  for (const line of a.slice(a.length - tail)) ops.push({ op: ' ', line });
  return ops;
}

export interface UnifiedDiffOptions {
  fromLabel?: string;
  toLabel?: string;
  context?: number;
}

/** Unified diff of two texts; the empty string when they are equal. */
export function unifiedDiff(before: string, after: string, opts: UnifiedDiffOptions = {}): string {
  if (before === after) return '';
  const context = opts.context ?? 3;
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = diffLines(a, b);
  const out: string[] = [`--- ${opts.fromLabel ?? 'before'}`, `+++ ${opts.toLabel ?? 'after'}`];
  // Group changes into hunks with `context` lines around them.
  const changed = ops.map((o) => o.op !== ' ');
  let k = 0;
  while (k < ops.length) {
    if (!changed[k]) {
      k++;
      continue;
    }
    const start = Math.max(0, k - context);
    let end = k;
    // extend while the next change is within 2*context lines
    for (;;) {
      while (end < ops.length && changed[end]) end++;
      let next = end;
      while (next < ops.length && !changed[next]) next++;
      if (next < ops.length && next - end <= 2 * context) {
        end = next;
        continue;
      }
      end = Math.min(ops.length, end + context);
      break;
    }
    // line numbers of the hunk start in a and b
    let aLine = 1;
    let bLine = 1;
    for (let x = 0; x < start; x++) {
      if (ops[x]!.op !== '+') aLine++;
      if (ops[x]!.op !== '-') bLine++;
    }
    const hunk = ops.slice(start, end);
    const aCount = hunk.filter((o) => o.op !== '+').length;
    const bCount = hunk.filter((o) => o.op !== '-').length;
    out.push(`@@ -${aCount === 0 ? aLine - 1 : aLine},${aCount} +${bCount === 0 ? bLine - 1 : bLine},${bCount} @@`);
    for (const o of hunk) out.push(`${o.op}${o.line}`);
    k = end;
  }
  return out.join('\n') + '\n';
}

function splitLines(s: string): string[] {
  if (s === '') return [];
  const lines = s.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Diff of two definitions as pretty canonical JSON. */
export function diffDefinitions(before: unknown, after: unknown, opts: UnifiedDiffOptions = {}): string {
  return unifiedDiff(prettyCanonicalJson(before) + '\n', prettyCanonicalJson(after) + '\n', opts);
}
