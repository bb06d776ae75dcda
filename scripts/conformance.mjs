#!/usr/bin/env node
// npm run conformance — run the MCP conformance suite's SERVER scenarios for both protocol eras, each
//   1. directly against a conformant fixture (Streamable HTTP), and
//   2. against the Portcullis gateway (dist/cli/index.js) fronting that same fixture,
// then print one scenario × (direct, via gateway) table per era. Exit 1 when any scenario passes direct but
// fails through Portcullis (a gateway regression). Direct failures are reported as fixture problems.
//   era 2025: test/fixtures/conformant.mjs (v1 SDK), `--requirements 2025-11-25`
//   era 2026: test/fixtures/conformant-modern.mjs (v2 SDK), `--requirements 2026-07-28`
// Each table has a third column, "gw→other era": the same scenarios through a gateway whose upstream is
// the OTHER era's fixture (2025 clients → 2026-07-28 server; 2026-07-28 clients → 2025 server), i.e. the
// gateway translating. Informative only: the other fixture lacks some of the tools a scenario calls.
//
// Usage: node scripts/conformance.mjs [--era 2025|2026|both] [--direct-only] [--no-cross] [--scenario NAME]
//                                     [--upstream http|stdio] [--out DIR] [--verbose] [--timeout SECONDS]
//   --era           which era(s) to run (default both)
//   --direct-only   skip the gateway runs (exit 1 if a direct scenario fails)
//   --no-cross      skip the "gw→other era" runs
//   --upstream      how the gateway reaches the fixture: http (default; the fixture the direct run used) or
//                   stdio (the gateway starts its own `node <fixture>` child)
//   --scenario      run one scenario only (default: everything the era's requirement set lists)
//   --out DIR       keep the suite's per-scenario results under DIR/<era>/{direct,gateway,cross}, and summary.json
//   --verbose       stream the gateway's and fixtures' stderr
//   --timeout       bound for each suite run (default 240 s)
// Env PORTCULLIS_CONFORMANCE_CONFIG=FILE: gateway config template to use instead of the built-in one;
// "{{URL}}" in it is replaced by the fixture's MCP URL, "{{FIXTURE}}" by the fixture's path.
// Env PORTCULLIS_GATEWAY_BIN=FILE: gateway entry point to run instead of dist/cli/index.js.
//
// The suite (@modelcontextprotocol/conformance >= 0.1.16) needs fs.globSync (Node 22); on Node 20 it runs
// with scripts/conformance-node20/register.mjs preloaded (see there; delete it with Node >= 22).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONFORMANCE_BIN = path.join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const NODE20_SHIM = path.join(ROOT, 'scripts/conformance-node20/register.mjs');
const GATEWAY_BIN = process.env.PORTCULLIS_GATEWAY_BIN ? path.resolve(process.env.PORTCULLIS_GATEWAY_BIN) : path.join(ROOT, 'dist/cli/index.js');

/** The two eras: which fixture serves it and which requirement set of the suite checks it. */
const ERAS = {
  2025: { name: '2025-11-25', revision: '2025-11-25', fixture: path.join(ROOT, 'test/fixtures/conformant.mjs'), other: '2026' },
  2026: { name: '2026-07-28', revision: '2026-07-28', fixture: path.join(ROOT, 'test/fixtures/conformant-modern.mjs'), other: '2025' },
};

/**
 * Gateway gaps that are known, understood and not fixed yet: scenario → the exact checks that fail through the
 * gateway (and pass direct), and why. Such a scenario is reported KNOWN instead of REGRESSION and does not fail
 * the run — but only while its gateway failures stay within these checks; any other failing check, in these
 * scenarios or elsewhere, is a regression. A known gap that starts passing is reported, to be removed here.
 * Keep docs/architecture.md ("Limits" of the eras section) in step.
 */
const KNOWN_GATEWAY_GAPS = {
  // '2026-07-28': { 'scenario-name': { checks: ['check-id', …], why: 'what the gateway does wrong' } },
};

/**
 * Cross-era checks that translation cannot satisfy, by what they assert (not by what the gateway does): scenario
 * → the checks and why. Reported in the "gw→other era" column's notes when a cross run fails on exactly these.
 * The cross column is informative; this list only says which of its failures are understood.
 */
