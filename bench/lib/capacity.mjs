// Gateway capacity: RSS of the gateway process while up to N idle sessions are open. Sessions are
// opened with raw HTTP (initialize + notifications/initialized, session era: Mcp-Session-Id), against a
// `shared: true` upstream so one child serves them all and the figure is the gateway's own memory per
// session. With `memprobe` (the gateway started with memprobeArgs()), also the live heap after GC.
import http from 'node:http';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { post as postTo } from './rawhttp.mjs';
import { rssKb, sleep } from './procs.mjs';
import { median } from './stats.mjs';

const post = (agent, url, body, headers) => postTo(agent, new URL(url), body, headers);

/** The session-era revision the idle sessions speak (the newest one with Mcp-Session-Id). */
export const CAPACITY_PROTOCOL = '2025-11-25';

const INIT = (id, protocolVersion) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion, capabilities: {}, clientInfo: { name: 'portcullis-bench-capacity', version: '1.0.0' } },
});

async function openSession(agent, url, auth, i, withList = false, protocolVersion = CAPACITY_PROTOCOL) {
  const r = await post(agent, url, INIT(i, protocolVersion), auth);
  const sid = r.headers['mcp-session-id'];
  if (r.status !== 200 || !sid) throw new Error(`initialize → ${r.status}: ${r.text.slice(0, 200)}`);
  const negotiated = JSON.parse(r.text).result?.protocolVersion;
  if (negotiated !== protocolVersion) throw new Error(`initialize negotiated ${negotiated}, not ${protocolVersion}`);
  const h = { ...auth, 'mcp-session-id': sid, 'mcp-protocol-version': protocolVersion };
  const n = await post(agent, url, { jsonrpc: '2.0', method: 'notifications/initialized' }, h);
  if (n.status !== 202 && n.status !== 200) throw new Error(`notifications/initialized → ${n.status}`);
  if (withList) {
    const l = await post(agent, url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, h);
    if (l.status !== 200) throw new Error(`tools/list → ${l.status}`);
  }
  return sid;
}

const MEMPROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'memprobe.mjs');

/** Node flags and environment that make a gateway answer heapAfterGc(): give them to startGateway. */
export function memprobeArgs(file) {
  return { NODE_ARGS: ['--expose-gc', '--import', MEMPROBE], PORTCULLIS_BENCH_MEMPROBE: file };
}

/** The gateway's memoryUsage() after two full GCs (bytes), through bench/lib/memprobe.mjs; undefined without it. */
export async function heapAfterGc(pid, file) {
  if (!file) return undefined;
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 200; i++) {
    await sleep(25);
    if (existsSync(file)) {
      try {
        const m = JSON.parse(readFileSync(file, 'utf8'));
        return m.gc ? m : undefined;
      } catch {
        /* being written */
      }
    }
  }
  return undefined;
}

async function rssSample(pid) {
  const xs = [];
  for (let i = 0; i < 3; i++) {
    xs.push(rssKb(pid));
    await sleep(150);
  }
  return median(xs);
}

export async function benchCapacity(gw, { sessions, steps, key, concurrency = 16, memprobe }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const auth = key ? { authorization: `Bearer ${key}` } : {};
  const pid = gw.proc.pid;
  try {
    await openSession(agent, gw.mcpUrl, auth, 0, true); // starts the shared upstream, warms the code paths
    await sleep(800);
    const heap0 = await heapAfterGc(pid, memprobe);
    const base = await rssSample(pid);
    const points = [{ sessions: 0, rssKb: base, ...(heap0 ? { heapKb: heap0.heapUsed / 1024 } : {}) }];
    let opened = 0;
    for (const step of steps.filter((s) => s <= sessions)) {
      let next = opened;
      const worker = async () => {
        while (next < step) {
          const i = ++next;
          await openSession(agent, gw.mcpUrl, auth, i);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      opened = step;
      await sleep(500);
      const heap = await heapAfterGc(pid, memprobe);
      const rss = await rssSample(pid);
      const heapKb = heap ? heap.heapUsed / 1024 : undefined;
      points.push({ sessions: step, rssKb: rss, kbPerSession: (rss - base) / step, ...(heap0 && heap ? { heapKb, heapKbPerSession: (heapKb - heap0.heapUsed / 1024) / step } : {}) });
    }
    const last = points[points.length - 1];
    // The gateway's own count, to be sure the sessions are alive (not swept or refused).
    let reported;
    try {
      reported = (await (await fetch(`${gw.adminUrl}/healthz`)).json()).sessions;
    } catch {
      /* no admin health */
    }
    return { status: 'ok', protocolVersion: CAPACITY_PROTOCOL, baseRssKb: base, points, kbPerSession: last.kbPerSession, heapKbPerSession: last.heapKbPerSession, sessions: last.sessions, gatewayReportedSessions: reported };
  } catch (e) {
    return { status: `error: ${e.message}` };
  } finally {
    agent.destroy();
  }
}
