/** Every PCX_ error code used in the source is documented in docs/errors.md, with its number. */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ErrorCodes } from '../src/errors.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const doc = readFileSync(path.join(ROOT, 'docs', 'errors.md'), 'utf8');

function sources(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (f.endsWith('.ts') && !f.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

describe('docs/errors.md', () => {
  it('documents every code in ErrorCodes with its number', () => {
    for (const [name, code] of Object.entries(ErrorCodes)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${name}\``));
      expect(row, `${name} is not documented`).toBeDefined();
      expect(row).toContain(`| ${code} |`);
    }
  });

  it('every PCX_ name used in the source exists in ErrorCodes', () => {
    const used = new Set<string>();
    for (const f of sources(path.join(ROOT, 'src'))) for (const m of readFileSync(f, 'utf8').matchAll(/\bPCX_[A-Z_]+\b/g)) used.add(m[0]);
    expect(used.size).toBeGreaterThan(3);
    for (const n of used) expect(Object.keys(ErrorCodes), `${n} is used but not defined`).toContain(n);
  });
});
