import { describe, expect, test } from 'vitest';
import { convertArguments, isPathLike, normalizePathLike, type ArgType } from './args.js';

describe('normalizePathLike', () => {
  test.each([
    ['/srv/project/a.txt', '/srv/project/a.txt'],
    ['/srv/project/../../etc/passwd', '/etc/passwd'],
    ['/srv/project/./x/../y', '/srv/project/y'],
    ['/srv//project///a', '/srv/project/a'],
    ['/../../etc', '/etc'],
    ['/srv/project/', '/srv/project/'],
    ['../x', '../x'],
    ['file:///srv/project/%2e%2e/%2e%2e/etc/passwd', 'file:///etc/passwd'],
    ['file:///srv/a%20b', 'file:///srv/a b'],
    ['file:///srv/%00x', '\uFFFD<nul>'],
    ['/srv/\0x', '\uFFFD<nul>'],
    ['https://example.com/a/../b', 'https://example.com/a/../b'],
    ['test://static/resource/1', 'test://static/resource/1'],
    ['hello world', 'hello world'],
    ['C:\\srv\\..\\Windows', 'C:\\Windows'],
  ])('%s → %s', (input, out) => {
    expect(normalizePathLike(input)).toBe(out);
  });
  test('plain words are not paths', () => {
    expect(isPathLike('main')).toBe(false);
    expect(isPathLike('a/b')).toBe(false);
    expect(isPathLike('a/../b')).toBe(true);
  });
});

describe('convertArguments', () => {
  const declared: Record<string, ArgType> = {
    path: { kind: 'String' },
    depth: { kind: 'Long' },
    tags: { kind: 'Set', element: { kind: 'String' } },
    opts: { kind: 'Record', attrs: { recursive: { type: { kind: 'Boolean' }, required: false } } },
    price: { kind: 'Extension', name: 'decimal' },
    ip: { kind: 'Extension', name: 'ipaddr' },
  };
  test('typed values go in, undeclared ones stay out, mistyped ones are named', () => {
    const r = convertArguments(
      { path: '/a/../b', depth: 3, tags: ['x'], opts: { recursive: 'yes' }, price: 1.5, ip: '10.0.0.1', extra: { deep: 1 } },
      declared,
    );
    expect(r.arguments).toEqual({ path: '/a/../b', depth: 3, tags: ['x'], opts: {}, price: { __extn: { fn: 'decimal', arg: '1.5' } }, ip: { __extn: { fn: 'ip', arg: '10.0.0.1' } } });
    expect(r.normalized.path).toBe('/b');
    expect(r.invalid).toEqual(['opts.recursive']);
  });
  test.each([
    ['float for Long', { depth: 1.5 }, ['depth']],
    ['huge for Long', { depth: 2 ** 60 }, ['depth']],
    ['array for String', { path: ['/etc'] }, ['path']],
    ['object for String', { path: { toString: '/etc' } }, ['path']],
    ['mixed set', { tags: ['a', 1] }, ['tags']],
    ['bad ip', { ip: 'not-an-ip' }, ['ip']],
    ['too precise decimal', { price: 1.23456 }, ['price']],
  ])('%s', (_n, args, invalid) => {
    const r = convertArguments(args, declared);
    expect(r.invalid).toEqual(invalid);
    expect(Object.keys(r.arguments)).toEqual([]);
  });
  test('null and non-object arguments are empty', () => {
    expect(convertArguments(null, declared)).toEqual({ arguments: {}, normalized: {}, invalid: [] });
    expect(convertArguments([1, 2], declared)).toEqual({ arguments: {}, normalized: {}, invalid: [] });
    expect(convertArguments({ path: null }, declared).arguments).toEqual({});
  });
});
