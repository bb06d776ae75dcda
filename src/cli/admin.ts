/**
 * `portcullis admin token [--viewer]`: rotate the admin (or read-only viewer) token of a data dir
 * and print the new one. A running gateway picks it up at once; the old token stops working.
 */
import type { Command } from 'commander';
import { rotateTokenFile } from '../admin/token.js';
import { loadOrExit, resolveDataDir, storeFlags, type StoreFlags } from './common.js';

export function register(program: Command): void {
  const admin = program.command('admin').description('the admin port: its credentials');
  storeFlags(
    admin
      .command('token')
      .description('rotate the admin token (printed once; the old one stops working at once)')
      .option('--viewer', 'the read-only viewer token instead (GET /api/*, /metrics)'),
  ).action(async (opts: StoreFlags & { viewer?: boolean }) => {
    const { config } = await loadOrExit(opts.config);
    const role = opts.viewer ? 'viewer' : 'admin';
    if ((role === 'admin' ? config.admin.token : config.admin.viewerToken) !== undefined) {
      throw new Error(`admin.${role === 'admin' ? 'token' : 'viewerToken'} is set in the config and replaces the token file: change it there`);
    }
    const dataDir = resolveDataDir(config, opts.dataDir);
    const { file, token } = rotateTokenFile(dataDir, role);
    process.stderr.write(`new ${role} token written to ${file} (mode 0600); the previous one no longer works\n`);
    process.stdout.write(token + '\n');
  });
}
