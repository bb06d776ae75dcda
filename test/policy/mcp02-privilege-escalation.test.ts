/**
 * OWASP MCP02 — privilege escalation via scope creep: every call is decided by policy over who
 * asks, which tool, with which arguments, in which session; tools a principal may not use are
 * invisible; the policy set cannot be loaded broken, and a policy that fails to evaluate never
 * turns a forbid into an allow.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { PolicyEngine, type PolicyEngineOptions } from '../../src/policy/engine.js';
import { PolicyLoadError, type AuthzRequest } from '../../src/policy/types.js';
import { createAuthzInterceptor, EXPIRED_RULE, NOT_FOUND_RULE } from '../../src/pipeline/interceptors/authz.js';
import { createAuthnInterceptor } from '../../src/pipeline/interceptors/authn.js';
import type { JsonRpcObject, PipelineContext, Principal } from '../../src/pipeline/types.js';
import { agent, anonymous, policyConfig, tempDir, user } from './helpers.js';

const engines: PolicyEngine[] = [];
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const e of engines.splice(0)) e.close();
  for (const c of cleanups.splice(0)) c();
});
async function engine(opts: Partial<PolicyEngineOptions> & { policy: PolicyEngineOptions['policy'] }): Promise<PolicyEngine> {
  const e = await PolicyEngine.create({ watch: false, ...opts });
  engines.push(e);
  return e;
}
async function loadError(opts: Partial<PolicyEngineOptions> & { policy: PolicyEngineOptions['policy'] }): Promise<string[]> {
  try {
    const e = await engine(opts);
    e.close();
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyLoadError);
    return (err as PolicyLoadError).problems;
  }
  throw new Error('expected the policy set to be refused');
}
function call(principal: Principal, tool: string, args: unknown = {}, extra: Partial<AuthzRequest> = {}): AuthzRequest {
  const i = tool.indexOf('__');
  return { principal, action: 'call_tool', resource: { kind: 'tool', server: tool.slice(0, i), name: tool.slice(i + 2) }, arguments: args, ...extra };
}

const YAML = policyConfig({
  allow: [
    { principal: 'group:eng', tools: ['everything__*'] },
    { principal: 'user:alice', tools: ['filesystem__read_*'], where: { path: { startsWith: '/srv/project/' } } },
    { principal: 'group:ops', tools: ['filesystem__*'] },
    { principal: 'agent:ci-bot', tools: ['everything__echo'], obligations: ['rate:10/m'] },
    { principal: ['user:carol', 'group:admins'], tools: ['admin__*'], obligations: ['approve', 'audit-copy'] },
    { principal: 'anonymous', tools: ['public__*'] },
  ] as never,
  deny: [
    { principal: '*', tools: ['everything__get-env'] },
    { principal: '*', tools: ['filesystem__*'], where: { path: { startsWith: '/srv/project/secrets/' } } },
    { principal: 'agent:shady-client', tools: ['*'] },
  ] as never,
});

describe('MCP02 decisions (YAML policy, table)', () => {
  type Row = [name: string, req: AuthzRequest, expected: 'allow' | 'deny', policy?: string];
  const bob = user('bob', ['eng']);
  const alice = user('alice');
  const olga = user('olga', ['ops']);
  const rows: Row[] = [
    ['group-based allow', call(bob, 'everything__echo', { message: 'hi' }), 'allow', 'policy.allow[0]'],
    ['group does not leak to another server', call(bob, 'filesystem__read_file', { path: '/srv/project/a' }), 'deny', 'default-deny'],
    ['no group, no access', call(user('mallory'), 'everything__echo'), 'deny', 'default-deny'],
    ['deny beats allow', call(bob, 'everything__get-env'), 'deny', 'policy.deny[0]'],
    ['argument inside the project', call(alice, 'filesystem__read_file', { path: '/srv/project/README.md' }), 'allow', 'policy.allow[1]'],
    ['nested path normalised inside', call(alice, 'filesystem__read_file', { path: '/srv/project/sub/../b.txt' }), 'allow'],
    ['argument outside the project', call(alice, 'filesystem__read_file', { path: '/etc/passwd' }), 'deny'],
    ['traversal ../../', call(alice, 'filesystem__read_file', { path: '/srv/project/../../etc/passwd' }), 'deny'],
    ['traversal ./..', call(alice, 'filesystem__read_file', { path: '/srv/project/./../secret' }), 'deny'],
    ['traversal with //', call(alice, 'filesystem__read_file', { path: '/srv/project//../etc' }), 'deny'],
    ['prefix confusion /srv/projectile', call(alice, 'filesystem__read_file', { path: '/srv/projectile/x' }), 'deny'],
    ['relative path', call(alice, 'filesystem__read_file', { path: 'srv/project/a' }), 'deny'],
    ['path as an array (type confusion)', call(alice, 'filesystem__read_file', { path: ['/srv/project/a'] }), 'deny'],
    ['path as a number', call(alice, 'filesystem__read_file', { path: 42 }), 'deny'],
    ['path missing', call(alice, 'filesystem__read_file', {}), 'deny'],
    ['tool glob: write is not read_*', call(alice, 'filesystem__write_file', { path: '/srv/project/a' }), 'deny'],
    ['ops may use the filesystem', call(olga, 'filesystem__write_file', { path: '/srv/project/a' }), 'allow', 'policy.allow[2]'],
    ['deny on an argument prefix', call(olga, 'filesystem__read_file', { path: '/srv/project/secrets/key' }), 'deny', 'policy.deny[1]'],
    ['deny on an argument prefix, via traversal', call(olga, 'filesystem__read_file', { path: '/srv/project/public/../secrets/key' }), 'deny', 'policy.deny[1]'],
    ['deny holds when the argument has a surprising type', call(olga, 'filesystem__read_file', { path: ['/srv/project/secrets/key'] }), 'deny', 'policy.deny[1]'],
    ['agent itself is allowed', call(agent('ci-bot'), 'everything__echo'), 'allow'],
    ['a user through that agent does not inherit its allow', call(user('x', [], { agent: 'ci-bot' }), 'everything__echo'), 'deny'],
    ['deny on an agent also hits users acting through it', call(user('bob', ['eng'], { agent: 'shady-client' }), 'everything__echo'), 'deny', 'policy.deny[2]'],
    ['list of principals (user)', call(user('carol'), 'admin__reset'), 'allow'],
    ['list of principals (group)', call(user('dave', ['admins']), 'admin__reset'), 'allow'],
    ['anonymous only where allowed', call(anonymous, 'public__time'), 'allow'],
    ['anonymous elsewhere', call(anonymous, 'everything__echo'), 'deny'],
    ['groups with group: prefix', call(user('erin', ['group:eng']), 'everything__echo'), 'allow'],
  ];
  let e: PolicyEngine;
  test.each(rows)('%s', async (_name, req, expected, policy) => {
    e ??= await PolicyEngine.create({ policy: YAML, watch: false });
    const r = e.authorize(req);
    expect(r.decision, r.reason).toBe(expected);
    if (policy) expect(r.policyIds).toContain(policy);
    expect(r.policyIds.length).toBeGreaterThan(0);
  });

  test('sending only the context attributes policies read decides exactly like the full, schema-validated request', async () => {
    const lean = await engine({ policy: YAML });
    const full = await engine({ policy: YAML, validateRequests: true });
    for (const [name, req] of rows) {
      const a = lean.authorize(req);
      const b = full.authorize(req);
      expect({ name, decision: a.decision, ids: a.policyIds }).toEqual({ name, decision: b.decision, ids: b.policyIds });
      expect(b.policyIds).not.toContain('request-error');
    }
  });

  test('obligations come from the permitting rule', async () => {
    const e2 = await engine({ policy: YAML });
    expect(e2.authorize(call(user('carol'), 'admin__reset')).obligations.sort()).toEqual(['approve', 'audit-copy']);
    expect(e2.authorize(call(agent('ci-bot'), 'everything__echo')).obligations).toEqual(['rate:10/m']);
    expect(e2.authorize(call(user('bob', ['eng']), 'everything__echo')).obligations).toEqual([]);
  });

  test('resources: URI globs on the normalised URI', async () => {
    const e2 = await engine({ policy: policyConfig({ allow: [{ principal: '*', resources: ['file:///srv/project/*'] }] as never }) });
    const read = (uri: string) => e2.authorize({ principal: user('a'), action: 'read_resource', resource: { kind: 'resource', server: 'fs', name: uri } }).decision;
    expect(read('file:///srv/project/a.md')).toBe('allow');
    expect(read('file:///srv/project/../../etc/passwd')).toBe('deny');
    expect(read('file:///srv/project/%2e%2e/%2e%2e/etc/passwd')).toBe('deny');
    expect(read('https://example.com/')).toBe('deny');
  });
});

describe('MCP02 hidden tools: filtered from lists, and called by name answered as not found', () => {
  function ctx(principal: Principal, over: Partial<PipelineContext>): PipelineContext {
    return {
      hook: 'request',
      session: { id: 's1', principal, transport: 'http', taint: new Set(), state: new Map(), clientInfo: { name: 'claude', version: '1' } },
      method: 'tools/call',
      message: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: {} } as JsonRpcObject,
      target: { kind: 'other' },
      obligations: new Set(),
      findings: [],
      policyIds: [],
      ...over,
    };
  }
  const listMsg = (tools: string[]) => ({ jsonrpc: '2.0', id: 1, result: { tools: tools.map((name) => ({ name, inputSchema: { type: 'object' } })), nextCursor: 'c2' } }) as unknown as JsonRpcObject;

  test('tools/list shows only what the principal could use', async () => {
    const ic = createAuthzInterceptor(await engine({ policy: YAML }));
    const run = (p: Principal, server: string, tools: string[]) => {
      const v = ic.list!(ctx(p, { hook: 'list', method: 'tools/list', message: listMsg(tools), list: { kind: 'tools', server, exposedName: (n) => `${server}__${n}` } }));
      const d = (v as { decision: { kind: string; message?: { result: { tools: Array<{ name: string }>; nextCursor: string } } } }).decision;
      if (d.kind === 'allow') return tools;
      expect(d.message!.result.nextCursor).toBe('c2');
      return d.message!.result.tools.map((t) => t.name);
    };
    expect(run(user('bob', ['eng']), 'everything', ['echo', 'add', 'get-env'])).toEqual(['echo', 'add']);
    expect(run(user('alice'), 'filesystem', ['read_file', 'write_file', 'read_media'])).toEqual(['read_file', 'read_media']); // shown: allowed for some path
    expect(run(user('mallory'), 'filesystem', ['read_file', 'write_file'])).toEqual([]);
    expect(run(user('olga', ['ops']), 'filesystem', ['read_file', 'write_file'])).toEqual(['read_file', 'write_file']); // the deny depends on the path
  });

  test('prompts, resources and templates are filtered too', async () => {
    const ic = createAuthzInterceptor(
      await engine({ policy: policyConfig({ allow: [{ principal: 'group:eng', prompts: ['everything__simple*'], resources: ['test://static/resource/1*'] }] as never }) }),
    );
    const bob = user('bob', ['eng']);
    const prompts = ic.list!(ctx(bob, { hook: 'list', method: 'prompts/list', message: { jsonrpc: '2.0', id: 1, result: { prompts: [{ name: 'simple_prompt' }, { name: 'complex_prompt' }] } } as never, list: { kind: 'prompts', server: 'everything', exposedName: (n) => n } }));
    expect(JSON.stringify(prompts)).toContain('simple_prompt');
    expect(JSON.stringify(prompts)).not.toContain('complex_prompt');
    const res = ic.list!(ctx(bob, { hook: 'list', method: 'resources/list', message: { jsonrpc: '2.0', id: 1, result: { resources: [{ uri: 'test://static/resource/1', name: 'a' }, { uri: 'test://static/resource/2', name: 'b' }] } } as never, list: { kind: 'resources', server: 'everything', exposedName: (n) => n } }));
    expect(JSON.stringify(res)).toContain('resource/1');
    expect(JSON.stringify(res)).not.toContain('resource/2');
    const tpl = ic.list!(ctx(user('mallory'), { hook: 'list', method: 'resources/templates/list', message: { jsonrpc: '2.0', id: 1, result: { resourceTemplates: [{ uriTemplate: 'test://static/resource/{id}', name: 't' }] } } as never, list: { kind: 'resourceTemplates', server: 'everything', exposedName: (n) => n } }));
    expect(JSON.stringify(tpl)).not.toContain('uriTemplate');
  });

  test('a hidden tool called by name gets NOT_FOUND_RULE; a visible one gets a policy deny', async () => {
    const ic = createAuthzInterceptor(await engine({ policy: YAML }));
    const req = (p: Principal, server: string, tool: string, args: unknown) =>
      ic.request!(
        ctx(p, {
          message: { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: `${server}__${tool}`, arguments: args } } as never,
          target: { kind: 'tool', server, name: `${server}__${tool}`, upstreamName: tool },
        }),
      ) as { decision: { kind: string; rule?: string; reason?: string } };
    expect(NOT_FOUND_RULE).toBe('not-found');
    expect(req(user('mallory'), 'filesystem', 'read_file', { path: '/srv/project/a' }).decision).toMatchObject({ kind: 'deny', rule: NOT_FOUND_RULE });
    expect(req(user('bob', ['eng']), 'everything', 'get-env', {}).decision).toMatchObject({ kind: 'deny', rule: NOT_FOUND_RULE });
    // alice can see read_file (some paths are fine), so a bad path is a policy deny, not "not found"
    expect(req(user('alice'), 'filesystem', 'read_file', { path: '/etc/passwd' }).decision).toMatchObject({ kind: 'deny', rule: 'policy.default-deny' });
    expect(req(user('olga', ['ops']), 'filesystem', 'read_file', { path: '/srv/project/secrets/k' }).decision).toMatchObject({ kind: 'deny', rule: 'policy.policy.deny[1]' });
  });

  test('a session whose credentials expired is refused by authn, the stage before policy', async () => {
    const ic = createAuthnInterceptor({ isRevoked: async () => false });
    const p = user('bob', ['eng'], { expiresAt: Math.floor(Date.now() / 1000) - 3600 });
    const v = await ic.request!(
      ctx(p, {
        message: { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'everything__echo', arguments: {} } } as never,
        target: { kind: 'tool', server: 'everything', name: 'everything__echo', upstreamName: 'echo' },
      }),
    ) as { decision: { kind: string; rule?: string } };
    expect(v.decision).toMatchObject({ kind: 'deny', rule: EXPIRED_RULE });
  });

  test('allow hands policy ids and obligations to later interceptors', async () => {
    const ic = createAuthzInterceptor(await engine({ policy: YAML }));
    const c = ctx(user('carol'), {
      message: { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'admin__reset', arguments: {} } } as never,
      target: { kind: 'tool', server: 'admin', name: 'admin__reset', upstreamName: 'reset' },
    });
    expect((ic.request!(c) as { decision: { kind: string } }).decision.kind).toBe('allow');
    expect([...c.obligations].sort()).toEqual(['approve', 'audit-copy']);
    expect(c.policyIds).toEqual(['policy.allow[4]']);
  });

  test('sampling and elicitation from an upstream are decided by policy', async () => {
    const e = await engine({
      policy: policyConfig({ cedar: './p' }),
      baseDir: (() => {
        const t = tempDir({ 'p/s.cedar': '@id("eng-sampling") permit(principal in Group::"eng", action == Action::"sample", resource == Server::"everything");' });
        cleanups.push(t.cleanup);
        return t.dir;
      })(),
    });
    const ic = createAuthzInterceptor(e);
    const sr = (p: Principal, method: string) =>
      (ic.serverRequest!(ctx(p, { hook: 'serverRequest', method, message: { jsonrpc: '2.0', id: 1, method, params: {} } as never, target: { kind: 'other', server: 'everything' } })) as { decision: { kind: string } }).decision.kind;
    expect(sr(user('bob', ['eng']), 'sampling/createMessage')).toBe('allow');
    expect(sr(user('bob', ['eng']), 'elicitation/create')).toBe('deny');
    expect(sr(user('mallory'), 'sampling/createMessage')).toBe('deny');
    expect(sr(user('mallory'), 'roots/list')).toBe('allow');
  });
});

describe('MCP02 policy sets that are invalid never load', () => {
  const withFiles = (files: Record<string, string>) => {
    const t = tempDir(files);
    cleanups.push(t.cleanup);
    return t;
  };

  type Row = [name: string, files: Record<string, string>, problem: RegExp];
  const rows: Row[] = [
    ['syntax error, with file:line', { 'p/a.cedar': 'permit(principal, action, resource);\n\n@id("x")\npermit(principal, action, resource) when { 1 + };\n' }, /^p\/a\.cedar:4:\d+: .*unexpected token/],
    ['unknown context attribute', { 'p/a.cedar': '@id("x")\npermit(principal, action == Action::"call_tool", resource)\n  when { context.sesion.taint.isEmpty() };\n' }, /^p\/a\.cedar:3:\d+: .*sesion/],
    ['unknown entity type', { 'p/a.cedar': '@id("x") permit(principal == Usr::"alice", action, resource);' }, /^p\/a\.cedar:1:\d+: .*Usr/],
    ['unknown action', { 'p/a.cedar': '@id("x") permit(principal, action == Action::"call", resource);' }, /^p\/a\.cedar:1:\d+: .*call/],
    ['optional argument read without `has`', { 'p/a.cedar': '@id("x")\nforbid(principal, action == Action::"call_tool", resource)\n  when { context.arguments.path like "/etc/*" };\n' }, /^p\/a\.cedar:3:\d+: .*arguments\.path.*policy\.arguments/],
    ['unknown obligation in Cedar', { 'p/a.cedar': '@id("x") @obligation("aprove")\npermit(principal, action, resource);' }, /^p\/a\.cedar:1: policy "x": unknown obligation "aprove"/],
    ['bad rate obligation', { 'p/a.cedar': '@id("x") @obligation("rate:ten/m")\npermit(principal, action, resource);' }, /unknown obligation "rate:ten\/m"/],
    ['duplicate ids', { 'p/a.cedar': '@id("x") permit(principal, action, resource);', 'p/b.cedar': '@id("x") forbid(principal, action, resource);' }, /duplicate policy id "x"/],
    ['templates are refused', { 'p/a.cedar': '@id("t") permit(principal == ?principal, action, resource);' }, /templates are not supported/],
  ];
  test.each(rows)('%s', async (_n, files, problem) => {
    const t = withFiles(files);
    const problems = await loadError({ policy: policyConfig({ cedar: './p' }), baseDir: t.dir });
    expect(problems.some((p) => problem.test(p)), problems.join('\n')).toBe(true);
  });

  test('unknown obligation and bad principal in YAML', async () => {
    const problems = await loadError({
      policy: policyConfig({ allow: [{ principal: 'alice', tools: ['x__*'] }, { principal: '*', tools: ['x__y'], obligations: ['aprove'] }, { principal: '*', tools: ['nosep'] }] as never }),
    });
    expect(problems.join('\n')).toMatch(/policy\.allow\[0\]: principal "alice" must be user:NAME/);
    expect(problems.join('\n')).toMatch(/policy\.allow\[1\]: unknown obligation "aprove"/);
    expect(problems.join('\n')).toMatch(/policy\.allow\[2\]: tools: "nosep" is not a server__name glob/);
  });

  test('unknown where condition and conflicting argument types in YAML', async () => {
    const problems = await loadError({
      policy: policyConfig({
        allow: [
          { principal: '*', tools: ['x__*'], where: { path: { startswith: '/a' } } },
          { principal: '*', tools: ['x__*'], where: { n: { equals: 1 } } },
          { principal: '*', tools: ['x__*'], where: { n: { startsWith: 'a' } } },
        ] as never,
      }),
    });
    expect(problems.join('\n')).toMatch(/unknown condition "startswith"/);
    expect(problems.join('\n')).toMatch(/argument "n" is used both as Long and as String/);
  });

  test('a custom schema that does not match the requests the gateway builds is refused', async () => {
    const { readFileSync } = await import('node:fs');
    const { SHIPPED_SCHEMA_PATH } = await import('../../src/policy/engine.js');
    const shipped = readFileSync(SHIPPED_SCHEMA_PATH, 'utf8');
    const t = tempDir({ 'custom.cedarschema': shipped.replace('  date: String,         // YYYY-MM-DD (UTC)\n', '  date: String,\n  tz: String,\n') });
    cleanups.push(t.cleanup);
    expect(shipped).toContain('date: String,         // YYYY-MM-DD (UTC)');
    const problems = await loadError({ policy: policyConfig({ schema: './custom.cedarschema' } as never), baseDir: t.dir });
    expect(problems.join('\n')).toMatch(/request as the gateway builds it does not match the schema/);
  });

  test('a missing policy directory is an error, not an empty (allow-nothing) set silently', async () => {
    const problems = await loadError({ policy: policyConfig({ cedar: './does-not-exist' }), baseDir: '/tmp' });
    expect(problems.join('\n')).toMatch(/does not exist/);
  });
});

describe('MCP02 hot reload keeps the old set when the new one is bad', () => {
  const GOOD = '@id("eng") permit(principal in Group::"eng", action == Action::"call_tool", resource);\n';
  const GOOD2 = '@id("ops") permit(principal in Group::"ops", action == Action::"call_tool", resource);\n';
  const BAD = '@id("broken") permit(principal, action, resource) when { context.nope };\n';

  test('reload(): rejected with problems, old decisions stand; a good set then replaces it', async () => {
    const t = tempDir({ 'p/a.cedar': GOOD });
    cleanups.push(t.cleanup);
    const e = await engine({ policy: policyConfig({ cedar: './p' }), baseDir: t.dir });
    const bob = call(user('bob', ['eng']), 'x__y');
    const olga = call(user('olga', ['ops']), 'x__y');
    expect(e.authorize(bob).decision).toBe('allow');
    t.write('p/a.cedar', BAD);
    const out = await e.reload();
    expect(out.ok).toBe(false);
    expect(out.problems?.join('\n')).toMatch(/p\/a\.cedar:1:\d+: .*nope/);
    expect(e.authorize(bob)).toMatchObject({ decision: 'allow', policyIds: ['eng'] });
    t.write('p/a.cedar', GOOD2);
    expect((await e.reload()).ok).toBe(true);
    expect(e.authorize(bob).decision).toBe('deny');
    expect(e.authorize(olga).decision).toBe('allow');
  });

  test('fs.watch: a bad file is logged and ignored, a good one takes effect', async () => {
    const t = tempDir({ 'p/a.cedar': GOOD });
    cleanups.push(t.cleanup);
    const logged: unknown[] = [];
    const logger = { info: () => {}, warn: () => {}, error: (o: unknown, m: string) => logged.push([o, m]) } as never;
    const e = await engine({ policy: policyConfig({ cedar: './p', watch: true }), baseDir: t.dir, watch: true, watchDebounceMs: 50, logger });
    const next = () => new Promise<{ ok: boolean }>((resolve) => { const off = e.onReload((o) => { off(); resolve(o); }); });
    const bob = call(user('bob', ['eng']), 'x__y');
    let p = next();
    t.write('p/a.cedar', BAD);
    expect((await p).ok).toBe(false);
    expect(JSON.stringify(logged)).toMatch(/previous policy set stays in force/);
    expect(e.authorize(bob).decision).toBe('allow');
    p = next();
    t.write('p/b.cedar', '@id("no-bob") forbid(principal == User::"bob", action, resource);\n');
    t.write('p/a.cedar', GOOD);
    let o = await p;
    // the watcher may fire between the two writes; wait until the final state loads
    while (!o.ok || e.policies.size < 2) {
      p = next();
      o = await p;
    }
    expect(e.authorize(bob)).toMatchObject({ decision: 'deny', policyIds: ['no-bob'] });
  });
});

describe('MCP02 errors fail closed: a missing attribute never turns a forbid into an allow', () => {
  test('forbid reading an absent attribute (validation bypassed) → deny, not allow', async () => {
    const t = tempDir({
      'p/a.cedar': '@id("all") permit(principal, action, resource);\n@id("no-etc") forbid(principal, action == Action::"call_tool", resource) when { context.arguments.path like "/etc/*" };\n',
    });
    cleanups.push(t.cleanup);
    // With validation this set is refused at load:
    expect((await loadError({ policy: policyConfig({ cedar: './p' }), baseDir: t.dir })).join('\n')).toMatch(/arguments\.path/);
    // Without it (as if a bad set got through), the forbid errors when `path` is absent... and still denies.
    const e = await engine({ policy: policyConfig({ cedar: './p' }), baseDir: t.dir, unsafeSkipValidation: true });
    const r = e.authorize(call(user('bob'), 'fs__read', {}));
    expect(r.decision).toBe('deny');
    expect(r.policyIds).toEqual(['no-etc']);
    expect(r.reason).toMatch(/failed to evaluate.*fail closed/);
    expect(e.authorize(call(user('bob'), 'fs__read', { path: '/home/x' })).decision).toBe('allow');
    expect(e.authorize(call(user('bob'), 'fs__read', { path: '/etc/passwd' })).decision).toBe('deny');
  });

  test('a validated forbid that errors at run time (overflow) denies', async () => {
    const t = tempDir({
      'p/a.cedar':
        '@id("all") permit(principal, action, resource);\n' +
        '@id("big") forbid(principal, action == Action::"call_tool", resource) when { context.arguments has n && context.arguments.n + 9223372036854775807 > 0 };\n',
    });
    cleanups.push(t.cleanup);
    const e = await engine({ policy: policyConfig({ cedar: './p' }), baseDir: t.dir });
    expect(e.authorize(call(user('bob'), 'x__y', { n: 1 }))).toMatchObject({ decision: 'deny', policyIds: ['big'] });
    expect(e.authorize(call(user('bob'), 'x__y', { n: -1 })).decision).toBe('deny'); // forbid holds without error
    expect(e.authorize(call(user('bob'), 'x__y', {})).decision).toBe('allow');
  });

  test('an erroring permit does not allow; another clean permit still can', async () => {
    const t = tempDir({
      'p/a.cedar': '@id("p-err") permit(principal, action == Action::"call_tool", resource) when { context.arguments has n && context.arguments.n + 9223372036854775807 > 0 };\n',
    });
    cleanups.push(t.cleanup);
    const e = await engine({ policy: policyConfig({ cedar: './p' }), baseDir: t.dir });
    const r = e.authorize(call(user('bob'), 'x__y', { n: 5 }));
    expect(r.decision).toBe('deny');
    expect(r.errors.join()).toMatch(/p-err/);
    t.write('p/b.cedar', '@id("ok") permit(principal == User::"bob", action, resource);\n');
    await e.reload();
    expect(e.authorize(call(user('bob'), 'x__y', { n: 5 }))).toMatchObject({ decision: 'allow', policyIds: ['ok'] });
  });

  test('every declared context attribute is supplied even for a bare request', async () => {
    const t = tempDir({
      'p/a.cedar':
        '@id("uses-all") permit(principal, action == Action::"call_tool", resource) when { context.session.client == "" && context.session.taint.isEmpty() && context.labels.isEmpty() && context.findings.isEmpty() && !context.annotations.readOnlyHint && context.annotations.destructiveHint && context.time.epoch > 0 && context.invalidArguments.isEmpty() && context.session.scopes.isEmpty() };\n' +
        '@id("taint") forbid(principal, action == Action::"call_tool", resource) when { context.session.taint.contains("untrusted_content") && context.labels.contains("egress") };\n',
    });
    cleanups.push(t.cleanup);
    const e = await engine({ policy: policyConfig({ cedar: './p' }), baseDir: t.dir, validateRequests: true });
    const bare: AuthzRequest = { principal: { id: 'user:x', kind: 'User', groups: [], method: 'jwt' }, action: 'call_tool', resource: { kind: 'tool', server: 's', name: 't' } };
    expect(e.authorize(bare)).toMatchObject({ decision: 'allow', policyIds: ['uses-all'] });
    expect(e.authorize({ ...bare, labels: ['egress'], session: { taint: new Set(['untrusted_content']) } })).toMatchObject({ decision: 'deny', policyIds: ['taint'] });
  });

  test('policy.arguments declares types; a mistyped argument is named in invalidArguments', async () => {
    const t = tempDir({
      'p/a.cedar':
        '@id("p") permit(principal, action == Action::"call_tool", resource) when { context.arguments has opts && context.arguments.opts has depth && context.arguments.opts.depth < 3 };\n' +
        '@id("bad-type") forbid(principal, action == Action::"call_tool", resource) when { context.invalidArguments.contains("opts.depth") };\n',
    });
    cleanups.push(t.cleanup);
    const e = await engine({ policy: policyConfig({ cedar: './p', arguments: { opts: '{ depth?: Long }' } } as never), baseDir: t.dir });
    expect(e.authorize(call(user('a'), 'x__y', { opts: { depth: 2 } })).decision).toBe('allow');
    expect(e.authorize(call(user('a'), 'x__y', { opts: { depth: 5 } })).decision).toBe('deny');
    expect(e.authorize(call(user('a'), 'x__y', { opts: { depth: 2.5 } }))).toMatchObject({ decision: 'deny', policyIds: ['bad-type'] });
  });
});

describe('decision cost', () => {
  test('µs per authorize on a prepared set', async () => {
    const e = await engine({ policy: YAML, visibilityCacheMs: 0 });
    const req = call(user('alice', ['eng', 'oncall']), 'filesystem__read_file', { path: '/srv/project/src/index.ts', encoding: 'utf8' }, {
      labels: ['private_data'],
      session: { id: 's', transport: 'http', client: 'claude', taint: ['private_data'] },
      findings: ['pii'],
    });
    for (let i = 0; i < 200; i++) e.authorize(req);
    const N = 1000;
    let t = performance.now();
    for (let i = 0; i < N; i++) e.authorize(req);
    const perDecision = ((performance.now() - t) * 1000) / N;
    const M = 100;
    const vis = { principal: req.principal, resource: req.resource };
    t = performance.now();
    for (let i = 0; i < M; i++) e.isVisible(vis);
    const perVisible = ((performance.now() - t) * 1000) / M;
    console.log(`[policy] authorize: ${perDecision.toFixed(1)} µs/decision; list visibility: ${perVisible.toFixed(1)} µs/item (${e.policies.size} policies)`);
    // Reported, not asserted tightly: the machine is shared. A parse per decision would show here.
    expect(perDecision).toBeLessThan(50_000);
  });
});
