/**
 * Text normalisation for matching.
 *
 * Detectors match keywords on a *normalised* copy of the text so that simple obfuscations do not
 * hide an attack: NFKC (fullwidth and mathematical letters → ASCII), homoglyph folding (Cyrillic and
 * Greek look-alikes → Latin), removal of invisible characters (zero-width, bidi controls, Unicode tag
 * characters, variation selectors), optional lower-casing and diacritic stripping. `map` turns an
 * index of the normalised text back into an index of the original so findings keep real spans.
 *
 * Also: decoders for embedded encodings (base64, percent-encoding, HTML entities, Unicode tag
 * characters) so a detector can scan what they hide. All functions are pure and linear.
 */
import { repairSpelling } from './spelling.js';

export interface NormalizeOptions {
  /** Lower-case the output (default true: matching is case-insensitive). */
  lowercase?: boolean;
  /** Strip diacritics from Latin letters (é → e, ü → u, ß → ss). Default true. */
  foldDiacritics?: boolean;
}

export interface Normalized {
  text: string;
  /** Normalised index → original index (UTF-16). `map(text.length)` is the original length. */
  map: (i: number) => number;
  /** True when invisible characters (zero-width, bidi, tags, variation selectors) were removed. */
  hadInvisible: boolean;
  /** ASCII text hidden in Unicode tag characters (U+E0020–U+E007E), when any. */
  hiddenTagText: string;
  /** True when homoglyphs from another script or compatibility forms were folded. */
  hadConfusables: boolean;
}

/** Is this code point an invisible format / joiner / selector / tag character? */
export function isInvisibleCodePoint(cp: number): boolean {
  if (cp < 0xad) return false;
  if (cp === 0xad || cp === 0x34f || cp === 0x61c || cp === 0x115f || cp === 0x1160) return true;
  if (cp === 0x17b4 || cp === 0x17b5 || (cp >= 0x180b && cp <= 0x180f)) return true;
  if (cp >= 0x200b && cp <= 0x200f) return true;
  if (cp >= 0x202a && cp <= 0x202e) return true;
  if (cp >= 0x2060 && cp <= 0x206f) return true;
  if (cp === 0x3164 || cp === 0xfeff || cp === 0xffa0) return true;
  if (cp >= 0xfe00 && cp <= 0xfe0f) return true;
  if (cp >= 0x1d173 && cp <= 0x1d17a) return true;
  if (cp >= 0xe0000 && cp <= 0xe007f) return true;
  if (cp >= 0xe0100 && cp <= 0xe01ef) return true;
  return false;
}

/** Cyrillic / Greek / other look-alikes of Latin letters (lower- and upper-case). */
const CONFUSABLES: Record<string, string> = {
  // Cyrillic
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x',
  ѕ: 's', і: 'i', ї: 'i', ј: 'j', ԁ: 'd', ԛ: 'q', ԝ: 'w', һ: 'h', ӏ: 'l', ɡ: 'g', ү: 'y', ʏ: 'y',
  А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', У: 'Y', Х: 'X',
  Ѕ: 'S', І: 'I', Ј: 'J', Ԁ: 'D', Ԛ: 'Q', Ԝ: 'W', Һ: 'H', Ӏ: 'I',
  // Greek
  α: 'a', β: 'b', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', γ: 'y', ϲ: 'c',
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X',
  // Latin extensions / IPA / letter-like symbols
  ı: 'i', ȷ: 'j', ɑ: 'a', ɩ: 'i', ɪ: 'i', ʀ: 'r', ᴀ: 'a', ᴄ: 'c', ᴅ: 'd', ᴇ: 'e', ᴏ: 'o', ᴛ: 't', ᴜ: 'u',
  ß: 'ss', æ: 'ae', Æ: 'AE', œ: 'oe', Œ: 'OE', ø: 'o', Ø: 'O', đ: 'd', Đ: 'D', ł: 'l', Ł: 'L',
  // punctuation look-alikes
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'", '\u00b4': "'",
  '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u00ab': '"', '\u00bb': '"',
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2015': '-', '\u2212': '-',
  '\u00a0': ' ', '\u2007': ' ', '\u202f': ' ', '\u3000': ' ',
};

interface Fold {
  /** the normalised replacement */
  out: string;
  /** `out` is the character itself */
  same: boolean;
  /** a homoglyph from another script or a compatibility form */
  confusable: boolean;
}

