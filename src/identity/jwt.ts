/**
 * Bearer JWT validation (OAuth 2.1 resource server) with `jose`.
 *
 * Checks signature against a JWKS (file or URL, cached, re-fetched when an unknown `kid` shows
 * up so key rotation just works), issuer, audience (the gateway's resource URL, RFC 8707),
 * exp/nbf with a configurable clock skew, the algorithm (an allow-list; `none` is always
 * refused and HS* only when explicitly listed), and the required scopes (403 insufficient_scope).
 * Claims map to a Principal; MCP `clientInfo` plays no part.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { JSONWebKeySet, JWTPayload, JWTVerifyGetKey } from 'jose';
import { ms, type Config } from '../config/schema.js';
import { rememberInboundToken, type Principal } from '../shared/principal.js';
import type { AuthResult } from './types.js';

/** jose is loaded with the first token, not at start: a gateway without `auth.jwt` never loads it (~5–10 MB). */
let joseModule: Promise<typeof import('jose')> | undefined;
const loadJose = () => (joseModule ??= import('jose'));

export type JwtConfig = NonNullable<Exclude<Config['auth'], 'none'>['jwt']>;

export interface JwtVerifierOptions {
  /** Directory a relative `jwks` path is resolved against. */
  baseDir?: string;
  /** Remote JWKS: how long a fetched set is trusted (default 10 min). */
  cacheMaxAgeMs?: number;
  /** Remote JWKS: least time between re-fetches triggered by an unknown kid (default 30 s). */
  cooldownMs?: number;
  /** Remote JWKS fetch timeout (default 5 s). */
  timeoutMs?: number;
  /** Clock for tests (epoch ms). */
  now?: () => number;
}

export interface JwtVerifier {
  verify(token: string): Promise<AuthResult>;
}

const ASYMMETRIC = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);

/** Read a claim by name or dotted path (`realm_access.roles`). */
function claim(payload: JWTPayload, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(payload, name)) return payload[name];
  let cur: unknown = payload;
  for (const seg of name.split('.')) {
    if (!cur || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

function stringList(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string' && x.length > 0);
  if (typeof v === 'string') return v.split(/[\s,]+/).filter((x) => x.length > 0);
  return [];
}

/** Token scopes from `scope` (space-separated, RFC 8693/9068) or `scp` (array or string). */
export function tokenScopes(payload: JWTPayload): string[] {
  return [...new Set([...stringList(payload.scope), ...stringList(payload.scp)])];
}

export function claimsToPrincipal(payload: JWTPayload, claims: JwtConfig['claims']): Principal | undefined {
  const subRaw = claim(payload, claims.subject ?? 'sub');
  const sub = typeof subRaw === 'string' && subRaw.length > 0 ? subRaw : undefined;
  const agentRaw = claim(payload, claims.agent ?? 'azp') ?? payload.client_id;
  const agent = typeof agentRaw === 'string' && agentRaw.length > 0 ? agentRaw : undefined;
  const groups = [...new Set([...stringList(claim(payload, claims.groups ?? 'groups')), ...(claims.roles ? stringList(claim(payload, claims.roles)) : [])])];
  const scopes = tokenScopes(payload);
  const base = { groups, scopes, method: 'jwt', ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp } : {}) };
  if (sub) return { id: `user:${sub}`, kind: 'User', ...(agent ? { agent } : {}), ...base };
  if (agent) return { id: `agent:${agent}`, kind: 'Agent', agent, ...base };
  return undefined;
}

const invalid = (description: string): AuthResult => ({ ok: false, status: 401, error: 'invalid_token', description });

