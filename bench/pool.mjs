// Children and RSS of a gateway for N short-lived clients that never DELETE their session (what the
// MCP Inspector CLI and many scripts do): initialize, tools/list, one call each, then drop the transport.
//
//   node bench/pool.mjs [--clients=33] [--concurrency=1] [--root=/other/checkout] [--isolation=session]
//
// --root       measure the dist/ of another checkout (before/after comparisons; default this one)
// --isolation  set servers' isolation explicitly (default: none, i.e. the build's default)
// Prints one JSON line: children (peak and at the end), RSS of the gateway and of its children (MB),
// how many clients got a working call, and the errors the others got.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const HERE = path.resolve(import.meta.dirname, '..');
const arg = (name, dflt) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const ROOT = path.resolve(arg('root', HERE));
const N = Number(arg('clients', '33'));
const CONC = Number(arg('concurrency', '1'));
const ISOLATION = arg('isolation', '');

const everything = path.join(HERE, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const memory = path.join(HERE, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'pcx-pool-bench-'));
const iso = ISOLATION ? `, isolation: ${ISOLATION}` : '';
writeFileSync(
  path.join(dir, 'portcullis.yaml'),
  `auth: none
admin: { enabled: false }
limits: { maxSessionsPerPrincipal: 1000 }
mcpServers:
  everything: { command: node, args: ["${everything}", "stdio"]${iso} }
  memory: { command: node, args: ["${memory}"], env: { MEMORY_FILE_PATH: "${path.join(dir, 'memory.jsonl')}" }${iso} }
`,
);

const rssMb = (pid) => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
};
/** Direct children of `pid` (the upstream servers the gateway started). */
const childrenOf = (pid) => {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
};

const gw = spawn(process.execPath, [path.join(ROOT, 'dist/cli/index.js'), 'start', '-c', path.join(dir, 'portcullis.yaml'), '--port', '0', '--data-dir', path.join(dir, 'data')], {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, PORTCULLIS_LOG_FORMAT: 'json' },
});
let out = '';
const url = await new Promise((resolve, reject) => {
  const t = setTimeout(() => reject(new Error(`gateway did not start:\n${out}`)), 60_000);
  const on = (d) => {
    out += d;
    const m = /MCP endpoint\s+(http:\/\/\S+)/.exec(out);
    if (m) {
      clearTimeout(t);
      resolve(m[1]);
    }
  };
  gw.stdout.on('data', on);
  gw.stderr.on('data', on);
  gw.once('exit', (c) => reject(new Error(`gateway exited ${c}:\n${out}`)));
});

let peak = 0;
const watch = setInterval(() => (peak = Math.max(peak, childrenOf(gw.pid).length)), 50);
const errors = {};
let ok = 0;
const transports = [];
const one = async (i) => {
  const c = new Client({ name: 'inspector-like', version: '1' }, { capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } } });
  const t = new StreamableHTTPClientTransport(new URL(url));
  transports.push(t);
  try {
    await c.connect(t);
    await c.listTools();
    await c.callTool({ name: 'everything__echo', arguments: { message: `client ${i}` } });
    await c.callTool({ name: 'memory__read_graph', arguments: {} });
    ok++;
  } catch (e) {
    const k = String(e?.message ?? e).replace(/\d+/g, 'N').slice(0, 120);
    errors[k] = (errors[k] ?? 0) + 1;
  }
  // No DELETE: the session stays open on the gateway until it idles out.
};
const t0 = Date.now();
for (let i = 0; i < N; i += CONC) await Promise.all(Array.from({ length: Math.min(CONC, N - i) }, (_, j) => one(i + j)));
const ms = Date.now() - t0;
await new Promise((r) => setTimeout(r, 500));
clearInterval(watch);
const kids = childrenOf(gw.pid);
const result = {
  root: ROOT,
  isolation: ISOLATION || 'default',
  clients: N,
  concurrency: CONC,
  ok,
  errors,
  childrenPeak: Math.max(peak, kids.length),
  childrenEnd: kids.length,
  gatewayRssMb: Math.round(rssMb(gw.pid)),
  childrenRssMb: Math.round(kids.reduce((s, p) => s + rssMb(p), 0)),
  seconds: ms / 1000,
};
process.stdout.write(JSON.stringify(result) + '\n');
for (const t of transports) await t.close().catch(() => undefined);
gw.kill('SIGTERM');
await new Promise((r) => gw.once('exit', r));
rmSync(dir, { recursive: true, force: true });
process.exit(0);
