#!/usr/bin/env node
// npm run conformance — run the MCP conformance suite's SERVER scenarios twice:
//   1. directly against test/fixtures/conformant.mjs (Streamable HTTP), and
//   2. against the Portcullis gateway (dist/cli/index.js) fronting that same server,
// then print a scenario × (direct, via gateway) table. Exit 1 when any scenario passes direct but fails
// through Portcullis (a gateway regression). Direct failures are reported as fixture problems.
//
// Usage: node scripts/conformance.mjs [--direct-only] [--scenario NAME] [--suite all|active|pending]
//                                     [--upstream http|stdio] [--out DIR] [--verbose] [--timeout SECONDS]
//   --direct-only   skip the gateway half (exit 1 if a direct scenario fails)
//   --upstream      how the gateway reaches the fixture: http (default; the fixture the direct run used) or
//                   stdio (the gateway starts its own `node conformant.mjs` child)
//   --scenario      run one scenario only (default: the whole suite)
//   --out DIR       keep the suite's per-scenario results under DIR/{direct,gateway}, and summary.json
//   --verbose       stream the gateway's and fixture's stderr
//   --timeout       bound for each suite run (default 240 s)
// Env PORTCULLIS_CONFORMANCE_CONFIG=FILE: gateway config template to use instead of the built-in one;
// "{{URL}}" in it is replaced by the fixture's MCP URL.
// Env PORTCULLIS_GATEWAY_BIN=FILE: gateway entry point to run instead of dist/cli/index.js.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURE = path.join(ROOT, 'test/fixtures/conformant.mjs');
const CONFORMANCE_BIN = path.join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const GATEWAY_BIN = process.env.PORTCULLIS_GATEWAY_BIN ? path.resolve(process.env.PORTCULLIS_GATEWAY_BIN) : path.join(ROOT, 'dist/cli/index.js');

// ---------- args ----------
const argv = process.argv.slice(2);
const opt = { upstream: 'http', directOnly: false, scenario: undefined, suite: 'all', out: undefined, verbose: false, timeout: 240 };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--direct-only') opt.directOnly = true;
  else if (a === '--verbose') opt.verbose = true;
  else if (a === '--scenario') opt.scenario = argv[++i];
  else if (a === '--suite') opt.suite = argv[++i];
  else if (a === '--upstream') opt.upstream = argv[++i];
  else if (a === '--out') opt.out = path.resolve(argv[++i]);
  else if (a === '--timeout') opt.timeout = Number(argv[++i]);
  else if (a === '-h' || a === '--help') {
    console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 18).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
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

// ---------- fixture ----------
async function startFixture() {
  const child = startChild(process.execPath, [FIXTURE, '--http', '0'], { name: 'conformant' });
  const port = await waitFor('conformant.mjs', child, async () => {
    const m = /^LISTENING (\d+)$/m.exec(child.stderrText);
    return m ? Number(m[1]) : undefined;
  }, 15_000);
  return { child, port, url: `http://127.0.0.1:${port}/mcp` };
}

// ---------- gateway ----------
function gatewayConfig(url) {
  const tpl = process.env.PORTCULLIS_CONFORMANCE_CONFIG;
  if (tpl) return fs.readFileSync(tpl, 'utf8').replaceAll('{{URL}}', url);
  const server =
    opt.upstream === 'stdio'
      ? `  conformant: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(FIXTURE)}] }`
      : `  conformant: { url: "${url}", type: http }`;
  return [
    'auth: none',
    'mcpServers:',
    server,
    'namespace: { separator: "__" }',
    'servers:',
    '  conformant: { prefix: "" }   # empty prefix: tool names unchanged, so scenario names match',
    '',
  ].join('\n');
}

