/**
 * OWASP MCP07 — insufficient authentication / authorization: every session carries a verified
 * principal. Bearer JWTs (issuer, audience, expiry, algorithm, signature, key rotation, scopes),
 * API keys (hash only, constant-time compare, expiry, revocation), and the HTTP plumbing
 * (WWW-Authenticate, RFC 9728 metadata, auth: none only on loopback).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SignJWT, exportJWK, generateKeyPair, base64url, type JWK, type CryptoKey } from 'jose';
import { createJwtVerifier, type JwtConfig } from '../../src/identity/jwt.js';
import { createApiKey, memoryApiKeyStore, verifyApiKey, revokeApiKey, parseExpiry, sha256Hex } from '../../src/identity/apikeys.js';
import {
  assertAuthNoneAllowed,
  authErrorResponse,
  authenticateRequest,
  createAuthenticator,
  protectedResourceMetadata,
  resourceMetadataPaths,
  resourceMetadataUrl,
  stdioPrincipal,
  wwwAuthenticate,
} from '../../src/identity/http.js';
import type { AuthResult } from '../../src/identity/types.js';

const ISSUER = 'https://idp.example.com';
const AUDIENCE = 'http://127.0.0.1:7400/mcp';

interface Key {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}
async function newKey(kid: string, alg = 'RS256'): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, privateKey, jwk };
}

function jwtConfig(over: Partial<JwtConfig> = {}): JwtConfig {
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['RS256', 'ES256', 'EdDSA', 'PS256'],
    clockSkew: '30s',
    requiredScopes: [],
    claims: { subject: 'sub', groups: 'groups', agent: 'azp' },
    ...over,
  } as JwtConfig;
}

async function sign(key: Key, claims: Record<string, unknown>, opts: { iss?: string; aud?: string; exp?: number | string; nbf?: number; alg?: string } = {}) {
  let j = new SignJWT(claims)
    .setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: key.kid, typ: 'JWT' })
    .setIssuer(opts.iss ?? ISSUER)
    .setAudience(opts.aud ?? AUDIENCE)
    .setIssuedAt();
  j = j.setExpirationTime(opts.exp ?? '5m');
  if (opts.nbf !== undefined) j = j.setNotBefore(opts.nbf);
  return j.sign(key.privateKey);
}

function unsigned(claims: Record<string, unknown>): string {
  const enc = (o: unknown) => base64url.encode(JSON.stringify(o));
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`;
}

let k1: Key;
let jwksFile: string;
beforeAll(async () => {
  k1 = await newKey('k1');
  const dir = mkdtempSync(path.join(tmpdir(), 'pcx-jwks-'));
  jwksFile = path.join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [k1.jwk] }));
});

describe('MCP07 bearer JWT validation (table)', () => {
  const now = () => Math.floor(Date.now() / 1000);
  type Row = {
    name: string;
    token: () => Promise<string>;
    cfg?: Partial<JwtConfig>;
    status?: 401 | 403;
    error?: string;
    description?: RegExp;
    principal?: { id: string; kind: string; groups?: string[]; agent?: string };
  };
  const rows: Row[] = [
    { name: 'valid token → user principal with groups and agent', token: () => sign(k1, { sub: 'alice', groups: ['eng', 'oncall'], azp: 'cursor', scope: 'mcp:tools' }), principal: { id: 'user:alice', kind: 'User', groups: ['eng', 'oncall'], agent: 'cursor' } },
    { name: 'wrong audience (token for another resource)', token: () => sign(k1, { sub: 'alice' }, { aud: 'https://other.example.com/mcp' }), status: 401, error: 'invalid_token', description: /audience/ },
    { name: 'expired token', token: () => sign(k1, { sub: 'alice' }, { exp: now() - 120 }), status: 401, error: 'invalid_token', description: /expired/ },
    { name: 'expired within the clock skew is accepted', token: () => sign(k1, { sub: 'alice' }, { exp: now() - 5 }), principal: { id: 'user:alice', kind: 'User' } },
    { name: 'not valid yet (nbf beyond skew)', token: () => sign(k1, { sub: 'alice' }, { nbf: now() + 600 }), status: 401, error: 'invalid_token', description: /not valid yet/ },
    { name: 'wrong issuer', token: () => sign(k1, { sub: 'alice' }, { iss: 'https://evil.example.com' }), status: 401, error: 'invalid_token', description: /issuer/ },
    { name: 'alg: none (unsigned) is refused', token: async () => unsigned({ sub: 'alice', iss: ISSUER, aud: AUDIENCE, exp: now() + 300 }), status: 401, error: 'invalid_token', description: /alg "none"/ },
    {
      name: 'alg: none is refused even if listed in config',
      cfg: { algorithms: ['none', 'RS256'] },
      token: async () => unsigned({ sub: 'alice', iss: ISSUER, aud: AUDIENCE, exp: now() + 300 }),
      status: 401,
      error: 'invalid_token',
    },
    {
      name: 'HS256 (symmetric) is refused unless configured',
      token: async () => new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(new TextEncoder().encode('x'.repeat(32))),
      status: 401,
      error: 'invalid_token',
      description: /HS256 is not accepted/,
    },
    { name: 'signed by an unknown key', token: async () => sign(await newKey('k1'), { sub: 'alice' }), status: 401, error: 'invalid_token', description: /signature/ },
    { name: 'no exp claim', token: () => new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).sign(k1.privateKey), status: 401, error: 'invalid_token' },
    { name: 'garbage', token: async () => 'not-a-jwt', status: 401, error: 'invalid_token' },
    { name: 'scope shortfall → 403 insufficient_scope', cfg: { requiredScopes: ['mcp:tools', 'mcp:admin'] }, token: () => sign(k1, { sub: 'alice', scope: 'mcp:tools' }), status: 403, error: 'insufficient_scope', description: /mcp:admin/ },
    { name: 'scopes present (scp array) → ok', cfg: { requiredScopes: ['mcp:tools'] }, token: () => sign(k1, { sub: 'alice', scp: ['mcp:tools'] }), principal: { id: 'user:alice', kind: 'User' } },
    { name: 'client credentials (no sub) → agent principal', token: () => sign(k1, { client_id: 'ci-bot' }), principal: { id: 'agent:ci-bot', kind: 'Agent', agent: 'ci-bot' } },
    {
      name: 'configurable claims: roles from a nested claim become groups',
      cfg: { claims: { subject: 'preferred_username', groups: 'groups', roles: 'realm_access.roles', agent: 'azp' } },
      token: () => sign(k1, { sub: 'f81d4fae', preferred_username: 'bob', realm_access: { roles: ['admin'] } }),
      principal: { id: 'user:bob', kind: 'User', groups: ['admin'] },
    },
  ];

  test.each(rows)('$name', async (row) => {
    const v = createJwtVerifier(jwtConfig({ jwks: jwksFile, ...row.cfg }));
    const r = await v.verify(await row.token());
    if (row.principal) {
      expect(r, JSON.stringify(r)).toMatchObject({ ok: true, principal: { ...row.principal, method: 'jwt' } });
    } else {
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.status).toBe(row.status);
      expect(r.error).toBe(row.error);
      if (row.description) expect(r.description).toMatch(row.description);
      if (r.error === 'insufficient_scope') expect(r.scope).toBe('mcp:tools mcp:admin');
    }
  });
});

describe('MCP07 JWKS key rotation (remote JWKS on 127.0.0.1)', () => {
  let server: Server;
  let keys: JWK[] = [];
  let fetches = 0;
  let url = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('a new kid is fetched on first sight; a retired key stops working', async () => {
    const a = await newKey('a');
    const b = await newKey('b', 'ES256');
    keys = [a.jwk];
    const v = createJwtVerifier(jwtConfig({ jwksUrl: url }), { cooldownMs: 0 });
    expect((await v.verify(await sign(a, { sub: 'alice' }))).ok).toBe(true);
    expect((await v.verify(await sign(a, { sub: 'alice' }))).ok).toBe(true);
    expect(fetches).toBe(1); // cached

    keys = [b.jwk]; // the IdP rotates: a retired, b introduced
    const rb = await v.verify(await sign(b, { sub: 'alice' }, { alg: 'ES256' }));
    expect(rb, JSON.stringify(rb)).toMatchObject({ ok: true });
    expect(fetches).toBe(2);
    const ra = await v.verify(await sign(a, { sub: 'alice' }));
    expect(ra).toMatchObject({ ok: false, status: 401, error: 'invalid_token' });
  });

  test('a JWKS file replaced on disk is re-read when an unknown kid shows up', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pcx-jwks-rot-'));
    const file = path.join(dir, 'jwks.json');
    const a = await newKey('fa');
    const b = await newKey('fb');
    writeFileSync(file, JSON.stringify({ keys: [a.jwk] }));
    const v = createJwtVerifier(jwtConfig({ jwks: file }), { cooldownMs: 0 });
    expect((await v.verify(await sign(a, { sub: 'alice' }))).ok).toBe(true);
    expect(await v.verify(await sign(b, { sub: 'alice' }))).toMatchObject({ ok: false, error: 'invalid_token' });
    writeFileSync(file, JSON.stringify({ keys: [b.jwk] }));
    const { utimesSync } = await import('node:fs');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(await v.verify(await sign(b, { sub: 'alice' }))).toMatchObject({ ok: true });
    expect(await v.verify(await sign(a, { sub: 'alice' }))).toMatchObject({ ok: false, error: 'invalid_token' });
  });

  test('an unreachable JWKS fails closed with 401', async () => {
    const v = createJwtVerifier(jwtConfig({ jwksUrl: 'http://127.0.0.1:9/jwks.json' }), { timeoutMs: 500 });
    const r = await v.verify(await sign(k1, { sub: 'alice' }));
    expect(r).toMatchObject({ ok: false, status: 401, error: 'invalid_token' });
  });
});

describe('MCP07 API keys', () => {
  test('create → shown once, only the sha256 is stored; verify maps principal and groups', async () => {
    const store = memoryApiKeyStore();
    const { key, record } = await createApiKey(store, { principal: 'alice', groups: ['eng', 'oncall'] });
    expect(key).toMatch(/^pcx_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const stored = await store.getApiKey(record.id);
    expect(stored?.hash).toBe(sha256Hex(key));
    expect(JSON.stringify(await store.listApiKeys())).not.toContain(key.split('_').slice(2).join('_'));
    const r = await verifyApiKey(store, key);
    expect(r).toMatchObject({ ok: true, principal: { id: 'user:alice', kind: 'User', groups: ['eng', 'oncall'], method: 'api-key' } });
  });

  type Row = { name: string; mutate: (key: string, store: ReturnType<typeof memoryApiKeyStore>, id: string) => Promise<string>; description: RegExp };
  const rows: Row[] = [
    { name: 'revoked key', mutate: async (k, s, id) => (await revokeApiKey(s, id), k), description: /revoked/ },
    { name: 'wrong secret for a real id', mutate: async (k) => k.slice(0, -4) + (k.endsWith('AAAA') ? 'BBBB' : 'AAAA'), description: /unknown API key/ },
    { name: 'unknown id', mutate: async (k) => k.replace(/^pcx_[0-9a-f]{16}/, 'pcx_0000000000000000'), description: /unknown API key/ },
    { name: 'malformed key', mutate: async () => 'pcx_nope', description: /malformed/ },
  ];
  test.each(rows)('$name → 401 invalid_token', async (row) => {
    const store = memoryApiKeyStore();
    const { key, record } = await createApiKey(store, { principal: 'alice' });
    const r = await verifyApiKey(store, await row.mutate(key, store, record.id));
    expect(r).toMatchObject({ ok: false, status: 401, error: 'invalid_token' });
    if (!r.ok) expect(r.description).toMatch(row.description);
  });

  test('expired key', async () => {
    const store = memoryApiKeyStore();
    const { key } = await createApiKey(store, { principal: 'agent:ci', expiresInMs: parseExpiry('30d') });
    expect((await verifyApiKey(store, key)).ok).toBe(true);
    const later = new Date(Date.now() + parseExpiry('31d'));
    expect(await verifyApiKey(store, key, later)).toMatchObject({ ok: false, description: /expired/ });
  });

  test('agent keys give an Agent principal', async () => {
    const store = memoryApiKeyStore();
    const { key } = await createApiKey(store, { principal: 'agent:ci-bot' });
    expect(await verifyApiKey(store, key)).toMatchObject({ ok: true, principal: { id: 'agent:ci-bot', kind: 'Agent', agent: 'ci-bot' } });
  });

  test('bad durations and principals are refused', () => {
    expect(() => parseExpiry('soon')).toThrow(/duration/);
    expect(parseExpiry('12h')).toBe(43_200_000);
    return expect(createApiKey(memoryApiKeyStore(), { principal: 'group:eng' })).rejects.toThrow(/NAME/);
  });
});

describe('MCP07 HTTP authentication', () => {
  const listen = { host: '127.0.0.1', port: 7400, path: '/mcp' } as const;

  test('missing / non-bearer / API key / JWT through one authenticator', async () => {
    const store = memoryApiKeyStore();
    const auth = createAuthenticator({ auth: { apiKeys: true, jwt: jwtConfig({ jwks: jwksFile }) }, listen: listen as never }, { apiKeys: store });
    const missing = await auth.authenticate({});
    expect(missing).toMatchObject({ ok: false, status: 401 });
    expect((missing as { error?: string }).error).toBeUndefined();
    expect(await auth.authenticate({ authorization: 'Basic YWxpY2U6eA==' })).toMatchObject({ ok: false, status: 401, error: 'invalid_request' });
    const { key } = await createApiKey(store, { principal: 'alice', groups: ['eng'] });
    expect(await auth.authenticate({ authorization: `Bearer ${key}` })).toMatchObject({ ok: true, principal: { id: 'user:alice', method: 'api-key' } });
    expect(await auth.authenticate(new Headers({ Authorization: `Bearer ${await sign(k1, { sub: 'bob' })}` }))).toMatchObject({ ok: true, principal: { id: 'user:bob', method: 'jwt' } });
    expect(await auth.authenticate({ authorization: `Bearer ${unsigned({ sub: 'x' })}` })).toMatchObject({ ok: false, status: 401, error: 'invalid_token' });
  });

  test('API keys are refused when apiKeys is off', async () => {
    const r = await authenticateRequest({ authorization: 'Bearer pcx_0123456789abcdef_' + 'a'.repeat(43) }, { auth: { apiKeys: false } as never });
    expect(r).toMatchObject({ ok: false, status: 401, error: 'invalid_token' });
  });

  test('WWW-Authenticate carries resource_metadata, error and scope', () => {
    const url = resourceMetadataUrl({ listen: listen as never });
    expect(url).toBe('http://127.0.0.1:7400/.well-known/oauth-protected-resource/mcp');
    const missing: AuthResult = { ok: false, status: 401, description: 'authentication required' };
    expect(wwwAuthenticate(missing, url)).toBe(`Bearer resource_metadata="${url}"`);
    const scope: AuthResult = { ok: false, status: 403, error: 'insufficient_scope', description: 'the token lacks scope "x"', scope: 'mcp:tools mcp:admin' };
    expect(wwwAuthenticate(scope, url)).toBe(
      `Bearer resource_metadata="${url}", error="insufficient_scope", error_description="the token lacks scope \\"x\\"", scope="mcp:tools mcp:admin"`,
    );
  });

  test('authErrorResponse: 401 / 403 with headers and a JSON body', () => {
    const r = authErrorResponse({ ok: false, status: 403, error: 'insufficient_scope', description: 'needs mcp:tools', scope: 'mcp:tools' }, { listen: listen as never });
    expect(r.status).toBe(403);
    expect(r.headers['www-authenticate']).toMatch(/^Bearer resource_metadata="http:\/\/127\.0\.0\.1:7400\/\.well-known\/oauth-protected-resource\/mcp", error="insufficient_scope"/);
    expect(JSON.parse(r.body)).toEqual({ error: 'insufficient_scope', error_description: 'needs mcp:tools' });
  });

  test('RFC 9728 protected resource metadata', () => {
    const cfg = { listen: { ...listen, publicUrl: 'https://mcp.example.com/mcp' }, auth: { apiKeys: false, jwt: jwtConfig({ jwks: jwksFile, requiredScopes: ['mcp:tools'] }) } };
    expect(protectedResourceMetadata(cfg as never)).toMatchObject({
      resource: 'https://mcp.example.com/mcp',
      authorization_servers: [ISSUER],
      scopes_supported: ['mcp:tools'],
      bearer_methods_supported: ['header'],
    });
    expect(resourceMetadataPaths(cfg as never)).toEqual(['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']);
  });

  test.each([
    ['127.0.0.1', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['127.0.0.2', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
    ['example.com', false],
  ])('auth: none on %s allowed=%s', (host, ok) => {
    if (ok) expect(() => assertAuthNoneAllowed(host)).not.toThrow();
    else expect(() => assertAuthNoneAllowed(host)).toThrow(/auth: none is only allowed .*loopback/);
    if (!ok) expect(() => createAuthenticator({ auth: 'none', listen: { ...listen, host } as never })).toThrow(/loopback/);
  });

  test('auth: none on loopback gives the anonymous principal', async () => {
    const a = createAuthenticator({ auth: 'none', listen: listen as never });
    expect(await a.authenticate({ authorization: 'Bearer whatever' })).toMatchObject({ ok: true, principal: { id: 'anonymous', kind: 'Anonymous' } });
  });

  test('stdio: configured principal, else the OS user', () => {
    expect(stdioPrincipal({ apiKeys: false, stdio: { principal: 'alice', groups: ['eng'] } } as never)).toMatchObject({ id: 'user:alice', groups: ['eng'], method: 'config' });
    expect(stdioPrincipal('none')).toMatchObject({ kind: 'User', method: 'os-user' });
    expect(stdioPrincipal('none').id).toMatch(/^user:.+/);
  });
});
