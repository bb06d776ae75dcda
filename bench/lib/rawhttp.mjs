// A lean Streamable HTTP client (raw node:http, keep-alive, one socket): initialize once, then
// tools/call POSTs, reading JSON or SSE answers. It takes the SDK client's own cost out of the
// figure, so HTTP paths can be compared on what the server side costs.
import http from 'node:http';

export function post(agent, u, body, headers) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(
      {
        agent,
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': Buffer.byteLength(data), ...headers },
      },
      (res) => {
        const chunks = [];
        res.on('data', (d) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(data);
  });
}

function answer(r, id) {
  if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${r.text.slice(0, 200)}`);
  if (String(r.headers['content-type']).includes('text/event-stream')) {
    for (const line of r.text.split('\n')) {
      if (!line.startsWith('data:')) continue;
      const m = JSON.parse(line.slice(5));
      if (m.id === id) return m;
    }
    throw new Error(`no answer to ${id} in the SSE stream`);
  }
  return JSON.parse(r.text);
}

export async function rawSession(url, headers = {}) {
  const u = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let id = 0;
  const init = await post(agent, u, { jsonrpc: '2.0', id: ++id, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'portcullis-bench-raw', version: '1.0.0' } } }, headers);
  const sid = init.headers['mcp-session-id'];
  answer(init, 1);
  const h = { ...headers, ...(sid ? { 'mcp-session-id': sid } : {}), 'mcp-protocol-version': '2025-06-18' };
  await post(agent, u, { jsonrpc: '2.0', method: 'notifications/initialized' }, h);
  return {
    async call(name, args) {
      const i = ++id;
      const m = answer(await post(agent, u, { jsonrpc: '2.0', id: i, method: 'tools/call', params: { name, arguments: args } }, h), i);
      if (m.error || m.result?.isError) throw new Error(`${name}: ${JSON.stringify(m.error ?? m.result).slice(0, 200)}`);
      return m;
    },
    async close() {
      if (sid) {
        await new Promise((resolve) => {
          const req = http.request({ agent, host: u.hostname, port: u.port, path: u.pathname, method: 'DELETE', headers: h }, (res) => {
            res.resume();
            res.on('end', resolve);
          });
          req.on('error', resolve);
          req.end();
        });
      }
      agent.destroy();
    },
  };
}