const CROSS_ERA_LIMITS = {
  '2026-07-28': {
    'input-required-result-basic-elicitation': {
      checks: ['sep-2322-elicitation-incomplete'],
      why: 'asserts the server named its question "user_name"; a 2025-era server sends elicitation/create with no key, so the gateway names it (r<n>); a client that echoes that key gets its answer to the old server (test/e2e/era-elicitation-retry.test.ts)',
    },
  },
};

// ---------- args ----------
const argv = process.argv.slice(2);
const opt = { era: 'both', upstream: 'http', directOnly: false, cross: true, scenario: undefined, out: undefined, verbose: false, timeout: 240 };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--direct-only') opt.directOnly = true;
  else if (a === '--no-cross') opt.cross = false;
  else if (a === '--verbose') opt.verbose = true;
  else if (a === '--era') opt.era = argv[++i];
  else if (a === '--scenario') opt.scenario = argv[++i];
  else if (a === '--upstream') opt.upstream = argv[++i];
  else if (a === '--out') opt.out = path.resolve(argv[++i]);
  else if (a === '--timeout') opt.timeout = Number(argv[++i]);
  else if (a === '-h' || a === '--help') {
    const lines = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
    console.log(lines.slice(1, lines.findIndex((l) => l.startsWith('import '))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
    process.exit(0);
  } else {
    console.error(`conformance.mjs: unknown argument ${a} (see --help)`);
    process.exit(2);
  }
}
if (opt.upstream !== 'http' && opt.upstream !== 'stdio') {
  console.error(`conformance.mjs: --upstream must be http or stdio, got ${opt.upstream}`);
  process.exit(2);
}
if (!['2025', '2026', 'both'].includes(opt.era)) {
  console.error(`conformance.mjs: --era must be 2025, 2026 or both, got ${opt.era}`);
  process.exit(2);
}
if (!(opt.timeout > 0)) {
  console.error('conformance.mjs: --timeout must be a positive number of seconds');
  process.exit(2);
}

// ---------- child process bookkeeping: every child is a process-group leader, killed on exit ----------
const children = new Set();
const tmpDirs = [];
const keepDirs = new Set();

function startChild(cmd, args, { name, env } = {}) {
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so we can kill grandchildren too
  });
  child.name = name ?? path.basename(args[0] ?? cmd);
  child.stderrText = '';
  child.stdoutText = '';
  child.stderr.setEncoding('utf8');
  child.stdout.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    child.stderrText += d;
    if (child.stderrText.length > 200_000) child.stderrText = child.stderrText.slice(-100_000);
    if (opt.verbose) process.stderr.write(prefixLines(`[${child.name}] `, d));
  });
  child.stdout.on('data', (d) => {
    child.stdoutText += d;
    if (child.stdoutText.length > 2_000_000) child.stdoutText = child.stdoutText.slice(-1_000_000);
  });
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function prefixLines(prefix, s) {
  return s.replace(/^(?=.)/gm, prefix);
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* gone */
    }
  }
}

async function stopChild(child, graceMs = 2000) {
  if (child.exitCode !== null || child.signalCode !== null) {
    killGroup(child, 'SIGKILL'); // the leader is gone; make sure its group is too
    return;
  }
  killGroup(child, 'SIGTERM');
  const t = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(t);
  killGroup(child, 'SIGKILL');
}

function cleanupSync() {
  for (const c of children) killGroup(c, 'SIGKILL');
  for (const d of tmpDirs) {
    if (keepDirs.has(d)) continue;
    try {
      fs.rmSync(d, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
}
process.on('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.error(`\nconformance.mjs: ${sig}, stopping children`);
    process.exit(130);
  });
}

function mkTmp(prefix) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, child, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what}: process exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready.\n${tail(child.stderrText)}`);
    }
    const v = await check();
    if (v) return v;
    await sleep(100);
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms.\n${tail(child.stderrText)}`);
}

function tail(s, n = 30) {
  const lines = s.trimEnd().split('\n');
  return lines.slice(-n).map((l) => `    | ${l}`).join('\n');
}

// ---------- fixtures ----------
async function startFixture(fixture) {
  const child = startChild(process.execPath, [fixture, '--http', '0'], { name: path.basename(fixture, '.mjs') });
  const port = await waitFor(path.basename(fixture), child, async () => {
    const m = /^LISTENING (\d+)$/m.exec(child.stderrText);
    return m ? Number(m[1]) : undefined;
  }, 15_000);
  return { child, port, url: `http://127.0.0.1:${port}/mcp` };
}

