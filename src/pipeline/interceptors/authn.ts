/**
 * authn — the one authentication stage (stage 1, see stages.ts), before anything else looks at
 * a message: has the session, its principal or the credential it was opened with been revoked,
 * and has that credential expired? It runs on every hook that acts for the session's principal:
 * `connect` (initialize: a revoked principal cannot open a session), `list` (nor list tools),
 * `request` and `serverRequest`.
 *
 * What the stage does not need to do, because the listener does it on every HTTP request before
 * the message reaches a session: verify the credential itself (signature, API key hash, key
 * revocation in the store), and check that it is the very credential the session was opened with
 * (`Principal.credential`; another key or token of the same user is refused, so it cannot inherit
 * the first one's groups).
 *
 * Denials map to `PCX_SESSION_REVOKED` (rules `authn.revoked`, `authn.expired`).
 */
import type { Coord } from '../../coord/types.js';
import { EXPIRED_RULE, REVOKED_RULE } from '../rules.js';
import { ALLOW, deny, type Interceptor, type PipelineContext, type Verdict } from '../types.js';

export interface AuthnInterceptorOptions {
  /** Grace after the principal's `expiresAt` (default 30 s, the JWT clock skew). */
  expirySkewMs?: number;
  /** Clock for tests (epoch ms). */
  now?: () => number;
}

export function createAuthnInterceptor(coord: Pick<Coord, 'isRevoked'>, opts: AuthnInterceptorOptions = {}): Interceptor {
  const skew = opts.expirySkewMs ?? 30_000;
  const now = opts.now ?? Date.now;
  const check = async (ctx: PipelineContext): Promise<Verdict> => {
    const s = ctx.session;
    const p = s.principal;
    if (p.expiresAt !== undefined && p.expiresAt * 1000 + skew < now()) {
      return deny(`the credentials of ${p.id} expired at ${new Date(p.expiresAt * 1000).toISOString()}; authenticate again`, EXPIRED_RULE);
    }
    const [session, principal, credential] = await Promise.all([
      coord.isRevoked(`session:${s.id}`),
      coord.isRevoked(`principal:${p.id}`),
      p.credential ? coord.isRevoked(`credential:${p.credential}`) : false,
    ]);
    if (session || principal || credential) {
      const what = session ? `session ${s.id}` : principal ? `principal ${p.id}` : `the credential of session ${s.id}`;
      return deny(`${what} was revoked`, REVOKED_RULE);
    }
    return ALLOW;
  };
  return { name: 'authn', connect: check, list: check, request: check, serverRequest: check };
}
