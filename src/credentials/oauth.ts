/**
 * The gateway as an OAuth client of remote MCP servers, for each user (`servers.<name>.credentials.oauth`).
 *
 * A user with no token for the server gets a link instead of a call (rule
 * `credentials.authorization-required`, `data.authorizationUrl`): the authorization-code flow with
 * PKCE, run by the gateway on the user's behalf. Discovery follows the spec: the server's 401
 * names its RFC 9728 protected resource metadata, which names the authorization server, whose
 * RFC 8414 / OIDC metadata gives the endpoints. The client is the pre-registered one from the
 * config, else one registered once by Dynamic Client Registration (RFC 7591) and kept sealed.
 *
 * The user's browser comes back to the gateway's `/oauth/callback` with the code and the state.
 * The state is 256 random bits, bound (in a sealed, single-use, expiring record) to the principal
 * and the server it was made for: a state used twice, late, or forged finds nothing.
 * Tokens are sealed (AES-256-GCM, vault.ts) per (server, principal), refreshed a minute before
 * they expire, dropped when the upstream refuses them (401) or the principal is revoked, and only
 * ever leave the gateway in the `Authorization` header of a request to that server.
 *
 * The OAuth mechanics (PKCE, discovery, registration, token requests, RFC 9207 `iss` check) are
 * the MCP SDK's client helpers (@modelcontextprotocol/client); this file holds what they leave to
 * the application: where state and tokens live, and who they belong to.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ResolvedServer } from '../config/load.js';
import type { RemoteServerConfig } from '../config/schema.js';
import type { Principal } from '../shared/principal.js';
import type { Store, UpstreamCredentialRecord } from '../store/types.js';
import { CredentialDenied, type TokenSource } from './upstream.js';
import { open, seal, type MasterKey } from './vault.js';

type Sdk = typeof import('@modelcontextprotocol/client');
type AsMetadata = NonNullable<Awaited<ReturnType<Sdk['discoverAuthorizationServerMetadata']>>>;
type ClientInfo = Parameters<Sdk['startAuthorization']>[1]['clientInformation'];

/** Pending authorizations are keyed by the hash of their state, under this server name. */
const PENDING = '*';
/** A link is good for this long. */
const DEFAULT_PENDING_TTL_MS = 10 * 60_000;
/** Refresh this long before the access token expires. */
const REFRESH_EARLY_MS = 60_000;

interface Tokens {
  access: string;
  refresh?: string;
  /** epoch ms */
  expiresAt?: number;
  scope?: string;
  issuer: string;
}

interface Pending {
  server: string;
  principal: string;
  /** The URL-mode elicitation that carried the link (notified complete after the callback). */
  elicitationId: string;
  codeVerifier: string;
  redirectUrl: string;
}

interface Discovered {
  asUrl: string;
  metadata: AsMetadata;
  resource?: string;
  scope?: string;
}

export interface OAuthClientOptions {
  store: Store;
  master: MasterKey;
  /** The callback URL the user's browser reaches (`/oauth/callback` on the MCP port), when the server does not set `redirectUrl`. */
  redirectUrl(): string;
  /** `${secret:NAME}` values (a configured client secret). */
  secret(name: string): Promise<string | undefined>;
  /** Is this principal revoked now? (a callback for a revoked principal stores nothing) */
  isRevoked?(principal: string): Promise<boolean>;
  fetch?: typeof fetch;
  pendingTtlMs?: number;
  /** The gateway's own name at the authorization server (DCR `client_name`). */
  clientName?: string;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export class OAuthCallbackError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'OAuthCallbackError';
  }
}

export class UpstreamOAuth implements TokenSource {
  private sdk?: Promise<Sdk>;
  private readonly discovered = new Map<string, Promise<Discovered>>();
  private readonly refreshing = new Map<string, Promise<Tokens | undefined>>();
  /** The open link per (server, principal), reused while it is valid (one pending record, not one per call). */
  private readonly links = new Map<string, { url: string; until: number; elicitationId: string }>();
  private purgedAt = 0;

  constructor(
    private readonly servers: ResolvedServer[],
    private readonly o: OAuthClientOptions,
  ) {}

  private lib(): Promise<Sdk> {
    return (this.sdk ??= import('@modelcontextprotocol/client'));
  }

  private get fetchFn(): typeof fetch {
    return this.o.fetch ?? fetch;
  }

  // ───────── sealed records ─────────

  private async put(kind: UpstreamCredentialRecord['kind'], server: string, principal: string, value: unknown, expiresAt?: number): Promise<void> {
    await this.o.store.putUpstreamCredential({
      kind,
      server,
      principal,
      ciphertext: seal(this.o.master, `upstream:${kind}:${server}:${principal}`, JSON.stringify(value)),
      keyId: this.o.master.id,
      ...(expiresAt !== undefined ? { expiresAt: new Date(expiresAt).toISOString() } : {}),
      updatedAt: new Date().toISOString(),
    });
  }