// ---------- gateway ----------
function gatewayConfig(url, fixture) {
  const tpl = process.env.PORTCULLIS_CONFORMANCE_CONFIG;
  if (tpl) return fs.readFileSync(tpl, 'utf8').replaceAll('{{URL}}', url).replaceAll('{{FIXTURE}}', fixture);
  const server =
    opt.upstream === 'stdio'
      ? `  conformant: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(fixture)}] }`
      : `  conformant: { url: "${url}", type: http }`;
  return [
    'auth: none',
    'mcpServers:',
    server,
    'namespace: { separator: "__" }',
    'servers:',
    // The 2025-era fixture keeps per-session state (its log level, subscriptions): a server like that is
    // declared `isolation: session` (docs/upstreams.md): a pooled one would answer its logging/setLevel
    // without sending it (one caller may not make every caller's server verbose). The 2026-07-28 fixture
    // is stateless per request and runs pooled (the default).
    `  conformant: { prefix: ""${path.basename(fixture) === 'conformant.mjs' ? ', isolation: session' : ''} }   # empty prefix: tool names unchanged, so scenario names match`,
    '',
  ].join('\n');
}

async function startGateway(upstreamUrl, fixture) {
  const dir = mkTmp('portcullis-conformance-');
  const cfg = path.join(dir, 'portcullis.yaml');
  fs.writeFileSync(cfg, gatewayConfig(upstreamUrl, fixture));
  const port = await freePort();
  const adminPort = await freePort();
  const dataDir = path.join(dir, 'data');
  const args = [GATEWAY_BIN, 'start', '-c', cfg, '--port', String(port), '--admin-port', String(adminPort), '--data-dir', dataDir];
  const child = startChild(process.execPath, args, { name: 'portcullis' });
  await waitFor('portcullis gateway', child, async () => {
    try {
      const r = await fetch(`http://127.0.0.1:${adminPort}/readyz`, { signal: AbortSignal.timeout(1000) });
      return r.status === 200;
    } catch {
      return false;
    }
  }, 30_000);
  return { child, port, adminPort, url: `http://127.0.0.1:${port}/mcp`, cmd: `node ${path.relative(ROOT, GATEWAY_BIN)} ${args.slice(1).join(' ')}` };
}

// ---------- running the suite ----------
function conformanceArgs(...args) {
  // Node < 22 has no fs.globSync, which the suite imports; the shim supplies it (scripts/conformance-node20/).
  const major = Number(process.versions.node.split('.')[0]);
  return [...(major < 22 ? ['--import', NODE20_SHIM] : []), CONFORMANCE_BIN, ...args];
}

/** Which scenarios an era's requirement set scores, and which it runs but never scores (with why). */
async function requirementSet(era) {
  const child = startChild(process.execPath, conformanceArgs('list', '--server', '--requirements', era.revision), { name: 'conformance:list' });
  const { code } = await child.exited;
  if (code !== 0) throw new Error(`conformance list --requirements ${era.revision} failed (exit ${code}).\n${tail(child.stdoutText + child.stderrText)}`);
  const required = [];
  const unscored = new Map();
  let section = '';
  let category = '';
  for (const line of child.stdoutText.split('\n')) {
    if (/^Server scenarios/.test(line)) section = 'server';
    else if (/^Client scenarios/.test(line)) section = 'client';
    else if (/^Run and reported, but never scored/.test(line)) section = 'unscored';
    const item = /^\s+- (\S+)(?: \[(\w+)\])?$/.exec(line);
    const cat = /^\s+([\w-]+) \(\d+\):$/.exec(line);
    if (section === 'unscored' && cat) category = cat[1];
    if (!item) continue;
    if (section === 'server') required.push(item[1]);
    else if (section === 'unscored' && item[2] === 'server') unscored.set(item[1], category);
  }
  if (!required.length) throw new Error(`conformance list --requirements ${era.revision} listed no server scenarios:\n${tail(child.stdoutText)}`);
  return { required, unscored };
}

