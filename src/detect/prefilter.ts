/**
 * Prefilter: a conservative summary of a regex, computed from its source at module load.
 *
 * The regex is parsed (the subset of JS regex syntax the rules use) into a Thompson automaton in
 * which assertions (\b, ^, $, lookarounds) are empty moves and every bounded repeat is unbounded:
 * its language is a superset of the regex's. Walking it PREFILTER_DEPTH steps gives, per position,
 * the set of characters a match can have there, and how far a match must at least go. A text where
 * one of the first characters is outside its set cannot match, so the regex is not run there.
 *
 * Used by the injection rules (prefilter per trigger word), the meta scan, and the learned
 * scorer's cue scan (model.ts). Pure; no state.
 */

const PREFILTER_DEPTH = 6;
/** 5 words per position: bits of the ASCII characters (4 × 32), then 1 when any non-ASCII character may occur. */
export const SET_WORDS = 5;

export interface Prefilter {
  sets: Uint32Array;
  /** number of positions that must match (a match may end — or the analysis stops — after them) */
  depth: number;
}

type CharSet = Uint32Array;

function charSet(): CharSet {
  return new Uint32Array(SET_WORDS);
}
function setAdd(s: CharSet, c: number): void {
  if (c < 128) s[c >> 5]! |= 1 << (c & 31);
  else s[4] = 1;
}
function setUnion(a: CharSet, b: CharSet): void {
  for (let k = 0; k < SET_WORDS; k++) a[k]! |= b[k]!;
}
function setComplement(s: CharSet): CharSet {
  const out = charSet();
  for (let k = 0; k < 4; k++) out[k] = ~s[k]! >>> 0;
  out[4] = 1; // some non-ASCII character is always outside a class of ASCII + a few others
  return out;
}
function classEscape(ch: string): CharSet | undefined {
  const s = charSet();
  switch (ch) {
    case 'd':
      for (let c = 48; c <= 57; c++) setAdd(s, c);
      return s;
    case 'w':
      for (let c = 48; c <= 57; c++) setAdd(s, c);
      for (let c = 65; c <= 90; c++) setAdd(s, c);
      for (let c = 97; c <= 122; c++) setAdd(s, c);
      setAdd(s, 95);
      return s;
    case 's':
      for (const c of [9, 10, 11, 12, 13, 32]) setAdd(s, c);
      s[4] = 1; // U+00A0, U+FEFF, Zs...
      return s;
    case 'D':
    case 'W':
    case 'S':
      return setComplement(classEscape(ch.toLowerCase())!);
    default:
      return undefined;
  }
}

/** Automaton state: empty moves and at most one character move. */
interface NState {
  eps: number[];
  set?: CharSet;
  to?: number;
}

class RegexAnalyzer {
  private pos = 0;
  readonly states: NState[] = [];
  /** caretDead: `^` cannot match (a non-multiline regex at a position past 0): paths through it are cut. */
  constructor(
    private readonly src: string,
    private readonly caretDead = false,
  ) {}

  private state(): number {
    this.states.push({ eps: [] });
    return this.states.length - 1;
  }
  private fail(msg: string): never {
    throw new Error(`prefilter: ${msg} at ${this.pos} in ${this.src.slice(0, 80)}`);
  }

  /** Parse the whole source; returns [start, accept]. */
  parse(): [number, number] {
    const f = this.alt();
    if (this.pos !== this.src.length) this.fail('unexpected )');
    return f;
  }

  private alt(): [number, number] {
    const s = this.state();
    const e = this.state();
    for (;;) {
      const [a, b] = this.seq();
      this.states[s]!.eps.push(a);
      this.states[b]!.eps.push(e);
      if (this.src[this.pos] !== '|') break;
      this.pos++;
    }
    return [s, e];
  }

  private seq(): [number, number] {
    const s = this.state();
    let cur = s;
    while (this.pos < this.src.length && this.src[this.pos] !== '|' && this.src[this.pos] !== ')') {
      const [a, b] = this.quantified();
      this.states[cur]!.eps.push(a);
      cur = b;
    }
    return [s, cur];
  }

