#!/usr/bin/env node
// `npm run bench [-- --quick] [-- --paths 1,3,4] [-- --no-write]`
//
// What Portcullis costs, side by side with the direct path and the other proxies, in one run.
// See bench/README.md for what each figure means and how to read the table.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { closeAll, cpuMs, killAllNow, pidsMatching, rssKb, sleep, sweep } from './lib/procs.mjs';
import { connectHttp, definePaths, env0, hasKeysCommand, startGateway, yamlServers, createKey } from './lib/paths.mjs';
import { median, pct } from './lib/stats.mjs';
import { benchAuditStores, benchDetectors, benchPolicy } from './lib/stages.mjs';
import { benchCapacity, memprobeArgs } from './lib/capacity.mjs';
import { benchDemo } from './lib/demo.mjs';
import { render } from './lib/report.mjs';
import { rawSession } from './lib/rawhttp.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write('npm run bench [-- --quick] [-- --paths 1,3,4] [-- --no-write] [-- --no-scorer]\n  --quick     smoke run (< 60 s), as CI runs it\n  --no-scorer path 4 with inspect.learnedScorer: false (the rules alone), to separate the scorer\'s cost\n  --paths     only these paths (1 direct stdio … 7 supergateway, 8 null relay, 9 Portcullis with a 2026-07-28 client)\n  --no-write  print the table only, no bench/results files\nSee bench/README.md.\n');
  process.exit(0);
}
const QUICK = argv.includes('--quick');
const NO_WRITE = argv.includes('--no-write');
const onlyArg = argv.find((a) => a.startsWith('--paths='))?.slice(8);
const ONLY = onlyArg ? new Set(onlyArg.split(',').map(Number)) : undefined;

const C = QUICK
  ? { rounds: 3, warm: 10, seq: 60, big: 8, sizes: { 1024: 3, 65536: 2, 1048576: 1 }, conc: [4], concCalls: { 4: 6 }, rawSeq: 40, setupSamples: 2, openParallel: 8, capacity: 100, capSteps: [50, 100], demoCalls: 10, policyN: 300, detectMB: 0.25, auditN: 2000 }
  : { rounds: 5, warm: 100, seq: 2000, big: 200, sizes: { 1024: 40, 65536: 20, 1048576: 6 }, conc: [8, 64], concCalls: { 8: 60, 64: 12 }, rawSeq: 1000, setupSamples: 8, openParallel: 4, capacity: 10_000, capSteps: [1000, 5000, 10_000], demoCalls: 200, policyN: 5000, detectMB: 8, auditN: 50000 };
const CALL_TIMEOUT = 60_000;
const HARD_LIMIT_MS = QUICK ? 170_000 : 1_800_000; // a watchdog, far beyond the expected run time

const RUN = `pcxbench-${randomUUID().slice(0, 8)}`;
const TMP = mkdtempSync(path.join(os.tmpdir(), `${RUN}-`));
// PORTCULLIS_BENCH_ROOT: measure the gateway built in another checkout (its dist/); default this one.
const GW_ROOT = path.resolve(process.env.PORTCULLIS_BENCH_ROOT ?? ROOT);
const E = env0(ROOT, RUN, TMP, GW_ROOT);
const T_START = performance.now();
const log = (...a) => process.stderr.write(`[bench ${((performance.now() - T_START) / 1000).toFixed(1)}s] ${a.join(' ')}\n`);

// The SDK's HTTP client hands one AbortSignal to every fetch of a session, and undici drops its
// abort listeners only on GC: Node then warns once per request past 1,500. Say it once.
let warnedListeners = false;
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name === 'MaxListenersExceededWarning') {
    if (!warnedListeners) log('note: MaxListenersExceededWarning from the SDK HTTP client (one AbortSignal per session; undici frees listeners on GC); further ones suppressed');
    warnedListeners = true;
    return;
  }
  process.stderr.write(`${w.name}: ${w.message}\n`);
});

