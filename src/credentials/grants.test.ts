import { describe, expect, it } from 'vitest';
import { digest } from '../audit/canonical.js';
import { grantCovers, newGrant, parseDurationMs } from './grants.js';

const base = { principal: 'user:alice', server: 'github', tool: 'merge', reason: 'hotfix', createdBy: 'sec', forMs: 60_000 };

describe('grants', () => {
  it.each([
    ['no argument constraint', {}, { repo: 'x' }, true],
    ['matching argument', { arguments: { repo: 'x' } }, { repo: 'x', pr: 3 }, true],
    ['other value', { arguments: { repo: 'x' } }, { repo: 'y' }, false],
    ['missing argument', { arguments: { repo: 'x' } }, {}, false],
    ['nested value equal', { arguments: { opts: { force: false } } }, { opts: { force: false } }, true],
    ['nested value extra key', { arguments: { opts: { force: false } } }, { opts: { force: false, admin: true } }, false],
    ['type differs', { arguments: { pr: 3 } }, { pr: '3' }, false],
    ['exact digest', { argsDigest: digest({ repo: 'x' }) }, { repo: 'x' }, true],
    ['exact digest, extra arg', { argsDigest: digest({ repo: 'x' }) }, { repo: 'x', force: true }, false],
  ])('covers a call: %s', (_n, over, args, ok) => {
    expect(grantCovers(newGrant({ ...base, ...over }), args)).toBe(ok);
  });

  it('refuses grants longer than the maximum, without a reason, or with bad durations', () => {
    expect(() => newGrant({ ...base, forMs: 25 * 3_600_000 })).toThrow(/at most/);
    expect(() => newGrant({ ...base, reason: ' ' })).toThrow(/reason/);
    expect(() => parseDurationMs('soon')).toThrow(/not a duration/);
    expect(parseDurationMs('30m')).toBe(1_800_000);
  });

  it('expires at creation + duration', () => {
    const g = newGrant(base, Date.UTC(2026, 0, 1));
    expect(g.expiresAt).toBe('2026-01-01T00:01:00.000Z');
    expect(g.id).toMatch(/^gr_[0-9a-f]{16}$/);
  });
});
