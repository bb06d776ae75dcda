import { describe, expect, it } from 'vitest';
import { pickThreshold, THRESHOLD_FLOOR } from './train.js';

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
