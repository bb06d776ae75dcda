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
import { resolveServers } from '../config/load.js';
import type { Config } from '../config/schema.js';
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
  if (!(g.forMs > 0)) throw new GrantError('a grant must last a positive time');
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

/** `alice` → `user:alice`; `user:…`, `agent:…` and `anonymous` as given. */
export function principalId(p: string): string {
  return /^(user|agent):/.test(p) || p === 'anonymous' ? p : `user:${p}`;
}

/** `github__merge_pull_request` → { server: github, tool: merge_pull_request }, by the configured servers. */
export function splitTool(config: Config, exposed: string): { server: string; tool: string } {
  const sep = config.namespace.separator;
  const names = resolveServers(config).map((s) => s.name);
  const hits = names.filter((n) => exposed.startsWith(n + sep) && exposed.length > n.length + sep.length);
  if (hits.length !== 1) {
    throw new GrantError(hits.length === 0 ? `"${exposed}" names no tool of a configured server (expected <server>${sep}<tool>; servers: ${names.join(', ') || 'none'})` : `"${exposed}" is ambiguous between servers ${hits.join(', ')}`);
  }
  return { server: hits[0]!, tool: exposed.slice(hits[0]!.length + sep.length) };
}

/** What an operator asks for (CLI flags or the admin API body). */
export interface GrantRequest {
  principal?: string;
  /** The namespaced tool (`github__merge_pull_request`). */
  tool?: string;
  arguments?: Record<string, unknown>;
  /** A denied call's audit event id (`error.data.eventId`): its principal, tool and exact arguments. */
  fromEvent?: string;
  forMs: number;
  reason: string;
  createdBy: string;
}

/**
 * The grant an operator's request describes, checked against the audit event it names (a denied
 * `tools/call`) and the configured servers. Throws GrantError with a message fit for the operator.
 */
export async function grantFromRequest(store: Pick<Store, 'queryAudit'>, config: Config, r: GrantRequest): Promise<GrantRecord> {
  let principal = r.principal ? principalId(r.principal) : undefined;
  let server: string | undefined;
  let tool: string | undefined;
  let argsDigest: string | undefined;
  if (r.fromEvent) {
    const ev = (await store.queryAudit({ id: r.fromEvent, limit: 1 }))[0]?.event;
    if (!ev) throw new GrantError(`no audit event ${r.fromEvent}`);
    if (ev.method !== 'tools/call' || !ev.server || !ev.target) throw new GrantError(`event ${r.fromEvent} is not a tools/call (it is ${ev.method})`);
    if (ev.decision !== 'deny') throw new GrantError(`event ${r.fromEvent} was not denied (${ev.decision}): nothing to grant`);
    if (principal && principal !== ev.principal.id) throw new GrantError(`event ${r.fromEvent} is a call by ${ev.principal.id}, not ${principal}`);
    principal = ev.principal.id;
    ({ server, tool } = splitTool(config, ev.target));
    argsDigest = ev.argsDigest;
  }
  if (r.tool) {
    const t = splitTool(config, r.tool);
    if (server !== undefined && (t.server !== server || t.tool !== tool)) throw new GrantError(`tool ${r.tool} differs from the event's tool`);
    ({ server, tool } = t);
  }
  if (!principal || !server || !tool) throw new GrantError('name a principal and a tool, or a denied event');
  if (r.arguments !== undefined && (!r.arguments || typeof r.arguments !== 'object' || Array.isArray(r.arguments))) throw new GrantError('arguments must be a JSON object');
  return newGrant({
    principal,
    server,
    tool,
    forMs: r.forMs,
    reason: r.reason,
    createdBy: r.createdBy,
    ...(r.arguments ? { arguments: r.arguments } : {}),
    ...(argsDigest ? { argsDigest } : {}),
    ...(r.fromEvent ? { requestEvent: r.fromEvent } : {}),
  });
}

/**
 * Records each grant's expiry in the audit log (grants end on their own at decision time; this is
 * only the record). It wakes at the next expiry it knows of, and at least every `maxMs` for grants
 * made by other processes (the CLI); `poke()` after a change made here.
 */
export class GrantExpiryRecorder {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly store: Pick<Store, 'claimExpiredGrants' | 'listGrants'>,
    private readonly write: (ev: AuditEvent) => Promise<void>,
    private readonly instance: () => string,
    private readonly onError: (e: unknown) => void,
    private readonly maxMs = 30_000,
  ) {}

  start(): void {
    this.schedule(this.maxMs);
  }

  /** Look again now (a grant was added or revoked in this process). */
  poke(): void {
    this.schedule(0);
  }

  private schedule(inMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), inMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.running) return void (await this.running);
    this.running = (async () => {
      let next = this.maxMs;
      try {
        for (const g of await this.store.claimExpiredGrants()) await this.write(grantEvent('expire', g, 'system', this.instance()));
        const now = Date.now();
        for (const g of await this.store.listGrants()) next = Math.min(next, Math.max(0, Date.parse(g.expiresAt) - now) + 50);
      } catch (e) {
        this.onError(e);
      }
      this.schedule(next);
    })();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
