import { describe, expect, it } from 'vitest';
import { ListPager } from './pages.js';

const tools = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `t${i}` }));

describe('ListPager', () => {
  it('pages through one snapshot: no overlap, no gap, no cursor on the last page', () => {
    const p = new ListPager();
    const items = tools(5);
    const first = p.page('tools', items, 0, 2);
    expect(first.result.tools).toEqual(items.slice(0, 2));
    const seen = [...(first.result.tools as unknown[])];
    let cursor = first.result.nextCursor;
    while (cursor !== undefined) {
      const from = p.resume('tools', cursor)!;
      const next = p.page('tools', from.items, from.offset, 2);
      seen.push(...(next.result.tools as unknown[]));
      cursor = next.result.nextCursor;
    }
    expect(seen).toEqual(items);
  });

  it('the whole list when it fits (or size 0), as the same array', () => {
    const p = new ListPager();
    const items = tools(3);
    expect(p.page('tools', items, 0, 0).result).toEqual({ tools: items });
    expect(p.page('tools', items, 0, 10).result.tools).toBe(items);
  });

  it('refuses a cursor of another list, another pager, a forgotten snapshot, or garbage', () => {
    const p = new ListPager();
    const c = p.page('tools', tools(4), 0, 2).result.nextCursor;
    expect(p.resume('prompts', c)).toBeUndefined();
    expect(new ListPager().resume('tools', c)).toBeUndefined();
    expect(p.resume('tools', 'not-a-cursor')).toBeUndefined();
    expect(p.resume('tools', c)).toBeDefined();
    p.forget('tools');
    expect(p.resume('tools', c)).toBeUndefined();
  });
});