/** Fold results per code point: key cp (diacritics folded) or -cp (kept). Bounded. */
const foldCache = new Map<number, Fold>();

/** Normalised replacement for one non-ASCII code point (without invisible handling). */
function foldCodePoint(cp: number, ch: string, foldDiacritics: boolean): Fold {
  const key = foldDiacritics ? cp : -cp;
  const cached = foldCache.get(key);
  if (cached !== undefined) return cached;
  let f: Fold;
  const direct = CONFUSABLES[ch];
  if (direct !== undefined) f = { out: direct, same: direct === ch, confusable: (cp >= 0x370 && cp <= 0x52f) || (cp >= 0x1d00 && cp <= 0x1d2b) };
  else {
    let out = ch.normalize('NFKC');
    if (foldDiacritics) {
      const d = out.normalize('NFD');
      let s = '';
      for (const c of d) {
        const k = c.codePointAt(0)!;
        if (k >= 0x300 && k <= 0x36f) continue; // combining diacritical marks
        s += CONFUSABLES[c] ?? c;
      }
      out = s;
    }
    f = { out, same: out === ch, confusable: out !== ch && /^[\x00-\x7f]+$/.test(out) && (cp >= 0xff00 || cp >= 0x1d400 || (cp >= 0x370 && cp <= 0x52f)) };
  }
  if (foldCache.size < 20000) foldCache.set(key, f);
  return f;
}

const NON_ASCII = /[^\x00-\x7f]/;
const LETTER_OR_MARK = /[\p{L}\p{M}]/u;

/** A unit of a word: an ASCII letter or digit, a letter or mark of any script, an invisible character (it hides inside words), a surrogate. */
function isWordUnit(c: number, ch: string): boolean {
  if (c < 0x80) return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
  if (c >= 0xd800 && c <= 0xdfff) return true;
  return isInvisibleCodePoint(c) || LETTER_OR_MARK.test(ch);
}

/**
 * Should the Greek / Cyrillic look-alikes of the word around `i` be folded to Latin? Yes when the
 * word mixes them with Latin letters (`pаypal`), or when every letter of it has a Latin look-alike
 * (`ехес` written wholly in Cyrillic); no for a word of the script itself (`инструкции`, `οδηγίες`),
 * which folding would turn into nonsense that neither the rules nor the other-language lexicons read.
 */
function scriptWord(text: string, i: number): { end: number; folds: boolean } {
  let start = i;
  while (start > 0 && isWordUnit(text.charCodeAt(start - 1), text[start - 1]!)) start--;
  let end = i;
  while (end < text.length && isWordUnit(text.charCodeAt(end), text[end]!)) end++;
  let latin = false;
  let ownScript = false;
  for (let k = start; k < end; k++) {
    const c = text.charCodeAt(k);
    if (c < 0x80) {
      if (c > 0x39) latin = true;
      continue;
    }
    if (c < 0x370 || c > 0x52f) continue;
    const ch = text[k]!;
    if (!LETTER_OR_MARK.test(ch)) continue;
    const to = CONFUSABLES[ch] ?? CONFUSABLES[ch.normalize('NFD')[0]!];
    if (to === undefined || !/^[A-Za-z]$/.test(to)) ownScript = true;
  }
  return { end, folds: latin || !ownScript };
}

/**
 * Normalise `text` for keyword matching. Linear time; ASCII-only input takes a fast path.
 */
