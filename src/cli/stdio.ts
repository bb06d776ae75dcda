/**
 * `portcullis stdio`: the gateway over stdin/stdout, so a client config that starts a server
 * can start Portcullis instead. `-c FILE` serves the aggregated gateway; `-- CMD ARGS…` wraps
 * one server with its tool names unchanged.
 */
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { startRuntime } from '../gateway/runtime.js';
import { releaseYoungGeneration } from '../util/young-gen.js';
import { parseConfigText } from '../config/load.js';
import { loadOrExit, resolveDataDir } from './common.js';

export function register(program: Command): void {
  program
    .command('stdio')
    .description('serve MCP over stdio: `-c FILE` for the configured servers, or `-- CMD ARGS…` to wrap one server')
    .option('-c, --config <file>', 'config file')
    .option('--name <name>', 'server name when wrapping a command (default: derived from the command)')
    .option('--data-dir <dir>', 'data directory')
    .option('--admin', 'also start the admin port')
    .argument('[command...]', 'server command to wrap (after --)')
    .action(async (command: string[], opts: { config?: string; name?: string; dataDir?: string; admin?: boolean }) => {
      const loaded = opts.config ? await loadOrExit(opts.config) : { config: parseConfigText('auth: { apiKeys: false }\n', '<stdio>') };
      const config = loaded.config;
      let servers;
      if (command.length > 0) {
        const [cmd, ...args] = command as [string, ...string[]];
        const name = opts.name ?? wrappedName(cmd, args);
        const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
        // Wrapping keeps the server's names (prefix "") and its environment, as the client configured them.
        servers = [{ name, spec: { command: cmd, args, env, prefix: '' } }];
      }
      // Without -c, a wrapped server's data (registry pins, audit log) goes to ~/.portcullis: the
      // folder a desktop client starts servers in may be `/` or change between clients.
      const fallback = opts.config || process.env.PORTCULLIS_DATA_DIR ? undefined : path.join(os.homedir(), '.portcullis');
      const dataDir = resolveDataDir(config, opts.dataDir ?? fallback);
      const configFile = 'file' in loaded ? loaded.file : undefined;
      const rt = await startRuntime({ config, dataDir, stdio: true, servers, admin: opts.admin ?? false, ...(configFile ? { configFile } : {}) });
      releaseYoungGeneration(); // loaded: V8's default young-generation growth from here on (util/young-gen.ts)
      // stdout carries MCP: the admin URL and a newly created token go to stderr, once.
      if (rt.adminUrl) process.stderr.write(`portcullis: admin ${rt.adminUrl}${rt.adminToken?.created ? `, admin token ${rt.adminToken.created} (shown once; kept in ${rt.adminToken.file})` : ''}\n`);
      const stop = () => void rt.close().finally(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      await rt.stdioDone;
      await rt.close();
      process.exit(0);
    });
}

function wrappedName(cmd: string, args: string[]): string {
  // `npx -y @scope/server-foo` → server-foo; `node path/to/x.js` → x
  const candidate = [...args].reverse().find((a) => !a.startsWith('-') && /[a-z]/i.test(a)) ?? cmd;
  const base = path.basename(candidate).replace(/\.(m?js|ts|py)$/, '').replace(/^@[^/]+\//, '');
  return base.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40) || 'server';
}
