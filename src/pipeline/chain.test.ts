import { describe, expect, it } from 'vitest';
import { Pipeline, INTERCEPTOR_FAILED_RULE } from './chain.js';
import { ALLOW, deny, modify, type Interceptor, type PipelineContext } from './types.js';

function ctx(): PipelineContext {
  return {
    hook: 'request',
    method: 'tools/call',
    message: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 't', arguments: { a: 1 } } } as never,
    session: { id: 's', principal: { id: 'user:a', kind: 'User', groups: [], method: 'none' }, transport: 'http', taint: new Set(), state: new Map() },
    target: { kind: 'tool', server: 'x', name: 'x__t' },
    obligations: new Set(),
    findings: [],
    policyIds: [],
  };
}

describe('pipeline fails closed', () => {
  it('an interceptor that throws denies, and later ones do not run', async () => {
    let ran = false;
    const p = new Pipeline([
      { name: 'boom', request: () => { throw new Error('kaput'); } },
      { name: 'after', request: () => { ran = true; return ALLOW; } },
    ]);
    const r = await p.run(ctx());
    expect(r.decision).toMatchObject({ kind: 'deny', rule: INTERCEPTOR_FAILED_RULE });
    expect((r.decision as { reason: string }).reason).toContain('boom');
    expect(ran).toBe(false);
  });

  it('an interceptor that rejects denies', async () => {
    const p = new Pipeline([{ name: 'async-boom', request: async () => Promise.reject(new Error('db down')) }]);
    expect((await p.run(ctx())).decision.kind).toBe('deny');
  });

  it('an interceptor that overruns the timeout denies', async () => {
    const p = new Pipeline([{ name: 'slow', request: () => new Promise((r) => setTimeout(() => r(ALLOW), 500)) }], 50);
    const r = await p.run(ctx());
    expect(r.decision).toMatchObject({ kind: 'deny', rule: INTERCEPTOR_FAILED_RULE });
    expect((r.decision as { reason: string }).reason).toMatch(/timed out/);
  });

  it('first deny wins and carries its rule and findings', async () => {
    const p = new Pipeline([
      { name: 'a', request: () => deny('no', 'a.rule', [{ category: 'secret', detector: 'x', severity: 'high', score: 1 }]) },
      { name: 'b', request: () => deny('also no', 'b.rule') },
    ]);
    const r = await p.run(ctx());
    expect(r.decision).toMatchObject({ kind: 'deny', rule: 'a.rule' });
    expect(r.findings).toHaveLength(1);
  });

  it('modify replaces the message for the next interceptor', async () => {
    const seen: unknown[] = [];
    const ics: Interceptor[] = [
      { name: 'rewrite', request: (c) => modify({ ...c.message, params: { name: 't', arguments: { a: 2 } } } as never, 'rewrite.rule') },
      { name: 'look', request: (c) => { seen.push((c.message as unknown as { params: { arguments: unknown } }).params.arguments); return ALLOW; } },
    ];
    const r = await new Pipeline(ics).run(ctx());
    expect(seen).toEqual([{ a: 2 }]);
    expect(r.decision).toMatchObject({ kind: 'modify', rule: 'rewrite.rule' });
    expect(r.modified).toBe(true);
  });

  it('runs only the interceptors that have the hook, in order, and times each', async () => {
    const order: string[] = [];
    const p = new Pipeline([
      { name: 'one', request: () => { order.push('one'); return ALLOW; } },
      { name: 'list-only', list: () => { order.push('list'); return ALLOW; } },
      { name: 'two', request: async () => { order.push('two'); return ALLOW; } },
    ]);
    const r = await p.run(ctx());
    expect(order).toEqual(['one', 'two']);
    expect(Object.keys(r.stages)).toEqual(['one', 'two']);
    expect(r.decision.kind).toBe('allow');
  });
});

describe('pipeline prepare (what the stages load before the first message)', () => {
  it('runs once before the first message, also for messages that arrive while it loads', async () => {
    let loads = 0;
    let seen = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const p = new Pipeline([{ name: 'count', request: () => ((seen += 1), ALLOW) }], 5000, undefined, async () => {
      loads += 1;
      await gate;
    });
    const first = [p.run(ctx()), p.run(ctx())];
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).toBe(0); // nothing runs before the load is done
    release();
    for (const r of await Promise.all(first)) expect(r.decision.kind).toBe('allow');
    expect((await p.run(ctx())).decision.kind).toBe('allow');
    expect(loads).toBe(1);
    expect(seen).toBe(3);
  });

  it('a load that fails denies the message (fail closed) and is tried again with the next one', async () => {
    let tries = 0;
    const errors: string[] = [];
    const p = new Pipeline([{ name: 'ok', request: () => ALLOW }], 5000, (name) => errors.push(name), async () => {
      tries += 1;
      if (tries === 1) throw new Error('module missing');
    });
    const r = await p.run(ctx());
    expect(r.decision).toMatchObject({ kind: 'deny', rule: INTERCEPTOR_FAILED_RULE });
    expect((r.decision as { reason: string }).reason).toContain('module missing');
    expect(errors).toEqual(['pipeline']);
    expect((await p.run(ctx())).decision.kind).toBe('allow');
    expect(tries).toBe(2);
  });
});
