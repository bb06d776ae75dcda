#!/usr/bin/env node
// Gateway CPU per large result, full pipeline (the configuration of bench path 4), lean raw-HTTP client.
//
//   node bench/gwcpu.mjs [--sizes 65536,1048576] [--calls 60,8] [--no-scorer] [--rounds 1]
//   PORTCULLIS_BENCH_ROOT=/other/checkout node bench/gwcpu.mjs …   (measure another build's dist/)
//
// Calls `sized__sized {bytes}` sequentially from one session and reports, per size, the gateway
// process's CPU time per call (utime + stime from /proc, 10 ms ticks, so many calls per size) and the
// wall-clock p50. CPU per call is what the pipeline costs; it is far steadier than wall time on a
// shared machine, where other processes' load stretches every wall-clock figure.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { closeAll, cpuMs, killAllNow, sweep } from './lib/procs.mjs';
import { env0, startGateway, yamlServers } from './lib/paths.mjs';
import { rawSession } from './lib/rawhttp.mjs';
import { median } from './lib/stats.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, d) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? d;
const sizes = opt('sizes', '65536,1048576').split(',').map(Number);
const calls = opt('calls', '60,8').split(',').map(Number);
const noScorer = args.includes('--no-scorer');
const RUN = `pcxcpu-${randomUUID().slice(0, 8)}`;
const TMP = mkdtempSync(path.join(os.tmpdir(), `${RUN}-`));
const GW_ROOT = path.resolve(process.env.PORTCULLIS_BENCH_ROOT ?? ROOT);
const E = env0(ROOT, RUN, TMP, GW_ROOT);
process.on('exit', () => {
  killAllNow();
  sweep(RUN);
});
const cfg = ['auth: none', 'registry: { mode: observe }', ...(noScorer ? ['inspect: { learnedScorer: false }'] : []), 'policy:', '  allow: [{ id: bench-allow, principal: "*", tools: ["sized__*"] }]', '  watch: false', yamlServers(E, { shared: true }), ''].join('\n');
const gw = await startGateway(E, 'gw-cpu', cfg);
const pid = gw.proc.child.pid;
const c = await rawSession(gw.mcpUrl);
const out = { root: path.basename(GW_ROOT), scorer: !noScorer };
for (const [k, bytes] of sizes.entries()) {
  for (let i = 0; i < 3; i++) await c.call('sized__sized', { bytes });
  const n = calls[k] ?? calls[calls.length - 1];
  const walls = [];
  const c0 = cpuMs(pid);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await c.call('sized__sized', { bytes });
    walls.push(performance.now() - t0);
  }
  const cpu = (cpuMs(pid) - c0) / n;
  out[bytes] = { cpuMsPerCall: +cpu.toFixed(2), wallP50: +median(walls).toFixed(2) };
}
await c.close();
await closeAll();
rmSync(TMP, { recursive: true, force: true });
console.log(JSON.stringify({ ...out, load: os.loadavg()[0].toFixed(1) }));
process.exit(0);
