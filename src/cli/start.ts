/** `portcullis start`: run the gateway over HTTP with a config (default: the bundled demo). */
import type { Command } from 'commander';
import { startRuntime } from '../gateway/runtime.js';
import { loadOrExit, parsePort, resolveDataDir } from './common.js';

/** The admin token is shown once, when this start created it; afterwards only where it lives. */
function adminTokenLines(t: { file: string; created?: string } | undefined): string[] {
  if (!t) return [];
  if (t.created) return [`  admin token    ${t.created}`, `                 (shown once; kept in ${t.file}, mode 0600; rotate: portcullis admin token)`];
  return [`  admin token    in ${t.file}`];
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
      const servers = rt.gateway.servers.map((s) => s.name).join(', ') || '(none)';
      process.stderr.write(
        [
          '',
          `Portcullis ${rt.gateway.version} is running (config ${file ?? 'demo'}, data ${dataDir})`,
          `  MCP endpoint   ${rt.mcpUrl}   (legacy SSE: ${rt.mcpUrl?.replace(/\/mcp$/, '')}/sse)`,
          `  admin          ${rt.adminUrl}   (/healthz /readyz /metrics /api)`,
          ...adminTokenLines(rt.adminToken),
          `  upstreams      ${servers}`,
          '',
          'Add it to an MCP client, e.g. Claude Code / Cursor / VS Code (mcp.json):',
          JSON.stringify({ mcpServers: { portcullis: { type: 'http', url: rt.mcpUrl } } }, null, 2),
          '',
        ].join('\n'),
      );
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
