/**
 * A real OAuth 2.1 / OpenID authorization server (oidc-provider) and an MCP server protected by it,
 * in the test process, plus a scripted "browser" that signs a user in.
 *
 * - The authorization server: dynamic client registration, PKCE S256 required, resource indicators
 *   (RFC 8707) with JWT access tokens whose audience is the resource, refresh tokens, and an RFC 8693
 *   token-exchange grant. Sign-in and consent are answered for the user the browser names
 *   (`x-test-user`), as a person clicking through would.
 * - The protected MCP server: RFC 9728 metadata; every request must carry a bearer JWT that jose
 *   verifies against the server's JWKS (issuer, audience = this resource, expiry), else 401 with
 *   `WWW-Authenticate: Bearer resource_metadata=…`. Its `whoami` tool answers the token's subject;
 *   it records every token it accepted (for the "never leaks" checks).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, type JWTPayload } from 'jose';
import Provider from 'oidc-provider';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export interface AuthServer {
  issuer: string;
  provider: InstanceType<typeof Provider>;
  /** Refresh-token grants served (to see the gateway refresh). */
  refreshes: number;
  /** Token exchanges served. */
  exchanges: number;
  /** An access token for `user` at `audience`, as another client of this server would hold (the gateway's inbound token). */
  issueAccessToken(user: string, audience: string, clientId: string): Promise<string>;
  close(): Promise<void>;
}

