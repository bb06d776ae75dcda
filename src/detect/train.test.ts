import { describe, expect, it } from 'vitest';
import type { CorpusItem } from './eval.js';
import { EVAL_ONLY_SOURCES, itemRefs, pickThreshold, THRESHOLD_FLOOR } from './train.js';

describe('pickThreshold', () => {
  it('fails closed when no threshold meets the FPR bound: the fewest false positives, never below the floor', () => {
    // benign items score high everywhere in the sweep: every threshold up to 0.97 has FPR 2/3, 0.98 has 1/3
    const scores = [0.99, 0.97, 0.975, 0.995, 0.5];
    const ys = [1, 0, 0, 0, 1];
    const th = pickThreshold(scores, ys, [1, 1, 1, 1, 1]);
    expect(th).toBeGreaterThanOrEqual(THRESHOLD_FLOOR);
    expect(th).toBeCloseTo(0.98, 2);
  });
});

const item = (id: string, source: string, labels: string[] = []): CorpusItem => ({ id, type: 'text', text: 'x', labels, source, file: `${source.split('/')[1]}-injection.jsonl` });

describe('training data', () => {
  it('never takes items of the eval-only challenge sets (scored, not trained on)', () => {
    const items = [item('a', 'authored/dev-generator', ['prompt_injection']), item('b', 'authored/challenge6', ['prompt_injection']), item('c', 'authored/challenge5'), item('d', 'authored/s6-train')];
    const ids = itemRefs(items, 'injection').map((r) => r.item.id);
    expect(ids).toContain('a');
    expect(ids).toContain('d');
    expect(ids).not.toContain('b');
    expect(ids).not.toContain('c');
    expect(EVAL_ONLY_SOURCES.has('authored/challenge6')).toBe(true);
  });
});
