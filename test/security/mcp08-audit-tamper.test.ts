/**
 * OWASP MCP08 (lack of audit and telemetry): tampering with the audit log is caught by
 * `portcullis audit verify`, on SQLite and on PostgreSQL alike. Each attack is one row: what the
 * attacker does to the database / key files after the operator shipped a signed head
 * (`portcullis audit head`), and the message verify must fail with. The real CLI is run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openAudit } from '../../src/audit/index.js';
import { chainHash } from '../../src/audit/canonical.js';
import { signCheckpoint, signingKeyFromPem } from '../../src/audit/keys.js';
import { ev } from '../../src/audit/testing.js';
import { parseConfigText } from '../../src/config/load.js';
import { openStore } from '../../src/store/index.js';
import { TEST_PG_URL, pgUnavailable } from '../../src/store/pg-testing.js';
import type { Store } from '../../src/store/types.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');
const N = 35; // events; checkpoints every 10 (10, 20, 30) and at shutdown (35)

/** What a tampering step may use: plain SQL (`?` placeholders) on the store's database, its files, and the store. */
interface Env {
  sql(q: string, ...p: unknown[]): Promise<void>;
  store: Store;
  dir: string;
  dataDir: string;
  /** The signing key file the gateway used. */
  keyFile: string;
}

interface Case {
  name: string;
  /** Key in the data dir (the default), or outside it (the production setup). */
  keyBesideData?: boolean;
  tamper(e: Env): Promise<void>;
  /** Verify with the shipped head (default) or from the store alone. */
  withHead?: boolean;
  expect: RegExp;
}

