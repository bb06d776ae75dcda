/**
 * RFC 8693 token exchange (`servers.<name>.credentials.tokenExchange`): the user's inbound token
 * (JWT auth) is exchanged at the configured authorization server for one whose audience is the
 * upstream, and that one is sent upstream; the inbound token itself never is (no passthrough).
 * Exchanged tokens are cached per (server, inbound token) until a little before they expire.
 */
import { createHash } from 'node:crypto';
import type { ResolvedServer } from '../config/load.js';
import type { RemoteServerConfig } from '../config/schema.js';
import { inboundToken, type Principal } from '../shared/principal.js';
import { CredentialDenied, type TokenSource } from './upstream.js';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** Stop using an exchanged token this long before it expires. */
const EARLY_MS = 30_000;
const MAX_CACHE = 10_000;

type ExchangeConfig = NonNullable<NonNullable<RemoteServerConfig['credentials']>['tokenExchange']>;

export interface ExchangeOptions {
  /** `${secret:NAME}` values (the client secret). */
  secret(name: string): Promise<string | undefined>;
  fetch?: typeof fetch;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export class TokenExchanger implements TokenSource {
  private readonly cache = new Map<string, { token: string; until: number }>();
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(private readonly o: ExchangeOptions) {}

  async headers(s: ResolvedServer, principal: Principal): Promise<Record<string, string>> {
    const subject = inboundToken(principal);
    if (!subject) {
      throw new CredentialDenied('credentials.unavailable', `${s.name} exchanges the caller's own token (RFC 8693), and ${principal.id} did not come with one (only JWT bearer sessions do; API keys and stdio sessions carry none)`);
    }
    const key = `${s.name}\0${sha(subject)}`;
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now()) return { Authorization: `Bearer ${hit.token}` };
    let p = this.inflight.get(key);
    if (!p) {
      p = this.exchange(s, subject, key).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return { Authorization: `Bearer ${await p}` };
  }

  async rejected(s: ResolvedServer, principal: Principal): Promise<void> {
    const subject = inboundToken(principal);
    if (subject) this.cache.delete(`${s.name}\0${sha(subject)}`);
  }

  private async exchange(s: ResolvedServer, subject: string, key: string): Promise<string> {
    const spec = s.spec as RemoteServerConfig;
    const cfg = spec.credentials!.tokenExchange as ExchangeConfig;
    const body = new URLSearchParams({
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: subject,
      subject_token_type: ACCESS_TOKEN_TYPE,
      requested_token_type: ACCESS_TOKEN_TYPE,
      resource: cfg.resource ?? spec.url,
    });
    if (cfg.audience) body.set('audience', cfg.audience);
    if (cfg.scopes?.length) body.set('scope', cfg.scopes.join(' '));
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (cfg.clientSecret) {
      const m = /^\$\{secret:([^}]+)\}$/.exec(cfg.clientSecret);
      const secret = m ? await this.o.secret(m[1]!) : undefined;
      if (secret === undefined) throw new CredentialDenied('credentials.unavailable', `${s.name}: credentials.tokenExchange.clientSecret must be a \${secret:NAME} that is in the vault`);
      // RFC 6749 §2.3.1: both parts form-urlencoded before Basic.
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(cfg.clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    } else body.set('client_id', cfg.clientId);
    let res: Response;
    try {
      res = await (this.o.fetch ?? fetch)(cfg.tokenEndpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
    } catch (e) {
      throw new CredentialDenied('credentials.unavailable', `${s.name}: the token exchange endpoint did not answer (${e instanceof Error ? e.message : String(e)})`);
    }
    let json: Record<string, unknown> = {};
    try {
      json = (await res.json()) as Record<string, unknown>;
    } catch {
      /* reported below */
    }
    const token = json.access_token;
    if (!res.ok || typeof token !== 'string' || !token) {
      // Only the error code and description: the answer of a misbehaving server could hold anything.
      const why = typeof json.error === 'string' ? `${json.error.slice(0, 80)}${typeof json.error_description === 'string' ? `: ${json.error_description.slice(0, 200)}` : ''}` : `HTTP ${res.status}`;
      throw new CredentialDenied('credentials.unavailable', `${s.name}: the authorization server refused the token exchange (${why})`);
    }
    const type = typeof json.token_type === 'string' ? json.token_type.toLowerCase() : 'bearer';
    if (type !== 'bearer' && type !== 'n_a') throw new CredentialDenied('credentials.unavailable', `${s.name}: the exchanged token is of type ${type.slice(0, 40)}, not a bearer token`);
    const life = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in * 1000 : 60_000;
    if (this.cache.size >= MAX_CACHE) {
      const now = Date.now();
      for (const [k, v] of this.cache) if (v.until <= now) this.cache.delete(k);
      if (this.cache.size >= MAX_CACHE) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(key, { token, until: Date.now() + Math.max(0, life - EARLY_MS) });
    return token;
  }
}
