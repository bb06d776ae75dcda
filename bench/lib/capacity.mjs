// Gateway capacity: RSS of the gateway process while up to N idle sessions are open. Sessions are
// opened with raw HTTP (initialize + notifications/initialized), against a `shared: true` upstream
// so one child serves them all and the figure is the gateway's own memory per session.
import http from 'node:http';
import { post as postTo } from './rawhttp.mjs';
import { rssKb, sleep } from './procs.mjs';
import { median } from './stats.mjs';

const post = (agent, url, body, headers) => postTo(agent, new URL(url), body, headers);

const INIT = (id) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'portcullis-bench-capacity', version: '1.0.0' } },
});

async function openSession(agent, url, auth, i, withList = false) {
  const r = await post(agent, url, INIT(i), auth);
  const sid = r.headers['mcp-session-id'];
  if (r.status !== 200 || !sid) throw new Error(`initialize → ${r.status}: ${r.text.slice(0, 200)}`);
  const h = { ...auth, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' };
  const n = await post(agent, url, { jsonrpc: '2.0', method: 'notifications/initialized' }, h);
  if (n.status !== 202 && n.status !== 200) throw new Error(`notifications/initialized → ${n.status}`);
  if (withList) {
    const l = await post(agent, url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, h);
    if (l.status !== 200) throw new Error(`tools/list → ${l.status}`);
  }
  return sid;
}

async function rssSample(pid) {
  const xs = [];
  for (let i = 0; i < 3; i++) {
    xs.push(rssKb(pid));
    await sleep(150);
  }
  return median(xs);
}

export async function benchCapacity(gw, { sessions, steps, key, concurrency = 16 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const auth = key ? { authorization: `Bearer ${key}` } : {};
  const pid = gw.proc.pid;
  try {
    await openSession(agent, gw.mcpUrl, auth, 0, true); // starts the shared upstream, warms the code paths
    await sleep(800);
    const base = await rssSample(pid);
    const points = [{ sessions: 0, rssKb: base }];
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
      const rss = await rssSample(pid);
      points.push({ sessions: step, rssKb: rss, kbPerSession: (rss - base) / step });
    }
    const last = points[points.length - 1];
    // The gateway's own count, to be sure the sessions are alive (not swept or refused).
    let reported;
    try {
      reported = (await (await fetch(`${gw.adminUrl}/healthz`)).json()).sessions;
    } catch {
      /* no admin health */
    }
    return { status: "ok", baseRssKb: base, points, kbPerSession: last.kbPerSession, sessions: last.sessions, gatewayReportedSessions: reported };
  } catch (e) {
    return { status: `error: ${e.message}` };
  } finally {
    agent.destroy();
  }
}
