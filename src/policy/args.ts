/**
 * Tool arguments as Cedar values.
 *
 * Cedar records are closed and typed, so the engine keeps one declared type per argument name
 * (`Arguments` in the schema). A call's JSON arguments are converted against it:
 * - a declared argument whose value has the declared type goes into `context.arguments`;
 * - one whose value does not (a float where Long is declared, an object where String is...) is
 *   left out and its name goes into `context.invalidArguments` (rules compiled from YAML deny
 *   when a denied argument is malformed, so a type trick cannot slip past a `deny`);
 * - undeclared arguments are not passed (no valid policy can read them).
 * `context.normalized` holds the same values with path-like strings normalised, so a
 * `startsWith: /srv/project/` check cannot be bypassed by `/srv/project/../etc/passwd`.
 */
import path from 'node:path';
import { isIP } from 'node:net';
import { canonicalPath, type PathBase } from '../detect/canonpath.js';

/**
 * How path arguments are canonicalised (`src/detect/canonpath.ts`): which argument names are
 * paths (dotted for nested fields), and the server's working directory / home / host.
 */
export interface PathContext {
  args: ReadonlySet<string>;
  base: PathBase;
}

/** Argument names treated as paths whatever the rules say (the usual names of file-system tools). */
export const DEFAULT_PATH_ARGUMENTS: readonly string[] = ['path', 'paths', 'file', 'file_path', 'filePath', 'filepath', 'filename', 'dir', 'directory', 'folder', 'source', 'destination', 'src', 'dest'];

export type ArgType =
  | { kind: 'String' }
  | { kind: 'Long' }
  | { kind: 'Boolean' }
  | { kind: 'Set'; element: ArgType }
  | { kind: 'Record'; attrs: Record<string, { type: ArgType; required: boolean }> }
  | { kind: 'Extension'; name: 'decimal' | 'ipaddr' };

export type CedarJson = string | number | boolean | CedarJson[] | { [k: string]: CedarJson };

export function typeToString(t: ArgType): string {
  switch (t.kind) {
    case 'Set':
      return `Set<${typeToString(t.element)}>`;
    case 'Record':
      return `{ ${Object.entries(t.attrs)
        .map(([k, a]) => `${JSON.stringify(k)}${a.required ? '' : '?'}: ${typeToString(a.type)}`)
        .join(', ')} }`;
    case 'Extension':
      return t.name;
    default:
      return t.kind;
  }
}

export function sameType(a: ArgType, b: ArgType): boolean {
  return typeToString(a) === typeToString(b);
}

/** Cedar JSON-schema type for an ArgType. */
export function typeToSchemaJson(t: ArgType): Record<string, unknown> {
  switch (t.kind) {
    case 'String':
    case 'Long':
    case 'Boolean':
      return { type: t.kind };
    case 'Set':
      return { type: 'Set', element: typeToSchemaJson(t.element) };
    case 'Extension':
      return { type: 'Extension', name: t.name };
    case 'Record': {
      const attributes: Record<string, unknown> = {};
      for (const [k, a] of Object.entries(t.attrs)) attributes[k] = { ...typeToSchemaJson(a.type), required: a.required };
      return { type: 'Record', attributes };
    }
  }
}

/** Parse a Cedar schema JSON type (as `schemaToJson` gives it) into an ArgType. */
export function typeFromSchemaJson(j: unknown): ArgType | undefined {
  if (!j || typeof j !== 'object') return undefined;
  const o = j as Record<string, unknown>;
  const prim = (name: unknown): ArgType | undefined => {
    if (name === 'String' || name === '__cedar::String') return { kind: 'String' };
    if (name === 'Long' || name === '__cedar::Long') return { kind: 'Long' };
    if (name === 'Bool' || name === 'Boolean' || name === '__cedar::Bool') return { kind: 'Boolean' };
    if (name === 'decimal' || name === '__cedar::decimal') return { kind: 'Extension', name: 'decimal' };
    if (name === 'ipaddr' || name === '__cedar::ipaddr') return { kind: 'Extension', name: 'ipaddr' };
    return undefined;
  };
  switch (o.type) {
    case 'String':
    case 'Long':
    case 'Boolean':
    case 'Bool':
      return prim(o.type);
    case 'EntityOrCommon':
    case 'Extension':
      return prim(o.name);
    case 'Set': {
      const e = typeFromSchemaJson(o.element);
      return e ? { kind: 'Set', element: e } : undefined;
    }
    case 'Record': {
      const attrs: Record<string, { type: ArgType; required: boolean }> = {};
      for (const [k, v] of Object.entries((o.attributes ?? {}) as Record<string, unknown>)) {
        const t = typeFromSchemaJson(v);
        if (!t) return undefined;
        attrs[k] = { type: t, required: (v as { required?: boolean }).required !== false };
      }
      return { kind: 'Record', attrs };
    }
    default:
      return undefined;
  }
}

const WIN_DRIVE = /^[A-Za-z]:[\\/]/;

