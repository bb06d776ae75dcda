import { describe, expect, it } from 'vitest';
import { MAX_NAME_LENGTH, disambiguate, namespaced } from './names.js';

describe('tool name namespacing', () => {
  it('prefixes with the server and separator', () => expect(namespaced('github', '__', 'create_issue')).toBe('github__create_issue'));
  it('keeps names unchanged with an empty prefix', () => expect(namespaced('', '__', 'echo')).toBe('echo'));
  it('shortens long names deterministically within 64 characters', () => {
    const long = 'a'.repeat(80);
    const n1 = namespaced('server', '__', long);
    expect(n1.length).toBe(MAX_NAME_LENGTH);
    expect(namespaced('server', '__', long)).toBe(n1);
    expect(namespaced('server', '__', `${long}b`)).not.toBe(n1);
  });
  it('gives a colliding name a distinct stable name', () => {
    const d = disambiguate('x__tool', 'other');
    expect(d).not.toBe('x__tool');
    expect(d).toBe(disambiguate('x__tool', 'other'));
    expect(d.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
  });
});
