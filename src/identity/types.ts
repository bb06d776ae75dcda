import type { Principal } from '../shared/principal.js';

/** The outcome of authenticating an HTTP request. Bad credentials are values, never exceptions. */
export type AuthResult =
  | { ok: true; principal: Principal }
  | {
      ok: false;
      status: 401 | 403;
      /** RFC 6750 error code; absent when the request carried no credentials at all. */
      error?: 'invalid_token' | 'insufficient_scope' | 'invalid_request';
      description: string;
      /** For insufficient_scope: the scopes needed (space-separated). */
      scope?: string;
    };

export const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous', kind: 'Anonymous', groups: [], method: 'none' }) as Principal;
