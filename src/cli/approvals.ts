/**
 * `portcullis approvals list | approve | deny`: decide the tickets of calls a policy holds for a
 * human (`@obligation("approve")`). Works on the store directly, like `keys`, so it needs no running
 * gateway; the client's retry of the same call then goes through once (see
 * pipeline/interceptors/approval.ts). The admin API offers the same (`/api/approvals`).
 */
import os from 'node:os';
import type { Command } from 'commander';
import { ms } from '../config/schema.js';
import { decideTicket } from '../pipeline/interceptors/approval.js';
import type { ApprovalRecord } from '../store/types.js';
import { printTable, storeFlags, withStore } from './common.js';

const STATUSES = ['pending', 'approved', 'denied', 'expired'] as const;

interface Flags {
  config?: string;
  dataDir?: string;
}

export function register(program: Command): void {
  const approvals = program.command('approvals').description('tickets of calls waiting for a human decision');

  storeFlags(
    approvals
      .command('list')
      .description('list tickets (default: pending)')
      .option('--status <status>', `one of ${STATUSES.join(', ')}, or all`, 'pending')
      .option('--json', 'machine-readable output'),
  ).action(async (opts: Flags & { status: string; json?: boolean }) => {
    if (opts.status !== 'all' && !(STATUSES as readonly string[]).includes(opts.status)) throw new Error(`--status must be one of ${STATUSES.join(', ')}, all`);
    const list = await withStore(opts, (store) => store.listApprovals(opts.status === 'all' ? undefined : (opts.status as ApprovalRecord['status'])));
    if (opts.json) {
      process.stdout.write(JSON.stringify(list, null, 2) + '\n');
      return;
    }
    if (list.length === 0) {
      process.stdout.write(`no ${opts.status === 'all' ? '' : `${opts.status} `}tickets\n`);
      return;
    }
    printTable(
      ['TICKET', 'STATUS', 'PRINCIPAL', 'TARGET', 'CREATED', 'EXPIRES', 'DECIDED BY', 'SUMMARY'],
      list.map((a) => [a.ticket, a.usedAt ? `${a.status} (used)` : a.status, a.principal, a.target ?? '-', a.createdAt, a.expiresAt ?? '-', a.decidedBy ?? '-', a.summary]),
    );
  });

  for (const verdict of ['approve', 'deny'] as const) {
    storeFlags(
      approvals
        .command(verdict)
        .description(verdict === 'approve' ? 'let the ticket’s call through once, when the client sends it again' : 'refuse the ticket’s call')
        .argument('<ticket>', 'ticket id (apr_…)')
        .option('--by <name>', 'who decides, recorded in the audit event', `user:${os.userInfo().username}`),
    ).action(async (ticket: string, opts: Flags & { by: string }) => {
      const ok = await withStore(opts, (store, config) => decideTicket(store, ticket, verdict, opts.by, ms(config.approvals.ttl, 15 * 60_000)));
      if (!ok) {
        process.stderr.write(`no pending ticket ${ticket}: unknown, decided already, or expired (see \`portcullis approvals list --status all\`)\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`${verdict === 'approve' ? 'approved' : 'denied'} ${ticket} (by ${opts.by})\n`);
    });
  }
}
