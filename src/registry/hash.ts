/**
 * Definition pinning: a canonical JSON of everything a model reads from a tool, prompt or
 * resource template, and its sha256. Two definitions that differ only in key order hash the
 * same; any change to a name, title, description, schema (parameter descriptions, enums,
 * defaults, nested objects) or annotation changes the hash.
 *
 * Fields a model never sees (`_meta`, icons) are left out so that a server bumping them does
 * not quarantine its tools.
 */
import { createHash } from 'node:crypto';
import type { DefinitionKind } from '../store/types.js';

/** Top-level fields of each kind that reach the model. */
const MODEL_FIELDS: Record<DefinitionKind, readonly string[]> = {
  tool: ['name', 'title', 'description', 'inputSchema', 'outputSchema', 'annotations'],
  prompt: ['name', 'title', 'description', 'arguments'],
  resource_template: ['name', 'title', 'uriTemplate', 'description', 'mimeType', 'annotations'],
  instructions: ['instructions'],
};

/** JSON with object keys sorted at every level, no whitespace; `undefined` members dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortDeep(value));
}

/** Pretty-printed canonical JSON (2-space indent), for diffs. */
export function prettyCanonicalJson(value: unknown): string {
  return JSON.stringify(sortDeep(value), null, 2) ?? 'null';
}

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : sortDeep(x)));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortDeep(x);
    }
    return out;
  }
  return v;
}

/** The part of a definition the model reads, as a plain object (unknown fields dropped). */
export function modelView(kind: DefinitionKind, definition: unknown): Record<string, unknown> {
  if (kind === 'instructions') return { instructions: typeof definition === 'string' ? definition : (definition as { instructions?: unknown } | null)?.instructions ?? '' };
  const out: Record<string, unknown> = {};
  if (definition === null || typeof definition !== 'object') return out;
  for (const f of MODEL_FIELDS[kind]) {
    const v = (definition as Record<string, unknown>)[f];
    if (v !== undefined) out[f] = v;
  }
  return out;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** sha256 hex of the canonical JSON of the model-visible part of a definition. */
export function definitionHash(kind: DefinitionKind, definition: unknown): string {
  return sha256Hex(canonicalJson(modelView(kind, definition)));
}

/** Server `instructions` are pinned per server like a definition. */
export function instructionsHash(text: string): string {
  return definitionHash('instructions', text);
}

/**
 * The paths at which two definitions differ, coarse enough to read in one line:
 * `description`, `inputSchema.properties.path.description`, `annotations`. At most `limit` paths.
 */
export function changedFields(kind: DefinitionKind, before: unknown, after: unknown, limit = 6): string[] {
  const out: string[] = [];
  walk(modelView(kind, before), modelView(kind, after), '', out, limit + 1);
  if (out.length > limit) return [...out.slice(0, limit), '…'];
  return out;
}

function walk(a: unknown, b: unknown, path: string, out: string[], limit: number): void {
  if (out.length >= limit) return;
  if (canonicalJson(a) === canonicalJson(b)) return;
  const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) walk(a[k], b[k], path ? `${path}.${k}` : k, out, limit);
    return;
  }
  out.push(path || '(definition)');
}
