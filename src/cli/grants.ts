/**
 * `portcullis grants add | list | revoke`: just-in-time grants (src/credentials/grants.ts).
 * They act on the store directly (a running gateway sees a grant on the next call: grants are
 * read at decision time), and each change is written to the audit chain.
 */
import os from 'node:os';
import type { Command } from 'commander';
import { GrantError, grantEvent, grantFromRequest, parseDurationMs } from '../credentials/grants.js';
import type { Store } from '../store/types.js';
import { storeFlags, withStore, type StoreFlags } from './common.js';
import { safeField as safeText } from '../util/terminal.js';

function operator(): string {
  return process.env.PORTCULLIS_OPERATOR ?? `os:${os.userInfo().username}`;
}

async function audit(store: Store, ev: Parameters<Store['appendAuditChain']>[0][number]): Promise<void> {
  await store.appendAuditChain([ev]);
}

export function register(program: Command): void {
  const grants = program.command('grants').description('just-in-time grants: let a principal call one tool for a limited time');

  storeFlags(grants.command('add'))
    .description('grant a principal a tool call for a limited time (a Cedar forbid still wins)')
    .option('--principal <id>', 'who (alice, user:alice, agent:ci-bot); with --from-event, taken from the event')
    .option('--tool <name>', 'the namespaced tool, e.g. github__merge_pull_request; with --from-event, taken from the event')
    .option('--args <json>', 'only calls whose arguments contain these keys with these values')
    .option('--from-event <eventId>', 'the denied call to grant (error.data.eventId): principal, tool and its exact arguments')
    .requiredOption('--for <duration>', 'how long (e.g. 30m, 2h; at most 24h)')
    .requiredOption('--reason <text>', 'why (recorded in the audit log)')
    .option('--json', 'JSON output')
    .action(async (o: StoreFlags & { principal?: string; tool?: string; args?: string; fromEvent?: string; for: string; reason: string; json?: boolean }) => {
      await withStore(o, async (store, config) => {
        let args: Record<string, unknown> | undefined;
        if (o.args !== undefined) {
          try {
            args = JSON.parse(o.args) as Record<string, unknown>;
          } catch (e) {
            throw new GrantError(`--args is not JSON: ${(e as Error).message}`);
          }
          if (!args || typeof args !== 'object' || Array.isArray(args)) throw new GrantError('--args must be a JSON object');
        }
        if (!o.fromEvent && (!o.principal || !o.tool)) throw new GrantError('give --principal and --tool, or --from-event');
        const g = await grantFromRequest(store, config, {
          ...(o.principal ? { principal: o.principal } : {}),
          ...(o.tool ? { tool: o.tool } : {}),
          ...(args ? { arguments: args } : {}),
          ...(o.fromEvent ? { fromEvent: o.fromEvent } : {}),
          forMs: parseDurationMs(o.for),
          reason: o.reason,
          createdBy: operator(),
        });
        await store.createGrant(g);
        await audit(store, grantEvent('add', g, g.createdBy, 'cli'));
        if (o.json) process.stdout.write(JSON.stringify(g, null, 2) + '\n');
        else process.stdout.write(`granted ${g.id}: ${safeText(g.principal)} may call ${safeText(g.server)}/${safeText(g.tool)} until ${g.expiresAt}\n`);
      });
    });

  storeFlags(grants.command('list'))
    .description('active grants (--all: with expired and revoked ones)')
    .option('--all', 'include expired and revoked grants')
    .option('--json', 'JSON output')
    .action(async (o: StoreFlags & { all?: boolean; json?: boolean }) => {
      await withStore(o, async (store) => {
        const rows = await store.listGrants({ all: o.all === true });
        if (o.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
          return;
        }
        if (rows.length === 0) process.stdout.write(o.all ? 'no grants\n' : 'no active grants\n');
        const now = new Date().toISOString();
        for (const g of rows) {
          const state = g.revokedAt ? `revoked ${g.revokedAt}` : g.expiresAt <= now ? `expired ${g.expiresAt}` : `until ${g.expiresAt}`;
          const args = g.arguments ? ` args ${JSON.stringify(g.arguments)}` : g.argsDigest ? ' (exact arguments)' : '';
          process.stdout.write(safeText(`${g.id}\t${g.principal}\t${g.server}/${g.tool}${args}\t${state}\tby ${g.createdBy}: ${g.reason}`) + '\n');
        }
      });
    });

  storeFlags(grants.command('revoke <id>'))
    .description('end a grant now')
    .action(async (id: string, o: StoreFlags) => {
      await withStore(o, async (store) => {
        const by = operator();
        if (!(await store.revokeGrant(id, by))) {
          process.stderr.write(`no active grant ${safeText(id)}\n`);
          process.exitCode = 1;
          return;
        }
        const g = (await store.getGrant(id))!;
        await audit(store, grantEvent('revoke', g, by, 'cli'));
        process.stdout.write(`revoked ${safeText(id)}\n`);
      });
    });
}