/** Re-hash the chain from `from` on (after changing events), keeping the indexed columns in step. */
async function rehash(e: Env, from: number, change: (seq: number, ev: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  const rows = await e.store.readAudit(0, 10_000);
  let prev = rows[from - 2]?.hash ?? '0'.repeat(64);
  for (const r of rows.slice(from - 1)) {
    const ev2 = change(r.seq, r.event as unknown as Record<string, unknown>);
    const h = chainHash(prev, ev2);
    const principal = (ev2.principal as { id: string }).id;
    await e.sql('UPDATE audit_events SET event = ?, prev_hash = ?, hash = ?, principal = ?, decision = ? WHERE seq = ?', JSON.stringify(ev2), prev, h, principal, String(ev2.decision), r.seq);
    prev = h;
  }
}

/** Re-sign every checkpoint at the (new) hashes with `pem`. */
async function resign(e: Env, pem: string): Promise<void> {
  const key = signingKeyFromPem(pem);
  const cps = await e.store.listCheckpoints();
  const rows = await e.store.readAudit(0, 10_000);
  await e.sql('DELETE FROM audit_checkpoints');
  for (const c of cps) {
    const hash = c.kind === 'prune' ? rows.find((r) => r.seq === c.seq - 1)!.hash : rows.find((r) => r.seq === c.seq)!.hash;
    await e.store.addCheckpoint(signCheckpoint(key, { seq: c.seq, hash, kind: c.kind }));
  }
}

const allowEverything = (seq: number, ev2: Record<string, unknown>) => (seq === 5 ? { ...ev2, decision: 'allow', principal: { ...(ev2.principal as object), id: 'mallory' } } : ev2);

const CASES: Case[] = [
  {
    name: 'tail truncated and its checkpoints deleted',
    tamper: async (e) => {
      await e.sql('DELETE FROM audit_events WHERE seq > 20');
      await e.sql('DELETE FROM audit_checkpoints WHERE seq > 20');
    },
    expect: /BROKEN at seq 21 \(truncated\): the shipped head .* says the log reached seq 35 .* ends at seq 20/,
  },
  {
    name: 'tail truncated by one event, no checkpoint touched',
    tamper: async (e) => e.sql('DELETE FROM audit_events WHERE seq = 35'),
    expect: /BROKEN at seq 35 \(truncated\)/,
  },
  {
    name: 'an event changed, the chain re-hashed, all checkpoints dropped',
    tamper: async (e) => {
      await rehash(e, 5, allowEverything);
      await e.sql('DELETE FROM audit_checkpoints');
    },
    expect: /at seq 35 \(modified\): the shipped head .* records hash .* the log was rewritten/,
  },
  {
    name: 'rewritten and re-signed with the key kept next to the database',
    keyBesideData: true,
    tamper: async (e) => {
      await rehash(e, 5, allowEverything);
      await resign(e, readFileSync(e.keyFile, 'utf8'));
    },
    expect: /BROKEN at seq 35 \(modified\): the shipped head .* the log was rewritten/,
  },
  {
    name: 'rewritten, re-signed with a new key swapped in for the data-dir key',
    keyBesideData: true,
    tamper: async (e) => {
      const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      writeFileSync(e.keyFile, pem, { mode: 0o600 });
      rmSync(e.keyFile.replace(/\.pem$/, '.pub.pem'), { force: true });
      await rehash(e, 5, allowEverything);
      await resign(e, pem);
    },
    expect: /at seq 10 \(bad-signature\): checkpoint at seq 10 is signed by unknown key/,
  },
  {
    name: 'both tables wiped',
    tamper: async (e) => {
      await e.sql('DELETE FROM audit_events');
      await e.sql('DELETE FROM audit_checkpoints');
    },
    expect: /BROKEN at seq 1 \(truncated\): the log is empty, .* the audit tables were wiped/,
  },
  {
    name: 'only the indexed principal column edited (hides the event from audit query --principal)',
    withHead: false,
    tamper: async (e) => e.sql("UPDATE audit_events SET principal = 'nobody' WHERE seq = 7"),
    expect: /BROKEN at seq 7 \(column\): event 7: the indexed column "principal" holds "nobody" but the hashed event says "alice"/,
  },
  {
    name: 'only the indexed target column edited',
    withHead: false,
    tamper: async (e) => e.sql("UPDATE audit_events SET target = 'harmless__tool' WHERE seq = 12"),
    expect: /BROKEN at seq 12 \(column\): .*"target"/,
  },
  {
    name: 'only the indexed time column moved (hides it from --since)',
    withHead: false,
    tamper: async (e) => e.sql("UPDATE audit_events SET time = '2001-01-01T00:00:00.000Z' WHERE seq = 3"),
    expect: /BROKEN at seq 3 \(column\): .*"time"/,
  },
  {
    name: 'decision column NULLed',
    withHead: false,
    tamper: async (e) => e.sql('UPDATE audit_events SET decision = NULL WHERE seq = 8'),
    expect: /BROKEN at seq 8 \(column\): .*"decision" holds NULL/,
  },
  {
    name: 'intermediate checkpoints deleted (time bound: 29 minutes of events without one)',
    withHead: false,
    tamper: async (e) => e.sql('DELETE FROM audit_checkpoints WHERE seq < 30'),
    expect: /BROKEN at seq 1 \(missing-checkpoint\): events 1…30 span 29 minutes without a signed checkpoint/,
  },
  {
    name: 'the shipped head file itself edited to match a truncated log',
    tamper: async (e) => {
      await e.sql('DELETE FROM audit_events WHERE seq > 20');
      const f = path.join(e.dir, 'head.json');
      const h = JSON.parse(readFileSync(f, 'utf8')) as { seq: number };
      writeFileSync(f, JSON.stringify({ ...h, seq: 20 }));
    },
    expect: /--expect-head: the signature does not match the head: the file was altered/,
  },
];

const pgDown = await pgUnavailable();

interface Backend {
  name: string;
  /** Config lines for the store, and a SQL runner; `setup` makes a fresh database. */
  setup(dir: string, dataDir: string): Promise<{ yaml: string; sql: Env['sql']; close(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'SQLite',
    setup: async (_dir, dataDir) => {
      let db: Database.Database | undefined;
      return {
        yaml: '',
        sql: async (q, ...p) => {
          db ??= new Database(path.join(dataDir, 'portcullis.db'));
          db.prepare(q).run(...p);
        },
        close: async () => {
          db?.close();
        },
      };
    },
  },
  ...(pgDown
    ? []
    : [
        {
          name: 'PostgreSQL',
          setup: async () => {
            const name = `pcx_tamper_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
            const admin = new pg.Client({ connectionString: TEST_PG_URL });
            await admin.connect();
            await admin.query(`CREATE DATABASE ${name}`);
            await admin.end();
            const url = new URL(TEST_PG_URL);
            url.pathname = `/${name}`;
            const c = new pg.Client({ connectionString: url.toString() });
            await c.connect();
            return {
              yaml: `store:\n  postgres:\n    url: "${url.toString()}"\n`,
              sql: async (q: string, ...p: unknown[]) => {
                let i = 0;
                await c.query(q.replace(/\?/g, () => `$${++i}`), p);
              },
              close: async () => {
                await c.end();
                const a = new pg.Client({ connectionString: TEST_PG_URL });
                await a.connect();
                await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
                await a.end();
              },
            };
          },
        } satisfies Backend,
      ]),
];
if (pgDown) console.warn(`[mcp08 PostgreSQL rows skipped] ${pgDown}`);

const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

/** A log of N events written by the real audit writer, closed cleanly, and a signed head shipped. */
async function prepare(backend: Backend, keyBesideData: boolean) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pcx-tamper-'));
  const dataDir = path.join(dir, 'data');
  const b = await backend.setup(dir, dataDir);
  const keyFile = keyBesideData ? path.join(dataDir, 'audit-signing-key.pem') : path.join(dir, 'secrets', 'audit-key.pem');
  const cfgFile = path.join(dir, 'portcullis.yaml');
  writeFileSync(cfgFile, `audit:\n  checkpointEvery: 10\n${keyBesideData ? '' : `  signingKey: ${keyFile}\n`}${b.yaml}`);
  const config = parseConfigText(readFileSync(cfgFile, 'utf8'), cfgFile);
  const store = await openStore(config, dataDir);
  const audit = await openAudit(config, store, dataDir);
  const t0 = Date.now() - 40 * 60_000;
  for (let i = 1; i <= N; i++) await audit.write(ev(i, { time: new Date(t0 + i * 60_000).toISOString() }));
  await audit.close();
  const head = cli('audit', 'head', '-c', cfgFile, '--data-dir', dataDir, '--out', path.join(dir, 'head.json'));
  expect(head.stderr).toBe('');
  expect(head.status).toBe(0);
  return { dir, dataDir, cfgFile, keyFile, store, head: head.stdout, sql: b.sql, close: async () => (await store.close(), await b.close(), rmSync(dir, { recursive: true, force: true })) };
}

for (const backend of BACKENDS) {
  describe(`MCP08: audit tampering is caught (${backend.name})`, { timeout: 120_000 }, () => {
    it('the honest case: an untampered log verifies, with and without the shipped head, and after it grows', async () => {
      const p = await prepare(backend, false);
      try {
        const h = JSON.parse(p.head) as Record<string, unknown>;
        expect(h).toMatchObject({ format: 'portcullis-audit-head/1', seq: N, kind: 'checkpoint' });
        expect(h.signature).toMatch(/^[A-Za-z0-9+/=]{40,}$/);
        expect(String(h.publicKey)).toContain('BEGIN PUBLIC KEY');
        let v = cli('audit', 'verify', '-c', p.cfgFile, '--data-dir', p.dataDir, '--expect-head', path.join(p.dir, 'head.json'));
        expect(v.stdout).toMatch(new RegExp(`audit log OK: ${N} events .*matches the shipped head at seq ${N}`));
        expect(v.status).toBe(0);
        // the JSON itself works as well as a file
        v = cli('audit', 'verify', '-c', p.cfgFile, '--data-dir', p.dataDir, '--expect-head', p.head.trim());
        expect(v.status).toBe(0);
        v = cli('audit', 'verify', '-c', p.cfgFile, '--data-dir', p.dataDir);
        expect(v.stdout).toMatch(/audit log OK/);
        expect(v.stdout).toMatch(/note: no --expect-head given/);
        expect(v.status).toBe(0);
        // the log grows after the head was shipped: still fine
        const config = parseConfigText(readFileSync(p.cfgFile, 'utf8'), p.cfgFile);
        const audit = await openAudit(config, p.store, p.dataDir);
        for (let i = N + 1; i <= N + 5; i++) await audit.write(ev(i));
        await audit.close();
        v = cli('audit', 'verify', '-c', p.cfgFile, '--data-dir', p.dataDir, '--expect-head', path.join(p.dir, 'head.json'));
        expect(v.stdout).toMatch(/audit log OK: 40 events/);
        expect(v.status).toBe(0);
      } finally {
        await p.close();
      }
    });

    for (const c of CASES) {
      it(`caught: ${c.name}`, async () => {
        const p = await prepare(backend, c.keyBesideData ?? false);
        try {
          await c.tamper({ sql: p.sql, store: p.store, dir: p.dir, dataDir: p.dataDir, keyFile: p.keyFile });
          const args = ['audit', 'verify', '-c', p.cfgFile, '--data-dir', p.dataDir, ...(c.withHead === false ? [] : ['--expect-head', path.join(p.dir, 'head.json')])];
          const v = cli(...args);
          expect(v.stdout + v.stderr).toMatch(c.expect);
          expect(v.status).toBe(1);
        } finally {
          await p.close();
        }
      });
    }
  });
}

describe('MCP08: the signing key', { timeout: 120_000 }, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pcx-key-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const KEY_CASES: { name: string; mode: number }[] = [
    { name: 'group-readable', mode: 0o640 },
    { name: 'world-readable', mode: 0o644 },
    { name: 'group-writable', mode: 0o620 },
  ];
  for (const k of KEY_CASES) {
    it(`a ${k.name} key file is refused`, () => {
      const keyFile = path.join(dir, `key-${k.mode.toString(8)}.pem`);
      writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
      chmodSync(keyFile, k.mode);
      const cfg = path.join(dir, `c-${k.mode.toString(8)}.yaml`);
      writeFileSync(cfg, `audit:\n  signingKey: ${keyFile}\n`);
      const r = cli('audit', 'head', '-c', cfg, '--data-dir', path.join(dir, 'data'));
      expect(r.stderr).toMatch(/has mode 0\d{3}: group or others can read it.*chmod 600/);
      expect(r.status).toBe(1);
    });
  }

  it('the key can come from an environment variable (PEM), outside the data dir', () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const cfg = path.join(dir, 'env.yaml');
    writeFileSync(cfg, 'audit:\n  signingKey: ${env:PCX_TEST_AUDIT_KEY}\n');
    const r = spawnSync(process.execPath, [CLI, 'audit', 'head', '-c', cfg, '--data-dir', path.join(dir, 'envdata')], { encoding: 'utf8', env: { ...process.env, PCX_TEST_AUDIT_KEY: pem } });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ seq: 0, keyId: signingKeyFromPem(pem).keyId });
    expect(existsSync(path.join(dir, 'envdata', 'audit-signing-key.pem'))).toBe(false);
  });
});