/** Does this string look like a filesystem path or file URI? */
export function isPathLike(s: string): boolean {
  // URIs of other schemes (https://, test://) are not paths: leave them alone.
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(s) && !/^file:/i.test(s) && !WIN_DRIVE.test(s)) return false;
  return (
    s.startsWith('/') ||
    s.startsWith('./') ||
    s.startsWith('../') ||
    s.startsWith('~') ||
    s === '.' ||
    s === '..' ||
    /^file:/i.test(s) ||
    WIN_DRIVE.test(s) ||
    s.includes('/../') ||
    s.includes('/./') ||
    s.endsWith('/..') ||
    s.endsWith('/.') ||
    s.includes('//')
  );
}

/**
 * Normalise a path-like string for policy checks: resolve `.` and `..`, collapse `//`,
 * decode `file://` URIs. Leaves other strings as they are. `..` at the root stays at the root
 * (`/../etc` → `/etc`), as the OS resolves it. NUL bytes make the value unmatchable.
 */
export function normalizePathLike(s: string): string {
  if (!isPathLike(s)) return s;
  if (s.includes('\0')) return '\uFFFD<nul>';
  const m = /^file:(\/\/[^/]*)?(.*)$/i.exec(s);
  if (m) {
    let p = m[2] ?? '';
    try {
      p = decodeURIComponent(p);
    } catch {
      return '\uFFFD<bad-uri>';
    }
    if (p.includes('\0')) return '\uFFFD<nul>';
    const host = (m[1] ?? '//').toLowerCase();
    return `file:${host}${path.posix.normalize(p.startsWith('/') ? p : '/' + p)}`;
  }
  if (WIN_DRIVE.test(s)) return path.win32.normalize(s);
  return path.posix.normalize(s);
}

const I64_MAX = 9223372036854775807n;

/** Convert one JSON value against a declared type. `undefined` = does not fit. */
export function toCedar(
  value: unknown,
  t: ArgType,
  normalize: boolean,
  invalid?: { prefix: string; out: Set<string> },
  paths?: { ctx: PathContext; name: string },
): CedarJson | undefined {
  switch (t.kind) {
    case 'String':
      if (typeof value !== 'string') return undefined;
      if (!normalize) return value;
      if (!paths) return normalizePathLike(value);
      // A path argument (or any path-looking string) gets its canonical form; one that cannot be
      // canonicalised does not fit (→ invalidArguments: a deny rule on it matches, an allow fails).
      if (paths.ctx.args.has(paths.name) || isPathLike(value)) {
        const c = canonicalPath(value, paths.ctx.base);
        return c.ok ? c.path : undefined;
      }
      return value;
    case 'Long':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
      if (typeof value === 'bigint' && value <= I64_MAX && value >= -I64_MAX - 1n) return Number(value);
      return undefined;
    case 'Boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'Extension':
      if (t.name === 'decimal') {
        const s = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value : '';
        if (!/^-?\d{1,15}(\.\d{1,4})?$/.test(s)) return undefined;
        return { __extn: { fn: 'decimal', arg: s.includes('.') ? s : s + '.0' } };
      }
      if (typeof value !== 'string') return undefined;
      {
        const [addr, prefix, ...rest] = value.split('/');
        if (rest.length > 0 || !addr || isIP(addr) === 0) return undefined;
        if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) return undefined;
        return { __extn: { fn: 'ip', arg: value } };
      }
    case 'Set': {
      if (!Array.isArray(value)) return undefined;
      const out: CedarJson[] = [];
      for (const v of value) {
        const c = toCedar(v, t.element, normalize, undefined, paths);
        if (c === undefined) return undefined;
        out.push(c);
      }
      return out;
    }
    case 'Record': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
      const src = value as Record<string, unknown>;
      const out: Record<string, CedarJson> = {};
      for (const [k, a] of Object.entries(t.attrs)) {
        if (!Object.prototype.hasOwnProperty.call(src, k) || src[k] === undefined) {
          if (a.required) return undefined;
          continue;
        }
        const c = toCedar(src[k], a.type, normalize, invalid && { prefix: `${invalid.prefix}${k}.`, out: invalid.out }, paths && { ctx: paths.ctx, name: `${paths.name}.${k}` });
        if (c === undefined) {
          if (a.required) return undefined;
          invalid?.out.add(`${invalid.prefix}${k}`);
          continue;
        }
        out[k] = c;
      }
      return out;
    }
  }
}

export interface ConvertedArguments {
  arguments: Record<string, CedarJson>;
  normalized: Record<string, CedarJson>;
  invalid: string[];
}

/** Convert a call's arguments against the declared `Arguments` attributes. */
export function convertArguments(args: unknown, declared: Record<string, ArgType>, paths?: PathContext): ConvertedArguments {
  const out: ConvertedArguments = { arguments: {}, normalized: {}, invalid: [] };
  if (!args || typeof args !== 'object' || Array.isArray(args)) return out;
  const src = args as Record<string, unknown>;
  const invalid = new Set<string>();
  for (const [k, t] of Object.entries(declared)) {
    if (!Object.prototype.hasOwnProperty.call(src, k) || src[k] === undefined || src[k] === null) continue;
    const raw = toCedar(src[k], t, false, { prefix: `${k}.`, out: invalid });
    const norm = toCedar(src[k], t, true, paths && { prefix: `${k}.`, out: invalid }, paths && { ctx: paths, name: k });
    if (raw === undefined || norm === undefined) {
      invalid.add(k);
      continue;
    }
    out.arguments[k] = raw;
    out.normalized[k] = norm;
  }
  out.invalid = [...invalid].sort();
  return out;
}
