/**
 * authz — Cedar policy on every call (stage 4, see stages.ts).
 *
 * - `request`: `tools/call` → `call_tool`, `resources/read` → `read_resource`, `prompts/get` →
 *   `get_prompt` over principal × resource × arguments × session context × findings so far.
 *   Allow: the policy ids go to `ctx.policyIds` and the obligations (`approve`, `redact`,
 *   `rate:10/m`...) to `ctx.obligations` for the later stages. Deny: rule `policy.<id>`; but when
 *   the item would also be hidden from the principal's lists, the deny carries NOT_FOUND_RULE so
 *   the router answers exactly as for a missing tool (a hidden tool must not be discoverable).
 *   `completion/complete` is allowed only for prompts / resources the principal can see.
 *   `resources/subscribe` / `unsubscribe` are `read_resource` (hidden → not-found, like a read).
 *   Any other method (target kind `method`) is `call_method` on the server: denied unless a
 *   policy permits it by name (YAML `methods:`).
 * - `list`: removes the tools, prompts, resources and templates the principal could never use.
 * - `serverRequest`: `sampling/createMessage` → `sample`, `elicitation/create` → `elicit`, on the
 *   upstream Server.
 * Install it only when a policy set is configured (`createPolicyEngine` returns one); without
 * one, there is no policy stage and calls are not restricted by policy.
 */
import type { Finding } from '../../detect/types.js';
import type { PolicyEngine } from '../../policy/engine.js';
import type { AuthzRequest, AuthzResource, PolicyAction } from '../../policy/types.js';
import { EXPIRED_RULE, NOT_FOUND_RULE, UNKNOWN_METHOD_RULE } from '../rules.js';
import { listInFlight } from '../lists.js';
import { allow, deny, modify, type Interceptor, type JsonRpcObject, type ListKind, type PipelineContext, type Verdict } from '../types.js';

export { EXPIRED_RULE, NOT_FOUND_RULE };

const LIST_KIND: Record<ListKind, AuthzResource['kind']> = { tools: 'tool', prompts: 'prompt', resources: 'resource', resourceTemplates: 'resource' };

const REQUEST_ACTION: Record<string, { action: PolicyAction; kind: AuthzResource['kind'] }> = {
  'tools/call': { action: 'call_tool', kind: 'tool' },
  'resources/read': { action: 'read_resource', kind: 'resource' },
  // Subscribing tells whether a resource exists and streams its updates: the same right as reading it.
  'resources/subscribe': { action: 'read_resource', kind: 'resource' },
  'resources/unsubscribe': { action: 'read_resource', kind: 'resource' },
  'prompts/get': { action: 'get_prompt', kind: 'prompt' },
};

const SERVER_REQUEST_ACTION: Record<string, PolicyAction> = {
  'sampling/createMessage': 'sample',
  'elicitation/create': 'elicit',
};

function params(msg: JsonRpcObject): Record<string, unknown> {
  const p = (msg as { params?: unknown }).params;
  return p && typeof p === 'object' ? (p as Record<string, unknown>) : {};
}

function sessionOf(ctx: PipelineContext): AuthzRequest['session'] {
  const s = ctx.session;
  return { id: s.id, transport: s.transport, ...(s.clientInfo?.name ? { client: s.clientInfo.name } : {}), taint: s.taint };
}

function categories(findings: Finding[]): string[] {
  return findings.map((f) => f.category);
}

export interface AuthzInterceptorOptions {
  /** Called with each decision (for metrics/debug logs). */
  onDecision?: (ctx: PipelineContext, result: ReturnType<PolicyEngine['authorize']>) => void;
  /**
   * A just-in-time grant covering this `tools/call` (src/credentials/grants.ts), asked only when the
   * policy alone denies: the grant's id, or undefined.
   */
  findGrant?: (principal: string, server: string, tool: string, args: unknown) => Promise<string | undefined>;
}