  private quantified(): [number, number] {
    const [a, b] = this.atom();
    const src = this.src;
    let min = 1;
    let max = 1;
    const ch = src[this.pos];
    if (ch === '*' || ch === '+' || ch === '?') {
      this.pos++;
      min = ch === '+' ? 1 : 0;
      max = ch === '?' ? 1 : Infinity;
    } else if (ch === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(this.pos));
      if (!m) return [a, b]; // a literal brace
      this.pos += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    } else return [a, b];
    if (src[this.pos] === '?') this.pos++; // lazy: same language
    if (min === 1 && max === 1) return [a, b];
    // supersets: X?, X{0} → X|ε; X*, X{0,n} → X*; X+, X{m,n} (m ≥ 1) → X+
    const s = this.state();
    const e = this.state();
    this.states[s]!.eps.push(a);
    if (min === 0) this.states[s]!.eps.push(e);
    this.states[b]!.eps.push(e);
    if (max > 1) this.states[b]!.eps.push(a);
    return [s, e];
  }

  private charMove(set: CharSet): [number, number] {
    const s = this.state();
    const e = this.state();
    this.states[s]!.set = set;
    this.states[s]!.to = e;
    return [s, e];
  }

  private empty(): [number, number] {
    const s = this.state();
    return [s, s];
  }

  private atom(): [number, number] {
    const src = this.src;
    const ch = src[this.pos];
    if (ch === undefined) return this.fail('end of pattern');
    if (ch === '(') {
      this.pos++;
      let assertion = false;
      if (src[this.pos] === '?') {
        const m = /^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(src.slice(this.pos));
        if (!m) return this.fail('unknown group');
        assertion = m[0] === '?=' || m[0] === '?!' || m[0] === '?<=' || m[0] === '?<!';
        this.pos += m[0].length;
      }
      const f = this.alt();
      if (src[this.pos] !== ')') this.fail('missing )');
      this.pos++;
      return assertion ? this.empty() : f;
    }
    if (ch === '[') return this.charMove(this.cls());
    if (ch === '.') {
      this.pos++;
      const s = charSet();
      setAdd(s, 10);
      setAdd(s, 13);
      return this.charMove(setComplement(s));
    }
    if (ch === '^' || ch === '$') {
      this.pos++;
      if (ch === '^' && this.caretDead) return [this.state(), this.state()]; // no move from one to the other
      return this.empty();
    }
    if (ch === '\\') {
      this.pos++;
      const e = src[this.pos++];
      if (e === undefined) return this.fail('trailing \\');
      if (e === 'b' || e === 'B') return this.empty();
      const cls = classEscape(e);
      if (cls) return this.charMove(cls);
      if (/[1-9k]/.test(e)) this.fail('backreference');
      const s = charSet();
      setAdd(s, this.escapeChar(e));
      return this.charMove(s);
    }
    if (ch === ')' || ch === '|' || ch === '*' || ch === '+' || ch === '?') this.fail(`unexpected ${ch}`);
    this.pos++;
    const s = charSet();
    setAdd(s, ch.charCodeAt(0));
    return this.charMove(s);
  }

  /** The character of a non-class escape (\n, \x41, \u0041, \. …); advances past hex digits. */
  private escapeChar(e: string): number {
    const src = this.src;
    switch (e) {
      case 'n':
        return 10;
      case 't':
        return 9;
      case 'r':
        return 13;
      case 'f':
        return 12;
      case 'v':
        return 11;
      case '0':
        return 0;
      case 'x':
      case 'u': {
        const len = e === 'x' ? 2 : 4;
        const hex = src.slice(this.pos, this.pos + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) this.fail('bad hex escape');
        this.pos += len;
        return parseInt(hex, 16);
      }
      default:
        if (/[A-Za-z]/.test(e)) this.fail(`unknown escape \\${e}`);
        return e.charCodeAt(0);
    }
  }

  private cls(): CharSet {
    const src = this.src;
    this.pos++; // [
    let negate = false;
    if (src[this.pos] === '^') {
      negate = true;
      this.pos++;
    }
    const s = charSet();
    while (src[this.pos] !== ']') {
      if (this.pos >= src.length) this.fail('unterminated class');
      // one class atom: a character (code) or a class escape (set)
      const lo = this.classAtom();
      if (typeof lo !== 'number') {
        setUnion(s, lo);
        continue;
      }
      if (src[this.pos] === '-' && src[this.pos + 1] !== ']' && this.pos + 1 < src.length) {
        const save = this.pos;
        this.pos++;
        const hi = this.classAtom();
        if (typeof hi === 'number') {
          if (hi < lo) this.fail('bad range');
          for (let c = lo; c <= Math.min(hi, 127); c++) setAdd(s, c);
          if (hi >= 128) s[4] = 1;
          continue;
        }
        // "a-\s": the dash is literal
        this.pos = save;
      }
      setAdd(s, lo);
    }
    this.pos++; // ]
    return negate ? setComplement(s) : s;
  }

  private classAtom(): number | CharSet {
    const src = this.src;
    const ch = src[this.pos++]!;
    if (ch !== '\\') return ch.charCodeAt(0);
    const e = src[this.pos++];
    if (e === undefined) return this.fail('trailing \\');
    if (e === 'b') return 8;
    const cls = classEscape(e);
    if (cls) return cls;
    return this.escapeChar(e);
  }
}

