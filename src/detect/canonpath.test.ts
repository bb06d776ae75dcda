import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalPath, pathBasesOf } from './canonpath.js';

describe('canonicalPath', () => {
  let root: string;
  beforeAll(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pcx-canon-')));
    fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
    fs.mkdirSync(path.join(root, 'secret'));
    fs.symlinkSync(path.join(root, 'a', 'b'), path.join(root, 'lnk'));
    fs.symlinkSync(path.join(root, 'nowhere', 'x'), path.join(root, 'dangling'));
    fs.symlinkSync('/proc/self/cwd', path.join(root, 'here'));
    fs.symlinkSync('loop2', path.join(root, 'loop1'));
    fs.symlinkSync('loop1', path.join(root, 'loop2'));
    fs.symlinkSync('lnk', path.join(root, 'chain'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  // [input, expected canonical (with {R} = root) or null = refused]
  const CASES: Array<[string, string | null]> = [
    ['{R}/secret/k', '{R}/secret/k'],
    ['secret/k', '{R}/secret/k'],
    ['./secret/./k', '{R}/secret/k'],
    ['~/secret/k', '{R}/secret/k'],
    ['{R}//secret///k', '{R}/secret/k'],
    ['{R}/a/../secret/k', '{R}/secret/k'],
    ['file://{R}/secret/k', '{R}/secret/k'],
    ['file://localhost{R}/%73ecret/k', '{R}/secret/k'],
    ['{R}/%2573ecret/k', '{R}/secret/k'],
    ['{R}/se\u0301cret', '{R}/s\u00e9cret'],
    // the symlink is followed before `..`, as the kernel does: lnk → a/b, so lnk/.. is a
    ['{R}/lnk/../secret', '{R}/a/secret'],
    ['{R}/dangling', '{R}/nowhere/x'],
    ['/../../etc/passwd', '/etc/passwd'],
    ['{R}/x\u0000', null],
    ['C:\\Windows', null],
    ['\\\\server\\share', null],
    ['a\\b', null],
    ['file://evil.example/etc/passwd', null],
    ['{R}/%25252573', null],
    ['~nosuchuser-pcx/x', null],
    // links followed through a chain, each hop checked
    ['{R}/chain/../secret', '{R}/a/secret'],
    ['{R}/loop1/x', null],
    // where these lead depends on the process that opens them (the server, not the gateway)
    ['/proc/self/cwd/secret/k', null],
    ['/proc/thread-self/root/etc/shadow', null],
    ['/tmp/../proc/self/cwd', null],
    ['/dev/fd/3', null],
    ['/dev/stdin', null],
    ['{R}/here/secret/k', null],
  ];
  it.each(CASES)('%j', (input, want) => {
    const r = canonicalPath(input.replaceAll('{R}', root), { cwd: root, home: root, local: true });
    if (want === null) expect(r.ok).toBe(false);
    else expect(r).toEqual({ ok: true, path: want.replaceAll('{R}', root) });
  });

  it('refuses relative paths when the base is unknown (remote server)', () => {
    expect(canonicalPath('secret/k', {}).ok).toBe(false);
    expect(canonicalPath('~/x', {}).ok).toBe(false);
    expect(canonicalPath('/srv/./x', {})).toEqual({ ok: true, path: '/srv/x' });
    expect(canonicalPath('/proc/self/cwd/secret', {}).ok).toBe(false);
    expect(canonicalPath('/srv/../dev/fd/0', {}).ok).toBe(false);
  });

  it('refuses a relative path that means different files against the cwd and the roots', () => {
    expect(canonicalPath('secret', { cwd: '/tmp', roots: [root], local: true }).ok).toBe(false);
    expect(canonicalPath('secret', { roots: [root], local: true })).toEqual({ ok: true, path: `${root}/secret` });
  });

  it('takes a stdio server\'s directory arguments as its roots', () => {
    const base = pathBasesOf([{ name: 'fs', spec: { command: 'x', args: ['-y', root, '/no/such/dir'], env: { HOME: '/home/z' } } }, { name: 'web', spec: { url: 'http://x' } }]);
    expect(base('fs')).toEqual({ local: true, roots: [root], home: '/home/z' });
    expect(base('web')).toEqual({});
  });
});
