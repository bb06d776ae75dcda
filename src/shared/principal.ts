/** Who is on the other end of a session, and over what. */

export type Transport = 'stdio' | 'http' | 'sse';

/** Who is on the other end of a session. Established by the listener (identity/), checked by the authn stage. */
export interface Principal {
  /** `user:alice`, `agent:ci-bot`, `anonymous`. */
  id: string;
  kind: 'User' | 'Agent' | 'Anonymous';
  groups: string[];
  /** OAuth scopes granted to the token, if any. */
  scopes?: string[];
  /** The OAuth client (azp / client_id) acting for the user, if any. */
  agent?: string;
  /** How the principal was established: `none`, `jwt`, `api-key`, `os-user`, `config`. */
  method: string;
  /** Token expiry in epoch seconds, if bounded. */
  expiresAt?: number;
  /**
   * The credential that established the principal: `api-key:<id>`, `jwt:<jti:><sha256 of the token>`,
   * `none`. A session is bound to it: a request with another credential is refused.
   */
  credential?: string;
}

/**
 * The bearer token that established a principal (JWT auth), kept beside the object rather than on it,
 * so it is never in a log line, an audit event or a serialised principal. Read only to exchange it
 * (RFC 8693) for a token scoped to an upstream (src/credentials/exchange.ts).
 */
const INBOUND_TOKENS = new WeakMap<Principal, string>();

export function rememberInboundToken(p: Principal, token: string): void {
  INBOUND_TOKENS.set(p, token);
}

export function inboundToken(p: Principal): string | undefined {
  return INBOUND_TOKENS.get(p);
}