function closure(states: NState[], from: Iterable<number>): Set<number> {
  const out = new Set<number>();
  const stack = [...from];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (out.has(x)) continue;
    out.add(x);
    for (const y of states[x]!.eps) if (!out.has(y)) stack.push(y);
  }
  return out;
}

/** Per-position character sets of the matches of regex `src` (see Prefilter). */
export function firstSets(src: string): Prefilter {
  const a = new RegexAnalyzer(src);
  const [start, accept] = a.parse();
  const states = a.states;
  const sets = new Uint32Array(PREFILTER_DEPTH * SET_WORDS);
  let cur = closure(states, [start]);
  let depth = 0;
  while (depth < PREFILTER_DEPTH && !cur.has(accept)) {
    const set = sets.subarray(depth * SET_WORDS, (depth + 1) * SET_WORDS);
    const nextStates: number[] = [];
    for (const x of cur) {
      const st = states[x]!;
      if (st.set !== undefined) {
        setUnion(set, st.set);
        nextStates.push(st.to!);
      }
    }
    depth++;
    cur = closure(states, nextStates);
  }
  return { sets, depth };
}

export function firstSetsOrUndefined(src: string): Prefilter | undefined {
  try {
    return firstSets(src);
  } catch {
    return undefined;
  }
}

/** Can a match of the prefiltered pattern start at `pos` of `t`? (false only when it certainly cannot) */
export function prefilterPasses(p: Prefilter, t: string, pos: number): boolean {
  const sets = p.sets;
  const n = t.length;
  for (let j = 0, k = 0; j < p.depth; j++, k += SET_WORDS) {
    const q = pos + j;
    if (q >= n) return true;
    const c = t.charCodeAt(q);
    if (c < 128 ? ((sets[k + (c >> 5)]! >>> (c & 31)) & 1) === 0 : sets[k + 4] === 0) return false;
  }
  return true;
}


// ------------------------------------------------------------------------------------------------
// Three-character keys: which regexes can start a match with these three characters?
//
// Characters are folded to KEY_SYMBOLS classes: every printable ASCII character on its own, except
// that the upper-case letters form one class; tab and newline on their own; the other control
// characters one class, and everything non-ASCII one. The set of keys a regex's matches can begin
// with is found by walking its automaton (the same superset of the regex as above) three steps,
// class by class. A position whose key is not in the set cannot start a match. Regexes that can
// match fewer than three characters have no key set.

const SYM = (() => {
  const t = new Uint8Array(128);
  let next = 0;
  const upper = 200, ctrl = 201;
  for (let c = 0; c < 128; c++) t[c] = c >= 65 && c <= 90 ? upper : c < 32 && c !== 9 && c !== 10 ? ctrl : c === 127 ? ctrl : next++;
  for (let c = 0; c < 128; c++) if (t[c] === upper) t[c] = next;
  next++;
  for (let c = 0; c < 128; c++) if (t[c] === ctrl) t[c] = next;
  next++;
  return { table: t, nonAscii: next, size: next + 2 };
})();
/** Classes, the last one (KEY_END) standing for "past the end of the text". */
export const KEY_SYMBOLS = SYM.size;
const SYM_NONASCII = SYM.nonAscii;
export const KEY_END = SYM.size - 1;

/** The key class of a UTF-16 code unit. */
export function keySymbol(c: number): number {
  return c < 128 ? SYM.table[c]! : SYM_NONASCII;
}

/** Key of t[p, p + 3) (the caller checks p + 3 <= t.length). */
export function keyAt(t: string, p: number): number {
  return (keySymbol(t.charCodeAt(p)) * KEY_SYMBOLS + keySymbol(t.charCodeAt(p + 1))) * KEY_SYMBOLS + keySymbol(t.charCodeAt(p + 2));
}

