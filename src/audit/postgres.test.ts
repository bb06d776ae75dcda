import { describe, expect, it } from 'vitest';
import { pgUnavailable, tempPostgresStore } from '../store/pg-testing.js';
import { AuditLog } from './chain.js';
import { ev, testKey } from './testing.js';
import { verifyAudit } from './verify.js';

const unavailable = await pgUnavailable();
if (unavailable) console.warn(`[postgres audit tests skipped] ${unavailable}`);

describe.skipIf(unavailable !== undefined)('audit on PostgreSQL', () => {
  it('three replicas writing at once keep one linear, verifiable chain', async () => {
    const t = await tempPostgresStore();
    try {
      const key = testKey();
      const stores = [t.store, await t.open(), await t.open()];
      const logs = await Promise.all(stores.map((store) => AuditLog.open({ store, key, checkpointEvery: 100 })));
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 900; i++) writes.push(logs[i % 3]!.append(ev(i, { instance: `replica-${i % 3}` })));
      const acks = (await Promise.all(writes)) as { seq: number }[];
      expect(new Set(acks.map((a) => a.seq)).size).toBe(900);
      for (const l of logs) await l.close();
      const v = await verifyAudit(t.store, key.publicKey);
      expect(v).toMatchObject({ ok: true, checked: 900, headSeq: 900, unanchored: 0 });
      // Each replica's own events keep their relative order.
      const rows = await t.store.readAudit(0, 1000);
      for (let r = 0; r < 3; r++) {
        const mine = rows.filter((x) => x.event.instance === `replica-${r}`).map((x) => Number(x.event.id.slice(1)));
        expect(mine).toEqual([...mine].sort((a, b) => a - b));
      }
    } finally {
      await t.cleanup();
    }
  });

  it('tampering is detected the same way (modified row, deleted row)', async () => {
    const t = await tempPostgresStore();
    try {
      const key = testKey();
      const log = await AuditLog.open({ store: t.store, key, checkpointEvery: 10 });
      for (let i = 1; i <= 30; i++) await log.write(ev(i));
      await log.close();
      await t.store.pool.query(`UPDATE audit_events SET event = replace(event, '"gh__create_issue"', '"gh__delete_repo"') WHERE seq = 12`);
      expect((await verifyAudit(t.store, key.publicKey)).firstBroken).toMatchObject({ seq: 12, kind: 'modified' });
      await t.store.pool.query('DELETE FROM audit_events WHERE seq = 12');
      expect((await verifyAudit(t.store, key.publicKey)).firstBroken).toMatchObject({ seq: 12, kind: 'deleted' });
      await t.store.pool.query('DELETE FROM audit_events WHERE seq > 25');
      expect((await verifyAudit(t.store, key.publicKey)).firstBroken).toMatchObject({ seq: 12, kind: 'deleted' });
    } finally {
      await t.cleanup();
    }
  });
});
