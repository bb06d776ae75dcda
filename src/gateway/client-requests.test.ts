import { describe, expect, it } from 'vitest';
import { ClientRequests } from './client-requests.js';
import type { Upstream } from './upstream.js';

const upA = {} as Upstream;
const upB = {} as Upstream;

describe('ClientRequests', () => {
  it('sends under its own ids and settles each by the client answer with that id only', async () => {
    const sent: Array<Record<string, unknown>> = [];
    const t = new ClientRequests(async (m) => void sent.push(m));
    const a = t.ask({ jsonrpc: '2.0', method: 'elicitation/create', params: {} }, 'c1', 5000, { upstream: upA, upstreamId: 'input-k' });
    const b = t.ask({ jsonrpc: '2.0', method: 'sampling/createMessage', params: {} }, 'c2', 5000);
    expect(sent.map((m) => m.id)).toEqual([1, 2]);
    expect(t.relayedId(1)).toBe('input-k');
    expect(t.has(1) && t.has(2) && !t.has('1')).toBe(true);
    t.answer({ jsonrpc: '2.0', id: 99, result: {} }); // none of ours: ignored
    t.answer({ jsonrpc: '2.0', id: 2, result: { b: true } });
    t.answer({ jsonrpc: '2.0', id: 1, result: { a: true } });
    expect((await a).result).toEqual({ a: true });
    expect((await b).result).toEqual({ b: true });
    expect(t.size).toBe(0);
  });

  it('ends a request on timeout, failed send, upstream withdrawal (its own upstream only) and close', async () => {
    const t = new ClientRequests(async (m) => {
      if (m.method === 'fail') throw new Error('gone');
    });
    const timedOut = t.ask({ method: 'x' }, undefined, 10);
    const failed = t.ask({ method: 'fail' }, undefined, 5000);
    const fromA = t.ask({ method: 'x' }, undefined, 5000, { upstream: upA, upstreamId: 7 });
    const fromB = t.ask({ method: 'x' }, undefined, 5000, { upstream: upB, upstreamId: 7 });
    expect((await timedOut).error).toMatchObject({ message: expect.stringMatching(/did not answer x in time/) });
    expect((await failed).error).toMatchObject({ message: expect.stringMatching(/could not reach the client: gone/) });
    expect(t.withdrawn(upA, 7)).toEqual([3]);
    expect((await fromA).error).toMatchObject({ message: 'cancelled by the server' });
    expect(t.has(4)).toBe(true);
    t.closeAll();
    expect((await fromB).error).toMatchObject({ message: 'session closed' });
    expect(t.size).toBe(0);
  });
});
