/**
 * `portcullis status`: is the running gateway ready, and what state is each upstream in?
 * Reads the admin port's `/readyz` (no token needed; it is Host-checked like every admin route)
 * and `/healthz`. Exit 0 when ready, 1 when an upstream or the store is not, 2 when the gateway
 * cannot be reached.
 */
import type { Command } from 'commander';
import { loadOrExit, printTable } from './common.js';

interface Upstream {
  state: string;
  error?: string;
  since?: string;
  retryAfterMs?: number;
}

export function register(program: Command): void {
  program
    .command('status')
    .description("the running gateway's readiness and each upstream server's state (from the admin port)")
    .option('-c, --config <file>', 'config file: the admin address is taken from it')
    .option('--admin <url>', 'admin URL of the gateway (default: from the config, else http://127.0.0.1:7401)')
    .option('--json', 'JSON output')
    .action(async (o: { config?: string; admin?: string; json?: boolean }) => {
      let admin = o.admin;
      if (!admin) {
        if (o.config) {
          const { config } = await loadOrExit(o.config);
          const host = config.admin.host === '0.0.0.0' || config.admin.host === '::' ? '127.0.0.1' : config.admin.host;
          admin = `http://${host.includes(':') ? `[${host}]` : host}:${config.admin.port}`;
        } else admin = 'http://127.0.0.1:7401';
      }
      const base = admin.replace(/\/$/, '');
      let ready: { ready?: boolean; store?: string; upstreams?: Record<string, Upstream> };
      let health: { sessions?: number; children?: number; version?: string };
      try {
        const [r, h] = await Promise.all([fetch(`${base}/readyz`), fetch(`${base}/healthz`)]);
        ready = (await r.json()) as typeof ready;
        health = h.ok ? ((await h.json()) as typeof health) : {};
      } catch (e) {
        process.stderr.write(`cannot reach the gateway's admin port at ${base}: ${(e as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      const ok = ready.ready === true;
      if (o.json) process.stdout.write(JSON.stringify({ admin: base, ...ready, ...health }, null, 2) + '\n');
      else {
        process.stdout.write(
          `gateway ${base}: ${ok ? 'ready' : 'NOT ready'}` +
            (health.version ? `, version ${health.version}` : '') +
            (health.sessions !== undefined ? `, ${health.sessions} session(s), ${health.children ?? 0} child process(es)` : '') +
            (ready.store && ready.store !== 'ok' ? `, store ${ready.store}` : '') +
            '\n',
        );
        const rows = Object.entries(ready.upstreams ?? {}).map(([name, u]) => [
          name,
          u.state,
          u.since ?? '',
          u.state === 'down' ? `${u.error ?? ''}${u.retryAfterMs !== undefined ? ` (next try in ${Math.ceil(u.retryAfterMs / 1000)} s)` : ''}` : '',
        ]);
        if (rows.length > 0) printTable(['UPSTREAM', 'STATE', 'SINCE', 'WHY'], rows);
      }
      if (!ok) process.exitCode = 1;
    });
}
