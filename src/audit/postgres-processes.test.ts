/**
 * One audit chain across replicas that are separate processes (not three stores in one process):
 * three Node processes append to one PostgreSQL schema at once, each through its own AuditLog
 * (group commit, checkpoints), and the result is one linear chain that `verifyAudit` accepts,
 * with every event each process was acknowledged for present exactly once.
 *
 * Runs against the real server (PORTCULLIS_TEST_PG_URL, default 127.0.0.1:5432/test); never skipped:
 * a fleet feature that is not tested on PostgreSQL is not tested.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSchema, dropSchema, TEST_PG_URL, uniqueSchema } from '../store/pg-testing.js';
import { PostgresStore } from '../store/postgres/index.js';
import { testKey } from './testing.js';
import { verifyAudit } from './verify.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');

/** A replica: opens the store and an AuditLog, appends N events in bursts, prints the acknowledged seqs. */
const CHILD = `
import { PostgresStore } from ${JSON.stringify(path.join(DIST, 'store/postgres/index.js'))};
import { AuditLog } from ${JSON.stringify(path.join(DIST, 'audit/chain.js'))};
import { signingKeyFromPem } from ${JSON.stringify(path.join(DIST, 'audit/keys.js'))};
const { PCX_URL, PCX_SCHEMA, PCX_KEY, PCX_N, PCX_NAME } = process.env;
const store = new PostgresStore({ url: PCX_URL, schema: PCX_SCHEMA, max: 3 });
await store.migrate();
const log = await AuditLog.open({ store, key: signingKeyFromPem(PCX_KEY), checkpointEvery: 50 });
const n = Number(PCX_N);
const acks = [];
for (let i = 0; i < n; i += 20) {
  const burst = [];
  for (let j = i; j < Math.min(n, i + 20); j++) {
    burst.push(log.append({ id: PCX_NAME + '-' + j, time: new Date().toISOString(), instance: PCX_NAME, session: 's-' + PCX_NAME, principal: { id: 'alice', kind: 'user', groups: [] }, hook: 'request', server: 'gh', method: 'tools/call', target: 'gh__create_issue', decision: 'allow', findings: [] }));
  }
  for (const c of await Promise.all(burst)) acks.push(c.seq);
}
await log.close();
await store.close();
process.stdout.write(JSON.stringify(acks));
`;

function runReplica(env: Record<string, string>): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`replica ${env.PCX_NAME} exited ${code}: ${err}`))));
  });
}

describe('audit on PostgreSQL, three writer processes', () => {
  it('keeps one linear, verifiable chain and loses no event', async () => {
    expect(existsSync(path.join(DIST, 'audit/chain.js')), 'build first (npx tsc -p tsconfig.build.json)').toBe(true);
    const schema = uniqueSchema('pcx_fleet_audit');
    await createSchema(schema);
    const key = testKey();
    const pem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const N = 400;
    try {
      const names = ['r0', 'r1', 'r2'];
      const acks = await Promise.all(names.map((name) => runReplica({ PCX_URL: TEST_PG_URL, PCX_SCHEMA: schema, PCX_KEY: pem, PCX_N: String(N), PCX_NAME: name })));
      const all = acks.flat();
      // Every acknowledged event got its own seq: no two processes wrote the same position (no fork).
      expect(all.length).toBe(3 * N);
      expect(new Set(all).size).toBe(3 * N);
      const store = new PostgresStore({ url: TEST_PG_URL, schema, max: 2 });
      try {
        const v = await verifyAudit(store, key.publicKey);
        expect(v).toMatchObject({ ok: true, checked: 3 * N, headSeq: 3 * N });
        const rows = await store.readAudit(0, 10 * N);
        // 0 events lost: each process's events are all there, once, in the order it wrote them.
        for (const name of names) {
          const mine = rows.filter((r) => r.event.instance === name).map((r) => Number(r.event.id.split('-')[1]));
          expect(mine).toEqual(Array.from({ length: N }, (_, i) => i));
        }
        // The writes really interleaved (a test where the processes ran one after another proves nothing).
        const switches = rows.reduce((n, r, i) => n + (i > 0 && r.event.instance !== rows[i - 1]!.event.instance ? 1 : 0), 0);
        expect(switches).toBeGreaterThan(2);
      } finally {
        await store.close();
      }
    } finally {
      await dropSchema(schema);
    }
  }, 60_000);
});
