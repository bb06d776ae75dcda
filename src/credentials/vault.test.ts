import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../store/sqlite/index.js';
import { MASTER_KEY_FILE, Vault, VaultError, loadMasterKey, open, seal } from './vault.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'pcx-vault-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('master key', () => {
  it('is created once in the data dir with mode 0600, and read back the same', () => {
    const d = tmp();
    expect(() => loadMasterKey(d, { env: {} })).toThrow(/no master key/);
    const a = loadMasterKey(d, { create: true, env: {} });
    expect(statSync(path.join(d, MASTER_KEY_FILE)).mode & 0o777).toBe(0o600);
    const b = loadMasterKey(d, { env: {} });
    expect(b.id).toBe(a.id);
    expect(b.key.equals(a.key)).toBe(true);
  });

  it('refuses a key file others can read', () => {
    const d = tmp();
    loadMasterKey(d, { create: true, env: {} });
    chmodSync(path.join(d, MASTER_KEY_FILE), 0o644);
    expect(() => loadMasterKey(d, { env: {} })).toThrow(/readable by others/);
  });

  it.each([
    ['hex', 'ab'.repeat(32), true],
    ['base64', Buffer.alloc(32, 7).toString('base64'), true],
    ['short', 'abcd', false],
    ['long base64', Buffer.alloc(48, 1).toString('base64'), false],
  ])('PORTCULLIS_MASTER_KEY as %s', (_n, value, ok) => {
    const d = tmp();
    const f = () => loadMasterKey(d, { env: { PORTCULLIS_MASTER_KEY: value } });
    if (ok) expect(f().source).toBe('env');
    else expect(f).toThrow(/32 bytes/);
  });
});

describe('seal / open', () => {
  const k = loadMasterKey(tmp(), { create: true, env: {} });
  const other = loadMasterKey(tmp(), { create: true, env: {} });

  it('round-trips, with a fresh IV each time', () => {
    const a = seal(k, 'GH', 'ghp_value');
    expect(a).not.toBe(seal(k, 'GH', 'ghp_value'));
    expect(open(k, { name: 'GH', ciphertext: a, keyId: k.id })).toBe('ghp_value');
    expect(Buffer.from(a, 'base64').toString('latin1')).not.toContain('ghp_value');
  });

  it.each([
    ['moved to another name', (c: string) => ({ name: 'OTHER', ciphertext: c, keyId: k.id }), k, /integrity/],
    ['one bit flipped', (c: string) => ({ name: 'GH', ciphertext: flip(c), keyId: k.id }), k, /integrity/],
    ['truncated', (c: string) => ({ name: 'GH', ciphertext: c.slice(0, 20), keyId: k.id }), k, /damaged/],
    ['another key', (c: string) => ({ name: 'GH', ciphertext: c, keyId: k.id }), { ...other, id: k.id }, /integrity/],
    ['another key id', (c: string) => ({ name: 'GH', ciphertext: c, keyId: k.id }), other, /sealed with master key/],
  ])('refuses a value %s', (_n, rec, key, err) => {
    const c = seal(k, 'GH', 'ghp_value');
    expect(() => open(key, rec(c))).toThrow(err);
  });
});

function flip(b64: string): string {
  const b = Buffer.from(b64, 'base64');
  b[b.length - 1]! ^= 1;
  return b.toString('base64');
}

describe('Vault over the SQLite store', () => {
  it('stores only ciphertext; get opens it; names are checked', async () => {
    const d = tmp();
    const store = await openSqliteStore(path.join(d, 'p.db'));
    const v = new Vault(store, loadMasterKey(d, { create: true, env: {} }));
    await v.set('GITHUB_TOKEN', 'ghp_sup3rsecretvalue');
    await v.set('GITHUB_TOKEN', 'ghp_sup3rsecretvalue2');
    expect(await v.get('GITHUB_TOKEN')).toBe('ghp_sup3rsecretvalue2');
    expect(await v.get('NOPE')).toBeUndefined();
    expect((await v.list()).map((x) => x.name)).toEqual(['GITHUB_TOKEN']);
    await expect(v.set('bad name', 'x')).rejects.toBeInstanceOf(VaultError);
    await store.close();
    const raw = readFileSync(path.join(d, 'p.db')).toString('latin1') + readFileSync(path.join(d, 'p.db-wal'), { flag: 'a+' }).toString('latin1');
    expect(raw).not.toContain('sup3rsecret');
  });
});
