/**
 * MCP01 / MCP07: the gateway acts upstream as each user, with that user's own OAuth tokens, which
 * neither the agent nor anything it can read ever holds. A real OAuth 2.1 / OpenID authorization
 * server (oidc-provider) and an MCP server that accepts only JWTs it issued for itself run in the
 * test process (test/helpers/oauth.ts). Two users, one upstream: each call reaches the upstream with
 * that user's own token; a user without one gets a sign-in link (RFC 9728 → RFC 8414 discovery,
 * dynamic registration, PKCE), the callback stores the tokens sealed, they are refreshed before they
 * expire, a callback replayed or forged stores nothing, revoking the principal drops its tokens,
 * and no token value appears in the log, the audit log, errors, /metrics, the admin API or the store file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitationCompleteNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/identity/apikeys.js';
import { httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { signIn, startAuthServer, startProtectedUpstream, type AuthServer, type ProtectedUpstream } from '../helpers/oauth.js';
import { decodeJwt } from 'jose';
import type { Logger } from '../../src/observability/log.js';
import { UpstreamOAuth } from '../../src/credentials/oauth.js';
import { loadMasterKey } from '../../src/credentials/vault.js';
import type { ResolvedServer } from '../../src/config/load.js';

type RpcError = Error & { code?: number; data?: { code?: string; rule?: string; authorizationUrl?: string } };
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: RpcError) => e);
const text = (r: unknown) => ((r as { content: Array<{ text: string }> }).content[0]?.text ?? '');

describe('upstream OAuth: per-user tokens the agents never hold', () => {
  let as: AuthServer;
  let upstream: ProtectedUpstream;
  let gw: TestGateway;
  let logs = '';
  const seen: string[] = []; // everything a client was shown
  const clients: Client[] = [];
  const as_ = async (principal: string, capabilities?: Record<string, unknown>) => {
    const c = await httpClient(gw.url, { headers: { authorization: `Bearer ${(await createApiKey(gw.rt.store, { principal })).key}` }, ...(capabilities ? { capabilities } : {}) });
    clients.push(c);
    return c;
  };
  const call = async (c: Client) => {
    try {
      const r = await c.callTool({ name: 'remote__whoami', arguments: {} });
      seen.push(JSON.stringify(r));
      return { ok: text(r) };
    } catch (e) {
      seen.push(JSON.stringify({ message: (e as Error).message, data: (e as RpcError).data }));
      return { err: e as RpcError };
    }
  };
  /** Call until the gateway asks for sign-in; return the link. */
  const linkFor = async (c: Client) => {
    const r = await call(c);
    expect(r.err?.data?.rule, JSON.stringify(r)).toBe('credentials.authorization-required');
    return r.err!.data!.authorizationUrl!;
  };

  beforeAll(async () => {
    // Access tokens live 61 s and the gateway refreshes a minute early: a call a second later refreshes.
    as = await startAuthServer({ accessTokenTtl: 61 });
    upstream = await startProtectedUpstream(as.issuer);
    const log = pino({ level: 'debug' }, { write: (l: string) => void (logs += l) }) as unknown as Logger;
    gw = await startTestGateway(
      `auth: { apiKeys: true }
mcpServers:
  remote:
    url: ${upstream.url}
    credentials: { oauth: {} }
`,
      { log },
    );
  }, 30_000);
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await gw?.close();
    await upstream?.close();
    await as?.close();
  });

  it('a user without a token gets a sign-in link (in the error data of the call and of the list), not a call', async () => {
    const alice = await as_('alice');
    // The only server cannot answer for her: the list fails, naming why and where to sign in.
    const listed = (await failure(alice.listTools())) as (RpcError & { data?: { unavailable?: Array<{ rule?: string; authorizationUrl?: string }> } }) | undefined;
    const down = listed?.data?.unavailable?.[0];
    expect(down?.rule).toBe('credentials.authorization-required');
    expect(down?.authorizationUrl).toMatch(/^http/);
    const link = new URL(await linkFor(alice));
    expect(link.origin).toBe(as.issuer);
    expect(link.searchParams.get('code_challenge_method')).toBe('S256');
    expect(link.searchParams.get('resource')).toBe(upstream.url);
    expect(link.searchParams.get('redirect_uri')).toBe(new URL('/oauth/callback', gw.url).href);
    // Nothing reached the upstream with a token yet.
    expect(upstream.accepted).toHaveLength(0);
  });

  it('two users sign in; each call reaches the upstream with that user’s own token', async () => {
    const alice = await as_('alice');
    const bob = await as_('bob');
    const a = await signIn(await linkFor(alice), 'alice');
    expect(a.status, a.text).toBe(200);
    expect(a.text).toMatch(/Signed in/);
    const b = await signIn(await linkFor(bob), 'bob');
    expect(b.status, b.text).toBe(200);
    expect(await call(alice)).toEqual({ ok: 'you are alice' });
    expect(await call(bob)).toEqual({ ok: 'you are bob' });
    // After signing in, the server is back in the user's list.
    expect((await alice.listTools()).tools.map((t) => t.name)).toContain('remote__whoami');
    const subs = new Set(upstream.accepted.map((x) => x.sub));
    expect(subs).toEqual(new Set(['alice', 'bob']));
    const tokenOf = (sub: string) => new Set(upstream.accepted.filter((x) => x.sub === sub).map((x) => x.token));
    for (const t of tokenOf('alice')) expect(tokenOf('bob').has(t)).toBe(false);
    // A second session of alice uses her stored token (no new sign-in).
    const alice2 = await as_('alice');
    expect(await call(alice2)).toEqual({ ok: 'you are alice' });
    const ev = (await gw.rt.store.queryAudit({ limit: 1000 })).filter((c) => c.event.method === 'credentials/authorize');
    expect(ev.map((c) => c.event.principal.id).sort()).toEqual(['user:alice', 'user:bob']);
  });

  it('a client that takes URL-mode elicitations gets the link as one (-32042) and hears when it completed', async () => {
    const erin = await as_('erin', { elicitation: { url: {} } });
    const completed: string[] = [];
    erin.setNotificationHandler(ElicitationCompleteNotificationSchema, (n) => void completed.push(n.params.elicitationId));
    const r = await call(erin);
    expect(r.err?.code).toBe(-32042);
    const data = r.err?.data as { rule?: string; authorizationUrl?: string; elicitations?: Array<{ mode: string; url: string; elicitationId: string }> };
    // (the SDK client rebuilds a -32042 error from its elicitations alone; the wire also carries rule and authorizationUrl)
    expect(r.err?.message).toMatch(/has not authorized the gateway there yet/);
    expect(data.elicitations?.[0]?.mode).toBe('url');
    expect(new URL(data.elicitations![0]!.url).origin).toBe(as.issuer);
    const done = await signIn(data.elicitations![0]!.url, 'erin');
    expect(done.status).toBe(200);
    for (let i = 0; i < 20 && completed.length === 0; i++) await new Promise((res) => setTimeout(res, 50));
    expect(completed).toEqual([data.elicitations![0]!.elicitationId]);
    expect(await call(erin)).toEqual({ ok: 'you are erin' });
  });

  it('a token that goes away under an open connection turns the next call into a sign-in link, not a failure', async () => {
    const frank = await as_('frank');
    expect((await signIn(await linkFor(frank), 'frank')).status).toBe(200);
    expect(await call(frank)).toEqual({ ok: 'you are frank' });
    // As if the authorization server had revoked it and the gateway had seen the 401.
    await gw.rt.store.takeUpstreamCredential('oauth-tokens', 'remote', 'user:frank');
    const r = await call(frank);
    expect(r.err?.data?.rule).toBe('credentials.authorization-required');
    expect(r.err?.data?.authorizationUrl).toMatch(/^http/);
    expect((await signIn(r.err!.data!.authorizationUrl!, 'frank')).status).toBe(200);
    expect(await call(frank)).toEqual({ ok: 'you are frank' });
  });

  it('a token the upstream refuses (401) is dropped, and the call answers with a new sign-in link', async () => {
    const gina = await as_('gina');
    expect((await signIn(await linkFor(gina), 'gina')).status).toBe(200);
    expect(await call(gina)).toEqual({ ok: 'you are gina' });
    upstream.refuse.add('gina');
    const r = await call(gina);
    expect(r.err?.data?.rule, JSON.stringify(r)).toBe('credentials.authorization-required');
    expect(await gw.rt.store.getUpstreamCredential('oauth-tokens', 'remote', 'user:gina')).toBeUndefined();
    upstream.refuse.delete('gina');
    expect((await signIn(r.err!.data!.authorizationUrl!, 'gina')).status).toBe(200);
    expect(await call(gina)).toEqual({ ok: 'you are gina' });
  });

  it('tokens are refreshed before they expire', async () => {
    const alice = await as_('alice');
    const before = as.refreshes;
    const jtis = new Set(upstream.accepted.filter((x) => x.sub === 'alice').map((x) => x.jti));
    await new Promise((r) => setTimeout(r, 1200));
    expect(await call(alice)).toEqual({ ok: 'you are alice' });
    expect(as.refreshes).toBeGreaterThan(before);
    const last = upstream.accepted.at(-1)!;
    expect(last.sub).toBe('alice');
    expect(jtis.has(last.jti)).toBe(false);
  });

  it('a callback replayed, forged, or answered with an error stores nothing', async () => {
    const carol = await as_('carol');
    const link = await linkFor(carol);
    let replay = '';
    const first = await signIn(link, 'carol', { tamper: (u) => ((replay = u.href), u) });
    expect(first.status).toBe(200);
    const again = await fetch(replay);
    expect(again.status).toBe(400);
    expect(await again.text()).toMatch(/unknown, was used already, or expired/);
    const forged = await fetch(new URL('/oauth/callback?code=x&state=' + 'A'.repeat(43), gw.url));
    expect(forged.status).toBe(400);
    const dave = await as_('dave');
    const refused = await signIn(await linkFor(dave), 'dave', { tamper: (u) => new URL(`${u.origin}${u.pathname}?error=access_denied&state=${u.searchParams.get('state')}`) });
    expect(refused.status).toBe(400);
    expect((await call(dave)).err?.data?.rule).toBe('credentials.authorization-required');
  });

  it('revoking a principal drops its tokens', async () => {
    expect(await gw.rt.store.getUpstreamCredential('oauth-tokens', 'remote', 'user:bob')).toBeDefined();
    const r = await gw.admin('/api/principals/user:bob/revoke', { body: { for: '1s' } });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { droppedCredentials: number }).droppedCredentials).toBeGreaterThanOrEqual(1);
    expect(await gw.rt.store.getUpstreamCredential('oauth-tokens', 'remote', 'user:bob')).toBeUndefined();
    expect(await gw.rt.store.getUpstreamCredential('oauth-tokens', 'remote', 'user:alice')).toBeDefined();
    await new Promise((res) => setTimeout(res, 1100));
    const bob = await as_('bob');
    expect((await call(bob)).err?.data?.rule).toBe('credentials.authorization-required');
  });

  it('a server whose metadata claims another resource gets no link (a token for elsewhere is never minted for it)', async () => {
    const liar = await startProtectedUpstream(as.issuer, { claimResource: upstream.url });
    try {
      const server: ResolvedServer = { name: 'liar', spec: { url: liar.url, headers: {}, credentials: { oauth: {} } } as unknown as ResolvedServer['spec'] };
      const oauth = new UpstreamOAuth([server], { store: gw.rt.store, master: loadMasterKey(gw.dataDir), redirectUrl: () => 'http://127.0.0.1/oauth/callback', secret: async () => undefined });
      const e = await oauth.headers(server, { id: 'user:alice', kind: 'User', groups: [], method: 'api-key' }).catch((x: unknown) => x as { rule?: string; message: string });
      expect(e).toMatchObject({ rule: 'credentials.unavailable' });
      expect((e as Error).message).toMatch(/protected resource metadata is for .* not for/);
    } finally {
      await liar.close();
    }
  });

  it('no token value appears in the log, audit log, errors, /metrics, the admin API or the store files', async () => {
    const tokens = [...new Set(upstream.accepted.map((x) => x.token))];
    expect(tokens.length).toBeGreaterThanOrEqual(3);
    const audit = JSON.stringify(await gw.rt.store.queryAudit({ limit: 5000 }));
    const metrics = await (await gw.admin('/metrics')).text();
    const admin = await Promise.all(['/api/audit?limit=1000', '/api/sessions', '/api/overview', '/api/upstreams', '/api/grants?all=true', '/api/credentials'].map(async (p) => (await gw.admin(p)).text()));
    // The operator sees who holds tokens for which server, and nothing more.
    const held = JSON.parse(admin[5]!) as { credentials: Array<{ server: string; principal: string }> };
    expect(held.credentials.map((c) => c.principal).sort()).toEqual(['user:alice', 'user:carol', 'user:erin', 'user:frank', 'user:gina']);
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = path.join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(readFileSync(p).toString('latin1'));
      }
    };
    walk(gw.dataDir);
    const haystacks = { log: logs, audit, metrics, admin: admin.join('\n'), client: seen.join('\n'), files: files.join('\n') };
    expect(logs.length).toBeGreaterThan(0);
    for (const t of tokens) {
      // The JWT's signature part alone is enough to notice a leak (and survives any re-encoding of the rest).
      const sig = t.split('.')[2]!;
      for (const [where, h] of Object.entries(haystacks)) expect(h.includes(sig), `an access token is in the ${where}`).toBe(false);
    }
  });
});