export function createJwtVerifier(cfg: JwtConfig, opts: JwtVerifierOptions = {}): JwtVerifier {
  const algorithms = (cfg.algorithms ?? ['RS256', 'ES256', 'EdDSA', 'PS256']).filter((a) => a.toLowerCase() !== 'none');
  if (algorithms.length === 0) throw new Error('auth.jwt.algorithms: no usable algorithm (none is never accepted)');
  for (const a of algorithms) {
    if (!ASYMMETRIC.has(a) && !/^HS(256|384|512)$/.test(a)) throw new Error(`auth.jwt.algorithms: unknown algorithm "${a}"`);
  }
  if (!cfg.jwks && !cfg.jwksUrl) throw new Error('auth.jwt needs "jwks" (a JWKS file) or "jwksUrl"');
  const skewSec = Math.ceil(ms(cfg.clockSkew ?? '30s') / 1000);
  const required = cfg.requiredScopes ?? [];

  let keys: JWTVerifyGetKey | undefined;
  let loading: Promise<JWTVerifyGetKey> | undefined;
  // A JWKS file is re-read when it changed on disk and a token names a kid it does not hold
  // (rotation by replacing the file), at most once per cooldown.
  let fileMtime = 0;
  let lastFileCheck = 0;
  const fileChanged = async (): Promise<boolean> => {
    if (cfg.jwksUrl || !cfg.jwks) return false;
    const now = Date.now();
    if (now - lastFileCheck < (opts.cooldownMs ?? 5_000)) return false;
    lastFileCheck = now;
    try {
      const m = (await stat(path.resolve(opts.baseDir ?? process.cwd(), cfg.jwks))).mtimeMs;
      if (m !== fileMtime) {
        keys = undefined;
        loading = undefined;
        return true;
      }
    } catch {
      /* keep the keys we have */
    }
    return false;
  };
  const getKeys = async (): Promise<JWTVerifyGetKey> => {
    if (keys) return keys;
    loading ??= (async () => {
      const { createLocalJWKSet, createRemoteJWKSet } = await loadJose();
      if (cfg.jwksUrl) {
        return createRemoteJWKSet(new URL(cfg.jwksUrl), {
          cacheMaxAge: opts.cacheMaxAgeMs ?? 600_000,
          cooldownDuration: opts.cooldownMs ?? 30_000,
          timeoutDuration: opts.timeoutMs ?? 5_000,
        });
      }
      const file = path.resolve(opts.baseDir ?? process.cwd(), cfg.jwks as string);
      fileMtime = (await stat(file)).mtimeMs;
      const set = JSON.parse(await readFile(file, 'utf8')) as JSONWebKeySet;
      if (!set || !Array.isArray(set.keys)) throw new Error(`${file}: not a JWKS (no "keys" array)`);
      return createLocalJWKSet(set);
    })();
    try {
      keys = await loading;
      return keys;
    } catch (e) {
      loading = undefined;
      throw e;
    }
  };

  return {
    async verify(token: string): Promise<AuthResult> {
      const jose = await loadJose();
      let alg: string | undefined;
      try {
        alg = jose.decodeProtectedHeader(token).alg;
      } catch {
        return invalid('the bearer token is not a JWT');
      }
      if (!alg || alg.toLowerCase() === 'none') return invalid('unsigned tokens (alg "none") are not accepted');
      if (!algorithms.includes(alg)) return invalid(`token algorithm ${alg} is not accepted (allowed: ${algorithms.join(', ')})`);
      let getKey: JWTVerifyGetKey;
      try {
        getKey = await getKeys();
      } catch (e) {
        return invalid(`cannot load the signing keys: ${(e as Error).message}`);
      }
      let payload: JWTPayload;
      const currentDate = opts.now ? new Date(opts.now()) : undefined;
      const check = (k: JWTVerifyGetKey) =>
        jose.jwtVerify(token, k, {
          issuer: cfg.issuer,
          audience: cfg.audience,
          algorithms,
          clockTolerance: skewSec,
          requiredClaims: ['exp'],
          ...(currentDate ? { currentDate } : {}),
        });
      try {
        ({ payload } = await check(getKey));
      } catch (e) {
        if (!(e instanceof jose.errors.JWKSNoMatchingKey) || !(await fileChanged())) return invalid(describeJoseError(e, jose.errors));
        try {
          ({ payload } = await check(await getKeys()));
        } catch (e2) {
          return invalid(describeJoseError(e2, jose.errors));
        }
      }
      const principal = claimsToPrincipal(payload, cfg.claims ?? { subject: 'sub', groups: 'groups', agent: 'azp' });
      if (!principal) return invalid('the token names no subject or client');
      // The session opened with this token is bound to it (jti when present, and the token's hash).
      principal.credential = `jwt:${typeof payload.jti === 'string' ? `${payload.jti}:` : ''}${createHash('sha256').update(token).digest('hex').slice(0, 32)}`;
      // Kept off the object (never logged or audited): what RFC 8693 token exchange to an upstream starts from.
      rememberInboundToken(principal, token);
      const have = new Set(principal.scopes ?? []);
      const missing = required.filter((s) => !have.has(s));
      if (missing.length > 0) {
        return { ok: false, status: 403, error: 'insufficient_scope', description: `the token lacks scope ${missing.join(' ')}`, scope: required.join(' ') };
      }
      return { ok: true, principal };
    },
  };
}

function describeJoseError(e: unknown, joseErrors: typeof import('jose').errors): string {
  if (e instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    switch (e.claim) {
      case 'iss':
        return 'the token was issued by an untrusted issuer';
      case 'aud':
        return 'the token is not meant for this resource (audience)';
      case 'nbf':
        return 'the token is not valid yet';
      case 'exp':
        return 'the token has no expiry';
      default:
        return `token claim check failed: ${e.claim} (${e.reason})`;
    }
  }
  if (e instanceof joseErrors.JWKSNoMatchingKey) return 'no signing key matches the token (unknown kid)';
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return 'the token algorithm is not accepted';
  if (e instanceof joseErrors.JWKSTimeout) return 'timed out fetching the signing keys';
  if (e instanceof joseErrors.JWTInvalid || e instanceof joseErrors.JWSInvalid) return 'the token is malformed';
  return `the token is invalid: ${(e as Error)?.message ?? String(e)}`;
}