export function normalizeForMatching(text: string, opts: NormalizeOptions = {}): Normalized {
  const lowercase = opts.lowercase ?? true;
  const foldDiacritics = opts.foldDiacritics ?? true;
  if (!NON_ASCII.test(text)) {
    return {
      text: lowercase ? text.toLowerCase() : text,
      map: (i) => (i < 0 ? 0 : i > text.length ? text.length : i),
      hadInvisible: false,
      hiddenTagText: '',
      hadConfusables: false,
    };
  }
  const parts: string[] = [];
  // The index map as segments of the output, two ints each: the output unit where the segment
  // starts, and its origin: an unchanged run (origin o >= 0) maps unit by unit to o, o + 1, ...; a
  // replacement (origin -1 - o) maps every unit to the replaced character at o.
  let seg = new Int32Array(64);
  let segs = 0;
  let outLen = 0;
  let hadInvisible = false;
  let hadConfusables = false;
  let tags = '';
  const push = (s: string, orig: number, run: number): void => {
    if (s.length === 0) return;
    if (2 * segs + 2 > seg.length) {
      const bigger = new Int32Array(seg.length * 2);
      bigger.set(seg);
      seg = bigger;
    }
    seg[2 * segs] = outLen;
    seg[2 * segs + 1] = run === 1 ? orig : -1 - orig;
    segs++;
    outLen += s.length;
    parts.push(s);
  };
  let runStart = 0;
  const n = text.length;
  let i = 0;
  let wordEnd = -1;
  let wordFolds = true;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      i++;
      continue;
    }
    const cp = text.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    const invisible = isInvisibleCodePoint(cp);
    const f = invisible ? undefined : foldCodePoint(cp, w === 2 ? text.slice(i, i + 2) : text[i]!, foldDiacritics);
    if (f !== undefined && f.confusable && cp >= 0x370 && cp <= 0x52f) {
      // A Greek / Cyrillic look-alike: folded only inside a word that reads as Latin (scriptWord).
      if (i >= wordEnd) ({ end: wordEnd, folds: wordFolds } = scriptWord(text, i));
      if (!wordFolds) {
        i += w;
        continue;
      }
    }
    if (f !== undefined && f.same) {
      // unchanged (CJK, most scripts): stays in the current run
      i += w;
      continue;
    }
    if (i > runStart) push(text.slice(runStart, i), runStart, 1);
    if (invisible) {
      hadInvisible = true;
      if (cp >= 0xe0020 && cp <= 0xe007e && tags.length < 65536) tags += String.fromCharCode(cp - 0xe0000);
    } else if (f !== undefined) {
      if (f.confusable) hadConfusables = true;
      push(f.out, i, 0);
    }
    i += w;
    runStart = i;
  }
  if (n > runStart) push(text.slice(runStart, n), runStart, 1);
  let out = parts.join('');
  if (lowercase) {
    const low = out.toLowerCase();
    if (low.length === out.length) out = low;
    else {
      // rare: lower-casing changed the length (e.g. U+0130); lower-case per unit instead
      let s = '';
      for (let k = 0; k < out.length; k++) {
        const l = out[k]!.toLowerCase();
        s += l.length === 1 ? l : out[k]!;
      }
      out = s;
    }
  }
  const len = outLen;
  const table = seg;
  const count = segs;
  /** Original index of output unit k (0 <= k < len): the last segment starting at or before k. */
  const at = (k: number): number => {
    let a = 0;
    let b = count - 1;
    while (a < b) {
      const m = (a + b + 1) >> 1;
      if (table[2 * m]! <= k) a = m;
      else b = m - 1;
    }
    const o = table[2 * a + 1]!;
    return o >= 0 ? o + (k - table[2 * a]!) : -1 - o;
  };
  return {
    text: out,
    map: (k) => (k <= 0 ? (len > 0 ? at(0) : 0) : k >= len ? n : at(k)),
    hadInvisible,
    hiddenTagText: tags,
    hadConfusables,
  };
}

// ---------------------------------------------------------------------------------------------
// Spacing and leetspeak
// ---------------------------------------------------------------------------------------------

/** Letters spelled one at a time ("i g n o r e", "i-g-n-o-r-e"): at least 4 single characters, one separator each. */
const SPACED_RUN = /(?<![a-z0-9])[a-z0-9](?:[ .*_-][a-z0-9](?![a-z0-9])){3,}/g;
/** Words that mix letters and leetspeak digits ("1gn0r3", "pr3v10us", "4ll"). */
const SPACED_SHORT = /(?<![a-z0-9:/@])[a-z0-9:/@](?:[ .*_-][a-z0-9:/@](?![a-z0-9:/@]))+/g;
const LEET_WORD = /(?<![a-z0-9_])(?=[a-z0-9]{0,40}[a-z])[a-z0-9]{0,40}[01345789][a-z0-9]{0,40}(?![a-z0-9_])/g;
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g' };
/**
 * Necessary for a leet word (letters and a leet digit in one [a-z0-9] run): the letter nearest to a
 * leet digit has only digits between them. One native pass; most texts stop here.
 */
