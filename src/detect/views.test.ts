import { spacedRuns, SPACED_RUN, b64Runs, B64_RUN } from './views.js';
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

describe('views of large texts', () => {
  // straightforward per-character construction (what views.ts did before it built views from runs)
  const reference = (text: string, kind: 'invisible' | 'percent'): { text: string; keep: number[] } => {
    let out = '';
    const keep: number[] = [];
    for (let i = 0; i < text.length; ) {
      if (kind === 'percent') {
        if (text[i] === '%' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
          out += String.fromCharCode(parseInt(text.slice(i + 1, i + 3), 16));
          keep.push(i + 2);
          i += 3;
        } else {
          out += text[i];
          keep.push(i++);
        }
        continue;
      }
      const cp = text.codePointAt(i)!;
      const w = cp > 0xffff ? 2 : 1;
      if (!(cp >= 0xad && /[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]|\udb40[\udc00-\udc7f]/.test(text.slice(i, i + w)))) {
        out += text.slice(i, i + w);
        for (let q = 0; q < w; q++) keep.push(i + q);
      }
      i += w;
    }
    return { text: out, keep };
  };
  const line = (i: number): string => `line ${i}: token-${i} %41%4a%zz 50% done \u200bzw\u202e ${'\u{E0041}'} ok é\n`;
  const text = Array.from({ length: 6000 }, (_, i) => line(i)).join('');

  it.each(['invisible', 'percent'] as const)('builds the %s view of ~300 KB as the per-character reference does, with the same map', (kind) => {
    const v = viewsOf(text).find((x) => x.kind === kind)!;
    expect(v).toBeDefined();
    const r = reference(text, kind);
    expect(v.text).toBe(r.text);
    for (const [s, e] of [[0, 1], [7, 40], [r.text.length >> 1, (r.text.length >> 1) + 33], [r.text.length - 5, r.text.length]] as const) {
      const got = v.back(s, e)[0]!;
      expect(got.end).toBe(r.keep[e - 1]! + 1);
      if (kind === 'invisible') expect(got.start).toBe(r.keep[s]!);
    }
  });
});

describe('one-pass run finders match the regexes they replace', () => {
  const viaRegex = (re: RegExp, t: string) => [...t.matchAll(new RegExp(re.source, 'g'))].map((m) => [m.index!, m.index! + m[0].length]);
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const ALPHABET = 'aZ09+/=_- .·,|-x\n%éＡ\u2019\u00a0';
  const strings = [
    'A K I A 1 2 3 4 5 6 7 8 9 0 X',
    'a-b-c-d-e-f-g-h-i-j-k-l-',
    'x a b c d e f g h i j k l m n ',
    'ghp_A1b2C3d4E5f6G7h8I9j0== tail',
    'short b64 abcdefghijklmno= and abcdefghijklmnop===',
    ...Array.from({ length: 4000 }, () => Array.from({ length: 10 + Math.floor(rnd() * 120) }, () => (rnd() < 0.5 ? ALPHABET[Math.floor(rnd() * ALPHABET.length)] : rnd() < 0.5 ? ' ' : 'q')).join('')),
  ];
  it('spacedRuns === SPACED_RUN', () => {
    for (const t of strings) expect(spacedRuns(t), JSON.stringify(t)).toEqual(viaRegex(SPACED_RUN, t));
  });
  it('b64Runs === B64_RUN', () => {
    for (const t of strings) expect(b64Runs(t), JSON.stringify(t)).toEqual(viaRegex(B64_RUN, t));
  });
});
