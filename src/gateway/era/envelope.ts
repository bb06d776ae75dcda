/**
 * MCP 2026-07-28 vocabulary the gateway needs on both sides: the per-request `_meta` envelope, the
 * standard `Mcp-Method` / `Mcp-Name` headers, and the result fields (`resultType`, `ttlMs`, `cacheScope`).
 *
 * Key names are the v2 SDK's (`@modelcontextprotocol/core`); they are copied here rather than imported
 * because loading the SDK costs ~400 ms at start, and envelope.test.ts checks them against the SDK so
 * they cannot drift. Everything here is plain data work on an already-parsed message: no schema
 * objects per message, nothing re-serialised.
 */
export const PROTOCOL_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';
export const CLIENT_INFO_META_KEY = 'io.modelcontextprotocol/clientInfo';
export const CLIENT_CAPABILITIES_META_KEY = 'io.modelcontextprotocol/clientCapabilities';
export const SERVER_INFO_META_KEY = 'io.modelcontextprotocol/serverInfo';
/** A request's own log level (2026-07-28 has no logging/setLevel): log lines only at or above it, none without it. */
export const LOG_LEVEL_META_KEY = 'io.modelcontextprotocol/logLevel';

/** The log levels (RFC 5424 order, least severe first), as logging/setLevel and `_meta` logLevel name them. */
export const LOG_LEVELS: readonly string[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];
/** Whether a log line at `level` is at or above `wanted` (an unknown level of the server's is let through). */
export function logLevelReaches(level: unknown, wanted: string): boolean {
  const i = LOG_LEVELS.indexOf(String(level));
  return i < 0 || i >= LOG_LEVELS.indexOf(wanted);
}

type Json = Record<string, unknown>;

/** The stateless revision (per-request envelope, no initialize, MRTR). */
export const MODERN_VERSION = '2026-07-28';
/** Revisions the gateway serves in the per-request (envelope) era. */
export const MODERN_VERSIONS: readonly string[] = [MODERN_VERSION];
/** The spec's HeaderMismatch error (SEP-2243), answered with HTTP 400. */
export const HEADER_MISMATCH = -32020;
/** The spec's unsupported-protocol-version error. */
export const UNSUPPORTED_VERSION = -32022;
/** The spec's MissingRequiredClientCapability error (SEP-2575): the only in-band error answered with HTTP 400. */
export const MISSING_CLIENT_CAPABILITY = -32021;

/**
 * The requests a 2026-07-28 client may send (the core revision plus the `io.modelcontextprotocol/tasks`
 * extension the gateway relays: `tasks/get` / `update` / `cancel`; SEP-2663 removed `tasks/result` and
 * `tasks/list`). Anything else — the removed `initialize`, `ping`, `logging/setLevel`,
 * `resources/subscribe` / `unsubscribe`, or an unknown method — is answered HTTP 404 with -32601 (SEP-2575).
 */
export const MODERN_REQUEST_METHODS: ReadonlySet<string> = new Set([
  'server/discover',
  'subscriptions/listen',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'completion/complete',
  'tasks/get',
  'tasks/update',
  'tasks/cancel',
]);

export const isModernVersion = (v: unknown): v is string => typeof v === 'string' && MODERN_VERSIONS.includes(v);

export interface Envelope {
  protocolVersion: string;
  clientInfo?: { name: string; version: string };
  capabilities: Json;
}

const metaOf = (params: unknown): Json | undefined => {
  const m = params && typeof params === 'object' ? (params as Json)._meta : undefined;
  return m && typeof m === 'object' && !Array.isArray(m) ? (m as Json) : undefined;
};

/** Whether a message claims the per-request era: its `_meta` names a protocol version. */
export function hasEnvelopeClaim(msg: Json): boolean {
  return metaOf(msg.params)?.[PROTOCOL_VERSION_META_KEY] !== undefined;
}

/** The envelope of a request, or why it is unusable. */
export function readEnvelope(params: unknown): Envelope | { error: string } {
  const meta = metaOf(params);
  const v = meta?.[PROTOCOL_VERSION_META_KEY];
  if (typeof v !== 'string') return { error: `_meta["${PROTOCOL_VERSION_META_KEY}"] must be a protocol version string` };
  const ci = meta?.[CLIENT_INFO_META_KEY] as Json | undefined;
  // clientCapabilities is required (an empty object declares none); clientInfo is a SHOULD (SEP-2575).
  const caps = meta?.[CLIENT_CAPABILITIES_META_KEY];
  if (typeof caps !== 'object' || caps === null || Array.isArray(caps)) return { error: `_meta["${CLIENT_CAPABILITIES_META_KEY}"] must be an object` };
  return {
    protocolVersion: v,
    clientInfo: ci && typeof ci.name === 'string' ? { name: ci.name, version: String(ci.version ?? '') } : undefined,
    capabilities: caps as Json,
  };
}

/** The envelope keys removed from a request's `_meta` (the gateway adds its own upstream). */
export function stripEnvelope(params: Json): Json {
  const meta = metaOf(params);
  if (!meta) return params;
  const { [PROTOCOL_VERSION_META_KEY]: _v, [CLIENT_INFO_META_KEY]: _i, [CLIENT_CAPABILITIES_META_KEY]: _c, ...rest } = meta;
  const out = { ...params };
  if (Object.keys(rest).length) out._meta = rest;
  else delete out._meta;
  return out;
}

