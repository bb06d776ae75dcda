/**
 * Decoded views of text, so a detector sees what an encoding or an obfuscation hides:
 *
 * - `invisible`: zero-width / bidi / tag / variation-selector characters removed (`AK\u200bIA…`);
 * - `spaced`: a secret spelled out with one separator between characters (`A K I A …`, `A-K-I-A`);
 * - `base64` / `hex`: each run of 16+ characters in those alphabets decoded, when the bytes are text;
 * - `percent`: percent-escapes decoded (`%41%4B%49%41…`);
 * - across strings: the concatenation of several strings (a secret split over fields).
 *
 * Every view keeps a way back to the source: a finding at [start, end) of a view becomes spans of
 * the original strings (for decoded runs: the whole run), so a result can be redacted where the
 * secret really sits. Linear in the input; cheap gates first (most text builds no view at all):
 * nothing here stops after N items, so padding cannot push a payload out of sight.
 */
import { isInvisibleCodePoint } from './normalize.js';
import type { Finding } from './types.js';

/** A span of one of the original strings. */
export interface SourceSpan {
  index: number;
  start: number;
  end: number;
}

export interface View {
  kind: 'raw' | 'invisible' | 'spaced' | 'base64' | 'hex' | 'percent' | 'joined';
  text: string;
  /** The source spans a [start, end) of this view covers. */
  back(start: number, end: number): SourceSpan[];
}

const MIN_RUN = 16;

/** Printable text (what a secret decodes to): ≥ 90 % printable ASCII / whitespace. */
function isText(s: string): boolean {
  if (s.length < 8) return false;
  let ok = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13) ok++;
  }
  return ok / s.length >= 0.9;
}

/** A view built by dropping / keeping characters: `keep[i]` = source index of view char i. */
function mapped(kind: View['kind'], text: string, keep: ArrayLike<number>, index: number): View {
  return {
    kind,
    text,
    back(start, end) {
      if (end <= start || keep.length === 0) return [];
      const s = keep[Math.min(start, keep.length - 1)]!;
      const e = keep[Math.min(end - 1, keep.length - 1)]! + 1;
      return [{ index, start: s, end: e }];
    },
  };
}

/**
 * Builds a view from runs of the source and replacement characters, with its index map in an
 * Int32Array: linear, and no per-character string or array growth (a 1 MB text used to cost a
 * million-element array and a million string appends per view).
 */
class ViewBuilder {
  private parts: string[] = [];
  keep: Int32Array;
  len = 0;
  constructor(private readonly src: string) {
    this.keep = new Int32Array(src.length + 1);
  }
  /** Copy src[from, to) unchanged. */
  run(from: number, to: number): void {
    if (to <= from) return;
    this.parts.push(this.src.slice(from, to));
    this.reserve(to - from);
    for (let i = from; i < to; i++) this.keep[this.len++] = i;
  }
  /** One character standing for source index `at`. */
  char(ch: string, at: number): void {
    this.parts.push(ch);
    this.reserve(1);
    this.keep[this.len++] = at;
  }
  private reserve(n: number): void {
    if (this.len + n <= this.keep.length) return;
    const k = new Int32Array(Math.max(this.keep.length * 2, this.len + n));
    k.set(this.keep);
    this.keep = k;
  }
  text(): string {
    return this.parts.join('');
  }
  map(): Int32Array {
    return this.keep.subarray(0, this.len);
  }
}

function invisibleView(text: string, index: number): View | undefined {
  if (!INVISIBLE_GATE.test(text)) return undefined;
  let any = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xad && isInvisibleCodePoint(text.codePointAt(i)!)) {
      any = true;
      break;
    }
  }
  if (!any) return undefined;
  const b = new ViewBuilder(text);
  let from = 0;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c < 0xad) {
      i++;
      continue;
    }
    const cp = text.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    if (isInvisibleCodePoint(cp)) {
      b.run(from, i);
      from = i + w;
    }
    i += w;
  }
  b.run(from, text.length);
  return mapped('invisible', b.text(), b.map(), index);
}

/** Runs like `A K I A 1 2 …` or `A-K-I-A-…`: 12+ single characters with one separator between each (the reference for `spacedRuns`). */
export const SPACED_RUN = /(?<![A-Za-z0-9+/=_])(?:[A-Za-z0-9+/=_][ .\-·,|]){11,}[A-Za-z0-9+/=_]/g;