const LEET_HINT = /[a-z][0-9]*[01345789]|[01345789][0-9]*[a-z]/;
/** Not leet: numbers with a suffix (12th, 2l) and hex ids. */
const isLeetWord = (w: string): boolean => !/^[0-9]+(?:st|nd|rd|th|[a-z])?$/.test(w) && !/^[0-9a-f]{6,}$/.test(w);

/**
 * The number of LEET_WORD matches that are leet words (isLeetWord), counted up to `cap`: the same as
 * a global LEET_WORD scan, without running the expression at every position. A match of LEET_WORD
 * spans a whole run of [a-z0-9] (its look-behind and look-ahead exclude [a-z0-9_] on both sides),
 * so each run is checked once: not next to `_`, a letter among its first 41 characters, and a leet
 * digit with at most 40 characters on either side.
 */
export function countLeetWords(t: string, cap: number): number {
  let n = 0;
  const len = t.length;
  let i = 0;
  while (i < len && n < cap) {
    const c = t.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57))) {
      i++;
      continue;
    }
    const a = i;
    let firstLetter = -1;
    let hasLeetSpan = false;
    while (i < len) {
      const d = t.charCodeAt(i);
      if (d >= 97 && d <= 122) {
        if (firstLetter < 0) firstLetter = i - a;
      } else if (d >= 48 && d <= 57) {
        if (d !== 50 && d !== 54) hasLeetSpan ||= i - a <= 40; // 0 1 3 4 5 7 8 9; the suffix bound is checked below
      } else break;
      i++;
    }
    const L = i - a;
    if (L > 81 || firstLetter < 0 || firstLetter > 40 || !hasLeetSpan) continue;
    if ((a > 0 && t.charCodeAt(a - 1) === 95) || (i < len && t.charCodeAt(i) === 95)) continue;
    // a leet digit d with d <= 40 and L - 1 - d <= 40
    let ok = false;
    for (let d = Math.max(0, L - 41); d <= Math.min(40, L - 1) && !ok; d++) {
      const x = t.charCodeAt(a + d);
      ok = x >= 48 && x <= 57 && x !== 50 && x !== 54;
    }
    if (ok && isLeetWord(t.slice(a, i))) n++;
  }
  return n;
}

/**
 * Undo cheap obfuscations of the normalised text (letter spacing, leetspeak, misspelt instruction words).
 * Returns undefined unless the text clearly uses one of them (a spelled-out run of 6+ letters, 3+ leet
 * words, or a word a small edit away from the instruction lexicon of spelling.ts).
 */
export function deobfuscate(t: string): string | undefined {
  let changed = false;
  let out = t;
  if (t.includes(' ') || t.includes('-') || t.includes('.')) {
    SPACED_RUN.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = SPACED_RUN.exec(t)) !== null && !changed) changed = m[0].length >= 11;
    // once the text spells words out, short runs ("a l l", "t o") and wide word gaps are part of it
    // a run that spells letters out with dots / stars / dashes keeps its spaces as the gaps between words
    // ("i.g.n.o.r.e t.h.e u.s.e.r" → "ignore the user"); a run spelt with single spaces has wider word gaps
    if (changed) out = out.replace(SPACED_SHORT, (r) => (r.includes(' ') && /[.*_-]/.test(r) ? r.replace(/[.*_-]/g, '') : r.replace(/[ .*_-]/g, ''))).replace(/ {2,}/g, ' ');
  }
  // leetspeak: count real leet words first (no copy of the text), rewrite only when there are 3+
  if (LEET_HINT.test(out)) {
    if (countLeetWords(out, 3) >= 3) {
      out = out.replace(LEET_WORD, (w) => (isLeetWord(w) ? w.replace(/[01345789]/g, (d) => LEET[d]!) : w));
      changed = true;
    }
  }
  // misspelt instruction words (spelling.ts): "disrgard the prevous instrutcions" → the canonical spelling
  const fixed = repairSpelling(out);
  if (fixed !== undefined) {
    out = fixed;
    changed = true;
  }
  return changed ? out : undefined;
}

// ---------------------------------------------------------------------------------------------
// Decoders for embedded encodings
// ---------------------------------------------------------------------------------------------

export interface DecodedSegment {
  /** Span of the encoded text in the input. */
  start: number;
  end: number;
  encoding: 'base64' | 'hex' | 'percent' | 'html-entities' | 'unicode-tags';
  decoded: string;
}

