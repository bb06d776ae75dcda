/** `portcullis start`: run the gateway over HTTP with a config (default: the bundled demo). */
import type { Command } from 'commander';
import { startRuntime } from '../gateway/runtime.js';
import type { Config } from '../config/schema.js';
import { loadOrExit, parsePort, resolveDataDir } from './common.js';
import { releaseYoungGeneration } from '../util/young-gen.js';

/** The admin token is shown once, when this start created it (with a console link that carries it); afterwards only where it lives. */
function adminTokenLines(adminUrl: string | undefined, t: { file: string; created?: string } | undefined): string[] {
  if (!t || !adminUrl) return [];
  if (t.created) {
    return [
      `  console        ${adminUrl}/#token=${t.created}`,
      `  admin token    ${t.created}`,
      `                 (shown once; kept in ${t.file}, mode 0600; rotate: portcullis admin token)`,
    ];
  }
  return [`  console        ${adminUrl}/   (admin token in ${t.file})`];
}

export function register(program: Command): void {
  program
    .command('start')
    .description('start the gateway: MCP over Streamable HTTP (and legacy SSE), admin API on a separate port')
    .option('-c, --config <file>', 'config file (YAML or JSON); default: the bundled demo config')
    .option('--host <host>', 'MCP listen address (default from config: 127.0.0.1)')
    .option('--port <n>', 'MCP port (default from config: 7400)', parsePort)
    .option('--admin-port <n>', 'admin port (default from config: 7401)', parsePort)
    .option('--data-dir <dir>', 'data directory (default ./.portcullis or PORTCULLIS_DATA_DIR)')
    .action(async (opts: { config?: string; host?: string; port?: number; adminPort?: number; dataDir?: string }) => {
      const { config, file } = await loadOrExit(opts.config);
      if (opts.host) config.listen.host = opts.host;
      if (opts.port !== undefined) config.listen.port = opts.port;
      if (opts.adminPort !== undefined) config.admin.port = opts.adminPort;
      const dataDir = resolveDataDir(config, opts.dataDir);
      const rt = await startRuntime({ config, dataDir, ...(file ? { configFile: file } : {}) });
      process.stderr.write(banner({ version: rt.gateway.version, file, dataDir, mcpUrl: rt.mcpUrl, adminUrl: rt.adminUrl, adminToken: rt.adminToken, servers: rt.gateway.servers.map((s) => s.name), config }));
      releaseYoungGeneration(); // loaded: V8's default young-generation growth from here on (util/young-gen.ts)
      let stopping = false;
      const stop = (sig: string) => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`\n${sig}: shutting down\n`);
        rt.close().finally(() => process.exit(0));
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
}

/** What `start` prints: where to connect, and a client snippet that works as printed (with the key header when keys are on). */
export function banner(o: { version: string; file?: string; dataDir: string; mcpUrl?: string; adminUrl?: string; adminToken?: { file: string; created?: string }; servers: string[]; config: Config }): string {
  const auth = o.config.auth;
  const apiKeys = auth !== 'none' && auth.apiKeys;
  const jwt = auth !== 'none' && auth.jwt !== undefined;
  const entry: Record<string, unknown> = { type: 'http', url: o.mcpUrl };
  if (apiKeys) entry.headers = { Authorization: 'Bearer <key from portcullis keys create>' };
  const cfg = o.file ? ` -c ${o.file.includes(' ') ? JSON.stringify(o.file) : o.file}` : '';
  return [
    '',
    `Portcullis ${o.version} is running (config ${o.file ?? 'demo'}, data ${o.dataDir})`,
    `  MCP endpoint   ${o.mcpUrl}   (legacy SSE: ${o.mcpUrl?.replace(/\/mcp$/, '')}/sse)`,
    `  admin          ${o.adminUrl}   (/healthz /readyz /metrics /api)`,
    ...adminTokenLines(o.adminUrl, o.adminToken),
    `  upstreams      ${o.servers.join(', ') || '(none)'}`,
    `  auth           ${auth === 'none' ? 'none (loopback only)' : [apiKeys ? 'API keys' : '', jwt ? 'OAuth bearer JWTs' : ''].filter(Boolean).join(', ')}`,
    '',
    'Add it to an MCP client, e.g. Claude Code / Cursor / VS Code (mcp.json):',
    JSON.stringify({ mcpServers: { portcullis: entry } }, null, 2),
    ...(apiKeys ? [`Create the key with: portcullis keys create --principal <name>${cfg}`] : []),
    ...(jwt && !apiKeys ? ['Clients authenticate with OAuth (the client fetches a token from your authorization server).'] : []),
    '',
  ].join('\n');
}
