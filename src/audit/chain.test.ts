import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigSchema } from '../config/schema.js';
import type { ChainedEvent, Store } from '../store/types.js';
import { canonical, chainHash, digest, ZERO_HASH } from './canonical.js';
import { AuditLog, AuditUnavailableError } from './chain.js';
import { openAudit } from './index.js';
import { verifyJsonl } from './jsonl.js';
import { loadOrCreateSigningKey, loadPublicKey } from './keys.js';
import { ev, tempSqlite, testKey } from './testing.js';
import { verifyAudit } from './verify.js';

describe('canonical JSON', () => {
  it('sorts keys, drops undefined, no whitespace, stable through a JSON round trip', () => {
    const v = { b: 1, a: { d: [1, 'x', null, undefined], c: true }, u: undefined, n: -0, f: 1.5e-7 };
    expect(canonical(v)).toBe('{"a":{"c":true,"d":[1,"x",null,null]},"b":1,"f":1.5e-7,"n":0}');
    expect(canonical(JSON.parse(JSON.stringify(v)))).toBe(canonical(v));
    expect(canonical('é\u2028')).toBe(JSON.stringify('é\u2028'));
    expect(digest({ x: 1, y: 2 })).toBe(digest({ y: 2, x: 1 }));
    expect(digest({ x: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('matches JSON.stringify of key-sorted copies on random values (escapes, unicode, numbers)', () => {
    const sortDeep = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(sortDeep) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortDeep((v as Record<string, unknown>)[k])])) : v;
    const pieces = ['a', 'Z', '"', '\\', '\n', '\u0000', '\u001f', '\u007f', 'é', '\u2028', '\ud83d\ude00', '\ud800', ' ', '{', '0'];
    let seed = 42;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const str = () => Array.from({ length: rnd(6) }, () => pieces[rnd(pieces.length)]).join('');
    const val = (d: number): unknown => {
      switch (rnd(d > 3 ? 4 : 7)) {
        case 0: return str();
        case 1: return [0, -0, 1.5, -1e21, 1e-7, 123456789.125, Number.MAX_SAFE_INTEGER, NaN, Infinity][rnd(9)];
        case 2: return rnd(2) === 0;
        case 3: return null;
        case 4: return Array.from({ length: rnd(4) }, () => val(d + 1));
        default: return Object.fromEntries(Array.from({ length: rnd(5) }, () => [str(), val(d + 1)]));
      }
    };
    for (let i = 0; i < 2000; i++) {
      const v = val(0);
      expect(canonical(v)).toBe(JSON.stringify(sortDeep(v)) ?? 'null');
    }
  });
});

describe('AuditLog', () => {
  let t: Awaited<ReturnType<typeof tempSqlite>>;
  beforeEach(async () => {
    t = await tempSqlite();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('group commit: 1,000 concurrent writes → 1,000 events in order, few transactions, valid chain', async () => {
    const key = testKey();
    const log = await AuditLog.open({ store: t.store, key, checkpointEvery: 300 });
    const res = await Promise.all(Array.from({ length: 1000 }, (_, i) => log.append(ev(i))));
    expect(res.map((c) => c!.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    const st = log.stats();
    expect(st.written).toBe(1000);
    expect(st.batches).toBeLessThanOrEqual(3);
    expect(st.backlog).toBe(0);
    await log.close();
    const rows = await t.store.readAudit(0, 2000);
    expect(rows.map((r) => r.event.id)).toEqual(Array.from({ length: 1000 }, (_, i) => `e${i}`));
    const v = await verifyAudit(t.store, key.publicKey);
    expect(v).toMatchObject({ ok: true, checked: 1000, headSeq: 1000, lastCheckpointSeq: 1000, unanchored: 0 });
    // 1000 crossed 300/600/900 boundaries in one batch at most once each, plus the shutdown checkpoint.
    expect((await t.store.listCheckpoints()).at(-1)!.seq).toBe(1000);
  });

  it('continues the chain after a restart, and checkpoints every N events', async () => {
    const key = testKey();
    let log = await AuditLog.open({ store: t.store, key, checkpointEvery: 10 });
    for (let i = 0; i < 25; i++) await log.write(ev(i));
    // no clean shutdown: a crash
    log = await AuditLog.open({ store: t.store, key, checkpointEvery: 10 });
    const c = await log.append(ev(99));
    expect(c!.seq).toBe(26);
    expect(c!.prevHash).toBe((await t.store.readAudit(24, 1))[0]!.hash);
    await log.close();
    expect((await t.store.listCheckpoints()).map((c) => c.seq)).toEqual([10, 20, 26]);
    expect((await verifyAudit(t.store, key.publicKey)).ok).toBe(true);
  });

  it('checkpoints a quiet log within checkpointIntervalMs, and after checkpointEvery events at the latest', async () => {
    const key = testKey();
    const log = await AuditLog.open({ store: t.store, key, checkpointEvery: 1000, checkpointIntervalMs: 100 });
    await log.write(ev(1));
    expect(log.stats().lastCheckpointSeq).toBe(0);
    await vi.waitFor(() => expect(log.stats().lastCheckpointSeq).toBe(1), { timeout: 2000, interval: 20 });
    await log.close();
    const every = await AuditLog.open({ store: t.store, key, checkpointEvery: 7 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => every.write(ev(i + 2))));
    await every.flush();
    const seqs = (await t.store.listCheckpoints()).map((c) => c.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]! - seqs[i - 1]!).toBeLessThanOrEqual(7 + 1000);
    expect(21 - seqs[seqs.length - 1]!).toBeLessThan(7);
    await every.close();
  });

  it('never stores finding values: only category, detector, severity, where', async () => {
    const log = await AuditLog.open({ store: t.store, key: testKey() });
    const leaky = { category: 'secret', detector: 'secrets.aws', severity: 'high', where: 'request.arguments.key', match: 'AKIAABCDEFGHIJKLMNOP', message: 'found AKIA…' };
    await log.write(ev(1, { findings: [leaky as never] }));
    await log.close();
    const raw = (t.store.db.prepare('SELECT event FROM audit_events').get() as { event: string }).event;
    expect(raw).not.toContain('AKIA');
    expect(JSON.parse(raw).findings).toEqual([{ category: 'secret', detector: 'secrets.aws', severity: 'high', where: 'request.arguments.key' }]);
  });

  it('failClosed: a write the store cannot commit rejects with PCX_AUDIT_UNAVAILABLE; the chain resumes after', async () => {
    let fail = true;
    const flaky: Store = new Proxy(t.store, {
      get(target, prop, recv) {
        if (prop === 'appendAuditChain' && fail) return async () => Promise.reject(new Error('disk full'));
        const v = Reflect.get(target, prop, recv);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const log = await AuditLog.open({ store: flaky, key: testKey() });
    const results = await Promise.allSettled([log.write(ev(1)), log.write(ev(2))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const err = (results[0] as PromiseRejectedResult).reason as AuditUnavailableError;
    expect(err).toBeInstanceOf(AuditUnavailableError);
    expect(err.code).toBe('PCX_AUDIT_UNAVAILABLE');
    expect(err.message).toContain('disk full');
    expect(log.stats().failedBatches).toBe(1);
    fail = false;
    expect((await log.append(ev(3)))!.seq).toBe(1);
    await log.close();
  });

  it('failClosed off: writes resolve, dropped counts them, metrics hook hears it', async () => {
    const seen = { dropped: 0, writes: 0, backlog: -1 };
    const broken = new Proxy(t.store, {
      get(target, prop, recv) {
        if (prop === 'appendAuditChain') return async () => Promise.reject(new Error('locked'));
        const v = Reflect.get(target, prop, recv);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }) as Store;
    const errors: string[] = [];
    const log = await AuditLog.open({
      store: broken,
      key: testKey(),
      failClosed: false,
      metrics: { observeWrite: () => void seen.writes++, setBacklog: (n) => void (seen.backlog = n), incDropped: (n) => void (seen.dropped += n) },
      onError: (_e, what) => errors.push(what),
    });
    await expect(Promise.all([log.write(ev(1)), log.write(ev(2)), log.write(ev(3))])).resolves.toEqual([undefined, undefined, undefined]);
    expect(log.stats().dropped).toBe(3);
    expect(seen).toEqual({ dropped: 3, writes: 0, backlog: 0 });
    expect(errors[0]).toContain('dropped 3 events');
  });

  it('a closed log rejects writes', async () => {
    const log = await AuditLog.open({ store: t.store, key: testKey() });
    await log.close();
    await expect(log.write(ev(1))).rejects.toBeInstanceOf(AuditUnavailableError);
  });

  it('prune records a signed prune point; verify passes; the chain continues', async () => {
    const key = testKey();
    const log = await AuditLog.open({ store: t.store, key, checkpointEvery: 5 });
    for (let i = 1; i <= 20; i++) await log.write(ev(i)); // times: minute i
    const r = await log.prune(ev(8).time);
    expect(r).toEqual({ deleted: 7, keptFrom: 8 });
    expect((await t.store.readAudit(0, 1))[0]!.seq).toBe(8);
    expect(await verifyAudit(t.store, key.publicKey)).toMatchObject({ ok: true, checked: 13, prunedBefore: 8 });
    await log.write(ev(21));
    // Pruning everything keeps the head.
    expect(await log.prune(new Date(Date.UTC(2030, 0, 1)))).toEqual({ deleted: 13, keptFrom: 21 });
    await log.close();
    expect(await verifyAudit(t.store, key.publicKey)).toMatchObject({ ok: true, checked: 1, prunedBefore: 21, headSeq: 21 });
    // Deleting more than the prune point allows is caught.
    const log2 = await AuditLog.open({ store: t.store, key });
    await log2.write(ev(22));
    await log2.write(ev(23));
    await log2.close();
    t.store.db.prepare('DELETE FROM audit_events WHERE seq = 21').run();
    expect((await verifyAudit(t.store, key.publicKey)).firstBroken).toMatchObject({ seq: 21, kind: 'deleted' });
  });
});

describe('openAudit', () => {
  it('creates the 0600 signing key in the data dir, writes JSONL copies that verify on their own', async () => {
    const t = await tempSqlite();
    try {
      const config = ConfigSchema.parse({ audit: { jsonl: path.join(t.dir, 'audit.jsonl'), checkpointEvery: 2 } });
      const audit = await openAudit(config, t.store, t.dir);
      const keyFile = path.join(t.dir, 'audit-signing-key.pem');
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(existsSync(path.join(t.dir, 'audit-signing-key.pub.pem'))).toBe(true);
      await Promise.all([1, 2, 3].map((i) => audit.write(ev(i))));
      await audit.close();
      const text = readFileSync(path.join(t.dir, 'audit.jsonl'), 'utf8');
      expect(text.trim().split('\n').length).toBe(3);
      expect(verifyJsonl(text)).toEqual({ ok: true, checked: 3 });
      const lines = text.trim().split('\n').map((l) => JSON.parse(l) as ChainedEvent);
      expect(lines[0]!.hash).toBe(chainHash(ZERO_HASH, lines[0]!.event));
      // Reusing the key on restart, and verifying with the public key file.
      expect(loadOrCreateSigningKey(keyFile).keyId).toBe(audit.key.keyId);
      const v = await verifyAudit(t.store, loadPublicKey(path.join(t.dir, 'audit-signing-key.pub.pem')));
      expect(v.ok).toBe(true);
      const tampered = text.replace('"e2"', '"e9"');
      expect(verifyJsonl(tampered).firstBroken).toMatchObject({ line: 2, seq: 2 });
    } finally {
      await t.cleanup();
    }
  });
});

describe('startRetention', () => {
  it('prunes by audit.retention and keeps the log verifiable', async () => {
    const { startRetention } = await import('./index.js');
    const t = await tempSqlite();
    try {
      const config = ConfigSchema.parse({ audit: { retention: '1d' } });
      const audit = await openAudit(config, t.store, t.dir);
      const old = new Date(Date.now() - 3 * 86_400_000).toISOString();
      for (let i = 1; i <= 5; i++) await audit.write(ev(i, { time: old }));
      for (let i = 6; i <= 8; i++) await audit.write(ev(i, { time: new Date().toISOString() }));
      const stop = startRetention(config, audit);
      await vi.waitFor(async () => expect((await t.store.readAudit(0, 1))[0]!.seq).toBe(6));
      stop();
      await audit.close();
      expect(await verifyAudit(t.store, audit.key.publicKey)).toMatchObject({ ok: true, checked: 3, prunedBefore: 6 });
    } finally {
      await t.cleanup();
    }
  });
});