const B64_CANDIDATE = /[A-Za-z0-9+/_-]{24}/;

/** bit 1: base64 alphabet; 2: upper-case; 4: lower-case; 8: not a hex digit */
const B64_TABLE = (() => {
  const t = new Uint8Array(128);
  for (let c = 48; c <= 57; c++) t[c] = 1;
  for (let c = 65; c <= 90; c++) t[c] = 1 | 2 | (c > 70 ? 8 : 0);
  for (let c = 97; c <= 122; c++) t[c] = 1 | 4 | (c > 102 ? 8 : 0);
  for (const c of [43, 47, 95, 45]) t[c] = 1 | 8;
  return t;
})();

/** Value of a base64 digit (standard or URL alphabet). */
function b64Value(c: number): number {
  if (c >= 65 && c <= 90) return c - 65;
  if (c >= 97 && c <= 122) return c - 71;
  if (c >= 48 && c <= 57) return c + 4;
  return 62;
}

/**
 * Cheap test before decoding: the first digit of each 4-digit group holds the top 6 bits of a byte;
 * for text (ASCII 0x20–0x7e, newlines, UTF-8 lead bytes) those are few values, for hashes and keys they
 * are uniform. Samples up to 24 groups.
 */
function looksLikeBase64OfText(s: string, start: number, len: number): boolean {
  let ok = 0;
  let total = 0;
  for (let k = start; k < start + len && total < 24; k += 4) {
    const v = b64Value(s.charCodeAt(k));
    total++;
    if ((v >= 8 && v <= 31) || v === 2 || (v >= 48 && v <= 59)) ok++;
  }
  return total > 0 && ok / total >= 0.8;
}
const HEX_RUN = /(?:\\x[0-9a-fA-F]{2}){16,}/g;

/** Share of printable characters (letters, digits, punctuation, whitespace) in `s`. */
export function printableRatio(s: string): number {
  if (s.length === 0) return 0;
  let ok = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13 || (c >= 0xa0 && c !== 0xfffd)) ok++;
  }
  return ok / s.length;
}

function looksLikeText(s: string): boolean {
  if (s.length < 8 || printableRatio(s) < 0.95) return false;
  // natural language has spaces and letters
  let spaces = 0;
  let letters = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32) spaces++;
    else if ((c | 32) >= 97 && (c | 32) <= 122) letters++;
    else if (c >= 0xc0) letters++;
  }
  return spaces >= 2 && letters / s.length > 0.5;
}

