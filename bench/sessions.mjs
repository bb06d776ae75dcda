#!/usr/bin/env node
// Gateway memory per idle session-era session, on its own, for before/after builds:
//
//   node bench/sessions.mjs [--sessions 10000] [--steps 1000,5000,10000] [--root /other/checkout] [--concurrency 16]
//
// Starts `dist/cli/index.js start` of --root (default this checkout) with the capacity configuration of
// `npm run bench` (full pipeline: policy allow list, every detector, registry observe, audit to SQLite;
// `shared: true` upstreams, so one child serves every session), preloaded with bench/lib/memprobe.mjs.
// Opens sessions with a lean raw-HTTP client (initialize at 2025-11-25 + notifications/initialized; each
// gets an Mcp-Session-Id and is never used again), and after each step prints the gateway's RSS and its
// live heap after GC, and both per session against the gateway with one session open. One JSON line.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { killAllNow, sweep } from './lib/procs.mjs';
import { env0, startGateway, yamlServers } from './lib/paths.mjs';
import { benchCapacity, memprobeArgs } from './lib/capacity.mjs';
import { ROOT, opt } from './lib/args.mjs';

const sessions = Number(opt('sessions', 10_000));
const steps = String(opt('steps', sessions >= 10_000 ? '1000,5000,10000' : String(sessions)))
  .split(',')
  .map(Number);
const concurrency = Number(opt('concurrency', 16));
const GW_ROOT = path.resolve(opt('root', ROOT));
if (!(sessions > 0) || steps.some((s) => !(s > 0))) throw new Error('--sessions and --steps take positive numbers');
const RUN = `pcxsess-${randomUUID().slice(0, 8)}`;
const TMP = mkdtempSync(path.join(os.tmpdir(), `${RUN}-`));
const E = env0(ROOT, RUN, TMP, GW_ROOT);
process.on('exit', () => {
  killAllNow();
  sweep(RUN);
});

const cfg = [
  'auth: none',
  `limits: { maxSessions: ${sessions + 100}, maxSessionsPerPrincipal: ${sessions + 100} }`, // one principal opens them all
  'registry: { mode: observe }',
  'policy:',
  '  allow: [{ id: bench-allow, principal: "*", tools: ["everything__*", "sized__*"] }]',
  '  watch: false',
  yamlServers(E, { shared: true }),
  '',
].join('\n');

const probe = path.join(TMP, 'memprobe.json');
try {
  const gw = await startGateway(E, 'gw-sessions', cfg, { env: memprobeArgs(probe) });
  const t0 = performance.now();
  const r = await benchCapacity(gw, { sessions, steps, concurrency, memprobe: probe });
  const round = (x) => (x === undefined ? undefined : Math.round(x * 10) / 10);
  console.log(
    JSON.stringify({
      root: GW_ROOT,
      status: r.status,
      protocolVersion: r.protocolVersion,
      gatewayReportedSessions: r.gatewayReportedSessions,
      points: r.points?.map((p) => ({ sessions: p.sessions, rssMB: round(p.rssKb / 1024), heapMB: round(p.heapKb / 1024), rssKBPerSession: round(p.kbPerSession), heapKBPerSession: round(p.heapKbPerSession) })),
      seconds: Math.round((performance.now() - t0) / 1000),
      load: os.loadavg().map((x) => Math.round(x * 10) / 10),
    }),
  );
} finally {
  killAllNow();
}
process.exit(0);