describe('upstream OAuth with a pre-registered confidential client', () => {
  it('uses the configured client id and its secret from the vault (no registration)', async () => {
    const redirect = 'http://127.0.0.1:9/oauth/callback';
    const secret = 'static-client-secret-0123456789';
    const as = await startAuthServer({
      clients: [{ client_id: 'pcx-static', client_secret: secret, redirect_uris: [redirect], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' }],
    });
    const upstream = await startProtectedUpstream(as.issuer);
    const { mkdtempSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pcx-oauth-static-'));
    const { openStore } = await import('../../src/store/index.js');
    const { parseConfigText } = await import('../../src/config/load.js');
    const store = await openStore(parseConfigText('mcpServers: {}\n', path.join(dir, 'x.yaml')), dir);
    try {
      const server: ResolvedServer = {
        name: 'static',
        spec: { url: upstream.url, headers: {}, credentials: { oauth: { clientId: 'pcx-static', clientSecret: '${secret:STATIC_SECRET}', redirectUrl: redirect } } } as unknown as ResolvedServer['spec'],
      };
      const oauth = new UpstreamOAuth([server], { store, master: loadMasterKey(dir, { create: true }), redirectUrl: () => 'http://unused/oauth/callback', secret: async (n) => (n === 'STATIC_SECRET' ? secret : undefined) });
      const zoe = { id: 'user:zoe', kind: 'User' as const, groups: [], method: 'api-key' };
      const first = await oauth.headers(server, zoe).catch((e: { rule?: string; data?: { authorizationUrl?: string } }) => e);
      expect((first as { rule?: string }).rule).toBe('credentials.authorization-required');
      const link = new URL((first as { data: { authorizationUrl: string } }).data.authorizationUrl);
      expect(link.searchParams.get('client_id')).toBe('pcx-static');
      expect(link.searchParams.get('redirect_uri')).toBe(redirect);
      const done = await signIn(link.href, 'zoe', { deliver: async (u) => (await oauth.callback(u.searchParams), { status: 200, text: 'ok' }) });
      expect(done.status).toBe(200);
      const h = await oauth.headers(server, zoe);
      const claims = decodeJwt(h.Authorization!.replace(/^Bearer /, ''));
      expect(claims.sub).toBe('zoe');
      expect(claims.client_id).toBe('pcx-static');
      expect(claims.aud).toBe(upstream.url);
      // No registration happened: nothing but zoe's tokens is held.
      expect((await store.listUpstreamCredentials()).map((r) => r.kind)).toEqual(['oauth-tokens']);
    } finally {
      await store.close();
      await upstream.close();
      await as.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