async function startGateway(upstreamUrl) {
  const dir = mkTmp('portcullis-conformance-');
  const cfg = path.join(dir, 'portcullis.yaml');
  fs.writeFileSync(cfg, gatewayConfig(upstreamUrl));
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
async function runSuite(label, url, outDir) {
  fs.mkdirSync(outDir, { recursive: true });
  const args = [CONFORMANCE_BIN, 'server', '--url', url, '-o', outDir];
  if (opt.scenario) args.push('--scenario', opt.scenario);
  else args.push('--suite', opt.suite);
  const child = startChild(process.execPath, args, { name: `conformance:${label}` });
  const timer = setTimeout(() => {
    console.error(`conformance.mjs: ${label} run exceeded ${opt.timeout}s, killing it`);
    killGroup(child, 'SIGKILL');
  }, opt.timeout * 1000);
  const { code, signal } = await child.exited;
  clearTimeout(timer);
  const results = readResults(outDir);
  if (results.size === 0) {
    throw new Error(`${label}: the conformance suite produced no results (exit ${code ?? signal}).\n${tail(child.stdoutText + child.stderrText)}`);
  }
  return { results, exit: code ?? signal, stdout: child.stdoutText };
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

function cell(r) {
  if (!r) return '—';
  const w = r.warnings ? ` ${r.warnings}w` : '';
  return `${r.ok ? 'PASS' : 'FAIL'} ${r.passed}/${r.passed + r.failed}${w}`;
}

function printTable(direct, gateway) {
  const names = [...new Set([...direct.keys(), ...(gateway?.keys() ?? [])])];
  const order = listedScenarios();
  names.sort((a, b) => (order.indexOf(a) + 1 || 999) - (order.indexOf(b) + 1 || 999) || a.localeCompare(b));
  const rows = names.map((n) => {
    const d = direct.get(n);
    const g = gateway?.get(n);
    let note = '';
    if (gateway) {
      if (d?.ok && (!g || !g.ok)) note = 'REGRESSION';
      else if (d && !d.ok && g?.ok) note = 'gateway passes, direct fails';
    }
    if (d && !d.ok && !note) note = 'fixture fails direct';
    return [n, cell(d), gateway ? cell(g) : 'not run', note];
  });
  const head = ['scenario', 'direct', 'via gateway', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log('\n' + line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log('(cells: PASS|FAIL passed/checks, Nw = warnings; warnings are SHOULDs and never fail a scenario)');
}

function listedScenarios() {
  // Order of `conformance list --server`, cached in the suite's own output order when possible.
  return [
    'server-initialize', 'logging-set-level', 'ping', 'completion-complete', 'tools-list', 'tools-call-simple-text',
    'tools-call-image', 'tools-call-audio', 'tools-call-embedded-resource', 'tools-call-mixed-content',
    'tools-call-with-logging', 'tools-call-error', 'tools-call-with-progress', 'tools-call-sampling',
    'tools-call-elicitation', 'json-schema-2020-12', 'elicitation-sep1034-defaults', 'server-sse-polling',
    'server-sse-multiple-streams', 'elicitation-sep1330-enums', 'resources-list', 'resources-read-text',
    'resources-read-binary', 'resources-templates-read', 'resources-subscribe', 'resources-unsubscribe',
    'prompts-list', 'prompts-get-simple', 'prompts-get-with-args', 'prompts-get-embedded-resource',
    'prompts-get-with-image', 'dns-rebinding-protection',
  ];
}

function printFailures(label, results) {
  const bad = [...results].filter(([, r]) => !r.ok);
  if (!bad.length) return;
  console.log(`\n${label} failures:`);
  for (const [name, r] of bad) for (const f of r.failures) console.log(`  ${name} › ${f.id}: ${f.message}`);
}

// ---------- main ----------
async function main() {
  if (!fs.existsSync(CONFORMANCE_BIN)) {
    console.error(`conformance.mjs: ${path.relative(ROOT, CONFORMANCE_BIN)} not found. Run \`npm install\` (it is a devDependency).`);
    return 2;
  }
  const outRoot = opt.out ?? mkTmp('portcullis-conformance-out-');
  const started = Date.now();

  if (!opt.directOnly && !fs.existsSync(GATEWAY_BIN)) {
    console.error(`note: ${path.relative(ROOT, GATEWAY_BIN)} does not exist (run \`npm run build\`); only the direct half will run.`);
  }
  const fixture = await startFixture();
  console.log(`conformant fixture: ${fixture.url}`);

  console.log('running the suite directly against the fixture...');
  const direct = await runSuite('direct', fixture.url, path.join(outRoot, 'direct'));

  let gateway;
  let gatewayMissing = false;
  if (!opt.directOnly) {
    if (!fs.existsSync(GATEWAY_BIN)) {
      gatewayMissing = true;
    } else {
      let gw;
      try {
        gw = await startGateway(fixture.url);
      } catch (err) {
        printTable(direct.results, undefined);
        console.error(`\nconformance.mjs: could not start the gateway: ${err.message}`);
        return 1;
      }
      console.log(`portcullis gateway: ${gw.url} (admin ${gw.adminPort}, upstream over ${opt.upstream})\n  ${gw.cmd}`);
      console.log('running the suite through the gateway...');
      try {
        gateway = await runSuite('gateway', gw.url, path.join(outRoot, 'gateway'));
      } finally {
        await stopChild(gw.child);
        if (gw.child.stderrText && !opt.verbose) {
          fs.mkdirSync(outRoot, { recursive: true });
          fs.writeFileSync(path.join(outRoot, 'gateway.stderr.log'), gw.child.stderrText);
        }
      }
    }
  }
  await stopChild(fixture.child);

  printTable(direct.results, gateway?.results);
  printFailures('direct', direct.results);
  if (gateway) printFailures('via gateway', gateway.results);

  const regressions = gateway
    ? [...direct.results].filter(([n, d]) => d.ok && !gateway.results.get(n)?.ok).map(([n]) => n)
    : [];
  const directFailed = [...direct.results].filter(([, r]) => !r.ok).map(([n]) => n);
  const summary = {
    conformanceVersion: JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/@modelcontextprotocol/conformance/package.json'), 'utf8')).version,
    direct: Object.fromEntries(direct.results),
    gateway: gateway ? Object.fromEntries(gateway.results) : null,
    regressions,
    directFailed,
    seconds: (Date.now() - started) / 1000,
  };
  if (opt.out) {
    fs.writeFileSync(path.join(opt.out, 'summary.json'), JSON.stringify(summary, null, 2));
    console.log(`\nresults kept in ${opt.out}`);
  }

  const dPass = [...direct.results.values()].filter((r) => r.ok).length;
  console.log(`\ndirect: ${dPass}/${direct.results.size} scenarios pass`);
  if (directFailed.length) console.log(`  fixture problem (fails even without the gateway): ${directFailed.join(', ')}`);
  if (gateway) {
    const gPass = [...gateway.results.values()].filter((r) => r.ok).length;
    console.log(`via gateway: ${gPass}/${gateway.results.size} scenarios pass`);
    if (regressions.length) {
      console.log(`FAIL: ${regressions.length} scenario(s) pass direct but fail through Portcullis: ${regressions.join(', ')}`);
      keepDirs.add(outRoot);
      console.log(`  per-scenario results and the gateway's stderr are kept in ${outRoot}`);
      return 1;
    }
    console.log('OK: every scenario that passes direct also passes through Portcullis.');
    return 0;
  }
  if (gatewayMissing) {
    console.error(
      `\nconformance.mjs: the gateway half was NOT run: ${path.relative(ROOT, GATEWAY_BIN)} does not exist.\n` +
        '  Build it with `npm run build`, or pass --direct-only to check the fixture alone.',
    );
    return 2;
  }
  return directFailed.length ? 1 : 0;
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
