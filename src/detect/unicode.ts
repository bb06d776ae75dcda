/**
 * Invisible Unicode and terminal escape sequences (OWASP MCP03/MCP06 obfuscation channels).
 *
 * `invisible_unicode`: zero-width characters, bidi controls (Trojan Source), Unicode tag characters
 * (U+E0000–E007F, which can carry invisible ASCII), variation selectors used outside emoji, and other
 * invisible format characters. Legitimate uses are skipped: a BOM at the very start, ZWJ / VS16
 * inside emoji sequences, ZWNJ/ZWJ between letters of scripts that need them (Arabic, Indic).
 *
 * `ansi_escape`: CSI / OSC / other ESC sequences (and the C1 CSI). Colour-only SGR is `low`;
 * cursor movement, erasing, hidden text, window titles, hyperlinks and clipboard writes are higher.
 *
 * Linear: one pass over the UTF-16 code units.
 */
import { SEVERITY_RANK, type Finding, type Severity, type TextDetector } from './types.js';
import { isInvisibleCodePoint } from './normalize.js';

function isEmojiLike(cp: number): boolean {
  return (
    (cp >= 0x1f000 && cp <= 0x1faff) ||
    (cp >= 0x2600 && cp <= 0x27bf) ||
    (cp >= 0x2190 && cp <= 0x21ff) ||
    (cp >= 0x2b00 && cp <= 0x2bff) ||
    (cp >= 0x1f1e6 && cp <= 0x1f1ff) ||
    cp === 0x20e3 ||
    cp === 0xa9 ||
    cp === 0xae ||
    (cp >= 0x2300 && cp <= 0x23ff) ||
    (cp >= 0x3030 && cp <= 0x303d) ||
    (cp >= 0x1f3fb && cp <= 0x1f3ff) ||
    (cp >= 0x30 && cp <= 0x39) || // keycap bases
    cp === 0x23 ||
    cp === 0x2a
  );
}

/** Scripts where ZWJ/ZWNJ are part of ordinary spelling. */
function isJoiningScript(cp: number): boolean {
  return (cp >= 0x0600 && cp <= 0x08ff) || (cp >= 0x0900 && cp <= 0x0dff) || (cp >= 0x0f00 && cp <= 0x0fff) || (cp >= 0x1000 && cp <= 0x109f) || (cp >= 0xa800 && cp <= 0xabff);
}

function isLetterLike(cp: number): boolean {
  return (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39) || (cp >= 0xc0 && cp <= 0x24f) || (cp >= 0x370 && cp <= 0x52f);
}

function cpBefore(text: string, i: number): number {
  if (i <= 0) return -1;
  const c = text.charCodeAt(i - 1);
  if (c >= 0xdc00 && c <= 0xdfff && i >= 2) return text.codePointAt(i - 2)!;
  return c;
}

interface Run {
  start: number;
  end: number;
  count: number;
  tags: string;
  tagCount: number;
  bidi: number;
  zw: number;
  vs: number;
  other: number;
}

export function findInvisibleRuns(text: string): Finding[] {
  const findings: Finding[] = [];
  const n = text.length;
  let run: Run | null = null;
  const flush = (): void => {
    if (run === null) return;
    const r = run;
    run = null;
    const before = cpBefore(text, r.start);
    const after = r.end < n ? text.codePointAt(r.end)! : -1;
    // legitimate: BOM at start; emoji sequences; joiners in joining scripts
    if (r.count === 1 && r.start === 0 && text.charCodeAt(0) === 0xfeff) return;
    const onlyJoinerOrVs = r.tagCount === 0 && r.bidi === 0 && r.other === 0;
    if (onlyJoinerOrVs && r.count <= 3 && (isEmojiLike(before) || isEmojiLike(after))) return;
    if (onlyJoinerOrVs && r.vs === 0 && r.count <= 2 && (isJoiningScript(before) || isJoiningScript(after))) return;
    if (onlyJoinerOrVs && r.vs > 0 && r.zw === 0 && r.count <= 2 && before >= 0x3400) return; // ideographic variation
    let severity: Severity;
    let score: number;
    let what: string;
    const inWord = isLetterLike(before) && isLetterLike(after);
    if (r.tagCount > 0) {
      severity = r.tags.length >= 4 ? 'high' : 'medium';
      score = r.tags.length >= 4 ? 0.95 : 0.7;
      what = `Unicode tag characters (${r.tagCount}) that can carry hidden ASCII text`;
    } else if (r.bidi > 0) {
      severity = 'medium';
      score = 0.7;
      what = `bidirectional control characters (${r.bidi}) that reorder displayed text`;
    } else if (r.count >= 8) {
      severity = 'high';
      score = 0.85;
      what = `a run of ${r.count} invisible characters (possible hidden encoding)`;
    } else if (inWord) {
      severity = 'medium';
      score = 0.65;
      what = `invisible character(s) inside a word (keyword obfuscation)`;
    } else if (r.vs > 0) {
      severity = 'low';
      score = 0.4;
      what = `variation selector(s) outside an emoji sequence`;
    } else {
      severity = 'low';
      score = 0.35;
      what = `invisible formatting character(s)`;
    }
    pushMerged(findings, {
      category: 'invisible_unicode',
      detector: r.tagCount > 0 ? 'unicode.tags' : r.bidi > 0 ? 'unicode.bidi' : 'unicode.invisible',
      severity,
      score,
      start: r.start,
      end: r.end,
      message: `Text contains ${what}.`,
      label: 'invisible-unicode',
    });
  };
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i);
    if (c < 0xad) {
      if (run !== null) flush();
      i++;
      continue;
    }
    const cp = text.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    if (isInvisibleCodePoint(cp)) {
      if (run === null) run = { start: i, end: i + w, count: 0, tags: '', tagCount: 0, bidi: 0, zw: 0, vs: 0, other: 0 };
      const r: Run = run;
      r.end = i + w;
      r.count++;
      if (cp >= 0xe0000 && cp <= 0xe007f) {
        r.tagCount++;
        if (cp >= 0xe0020 && cp <= 0xe007e && r.tags.length < 4096) r.tags += String.fromCharCode(cp - 0xe0000);
      } else if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0x200e || cp === 0x200f || cp === 0x61c) r.bidi++;
      else if (cp === 0x200b || cp === 0x200c || cp === 0x200d || cp === 0x2060 || cp === 0xfeff) r.zw++;
      else if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) r.vs++;
      else r.other++;
    } else if (run !== null) flush();
    i += w;
  }
  flush();
  // plain left-to-right / right-to-left marks used alone are common in RTL text: keep them low
  return findings;
}

