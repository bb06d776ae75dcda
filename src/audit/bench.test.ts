/** Audit throughput on both stores (printed; the floor asserted is far below the target so a busy CI box passes). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pgUnavailable, tempPostgresStore } from '../store/pg-testing.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { benchAudit } from './bench.js';
import { verifyAudit } from './verify.js';
import { testKey } from './testing.js';

const N = Number(process.env.PORTCULLIS_AUDIT_BENCH_N ?? 20_000);
const unavailable = await pgUnavailable();

describe('audit throughput', () => {
  it(`SQLite (WAL, synchronous=FULL): ${N} events`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pcx-bench-'));
    const store = await openSqliteStore(path.join(dir, 'portcullis.db'));
    try {
      const key = testKey();
      const r = await benchAudit(store, N, { key });
      console.log(`[audit bench] sqlite: ${Math.round(r.eventsPerSecond)} events/s (${r.events} in ${r.seconds.toFixed(2)} s, ${r.batches} batches, mean ${Math.round(r.meanBatch)})`);
      expect((await verifyAudit(store, key.publicKey)).ok).toBe(true);
      expect(r.eventsPerSecond).toBeGreaterThan(500);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(unavailable !== undefined)(`PostgreSQL: ${N} events`, async () => {
    const t = await tempPostgresStore();
    try {
      const key = testKey();
      const r = await benchAudit(t.store, N, { key });
      console.log(`[audit bench] postgres: ${Math.round(r.eventsPerSecond)} events/s (${r.events} in ${r.seconds.toFixed(2)} s, ${r.batches} batches, mean ${Math.round(r.meanBatch)})`);
      expect((await verifyAudit(t.store, key.publicKey)).ok).toBe(true);
      expect(r.eventsPerSecond).toBeGreaterThan(300);
    } finally {
      await t.cleanup();
    }
  });
});
