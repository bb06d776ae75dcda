import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from './types.js';
import { computeMetrics, fileCategories, formatReport, predictedCategories, runEval } from './eval.js';

describe('computeMetrics', () => {
  it('precision, recall, F1 and benign FP rate', () => {
    const m = computeMetrics({ tp: 8, fp: 2, fn: 2, tn: 18 });
    expect(m.precision).toBeCloseTo(0.8);
    expect(m.recall).toBeCloseTo(0.8);
    expect(m.f1).toBeCloseTo(0.8);
    expect(m.benignFpr).toBeCloseTo(0.1);
    expect(m.n).toBe(30);
  });
  it('is 0 rather than NaN on empty denominators', () => {
    expect(computeMetrics({ tp: 0, fp: 0, fn: 0, tn: 5 })).toMatchObject({ precision: 0, recall: 0, f1: 0, benignFpr: 0 });
  });
});

describe('predictions and labels', () => {
  const f = (category: string, severity: Finding['severity']): Finding => ({ category, detector: `${category}.x`, severity, score: 1 });
  it('counts only findings with severity ≥ medium', () => {
    expect([...predictedCategories([f('pii', 'low'), f('secret', 'medium'), f('secret', 'high')])]).toEqual(['secret']);
  });
  it('malicious_capability files are scored for tool_poisoning (as negatives)', () => {
    expect(fileCategories([{ id: '1', type: 'tool', labels: ['malicious_capability'], file: 't' }])).toEqual(['tool_poisoning']);
  });
});

describe('runEval', () => {
  it('scores a corpus directory per category and per file, tolerating bad lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-eval-'));
    writeFileSync(
      join(dir, 'mini.jsonl'),
      [
        JSON.stringify({ id: 'a', type: 'text', text: 'BAD', labels: ['secret'] }),
        JSON.stringify({ id: 'b', type: 'text', text: 'fine', labels: [] }),
        JSON.stringify({ id: 'c', type: 'text', text: 'BAD too', labels: [] }),
        JSON.stringify({ id: 't', type: 'tool', tool: { name: 'x', description: 'POISON' }, labels: ['tool_poisoning'] }),
        JSON.stringify({ id: 'm', type: 'tool', tool: { name: 'y', description: 'scanner' }, labels: ['malicious_capability'] }),
        '{not json',
      ].join('\n'),
    );
    const detectors = {
      detectText: (t: string): Finding[] => (t.includes('BAD') ? [{ category: 'secret', detector: 'secrets.x', severity: 'high', score: 1 }] : []),
      detectTool: (tool: never): Finding[] =>
        (tool as { description: string }).description.includes('POISON') ? [{ category: 'tool_poisoning', detector: 'poisoning.x', severity: 'high', score: 1 }] : [],
    };
    const r = runEval({ dirs: [dir, join(dir, 'missing')], detectors, throughput: true });
    expect(r.categories.secret).toMatchObject({ tp: 1, fp: 1, fn: 0, tn: 3 });
    expect(r.categories.tool_poisoning).toMatchObject({ tp: 1, fp: 0, fn: 0, tn: 4 });
    expect(r.files[0]!.errors).toHaveLength(1);
    expect(r.throughput!.mbPerSec).toBeGreaterThan(0);
    const text = formatReport(r);
    expect(text).toContain('secret');
    expect(text).toContain('mini.jsonl');
    expect(text).toContain('MB/s');
  });
});
