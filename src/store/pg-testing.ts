/**
 * Test helpers for PostgreSQL: the server URL, a probe that tells "no server answers" (skip)
 * from any other failure (run, and let the tests fail loudly), and throwaway schemas.
 */
import pg from 'pg';
import { PostgresStore } from './postgres/index.js';

export const TEST_PG_URL = process.env.PORTCULLIS_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test';

/** Why Postgres tests cannot run (no server answers), or undefined when a server answered. */
export async function pgUnavailable(url = TEST_PG_URL): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return undefined;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const noServer = ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET'].includes(err.code ?? '') || /timeout/i.test(err.message);
    return noServer ? `no PostgreSQL server answers at ${url.replace(/:[^:@/]*@/, ':***@')} (${err.code ?? err.message}); set PORTCULLIS_TEST_PG_URL` : undefined;
  } finally {
    await c.end().catch(() => {});
  }
}

let counter = 0;

/** A fresh schema name; `createSchema` makes it, `dropSchema` removes it with everything in it. */
export function uniqueSchema(prefix = 'pcx_test'): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${++counter}`;
}

export async function createSchema(schema: string, url = TEST_PG_URL): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await c.end();
  }
}

export async function dropSchema(schema: string, url = TEST_PG_URL): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await c.end();
  }
}

/** A migrated store in a new schema, and a cleanup that closes it and drops the schema. */
export async function tempPostgresStore(url = TEST_PG_URL): Promise<{ store: PostgresStore; schema: string; open(): Promise<PostgresStore>; cleanup(): Promise<void> }> {
  const schema = uniqueSchema();
  await createSchema(schema, url);
  const opened: PostgresStore[] = [];
  const open = async () => {
    const s = new PostgresStore({ url, schema, max: 4 });
    opened.push(s);
    await s.migrate();
    return s;
  };
  const store = await open();
  return {
    store,
    schema,
    open,
    cleanup: async () => {
      for (const s of opened) await s.close().catch(() => {});
      await dropSchema(schema, url);
    },
  };
}