async function runSuite(label, era, url, outDir) {
  fs.mkdirSync(outDir, { recursive: true });
  const args = ['server', '--url', url, '-o', outDir];
  // An extension scenario is off the spec timeline: the suite runs it at a revision only when forced.
  if (opt.scenario) args.push('--scenario', opt.scenario, '--spec-version', era.revision, ...(era.unscored?.has(opt.scenario) ? ['--force'] : []));
  else args.push('--requirements', era.revision);
  const child = startChild(process.execPath, conformanceArgs(...args), { name: `conformance:${label}` });
  const timer = setTimeout(() => {
    console.error(`conformance.mjs: ${label} run exceeded ${opt.timeout}s, killing it`);
    killGroup(child, 'SIGKILL');
  }, opt.timeout * 1000);
  const started = Date.now();
  const { code, signal } = await child.exited;
  clearTimeout(timer);
  const results = readResults(outDir);
  if (results.size === 0) {
    throw new Error(`${label}: the conformance suite produced no results (exit ${code ?? signal}).\n${tail(child.stdoutText + child.stderrText)}`);
  }
  return { results, exit: code ?? signal, seconds: (Date.now() - started) / 1000 };
}

/** Per-scenario results from the suite's output dir: `server-<scenario>-<timestamp>/checks.json`. */
function readResults(outDir) {
  const map = new Map();
  for (const entry of fs.readdirSync(outDir)) {
    const m = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(entry);
    if (!m) continue;
    let checks;
    try {
      checks = JSON.parse(fs.readFileSync(path.join(outDir, entry, 'checks.json'), 'utf8'));
    } catch {
      continue;
    }
    const count = (s) => checks.filter((c) => c.status === s).length;
    const failed = checks.filter((c) => c.status === 'FAILURE');
    map.set(m[1], {
      passed: count('SUCCESS'),
      failed: failed.length,
      warnings: count('WARNING'),
      ok: failed.length === 0,
      failures: failed.map((c) => ({ id: c.id, message: c.errorMessage ?? '' })),
      checkStatus: Object.fromEntries(checks.filter((c) => c.status !== 'INFO').map((c) => [c.id, c.status])),
    });
  }
  return map;
}

// ---------- reporting ----------
function cell(r) {
  if (!r) return '—';
  const w = r.warnings ? ` ${r.warnings}w` : '';
  return `${r.ok ? 'PASS' : 'FAIL'} ${r.passed}/${r.passed + r.failed}${w}`;
}

/**
 * Scenarios that pass direct and fail (or did not run) through the gateway, split into regressions and known
 * gaps (KNOWN_GATEWAY_GAPS: every failing check listed there).
 */
function regressionsOf(era, direct, gateway) {
  if (!gateway) return { regressions: [], known: [] };
  const gaps = KNOWN_GATEWAY_GAPS[era.name] ?? {};
  const regressions = [];
  const known = [];
  for (const [n, d] of direct) {
    const g = gateway.get(n);
    if (!d.ok || g?.ok) continue;
    const gap = gaps[n];
    if (g && gap && g.failures.every((f) => gap.checks.includes(f.id))) known.push(n);
    else regressions.push(n);
  }
  return { regressions, known };
}

/** Known gaps whose scenario now passes through the gateway: the list should lose them. */
function gapsClosed(era, gateway) {
  if (!gateway) return [];
  return Object.keys(KNOWN_GATEWAY_GAPS[era.name] ?? {}).filter((n) => gateway.get(n)?.ok);
}

