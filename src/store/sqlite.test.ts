import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config/schema.js';
import { storeContract } from './contract.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { openStore } from './index.js';
import { openSqliteStore, SQLITE_FILE } from './sqlite/index.js';

storeContract('sqlite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcx-store-'));
  const file = path.join(dir, SQLITE_FILE);
  const store = await openSqliteStore(file);
  const extra: { close(): Promise<void> }[] = [];
  return {
    store,
    reopen: async () => {
      const s = await openSqliteStore(file);
      extra.push(s);
      return s;
    },
    cleanup: async () => {
      await store.close();
      for (const s of extra) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

// The same contract with audit-chain commits on the writer thread (store/sqlite/audit-writer.ts).
storeContract('sqlite, audit writer thread', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcx-store-'));
  const file = path.join(dir, SQLITE_FILE);
  const store = await openSqliteStore(file, { auditThread: true });
  const extra: { close(): Promise<void> }[] = [];
  return {
    store,
    reopen: async () => {
      const s = await openSqliteStore(file, { auditThread: true });
      extra.push(s);
      return s;
    },
    cleanup: async () => {
      await store.close();
      for (const s of extra) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('openStore', () => {
  it('commits audit batches on the writer thread as audit.writerThread says, else as the caller defaults, else inline (false)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pcx-store-'));
    try {
      const cases: [Record<string, unknown>, boolean | undefined, boolean][] = [
        [{}, undefined, false],
        [{ fsync: true }, undefined, false],
        [{ writerThread: true }, undefined, true],
        [{ writerThread: false }, undefined, false],
        [{}, true, true],
        [{ writerThread: false }, true, false],
        [{ writerThread: true }, false, true],
      ];
      for (const [audit, callerDefault, expected] of cases) {
        const store = (await openStore(ConfigSchema.parse({ audit }), dir, callerDefault === undefined ? {} : { auditThread: callerDefault })) as import('./sqlite/index.js').SqliteStore;
        try {
          expect(store.auditThread, JSON.stringify(audit)).toBe(expected);
          const [c] = await store.appendAuditChain([{ id: `e-${JSON.stringify(audit)}`, time: new Date().toISOString(), hook: 'request', decision: 'allow', findings: [] } as never]);
          expect((await store.auditHead())?.hash).toBe(c!.hash);
        } finally {
          await store.close();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens SQLite in WAL mode at <dataDir>/portcullis.db by default', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pcx-store-'));
    try {
      const store = await openStore(ConfigSchema.parse({}), dir);
      expect(store.kind).toBe('sqlite');
      const s = store as import('./sqlite/index.js').SqliteStore;
      expect(s.file).toBe(path.join(dir, SQLITE_FILE));
      expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
      const rows = s.db.prepare('SELECT version, name FROM schema_migrations').all();
      expect(rows).toEqual(SQLITE_MIGRATIONS.map(({ version, name }) => ({ version, name })));
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
