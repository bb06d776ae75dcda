/**
 * Table cases for `portcullis policy test`:
 *
 * ```yaml
 * cases:
 *   - name: eng may use everything
 *     principal: user:bob            # user:NAME, agent:NAME or anonymous (bare NAME = user)
 *     groups: [eng]
 *     tool: everything__echo         # or prompt: server__name, or resource: URI with server: NAME,
 *                                    # or action: sample|elicit with server: NAME
 *     arguments: { message: hi }
 *     context: { taint: [private_data], findings: [secret], labels: [egress], annotations: { readOnlyHint: true },
 *                client: cursor, transport: http, agent: cursor, scopes: [mcp:tools], time: "2026-01-05T10:00:00Z" }
 *     expect: allow                  # allow | deny | hidden (denied and not listed)
 *     policy: policy.allow[0]        # optional: a determining policy id that must be among the ids
 *     obligations: [approve]         # optional: exactly these obligations
 * ```
 */
import { parse as parseYaml } from 'yaml';
import type { Principal } from '../shared/principal.js';
import type { PolicyEngine, Explanation } from './engine.js';
import type { AuthzRequest, PolicyAction } from './types.js';

export interface PolicyCase {
  name?: string;
  principal?: string;
  groups?: string[];
  tool?: string;
  prompt?: string;
  resource?: string;
  server?: string;
  action?: PolicyAction;
  arguments?: Record<string, unknown>;
  context?: {
    taint?: string[];
    findings?: string[];
    labels?: string[];
    annotations?: Record<string, unknown>;
    client?: string;
    transport?: string;
    agent?: string;
    scopes?: string[];
    method?: string;
    session?: string;
    time?: string;
  };
  expect?: 'allow' | 'deny' | 'hidden';
  policy?: string;
  obligations?: string[];
}

export interface CaseResult {
  name: string;
  ok: boolean;
  expected: string;
  got: string;
  problems: string[];
  explanation?: Explanation;
}

export function principalFrom(spec: string | undefined, groups: string[] = [], ctx: PolicyCase['context'] = {}): Principal {
  const s = (spec ?? 'anonymous').trim();
  const extra = {
    ...(ctx.agent ? { agent: ctx.agent } : {}),
    ...(ctx.scopes ? { scopes: ctx.scopes } : {}),
  };
  const method = ctx.method ?? 'jwt';
  if (s === 'anonymous') return { id: 'anonymous', kind: 'Anonymous', groups: [], method: ctx.method ?? 'none', ...extra };
  if (s.startsWith('agent:')) return { id: s, kind: 'Agent', groups: [...groups], method, agent: ctx.agent ?? s.slice(6), ...(ctx.scopes ? { scopes: ctx.scopes } : {}) };
  const id = s.startsWith('user:') ? s : `user:${s}`;
  return { id, kind: 'User', groups: [...groups], method, ...extra };
}

/** Turn a case (or the explain flags) into an engine request. */
export function caseToRequest(c: PolicyCase, separator = '__'): AuthzRequest {
  const ctx = c.context ?? {};
  const principal = principalFrom(c.principal, (c.groups ?? []).map((g) => g.replace(/^group:/, '')), ctx);
  const split = (s: string, what: string) => {
    const i = s.indexOf(separator);
    if (i <= 0) throw new Error(`${what} "${s}" must be server${separator}name`);
    return { server: s.slice(0, i), name: s.slice(i + separator.length) };
  };
  let action: PolicyAction;
  let resource: AuthzRequest['resource'];
  if (c.tool) {
    action = c.action ?? 'call_tool';
    resource = { kind: 'tool', ...split(c.tool, 'tool') };
  } else if (c.prompt) {
    action = c.action ?? 'get_prompt';
    resource = { kind: 'prompt', ...split(c.prompt, 'prompt') };
  } else if (c.resource) {
    if (!c.server) throw new Error(`resource "${c.resource}" needs server: NAME`);
    action = c.action ?? 'read_resource';
    resource = { kind: 'resource', server: c.server, name: c.resource };
  } else if (c.action === 'sample' || c.action === 'elicit') {
    if (!c.server) throw new Error(`action ${c.action} needs server: NAME`);
    action = c.action;
    resource = { kind: 'server', server: c.server };
  } else throw new Error('a case needs tool:, prompt:, resource: (with server:) or action: sample|elicit (with server:)');
  return {
    principal,
    action,
    resource,
    arguments: c.arguments ?? {},
    labels: ctx.labels ?? [],
    ...(ctx.annotations ? { annotations: ctx.annotations } : {}),
    findings: ctx.findings ?? [],
    session: { id: ctx.session ?? 'policy-test', transport: ctx.transport ?? 'http', ...(ctx.client ? { client: ctx.client } : {}), taint: ctx.taint ?? [] },
    ...(ctx.time ? { now: new Date(ctx.time) } : {}),
  };
}

export function parseCases(text: string): PolicyCase[] {
  const doc = parseYaml(text) as unknown;
  const list = Array.isArray(doc) ? doc : (doc as { cases?: unknown })?.cases;
  if (!Array.isArray(list)) throw new Error('the cases file must be a list, or have a `cases:` list');
  return list as PolicyCase[];
}

export function runCases(engine: PolicyEngine, cases: PolicyCase[], separator = '__'): CaseResult[] {
  return cases.map((c, i) => {
    const name = c.name ?? `case ${i + 1}`;
    const expected = c.expect ?? '(missing)';
    const problems: string[] = [];
    if (c.expect !== 'allow' && c.expect !== 'deny' && c.expect !== 'hidden') {
      return { name, ok: false, expected, got: '-', problems: ['expect: must be allow, deny or hidden'] };
    }
    let req: AuthzRequest;
    try {
      req = caseToRequest(c, separator);
    } catch (e) {
      return { name, ok: false, expected, got: '-', problems: [(e as Error).message] };
    }
    const ex = engine.explain(req);
    const hidden = ex.result.decision === 'deny' && ex.visible === false;
    const got = hidden ? 'hidden' : ex.result.decision;
    if (c.expect === 'hidden' ? got !== 'hidden' : ex.result.decision !== c.expect) problems.push(`expected ${c.expect}, got ${got}: ${ex.result.reason}`);
    if (c.policy && !ex.result.policyIds.includes(c.policy)) problems.push(`expected policy ${c.policy} to decide, got ${ex.result.policyIds.join(', ') || '(none)'}`);
    if (c.obligations) {
      const want = [...c.obligations].sort().join(', ');
      const have = [...ex.result.obligations].sort().join(', ');
      if (want !== have) problems.push(`expected obligations [${want}], got [${have}]`);
    }
    return { name, ok: problems.length === 0, expected, got, problems, explanation: ex };
  });
}
