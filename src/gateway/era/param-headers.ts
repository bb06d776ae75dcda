/**
 * `Mcp-Param-*` headers (2026-07-28, SEP-2243 custom headers): a tool may mark properties of its
 * `inputSchema` with `x-mcp-header: Name`, and a Streamable HTTP client then mirrors each such
 * argument of a `tools/call` into an `Mcp-Param-Name` header, so that intermediaries can route on it.
 *
 * Both sides of the gateway care:
 * - downstream, a header that disagrees with the body must be refused (HTTP 400 HeaderMismatch)
 *   before any policy runs, or a load balancer or rule keyed on the header sees one value while the
 *   tool runs with another; a header the tool does not declare cannot be interpreted and is refused too;
 * - upstream, the gateway is the client: it mirrors the arguments it actually sends (after
 *   redaction), and drops tool definitions whose declarations the spec says a client must reject
 *   (an invalid name would let a definition inject header lines).
 *
 * Declarations are only reachable through nested `properties` (never under `items`, `anyOf`, …:
 * those make the definition invalid), names are RFC 9110 tokens, unique case-insensitively, on
 * `string`, `integer` or `boolean` properties.
 */
import { decodeHeaderValue, encodeHeaderValue } from './envelope.js';

type Json = Record<string, unknown>;

export const PARAM_HEADER_PREFIX = 'mcp-param-';

export interface ParamDeclaration {
  /** The `{Name}` of `Mcp-Param-{Name}`, as declared. */
  header: string;
  /** Property names from the arguments object down to the value. */
  path: string[];
  type: 'string' | 'integer' | 'boolean';
}

export type ParamScan = { ok: true; declarations: ParamDeclaration[] } | { ok: false; reason: string };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const UNREACHABLE = ['items', 'prefixItems', 'contains', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'propertyNames', 'patternProperties', 'dependentSchemas', 'oneOf', 'anyOf', 'allOf', 'not', 'if', 'then', 'else', '$defs', 'definitions'];
/** Schemas nest; a definition deeper than this is refused rather than walked (no recursion an attacker can pad). */
const MAX_DEPTH = 32;

const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Does `x-mcp-header` occur anywhere under `v` (used for the keywords it may not sit under)? */
function mentions(v: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH) return true;
  if (Array.isArray(v)) return v.some((x) => mentions(x, depth + 1));
  if (!isObj(v)) return false;
  if ('x-mcp-header' in v) return true;
  return Object.values(v).some((x) => mentions(x, depth + 1));
}

/** The declarations of one tool's `inputSchema`, or why the definition must be rejected. */
export function scanParamHeaders(schema: unknown): ParamScan {
  const out: ParamDeclaration[] = [];
  const seen = new Set<string>();
  const visit = (s: unknown, path: string[]): string | undefined => {
    if (!isObj(s)) return undefined;
    if (path.length > MAX_DEPTH) return `inputSchema nests deeper than ${MAX_DEPTH} properties`;
    for (const k of UNREACHABLE) if (k in s && mentions(s[k], 0)) return `x-mcp-header under "${k}" at ${path.join('.') || '<root>'} is not reachable through properties`;
    if ('x-mcp-header' in s) {
      const name = s['x-mcp-header'];
      const where = path.join('.') || '<root>';
      if (path.length === 0) return 'x-mcp-header on the root schema';
      if (typeof name !== 'string' || name.length === 0) return `x-mcp-header at ${where} is empty or not a string`;
      if (!TOKEN.test(name)) return `x-mcp-header at ${where} is not an HTTP token`;
      const lower = name.toLowerCase();
      if (seen.has(lower)) return `x-mcp-header "${name}" is declared twice`;
      seen.add(lower);
      const t = s.type;
      if (t !== 'string' && t !== 'integer' && t !== 'boolean') return `x-mcp-header "${name}" is on a property of type ${JSON.stringify(t ?? null)} (only string, integer and boolean)`;
      out.push({ header: name, path, type: t });
    }
    const props = s.properties;
    if (props === undefined) return undefined;
    if (!isObj(props)) return mentions(props, 0) ? `properties at ${path.join('.') || '<root>'} is not an object` : undefined;
    for (const [k, sub] of Object.entries(props)) {
      const why = visit(sub, [...path, k]);
      if (why) return why;
    }
    return undefined;
  };
  const why = visit(schema, []);
  return why ? { ok: false, reason: why } : { ok: true, declarations: out };
}

