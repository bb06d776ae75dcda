/**
 * MCP05: a YAML rule about `path` speaks for every path of the call. A call's other path arguments
 * (`paths[]`, `source`, `destination`, nested ones) and any plainly-path string under any key are
 * each decided as if they were `path`; the call is allowed only when it and every such view are.
 * Decisions are data: [name, tool, arguments, expected].
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyEngine } from '../../src/policy/engine.js';
import type { AuthzRequest } from '../../src/policy/types.js';
import { policyConfig, user } from './helpers.js';

let engine: PolicyEngine;
beforeAll(async () => {
  engine = await PolicyEngine.create({
    watch: false,
    policy: policyConfig({
      allow: [{ id: 'srv-only', principal: '*', tools: ['fs__*'], where: { path: { startsWith: '/srv/' } } }, { id: 'notes', principal: '*', tools: ['notes__*'] }],
      deny: [{ id: 'no-secret', principal: '*', tools: ['*'], where: { path: { startsWith: '/srv/secret/' } } }],
    } as never),
  });
});
afterAll(() => engine?.close());

const call = (tool: string, args: unknown): AuthzRequest => {
  const i = tool.indexOf('__');
  return { principal: user('ana'), action: 'call_tool', resource: { kind: 'tool', server: tool.slice(0, i), name: tool.slice(i + 2) }, arguments: args };
};

const ROWS: Array<[string, string, unknown, 'allow' | 'deny']> = [
  ['path under /srv/', 'fs__read', { path: '/srv/pub/a.txt' }, 'allow'],
  ['path into the secret folder', 'fs__read', { path: '/srv/secret/k' }, 'deny'],
  ['a second path argument into the secret folder', 'fs__move', { path: '/srv/pub/a', destination: '/srv/secret/planted' }, 'deny'],
  ['paths[] with one secret entry', 'fs__read_many', { path: '/srv/pub/a', paths: ['/srv/pub/b', '/srv/secret/k'] }, 'deny'],
  ['paths[] all public', 'fs__read_many', { path: '/srv/pub/a', paths: ['/srv/pub/b', '/srv/pub/c'] }, 'allow'],
  ['a nested path key', 'fs__copy', { path: '/srv/pub/a', options: { target: { file: '/srv/secret/k' } } }, 'deny'],
  ['an absolute path under an ordinary key', 'fs__write', { path: '/srv/pub/a', note: '/srv/secret/k' }, 'deny'],
  ['dot-dot in the other argument', 'fs__move', { path: '/srv/pub/a', source: '/srv/pub/../secret/k' }, 'deny'],
  ['a second path outside the allowed tree', 'fs__move', { path: '/srv/pub/a', destination: '/etc/cron.d/x' }, 'deny'],
  ['no path argument at all: the allow rule does not speak for it', 'fs__read_many', { paths: ['/srv/pub/b'] }, 'deny'],
  ['a tool any call of which is allowed, with a secret path in another key', 'notes__attach', { file: '/srv/secret/k' }, 'deny'],
  ['a tool any call of which is allowed, with public paths', 'notes__attach', { file: '/srv/pub/k', text: 'see ~/notes' }, 'allow'],
  ['prose with a slash is not a path under an ordinary key', 'notes__add', { text: 'and/or secret/k' }, 'allow'],
];

describe('MCP05: path rules see every path of a call', () => {
  it.each(ROWS)('%s', (_n, tool, args, want) => {
    expect(engine.authorize(call(tool, args)).decision).toBe(want);
  });

  it('a call naming more paths than can be checked is denied, not waved through', () => {
    const many = Array.from({ length: 300 }, (_, i) => `/srv/pub/${i}`);
    const r = engine.authorize(call('notes__attach', { files: many }));
    expect(r.decision).toBe('deny');
    expect(r.reason).toMatch(/more than 256 paths/);
  });
});
