/**
 * Identity at the listeners.
 *
 * HTTP: `Authorization: Bearer <token>` where the token is an API key (`pcx_…`, when
 * `auth.apiKeys` is on) or a JWT (when `auth.jwt` is set). `auth: none` gives the anonymous
 * principal and is only allowed on loopback binds. The listener answers failures with
 * `wwwAuthenticate(...)` (401 / 403) and serves `protectedResourceMetadata(config)` at
 * `resourceMetadataPaths(config)` (RFC 9728).
 *
 * stdio: the local OS user, or `auth.stdio.principal` from the config.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../config/schema.js';
import { type ApiKeyStore, looksLikeApiKey, verifyApiKey } from './apikeys.js';
import { createJwtVerifier, type JwtVerifier, type JwtVerifierOptions } from './jwt.js';
import { ANONYMOUS, type AuthResult } from './types.js';
import { isLoopbackHost } from './local.js';

export type { AuthResult } from './types.js';
export { ANONYMOUS } from './types.js';
export { isLoopbackHost, stdioPrincipal } from './local.js';

export type HeaderBag = IncomingHttpHeaders | Headers | Record<string, string | string[] | undefined>;

export interface AuthenticateOptions {
  auth: Config['auth'];
  /** Required when `auth.jwt` is set (see createJwtVerifier / createAuthenticator). */
  jwt?: JwtVerifier;
  /** Required when `auth.apiKeys` is on. */
  apiKeys?: ApiKeyStore;
  now?: () => Date;
  /** Called with unexpected errors (key store down...), for the log. */
  onError?: (err: unknown) => void;
}

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const bag = headers as Record<string, string | string[] | undefined>;
  let v = bag[name] ?? bag[name.toLowerCase()];
  if (v === undefined) {
    const k = Object.keys(bag).find((x) => x.toLowerCase() === name.toLowerCase());
    v = k ? bag[k] : undefined;
  }
  if (Array.isArray(v)) return v.length === 1 ? v[0] : v.join(', ');
  return v;
}

/** Authenticate one HTTP request. Never throws for bad credentials. */
export async function authenticateRequest(headers: HeaderBag, opts: AuthenticateOptions): Promise<AuthResult> {
  if (opts.auth === 'none') return { ok: true, principal: { ...ANONYMOUS, groups: [], credential: 'none' } };
  const h = header(headers, 'authorization');
  if (h === undefined || h.trim() === '') return { ok: false, status: 401, description: 'authentication required: send Authorization: Bearer <token>' };
  const m = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(h);
  if (!m) return { ok: false, status: 401, error: 'invalid_request', description: 'the Authorization header must be "Bearer <token>"' };
  const token = m[1] as string;
  try {
    if (looksLikeApiKey(token)) {
      if (!opts.auth.apiKeys || !opts.apiKeys) return { ok: false, status: 401, error: 'invalid_token', description: 'API keys are not enabled on this gateway' };
      return await verifyApiKey(opts.apiKeys, token, opts.now?.() ?? new Date());
    }
    if (!opts.auth.jwt || !opts.jwt) return { ok: false, status: 401, error: 'invalid_token', description: 'bearer tokens (JWT) are not enabled on this gateway' };
    return await opts.jwt.verify(token);
  } catch (e) {
    // A store or network failure: fail closed; the detail goes to the log, not to the client.
    opts.onError?.(e);
    return { ok: false, status: 401, error: 'invalid_token', description: 'the token could not be verified (gateway error); try again later' };
  }
}

export interface Authenticator {
  authenticate(headers: HeaderBag): Promise<AuthResult>;
}

/** Build the HTTP authenticator from the config (throws on a config error such as auth: none beyond loopback). */
export function createAuthenticator(
  config: Pick<Config, 'auth' | 'listen'>,
  deps: { apiKeys?: ApiKeyStore; baseDir?: string; jwt?: JwtVerifierOptions; onError?: (err: unknown) => void } = {},
): Authenticator {
  const auth = config.auth;
  if (auth === 'none') assertAuthNoneAllowed(config.listen.host);
  else if (!auth.jwt && !auth.apiKeys) {
    throw new Error('auth: neither jwt nor apiKeys is configured, so nobody could connect; set auth.apiKeys: true, auth.jwt, or auth: none (loopback only)');
  }
  const jwt = auth !== 'none' && auth.jwt ? createJwtVerifier(auth.jwt, { baseDir: deps.baseDir, ...deps.jwt }) : undefined;
  if (auth !== 'none' && auth.apiKeys && !deps.apiKeys) throw new Error('auth.apiKeys is on but no key store was given');
  const opts: AuthenticateOptions = { auth, ...(jwt ? { jwt } : {}), ...(deps.apiKeys ? { apiKeys: deps.apiKeys } : {}), ...(deps.onError ? { onError: deps.onError } : {}) };
  return { authenticate: (headers) => authenticateRequest(headers, opts) };
}

