/**
 * `portcullis keys create | list | revoke`: API keys for HTTP clients (`Authorization: Bearer pcx_…`).
 * The key is printed once; only its sha256 is stored (SQLite in the data dir, or the configured store).
 */
import type { Command } from 'commander';
import { createApiKey, parseExpiry, revokeApiKey } from '../identity/apikeys.js';
import { printTable, storeFlags, withStore } from './common.js';


function status(k: { revokedAt?: string; expiresAt?: string }, now = Date.now()): string {
  if (k.revokedAt) return 'revoked';
  if (k.expiresAt && Date.parse(k.expiresAt) <= now) return 'expired';
  return 'active';
}

export function register(program: Command): void {
  const keys = program.command('keys').description('API keys for clients (shown once, stored hashed)');

  storeFlags(
    keys
      .command('create')
      .description('create a key and print it once')
      .requiredOption('--principal <name>', 'who the key identifies: NAME (a user), user:NAME or agent:NAME')
      .option('--groups <list>', 'comma-separated groups, e.g. eng,oncall')
      .option('--expires <duration>', 'lifetime, e.g. 90m, 12h, 30d, 4w (default: no expiry)')
      .option('--json', 'machine-readable output'),
  ).action(async (opts: { principal: string; groups?: string; expires?: string; json?: boolean; config?: string; dataDir?: string }) => {
    const expiresInMs = opts.expires ? parseExpiry(opts.expires) : undefined;
    const groups = opts.groups ? opts.groups.split(',').map((g) => g.trim()).filter(Boolean) : [];
    const { key, record } = await withStore(opts, (store) => createApiKey(store, { principal: opts.principal, groups, ...(expiresInMs !== undefined ? { expiresInMs } : {}) }));
    if (opts.json) {
      const { hash: _h, ...pub } = record;
      process.stdout.write(JSON.stringify({ key, ...pub }, null, 2) + '\n');
      return;
    }
    process.stdout.write(`${key}\n`);
    process.stderr.write(
      `created key ${record.id} for ${record.principal}${record.groups.length ? ` (groups: ${record.groups.join(', ')})` : ''}` +
        `${record.expiresAt ? `, expires ${record.expiresAt}` : ', no expiry'}.\n` +
        'This is the only time the key is shown: store it now. Clients send it as "Authorization: Bearer <key>".\n',
    );
  });

  storeFlags(keys.command('list').description('list keys (never the keys themselves)').option('--json', 'machine-readable output')).action(
    async (opts: { json?: boolean; config?: string; dataDir?: string }) => {
      const list = await withStore(opts, (store) => store.listApiKeys());
      const rows = list.map(({ hash: _h, ...k }) => ({ ...k, status: status(k) }));
      if (opts.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      if (rows.length === 0) {
        process.stdout.write('no API keys (create one with `portcullis keys create --principal NAME`)\n');
        return;
      }
      const header = ['ID', 'PRINCIPAL', 'GROUPS', 'CREATED', 'EXPIRES', 'STATUS'];
      printTable(header, rows.map((r) => [r.id, r.principal, r.groups.join(',') || '-', r.createdAt, r.expiresAt ?? '-', r.status]));
    },
  );

  storeFlags(keys.command('revoke').description('revoke a key by its id (the part after pcx_)').argument('<id>', 'key id')).action(
    async (id: string, opts: { config?: string; dataDir?: string }) => {
      const ok = await withStore(opts, (store) => revokeApiKey(store, id));
      if (!ok) {
        process.stderr.write(`no active key with id ${id} (see \`portcullis keys list\`)\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`revoked ${id}\n`);
    },
  );
}
