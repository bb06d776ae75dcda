import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { storeContract } from './contract.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { PostgresStore } from './postgres/index.js';
import { createSchema, dropSchema, pgUnavailable, TEST_PG_URL, tempPostgresStore, uniqueSchema } from './pg-testing.js';

const unavailable = await pgUnavailable();
if (unavailable) console.warn(`[postgres store tests skipped] ${unavailable}`);

storeContract(
  'postgres',
  async () => {
    const t = await tempPostgresStore();
    return { store: t.store, reopen: t.open, cleanup: t.cleanup };
  },
  { skip: unavailable !== undefined },
);

describe.skipIf(unavailable !== undefined)('postgres migrations', () => {
  it('two replicas migrating at once apply each version once', async () => {
    const schema = uniqueSchema();
    await createSchema(schema);
    const stores = Array.from({ length: 4 }, () => new PostgresStore({ url: TEST_PG_URL, schema, max: 2 }));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      const r = await c.query(`SELECT version FROM ${schema}.schema_migrations`);
      await c.end();
      expect(r.rows.map((x) => Number(x.version))).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
    } finally {
      for (const s of stores) await s.close();
      await dropSchema(schema);
    }
  });
});