function valueAt(args: unknown, path: readonly string[]): unknown {
  let v = args;
  for (const k of path) {
    if (!isObj(v) || !Object.hasOwn(v, k)) return undefined;
    v = v[k];
  }
  return v;
}

/** The header text of an argument value of the declared type, or undefined when it is absent, null or not of that type. */
function headerText(v: unknown, type: ParamDeclaration['type']): string | undefined {
  if (type === 'string') return typeof v === 'string' ? v : undefined;
  if (type === 'boolean') return typeof v === 'boolean' ? String(v) : undefined;
  return typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : undefined;
}

/** The `Mcp-Param-*` headers for the arguments the gateway sends upstream. */
export function buildParamHeaders(decls: readonly ParamDeclaration[], args: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of decls) {
    const text = headerText(valueAt(args, d.path), d.type);
    if (text !== undefined) out[`${PARAM_HEADER_PREFIX}${d.header.toLowerCase()}`] = encodeHeaderValue(text);
  }
  return out;
}

/**
 * Why the client's `Mcp-Param-*` headers (`received`: lower-cased name after the prefix → raw value)
 * disagree with the arguments, or undefined. Every declared argument present in the body must be
 * mirrored with the same value; no header may stand for an absent argument or an undeclared name.
 */
export function paramHeaderMismatch(decls: readonly ParamDeclaration[], args: unknown, received: Readonly<Record<string, string>>): string | undefined {
  const declared = new Map(decls.map((d) => [d.header.toLowerCase(), d]));
  for (const name of Object.keys(received)) {
    if (!declared.has(name)) return `the Mcp-Param-${name} header names no x-mcp-header parameter of this tool`;
  }
  for (const [lower, d] of declared) {
    const raw = received[lower];
    const value = valueAt(args, d.path);
    const text = headerText(value, d.type);
    if (value === undefined || value === null) {
      if (raw !== undefined) return `the Mcp-Param-${d.header} header is present but the argument ${d.path.join('.')} is absent`;
      continue;
    }
    if (text === undefined) return `the argument ${d.path.join('.')} mirrored by Mcp-Param-${d.header} is not a ${d.type}`;
    if (raw === undefined) return `the argument ${d.path.join('.')} is present but the required Mcp-Param-${d.header} header is absent`;
    const decoded = decodeHeaderValue(raw.trim());
    if (decoded === undefined) return `the Mcp-Param-${d.header} header carries an invalid Base64 sentinel value`;
    const same = d.type === 'integer' && typeof value === 'number' ? /^-?\d+$/.test(decoded.trim()) && Number(decoded) === value : decoded === text;
    if (!same) return `the argument ${d.path.join('.')} is ${JSON.stringify(text)} but the Mcp-Param-${d.header} header says ${JSON.stringify(decoded)}`;
  }
  return undefined;
}

/** The `Mcp-Param-*` headers of a request, keyed by the lower-cased name after the prefix. Repeated headers are joined (and so never match a value). */
export function receivedParamHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || !k.toLowerCase().startsWith(PARAM_HEADER_PREFIX)) continue;
    out[k.toLowerCase().slice(PARAM_HEADER_PREFIX.length)] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

const scans = new WeakMap<object, ParamScan>();
/** `scanParamHeaders` of a tool definition's `inputSchema`, computed once per definition object. */
export function paramScanOf(definition: Json): ParamScan {
  let s = scans.get(definition);
  if (!s) scans.set(definition, (s = scanParamHeaders(definition.inputSchema)));
  return s;
}
