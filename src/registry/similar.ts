/**
 * Similarity checks of the registry: look-alike tool names (homoglyphs, edit distance 1) and
 * near-identical definitions (so that renaming a quarantined tool does not launder it).
 */
import { normalizeForMatching } from '../detect/normalize.js';
import { canonicalJson, modelView, sha256Hex } from './hash.js';
import type { DefinitionKind } from '../store/types.js';

/** A name folded for comparison: homoglyphs → Latin, invisible characters dropped, lower case, `-`/`.`/space → `_`. */
export function foldName(name: string): string {
  return normalizeForMatching(name, { lowercase: true, foldDiacritics: true }).text.replace(/[\s\-.]+/g, '_');
}

/** Does the name use characters outside printable ASCII (homoglyphs, invisible characters)? */
export function hasNonAscii(name: string): boolean {
  return /[^\x20-\x7e]/.test(name);
}

/** Levenshtein distance, stopping early once it exceeds `max`. */
export function editDistance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (cur[j]! < rowMin) rowMin = cur[j]!;
    }
    if (rowMin > max) return max + 1;
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

export type NameRelation = 'same' | 'homoglyph' | 'edit1' | undefined;

/**
 * How `name` relates to `other`: `same` (identical), `homoglyph` (equal once folded, e.g. a Cyrillic
 * `а` for `a`, or differing only in case / separators), `edit1` (one edit apart, names of 5+ chars).
 */
export function nameRelation(name: string, other: string): NameRelation {
  if (name === other) return 'same';
  const a = foldName(name);
  const b = foldName(other);
  if (a === b) return 'homoglyph';
  if (a.length >= 5 && b.length >= 5 && editDistance(a, b, 1) <= 1) {
    // `get_item` vs `get_items`, `list_users` vs `list_user`: plural/singular pairs on one server are
    // normal, but across servers a one-letter difference is how a look-alike is built. The caller
    // compares only across servers.
    return 'edit1';
  }
  return undefined;
}

/** What a definition looks like without its name: for rename detection. */
export interface DefinitionPrint {
  /** sha256 of the canonical model view minus name and title. */
  namelessHash: string;
  /** Description lower-cased with whitespace and punctuation collapsed ('' when short). */
  normDescription: string;
  /** Word unigrams and bigrams of every string the model reads except the name. */
  shingles: Set<string>;
}

export function definitionPrint(kind: DefinitionKind, definition: unknown): DefinitionPrint {
  const view = modelView(kind, definition);
  delete view.name;
  delete view.title;
  const namelessHash = sha256Hex(canonicalJson(view));
  const desc = typeof view.description === 'string' ? normText(view.description) : '';
  const words: string[] = [];
  collectStrings(view, (s) => {
    for (const w of normText(s).split(' ')) if (w) words.push(w);
  });
  const shingles = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    shingles.add(words[i]!);
    if (i + 1 < words.length) shingles.add(`${words[i]} ${words[i + 1]}`);
  }
  return { namelessHash, normDescription: desc.length >= 16 ? desc : '', shingles };
}

