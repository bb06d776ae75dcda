/**
 * The young generation stays at its initial size while held, and grows again once released: checked in a
 * fresh node process on the built module (dist/, built before the tests), since the V8 flag is process-wide.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MODULE = path.join(ROOT, 'dist/util/young-gen.js');

// Allocates ~400,000 long-lived objects (what module loading looks like to the scavenger) before and after release.
const SCRIPT = `
import v8 from 'node:v8';
const { holdYoungGeneration, releaseYoungGeneration, youngGenerationHeld } = await import(process.argv[1]);
const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
const keep = [];
const grow = () => { for (let i = 0; i < 200000; i++) keep.push({ i, s: 'x' + i }); };
const start = newSpace();
if (process.argv[2] === 'hold') holdYoungGeneration();
const held = youngGenerationHeld();
grow();
const during = newSpace();
releaseYoungGeneration();
grow();
grow();
console.log(JSON.stringify({ start, held, during, after: newSpace(), stillHeld: youngGenerationHeld() }));
`;

function run(mode: 'hold' | 'none', nodeArgs: string[] = []) {
  const r = spawnSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', SCRIPT, MODULE, mode], { encoding: 'utf8', timeout: 30_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { start: number; held: boolean; during: number; after: number; stillHeld: boolean };
}

describe('holdYoungGeneration', () => {
  it('keeps the young generation at its start size while held, and lets it grow after release', () => {
    const control = run('none');
    expect(control.held).toBe(false);
    expect(control.during).toBeGreaterThan(2 * control.start); // what the hold prevents
    const r = run('hold');
    expect(r.held).toBe(true);
    expect(r.during).toBeLessThanOrEqual(2 * r.start);
    expect(r.after).toBeGreaterThan(r.during);
    expect(r.stillHeld).toBe(false);
  });

  it('leaves a growth factor the user set alone', () => {
    const r = run('hold', ['--semi-space-growth-factor=2']);
    expect(r.held).toBe(false);
    expect(r.during).toBeGreaterThan(2 * r.start);
  });
});