  private unseal<T>(r: UpstreamCredentialRecord | undefined): T | undefined {
    if (!r) return undefined;
    return JSON.parse(open(this.o.master, { name: `upstream:${r.kind}:${r.server}:${r.principal}`, ciphertext: r.ciphertext, keyId: r.keyId })) as T;
  }

  private async tokens(server: string, principal: string): Promise<Tokens | undefined> {
    return this.unseal<Tokens>(await this.o.store.getUpstreamCredential('oauth-tokens', server, principal));
  }

  // ───────── TokenSource ─────────

  async headers(s: ResolvedServer, principal: Principal): Promise<Record<string, string>> {
    let t = await this.tokens(s.name, principal.id);
    if (t && t.expiresAt !== undefined && t.expiresAt - REFRESH_EARLY_MS <= Date.now()) t = await this.refreshOnce(s, principal.id, t);
    if (t) return { Authorization: `Bearer ${t.access}` };
    const { url, elicitationId } = await this.link(s, principal.id);
    throw new CredentialDenied(
      'credentials.authorization-required',
      `${s.name} acts as each user with their own account: ${principal.id} has not authorized the gateway there yet (or the authorization ended). Open data.authorizationUrl in a browser, sign in, then call again.`,
      { authorizationUrl: url, elicitationId, server: s.name },
    );
  }

  async rejected(s: ResolvedServer, principal: Principal): Promise<void> {
    await this.o.store.takeUpstreamCredential('oauth-tokens', s.name, principal.id);
  }

  /** Drop every token and open link of a principal (its revocation). */
  async drop(principal: string): Promise<number> {
    for (const k of [...this.links.keys()]) if (k.endsWith(`\0${principal}`)) this.links.delete(k);
    return this.o.store.deleteUpstreamCredentials(principal);
  }

  // ───────── discovery and client ─────────

  private spec(s: ResolvedServer): RemoteServerConfig & { credentials: { oauth: NonNullable<NonNullable<RemoteServerConfig['credentials']>['oauth']> } } {
    return s.spec as never;
  }

  private discover(s: ResolvedServer): Promise<Discovered> {
    let p = this.discovered.get(s.name);
    if (!p) {
      p = this.runDiscovery(s);
      this.discovered.set(s.name, p);
      // A failure is not remembered: the next call tries again.
      p.catch(() => this.discovered.delete(s.name));
    }
    return p;
  }