/** `clients`: pre-registered clients (e.g. the gateway's own, for token exchange). */
export async function startAuthServer(opts: { accessTokenTtl?: number; clients?: Array<Record<string, unknown>> } = {}): Promise<AuthServer> {
  const server = http.createServer();
  const issuer = await listen(server);
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'k1', use: 'sig', alg: 'RS256' };
  const ttl = opts.accessTokenTtl ?? 3600;
  const state = { refreshes: 0, exchanges: 0 };
  const provider = new Provider(issuer, {
    jwks: { keys: [jwk] },
    clients: opts.clients ?? [],
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined as unknown as string,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({ scope: 'mcp', audience: resource, accessTokenTTL: ttl, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
      },
    },
    pkce: { required: () => true, methods: ['S256'] },
    scopes: ['openid', 'offline_access', 'mcp'],
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    ttl: { AccessToken: ttl, AuthorizationCode: 60, Grant: 3600, Interaction: 600, Session: 3600, RefreshToken: 86400 },
  } as never);
  provider.on('grant.success', (ctx: { oidc: { params?: { grant_type?: string } } }) => {
    if (ctx.oidc.params?.grant_type === 'refresh_token') state.refreshes++;
  });

  // RFC 8693: the subject token must be an access token this server issued (a JWT it signed) for
  // the exchanging client's use; the answer is a new one for the requested audience, same subject.
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  provider.registerGrantType(
    TOKEN_EXCHANGE,
    async (ctx: any, next: () => Promise<void>) => {
      const p = ctx.oidc.params as Record<string, string | undefined>;
      let claims: JWTPayload;
      try {
        ({ payload: claims } = await jwtVerify(p.subject_token ?? '', jwks, { issuer }));
      } catch {
        ctx.status = 400;
        ctx.body = { error: 'invalid_grant', error_description: 'subject_token is not valid' };
        return next();
      }
      const audience = p.audience ?? p.resource;
      if (!audience || !claims.sub) {
        ctx.status = 400;
        ctx.body = { error: 'invalid_target' };
        return next();
      }
      state.exchanges++;
      const { AccessToken } = ctx.oidc.provider;
      const resourceServer = { audience, scope: p.scope ?? 'mcp', accessTokenFormat: 'jwt', accessTokenTTL: ttl, jwt: { sign: { alg: 'RS256' } } };
      const at = new AccessToken({ accountId: claims.sub, client: ctx.oidc.client, gty: 'token-exchange', scope: p.scope ?? 'mcp', resourceServer });
      const value = await at.save();
      ctx.body = { access_token: value, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: at.expiration, scope: at.scope };
      return next();
    },
    ['subject_token', 'subject_token_type', 'audience', 'resource', 'scope', 'requested_token_type'],
  );

  const handler = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', issuer);
    if (url.pathname.startsWith('/interaction/')) return void interaction(provider, req, res).catch((e: unknown) => {
      res.writeHead(500);
      res.end(String(e));
    });
    return handler(req, res);
  });
  return {
    issuer,
    provider,
    get refreshes() {
      return state.refreshes;
    },
    get exchanges() {
      return state.exchanges;
    },
    async issueAccessToken(user, audience, clientId) {
      const client = await provider.Client.find(clientId);
      const resourceServer = { audience, scope: 'mcp', accessTokenFormat: 'jwt', accessTokenTTL: ttl, jwt: { sign: { alg: 'RS256' } } };
      const at = new provider.AccessToken({ accountId: user, client, scope: 'mcp', resourceServer } as never);
      return at.save();
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Sign-in and consent, answered for the user the browser names. */
async function interaction(provider: InstanceType<typeof Provider>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = (await provider.interactionDetails(req, res)) as any;
  const user = String(req.headers['x-test-user'] ?? '');
  if (!user) throw new Error('the test browser did not say who signs in');
  if (details.prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId: user } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
  const d = details.prompt.details;
  if (d.missingOIDCScope) grant!.addOIDCScope(d.missingOIDCScope.join(' '));
  if (d.missingOIDCClaims) grant!.addOIDCClaims(d.missingOIDCClaims);
  if (d.missingResourceScopes) for (const [indicator, scopes] of Object.entries(d.missingResourceScopes as Record<string, string[]>)) grant!.addResourceScope(indicator, scopes.join(' '));
  const grantId = await grant!.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

/**
 * A person at a browser: open the link, follow redirects (keeping cookies) through sign-in and
 * consent as `user`, until the gateway's callback answers. Returns that answer.
 */
export async function signIn(
  authorizationUrl: string,
  user: string,
  opts: { tamper?(callbackUrl: URL): URL; deliver?(callbackUrl: URL): Promise<{ status: number; text: string }> } = {},
): Promise<{ status: number; text: string; callbackUrl: string }> {
  const jar = new Map<string, string>();
  let url = authorizationUrl;
  let method = 'GET';
  for (let i = 0; i < 20; i++) {
    const host = new URL(url).host;
    const cookie = [...jar].filter(([k]) => k.startsWith(`${host}\0`)).map(([k, v]) => `${k.split('\0')[1]}=${v}`).join('; ');
    const r = await fetch(url, { method, redirect: 'manual', headers: { 'x-test-user': user, ...(cookie ? { cookie } : {}) } });
    for (const sc of r.headers.getSetCookie()) {
      const [pair] = sc.split(';');
      const eq = pair!.indexOf('=');
      jar.set(`${host}\0${pair!.slice(0, eq).trim()}`, pair!.slice(eq + 1).trim());
    }
    const loc = r.headers.get('location');
    if (r.status >= 300 && r.status < 400 && loc) {
      let next = new URL(loc, url);
      if (next.pathname === '/oauth/callback') {
        if (opts.tamper) next = opts.tamper(next);
        if (opts.deliver) return { ...(await opts.deliver(next)), callbackUrl: next.href };
        const cb = await fetch(next, { redirect: 'manual' });
        return { status: cb.status, text: await cb.text(), callbackUrl: next.href };
      }
      url = next.href;
      method = 'GET';
      continue;
    }
    throw new Error(`sign-in stopped at ${url}: HTTP ${r.status} ${(await r.text()).slice(0, 500)}`);
  }
  throw new Error('sign-in did not finish in 20 steps');
}

export interface ProtectedUpstream {
  url: string;
  /** Every access token the server accepted, and the subject it named. */
  accepted: Array<{ token: string; sub: string; jti?: string }>;
  /** Subjects whose tokens it now refuses (401), as if revoked at the authorization server. */
  refuse: Set<string>;
  close(): Promise<void>;
}

/** An MCP server that accepts only bearer JWTs from `issuer` for its own URL (the audience). */
export async function startProtectedUpstream(issuer: string, opts: { scopes?: string[]; claimResource?: string } = {}): Promise<ProtectedUpstream> {
  const server = http.createServer();
  const base = await listen(server);
  const url = `${base}/mcp`;
  const prm = `${base}/.well-known/oauth-protected-resource/mcp`;
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  const accepted: ProtectedUpstream['accepted'] = [];
  const refuse = new Set<string>();
  server.on('request', async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', base).pathname;
    if (path === '/.well-known/oauth-protected-resource/mcp' || path === '/.well-known/oauth-protected-resource') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ resource: opts.claimResource ?? url, authorization_servers: [issuer], scopes_supported: opts.scopes ?? ['mcp'], bearer_methods_supported: ['header'] }));
      return;
    }
    if (path !== '/mcp') {
      res.writeHead(404);
      res.end();
      return;
    }
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    let claims: JWTPayload | undefined;
    if (m) {
      try {
        ({ payload: claims } = await jwtVerify(m[1]!, jwks, { issuer, audience: url }));
      } catch {
        claims = undefined;
      }
    }
    if (!claims?.sub || refuse.has(claims.sub)) {
      res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${prm}"${m ? ', error="invalid_token"' : ''}`, 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    accepted.push({ token: m![1]!, sub: claims.sub, ...(claims.jti ? { jti: claims.jti } : {}) });
    const sub = claims.sub;
    const mcp = new Server({ name: 'protected', version: '1.0.0' }, { capabilities: { tools: {} } });
    mcp.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [{ name: 'whoami', description: 'The subject of the bearer token', inputSchema: { type: 'object', properties: {} } }] }));
    mcp.setRequestHandler(CallToolRequestSchema, async () => ({ content: [{ type: 'text', text: `you are ${sub}` }] }));
    const t = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => void t.close().catch(() => undefined));
    await mcp.connect(t);
    await t.handleRequest(req, res);
  });
  return {
    url,
    accepted,
    refuse,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export const uniqueUser = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;