/** The key classes a character set touches. */
function setSymbols(s: CharSet): boolean[] {
  const out: boolean[] = new Array<boolean>(KEY_SYMBOLS).fill(false);
  for (let c = 0; c < 128; c++) if (((s[c >> 5]! >>> (c & 31)) & 1) === 1) out[keySymbol(c)] = true;
  if (s[4] === 1) out[SYM_NONASCII] = true;
  return out;
}

/**
 * Every key (see keyAt) a match of regex `src` can begin with, or undefined when the regex can match
 * the empty string, the syntax is not understood, or there are more than `maxKeys`. A match of one
 * or two characters stands for every key that begins with it (any class, KEY_END included, after it).
 * `pastStart`: the keys of matches that begin after position 0 of a regex without the `m` flag,
 * where `^` cannot match (`(?:^|\n)verb` then keys on the newline, not on every verb anywhere).
 */
export function prefixKeys(src: string, maxKeys = 1024, opts: { pastStart?: boolean } = {}): Int32Array | undefined {
  let a: RegexAnalyzer;
  let start: number, accept: number;
  try {
    a = new RegexAnalyzer(src, opts.pastStart === true);
    [start, accept] = a.parse();
  } catch {
    return undefined;
  }
  const states = a.states;
  const symCache = new Map<number, boolean[]>();
  const symbolsOf = (x: number): boolean[] => {
    let r = symCache.get(x);
    if (r === undefined) {
      r = setSymbols(states[x]!.set!);
      symCache.set(x, r);
    }
    return r;
  };
  // the frontier groups the keys that lead to the same automaton states (walked once per group)
  let frontier = new Map<string, { set: Set<number>; keys: number[] }>([['', { set: closure(states, [start]), keys: [0] }]]);
  const done: number[] = [];
  for (let depth = 0; depth < 3; depth++) {
    const next = new Map<string, { set: Set<number>; keys: number[] }>();
    let count = 0;
    for (const { set, keys } of frontier.values()) {
      if (set.has(accept)) {
        // a match can end here: whatever follows (or the end of the text) completes the key
        if (depth === 0) return undefined;
        let wild = keys;
        for (let d = depth; d < 3; d++) {
          const more: number[] = [];
          for (const k of wild) for (let y = 0; y < KEY_SYMBOLS; y++) more.push(k * KEY_SYMBOLS + y);
          wild = more;
          if (wild.length > maxKeys) return undefined;
        }
        done.push(...wild);
        if (done.length > maxKeys) return undefined;
      }
      const moves: number[][] = Array.from({ length: KEY_SYMBOLS }, () => []);
      for (const x of set) {
        const st = states[x]!;
        if (st.set === undefined) continue;
        const syms = symbolsOf(x);
        for (let y = 0; y < KEY_SYMBOLS; y++) if (syms[y]) moves[y]!.push(st.to!);
      }
      for (let y = 0; y < KEY_SYMBOLS; y++) {
        if (moves[y]!.length === 0 || y === KEY_END) continue;
        const to = closure(states, moves[y]!);
        const id = [...to].sort((p, q) => p - q).join(',');
        let g = next.get(id);
        if (g === undefined) next.set(id, (g = { set: to, keys: [] }));
        for (const k of keys) g.keys.push(k * KEY_SYMBOLS + y);
        count += keys.length;
        if (count + done.length > maxKeys) return undefined;
      }
    }
    frontier = next;
  }
  const out: number[] = done;
  for (const g of frontier.values()) {
    if (g.set.size === 0) continue;
    out.push(...g.keys);
  }
  return Int32Array.from(new Set(out)).sort();
}

// ------------------------------------------------------------------------------------------------
// Non-ASCII anchoring: rules for other scripts (CJK, Cyrillic, Arabic...) cannot match without a
// non-ASCII character, so on a long text with a few such characters they need only be tried near them.

/**
 * For regex `src` (no `i`, `s`, `u` or `v` flag: the analysis reads ASCII letters and `.` literally):
 * when every match contains a non-ASCII character, the ASCII characters a match can consume before its
 * first non-ASCII one (4 words, bits by code); undefined when a match may be all ASCII (or empty), or
 * the syntax is not understood. Then a match can only start inside the run of these characters that
 * ends just before some non-ASCII character of the text, or at that character.
 */
