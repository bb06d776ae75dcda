import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pipeline, INTERCEPTOR_FAILED_RULE } from '../chain.js';
import type { PipelineContext } from '../types.js';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite/index.js';
import { APPROVAL_DENIED_RULE, APPROVAL_REQUIRED_RULE, createApprovalInterceptor, decideTicket } from './approval.js';

function ctx(args: unknown, principal = 'user:a', obligations = ['approve']): PipelineContext {
  return {
    hook: 'request',
    method: 'tools/call',
    message: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x__t', arguments: args } } as never,
    session: { id: 's', principal: { id: principal, kind: 'User', groups: [], method: 'none' }, transport: 'http', taint: new Set(), state: new Map() },
    target: { kind: 'tool', server: 'x', name: 'x__t' },
    obligations: new Set(obligations),
    findings: [],
    policyIds: ['needs-approval'],
  };
}

let dir: string;
let store: SqliteStore;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pcx-approval-'));
  store = await openSqliteStore(path.join(dir, 'p.db'));
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const noRedaction = () => [];

describe('approval stage', () => {
  it('lets calls without the obligation through untouched, and never touches the store for them', async () => {
    const broken = { createApproval: () => Promise.reject(new Error('no')), findApproval: () => Promise.reject(new Error('no')), consumeApproval: () => Promise.reject(new Error('no')) };
    const p = new Pipeline([createApprovalInterceptor({ store: broken, ttlMs: 60_000, redact: noRedaction })]);
    expect((await p.run(ctx({ a: 1 }, 'user:a', []))).decision.kind).toBe('allow');
  });

  it('an approval holds only under the policy set it was asked under: after a policy change the call is asked for again', async () => {
    let version = 'v1';
    const p = new Pipeline([createApprovalInterceptor({ store, ttlMs: 60_000, redact: noRedaction, policyVersion: () => version })]);
    const first = await p.run(ctx({ pv: 1 }));
    const ticket = (first.decision as { ticket: string }).ticket;
    expect(await decideTicket(store, ticket, 'approve', 'user:boss', 60_000)).toBe(true);
    version = 'v2'; // the rules changed between the approval and the retry
    const retried = await p.run(ctx({ pv: 1 }));
    expect(retried.decision).toMatchObject({ kind: 'approve', rule: APPROVAL_REQUIRED_RULE });
    expect((retried.decision as { ticket: string }).ticket).not.toBe(ticket);
    version = 'v1'; // back under the rules it was given for: the approval is usable (once)
    expect((await p.run(ctx({ pv: 1 }))).decision.kind).toBe('allow');
  });

  it('fails closed when the store cannot answer', async () => {
    const broken = { createApproval: () => Promise.reject(new Error('db down')), findApproval: () => Promise.reject(new Error('db down')), consumeApproval: () => Promise.resolve(true) };
    const p = new Pipeline([createApprovalInterceptor({ store: broken, ttlMs: 60_000, redact: noRedaction })]);
    const r = await p.run(ctx({ a: 1 }));
    expect(r.decision).toMatchObject({ kind: 'deny', rule: INTERCEPTOR_FAILED_RULE });
  });

  it('pending → approved → one call through → the next needs a new ticket; the approver is recorded', async () => {
    const p = new Pipeline([createApprovalInterceptor({ store, ttlMs: 60_000, redact: noRedaction })]);
    const first = await p.run(ctx({ n: 1 }));
    expect(first.decision).toMatchObject({ kind: 'approve', rule: APPROVAL_REQUIRED_RULE });
    const ticket = (first.decision as { ticket: string }).ticket;
    expect(await decideTicket(store, ticket, 'approve', 'user:boss', 60_000)).toBe(true);
    const c = ctx({ n: 1 });
    expect((await p.run(c)).decision.kind).toBe('allow');
    expect(c.approver).toBe('user:boss');
    const next = await p.run(ctx({ n: 1 }));
    expect(next.decision.kind).toBe('approve');
    expect((next.decision as { ticket: string }).ticket).not.toBe(ticket);
  });

  it('an approval is bound to its principal and arguments', async () => {
    const p = new Pipeline([createApprovalInterceptor({ store, ttlMs: 60_000, redact: noRedaction })]);
    const t = ((await p.run(ctx({ n: 2 }))).decision as { ticket: string }).ticket;
    await decideTicket(store, t, 'approve', 'user:boss', 60_000);
    expect((await p.run(ctx({ n: 2 }, 'user:mallory'))).decision.kind).toBe('approve');
    expect((await p.run(ctx({ n: 3 }))).decision.kind).toBe('approve');
    expect((await p.run(ctx({ n: 2 }))).decision.kind).toBe('allow');
  });

  it('a denied ticket refuses the call; an expired one cannot be approved and a new ticket is issued', async () => {
    const p = new Pipeline([createApprovalInterceptor({ store, ttlMs: 60_000, redact: noRedaction })]);
    const t = ((await p.run(ctx({ n: 4 }))).decision as { ticket: string }).ticket;
    await decideTicket(store, t, 'deny', 'user:boss', 60_000);
    expect((await p.run(ctx({ n: 4 }))).decision).toMatchObject({ kind: 'deny', rule: APPROVAL_DENIED_RULE });

    const quick = new Pipeline([createApprovalInterceptor({ store, ttlMs: 1, redact: noRedaction })]);
    const old = ((await quick.run(ctx({ n: 5 }))).decision as { ticket: string }).ticket;
    await new Promise((r) => setTimeout(r, 10));
    expect(await decideTicket(store, old, 'approve', 'user:boss', 60_000)).toBe(false);
    const fresh = (await quick.run(ctx({ n: 5 }))).decision as { kind: string; ticket: string };
    expect(fresh.kind).toBe('approve');
    expect(fresh.ticket).not.toBe(old);
  });

  describe('asking the person at the client (approvals.elicit)', () => {
    const withAnswer = (answer: Awaited<ReturnType<NonNullable<PipelineContext['session']['askUser']>>>, args: unknown) => {
      const c = ctx(args);
      const asked: string[] = [];
      c.session.askUser = async (message) => {
        asked.push(message);
        return answer;
      };
      return { c, asked };
    };
    const pipeline = (elicitTimeoutMs: number) => new Pipeline([createApprovalInterceptor({ store, ttlMs: 60_000, elicitTimeoutMs, redact: noRedaction })], 50);

    it('an accepted prompt lets this one call through, approved by the principal in the client', async () => {
      const { c, asked } = withAnswer({ action: 'accept', content: { approve: true } }, { n: 10 });
      expect((await pipeline(1000).run(c)).decision.kind).toBe('allow');
      expect(c.approver).toBe('user:a (in the client)');
      expect(asked[0]).toContain('needs-approval');
      expect(asked[0]).toContain('{"n":10}');
    });

    it('declined (or accepted without ticking approve) denies with approval.denied', async () => {
      for (const answer of [{ action: 'decline' as const }, { action: 'accept' as const, content: { approve: false } }]) {
        const { c } = withAnswer(answer, { n: 11 });
        expect((await pipeline(1000).run(c)).decision).toMatchObject({ kind: 'deny', rule: APPROVAL_DENIED_RULE });
      }
    });

    it('cancelled, unanswered or unsupported falls back to a ticket', async () => {
      for (const [i, answer] of [{ action: 'cancel' as const }, undefined].entries()) {
        const { c } = withAnswer(answer, { n: 12 + i });
        expect((await pipeline(1000).run(c)).decision).toMatchObject({ kind: 'approve', rule: APPROVAL_REQUIRED_RULE });
      }
    });

    it('is never asked when elicit is off, and may wait longer than the pipeline’s own limit', async () => {
      const off = withAnswer({ action: 'accept', content: { approve: true } }, { n: 20 });
      expect((await pipeline(0).run(off.c)).decision.kind).toBe('approve');
      expect(off.asked).toHaveLength(0);
      const slow = ctx({ n: 21 });
      slow.session.askUser = () => new Promise((r) => setTimeout(() => r({ action: 'accept', content: { approve: true } }), 120));
      // the pipeline's limit is 50 ms (see `pipeline`); the stage's own is elicitTimeoutMs + 5 s
      expect((await pipeline(1000).run(slow)).decision.kind).toBe('allow');
    });
  });

  it('masks what the redactor finds in the stored summary', async () => {
    const p = new Pipeline([
      createApprovalInterceptor({
        store,
        ttlMs: 60_000,
        redact: (s) => {
          const i = s.indexOf('hunter2');
          return i < 0 ? [] : [{ category: 'secret', detector: 'secrets.test', start: i, end: i + 7, severity: 'high', score: 1 }];
        },
      }),
    ]);
    const t = ((await p.run(ctx({ password: 'hunter2' }))).decision as { ticket: string }).ticket;
    const rec = await store.getApproval(t);
    expect(rec?.summary).toContain('user:a asks to call tools/call x__t');
    expect(rec?.summary).not.toContain('hunter2');
  });
});
