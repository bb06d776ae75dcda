// The seven paths compared, each able to start its processes, open client sessions against the
// `everything` upstream (server-everything) and the `sized` upstream (bench/fixtures/sized.mjs),
// and name the process(es) whose memory and CPU count as "the proxy" (none for the direct paths).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2HttpTransport } from '@modelcontextprotocol/client';
import { freePort, startProcess, tcpOpen } from './procs.mjs';

export function env0(ROOT, RUN, TMP, GW_ROOT = ROOT) {
  const NODE = process.execPath;
  return {
    ROOT,
    GW_ROOT,
    RUN,
    TMP,
    NODE,
    CLI: path.join(GW_ROOT, 'dist/cli/index.js'),
    EVERYTHING: path.join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js'),
    SIZED: path.join(ROOT, 'bench/fixtures/sized.mjs'),
    RELAY: path.join(ROOT, 'bench/fixtures/relay.mjs'),
    MCP_PROXY: path.join(ROOT, 'node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs'),
    SUPERGATEWAY: path.join(ROOT, 'node_modules/supergateway/dist/index.js'),
  };
}

/** Upstream commands; the trailing run-id argument is ignored by both servers and marks the processes. */
/** Add a session to `sessions`, and take it out again when it is closed. */
function tracked(sessions, s) {
  sessions.add(s);
  const close = s.close;
  s.close = async () => {
    sessions.delete(s);
    await close();
  };
  return s;
}

export function upstreamArgs(E, server) {
  return server === 'everything' ? [E.EVERYTHING, 'stdio', `--bench-run=${E.RUN}`] : [E.SIZED, `--bench-run=${E.RUN}`];
}

const CLIENT_INFO = { name: 'portcullis-bench', version: '1.0.0' };

async function connectStdio(command, args, { stderrTail = true } = {}) {
  const t0 = performance.now();
  const transport = new StdioClientTransport({ command, args, stderr: 'pipe' });
  let err = '';
  transport.stderr?.on('data', (d) => {
    if (stderrTail) err = (err + d).slice(-4000);
  });
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  await client.connect(transport, { timeout: 60_000 });
  await client.listTools(undefined, { timeout: 60_000 });
  const setupMs = performance.now() - t0;
  return {
    client,
    setupMs,
    pid: transport.pid ?? undefined,
    stderr: () => err,
    async close() {
      await client.close().catch(() => {});
    },
  };
}

async function connectHttp(url, headers = {}) {
  const t0 = performance.now();
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  await client.connect(transport, { timeout: 60_000 });
  await client.listTools(undefined, { timeout: 60_000 });
  const setupMs = performance.now() - t0;
  return {
    client,
    setupMs,
    async close() {
      await transport.terminateSession().catch(() => {});
      await client.close().catch(() => {});
    },
  };
}