function printTable(era, set, run) {
  const { direct, gateway, cross } = run;
  const { known } = regressionsOf(era, direct, gateway);
  const names = [...new Set([...direct.keys(), ...(gateway?.keys() ?? []), ...(cross?.keys() ?? [])])];
  const order = [...set.required, ...set.unscored.keys()];
  names.sort((a, b) => (order.indexOf(a) + 1 || 999) - (order.indexOf(b) + 1 || 999) || a.localeCompare(b));
  const rows = names.map((n) => {
    const d = direct.get(n);
    const g = gateway?.get(n);
    const notes = [];
    if (set.unscored.has(n)) notes.push(`not scored: ${set.unscored.get(n)}`);
    if (gateway && d?.ok && (!g || !g.ok)) notes.unshift(known.includes(n) ? `KNOWN gateway gap: ${KNOWN_GATEWAY_GAPS[era.name][n].why}` : 'REGRESSION');
    else if (gateway && d && !d.ok && g?.ok) notes.push('gateway passes, direct fails');
    else if (d && !d.ok) notes.push('fixture fails direct');
    const c = cross?.get(n);
    const limit = CROSS_ERA_LIMITS[era.name]?.[n];
    if (c && !c.ok && limit && c.failures.every((f) => limit.checks.includes(f.id))) notes.push(`cross-era limit: ${limit.why}`);
    const row = [n, cell(d), gateway ? cell(g) : 'not run'];
    if (cross) row.push(cell(cross.get(n)));
    row.push(notes.join('; '));
    return row;
  });
  const head = ['scenario', 'direct', 'via gateway', ...(cross ? [`gw→${ERAS[era.other].name} upstream`] : []), ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log(`\n=== era ${era.name}: ${path.relative(ROOT, era.fixture)}, conformance --requirements ${era.revision} ===`);
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

function printFailures(label, results, only) {
  const bad = [...results].filter(([n, r]) => !r.ok && (!only || only.has(n)));
  if (!bad.length) return;
  console.log(`\n${label} failures:`);
  for (const [name, r] of bad) for (const f of r.failures) console.log(`  ${name} › ${f.id}: ${f.message}`);
}

// ---------- one era ----------
async function runEra(key, outRoot) {
  const era = ERAS[key];
  const other = ERAS[era.other];
  const set = await requirementSet(era);
  era.unscored = set.unscored;
  const out = path.join(outRoot, era.name);
  const fixture = await startFixture(era.fixture);
  const fixtures = [fixture];
  const run = { direct: undefined, gateway: undefined, cross: undefined, seconds: {} };
  try {
    console.log(`\n[${era.name}] ${path.basename(era.fixture)}: ${fixture.url}`);
    console.log(`[${era.name}] running the suite directly against the fixture...`);
    const d = await runSuite(`${key}:direct`, era, fixture.url, path.join(out, 'direct'));
    run.direct = d.results;
    run.seconds.direct = d.seconds;
    if (!opt.directOnly && fs.existsSync(GATEWAY_BIN)) {
      run.gateway = await throughGateway(`${key}:gateway`, era, fixture.url, era.fixture, path.join(out, 'gateway'), run);
      if (opt.cross) {
        // The same scenarios through a gateway that fronts the other era's fixture: translation.
        const otherFixture = await startFixture(other.fixture);
        fixtures.push(otherFixture);
        run.cross = await throughGateway(`${key}:cross`, era, otherFixture.url, other.fixture, path.join(out, 'cross'), run);
      }
    }
  } finally {
    for (const f of fixtures) await stopChild(f.child);
  }
  return { era, set, run };
}

async function throughGateway(label, era, upstreamUrl, fixture, outDir, run) {
  const gw = await startGateway(upstreamUrl, fixture);
  console.log(`[${era.name}] ${label.split(':')[1]}: portcullis ${gw.url} → ${path.basename(fixture)} over ${opt.upstream}\n  ${gw.cmd}`);
  try {
    const r = await runSuite(label, era, gw.url, outDir);
    run.seconds[label.split(':')[1]] = r.seconds;
    return r.results;
  } finally {
    await stopChild(gw.child);
    if (gw.child.stderrText && !opt.verbose) {
      fs.mkdirSync(outDir, { recursive: true });
      fs.writeFileSync(path.join(outDir, 'gateway.stderr.log'), gw.child.stderrText);
    }
  }
}

// ---------- main ----------
async function main() {
  if (!fs.existsSync(CONFORMANCE_BIN)) {
    console.error(`conformance.mjs: ${path.relative(ROOT, CONFORMANCE_BIN)} not found. Run \`npm install\` (it is a devDependency).`);
    return 2;
  }
  const gatewayMissing = !opt.directOnly && !fs.existsSync(GATEWAY_BIN);
  if (gatewayMissing) console.error(`note: ${path.relative(ROOT, GATEWAY_BIN)} does not exist (run \`npm run build\`); only the direct runs will happen.`);
  const outRoot = opt.out ?? mkTmp('portcullis-conformance-out-');
  const started = Date.now();
  const eras = opt.era === 'both' ? ['2025', '2026'] : [opt.era];

  const done = [];
  for (const key of eras) done.push(await runEra(key, outRoot));

  const summary = {
    conformanceVersion: JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/@modelcontextprotocol/conformance/package.json'), 'utf8')).version,
    upstream: opt.upstream,
    eras: {},
    seconds: 0,
  };
  let regressionsTotal = 0;
  let knownTotal = 0;
  let directFailedScored = 0;
  for (const { era, set, run } of done) {
    printTable(era, set, run);
    const { regressions, known } = regressionsOf(era, run.direct, run.gateway);
    regressionsTotal += regressions.length;
    knownTotal += known.length;
    const scored = (m) => [...m].filter(([n]) => !set.unscored.has(n));
    const pass = (m) => (m ? scored(m).filter(([, r]) => r.ok).length : 0);
    const directFailed = scored(run.direct).filter(([, r]) => !r.ok).map(([n]) => n);
    directFailedScored += directFailed.length;
    const total = scored(run.direct).length;
    console.log(
      `[${era.name}] scored scenarios: direct ${pass(run.direct)}/${total}` +
        (run.gateway ? `, via gateway ${pass(run.gateway)}/${total}` : '') +
        (run.cross ? `, gw→${ERAS[era.other].name} upstream ${pass(run.cross)}/${total}` : '') +
        ` (${Object.entries(run.seconds).map(([k, v]) => `${k} ${v.toFixed(1)}s`).join(', ')})`,
    );
    if (directFailed.length) console.log(`  fixture problem (fails even without the gateway): ${directFailed.join(', ')}`);
    if (known.length) console.log(`  known gateway gaps (KNOWN_GATEWAY_GAPS in this script; do not fail the run): ${known.join(', ')}`);
    const closed = gapsClosed(era, run.gateway);
    if (closed.length) console.log(`  known gaps that now PASS through the gateway — remove them from KNOWN_GATEWAY_GAPS: ${closed.join(', ')}`);
    if (regressions.length) {
      console.log(`  REGRESSION: ${regressions.length} scenario(s) pass direct but fail through Portcullis: ${regressions.join(', ')}`);
      printFailures(`[${era.name}] via gateway`, run.gateway, new Set(regressions));
    }
    summary.eras[era.name] = {
      fixture: path.relative(ROOT, era.fixture),
      required: set.required,
      unscored: Object.fromEntries(set.unscored),
      direct: Object.fromEntries(run.direct),
      gateway: run.gateway ? Object.fromEntries(run.gateway) : null,
      crossEraUpstream: run.cross ? { upstream: path.relative(ROOT, ERAS[era.other].fixture), results: Object.fromEntries(run.cross) } : null,
      regressions,
      knownGaps: known,
      directFailed,
      seconds: run.seconds,
    };
  }
  summary.seconds = (Date.now() - started) / 1000;
  if (opt.out) {
    fs.writeFileSync(path.join(opt.out, 'summary.json'), JSON.stringify(summary, null, 2));
    console.log(`\nresults kept in ${opt.out}`);
  }
  console.log(`\n(cells: PASS|FAIL passed/checks, Nw = warnings (SHOULDs, never fail a scenario); ${summary.seconds.toFixed(1)} s in all)`);

  if (gatewayMissing) {
    console.error(
      `\nconformance.mjs: the gateway runs were NOT done: ${path.relative(ROOT, GATEWAY_BIN)} does not exist.\n` +
        '  Build it with `npm run build`, or pass --direct-only to check the fixtures alone.',
    );
    return 2;
  }
  if (regressionsTotal) {
    keepDirs.add(outRoot);
    console.log(`FAIL: ${regressionsTotal} gateway regression(s); per-scenario results and the gateway's stderr are kept in ${outRoot}`);
    return 1;
  }
  if (opt.directOnly) return directFailedScored ? 1 : 0;
  console.log(
    knownTotal
      ? `OK: no gateway regression: every scenario that passes direct passes through Portcullis, except ${knownTotal} known gap(s) listed above.`
      : 'OK: every scenario that passes direct also passes through Portcullis, in every era run.',
  );
  return 0;
}

main()
  .then((code) => {
    cleanupSync();
    process.exit(code);
  })
  .catch((err) => {
    console.error(`conformance.mjs: ${err?.stack ?? err}`);
    cleanupSync();
    process.exit(1);
  });
