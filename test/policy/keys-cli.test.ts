/** `portcullis keys create | list | revoke` against the real SQLite store in a temp data dir. */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { runCommand } from '../helpers/cli.js';
import { register } from '../../src/cli/keys.js';
import { loadConfig } from '../../src/config/load.js';
import { openStore } from '../../src/store/index.js';
import { verifyApiKey } from '../../src/identity/apikeys.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pcx-keys-'));
const config = path.join(dir, 'portcullis.yaml');
writeFileSync(config, 'auth: { apiKeys: true }\ndataDir: ./data\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) => runCommand(register, args);

async function verify(key: string) {
  const { config: c } = await loadConfig(config);
  const store = await openStore(c, path.join(dir, 'data'));
  try {
    await store.migrate();
    return await verifyApiKey(store, key);
  } finally {
    await store.close();
  }
}

describe('keys CLI (MCP07)', () => {
  test('create prints the key once; list never shows it; revoke stops it', async () => {
    const created = await cli(['keys', 'create', '-c', config, '--principal', 'alice', '--groups', 'eng,oncall', '--expires', '30d']);
    expect(created.code).toBe(0);
    const key = created.out.trim();
    expect(key).toMatch(/^pcx_[0-9a-f]{16}_/);
    expect(created.err).toMatch(/only time the key is shown/);
    const id = key.split('_')[1] as string;

    expect(await verify(key)).toMatchObject({ ok: true, principal: { id: 'user:alice', groups: ['eng', 'oncall'], method: 'api-key' } });

    const list = await cli(['keys', 'list', '-c', config, '--json']);
    const rows = JSON.parse(list.out) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id, principal: 'user:alice', groups: ['eng', 'oncall'], status: 'active' });
    expect(rows[0]).not.toHaveProperty('hash');
    expect(list.out).not.toContain(key.slice(25));
    const table = await cli(['keys', 'list', '-c', config]);
    expect(table.out).toMatch(/ID\s+PRINCIPAL\s+GROUPS/);

    expect((await cli(['keys', 'revoke', '-c', config, id])).code).toBe(0);
    expect(await verify(key)).toMatchObject({ ok: false, status: 401, error: 'invalid_token', description: /revoked/ });
    expect((await cli(['keys', 'revoke', '-c', config, id])).code).toBe(1);
    expect(JSON.parse((await cli(['keys', 'list', '-c', config, '--json'])).out)[0].status).toBe('revoked');
  });
});
