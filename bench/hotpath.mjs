#!/usr/bin/env node
// The hot path of one gateway, without the rest of the bench: CPU per call, p50, and RSS at start and
// after warm-up, for one configuration, so before/after builds can be alternated quickly.
//
//   node bench/hotpath.mjs [--calls 2000] [--sessions 1] [--pipeline full|empty] [--root /other/checkout]
//                          [--writer-thread on|off] (audit.writerThread; unset: the build's default)
//                          [--node-args "--flag …"] (node flags for the gateway process)
//
// Starts `dist/cli/index.js start` of --root (default this checkout) with a `shared: true` upstream
// (server-everything) and the profile's full pipeline (policy allow list, every detector, registry
// observe, audit to SQLite), measures VmRSS 2 s after it is ready, drives --sessions lean raw-HTTP
// sessions calling `everything__echo` (--calls per session after 200 warm-up calls each), and prints
// one JSON line: gateway CPU µs per call (utime+stime of the gateway process, all its threads), p50 and
// p90 ms of a call, calls/s, RSS at start and after the calls, and the load average.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { closeAll, cpuMs, killAllNow, rssKb, sleep, sweep } from './lib/procs.mjs';
import { env0, startGateway, yamlServers } from './lib/paths.mjs';
import { rawSession } from './lib/rawhttp.mjs';
import { ROOT, opt } from './lib/args.mjs';


const calls = Number(opt('calls', 2000));
const sessions = Number(opt('sessions', 1));
const pipeline = opt('pipeline', 'full');
const GW_ROOT = path.resolve(opt('root', ROOT));
const writerThread = opt('writer-thread');
const nodeArgs = (opt('node-args', '') ?? '').split(' ').filter(Boolean);
const auditLine = writerThread ? [`audit: { writerThread: ${writerThread === 'on'} }`] : [];
const RUN = `pcxhot-${randomUUID().slice(0, 8)}`;
const TMP = mkdtempSync(path.join(os.tmpdir(), `${RUN}-`));
const E = env0(ROOT, RUN, TMP, GW_ROOT);
process.on('exit', () => {
  killAllNow();
  sweep(RUN);
});

const cfg =
  pipeline === 'empty'
    ? ['auth: none', ...auditLine, 'pipeline: { disable: [validate, registry, inspect, authz, flow, rate] }', yamlServers(E, { shared: true }), ''].join('\n')
    : ['auth: none', ...auditLine, 'registry: { mode: observe }', 'policy:', '  allow: [{ id: bench-allow, principal: "*", tools: ["everything__*", "sized__*"] }]', '  watch: false', yamlServers(E, { shared: true }), ''].join('\n');

try {
  const gw = await startGateway(E, `gw-hot-${pipeline}`, cfg, { env: { NODE_ARGS: nodeArgs } });
  const pid = gw.proc.child.pid;
  await sleep(2000);
  const rssStart = rssKb(pid);
  const clients = [];
  for (let i = 0; i < sessions; i++) clients.push(await rawSession(gw.mcpUrl));
  const targs = { message: 'hello portcullis' };
  for (const c of clients) for (let i = 0; i < 200; i++) await c.call('everything__echo', targs);
  const lat = [];
  const cpu0 = cpuMs(pid);
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < calls; i++) {
        const s = performance.now();
        await c.call('everything__echo', targs);
        lat.push(performance.now() - s);
      }
    }),
  );
  const wall = performance.now() - t0;
  const cpu1 = cpuMs(pid);
  await sleep(1000);
  const rssAfter = rssKb(pid);
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  const n = calls * sessions;
  const out = {
    root: GW_ROOT,
    pipeline,
    writerThread: writerThread ?? 'default',
    ...(nodeArgs.length ? { nodeArgs: nodeArgs.join(' ') } : {}),
    sessions,
    calls: n,
    cpuUsPerCall: Math.round(((cpu1 - cpu0) * 1000) / n),
    p50ms: +q(0.5).toFixed(3),
    p90ms: +q(0.9).toFixed(3),
    callsPerS: Math.round((n * 1000) / wall),
    rssStartMb: +(rssStart / 1024).toFixed(1),
    rssAfterMb: +(rssAfter / 1024).toFixed(1),
    load: os.loadavg().map((x) => +x.toFixed(2)),
  };
  process.stdout.write(JSON.stringify(out) + '\n');
  for (const c of clients) await c.close();
} finally {
  await closeAll();
  rmSync(TMP, { recursive: true, force: true });
}