export function createAuthzInterceptor(engine: PolicyEngine, opts: AuthzInterceptorOptions = {}): Interceptor {
  const request = (ctx: PipelineContext): Verdict | Promise<Verdict> => {
    const t = ctx.target;
    if (ctx.method === 'completion/complete' || t.kind === 'completion') return completion(ctx);
    if (t.kind === 'method') return method(ctx);
    const map = REQUEST_ACTION[ctx.method];
    if (!map) return allow();
    // The upstream's own name / URI, as the list hook sees items (`message.result` is per server, unprefixed).
    const name = t.upstreamName ?? t.name;
    if (!t.server || name === undefined) return deny(`no ${map.kind} to authorize (unresolved target)`, NOT_FOUND_RULE);
    const p = params(ctx.message);
    const definition = t.definition ?? {};
    const req: AuthzRequest = {
      principal: ctx.session.principal,
      action: map.action,
      resource: { kind: map.kind, server: t.server, name },
      arguments: map.kind === 'resource' ? {} : (p.arguments ?? {}),
      labels: t.labels ?? [],
      ...(definition.annotations && typeof definition.annotations === 'object' ? { annotations: definition.annotations as Record<string, unknown> } : {}),
      findings: categories(ctx.findings),
      session: sessionOf(ctx),
    };
    const r = engine.authorize(req);
    opts.onDecision?.(ctx, r);
    const before = ctx.policyIds.length;
    for (const id of r.policyIds) ctx.policyIds.push(id);
    if (r.decision === 'allow') {
      for (const o of r.obligations) ctx.obligations.add(o);
      return allow();
    }
    const refuse = (): Verdict => {
      const { arguments: _a, ...visReq } = req;
      if (!engine.isVisible(visReq)) {
        return deny(`${t.name ?? name} is hidden from ${ctx.session.principal.id} by policy: ${r.reason}`, NOT_FOUND_RULE);
      }
      return deny(r.reason, `policy.${r.policyIds[0] ?? 'default-deny'}`);
    };
    const findGrant = opts.findGrant;
    // Denied: a just-in-time grant may cover the call. Cedar decides again with `context.grant`,
    // so a forbid still wins; only denied calls pay for the lookup.
    if (map.action !== 'call_tool' || !findGrant) return refuse();
    return findGrant(ctx.session.principal.id, t.server, name, req.arguments).then((grantId) => {
      if (grantId === undefined) return refuse();
      const g = engine.authorize({ ...req, grant: true });
      opts.onDecision?.(ctx, g);
      if (g.decision !== 'allow') return refuse();
      ctx.policyIds.length = before; // the denial's ids no longer decide: the grant does
      ctx.policyIds.push(...g.policyIds, grantId);
      for (const o of g.obligations) ctx.obligations.add(o);
      return allow();
    });
  };

  /** A method the router does not know (`x/admin_reset`): denied unless a policy permits `call_method` on it by name. */
  const method = (ctx: PipelineContext): Verdict => {
    const server = ctx.target.server;
    if (!server) return deny(`${ctx.method}: no server to send it to`, UNKNOWN_METHOD_RULE);
    const r = engine.authorize({
      principal: ctx.session.principal,
      action: 'call_method',
      method: ctx.method,
      resource: { kind: 'server', server },
      findings: categories(ctx.findings),
      session: sessionOf(ctx),
    });
    opts.onDecision?.(ctx, r);
    for (const id of r.policyIds) ctx.policyIds.push(id);
    if (r.decision === 'allow') {
      for (const o of r.obligations) ctx.obligations.add(o);
      return allow();
    }
    return deny(`method ${ctx.method} is not allowed for ${ctx.session.principal.id} (allow it by name: policy.allow[].methods): ${r.reason}`, `policy.${r.policyIds[0] ?? 'default-deny'}`);
  };

  const completion = (ctx: PipelineContext): Verdict => {
    const t = ctx.target;
    const ref = params(ctx.message).ref as { type?: string; name?: string; uri?: string } | undefined;
    if (!t.server) return deny('no completion target', NOT_FOUND_RULE);
    const kind: AuthzResource['kind'] = ref?.type === 'ref/resource' ? 'resource' : 'prompt';
    const name = kind === 'resource' ? (ref?.uri ?? t.name) : (t.upstreamName ?? ref?.name ?? t.name);
    if (name === undefined) return deny('no completion target', NOT_FOUND_RULE);
    const visible = engine.isVisible({
      principal: ctx.session.principal,
      resource: { kind, server: t.server, name },
      findings: categories(ctx.findings),
      session: sessionOf(ctx),
    });
    return visible ? allow() : deny(`completion for ${name}: hidden from ${ctx.session.principal.id} by policy`, NOT_FOUND_RULE);
  };

  const list = (ctx: PipelineContext): Verdict => {
    const l = ctx.list;
    const inFlight = listInFlight(ctx);
    if (!l || !inFlight) return allow();
    const raw = inFlight.items;
    const kind = LIST_KIND[l.kind];
    const session = sessionOf(ctx);
    const keep = raw.filter((item) => {
      const o = (item ?? {}) as Record<string, unknown>;
      const name = l.kind === 'resources' ? o.uri : l.kind === 'resourceTemplates' ? o.uriTemplate : o.name;
      if (typeof name !== 'string') return false;
      const ann = o.annotations;
      const labels = l.labels?.(name);
      return engine.isVisible({
        principal: ctx.session.principal,
        resource: { kind, server: l.server, name },
        ...(labels ? { labels } : {}),
        ...(kind === 'tool' && ann && typeof ann === 'object' ? { annotations: ann as Record<string, unknown> } : {}),
        session,
      });
    });
    if (keep.length === raw.length) return allow();
    return modify(inFlight.keeping(keep), 'policy.hidden');
  };

  const serverRequest = (ctx: PipelineContext): Verdict => {
    const action = SERVER_REQUEST_ACTION[ctx.method];
    if (!action) return allow();
    const server = ctx.target.server;
    if (!server) return deny(`${ctx.method} from an unknown server`, 'policy.unknown-server');
    const r = engine.authorize({
      principal: ctx.session.principal,
      action,
      resource: { kind: 'server', server },
      findings: categories(ctx.findings),
      session: sessionOf(ctx),
    });
    opts.onDecision?.(ctx, r);
    for (const id of r.policyIds) ctx.policyIds.push(id);
    if (r.decision === 'allow') {
      for (const o of r.obligations) ctx.obligations.add(o);
      return allow();
    }
    return deny(r.reason, `policy.${r.policyIds[0] ?? 'default-deny'}`);
  };

  return { name: 'authz', request, list, serverRequest, close: () => engine.close() };
}