/**
 * Character classes of the run scanners, one table look-up per UTF-16 code unit (the scans read every
 * character of every string; a chain of range tests per character was most of their cost):
 * RUN_CHAR [A-Za-z0-9+/=_] and RUN_SEP [ .-·,|] (spaced runs), B64 [A-Za-z0-9+/_-] (base64(url) runs).
 */
const RUN_CHAR = 1, RUN_SEP = 2, B64 = 4;
const CLASS = (() => {
  const t = new Uint8Array(65536);
  const add = (chars: string, bit: number) => {
    for (const ch of chars) t[ch.charCodeAt(0)]! |= bit;
  };
  const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  add(alnum + '+/=_', RUN_CHAR);
  add(' .-\u00b7,|', RUN_SEP);
  add(alnum + '+/_-', B64);
  return t;
})();
/** A character of a spaced run ([A-Za-z0-9+/=_]) and a separator between them ([ .-·,|]). */
const isRunChar = (c: number): boolean => (CLASS[c]! & RUN_CHAR) !== 0;
const isRunSep = (c: number): boolean => (CLASS[c]! & RUN_SEP) !== 0;

/**
 * The matches of SPACED_RUN, found in one forward pass (the regex, tried at every position with its
 * lookbehind, was one of the largest costs on large results). At a run start it counts "char sep"
 * pairs; a match needs 11 and a final char (the regex backtracks one pair when the run ends on a
 * separator). A failed start is skipped to the end of its pairs: any later start inside has fewer.
 */