/** `params` with the envelope added for an upstream that speaks the per-request era. */
export function withEnvelope(params: unknown, env: Envelope): Json {
  const p = (params && typeof params === 'object' ? params : {}) as Json;
  const meta = metaOf(p) ?? {};
  return {
    ...p,
    _meta: {
      ...meta,
      [PROTOCOL_VERSION_META_KEY]: env.protocolVersion,
      [CLIENT_INFO_META_KEY]: env.clientInfo ?? { name: 'portcullis', version: '0' },
      [CLIENT_CAPABILITIES_META_KEY]: env.capabilities,
    },
  };
}

/** The body field `Mcp-Name` mirrors, for the methods that have one. */
export function nameSource(method: string, params: unknown): string | undefined {
  const p = params && typeof params === 'object' ? (params as Json) : undefined;
  switch (method) {
    case 'tools/call':
    case 'prompts/get':
      return typeof p?.name === 'string' ? p.name : undefined;
    case 'resources/read':
      return typeof p?.uri === 'string' ? p.uri : undefined;
    case 'tasks/get':
    case 'tasks/update':
    case 'tasks/cancel':
      return typeof p?.taskId === 'string' ? p.taskId : undefined;
    default:
      return undefined;
  }
}

const SENTINEL_PREFIX = '=?base64?';
const SENTINEL_SUFFIX = '?=';
/** Canonical Base64: whole quanta, `=` padding only where the length needs it (no missing or extra padding). */
const BASE64_CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decode an `Mcp-Name` / `Mcp-Param-*` value (SEP-2243). Only a value that both starts with `=?base64?` and
 * ends with `?=` is the sentinel; its payload must be canonical Base64 of UTF-8, else undefined (the request
 * is refused). Anything else is the literal value — including a value that merely starts with the prefix.
 */
export function decodeHeaderValue(v: string): string | undefined {
  if (!(v.startsWith(SENTINEL_PREFIX) && v.endsWith(SENTINEL_SUFFIX) && v.length >= SENTINEL_PREFIX.length + SENTINEL_SUFFIX.length)) return v;
  const b64 = v.slice(SENTINEL_PREFIX.length, v.length - SENTINEL_SUFFIX.length);
  if (!BASE64_CANONICAL.test(b64)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(b64, 'base64'));
  } catch {
    return undefined;
  }
}

/** Encode a value for an `Mcp-Name` header: as is when it is printable ASCII, else the base64 sentinel. */
export function encodeHeaderValue(v: string): string {
  // Plain when it rides as an HTTP field value unchanged; else (non-ASCII, edge whitespace, empty, or a value that
  // itself looks like the sentinel, which would otherwise be decoded on the other side) the Base64 sentinel.
  const plain = v.length > 0 && /^[\x20-\x7e]*$/.test(v) && v.trim() === v && !(v.startsWith('=?base64?') && v.endsWith('?='));
  return plain ? v : `=?base64?${Buffer.from(v, 'utf8').toString('base64')}?=`;
}

export interface HeaderView {
  protocolVersion?: string;
  method?: string;
  name?: string;
  /** `Mcp-Param-*` headers, keyed by the lower-cased name after the prefix. */
  params?: Record<string, string>;
}

/**
 * The standard-header rung for a per-request message: `MCP-Protocol-Version` and `Mcp-Method` are
 * present on requests and agree with the body, and `Mcp-Name` agrees with the name/URI/task id the
 * body carries. Returns why they disagree, or undefined. Runs before any policy: a rule keyed on a
 * header value can never see a request whose body says something else.
 */
export function headerMismatch(h: HeaderView, msg: Json, env: Envelope): string | undefined {
  const method = String(msg.method);
  const isRequest = msg.id !== undefined;
  const pv = h.protocolVersion?.trim();
  const mm = h.method?.trim();
  if (pv !== undefined && pv !== env.protocolVersion) return `the body envelope names protocol version ${env.protocolVersion} but the MCP-Protocol-Version header names ${pv}`;
  if (mm !== undefined && mm !== method) return `the body names method ${method} but the Mcp-Method header names ${mm}`;
  if (!isRequest) return undefined;
  if (pv === undefined) return 'the required MCP-Protocol-Version header is absent';
  if (mm === undefined) return `the body names method ${method} but the required Mcp-Method header is absent`;
  const body = nameSource(method, msg.params);
  if (h.name === undefined) return body === undefined ? undefined : `the body carries "${body}" but the required Mcp-Name header is absent`;
  const decoded = decodeHeaderValue(h.name.trim());
  if (decoded === undefined) return 'the Mcp-Name header carries an invalid Base64 sentinel value';
  if (decoded !== body) return `the body carries "${body ?? '(nothing)'}" but the Mcp-Name header names "${decoded}"`;
  return undefined;
}

const LIST_METHODS = new Set(['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list']);

/**
 * Stamp a result for a per-request client: every result says `resultType` (complete unless it asks
 * for input), and list/read results say how long and for whom they may be cached. Lists the
 * gateway filters per caller (policy, registry) are `private`; `ttlMs` never exceeds `maxTtlMs`.
 */
export function stampResult(method: string, result: Json, maxTtlMs: number): Json {
  const out: Json = result.resultType === undefined ? { resultType: 'complete', ...result } : result;
  if (LIST_METHODS.has(method) || method === 'resources/read') {
    const ttl = typeof result.ttlMs === 'number' && result.ttlMs >= 0 ? Math.min(result.ttlMs, maxTtlMs) : maxTtlMs;
    out.ttlMs = ttl;
    out.cacheScope = 'private';
  }
  return out;
}
