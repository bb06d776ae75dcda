/**
 * Definition pinning: a canonical JSON of everything a server says about a tool, prompt or
 * resource template, and its sha256. Two definitions that differ only in key order hash the
 * same; any change to a name, title, description, schema (parameter descriptions, enums,
 * defaults, nested objects), annotation, `_meta` or any field the spec does not name yet changes
 * the hash: a client may show any of them to its model, so a rug pull moved into `_meta` or a vendor
 * field is a change like any other.
 *
 * Only `icons` is left out (images a client renders for a person, never text the model reads).
 * Pins made before `_meta` and unknown fields were covered (LEGACY_FIELDS) are recognised by
 * `legacyDefinitionHash` so an upgrade re-pins them after scanning the newly covered fields,
 * instead of quarantining every tool.
 */
import { createHash } from 'node:crypto';
import type { DefinitionKind } from '../store/types.js';

/** Never pinned: rendered for people, not read by models. */
const UNPINNED_FIELDS = new Set(['icons']);

/** What pins covered before `_meta` and unknown fields were pinned too (for upgrades only). */
const LEGACY_FIELDS: Record<DefinitionKind, readonly string[]> = {
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

/** The pinned part of a definition, as a plain object: every field but icons. */
export function modelView(kind: DefinitionKind, definition: unknown): Record<string, unknown> {
  if (kind === 'instructions') return { instructions: typeof definition === 'string' ? definition : (definition as { instructions?: unknown } | null)?.instructions ?? '' };
  const out: Record<string, unknown> = {};
  if (definition === null || typeof definition !== 'object' || Array.isArray(definition)) return out;
  for (const [f, v] of Object.entries(definition)) if (v !== undefined && !UNPINNED_FIELDS.has(f)) out[f] = v;
  return out;
}

/** The hash a pin made before `_meta` and unknown fields were covered would have for this definition (never equal to `definitionHash`, but for instructions). */
export function legacyDefinitionHash(kind: DefinitionKind, definition: unknown): string {
  const view = modelView(kind, definition);
  const out: Record<string, unknown> = {};
  for (const f of LEGACY_FIELDS[kind]) if (view[f] !== undefined) out[f] = view[f];
  return sha256Hex(canonicalJson(out));
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * sha256 hex of the canonical JSON of the pinned part of a definition. Tools, prompts and templates
 * hash with a `v2` tag, so a pin that covers every field never equals a pin made when only the
 * named fields were covered (`legacyDefinitionHash`), even for a definition that has no others.
 * Instructions were always pinned whole: their hash is unchanged.
 */
export function definitionHash(kind: DefinitionKind, definition: unknown): string {
  const json = canonicalJson(modelView(kind, definition));
  return sha256Hex(kind === 'instructions' ? json : `v2\n${json}`);
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
