import { describe, expect, it } from 'vitest';
import { CredentialBroker, CredentialDenied, pickCredential } from './upstream.js';
import type { Principal } from '../shared/principal.js';
import type { ResolvedServer } from '../config/load.js';

const who = (id: string, groups: string[] = []): Principal => ({ id, kind: 'User', groups, method: 'api-key' });
const creds = {
  byPrincipal: {
    'group:b': { T: 'gb-${secret:GB}' },
    'user:alice': { T: '${secret:A}' },
    'group:a': { T: '${secret:GA}' },
  },
};

describe('pickCredential', () => {
  it('exact principal first, then the first listed group, then default, else none', () => {
    expect(pickCredential(creds, who('user:alice', ['a', 'b']))?.entry).toBe('user:alice');
    expect(pickCredential(creds, who('user:bob', ['a', 'b']))?.entry).toBe('group:b');
    expect(pickCredential(creds, who('user:bob', ['a']))?.entry).toBe('group:a');
    expect(pickCredential(creds, who('user:carol', ['c']))).toBeUndefined();
    expect(pickCredential({ ...creds, default: { T: '${secret:D}' } }, who('user:carol'))?.entry).toBe('default');
    // a group named like a user does not match the user
    expect(pickCredential({ byPrincipal: { 'group:alice': { T: 'x' } } }, who('user:alice'))).toBeUndefined();
  });
});

describe('CredentialBroker', () => {
  const server: ResolvedServer = { name: 's', spec: { url: 'http://x/mcp', headers: {}, credentials: creds } as unknown as ResolvedServer['spec'] };
  const secrets: Record<string, string> = { A: 'va', GB: 'vgb' };
  const broker = new CredentialBroker({ servers: [server], vault: { get: async (n: string) => secrets[n] } });

  it('opens the principal’s values; refuses one it cannot cover, or whose secret is gone', async () => {
    expect(await broker.values('s', who('user:alice'))).toEqual({ T: 'va' });
    expect(await broker.values('s', who('user:bob', ['b']))).toEqual({ T: 'gb-vgb' });
    expect(await broker.values('other', who('user:bob'))).toEqual({});
    await expect(broker.values('s', who('user:carol'))).rejects.toMatchObject({ rule: 'credentials.no-credential' });
    const e = await broker.values('s', who('user:dan', ['a'])).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CredentialDenied);
    expect((e as CredentialDenied).rule).toBe('credentials.unavailable');
    expect((e as Error).message).toMatch(/"GA"/);
  });
});
