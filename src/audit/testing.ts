/** Test helpers for the audit subsystem. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteStore, SQLITE_FILE } from '../store/sqlite/index.js';
import type { AuditEvent } from './event.js';
import { keyIdOf, type SigningKey } from './keys.js';

export function testKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

export async function tempSqlite(): Promise<{ dir: string; file: string; store: SqliteStore; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcx-audit-'));
  const file = path.join(dir, SQLITE_FILE);
  const store = new SqliteStore(file, { synchronous: 'NORMAL' });
  await store.migrate();
  return {
    dir,
    file,
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function ev(i: number, over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: `e${i}`,
    time: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    instance: 'test',
    session: 's1',
    principal: { id: i % 2 ? 'alice' : 'bob', kind: 'user', groups: [] },
    hook: 'request',
    server: 'gh',
    method: 'tools/call',
    target: 'gh__create_issue',
    decision: i % 4 === 0 ? 'deny' : 'allow',
    findings: [],
    ...over,
  };
}