function normText(s: string): string {
  return normalizeForMatching(s, { lowercase: true, foldDiacritics: true })
    .text.replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function collectStrings(v: unknown, f: (s: string) => void, depth = 0): void {
  if (depth > 32) return;
  if (typeof v === 'string') f(v);
  else if (Array.isArray(v)) for (const x of v) collectStrings(x, f, depth + 1);
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      // Property names are read by the model too (`properties.<name>`).
      f(k);
      collectStrings(x, f, depth + 1);
    }
  }
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let inter = 0;
  const [small, big] = a.size <= b.size ? [a, b] : [b, a];
  for (const x of small) if (big.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

/** Threshold of shingle similarity above which two definitions are "nearly equal". */
export const NEAR_DUPLICATE = 0.8;

/** Is `a` the same definition as `b` under another name, or nearly so? Returns how, or undefined. */
export function sameDefinition(a: DefinitionPrint, b: DefinitionPrint): 'identical' | 'same description' | 'similar' | undefined {
  if (a.namelessHash === b.namelessHash) return 'identical';
  if (a.normDescription && a.normDescription === b.normDescription) return 'same description';
  if (a.shingles.size >= 12 && b.shingles.size >= 12 && jaccard(a.shingles, b.shingles) >= NEAR_DUPLICATE) return 'similar';
  return undefined;
}

/** Word tokens of a name (`get_weather`, `getWeather`, `weather-lookup` → get, weather, lookup). */
function nameTokens(name: string): Set<string> {
  const spaced = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
  return new Set(foldName(spaced).split(/[^\p{L}\p{N}]+/u).filter((t) => t.length >= 3));
}

function words(s: string): Set<string> {
  return new Set(normText(s).split(' ').filter((w) => w.length >= 2));
}

/** Share of `a`'s members that are in `b`. */
function containment(a: Set<string>, b: Set<string>): number {
  if (a.size === 0) return 0;
  let n = 0;
  for (const x of a) if (b.has(x)) n++;
  return n / a.size;
}

function propertyNames(view: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  for (const k of ['inputSchema', 'arguments', 'uriTemplate']) {
    const v = view[k];
    if (k === 'inputSchema' && v && typeof v === 'object') {
      const props = (v as { properties?: unknown }).properties;
      if (props && typeof props === 'object') for (const p of Object.keys(props)) out.add(p.toLowerCase());
    } else if (k === 'arguments' && Array.isArray(v)) {
      for (const a of v) if (a && typeof a === 'object' && typeof (a as { name?: unknown }).name === 'string') out.add((a as { name: string }).name.toLowerCase());
    } else if (k === 'uriTemplate' && typeof v === 'string') {
      for (const m of v.matchAll(/\{[+#./;?&]?([^}]+)\}/g)) for (const p of m[1]!.split(',')) out.add(p.replace(/\*$|:\d+$/, '').toLowerCase());
    }
  }
  return out;
}

/**
 * Does a new item (`name`, `view`) look like a renamed `oldName` (`oldDef`) of the same server?
 * Signals: the names (a shared word of 3+ letters, or one edit apart, or homoglyphs), the
 * description (most of the old description's words are still there), the schema (the old
 * parameters are all still there). A rename is the description signal, a look-alike name
 * (homoglyphs, case, one edit), or the name and schema signals together. Returns how, with a score to pick the most similar, or undefined.
 */
export function renameRelation(oldName: string, oldDef: unknown, name: string, view: Record<string, unknown>): { how: string; score: number } | undefined {
  const old = oldDef && typeof oldDef === 'object' ? (oldDef as Record<string, unknown>) : {};
  const ot = nameTokens(oldName);
  const nt = nameTokens(name);
  const rel = nameRelation(name, oldName);
  // Homoglyphs, case / separators, one edit: a look-alike of the old name on its own server.
  const lookalike = rel === 'homoglyph' || rel === 'edit1';
  const nameSim = lookalike || containment(ot, nt) > 0;
  const od = words(typeof old.description === 'string' ? old.description : '');
  const nd = words(typeof view.description === 'string' ? view.description : '');
  const descSim = od.size >= 4 && containment(od, nd) >= 0.8;
  const op = propertyNames(old);
  const np = propertyNames(view);
  const schemaSim = op.size > 0 && containment(op, np) === 1;
  if (!(descSim || lookalike || (nameSim && schemaSim))) return undefined;
  const how = [lookalike ? 'look-alike name' : nameSim ? 'similar name' : '', descSim ? 'description kept' : '', schemaSim ? 'same parameters' : ''].filter(Boolean).join(', ');
  return { how, score: (nameSim ? 1 : 0) + (descSim ? 2 : 0) + (schemaSim ? 1 : 0) };
}
