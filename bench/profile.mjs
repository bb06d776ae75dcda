#!/usr/bin/env node
// Profile the gateway under load and summarise where its CPU time goes.
//
//   node bench/profile.mjs [--pipeline full|empty] [--seconds 10] [--sessions 8] [--bytes 0] [--top 25]
//   node bench/profile.mjs --summarise FILE.cpuprofile [--top 25]
//
// Starts `node --cpu-prof dist/cli/index.js start …` (the same configs as bench paths 3 and 4), drives
// it with lean raw-HTTP clients calling `everything__echo` (or `sized__sized {bytes}` with --bytes N)
// for --seconds, stops it with SIGINT (the profile is written on exit), then prints the top
// self-time functions (file:function, share of samples) and the share per package / source area.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { closeAll, killAllNow, sweep } from './lib/procs.mjs';
import { env0, startGateway, yamlServers } from './lib/paths.mjs';
import { rawSession } from './lib/rawhttp.mjs';
import { ROOT, opt } from './lib/args.mjs';

const TOP = Number(opt('top', 25));

/** `fromS`: leave out the first seconds of the profile (start-up: module loading, the policy compile). */
export function summarise(file, top = TOP, fromS = Number(opt('from', 0))) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const deltas = prof.timeDeltas ?? [];
  let total = 0;
  let at = 0;
  prof.samples.forEach((id, i) => {
    const dt = Math.max(0, deltas[i] ?? 0);
    at += dt;
    if (at < fromS * 1e6) return;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const short = (url) => {
    if (!url) return '';
    let u = url.replace(/^file:\/\//, '');
    const nm = u.lastIndexOf('node_modules/');
    if (nm >= 0) return u.slice(nm + 13);
    for (const root of [ROOT, process.env.PORTCULLIS_BENCH_ROOT].filter(Boolean)) if (u.startsWith(root + '/')) u = u.slice(root.length + 1);
    return u;
  };
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n) => {
    const cf = n.callFrame;
    const where = short(cf.url);
    return where ? `${where}:${cf.lineNumber + 1} ${cf.functionName || '(anonymous)'}` : cf.functionName || '(anonymous)';
  };
  const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);
  const fnKey = new Map();
  const area = new Map();
  let idle = 0;
  for (const [id, t] of self) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const name = cf.functionName || '(anonymous)';
    const where = short(cf.url);
    if (name === '(idle)') {
      idle += t;
      continue;
    }
    let key = label(n);
    if (!where && !SPECIAL.has(name)) {
      // a native / builtin: name the nearest JavaScript caller
      // a native / builtin: name the nearest caller outside Node's own modules
      let p = parent.get(id);
      while (p !== undefined && (!byId.get(p).callFrame.url || byId.get(p).callFrame.url.startsWith('node:'))) p = parent.get(p);
      if (p !== undefined) key = `${name} ← ${label(byId.get(p))}`;
    }
    fnKey.set(key, (fnKey.get(key) ?? 0) + t);
    let a;
    if (!where) a = name.startsWith('(') ? name : `(native) ${name}`;
    else if (where.startsWith('node:')) a = where.split('/')[0];
    else if (/^(@[^/]+\/[^/]+|[^/]+)\//.test(where) && !where.startsWith('dist/')) a = /^(@[^/]+\/[^/]+|[^/]+)/.exec(where)[1];
    else a = where.split('/').slice(0, 2).join('/');
    area.set(a, (area.get(a) ?? 0) + t);
  }
  const busy = total - idle;
  const pc = (t) => ((100 * t) / busy).toFixed(1).padStart(5) + ' %';
  const lines = [];
  lines.push(`profile ${path.basename(file)}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy (${((100 * busy) / total).toFixed(0)} %); shares below are of busy time`);
  lines.push('');
  lines.push('top self time by function:');
  for (const [k, t] of [...fnKey].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pc(t)}  ${k}`);
  lines.push('');
  lines.push('self time by package / source area:');
  for (const [k, t] of [...area].sort((a, b) => b[1] - a[1]).slice(0, 20)) lines.push(`  ${pc(t)}  ${k}`);
  return { text: lines.join('\n'), total, functions: [...fnKey].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, t]) => ({ fn: k, share: t / busy })), areas: [...area].sort((a, b) => b[1] - a[1]).map(([k, t]) => ({ area: k, share: t / busy })) };
}

async function profileRun() {
  const pipeline = opt('pipeline', 'full');
  const seconds = Number(opt('seconds', 10));
  const sessions = Number(opt('sessions', 8));
  const bytes = Number(opt('bytes', 0));
  const RUN = `pcxprof-${randomUUID().slice(0, 8)}`;
  const TMP = mkdtempSync(path.join(os.tmpdir(), `${RUN}-`));
  const E = env0(ROOT, RUN, TMP, path.resolve(process.env.PORTCULLIS_BENCH_ROOT ?? ROOT));
  process.on('exit', () => {
    killAllNow();
    sweep(RUN);
  });
  const profDir = path.join(ROOT, 'bench/results/profiles');
  mkdirSync(profDir, { recursive: true });
  const before = new Set(readdirSync(profDir));
  const cfg =
    pipeline === 'empty'
      ? ['auth: none', 'pipeline: { disable: [validate, registry, inspect, authz, flow, rate] }', yamlServers(E, { shared: true }), ''].join('\n')
      : ['auth: none', 'registry: { mode: observe }', 'policy:', '  allow: [{ id: bench-allow, principal: "*", tools: ["everything__*", "sized__*"] }]', '  watch: false', yamlServers(E, { shared: true }), ''].join('\n');
  const gw = await startGateway(E, `gw-prof-${pipeline}`, cfg, { env: { NODE_ARGS: ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=gateway-${pipeline}-${Date.now()}.cpuprofile`] } });
  const clients = [];
  for (let i = 0; i < sessions; i++) clients.push(await rawSession(gw.mcpUrl));
  const [tool, targs] = bytes > 0 ? ['sized__sized', { bytes }] : ['everything__echo', { message: 'hello portcullis' }];
  for (const c of clients) for (let i = 0; i < 20; i++) await c.call(tool, targs);
  let calls = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    clients.map(async (c) => {
      while (Date.now() < end) {
        await c.call(tool, targs);
        calls++;
      }
    }),
  );
  process.stderr.write(`${calls} calls in ${seconds} s (${(calls / seconds).toFixed(0)}/s), ${sessions} sessions, ${pipeline} pipeline, ${tool}\n`);
  for (const c of clients) await c.close();
  gw.proc.child.kill('SIGINT'); // graceful exit writes the profile
  const t = setTimeout(() => gw.proc.close(), 10_000);
  await gw.proc.exited;
  clearTimeout(t);
  await closeAll();
  rmSync(TMP, { recursive: true, force: true });
  const made = readdirSync(profDir).filter((f) => !before.has(f) && f.endsWith('.cpuprofile'));
  if (made.length === 0) throw new Error('no .cpuprofile written (did the gateway exit cleanly?)');
  for (const f of made) {
    const s = summarise(path.join(profDir, f));
    process.stdout.write(`${s.text}\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = opt('summarise');
  if (file) process.stdout.write(summarise(file).text + '\n');
  else
    profileRun().catch(async (e) => {
      process.stderr.write(`profile failed: ${e.stack ?? e}\n`);
      await closeAll();
      process.exit(1);
    });
}
