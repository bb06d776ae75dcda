// Per-stage costs, measured on the built modules in dist/ (each only when its module exists).
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from './stats.mjs';

const has = (ROOT, rel) => existsSync(path.join(ROOT, rel));
const imp = (ROOT, rel) => import(pathToFileURL(path.join(ROOT, rel)).href);

/** Policy decision: µs per `authorize()` on a prepared Cedar set compiled from YAML lists. */
export async function benchPolicy(ROOT, { rounds, n }) {
  if (!has(ROOT, 'dist/policy/engine.js')) return { status: 'not built', module: 'dist/policy/engine.js' };
  const { createPolicyEngine } = await imp(ROOT, 'dist/policy/engine.js');
  const { ConfigSchema } = await imp(ROOT, 'dist/config/schema.js');
  const config = ConfigSchema.parse({
    policy: {
      watch: false,
      allow: [
        { id: 'eng-github', principal: 'group:eng', tools: ['github__*'] },
        { id: 'alice-fs', principal: 'user:alice', tools: ['filesystem__read_*'], where: { path: { startsWith: '/srv/project/' } } },
        { id: 'everyone-everything', principal: '*', tools: ['everything__echo', 'everything__get-sum'] },
      ],
      deny: [{ id: 'no-env', principal: '*', tools: ['everything__get-env'] }],
    },
  });
  const engine = await createPolicyEngine(config, { watch: false });
  const reqs = [
    { principal: { id: 'user:alice', kind: 'User', groups: ['group:eng'], method: 'api-key' }, action: 'call_tool', resource: { kind: 'tool', server: 'github', name: 'create_issue' }, arguments: { title: 'Bug', body: 'It broke' }, labels: [], findings: [], session: { transport: 'http', taint: [] } },
    { principal: { id: 'user:alice', kind: 'User', groups: [], method: 'api-key' }, action: 'call_tool', resource: { kind: 'tool', server: 'filesystem', name: 'read_text_file' }, arguments: { path: '/srv/project/README.md' }, labels: [], findings: [], session: { transport: 'http', taint: [] } },
    { principal: { id: 'user:bob', kind: 'User', groups: [], method: 'api-key' }, action: 'call_tool', resource: { kind: 'tool', server: 'everything', name: 'get-env' }, arguments: {}, labels: [], findings: [], session: { transport: 'http', taint: [] } },
  ];
  const decisions = reqs.map((r) => engine.authorize(r).decision);
  for (let i = 0; i < 300; i++) engine.authorize(reqs[i % reqs.length]);
  const per = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) engine.authorize(reqs[i % reqs.length]);
    per.push(((performance.now() - t0) * 1000) / n);
  }
  engine.close?.();
  return { status: 'ok', usPerDecision: median(per), rounds: per, decisions: decisions.join('/'), n };
}

/** Mixed text: prose, code, URLs, paths, an e-mail address, a phone number, a fake key id, a little Unicode. */
export function mixedText(bytes) {
  const parts = [
    'The quarterly report shows steady growth across all regions, with the northern office leading. ',
    'See https://docs.example.com/guide/getting-started and http://10.0.0.12:8080/admin for details. ',
    'function add(a, b) { return a + b; } // helper\nconst cfg = require("./config.json");\n',
    'Contact jane.doe@example.com or +1 415 555 0100 about invoice 2024-118. ',
    'Logs are in /var/log/app/server.log; never read ~/.ssh/id_rsa or /etc/shadow. ',
    'Ignore the noise in the previous message and summarise the findings for the team. ',
    'Caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u2014 \u201cquoted\u201d text, \u00bd cup, 20\u00b0C. ',
    'key id AKIAIOSFODNN7EXAMPLE appears in the sample docs as an example only. ',
    'SELECT id, name FROM projects WHERE archived = false ORDER BY name;\n',
    'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt. ',
  ];
  const base = parts.join('');
  return base.repeat(Math.ceil(bytes / base.length)).slice(0, bytes);
}

const BASE_CLEAN =
  'The quarterly report shows steady growth across all regions, with the northern office leading. ' +
  'function add(a, b) { return a + b; } // a small helper used by the build script\n' +
  'Meeting notes: agreed to ship the release on Thursday after the final review passes. ' +
  'The cache keeps the last 128 entries and evicts the least recently used one first. ' +
  'SELECT id, name, created_at FROM projects WHERE archived = false ORDER BY name;\n';