// ESC [ params intermediates final | ESC ] ... (BEL | ESC \) | ESC P/X/^/_ ... ESC \ | ESC single | C1 CSI
const ANSI = /\x1b\[[0-?]{0,64}[ -/]{0,8}[@-~]|\x9b[0-?]{0,64}[ -/]{0,8}[@-~]|\x1b\][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]{0,4096}(?:\x1b\\)?|\x1b[@-Z\\-_]|\x1b[ -/][0-~]/g;

export function findAnsiEscapes(text: string): Finding[] {
  if (!text.includes('\x1b') && !text.includes('\x9b')) return [];
  const out: Finding[] = [];
  ANSI.lastIndex = 0;
  let m: RegExpExecArray | null;
  let sgr = 0;
  let sgrStart = -1;
  let sgrEnd = -1;
  while ((m = ANSI.exec(text)) !== null) {
    const s = m[0];
    const body = s[0] === '\x9b' ? s.slice(1) : s.slice(2);
    const final = s[s.length - 1]!;
    const isCsi = s[0] === '\x9b' || s[1] === '[';
    if (isCsi && final === 'm') {
      // colour / style; conceal (8) is suspicious
      if (/(?:^|;)8(?:;|m|$)/.test(body)) {
        pushMerged(out, mk('ansi.conceal', 'high', 0.85, m.index, m.index + s.length, 'ANSI "conceal" attribute hides text on a terminal'));
      } else {
        if (sgrStart < 0) sgrStart = m.index;
        sgrEnd = m.index + s.length;
        sgr++;
      }
      continue;
    }
    if (!isCsi && s[1] === ']') {
      const code = body.split(';', 1)[0] ?? '';
      const sev: Severity = code === '52' ? 'critical' : code === '8' ? 'high' : 'high';
      const what = code === '52' ? 'OSC 52 clipboard write' : code === '8' ? 'OSC 8 hyperlink (the shown text can differ from the target)' : code === '0' || code === '2' ? 'OSC window-title change' : `OSC ${code} sequence`;
      pushMerged(out, mk('ansi.osc', sev, sev === 'critical' ? 0.95 : 0.8, m.index, m.index + s.length, `Terminal ${what}`));
      continue;
    }
    if (isCsi && /[ABCDEFGHJKSTfsu]/.test(final)) {
      pushMerged(out, mk('ansi.cursor', 'high', 0.75, m.index, m.index + s.length, 'ANSI cursor movement / erase sequence can overwrite what the user sees'));
      continue;
    }
    pushMerged(out, mk('ansi.escape', 'medium', 0.6, m.index, m.index + s.length, 'Terminal escape sequence'));
  }
  if (sgr > 0) out.push(mk('ansi.sgr', 'low', 0.3, sgrStart, sgrEnd, `ANSI colour/style codes (${sgr})`));
  return out;
}

/**
 * Past MAX_SEPARATE findings in one text, each new one is merged into the last (span extended over
 * it, the more severe one's detector and message kept): detection never stops, so what follows a
 * flood of escapes or zero-width runs (an OSC 52 clipboard write) is still found and redacted, and
 * the number of findings stays bounded. The merged span covers the flood between them too.
 */
const MAX_SEPARATE = 256;
function pushMerged(out: Finding[], f: Finding): void {
  const last = out[out.length - 1];
  if (out.length < MAX_SEPARATE || !last || last.start === undefined || f.end === undefined) {
    out.push(f);
    return;
  }
  const keep = SEVERITY_RANK[f.severity] > SEVERITY_RANK[last.severity] ? f : last;
  out[out.length - 1] = { ...keep, start: last.start, end: Math.max(last.end ?? f.end, f.end) };
}

function mk(detector: string, severity: Severity, score: number, start: number, end: number, message: string): Finding {
  return { category: 'ansi_escape', detector, severity, score, start, end, message, label: 'ansi-escape' };
}

const SUSPECT = /[\u00ad-\uffff\x1b\x9b]/;

function detect(text: string): Finding[] {
  const out: Finding[] = [];
  // fast path: pure ASCII without ESC has nothing to report
  if (!SUSPECT.test(text)) return out;
  for (const f of findInvisibleRuns(text)) out.push(f);
  for (const f of findAnsiEscapes(text)) out.push(f);
  return out;
}

export const unicodeDetector: TextDetector = { id: 'unicode', detect };
