import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chainHash } from './canonical.js';
import { AuditLog } from './chain.js';
import { signCheckpoint } from './keys.js';
import { ev, tempSqlite, testKey } from './testing.js';
import { verifyAudit } from './verify.js';

describe('verifyAudit names the first broken link', () => {
  let t: Awaited<ReturnType<typeof tempSqlite>>;
  const key = testKey();
  const sql = (q: string, ...p: unknown[]) => t.store.db.prepare(q).run(...p);
  const verify = () => verifyAudit(t.store, key.publicKey);

  /** 50 events (seq n holds ev(n)), checkpoints every 10; `clean` adds nothing (50 is a boundary) but closes. */
  async function fill(n = 50, clean = true) {
    const log = await AuditLog.open({ store: t.store, key, checkpointEvery: 10 });
    for (let i = 1; i <= n; i++) await log.write(ev(i));
    if (clean) await log.close();
  }

  beforeEach(async () => {
    t = await tempSqlite();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('column: an indexed column edited alone (hides the event from `audit query --principal`)', async () => {
    await fill();
    sql("UPDATE audit_events SET principal = 'nobody' WHERE seq = 7");
    const r = await verify();
    expect(r.firstBroken).toMatchObject({ seq: 7, kind: 'column' });
    expect(r.firstBroken!.detail).toContain('"principal"');
  });

  it('time bound: a slow call (an event timed long before it was written) is not taken for a deleted checkpoint', async () => {
    const log = await AuditLog.open({ store: t.store, key, checkpointEvery: 1000 });
    const now = Date.now();
    await log.write(ev(1, { time: new Date(now - 60_000).toISOString() }));
    await log.write(ev(2, { time: new Date(now - 45 * 60_000).toISOString() })); // a 45-minute call
    await log.write(ev(3, { time: new Date(now).toISOString() }));
    await log.close();
    const r = await verifyAudit(t.store, key.publicKey, { checkpointIntervalMs: 60_000, checkpointEvery: 1000 });
    expect(r.firstBroken).toBeUndefined();
    sql('DELETE FROM audit_checkpoints');
    await t.store.appendAuditChain([ev(4, { time: new Date(now + 30 * 60_000).toISOString() })]);
    const r2 = await verifyAudit(t.store, key.publicKey, { checkpointIntervalMs: 60_000, checkpointEvery: 1000 });
    expect(r2.firstBroken).toMatchObject({ seq: 1, kind: 'missing-checkpoint' });
  });

  it('an untouched log verifies', async () => {
    await fill();
    expect(await verify()).toEqual({ ok: true, checked: 50, checkpoints: 5, headSeq: 50, lastCheckpointSeq: 50, unanchored: 0, prunedBefore: 0 });
  });

  it('modified: a field changed in the DB', async () => {
    await fill();
    sql(`UPDATE audit_events SET event = json_set(event, '$.decision', 'allow') WHERE seq = 16`);
    expect((await verify()).firstBroken).toMatchObject({ seq: 16, kind: 'modified' });
  });

  it('modified: a field changed and that row re-hashed', async () => {
    await fill();
    const row = (await t.store.readAudit(15, 1))[0]!;
    expect(row.event.decision).toBe('deny');
    const changed = { ...row.event, decision: 'allow' as const };
    // the indexed column too (else verify reports the column first)
    sql("UPDATE audit_events SET event = ?, hash = ?, decision = 'allow' WHERE seq = 16", JSON.stringify(changed), chainHash(row.prevHash, changed));
    expect((await verify()).firstBroken).toMatchObject({ seq: 16, kind: 'modified' });
  });

  it('modified: the whole chain re-hashed after a change is caught by the next signed checkpoint', async () => {
    await fill();
    const rows = await t.store.readAudit(0, 100);
    let prev = rows[13]!.hash; // keep 1..14
    for (const r of rows.slice(14)) {
      const e = r.seq === 15 ? { ...r.event, principal: { ...r.event.principal, id: 'mallory' } } : r.event;
      const h = chainHash(prev, e);
      sql('UPDATE audit_events SET event = ?, prev_hash = ?, hash = ?, principal = ? WHERE seq = ?', JSON.stringify(e), prev, h, e.principal.id, r.seq);
      prev = h;
    }
    const r = await verify();
    expect(r.firstBroken).toMatchObject({ seq: 20, kind: 'modified' });
    expect(r.firstBroken!.detail).toContain('signed checkpoint');
  });

  it('deleted: a middle row', async () => {
    await fill();
    sql('DELETE FROM audit_events WHERE seq = 23');
    expect((await verify()).firstBroken).toMatchObject({ seq: 23, kind: 'deleted' });
  });

  it('deleted: the first row', async () => {
    await fill();
    sql('DELETE FROM audit_events WHERE seq = 1');
    expect((await verify()).firstBroken).toMatchObject({ seq: 1, kind: 'deleted' });
  });

  it('deleted: a row removed and the rest renumbered', async () => {
    await fill();
    sql('DELETE FROM audit_events WHERE seq = 33');
    sql('UPDATE audit_events SET seq = -(seq - 1) WHERE seq > 33');
    sql('UPDATE audit_events SET seq = -seq WHERE seq < 0');
    const b = (await verify()).firstBroken!;
    expect(b.seq).toBe(32);
    expect(['modified', 'deleted']).toContain(b.kind);
    expect(b.detail).toMatch(/removed|changed/);
  });

  it('reordered: two rows swapped', async () => {
    await fill();
    sql('UPDATE audit_events SET seq = -1 WHERE seq = 30');
    sql('UPDATE audit_events SET seq = 30 WHERE seq = 31');
    sql('UPDATE audit_events SET seq = 31 WHERE seq = -1');
    expect((await verify()).firstBroken).toMatchObject({ seq: 30, kind: 'reordered' });
  });

  it('truncated: the tail deleted after a clean shutdown (checkpoint at the head)', async () => {
    await fill(47); // checkpoints 10..40 and 47 at shutdown
    sql('DELETE FROM audit_events WHERE seq > 44');
    expect((await verify()).firstBroken).toMatchObject({ seq: 45, kind: 'truncated' });
  });

  it('truncated: after a crash, the tail deleted past a checkpoint; the unanchored tail is reported', async () => {
    await fill(55, false); // crash: checkpoints 10..50, head 55
    const before = await verify();
    expect(before).toMatchObject({ ok: true, unanchored: 5, lastCheckpointSeq: 50 });
    sql('DELETE FROM audit_events WHERE seq > 52');
    // Inherent limit: events after the last signed checkpoint of a crashed run can vanish silently.
    expect(await verify()).toMatchObject({ ok: true, headSeq: 52, unanchored: 2 });
    sql('DELETE FROM audit_events WHERE seq > 41');
    expect((await verify()).firstBroken).toMatchObject({ seq: 42, kind: 'truncated' });
  });

  it('bad-signature: a forged checkpoint, or one signed by another key', async () => {
    await fill();
    sql(`UPDATE audit_checkpoints SET hash = ? WHERE seq = 30`, 'f'.repeat(64));
    expect((await verify()).firstBroken).toMatchObject({ seq: 30, kind: 'bad-signature' });
    sql('DELETE FROM audit_checkpoints WHERE seq = 30');
    const row = (await t.store.readAudit(29, 1))[0]!;
    await t.store.addCheckpoint(signCheckpoint(testKey(), { seq: 30, hash: row.hash, kind: 'checkpoint' }));
    expect((await verify()).firstBroken).toMatchObject({ seq: 30, kind: 'bad-signature' });
  });

  it('a forged prune point cannot hide deleted events', async () => {
    await fill();
    sql('DELETE FROM audit_events WHERE seq < 10');
    const row = (await t.store.readAudit(8, 1))[0]!;
    await t.store.addCheckpoint({ ...signCheckpoint(key, { seq: 10, hash: row.prevHash, kind: 'prune' }), signature: 'AAAA' });
    expect((await verify()).firstBroken).toMatchObject({ seq: 1, kind: 'deleted' });
  });

  it('reports the lowest broken seq when several things are wrong', async () => {
    await fill();
    sql('DELETE FROM audit_events WHERE seq = 40');
    sql(`UPDATE audit_checkpoints SET signature = 'AAAA' WHERE seq = 20`);
    sql(`UPDATE audit_events SET event = json_set(event, '$.target', 'x') WHERE seq = 35`);
    expect((await verify()).firstBroken).toMatchObject({ seq: 20, kind: 'bad-signature' });
  });
});