export function nonAsciiLead(src: string, flags = ''): Uint32Array | undefined {
  if (/[isuv]/.test(flags)) return undefined;
  let a: RegexAnalyzer;
  let start: number, accept: number;
  try {
    a = new RegexAnalyzer(src);
    [start, accept] = a.parse();
  } catch {
    return undefined;
  }
  const states = a.states;
  const lead = new Uint32Array(4);
  // states reachable from the start over ASCII characters only
  const seen = closure(states, [start]);
  const work = [...seen];
  while (work.length > 0) {
    const st = states[work.pop()!]!;
    if (st.set === undefined) continue;
    const s = st.set;
    if ((s[0]! | s[1]! | s[2]! | s[3]!) === 0) continue; // a non-ASCII move only: the path ends here
    for (let k = 0; k < 4; k++) lead[k]! |= s[k]!;
    for (const y of closure(states, [st.to!])) {
      if (seen.has(y)) continue;
      seen.add(y);
      work.push(y);
    }
  }
  return seen.has(accept) ? undefined : lead;
}

/** How a regex is scanned near non-ASCII characters (null: it can match all-ASCII text). */
interface NonAsciiScan {
  lead: Uint32Array;
  sticky: RegExp;
  pre: Prefilter | undefined;
}
const NON_ASCII_SCANS = new WeakMap<RegExp, NonAsciiScan | null>();
function nonAsciiScanOf(re: RegExp): NonAsciiScan | null {
  let s = NON_ASCII_SCANS.get(re);
  if (s === undefined) {
    const lead = re.flags.includes('y') ? undefined : nonAsciiLead(re.source, re.flags);
    s = lead === undefined ? null : { lead, sticky: new RegExp(re.source, re.flags.replace('g', '') + 'y'), pre: firstSetsOrUndefined(re.source) };
    NON_ASCII_SCANS.set(re, s);
  }
  return s;
}

/** Positions of the non-ASCII characters of the last text asked for (one text at a time: all of this is synchronous). */
let naText: string | undefined;
let naPos = new Int32Array(64);
let naCount = 0;
function nonAsciiPositions(t: string): number {
  if (naText === t) return naCount;
  if (naPos.length > 65536) naPos = new Int32Array(64); // do not keep the buffer of an earlier huge text alive
  let n = 0;
  for (let i = 0; i < t.length; i++) {
    if (t.charCodeAt(i) < 128) continue;
    if (n === naPos.length) {
      const grown = new Int32Array(n * 2);
      grown.set(naPos);
      naPos = grown;
    }
    naPos[n++] = i;
  }
  naText = t;
  naCount = n;
  return n;
}
/** Texts with a larger share of non-ASCII characters are left to the plain global scan. */
const NON_ASCII_DENSE = 1 / 16;

/**
 * The matches of `re` (global) in `t` as `re.exec` in a loop from 0 finds them (the leftmost match at or
 * after the end of the previous one, at most `limit`), handed to `each` in order, when every match of `re`
 * holds a non-ASCII character (nonAsciiLead): then a match starts in the run of lead characters just
 * before a non-ASCII character, or on it, and the sticky twin is tried only there, so the cost follows the
 * text near non-ASCII characters rather than its length. Returns false, having done nothing, when `re` does
 * not qualify or the text is dense in non-ASCII characters: the caller scans as before.
 */
export function scanNearNonAscii(re: RegExp, t: string, limit: number, each: (m: RegExpExecArray) => void): boolean {
  const scan = nonAsciiScanOf(re);
  if (scan === null) return false;
  const n = nonAsciiPositions(t);
  if (n > t.length * NON_ASCII_DENSE) return false;
  const pos = naPos;
  const lead = scan.lead;
  const y = scan.sticky;
  const pre = scan.pre;
  let from = 0;
  let found = 0;
  for (let k = 0; k < n && found < limit; k++) {
    const q = pos[k]!;
    if (q < from) continue;
    let p = q;
    for (;;) {
      const c = p > from ? t.charCodeAt(p - 1) : 128;
      if (c >= 128 || ((lead[c >> 5]! >>> (c & 31)) & 1) === 0) break;
      p--;
    }
    for (; p <= q; p++) {
      if (pre !== undefined && !prefilterPasses(pre, t, p)) continue;
      y.lastIndex = p;
      const m = y.exec(t);
      if (m === null) continue;
      each(m);
      if (++found >= limit) break;
      from = p + m[0].length; // > p: a match holds a non-ASCII character
      p = from - 1;
    }
  }
  return true;
}
