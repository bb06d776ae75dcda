/**
 * Per-principal credentials to upstream servers (`servers.<name>.credentials`): what the gateway
 * adds to a stdio child's environment or to each HTTP request of a remote connection, for the
 * principal that connection serves. Three sources:
 *
 * - `byPrincipal` (+ `default`): a principal or group maps to its own `${secret:NAME}` values,
 *   opened from the vault for each new child / each request (a rotated secret is picked up);
 * - `oauth`: the user's own OAuth tokens for that server (oauth.ts), obtained by the
 *   authorization-code flow the gateway runs for them;
 * - `tokenExchange`: the user's inbound JWT exchanged (RFC 8693) for one scoped to the upstream.
 *
 * A principal with no credential is refused with a rule (fail closed): never a call without one,
 * never someone else's. Connections carrying these are never shared between principals (the config
 * check refuses `isolation: shared`).
 */
import { isStdio, type ServerConfig } from '../config/schema.js';
import type { ResolvedServer } from '../config/load.js';
import type { Principal } from '../shared/principal.js';
import type { Vault } from './vault.js';

export type CredentialsConfig = NonNullable<ServerConfig['credentials']>;

/** Rules a credential refusal carries (src/pipeline/rules.ts, docs/errors.md). */
export type CredentialRule = 'credentials.no-credential' | 'credentials.authorization-required' | 'credentials.unavailable';

/** The principal cannot be given a credential for this server now. `data` goes to the client (never a secret). */
export class CredentialDenied extends Error {
  constructor(
    readonly rule: CredentialRule,
    message: string,
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'CredentialDenied';
  }
}

const REF = /\$\{secret:([^}]*)\}/g;

/**
 * The entry of `byPrincipal` that covers this principal: the exact principal id, else the first
 * `group:NAME` entry (in the order written) the principal belongs to, else `default`.
 */
export function pickCredential(c: CredentialsConfig, p: Principal): { entry: string; values: Record<string, string> } | undefined {
  const by = c.byPrincipal ?? {};
  if (Object.hasOwn(by, p.id)) return { entry: p.id, values: by[p.id]! };
  const groups = new Set(p.groups);
  for (const [k, v] of Object.entries(by)) if (k.startsWith('group:') && groups.has(k.slice(6))) return { entry: k, values: v };
  if (c.default) return { entry: 'default', values: c.default };
  return undefined;
}

/** Problems with `credentials` blocks: exactly one mode, a transport that can carry it, no shared connection. */
export function checkCredentialConfig(servers: ResolvedServer[], auth: { jwt: boolean } = { jwt: true }): string[] {
  const problems: string[] = [];
  for (const s of servers) {
    const c = s.spec.credentials;
    if (!c) continue;
    const where = `servers.${s.name}.credentials`;
    const modes = (['byPrincipal', 'oauth', 'tokenExchange'] as const).filter((k) => c[k] !== undefined);
    if (modes.length === 0) problems.push(`${where}: give one of byPrincipal (with an optional default), oauth or tokenExchange`);
    if (modes.length > 1) problems.push(`${where}: ${modes.join(' and ')} exclude each other: give one`);
    if (c.default && !c.byPrincipal) problems.push(`${where}.default: only with byPrincipal (one credential for everyone belongs in env / headers)`);
    const isolation = s.spec.isolation ?? (s.spec.shared ? 'shared' : 'session');
    if (c.oauth?.redirectUrl && new URL(c.oauth.redirectUrl).pathname !== '/oauth/callback') {
      problems.push(`${where}.oauth.redirectUrl: the gateway receives the sign-in answer at /oauth/callback on its MCP port; this URL has path ${new URL(c.oauth.redirectUrl).pathname}`);
    }
    if (c.tokenExchange && !auth.jwt) problems.push(`${where}.tokenExchange: exchanges each user's inbound JWT, so it needs auth.jwt (with API keys or stdio there is no user token to exchange)`);
    if (isStdio(s.spec)) {
      if (c.oauth || c.tokenExchange) problems.push(`${where}: oauth and tokenExchange are for remote (url) servers; a stdio server takes byPrincipal env values`);
      if (c.byPrincipal && isolation !== 'principal') {
        problems.push(`${where}.byPrincipal: a stdio server gets each principal's credential in its child's environment, so it needs \`isolation: principal\` (one child per principal); it has isolation: ${isolation}`);
      }
    } else if (isolation === 'shared') {
      problems.push(`${where}: a shared connection (isolation: shared / shared: true) would carry one principal's credential for everyone; use isolation: principal or session`);
    }
    for (const [entry, values] of Object.entries({ ...(c.byPrincipal ?? {}), ...(c.default ? { default: c.default } : {}) })) {
      for (const [k, v] of Object.entries(values)) {
        if (!v.includes('${secret:')) problems.push(`${where}.${entry === 'default' ? 'default' : `byPrincipal.${entry}`}.${k}: use \${secret:NAME} (a credential written into the config is one every reader of the file holds)`);
      }
    }
  }
  return problems;
}

