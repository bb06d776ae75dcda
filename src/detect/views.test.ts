import { describe, expect, it } from 'vitest';
import { detectWithViews, viewsOf } from './views.js';
import { detectSecrets } from './secrets.js';
import { SECRETS } from '../../test/fixtures/_data.mjs';

const g = SECRETS.githubToken;
const k = SECRETS.awsAccessKeyId;
const pct = (s: string) => [...s].map((c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join('');

// [name, strings]: a secret hidden in each; detectWithViews must find it and map it back
const HIDDEN: Array<[string, string[]]> = [
  ['plain', [`key ${k}`]],
  ['base64', [`blob ${Buffer.from(`token=${g} and more`).toString('base64')}`]],
  ['base64url', [`blob ${Buffer.from(`token=${g} and more`).toString('base64url')}`]],
  ['hex', [`hex ${Buffer.from(`token=${g}`).toString('hex')}`]],
  ['percent', [`pct ${pct(`token ${g}`)}`]],
  ['spaced', [`spaced ${[...g].join(' ')}`]],
  ['dashed', [`dashed ${[...g].join('-')}`]],
  ['zero-width', [`zw ${[...g].join('\u200b')}`]],
  ['zero-width and spaced', [`zw ${[...g].join(' \u200b')}`]],
  ['split across two strings', [g.slice(0, 15), g.slice(15)]],
  ['split across three strings', [g.slice(0, 8), g.slice(8, 20), g.slice(20)]],
  ['after 5,000 padding runs', [`${'x\u200b'.repeat(5000)} ${Buffer.from(`token=${g}`).toString('base64')}`]],
];

describe('detectWithViews', () => {
  it.each(HIDDEN)('finds a secret: %s', (_n, strings) => {
    const found = detectWithViews(strings, detectSecrets);
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) for (const s of f.spans) expect(s.end).toBeGreaterThan(s.start);
  });

  it('maps a zero-width-broken secret back to its full span', () => {
    const t = `zw ${[...g].join('\u200b')} end`;
    const f = detectWithViews([t], detectSecrets)[0]!;
    expect(f.spans[0]!.start).toBe(3);
    expect(t.slice(f.spans[0]!.end)).toBe(' end');
  });

  it('builds no view for ordinary prose and code (the cheap path)', () => {
    expect(viewsOf('The quick brown fox jumps over the lazy dog. const x = a + b;')).toEqual([]);
  });

  it('stays linear on adversarial input', () => {
    const t0 = performance.now();
    viewsOf('A '.repeat(200_000));
    viewsOf('%41'.repeat(100_000));
    viewsOf('QUJD'.repeat(100_000));
    viewsOf('\u200b'.repeat(200_000));
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});

describe('percent view', () => {
  it('maps a partly percent-encoded secret back to its whole source span', () => {
    const enc = `x ${g.slice(0, 3)}${pct(g.slice(3, 6))}${g.slice(6)} y`;
    const f = detectWithViews([enc], detectSecrets).find((v) => v.view === 'percent')!;
    expect(f).toBeDefined();
    expect(enc.slice(f.spans[0]!.start, f.spans[0]!.end)).toBe(enc.slice(2, -2));
  });
});
