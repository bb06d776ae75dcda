/** Open the configured store: PostgreSQL when `store.postgres` is set, else SQLite in the data dir. */
import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { Store } from './types.js';

export type { Store } from './types.js';

/** `opts.auditThread`: the SQLite writer thread when `audit.writerThread` is unset (default false: bench/README.md, "Session 6"). */
export async function openStore(config: Config, dataDir: string, opts: { auditThread?: boolean } = {}): Promise<Store> {
  if (config.store.postgres) {
    const { openPostgresStore } = await import('./postgres/index.js');
    return openPostgresStore({ url: config.store.postgres.url });
  }
  const { openSqliteStore, SQLITE_FILE } = await import('./sqlite/index.js');
  const p = config.store.sqlite?.path;
  const base = (config as { baseDir?: string }).baseDir ?? process.cwd();
  const file = p ? (p === ':memory:' ? p : path.resolve(base, p)) : path.join(dataDir, SQLITE_FILE);
  return openSqliteStore(file, { synchronous: config.audit.fsync ? 'FULL' : 'NORMAL', auditThread: config.audit.writerThread ?? opts.auditThread ?? false });
}