/** Secret names referenced by `credentials` blocks (checked at start: a missing one stops it). */
export function credentialSecretNames(servers: ResolvedServer[]): string[] {
  const names = new Set<string>();
  for (const s of servers) {
    const c = s.spec.credentials;
    if (!c) continue;
    const texts = [...Object.values(c.byPrincipal ?? {}).flatMap((v) => Object.values(v)), ...Object.values(c.default ?? {}), c.oauth?.clientSecret ?? '', c.tokenExchange?.clientSecret ?? ''];
    for (const t of texts) for (const m of t.matchAll(REF)) names.add(m[1]!);
  }
  return [...names].sort();
}

/** What the OAuth client (oauth.ts) and token exchange (exchange.ts) offer the broker. */
export interface TokenSource {
  /** `Authorization` (and any other) headers for this principal; throws CredentialDenied. */
  headers(server: ResolvedServer, principal: Principal): Promise<Record<string, string>>;
  /** The upstream refused the token it was given (HTTP 401): forget it. */
  rejected?(server: ResolvedServer, principal: Principal): Promise<void>;
}

export interface BrokerOptions {
  servers: ResolvedServer[];
  vault: Pick<Vault, 'get'>;
  oauth?: TokenSource;
  exchange?: TokenSource;
  /** How long an opened secret is reused (ms; default 15 s): rotation is picked up within it. */
  secretTtlMs?: number;
}

/** Answers "what does this principal's connection to this server carry?" for the gateway's upstream connections. */
export class CredentialBroker {
  private readonly servers = new Map<string, ResolvedServer>();
  private readonly opened = new Map<string, { value: string | undefined; at: number }>();

  constructor(private readonly o: BrokerOptions) {
    for (const s of o.servers) if (s.spec.credentials) this.servers.set(s.name, s);
  }

  /** Does this server take per-principal credentials? */
  applies(server: string): boolean {
    return this.servers.has(server);
  }

  private async secret(name: string): Promise<string | undefined> {
    const hit = this.opened.get(name);
    if (hit && Date.now() - hit.at < (this.o.secretTtlMs ?? 15_000)) return hit.value;
    const value = await this.o.vault.get(name);
    this.opened.set(name, { value, at: Date.now() });
    return value;
  }

  /**
   * The environment variables (stdio) or headers (remote) for this principal on this server.
   * Throws CredentialDenied when there are none (fail closed).
   */
  async values(server: string, principal: Principal): Promise<Record<string, string>> {
    const s = this.servers.get(server);
    if (!s) return {};
    const c = s.spec.credentials!;
    if (c.oauth) return this.need(this.o.oauth, s).headers(s, principal);
    if (c.tokenExchange) return this.need(this.o.exchange, s).headers(s, principal);
    const pick = pickCredential(c, principal);
    if (!pick) {
      throw new CredentialDenied('credentials.no-credential', `${server}: no credential is configured for ${principal.id} (servers.${server}.credentials.byPrincipal names neither it nor a group of it, and there is no default)`);
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(pick.values)) {
      let text = '';
      let last = 0;
      for (const m of v.matchAll(REF)) {
        const value = await this.secret(m[1]!);
        if (value === undefined) throw new CredentialDenied('credentials.unavailable', `${server}: the credential for ${pick.entry} names secret "${m[1]}", which is not in the vault`);
        text += v.slice(last, m.index) + value;
        last = m.index! + m[0].length;
      }
      out[k] = text + v.slice(last);
    }
    return out;
  }

  /** The upstream answered 401 to what `values` gave: the token source forgets it (the next call starts over). */
  async rejected(server: string, principal: Principal): Promise<void> {
    const s = this.servers.get(server);
    const c = s?.spec.credentials;
    if (!s || !c) return;
    if (c.oauth) await this.o.oauth?.rejected?.(s, principal);
    else if (c.tokenExchange) await this.o.exchange?.rejected?.(s, principal);
    else this.opened.clear();
  }

  private need(src: TokenSource | undefined, s: ResolvedServer): TokenSource {
    if (!src) throw new CredentialDenied('credentials.unavailable', `${s.name}: its credentials need the gateway's HTTP listener and vault, which this gateway does not run`);
    return src;
  }
}

/** The spec's "URL elicitation required" error code (MCP 2025-11-25). */
export const URL_ELICITATION_REQUIRED = -32042;

/**
 * A sign-in link as the spec's URL-mode elicitation, for a client that declared
 * `capabilities.elicitation.url`: the error becomes -32042 with `data.elicitations` (the link), keeping
 * the gateway's own data (`code`, `rule`, `authorizationUrl`). Any other error is returned as it is.
 */
export function asUrlElicitation<E extends { code: number; message: string; data?: unknown }>(error: E, clientCapabilities: Record<string, unknown> | undefined): E {
  const data = error.data as Record<string, unknown> | undefined;
  const elicitation = clientCapabilities?.elicitation as Record<string, unknown> | undefined;
  if (!data || typeof data.authorizationUrl !== 'string' || typeof data.elicitationId !== 'string' || !elicitation || elicitation.url === undefined) return error;
  const server = typeof data.server === 'string' ? data.server : 'the server';
  return {
    ...error,
    code: URL_ELICITATION_REQUIRED,
    data: { ...data, elicitations: [{ mode: 'url', elicitationId: data.elicitationId, url: data.authorizationUrl, message: `Sign in to ${server} so the gateway can act for you there.` }] },
  };
}