/** Decode base64 (standard or URL alphabet) to UTF-8 text; undefined when it is not text. */
export function decodeBase64Text(b64: string): string | undefined {
  const clean = b64.replace(/-/g, '+').replace(/_/g, '/');
  if (clean.length % 4 === 1) return undefined;
  try {
    const s = Buffer.from(clean, 'base64').toString('utf8');
    return looksLikeText(s) ? s : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Find embedded encoded segments that decode to natural-language text: base64 runs, hex runs,
 * percent-encoded runs, HTML-entity runs and Unicode-tag runs. At most `limit` segments.
 */
export function findEncodedSegments(text: string, limit = 32): DecodedSegment[] {
  const out: DecodedSegment[] = [];
  // runs of base64-alphabet characters (hex is a subset) of 24+: such a run contains a multiple of 12,
  // so only every 12th character is probed and expanded (most text has no run that long)
  const n = text.length;
  const T = B64_TABLE;
  const inAlpha = (k: number): boolean => {
    const c = text.charCodeAt(k);
    return c <= 127 && T[c] !== 0;
  };
  let i = 11;
  let scannedTo = 0;
  while (i < n && out.length < limit) {
    // a run of 24+ whose first probe is i started after the previous probe, so it holds all of
    // [i, i + 12]: unless those are all in the alphabet, the run around i is shorter and is skipped
    if (i + 12 >= n) break;
    let k = i;
    while (k <= i + 12 && inAlpha(k)) k++;
    if (k <= i + 12) {
      i += 12;
      continue;
    }
    let start = i;
    while (start > scannedTo && inAlpha(start - 1)) start--;
    let flags = 0;
    let c = 0;
    i = start;
    while (i < n && (c = text.charCodeAt(i)) <= 127 && T[c] !== 0) {
      flags |= T[c]!;
      i++;
    }
    scannedTo = i;
    const runEnd = i;
    i = runEnd + 12;
    if (runEnd - start < 24) continue;
    i = runEnd;
    const len = i - start;
    if (len < 24) continue;
    let end = i;
    while (end < n && end - i < 2 && text.charCodeAt(end) === 61) end++;
    if ((flags & 8) === 0 && len >= 32 && len % 2 === 0) {
      const dec = Buffer.from(text.slice(start, Math.min(i, start + 131072)), 'hex').toString('utf8');
      if (looksLikeText(dec)) {
        out.push({ start, end: i, encoding: 'hex', decoded: dec });
        continue;
      }
    }
    if ((flags & 6) !== 6) continue; // identifiers and words are not base64 payloads
    if (!looksLikeBase64OfText(text, start, len)) continue;
    const dec = decodeBase64Text(text.slice(start, Math.min(end, start + 65536)));
    if (dec !== undefined) out.push({ start, end, encoding: 'base64', decoded: dec });
  }
  if (text.includes('\\x')) {
    HEX_RUN.lastIndex = 0;
    let m: RegExpExecArray | null;
    while (out.length < limit && (m = HEX_RUN.exec(text)) !== null) {
      if (!m[0].includes('\\x')) continue;
      const hex = m[0].replace(/\\x/g, '');
      if (hex.length % 2 !== 0) continue;
      const dec = Buffer.from(hex.slice(0, 131072), 'hex').toString('utf8');
      if (looksLikeText(dec)) out.push({ start: m.index, end: m.index + m[0].length, encoding: 'hex', decoded: dec });
    }
  }
  let m: RegExpExecArray | null;
  if (text.includes('%')) {
    const re = /(?:%[0-9a-fA-F]{2}[A-Za-z0-9._~+-]{0,16}){4,}/g;
    while (out.length < limit && (m = re.exec(text)) !== null) {
      try {
        const dec = decodeURIComponent(m[0].replace(/\+/g, ' '));
        if (looksLikeText(dec)) out.push({ start: m.index, end: m.index + m[0].length, encoding: 'percent', decoded: dec });
      } catch {
        /* not valid UTF-8 percent-encoding */
      }
    }
  }
  if (text.includes('&')) {
    const re = /(?:&#(?:x[0-9a-fA-F]{1,6}|[0-9]{1,7});|&[a-zA-Z]{2,8};)(?:[^&<]{0,3}(?:&#(?:x[0-9a-fA-F]{1,6}|[0-9]{1,7});|&[a-zA-Z]{2,8};)){5,}/g;
    while (out.length < limit && (m = re.exec(text)) !== null) {
      const dec = decodeHtmlEntities(m[0].slice(0, 262144));
      if (looksLikeText(dec)) out.push({ start: m.index, end: m.index + m[0].length, encoding: 'html-entities', decoded: dec });
    }
  }
  // Unicode tag characters (invisible ASCII)
  for (let i = text.indexOf('\udb40'); i >= 0 && i < text.length && out.length < limit; i++) {
    if (text.charCodeAt(i) !== 0xdb40) continue;
    const start = i;
    let s = '';
    while (i < text.length && text.charCodeAt(i) === 0xdb40) {
      const cp = text.codePointAt(i)!;
      if (cp >= 0xe0020 && cp <= 0xe007e) s += String.fromCharCode(cp - 0xe0000);
      i += 2;
    }
    if (s.length >= 4) out.push({ start, end: i, encoding: 'unicode-tags', decoded: s });
  }
  return out;
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', sol: '/', colon: ':', period: '.', comma: ',',
  lpar: '(', rpar: ')', excl: '!', quest: '?', num: '#', dollar: '$', percnt: '%', equals: '=', lowbar: '_',
  hyphen: '-', newline: '\n', tab: '\t', semi: ';', commat: '@', lsqb: '[', rsqb: ']', lcub: '{', rcub: '}',
};

/** Decode HTML character references (numeric and the common named ones). */
export function decodeHtmlEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});/g, (all, body: string) => {
    if (body[0] === '#') {
      const cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : all;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? all;
  });
}

/** Decode percent-encoding; returns the input unchanged when it is not valid. */
export function decodePercent(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
