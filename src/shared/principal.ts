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
