import { describe, expect, it } from 'vitest';
import type { Finding } from './types.js';
import { redactJson, redactText } from './redact.js';

const f = (start: number, end: number, category = 'secret', label = 'x', severity: Finding['severity'] = 'high'): Finding => ({
  category, detector: `${category}.${label}`, severity, score: 0.9, start, end, label,
});

describe('redactText', () => {
  it('replaces spans with [REDACTED:category:label]', () => {
    expect(redactText('key=abc123 ok', [f(4, 10, 'secret', 'generic-api-key')])).toBe('key=[REDACTED:secret:generic-api-key] ok');
  });
  it('merges overlapping spans, keeping the most severe label', () => {
    const out = redactText('0123456789', [f(2, 6, 'pii', 'phone', 'medium'), f(4, 8, 'secret', 'jwt', 'high')]);
    expect(out).toBe('01[REDACTED:secret:jwt]89');
  });
  it('handles several spans, out of order, and findings without spans', () => {
    const out = redactText('a b c', [f(4, 5, 'pii', 'email'), f(0, 1, 'pii', 'email'), { category: 'pii', detector: 'pii.x', severity: 'high', score: 1 }]);
    expect(out).toBe('[REDACTED:pii:email] b [REDACTED:pii:email]');
  });
});

describe('redactJson', () => {
  const detect = (s: string): Finding[] => {
    const i = s.indexOf('SECRET');
    return i >= 0 ? [f(i, i + 6, 'secret', 'test')] : [];
  };
  it('walks tool results, keeps keys, sets field paths, does not mutate', () => {
    const input = {
      content: [{ type: 'text', text: 'here SECRET end' }, { type: 'text', text: 'clean' }],
      structuredContent: { user: { token: 'SECRET', 'odd key': ['x', 'SECRET'] }, n: 3, ok: true, none: null },
      SECRET: 'key names are kept',
    };
    const copy = structuredClone(input);
    const { value, findings } = redactJson(input, detect);
    expect(input).toEqual(copy);
    expect(value).toEqual({
      content: [{ type: 'text', text: 'here [REDACTED:secret:test] end' }, { type: 'text', text: 'clean' }],
      structuredContent: { user: { token: '[REDACTED:secret:test]', 'odd key': ['x', '[REDACTED:secret:test]'] }, n: 3, ok: true, none: null },
      SECRET: 'key names are kept',
    });
    expect(findings.map((x) => x.field)).toEqual(['content[0].text', 'structuredContent.user.token', 'structuredContent.user["odd key"][1]']);
  });
  it('redacts a bare string', () => {
    expect(redactJson('SECRET', detect).value).toBe('[REDACTED:secret:test]');
  });
});