export function spacedRuns(text: string): Array<[start: number, end: number]> {
  const out: Array<[number, number]> = [];
  const n = text.length;
  for (let i = 0; i < n; ) {
    if (!isRunChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    if (i > 0 && isRunChar(text.charCodeAt(i - 1))) {
      // inside a word: no run starts before its end
      while (i < n && isRunChar(text.charCodeAt(i))) i++;
      continue;
    }
    let j = i;
    let pairs = 0;
    while (j + 1 < n && isRunChar(text.charCodeAt(j)) && isRunSep(text.charCodeAt(j + 1))) {
      j += 2;
      pairs++;
    }
    if (pairs >= 11 && j < n && isRunChar(text.charCodeAt(j))) {
      out.push([i, j + 1]);
      i = j + 1;
    } else if (pairs >= 12) {
      out.push([i, j - 1]); // the run ends on a separator: one pair back, its char ends the match
      i = j - 1;
    } else i = Math.max(i + 1, j);
  }
  return out;
}

function spacedView(text: string, index: number): View | undefined {
  const runs = spacedRuns(text);
  if (runs.length === 0) return undefined;
  const b = new ViewBuilder(text);
  let pos = 0;
  for (const [start, end] of runs) {
    b.run(pos, start);
    for (let i = start; i < end; i += 2) b.char(text[i]!, i);
    pos = end;
  }
  b.run(pos, text.length);
  return mapped('spaced', b.text(), b.map(), index);
}

const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** Every `%XX` decoded (as a byte → Latin-1 character), with a map back: linear. */
function percentView(text: string, index: number): View | undefined {
  if (!/%[0-9a-fA-F]{2}/.test(text)) return undefined;
  const b = new ViewBuilder(text);
  let from = 0;
  for (let i = text.indexOf('%'); i >= 0 && i < text.length; i = text.indexOf('%', i)) {
    if (i + 2 < text.length && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
      b.run(from, i);
      b.char(String.fromCharCode(parseInt(text.slice(i + 1, i + 3), 16)), i + 2); // the escape's last character (so an end maps past it; a start is moved back to its `%`)
      i += 3;
      from = i;
    } else i++;
  }
  b.run(from, text.length);
  const base = mapped('percent', b.text(), b.map(), index);
  return {
    ...base,
    back(start, end) {
      // start of an escape: its `%`; end: after its last hex digit
      const spans = base.back(start, end);
      for (const sp of spans) if (text[sp.start - 2] === '%' && /^[0-9a-fA-F]{2}$/.test(text.slice(sp.start - 1, sp.start + 1))) sp.start -= 2;
      return spans;
    },
  };
}

/** Decoded runs joined by newlines; a finding maps back to the run(s) it overlaps. */
function runsView(kind: 'base64' | 'hex' | 'percent', runs: Array<{ start: number; end: number; text: string }>, index: number): View | undefined {
  if (runs.length === 0) return undefined;
  let text = '';
  const offs: number[] = [];
  for (const r of runs) {
    offs.push(text.length);
    text += r.text + '\n';
  }
  return {
    kind,
    text,
    back(start, end) {
      const out: SourceSpan[] = [];
      for (let k = 0; k < runs.length; k++) {
        const a = offs[k]!;
        const b = a + runs[k]!.text.length;
        if (start < b && end > a) out.push({ index, start: runs[k]!.start, end: runs[k]!.end });
      }
      return out;
    },
  };
}

/** The reference for `b64Runs`. */
export const B64_RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;
const isB64Char = (c: number): boolean => (CLASS[c]! & B64) !== 0;

/** The matches of B64_RUN in one pass: every maximal run of 16+ base64(url) characters, with up to two `=` after it. */
export function b64Runs(text: string): Array<[start: number, end: number]> {
  const out: Array<[number, number]> = [];
  const n = text.length;
  for (let i = 0; i < n; ) {
    if (!isB64Char(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && isB64Char(text.charCodeAt(j))) j++;
    if (j - i >= 16) {
      let e = j;
      if (e < n && text.charCodeAt(e) === 61) e++;
      if (e < n && text.charCodeAt(e) === 61) e++;
      out.push([i, e]);
      i = e;
    } else i = j;
  }
  return out;
}
const HEX_RUN = /(?:[0-9a-fA-F]{2}){8,}/g;
const PCT_RUN = /(?:%[0-9a-fA-F]{2}|[^%\s]){0,64}(?:%[0-9a-fA-F]{2}[^%\s]{0,3}){4,}(?:[^%\s]{0,64})/g;

function decodedRuns(text: string): { b64: Array<{ start: number; end: number; text: string }>; hex: Array<{ start: number; end: number; text: string }>; pct: Array<{ start: number; end: number; text: string }> } {
  const b64: Array<{ start: number; end: number; text: string }> = [];
  const hex: Array<{ start: number; end: number; text: string }> = [];
  const pct: Array<{ start: number; end: number; text: string }> = [];
  for (const [start, end] of b64Runs(text)) {
    const run = text.slice(start, end);
    if (/^[0-9a-fA-F]+$/.test(run) && run.length % 2 === 0) {
      const s = Buffer.from(run, 'hex').toString('latin1');
      if (isText(s)) hex.push({ start, end, text: s });
      continue;
    }
    // base64 of text mixes upper case, lower case and digits; identifiers and paths mostly do not
    if (!/[0-9]/.test(run) || !/[A-Z]/.test(run) || !/[a-z]/.test(run)) continue;
    const clean = run.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
    if (clean.length % 4 === 1) continue;
    const s = Buffer.from(clean, 'base64').toString('latin1');
    if (isText(s)) b64.push({ start, end, text: s });
  }
  void HEX_RUN;
  void PCT_RUN;
  return { b64, hex, pct };
}

/** Cheap gate: could this string hide anything a view would reveal? (A superset of isInvisibleCodePoint's code points.) */
const GATE = /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ud834\udb40]|%[0-9a-fA-F]{2}|[A-Za-z0-9+/_-]{16}|(?:[A-Za-z0-9+/=_][ .\-·,|]){11}/;
const INVISIBLE_GATE = /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ud834\udb40]/;

/** The extra views of one string (the raw text is not included). */
export function viewsOf(text: string, index = 0): View[] {
  if (text.length < 12 || !GATE.test(text)) return [];
  const out: View[] = [];
  const inv = invisibleView(text, index);
  if (inv) out.push(inv);
  // a spaced-out secret may also carry invisible characters: space-collapse the cleaned text
  const sp = spacedView(inv ? inv.text : text, index);
  if (sp) out.push(inv ? compose(sp, inv) : sp);
  const pv = percentView(text, index);
  if (pv) out.push(pv);
  const { b64, hex, pct } = decodedRuns(text);
  for (const [kind, runs] of [['base64', b64], ['hex', hex], ['percent', pct]] as const) {
    const v = runsView(kind, runs, index);
    if (v) out.push(v);
  }
  return out;
}

/** A view of a view, mapped back to the original. */
function compose(outer: View, inner: View): View {
  return {
    kind: outer.kind,
    text: outer.text,
    back(start, end) {
      const out: SourceSpan[] = [];
      for (const s of outer.back(start, end)) out.push(...inner.back(s.start, s.end));
      return out;
    },
  };
}

