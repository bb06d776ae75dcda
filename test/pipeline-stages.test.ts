/** stages.ts builds and orders the stages; `pipeline.disable` takes only stage names (never authn). */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../src/config/load.js';
import { buildPipeline, STAGE_ORDER } from '../src/pipeline/stages.js';
import type { Interceptor } from '../src/pipeline/types.js';

describe('pipeline.disable', () => {
  const bad = ['audit', 'authz ', 'Authz', 'inspect.secrets', 'authn', '*', ''];
  it.each(bad)('"%s" is a config error', (name) => {
    expect(() => parseConfigText(`pipeline: { disable: ["${name}"] }\n`, 'inline.yaml')).toThrow(ConfigError);
  });
  it('the error names the stages', () => {
    expect(() => parseConfigText('pipeline: { disable: [audit] }\n', 'inline.yaml')).toThrow(/validate.*registry.*inspect/s);
  });
  it.each(STAGE_ORDER.filter((s) => s !== 'authn'))('"%s" may be disabled', (name) => {
    expect(parseConfigText(`pipeline: { disable: [${name}] }\n`, 'inline.yaml').pipeline.disable).toEqual([name]);
  });
});

describe('buildPipeline', () => {
  const stub = (name: string): Interceptor => ({ name, request: () => ({ decision: { kind: 'allow' } }) });
  const all = Object.fromEntries([...STAGE_ORDER].reverse().map((n) => [n, stub(n)]));
  it('orders the stages by STAGE_ORDER whatever order they are given in, authn first', () => {
    expect(buildPipeline(all, { timeoutMs: 100 }).interceptors.map((i) => i.name)).toEqual([...STAGE_ORDER]);
    expect(STAGE_ORDER[0]).toBe('authn');
  });
  it('drops disabled stages but never authn', () => {
    const p = buildPipeline(all, { timeoutMs: 100, disabled: ['authn', 'inspect', 'rate'] });
    expect(p.interceptors.map((i) => i.name)).toEqual(STAGE_ORDER.filter((s) => s !== 'inspect' && s !== 'rate'));
    expect(p.hasStage('authn')).toBe(true);
    expect(p.hasStage('inspect')).toBe(false);
  });
});

describe('the inspect stage, loaded with its first message', () => {
  it('has exactly the hooks of the real inspect interceptor, and acts as it does', async () => {
    const { lazyInspect } = await import('../src/pipeline/stages.js');
    const { createInspectInterceptor } = await import('../src/pipeline/interceptors/inspect.js');
    const settings = parseConfigText('{}\n', 'inline.yaml').inspect;
    const hooks = (ic: Interceptor) => (['connect', 'list', 'request', 'response', 'serverRequest'] as const).filter((h) => typeof ic[h] === 'function');
    const lazy = lazyInspect(settings);
    const real = createInspectInterceptor(settings);
    expect(lazy.name).toBe(real.name);
    expect(hooks(lazy)).toEqual(hooks(real));
    // A result holding a key is redacted through the lazy stage as through the real one.
    const message = { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'key AKIAIOSFODNN7EXAMPL3 here' }] } };
    const ctx = () =>
      ({
        hook: 'response',
        method: 'tools/call',
        message: structuredClone(message),
        session: { id: 's', principal: { id: 'user:a', kind: 'User', groups: [], method: 'none' }, transport: 'http', taint: new Set(), state: new Map() },
        target: { kind: 'tool', server: 'x', name: 'x__t' },
        obligations: new Set(),
        findings: [],
        policyIds: [],
      }) as never;
    const viaLazy = await lazy.response!(ctx());
    const viaReal = await real.response!(ctx());
    expect(viaReal.decision.kind).toBe('modify');
    expect(viaLazy).toEqual(viaReal);
    // Loaded: the hook is the real one, synchronous again.
    expect(lazy.response!(ctx())).not.toBeInstanceOf(Promise);
  });
});