/** A 2026-07-28 client (v2 SDK, pinned: every call a stateless request with the _meta envelope, no session). */
async function connectEnvelope(url, headers = {}) {
  const t0 = performance.now();
  const v2 = new V2Client(CLIENT_INFO, { capabilities: {}, versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await v2.connect(new V2HttpTransport(new URL(url), { requestInit: { headers } }), { timeout: 60_000 });
  await v2.listTools(undefined, { timeout: 60_000 });
  const setupMs = performance.now() - t0;
  return {
    // The runner calls client.callTool(params, schema, options) (the v1 signature); v2 takes (params, options).
    client: { callTool: (params, _schema, options) => v2.callTool(params, options) },
    setupMs,
    async close() {
      await v2.close().catch(() => {});
    },
  };
}

const PLAIN_TOOLS = { echo: 'echo', big: 'get-tiny-image', sized: 'sized' };
const GATEWAY_TOOLS = { echo: 'everything__echo', big: 'everything__get-tiny-image', sized: 'sized__sized' };

export function yamlServers(E, { shared = false } = {}) {
  const [ea, sa] = [upstreamArgs(E, 'everything'), upstreamArgs(E, 'sized')];
  const q = (s) => JSON.stringify(s);
  return [
    'mcpServers:',
    `  everything: { command: ${q(E.NODE)}, args: [${ea.map(q).join(', ')}]${shared ? ', shared: true' : ''} }`,
    `  sized: { command: ${q(E.NODE)}, args: [${sa.map(q).join(', ')}]${shared ? ', shared: true' : ''} }`,
  ].join('\n');
}

/** Does the built CLI have `keys create`? */
export function hasKeysCommand(E) {
  const r = spawnSync(E.NODE, [E.CLI, 'keys', 'create', '--help'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 && /--principal/.test(r.stdout + r.stderr);
}

export function createKey(E, cfg, dataDir) {
  const r = spawnSync(E.NODE, [E.CLI, 'keys', 'create', '--principal', 'bench', '-c', cfg, '--data-dir', dataDir], { encoding: 'utf8', timeout: 30_000 });
  const key = r.stdout.trim().split('\n')[0];
  if (r.status !== 0 || !key) throw new Error(`keys create failed (${r.status}): ${r.stderr.trim().slice(0, 300)}`);
  return key;
}

/** Start `portcullis start` with this config text; resolves when /readyz is 200. */
export async function startGateway(E, name, configText, { env, prepare } = {}) {
  const dir = path.join(E.TMP, name);
  const dataDir = path.join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const cfg = path.join(dir, 'portcullis.yaml');
  writeFileSync(cfg, configText);
  const extra = prepare ? prepare(cfg, dataDir) : {};
  const { NODE_ARGS = [], ...procEnv } = env ?? {};
  const p = await startProcess(name, E.NODE, [...NODE_ARGS, E.CLI, 'start', '-c', cfg, '--port', '0', '--admin-port', '0', '--data-dir', dataDir], {
    cwd: dir,
    env: procEnv,
    timeoutMs: 60_000,
    ready: (out) => {
      const m = /MCP endpoint\s+(http:\/\/\S+)/.exec(out);
      const a = /admin\s+(http:\/\/\S+)/.exec(out);
      return m && a ? { mcp: m[1], admin: a[1] } : undefined;
    },
    probe: async (pp) => (await fetch(`${pp.match.admin}/readyz`)).status === 200,
  });
  return { proc: p, mcpUrl: p.match.mcp, adminUrl: p.match.admin, cfg, dataDir, ...extra };
}

/**
 * Each path: { id, label, short, start(ctx) → { connect(server), pids(), tools, notes[], close() } }.
 * `opts.fullAuth` decides auth for path 4 (detected once by the runner).
 */
export function definePaths(E, opts) {
  const note = [];
  return [
    {
      id: 'direct-stdio',
      label: '1 direct stdio',
      async start() {
        const sessions = new Set();
        return {
          tools: PLAIN_TOOLS,
          pids: () => [],
          async connect(server) {
            const s = await connectStdio(E.NODE, upstreamArgs(E, server));
            sessions.add(s);
            return s;
          },
          async close() {
            await Promise.all([...sessions].map((s) => s.close()));
          },
        };
      },
    },
    {
      id: 'direct-http',
      label: '2 direct Streamable HTTP',
      async start() {
        const port = await freePort();
        const ev = await startProcess('everything-http', E.NODE, [E.EVERYTHING, 'streamableHttp', `--bench-run=${E.RUN}`], {
          env: { PORT: String(port) },
          ready: (o) => /listening on port/i.test(o),
          probe: () => tcpOpen(port),
        });
        const sz = opts.quick ? undefined : await startProcess('sized-http', E.NODE, [E.SIZED, '--http', '0', `--bench-run=${E.RUN}`], { ready: (o) => /LISTENING (\d+)/.exec(o)?.[1] });
        const urls = { everything: `http://127.0.0.1:${port}/mcp`, sized: sz && `http://127.0.0.1:${sz.match}/mcp` };
        const sessions = new Set();
        return {
          tools: PLAIN_TOOLS,
          raw: { url: urls.everything, headers: {} },
          noSized: !sz,
          notes: sz ? [] : ['result sizes not measured in --quick (saves starting a second upstream)'],
          pids: () => [],
          async connect(server) {
            const s = await connectHttp(urls[server]);
            sessions.add(s);
            return s;
          },
          async close() {
            await Promise.all([...sessions].map((s) => s.close()));
            await Promise.all([ev.close(), sz?.close()]);
          },
        };
      },
    },
    {
      id: 'portcullis-empty',
      label: '3 Portcullis HTTP→stdio, empty pipeline',
      async start() {
        const cfg = [
          'auth: none',
          'pipeline: { disable: [validate, registry, inspect, authz, flow, rate] }',
          'limits: { maxChildren: 256, maxSessionsPerPrincipal: 512, maxChildrenPerPrincipal: 256 }', // the capacity phase ramps many sessions as one principal
          yamlServers(E),
          '',
        ].join('\n');
        const g = await startGateway(E, 'gw-empty', cfg);
        return gatewayCtx(g);
      },
    },
    {
      id: 'portcullis-full',
      label: '4 Portcullis HTTP→stdio, full pipeline',
      async start() {
        const useKeys = opts.keys;
        const cfg = [
          useKeys ? 'auth: { apiKeys: true }' : 'auth: none',
          'limits: { maxChildren: 256, maxSessionsPerPrincipal: 512, maxChildrenPerPrincipal: 256 }', // the capacity phase ramps many sessions as one principal
          'registry: { mode: observe }',
          ...(opts.noScorer ? ['inspect: { learnedScorer: false }'] : []),
          'policy:',
          '  allow:',
          `    - { id: bench-allow, principal: ${useKeys ? '"user:bench"' : '"*"'}, tools: ["everything__*", "sized__*"], prompts: ["everything__*"], resources: ["*"] }`,
          '  deny:',
          '    - { id: bench-deny-env, principal: "*", tools: ["everything__get-env"] }',
          '  watch: false',
          yamlServers(E),
          '',
        ].join('\n');
        let key;
        const g = await startGateway(E, 'gw-full', cfg, {
          prepare: (file, dataDir) => {
            if (useKeys) key = createKey(E, file, dataDir);
            return {};
          },
        });
        const headers = key ? { Authorization: `Bearer ${key}` } : {};
        const ctx = gatewayCtx(g, headers);
        ctx.notes = [];
        if (!useKeys) ctx.notes.push('auth none: `portcullis keys create` is not in this build');
        // Is the key actually required? (tells "auth configured" from "auth enforced")
        const r = await fetch(g.mcpUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: CLIENT_INFO } }),
        }).catch((e) => ({ status: `error ${e.message}` }));
        await r.body?.cancel?.().catch(() => {});
        if (useKeys && r.status !== 401) ctx.notes.push(`apiKeys configured but an initialize without a key got ${r.status}, not 401 (auth not enforced by this build)`);
        ctx.key = key;
        return ctx;
      },
    },
    {
      id: 'portcullis-stdio',
      label: '5 Portcullis stdio wrap',
      start: () => {
        let n = 0;
        return stdioProxyCtx((server) => {
          const dataDir = path.join(E.TMP, 'wrap', String(++n));
          mkdirSync(dataDir, { recursive: true });
          return [E.CLI, 'stdio', '--data-dir', dataDir, '--', E.NODE, ...upstreamArgs(E, server)];
        });
      },
    },
    {
      id: 'mcp-proxy',
      label: '6 mcp-proxy (stdio→Streamable HTTP)',
      async start() {
        const procs = await startHttpProxies('mcp-proxy', (server, port) => [E.MCP_PROXY, '--port', String(port), '--host', '127.0.0.1', '--server', 'stream', '--', E.NODE, ...upstreamArgs(E, server)]);
        const ctx = httpProxyCtx(procs);
        ctx.notes.unshift('one upstream child, started with the proxy, shared by all sessions (its design): setup spawns nothing');
        return ctx;
      },
    },
    {
      id: 'supergateway',
      label: '7 supergateway (stdio→Streamable HTTP, stateful)',
      async start() {
        const procs = await startHttpProxies('supergateway', (server, port) => {
          const cmd = [E.NODE, ...upstreamArgs(E, server)].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ');
          return [E.SUPERGATEWAY, '--stdio', cmd, '--outputTransport', 'streamableHttp', '--stateful', '--port', String(port), '--logLevel', 'none'];
        });
        const ctx = httpProxyCtx(procs);
        ctx.notes.unshift('stateful mode (one child per session); binds all interfaces (no host option), used over loopback');
        return ctx;
      },
    },
    {
      id: 'null-relay',
      label: '8 null stdio relay (reference)',
      start: () => {
        const ctx = stdioProxyCtx((server) => [E.RELAY, `--bench-run=${E.RUN}`, E.NODE, ...upstreamArgs(E, server)]);
        ctx.notes = ['a process that only copies bytes between client and server: what any stdio proxy costs on this machine before it does any work'];
        return ctx;
      },
    },
    {
      id: 'portcullis-envelope',
      label: '9 Portcullis HTTP→stdio, full pipeline, 2026-07-28 client',
      async start() {
        const cfg = [
          'auth: none',
          'limits: { maxChildren: 256, maxSessionsPerPrincipal: 512, maxChildrenPerPrincipal: 256 }', // the capacity phase ramps many sessions as one principal
          'registry: { mode: observe }',
          'policy:',
          '  allow:',
          '    - { id: bench-allow, principal: "*", tools: ["everything__*", "sized__*"], prompts: ["everything__*"], resources: ["*"] }',
          '  deny:',
          '    - { id: bench-deny-env, principal: "*", tools: ["everything__get-env"] }',
          '  watch: false',
          yamlServers(E),
          '',
        ].join('\n');
        const g = await startGateway(E, 'gw-envelope', cfg);
        const sessions = new Set();
        return {
          gateway: g,
          tools: GATEWAY_TOOLS,
          notes: ['v2 SDK client pinned to 2026-07-28: stateless requests (per-request _meta envelope, Mcp-Method/Mcp-Name headers), no Mcp-Session-Id; clients of one principal share the gateway state behind their envelope'],
          pids: () => [g.proc.pid],
          async connect() {
            return tracked(sessions, await connectEnvelope(g.mcpUrl));
          },
          async close() {
            await Promise.all([...sessions].map((s) => s.close()));
            await g.proc.close();
          },
        };
      },
    },
  ];

  function gatewayCtx(g, headers = {}) {
    const sessions = new Set();
    return {
      gateway: g,
      tools: GATEWAY_TOOLS,
      raw: { url: g.mcpUrl, headers },
      pids: () => [g.proc.pid],
      async connect(server) {
        const s = await connectHttp(g.mcpUrl, headers);
        return tracked(sessions, s);
      },
      async close() {
        await Promise.all([...sessions].map((s) => s.close()));
        await g.proc.close();
      },
    };
  }

  /** A path whose client spawns a proxy process per session over stdio: `argsFor(server)` is its command line after node. */
  function stdioProxyCtx(argsFor) {
    const sessions = new Set();
    return {
      tools: PLAIN_TOOLS,
      pids: () => [...sessions].filter((s) => s.server === 'everything' && s.pid).map((s) => s.pid),
      async connect(server) {
        const s = await connectStdio(E.NODE, argsFor(server));
        s.server = server;
        return tracked(sessions, s);
      },
      async close() {
        await Promise.all([...sessions].map((s) => s.close()));
      },
    };
  }

  /** One HTTP proxy process per upstream (`argsFor(server, port)` after node), each ready when its port answers. */
  async function startHttpProxies(name, argsFor) {
    const procs = {};
    for (const server of opts.quick ? ['everything'] : ['everything', 'sized']) {
      const port = await freePort();
      procs[server] = await startProcess(`${name}-${server}`, E.NODE, argsFor(server, port), { probe: () => tcpOpen(port) });
      procs[server].url = `http://127.0.0.1:${port}/mcp`;
    }
    return procs;
  }

  function httpProxyCtx(procs) {
    const sessions = new Set();
    return {
      tools: PLAIN_TOOLS,
      noSized: !procs.sized,
      notes: procs.sized ? [] : ['result sizes not measured in --quick (saves starting a second proxy and upstream)'],
      raw: { url: procs.everything.url, headers: {} },
      pids: () => [procs.everything.pid],
      async connect(server) {
        const s = await connectHttp(procs[server].url);
        return tracked(sessions, s);
      },
      async close() {
        await Promise.all([...sessions].map((s) => s.close()));
        await Promise.all(Object.values(procs).map((p) => p.close()));
      },
    };
  }
}

export { connectHttp, connectStdio, existsSync };
