/**
 * Throttling (revocation is checked by the authn stage, first). Last among the request deciders (see stages.ts), so calls refused
 * for other reasons do not use up a quota. Counters live in the coordination backend (memory, or
 * Redis shared by replicas). If the backend fails, the call is denied (the chain fails closed).
 *
 * Limits: `limits.callsPerMinute` per principal, and policy obligations `rate:<n>/<period>`
 * (period s, m, h) per principal and tool.
 */
import type { Coord } from '../../coord/types.js';
import { ALLOW, deny, type Interceptor, type PipelineContext, type Verdict } from '../types.js';

const PERIOD_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

export function parseRateObligation(o: string): { limit: number; windowMs: number } | undefined {
  const m = /^rate:(\d+)\/(\d*)(s|m|h)$/.exec(o);
  if (!m) return undefined;
  return { limit: Number(m[1]), windowMs: (m[2] ? Number(m[2]) : 1) * PERIOD_MS[m[3]!]! };
}

export function createRateInterceptor(coord: Coord, callsPerMinute: number): Interceptor {
  return {
    name: 'rate',
    async request(ctx: PipelineContext): Promise<Verdict> {
      const s = ctx.session;
      if (callsPerMinute > 0) {
        const r = await coord.hit(`p:${s.principal.id}`, 60_000, callsPerMinute);
        if (!r.allowed) return deny(`${s.principal.id} made more than ${callsPerMinute} calls this minute (limits.callsPerMinute); retry in ${Math.ceil(r.resetMs / 1000)}s`, 'rate.principal');
      }
      for (const o of ctx.obligations) {
        const lim = parseRateObligation(o);
        if (!lim) continue;
        const r = await coord.hit(`t:${s.principal.id}:${ctx.target.name ?? ctx.method}:${o}`, lim.windowMs, lim.limit);
        if (!r.allowed) return deny(`${s.principal.id} may call ${ctx.target.name} ${lim.limit} times per ${lim.windowMs / 1000}s (policy ${o}); retry in ${Math.ceil(r.resetMs / 1000)}s`, 'rate.policy');
      }
      return ALLOW;
    },
  };
}
