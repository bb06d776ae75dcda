/** `portcullis revoke --session ID | --principal ID [--for 1h]`: through the running gateway's admin API. */
import type { Command } from 'commander';
import { readTokenFor } from '../admin/token.js';
import { loadOrExit, resolveDataDir, storeFlags, type StoreFlags } from './common.js';

export function register(program: Command): void {
  storeFlags(
    program
      .command('revoke')
      .description('end a session, or refuse a principal, on a running gateway (admin API)')
      .option('--session <id>', 'session id (see GET /api/sessions)')
      .option('--principal <id>', 'principal, e.g. user:alice')
      .option('--for <duration>', 'how long the revocation holds', '1h')
      .option('--admin <url>', 'admin URL of the gateway', 'http://127.0.0.1:7401')
      .option('--token <token>', 'admin token (default: PORTCULLIS_ADMIN_TOKEN, admin.token, or the data dir’s admin-token file)'),
  ).action(async (o: StoreFlags & { session?: string; principal?: string; for: string; admin: string; token?: string }) => {
    if (!o.session === !o.principal) throw new Error('give exactly one of --session or --principal');
    const what = o.session ? `sessions/${encodeURIComponent(o.session)}` : `principals/${encodeURIComponent(o.principal!)}`;
    let token = o.token ?? process.env.PORTCULLIS_ADMIN_TOKEN;
    if (!token) {
      const { config } = await loadOrExit(o.config);
      token = config.admin.token ?? readTokenFor(resolveDataDir(config, o.dataDir));
    }
    if (!token) throw new Error('no admin token: pass --token, set PORTCULLIS_ADMIN_TOKEN, or point --data-dir at the gateway’s data dir');
    const r = await fetch(`${o.admin.replace(/\/$/, '')}/api/${what}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ for: o.for }),
    });
    const body = await r.text();
    if (!r.ok) throw new Error(`admin API answered ${r.status}: ${body}`);
    process.stdout.write(body + '\n');
  });
}