// ───────── cleanup on every exit ─────────
let cleaned = false;
async function cleanup() {
  if (cleaned) return 0;
  cleaned = true;
  await closeAll();
  await sleep(200);
  const n = sweep(RUN);
  try {
    rmSync(TMP, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
  return n;
}
process.on('exit', () => {
  killAllNow();
  sweep(RUN);
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    log(`${sig}: stopping`);
    cleanup().finally(() => process.exit(130));
  });
}
const watchdog = setTimeout(() => {
  log(`watchdog: still running after ${HARD_LIMIT_MS / 1000}s, giving up`);
  cleanup().finally(() => process.exit(2));
}, HARD_LIMIT_MS);
watchdog.unref();

// ───────── measurement primitives ─────────
async function call(sess, name, args) {
  const r = await sess.client.callTool({ name, arguments: args }, undefined, { timeout: CALL_TIMEOUT });
  if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content).slice(0, 200)}`);
  return r;
}

async function sequential(sess, name, args, n) {
  const lat = new Array(n);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await call(sess, name, args);
    lat[i] = performance.now() - s;
  }
  const total = performance.now() - t0;
  return { p50: pct(lat, 50), p90: pct(lat, 90), p99: pct(lat, 99), cps: n / (total / 1000), n };
}

async function concurrent(sessions, name, args, perSession) {
  const t0 = performance.now();
  await Promise.all(
    sessions.map(async (s) => {
      for (let i = 0; i < perSession; i++) await call(s, name, args);
    }),
  );
  return (sessions.length * perSession) / ((performance.now() - t0) / 1000);
}

async function ping(ctx, r) {
  for (const [name, fn] of [
    ['SDK session', () => call(ctx.everything, ctx.tools.echo, { message: 'ping' })],
    ['lean session', ctx.rawSess && (() => ctx.rawSess.call(ctx.tools.echo, { message: 'ping' }))],
  ]) {
    if (!fn) continue;
    try {
      await fn();
    } catch (e) {
      const code = e.cause?.code ?? e.code ?? '';
      const alive = ctx.gateway ? ctx.gateway.proc.alive() : true;
      if (!/UND_ERR_SOCKET|ECONNRESET|EPIPE|socket hang up/.test(`${code} ${e.message}`) || !alive) throw e;
      const msg = `${name}: a keep-alive connection was closed under a request (${code || e.message}); retried once`;
      if (!r.notes.includes(msg)) r.notes.push(msg);
      log(`note: ${msg}`);
      await fn();
    }
  }
}

const cpuOf = (pids) => pids.reduce((a, p) => a + (cpuMs(p) ?? 0), 0);
const rssOf = (pids) => {
  const v = pids.map(rssKb).filter((x) => x !== undefined);
  return v.length ? Math.max(...v) : undefined;
};

// ───────── the run ─────────
async function main() {
  if (!existsSync(E.CLI)) log(`warning: ${E.CLI} not found: run \`npm run build\` first (the Portcullis rows will say so)`);
  log(`${QUICK ? 'quick' : 'full'} run ${RUN}; ${os.cpus().length} CPUs, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const keys = hasKeysCommand(E);
  const paths = definePaths(E, { keys, quick: QUICK, noScorer: argv.includes('--no-scorer') }).filter((_, i) => !ONLY || ONLY.has(i + 1));
  const R = {}; // per path results
  const ctxs = new Map();

  // Phase 0: start every path (in parallel), open one session per upstream, warm up.
  await Promise.all(
    paths.map(async (p) => {
      const r = (R[p.id] = { id: p.id, label: p.label, setup: [], seq: [], big: [], sizes: {}, conc: {}, notes: [] });
      try {
        const t = performance.now();
        const ctx = await p.start();
        r.startMs = performance.now() - t;
        r.notes.push(...(ctx.notes ?? []));
        ctxs.set(p.id, ctx);
      } catch (e) {
        r.error = e.message.split('\n')[0];
        r.errorDetail = e.message;
        log(`${p.label}: FAILED to start: ${e.message}`);
      }
    }),
  );
  log(`started: ${paths.map((p) => `${p.id} ${R[p.id].startMs?.toFixed(0) ?? '✗'} ms`).join(', ')}`);
  // One session per upstream on every path, opened in parallel (their setup times are contended, so
  // they are not samples: setup is measured in phase B, one path at a time), then a warm-up.
  await Promise.all(
    paths.map(async (p) => {
      const ctx = ctxs.get(p.id);
      if (!ctx) return;
      const r = R[p.id];
      try {
        ctx.everything = await ctx.connect('everything');
        if (!ctx.noSized) ctx.sized = await ctx.connect('sized');
        if (ctx.raw) ctx.rawSess = await rawSession(ctx.raw.url, ctx.raw.headers);
      } catch (e) {
        r.error = e.message.split('\n')[0];
        r.errorDetail = e.message;
        log(`${p.label}: FAILED: ${e.message}`);
        await ctx.close().catch(() => {});
        ctxs.delete(p.id);
      }
    }),
  );
  for (const p of paths) {
    const ctx = ctxs.get(p.id);
    if (!ctx) continue;
    try {
      for (let i = 0; i < C.warm; i++) await call(ctx.everything, ctx.tools.echo, { message: 'warm' });
      for (let i = 0; i < 2 && ctx.sized; i++) await call(ctx.sized, ctx.tools.sized, { bytes: 65536 });
      for (let i = 0; i < C.warm && ctx.rawSess; i++) await ctx.rawSess.call(ctx.tools.echo, { message: 'warm' });
    } catch (e) {
      R[p.id].error = `warm-up: ${e.message.split('\n')[0]}`;
      log(`${p.label}: FAILED in warm-up: ${e.message}`);
      await ctx.close().catch(() => {});
      ctxs.delete(p.id);
    }
  }
  log(`${ctxs.size}/${paths.length} paths ready`);
  await sleep(500);
  for (const p of paths) {
    const ctx = ctxs.get(p.id);
    if (ctx && ctx.pids().length) R[p.id].rssIdleKb = rssOf(ctx.pids());
  }

  // Phase A: rounds, interleaved across paths (rotated order), so machine noise hits all paths alike.
  const cpu = {};
  for (let round = 0; round < C.rounds; round++) {
    const live = paths.filter((p) => ctxs.has(p.id));
    const order = live.map((_, i) => live[(i + round) % live.length]);
    for (const p of order) {
      const ctx = ctxs.get(p.id);
      const r = R[p.id];
      let step = '';
      try {
        // An untimed ping first: a session idle for a whole round can meet a keep-alive socket the server is
        // closing just then (undici keeps it until 1 s before the server's advertised Keep-Alive timeout).
        // Retried once, and noted, when the socket was closed and the proxy is still running.
        step = 'ping';
        await ping(ctx, r);
        step = 'sequential echo';
        const pids = ctx.pids();
        const c0 = cpuOf(pids);
        const s = await sequential(ctx.everything, ctx.tools.echo, { message: 'hello portcullis' }, C.seq);
        const c1 = cpuOf(pids);
        if (pids.length) {
          cpu[p.id] ??= { ms: 0, calls: 0 };
          cpu[p.id].ms += c1 - c0;
          cpu[p.id].calls += C.seq;
        }
        r.seq.push(s);
        step = 'get-tiny-image';
        r.big.push((await sequential(ctx.everything, ctx.tools.big, {}, C.big)).p50);
        step = 'lean client echo';
        if (ctx.rawSess) (r.raw ??= []).push(await sequential({ client: { callTool: (p) => ctx.rawSess.call(p.name, p.arguments) } }, ctx.tools.echo, { message: 'hello portcullis' }, C.rawSeq));
        for (const [bytes, n] of ctx.sized ? Object.entries(C.sizes) : []) {
          step = `sized ${bytes}`;
          (r.sizes[bytes] ??= []).push((await sequential(ctx.sized, ctx.tools.sized, { bytes: Number(bytes) }, n)).p50);
        }
      } catch (e) {
        r.error = `round ${round}, ${step}: ${e.message.split('\n')[0]}${e.cause?.code ? ` (${e.cause.code})` : ''}`;
        log(`${p.label}: FAILED in round ${round}: ${e.message} cause=${e.cause?.code ?? ""} ${e.cause?.message ?? ""}`);
        if (ctx.gateway) {
          const g = ctx.gateway.proc;
          r.gatewayExit = g.alive() ? 'still running' : `exited ${g.child.exitCode ?? g.child.signalCode}`;
          r.gatewayTail = g.output().split('\n').slice(-40).join('\n');
          r.error += `; gateway ${r.gatewayExit}`;
          log(`${p.label}: gateway ${r.gatewayExit}; last output:\n${r.gatewayTail}`);
        }
        await ctx.close().catch(() => {});
        ctxs.delete(p.id);
      }
    }
    log(`round ${round + 1}/${C.rounds} done`);
  }
  for (const [id, c] of Object.entries(cpu)) R[id].cpuUsPerCall = (c.ms * 1000) / c.calls;

  // Phase B: concurrency, one path at a time (each session may own an upstream child).
  for (const p of paths) {
    const ctx = ctxs.get(p.id);
    if (!ctx) continue;
    const r = R[p.id];
    await ctx.sized?.close();
    await ctx.rawSess?.close();
    const sessions = [ctx.everything]; // the warm session of phase A is one of them (not a setup sample)
    let peak = 0;
    const sampler = setInterval(() => {
      const v = rssOf(ctx.pids());
      if (v !== undefined && v > peak) peak = v;
    }, 100);
    try {
      for (const n of C.conc) {
        // The first setupSamples sessions one by one (their setup time is a sample), the rest a few at a time.
        while (sessions.length < n && r.setup.length < C.setupSamples) {
          const s = await ctx.connect('everything');
          sessions.push(s);
          r.setup.push(s.setupMs);
        }
        while (sessions.length < n) {
          const k = Math.min(C.openParallel, n - sessions.length);
          sessions.push(...(await Promise.all(Array.from({ length: k }, () => ctx.connect('everything')))));
        }
        for (const s of sessions) await call(s, ctx.tools.echo, { message: 'warm' });
        const per = [];
        for (let round = 0; round < C.rounds; round++) per.push(await concurrent(sessions, ctx.tools.echo, { message: 'hello portcullis' }, C.concCalls[n]));
        r.conc[n] = { cps: median(per), rounds: per };
      }
      if (ctx.pids().length) r.rssLoadKb = peak || undefined;
      log(`${p.label}: concurrency ${C.conc.map((n) => `${n}→${r.conc[n]?.cps?.toFixed(0)}/s`).join(' ')}`);
    } catch (e) {
      r.error = `concurrency: ${e.message.split('\n')[0]}`;
      log(`${p.label}: concurrency FAILED: ${e.message}`);
    } finally {
      clearInterval(sampler);
      await Promise.all(sessions.map((s) => s.close()));
      await ctx.close().catch(() => {});
      ctxs.delete(p.id);
    }
  }

  // Phase C: gateway capacity (idle sessions, shared upstream).
  let capacity;
  if (!ONLY || ONLY.has(4)) {
    let gw;
    try {
      const cfg = [
        keys ? 'auth: { apiKeys: true }' : 'auth: none',
        `limits: { maxSessions: ${C.capacity + 100}, maxSessionsPerPrincipal: ${C.capacity + 100} }`, // one principal opens every idle session here
        'policy:',
        `  allow: [{ id: bench-allow, principal: ${keys ? '"user:bench"' : '"*"'}, tools: ["everything__*", "sized__*"] }]`,
        '  watch: false',
        yamlServers(E, { shared: true }),
        '',
      ].join('\n');
      let key;
      // Preloaded with bench/lib/memprobe.mjs: the live heap after GC per session, beside RSS.
      const memprobe = path.join(TMP, 'capacity-memprobe.json');
      gw = await startGateway(E, 'gw-capacity', cfg, { env: memprobeArgs(memprobe), prepare: (file, dataDir) => ((key = keys ? createKey(E, file, dataDir) : undefined), {}) });
      // Session setup with the upstream pooled (`shared: true`): what the setup target allows.
      const sharedSetup = [];
      for (let i = 0; i < C.setupSamples + 1; i++) {
        const s = await connectHttp(gw.mcpUrl, key ? { Authorization: `Bearer ${key}` } : {});
        if (i > 0) sharedSetup.push(s.setupMs); // the first one starts the shared child
        await call(s, 'everything__echo', { message: 'x' });
        await s.close();
      }
      capacity = await benchCapacity(gw, { sessions: C.capacity, steps: C.capSteps, key, memprobe });
      capacity.sharedSetupMs = median(sharedSetup);
      capacity.sharedSetupSamples = sharedSetup;
      capacity.config = 'full pipeline, shared upstreams';
      log(`capacity: ${capacity.status === 'ok' ? `${capacity.kbPerSession.toFixed(1)} KB/session at ${capacity.sessions}` : capacity.status}`);
    } catch (e) {
      capacity = { status: `error: ${e.message.split('\n')[0]}` };
      log(`capacity FAILED: ${e.message}`);
    } finally {
      await gw?.proc.close();
    }
  }

  // Phase C2: the demo gateway as `npm start` runs it (embedded defaults), idle and after one session's calls.
  let demo;
  if (!ONLY || ONLY.has(4)) {
    demo = await benchDemo(E, { calls: C.demoCalls }).catch((e) => ({ status: `error: ${e.message.split('\n')[0]}` }));
    log(`demo gateway: ${demo.status === 'ok' ? `idle ${(demo.idleKb / 1024).toFixed(1)} MB, after ${demo.calls} calls ${(demo.warmKb / 1024).toFixed(1)} MB` : demo.status}`);
  }

  // Phase D: per-stage costs on the built modules.
  const stages = {};
  const stageRounds = C.rounds;
  for (const [name, fn] of [
    ['policy', () => benchPolicy(GW_ROOT, { rounds: stageRounds, n: C.policyN })],
    ['detectors', () => benchDetectors(GW_ROOT, { rounds: stageRounds, mb: C.detectMB })],
    ['audit', () => benchAuditStores(GW_ROOT, TMP, { rounds: stageRounds, n: C.auditN })],
  ]) {
    try {
      stages[name] = await fn();
    } catch (e) {
      stages[name] = { status: `error: ${e.message.split('\n')[0]}` };
    }
    log(`stage ${name}: ${JSON.stringify(stages[name]).slice(0, 160)}`);
  }

  // Summaries (medians over rounds).
  for (const r of Object.values(R)) {
    r.summary = {
      setupMs: median(r.setup),
      p50: median(r.seq.map((s) => s.p50)),
      p90: median(r.seq.map((s) => s.p90)),
      p99: median(r.seq.map((s) => s.p99)),
      cps: median(r.seq.map((s) => s.cps)),
      bigP50: median(r.big),
      rawP50: r.raw ? median(r.raw.map((s) => s.p50)) : undefined,
      rawP99: r.raw ? median(r.raw.map((s) => s.p99)) : undefined,
      rawCps: r.raw ? median(r.raw.map((s) => s.cps)) : undefined,
      sizes: Object.fromEntries(Object.entries(r.sizes).map(([b, v]) => [b, median(v)])),
      conc: Object.fromEntries(Object.entries(r.conc).map(([n, v]) => [n, v.cps])),
    };
  }

  // Which pipeline stages this build wires in (what "full pipeline" meant in this run).
  let stagesWired;
  try {
    const rt = readFileSync(path.join(GW_ROOT, 'dist/gateway/runtime.js'), 'utf8');
    stagesWired = [...new Set([...rt.matchAll(/create(\w+)Interceptor\(/g)].map((m) => m[1].toLowerCase()))];
  } catch {
    /* unknown */
  }

  const orphans = await cleanup();
  const leftover = pidsMatching(RUN).length;
  const seconds = (performance.now() - T_START) / 1000;
  const result = {
    date: new Date().toISOString(),
    mode: QUICK ? 'quick' : 'full',
    seconds,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, loadavg: os.loadavg() },
    counts: C,
    apiKeys: keys,
    stagesWired,
    paths: R,
    capacity,
    demo,
    stages,
    cleanup: { sweptProcesses: orphans, leftover },
  };
  const md = render(result);
  process.stdout.write(md + '\n');
  if (!NO_WRITE) {
    const dir = path.join(ROOT, 'bench/results');
    mkdirSync(dir, { recursive: true });
    const stamp = result.date.slice(0, 19).replace(/[:T]/g, '-') + (QUICK ? '-quick' : '');
    writeFileSync(path.join(dir, `${stamp}.md`), md + '\n');
    writeFileSync(path.join(dir, `${stamp}.json`), JSON.stringify(result, null, 2) + '\n');
    log(`wrote bench/results/${stamp}.md and .json`);
  }
  log(`done in ${seconds.toFixed(1)} s`);
}

main()
  .then(() => process.exit(0))
  .catch(async (e) => {
    log(`fatal: ${e.stack ?? e}`);
    await cleanup();
    process.exit(1);
  });