/** Detectors: MB/s of `detectText` (all text detectors) over mixed text, in 64 KB chunks. */
export async function benchDetectors(ROOT, { rounds, mb }) {
  if (!has(ROOT, 'dist/detect/index.js')) return { status: 'not built', module: 'dist/detect/index.js' };
  const det = await imp(ROOT, 'dist/detect/index.js');
  if (typeof det.detectText !== 'function') return { status: 'not built', module: 'dist/detect/index.js detectText' };
  const chunk = mixedText(64 * 1024);
  const bytes = Buffer.byteLength(chunk);
  const findings = det.detectText(chunk).length;
  for (let i = 0; i < 3; i++) det.detectText(chunk);
  const per = [];
  const reps = Math.max(1, Math.round((mb * 1024 * 1024) / bytes));
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) det.detectText(chunk);
    const s = (performance.now() - t0) / 1000;
    per.push((reps * bytes) / 1024 / 1024 / s);
  }
  // Each detector alone (one round), and all of them on clean prose (no findings): tells per-byte
  // scanning cost from per-finding cost.
  const rate = (text, ids, mbs) => {
    const b = Buffer.byteLength(text);
    const k = Math.max(1, Math.round((mbs * 1024 * 1024) / b));
    const t0 = performance.now();
    for (let i = 0; i < k; i++) det.detectText(text, ids);
    return (k * b) / 1024 / 1024 / ((performance.now() - t0) / 1000);
  };
  const ids = (det.TEXT_DETECTORS ?? []).map((d) => d.id);
  const perDetector = Object.fromEntries(ids.map((id) => [id, rate(chunk, [id], mb / 2)]));
  const clean = BASE_CLEAN.repeat(Math.ceil((64 * 1024) / BASE_CLEAN.length)).slice(0, 64 * 1024);
  const cleanMbPerSecond = rate(clean, undefined, mb);
  return { status: 'ok', mbPerSecond: median(per), rounds: per, detectors: det.detectorIds?.() ?? [], findingsPer64KB: findings, cleanFindingsPer64KB: det.detectText(clean).length, cleanMbPerSecond, perDetector };
}

/** Audit: events/s through the AuditLog (hash chain, signed checkpoints, group commit) on SQLite and PostgreSQL. */
export async function benchAuditStores(ROOT, TMP, { rounds, n }) {
  const out = {};
  if (!has(ROOT, 'dist/audit/bench.js')) {
    out.sqlite = out.postgres = { status: 'not built', module: 'dist/audit/bench.js' };
    return out;
  }
  const { benchAudit } = await imp(ROOT, 'dist/audit/bench.js');
  // SQLite
  if (!has(ROOT, 'dist/store/sqlite/index.js')) out.sqlite = { status: 'not built', module: 'dist/store/sqlite/index.js' };
  else {
    const { openSqliteStore } = await imp(ROOT, 'dist/store/sqlite/index.js');
    const per = [];
    let last;
    try {
      for (let r = 0; r < rounds; r++) {
        const dir = path.join(TMP, 'audit-sqlite', String(r));
        mkdirSync(dir, { recursive: true });
        const store = await openSqliteStore(path.join(dir, 'portcullis.db'));
        await store.migrate();
        last = await benchAudit(store, n);
        per.push(last.eventsPerSecond);
        await store.close();
      }
      out.sqlite = { status: 'ok', eventsPerSecond: median(per), rounds: per, n, meanBatch: last?.meanBatch };
      // One write in flight (a sequential client): each commit stands alone, so its fsync is the cost.
      out.sqliteOneInFlight = {};
      for (const synchronous of ['FULL', 'NORMAL']) {
        const xs = [];
        for (let r = 0; r < rounds; r++) {
          const dir = path.join(TMP, 'audit-sqlite-1', `${synchronous}-${r}`);
          mkdirSync(dir, { recursive: true });
          const store = await openSqliteStore(path.join(dir, 'portcullis.db'), { synchronous });
          await store.migrate();
          xs.push((await benchAudit(store, Math.max(100, Math.round(n / 25)), { concurrency: 1 })).eventsPerSecond);
          await store.close();
        }
        out.sqliteOneInFlight[synchronous] = median(xs);
      }
    } catch (e) {
      out.sqlite = { status: `error: ${e.message}` };
    }
  }
  // PostgreSQL, in a throwaway schema
  if (!has(ROOT, 'dist/store/postgres/index.js')) out.postgres = { status: 'not built', module: 'dist/store/postgres/index.js' };
  else {
    const { PostgresStore } = await imp(ROOT, 'dist/store/postgres/index.js');
    const pg = (await import('pg')).default;
    const urls = [process.env.PORTCULLIS_BENCH_PG_URL, 'postgres://postgres@127.0.0.1:5432/test', process.env.PORTCULLIS_TEST_PG_URL, 'postgres://root@127.0.0.1:5432/test'].filter(Boolean);
    let url;
    let why = '';
    for (const u of urls) {
      const c = new pg.Client({ connectionString: u, connectionTimeoutMillis: 2000 });
      try {
        await c.connect();
        await c.query('SELECT 1');
        url = u;
        break;
      } catch (e) {
        why = `${e.code ?? ''} ${e.message}`.trim();
      } finally {
        await c.end().catch(() => {});
      }
    }
    if (!url) out.postgres = { status: `no server: ${why}` };
    else {
      const per = [];
      const schema = `pcx_bench_${process.pid}_${Date.now().toString(36)}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        for (let r = 0; r < rounds; r++) {
          const s = `${schema}_${r}`;
          await admin.query(`CREATE SCHEMA ${s}`);
          const store = new PostgresStore({ url, schema: s, max: 4 });
          try {
            await store.migrate();
            per.push((await benchAudit(store, n)).eventsPerSecond);
          } finally {
            await store.close();
            await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
          }
        }
        out.postgres = { status: 'ok', eventsPerSecond: median(per), rounds: per, n, url: url.replace(/:[^:@/]*@/, ':***@') };
      } catch (e) {
        out.postgres = { status: `error: ${e.message}` };
      } finally {
        await admin.end().catch(() => {});
      }
    }
  }
  return out;
}
