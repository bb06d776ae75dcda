/**
 * Just-in-time grants: "alice may call github__merge_pull_request (with repo=x) for 30 minutes".
 *
 * A grant is a row in the store with a hard `expiresAt`: it is checked at decision time, so it ends
 * on time with no process running. The authz stage asks for a grant only when the policy alone
 * denies a `tools/call`; a matching one is handed to Cedar as `context.grant == true` and the
 * built-in `grant` permit (src/policy/engine.ts) allows the call — so a `forbid` still wins.
 * Creation, revocation, use and expiry each leave an audit event.
 */
import { randomBytes } from 'node:crypto';
import { digest } from '../audit/canonical.js';
import type { AuditEvent } from '../audit/event.js';
import type { GrantRecord, Store } from '../store/types.js';

export const GRANT_ID = /^gr_[0-9a-f]{16}$/;
/** Longest grant `grants add` makes without `--max`; a JIT grant is short by design. */
export const DEFAULT_MAX_GRANT_MS = 24 * 3_600_000;

export class GrantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GrantError';
  }
}

export function parseDurationMs(d: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(d.trim());
  if (!m) throw new GrantError(`"${d}" is not a duration (e.g. 90s, 30m, 2h, 1d)`);
  const n = Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's'];
  if (n <= 0) throw new GrantError(`duration must be positive: ${d}`);
  return n;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => deepEqual(x, (b as unknown[])[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Does this call fall under the grant? Named arguments must be present with exactly these values. */
export function grantCovers(g: GrantRecord, args: unknown): boolean {
  const a = args && typeof args === 'object' && !Array.isArray(args) ? (args as Record<string, unknown>) : {};
  if (g.argsDigest !== undefined && digest(args ?? {}) !== g.argsDigest && digest(a) !== g.argsDigest) return false;
  if (g.arguments) for (const [k, v] of Object.entries(g.arguments)) if (!Object.hasOwn(a, k) || !deepEqual(a[k], v)) return false;
  return true;
}

export interface NewGrant {
  principal: string;
  server: string;
  tool: string;
  forMs: number;
  reason: string;
  createdBy: string;
  arguments?: Record<string, unknown>;
  argsDigest?: string;
  requestEvent?: string;
  /** Refuse longer grants (default 24 h). */
  maxMs?: number;
}

export function newGrant(g: NewGrant, now = Date.now()): GrantRecord {
  const max = g.maxMs ?? DEFAULT_MAX_GRANT_MS;
  if (g.forMs > max) throw new GrantError(`a grant may last at most ${Math.round(max / 60_000)} minutes (asked for ${Math.round(g.forMs / 60_000)})`);
  if (!g.reason.trim()) throw new GrantError('a grant needs a reason (--reason)');
  if (!g.principal || !g.server || !g.tool) throw new GrantError('a grant names a principal, a server and a tool');
  return {
    id: `gr_${randomBytes(8).toString('hex')}`,
    principal: g.principal,
    server: g.server,
    tool: g.tool,
    ...(g.arguments ? { arguments: g.arguments } : {}),
    ...(g.argsDigest ? { argsDigest: g.argsDigest } : {}),
    reason: g.reason,
    createdBy: g.createdBy,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + g.forMs).toISOString(),
    ...(g.requestEvent ? { requestEvent: g.requestEvent } : {}),
  };
}

/** The audit event for a change to a grant (written into the same hash chain as calls). */
export function grantEvent(kind: 'add' | 'revoke' | 'expire', g: GrantRecord, by: string, instance: string): AuditEvent {
  const what = kind === 'add' ? `granted until ${g.expiresAt}` : kind === 'revoke' ? 'revoked' : `expired at ${g.expiresAt}`;
  return {
    id: randomBytes(16).toString('hex'),
    time: new Date().toISOString(),
    instance,
    principal: { id: by, kind: kind === 'expire' ? 'system' : 'operator', groups: [] },
    hook: 'admin',
    server: g.server,
    method: `grants/${kind}`,
    target: g.tool,
    decision: 'allow',
    reason: `grant ${g.id} for ${g.principal} on ${g.server}/${g.tool}${g.arguments ? ` with ${JSON.stringify(g.arguments)}` : ''}${g.argsDigest ? ' (exact arguments)' : ''}: ${what}; reason: ${g.reason}`,
    rule: `grant.${kind}`,
    policyIds: [g.id],
    findings: [],
    outcome: 'ok',
  };
}

/** Find the grant (if any) that lets this principal make this call now. */
export async function findCoveringGrant(store: Pick<Store, 'findGrants'>, principal: string, server: string, tool: string, args: unknown): Promise<GrantRecord | undefined> {
  const list = await store.findGrants(principal, server, tool);
  return list.find((g) => grantCovers(g, args));
}