function quote(s: string): string {
  return s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
}

/** The `WWW-Authenticate` value for a failed AuthResult (RFC 6750 + RFC 9728 `resource_metadata`). */
export function wwwAuthenticate(result: AuthResult, resourceMetadataUrl: string): string {
  const parts = [`resource_metadata="${quote(resourceMetadataUrl)}"`];
  if (!result.ok) {
    if (result.error) parts.push(`error="${result.error}"`);
    if (result.error) parts.push(`error_description="${quote(result.description)}"`);
    if (result.scope) parts.push(`scope="${quote(result.scope)}"`);
  }
  return `Bearer ${parts.join(', ')}`;
}

/** The resource identifier: `listen.publicUrl`, or the URL of the MCP endpoint from host/port/path. */
export function resourceUrl(config: Pick<Config, 'listen'>): string {
  const l = config.listen;
  if (l.publicUrl) return l.publicUrl;
  const host = l.host.includes(':') && !l.host.startsWith('[') ? `[${l.host}]` : l.host === '0.0.0.0' || l.host === '::' ? '127.0.0.1' : l.host;
  return `http://${host}:${l.port}${l.path}`;
}

/** Where the metadata document lives (RFC 9728 §3.1: well-known segment before the resource path). */
export function resourceMetadataUrl(config: Pick<Config, 'listen'>): string {
  const u = new URL(resourceUrl(config));
  const p = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  return `${u.origin}/.well-known/oauth-protected-resource${p}`;
}

/** Paths the listener serves the metadata at: the path-suffixed form and the bare one. */
export function resourceMetadataPaths(config: Pick<Config, 'listen'>): string[] {
  const u = new URL(resourceMetadataUrl(config));
  const paths = [u.pathname, '/.well-known/oauth-protected-resource'];
  return [...new Set(paths)];
}

/** RFC 9728 protected resource metadata. */
export function protectedResourceMetadata(config: Pick<Config, 'listen' | 'auth'>): Record<string, unknown> {
  const auth = config.auth;
  const jwt = auth !== 'none' ? auth.jwt : undefined;
  const doc: Record<string, unknown> = {
    resource: resourceUrl(config),
    bearer_methods_supported: ['header'],
  };
  if (jwt) {
    doc.authorization_servers = jwt.authorizationServers ?? [jwt.issuer];
    if (jwt.requiredScopes && jwt.requiredScopes.length > 0) doc.scopes_supported = jwt.requiredScopes;
  }
  doc.resource_name = 'Portcullis MCP gateway';
  return doc;
}

/** `auth: none` is only allowed on a loopback bind; throws a config error naming the fix otherwise. */
export function assertAuthNoneAllowed(host: string): void {
  if (!isLoopbackHost(host)) {
    throw new Error(
      `config: auth: none is only allowed when listen.host is loopback (127.0.0.1, ::1, localhost), not "${host}"; ` +
        'configure auth.jwt or auth.apiKeys, or bind to 127.0.0.1',
    );
  }
}

/**
 * What the listener sends for a failed authentication: status, headers and a JSON body
 * (`{ error, error_description }`, RFC 6750 §3). The body never echoes the token.
 */
export function authErrorResponse(
  result: Extract<AuthResult, { ok: false }>,
  config: Pick<Config, 'listen'>,
): { status: 401 | 403; headers: Record<string, string>; body: string } {
  return {
    status: result.status,
    headers: {
      'www-authenticate': wwwAuthenticate(result, resourceMetadataUrl(config)),
      'content-type': 'application/json',
      'cache-control': 'no-store',
    },
    body: JSON.stringify({ error: result.error ?? 'unauthorized', error_description: result.description }),
  };
}