const WINDOW = 256;

/**
 * Views across string boundaries (a secret split over fields): the concatenation of the strings,
 * cut to WINDOW characters on each side of every boundary, overlapping windows merged, so the
 * total size is at most the input plus 2·WINDOW: linear however many strings there are.
 */
export function boundaryViews(texts: readonly string[]): View[] {
  if (texts.length < 2) return [];
  const offs: number[] = [];
  let total = 0;
  for (const t of texts) {
    offs.push(total);
    total += t.length;
  }
  const ranges: Array<[number, number]> = [];
  for (let k = 1; k < texts.length; k++) {
    const b = offs[k]!;
    const a = Math.max(0, b - WINDOW);
    const e = Math.min(total, b + WINDOW);
    const last = ranges[ranges.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], e);
    else ranges.push([a, e]);
  }
  // the string index at a joined offset (binary search)
  const at = (pos: number): number => {
    let lo = 0;
    let hi = texts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (offs[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  // A secret starting right at a string that follows a word character needs a window of its own
  // that starts there (after a newline): detectors want a boundary before a token's prefix.
  const starts: Array<[number, number, string]> = [];
  for (let k = 1; k < texts.length; k++) {
    const prev = texts[k - 1]!;
    const cur = texts[k]!;
    if (cur.length < WINDOW && /\w$/.test(prev) && /^\w/.test(cur)) starts.push([offs[k]!, Math.min(total, offs[k]! + WINDOW), '\n']);
  }
  return [...ranges.map(([a, e]) => [a, e, ''] as [number, number, string]), ...starts].map(([a, e, pre]) => {
    let text = pre;
    for (let k = at(a); k < texts.length && offs[k]! < e; k++) {
      const t = texts[k]!;
      text += t.slice(Math.max(0, a - offs[k]!), Math.min(t.length, e - offs[k]!));
    }
    return {
      kind: 'joined' as const,
      text,
      back(start: number, end: number) {
        const out: SourceSpan[] = [];
        const s0 = a + Math.max(0, start - pre.length);
        const e0 = a + Math.max(0, end - pre.length);
        for (let k = at(s0); k < texts.length && offs[k]! < e0; k++) {
          const t = texts[k]!;
          const s = Math.max(0, s0 - offs[k]!);
          const e = Math.min(t.length, e0 - offs[k]!);
          if (e > s) out.push({ index: k, start: s, end: e });
        }
        return out;
      },
    };
  });
}

export interface ViewFinding {
  finding: Finding;
  spans: SourceSpan[];
  view: View['kind'];
}

/**
 * Run `detect` over every string, over the extra views of each, and over the concatenation of
 * all of them (and its views); findings from views are mapped back to the source strings. A
 * finding already reported at the same source position is not repeated.
 */
export function detectWithViews(texts: readonly string[], detect: (t: string) => Finding[], opts: { joined?: boolean } = {}): ViewFinding[] {
  const out: ViewFinding[] = [];
  const seen = new Set<string>();
  const add = (f: Finding, spans: SourceSpan[], view: View['kind']) => {
    if (spans.length === 0) return;
    const key = spans.map((s) => `${s.index}:${s.start}:${s.end}`).join('|');
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ finding: f, spans, view });
  };
  const run = (v: View) => {
    for (const f of detect(v.text)) if (f.start !== undefined && f.end !== undefined) add(f, v.back(f.start, f.end), v.kind);
  };
  for (let i = 0; i < texts.length; i++) {
    const t = texts[i]!;
    for (const f of detect(t)) {
      if (f.start !== undefined && f.end !== undefined) add(f, [{ index: i, start: f.start, end: f.end }], 'raw');
      else out.push({ finding: f, spans: [{ index: i, start: 0, end: t.length }], view: 'raw' });
    }
    for (const v of viewsOf(t, i)) run(v);
  }
  if (opts.joined !== false && texts.length > 1) {
    // only what crosses a boundary is new here (a finding inside one string was reported above)
    const runCross = (v: View) => {
      for (const f of detect(v.text)) {
        if (f.start === undefined || f.end === undefined) continue;
        const spans = v.back(f.start, f.end);
        if (new Set(spans.map((x) => x.index)).size > 1) add(f, spans, 'joined');
      }
    };
    for (const j of boundaryViews(texts)) {
      runCross(j);
      for (const v of viewsOf(j.text, 0)) runCross(compose(v, j));
    }
  }
  return out;
}
