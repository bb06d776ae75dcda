/** `portcullis revoke --session ID | --principal ID [--for 1h]`: through the running gateway's admin API. */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('revoke')
    .description('end a session, or refuse a principal, on a running gateway (admin API)')
    .option('--session <id>', 'session id (see GET /api/sessions)')
    .option('--principal <id>', 'principal, e.g. user:alice')
    .option('--for <duration>', 'how long the revocation holds', '1h')
    .option('--admin <url>', 'admin URL of the gateway', 'http://127.0.0.1:7401')
    .option('--token <token>', 'admin token (admin.token), or PORTCULLIS_ADMIN_TOKEN')
    .action(async (o: { session?: string; principal?: string; for: string; admin: string; token?: string }) => {
      if (!o.session === !o.principal) throw new Error('give exactly one of --session or --principal');
      const what = o.session ? `sessions/${encodeURIComponent(o.session)}` : `principals/${encodeURIComponent(o.principal!)}`;
      const token = o.token ?? process.env.PORTCULLIS_ADMIN_TOKEN;
      const r = await fetch(`${o.admin.replace(/\/$/, '')}/api/${what}/revoke?for=${encodeURIComponent(o.for)}`, {
        method: 'POST',
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      const body = await r.text();
      if (!r.ok) throw new Error(`admin API answered ${r.status}: ${body}`);
      process.stdout.write(body + '\n');
    });
}
