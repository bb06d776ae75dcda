// The demo gateway as `npm start` runs it: `dist/cli/index.js start` on the embedded defaults (no -c: the
// bundled examples/demo config), only the ports and the data directory changed. Its RSS idle after start,
// then after one SDK session has listed the tools and called `everything__echo` (which starts the demo's
// upstream children: server-everything per session, server-memory pooled), and the children's RSS.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { rssKb, sleep, startProcess } from './procs.mjs';
import { connectHttp } from './paths.mjs';
import { median } from './stats.mjs';

async function rssSample(pid, n = 3) {
  const xs = [];
  for (let i = 0; i < n; i++) {
    xs.push(rssKb(pid));
    await sleep(200);
  }
  return median(xs);
}

/** Direct children of pid and their RSS (KB), from /proc. */
function children(pid) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push({ pid: Number(d), rssKb: rssKb(Number(d)) ?? 0 });
    } catch {
      /* gone */
    }
  }
  return out;
}

export async function benchDemo(E, { calls = 50 } = {}) {
  const dir = path.join(E.TMP, 'gw-demo');
  mkdirSync(dir, { recursive: true });
  // The run id in an argument marks the process for the sweep (commander ignores nothing, so it goes in the data dir's path).
  const dataDir = path.join(dir, `data-${E.RUN}`);
  const p = await startProcess('gw-demo', E.NODE, [E.CLI, 'start', '--port', '0', '--admin-port', '0', '--data-dir', dataDir], {
    cwd: dir,
    timeoutMs: 60_000,
    ready: (out) => {
      const m = /MCP endpoint\s+(http:\/\/\S+)/.exec(out);
      const a = /admin\s+(http:\/\/\S+)/.exec(out);
      return m && a ? { mcp: m[1], admin: a[1] } : undefined;
    },
    // No /readyz probe: readiness starts each pooled upstream to see that it can, which `npm start` alone
    // does not do. The banner is printed once everything is up.
  });
  try {
    await sleep(2000);
    const idleKb = await rssSample(p.pid);
    const kidsIdle = children(p.pid).length;
    // The first session's setup and first call: what loading on first use (the detectors) costs once.
    const t0 = performance.now();
    const s = await connectHttp(p.match.mcp);
    await s.client.callTool({ name: 'everything__echo', arguments: { message: 'first' } }, undefined, { timeout: 60_000 });
    const firstMs = performance.now() - t0;
    for (let i = 0; i < calls; i++) await s.client.callTool({ name: 'everything__echo', arguments: { message: `demo ${i}` } }, undefined, { timeout: 60_000 });
    await s.client.callTool({ name: 'memory__read_graph', arguments: {} }, undefined, { timeout: 60_000 });
    await sleep(1000);
    const warmKb = await rssSample(p.pid);
    const kids = children(p.pid);
    await s.close();
    return { status: 'ok', idleKb, warmKb, firstMs, calls, childrenIdle: kidsIdle, children: kids.length, childrenKb: kids.reduce((a, k) => a + k.rssKb, 0) };
  } catch (e) {
    return { status: `error: ${e.message.split('\n')[0]}` };
  } finally {
    await p.close();
  }
}
