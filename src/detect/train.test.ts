import { describe, expect, it } from 'vitest';
import type { CorpusItem } from './eval.js';
import { EVAL_ONLY_SOURCES, itemRefs } from './train.js';

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