  private async runDiscovery(s: ResolvedServer): Promise<Discovered> {
    const sdk = await this.lib();
    const spec = this.spec(s);
    const cfg = spec.credentials.oauth;
    const fetchFn = this.fetchFn;
    const fail = (why: string) => new CredentialDenied('credentials.unavailable', `${s.name}: OAuth discovery failed: ${why}`);
    let asUrl = cfg.authorizationServer;
    let resourceMetadata: Awaited<ReturnType<Sdk['discoverOAuthProtectedResourceMetadata']>> | undefined;
    if (!asUrl) {
      // The server's own 401 names its protected resource metadata (RFC 9728 §5.1).
      let resourceMetadataUrl: URL | undefined;
      try {
        const res = await fetchFn(spec.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'ping' }),
          signal: AbortSignal.timeout(10_000),
        });
        await res.body?.cancel();
        if (res.status === 401) resourceMetadataUrl = sdk.extractWWWAuthenticateParams(res).resourceMetadataUrl;
      } catch (e) {
        throw fail(`the server did not answer (${e instanceof Error ? e.message : String(e)})`);
      }
      try {
        resourceMetadata = await sdk.discoverOAuthProtectedResourceMetadata(spec.url, resourceMetadataUrl ? { resourceMetadataUrl } : {}, fetchFn);
      } catch (e) {
        throw fail(`no protected resource metadata (RFC 9728) at the server, and no credentials.oauth.authorizationServer configured (${e instanceof Error ? e.message : String(e)})`);
      }
      // A server must not get the user to authorize a token for another resource (which it could replay there).
      if (resourceMetadata.resource && !sdk.checkResourceAllowed({ requestedResource: spec.url, configuredResource: resourceMetadata.resource })) {
        throw fail(`its protected resource metadata is for ${String(resourceMetadata.resource).slice(0, 200)}, not for ${spec.url}`);
      }
      asUrl = resourceMetadata.authorization_servers?.[0];
      if (!asUrl) throw fail('its protected resource metadata names no authorization server');
    }
    let metadata: AsMetadata | undefined;
    try {
      metadata = await sdk.discoverAuthorizationServerMetadata(asUrl, { fetchFn });
    } catch (e) {
      throw fail(`authorization server ${asUrl}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!metadata) throw fail(`authorization server ${asUrl} publishes no RFC 8414 / OpenID metadata`);
    if (!(metadata.code_challenge_methods_supported ?? []).includes('S256')) throw fail(`authorization server ${asUrl} does not advertise PKCE S256, which OAuth 2.1 requires`);
    const scopes = cfg.scopes ?? resourceMetadata?.scopes_supported;
    return { asUrl, metadata, ...(resourceMetadata?.resource ? { resource: resourceMetadata.resource } : { resource: spec.url }), ...(scopes?.length ? { scope: scopes.join(' ') } : {}) };
  }

  private redirectFor(s: ResolvedServer): string {
    return this.spec(s).credentials.oauth.redirectUrl ?? this.o.redirectUrl();
  }

  private async client(s: ResolvedServer, d: Discovered): Promise<ClientInfo> {
    const cfg = this.spec(s).credentials.oauth;
    if (cfg.clientId) {
      let secret: string | undefined;
      if (cfg.clientSecret) {
        const m = /^\$\{secret:([^}]+)\}$/.exec(cfg.clientSecret);
        secret = m ? await this.o.secret(m[1]!) : undefined;
        if (secret === undefined) throw new CredentialDenied('credentials.unavailable', `${s.name}: credentials.oauth.clientSecret must be a \${secret:NAME} that is in the vault`);
      }
      return { client_id: cfg.clientId, ...(secret !== undefined ? { client_secret: secret } : {}) };
    }
    const redirect = this.redirectFor(s);
    const kept = this.unseal<ClientInfo & { issuer: string; redirect: string }>(await this.o.store.getUpstreamCredential('oauth-client', s.name, ''));
    if (kept && kept.issuer === d.metadata.issuer && kept.redirect === redirect) return kept;
    if (!d.metadata.registration_endpoint) {
      throw new CredentialDenied('credentials.unavailable', `${s.name}: the authorization server offers no dynamic client registration; register the gateway there (redirect URI ${redirect}) and set credentials.oauth.clientId`);
    }
    const sdk = await this.lib();
    let reg;
    try {
      reg = await sdk.registerClient(d.asUrl, {
        metadata: d.metadata,
        clientMetadata: {
          client_name: this.o.clientName ?? 'Portcullis MCP gateway',
          redirect_uris: [redirect],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
          ...(d.scope ? { scope: d.scope } : {}),
        },
        fetchFn: this.fetchFn,
      });
    } catch (e) {
      throw new CredentialDenied('credentials.unavailable', `${s.name}: dynamic client registration failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    await this.put('oauth-client', s.name, '', { ...reg, issuer: d.metadata.issuer, redirect });
    return reg;
  }

  // ───────── the flow ─────────

  /** The authorization link for this principal (an open one is reused while it is valid). */
  private async link(s: ResolvedServer, principal: string): Promise<{ url: string; elicitationId: string }> {
    const key = `${s.name}\0${principal}`;
    const open = this.links.get(key);
    if (open && open.until > Date.now() + 60_000) return open;
    const d = await this.discover(s);
    const client = await this.client(s, d);
    const sdk = await this.lib();
    const state = randomBytes(32).toString('base64url');
    const redirectUrl = this.redirectFor(s);
    const { authorizationUrl, codeVerifier } = await sdk.startAuthorization(d.asUrl, {
      metadata: d.metadata,
      clientInformation: client,
      redirectUrl,
      state,
      ...(d.scope ? { scope: d.scope } : {}),
      ...(d.resource ? { resource: d.resource } : {}),
    });
    // Abandoned links' records go, at most once a minute.
    if (Date.now() - this.purgedAt > 60_000) {
      this.purgedAt = Date.now();
      await this.o.store.purgeExpiredUpstreamCredentials().catch(() => 0);
    }
    const ttl = this.o.pendingTtlMs ?? DEFAULT_PENDING_TTL_MS;
    const until = Date.now() + ttl;
    const elicitationId = randomBytes(12).toString('base64url');
    await this.put('oauth-pending', PENDING, sha(state), { server: s.name, principal, elicitationId, codeVerifier, redirectUrl } satisfies Pending, until);
    const made = { url: authorizationUrl.href, until, elicitationId };
    this.links.set(key, made);
    return made;
  }

  /**
   * The user's browser is back with `code` and `state` (or an `error`). Stores the principal's tokens
   * and says for whom and which server; throws OAuthCallbackError (status + message fit for the
   * browser, never a token) otherwise.
   */
  async callback(params: URLSearchParams): Promise<{ server: string; principal: string; elicitationId: string }> {
    const state = params.get('state');
    if (!state || state.length > 200) throw new OAuthCallbackError(400, 'The sign-in answer has no state.');
    // Single use: the record is deleted as it is read, whatever happens next.
    const pending = this.unseal<Pending>(await this.o.store.takeUpstreamCredential('oauth-pending', PENDING, sha(state)));
    if (!pending) throw new OAuthCallbackError(400, 'This sign-in link is unknown, was used already, or expired. Call the tool again for a new one.');
    this.links.delete(`${pending.server}\0${pending.principal}`);
    const s = this.servers.find((x) => x.name === pending.server && x.spec.credentials?.oauth);
    if (!s) throw new OAuthCallbackError(400, 'The server this sign-in was for is no longer configured.');
    const error = params.get('error');
    if (error) throw new OAuthCallbackError(400, `The authorization server refused: ${error.slice(0, 100)}${params.get('error_description') ? ` (${params.get('error_description')!.slice(0, 300)})` : ''}`);
    const code = params.get('code');
    if (!code) throw new OAuthCallbackError(400, 'The sign-in answer has no code.');
    if (this.o.isRevoked && (await this.o.isRevoked(pending.principal))) throw new OAuthCallbackError(403, 'This principal is revoked: nothing was stored.');
    const d = await this.discover(s);
    const client = await this.client(s, d);
    const sdk = await this.lib();
    let t;
    try {
      t = await sdk.exchangeAuthorization(d.asUrl, {
        metadata: d.metadata,
        clientInformation: client,
        authorizationCode: code,
        ...(params.get('iss') !== null ? { iss: params.get('iss')! } : {}),
        codeVerifier: pending.codeVerifier,
        redirectUri: pending.redirectUrl,
        ...(d.resource ? { resource: d.resource } : {}),
        fetchFn: this.fetchFn,
      });
    } catch (e) {
      throw new OAuthCallbackError(502, `The authorization server did not exchange the code: ${e instanceof Error ? e.message.slice(0, 300) : 'error'}`);
    }
    await this.save(s.name, pending.principal, t, d.metadata.issuer);
    return { server: s.name, principal: pending.principal, elicitationId: pending.elicitationId };
  }

  private async save(server: string, principal: string, t: { access_token: string; refresh_token?: string; expires_in?: number; scope?: string }, issuer: string, previousRefresh?: string): Promise<Tokens> {
    const tokens: Tokens = {
      access: t.access_token,
      ...((t.refresh_token ?? previousRefresh) ? { refresh: t.refresh_token ?? previousRefresh } : {}),
      ...(t.expires_in !== undefined ? { expiresAt: Date.now() + t.expires_in * 1000 } : {}),
      ...(t.scope ? { scope: t.scope } : {}),
      issuer,
    };
    await this.put('oauth-tokens', server, principal, tokens);
    return tokens;
  }

  /** One refresh per (server, principal) at a time: a rotated refresh token is used once. */
  private refreshOnce(s: ResolvedServer, principal: string, t: Tokens): Promise<Tokens | undefined> {
    const key = `${s.name}\0${principal}`;
    let p = this.refreshing.get(key);
    if (!p) {
      p = this.refresh(s, principal, t).finally(() => this.refreshing.delete(key));
      this.refreshing.set(key, p);
    }
    return p;
  }

  private async refresh(s: ResolvedServer, principal: string, t: Tokens): Promise<Tokens | undefined> {
    if (!t.refresh) {
      await this.o.store.takeUpstreamCredential('oauth-tokens', s.name, principal);
      return undefined;
    }
    const d = await this.discover(s);
    const client = await this.client(s, d);
    const sdk = await this.lib();
    try {
      const next = await sdk.refreshAuthorization(d.asUrl, {
        metadata: d.metadata,
        clientInformation: client,
        refreshToken: t.refresh,
        ...(d.resource ? { resource: d.resource } : {}),
        fetchFn: this.fetchFn,
      });
      return await this.save(s.name, principal, next, d.metadata.issuer, t.refresh);
    } catch {
      // Refused (revoked, expired, rotated elsewhere): the user signs in again.
      await this.o.store.takeUpstreamCredential('oauth-tokens', s.name, principal);
      return undefined;
    }
  }
}

/** The page the browser sees after the callback: plain text in a minimal HTML shell, nothing loaded from elsewhere. */
export function callbackPage(ok: boolean, text: string): string {
  const esc = text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><meta charset="utf-8"><title>Portcullis sign-in</title><body style="font:16px system-ui;margin:3em"><h1>${ok ? 'Signed in' : 'Sign-in failed'}</h1><p>${esc}</p></body>`;
}
