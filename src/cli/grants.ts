/**
 * `portcullis grants add | list | revoke`: just-in-time grants (src/credentials/grants.ts).
 * They act on the store directly (a running gateway sees a grant on the next call: grants are
 * read at decision time), and each change is written to the audit chain.
 */
import os from 'node:os';
import type { Command } from 'commander';
import { resolveServers } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { GrantError, grantEvent, newGrant, parseDurationMs } from '../credentials/grants.js';
import type { Store } from '../store/types.js';
import { storeFlags, withStore, type StoreFlags } from './common.js';
import { safeField as safeText } from '../util/terminal.js';

/** `alice` → `user:alice`; `user:…`, `agent:…` and `anonymous` as given. */
export function principalId(p: string): string {
  return /^(user|agent):/.test(p) || p === 'anonymous' ? p : `user:${p}`;
}

/** `github__merge_pull_request` → { server: github, tool: merge_pull_request }, by the configured servers. */
export function splitTool(config: Config, exposed: string): { server: string; tool: string } {
  const sep = config.namespace.separator;
  const names = resolveServers(config).map((s) => s.name);
  const hits = names.filter((n) => exposed.startsWith(n + sep) && exposed.length > n.length + sep.length);
  if (hits.length !== 1) {
    throw new GrantError(hits.length === 0 ? `"${exposed}" names no tool of a configured server (expected <server>${sep}<tool>; servers: ${names.join(', ') || 'none'})` : `"${exposed}" is ambiguous between servers ${hits.join(', ')}`);
  }
  return { server: hits[0]!, tool: exposed.slice(hits[0]!.length + sep.length) };
}

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
        let principal = o.principal ? principalId(o.principal) : undefined;
        let server: string | undefined;
        let tool: string | undefined;
        let argsDigest: string | undefined;
        if (o.fromEvent) {
          const ev = (await store.queryAudit({ id: o.fromEvent, limit: 1 }))[0]?.event;
          if (!ev) throw new GrantError(`no audit event ${o.fromEvent}`);
          if (ev.method !== 'tools/call' || !ev.server || !ev.target) throw new GrantError(`event ${o.fromEvent} is not a tools/call (it is ${ev.method})`);
          if (ev.decision !== 'deny') throw new GrantError(`event ${o.fromEvent} was not denied (${ev.decision}): nothing to grant`);
          if (principal && principal !== ev.principal.id) throw new GrantError(`event ${o.fromEvent} is a call by ${ev.principal.id}, not ${principal}`);
          principal = ev.principal.id;
          ({ server, tool } = splitTool(config, ev.target));
          argsDigest = ev.argsDigest;
        }
        if (o.tool) {
          const t = splitTool(config, o.tool);
          if (server !== undefined && (t.server !== server || t.tool !== tool)) throw new GrantError(`--tool ${o.tool} differs from the event's tool`);
          ({ server, tool } = t);
        }
        if (!principal || !server || !tool) throw new GrantError('give --principal and --tool, or --from-event');
        let args: Record<string, unknown> | undefined;
        if (o.args !== undefined) {
          try {
            args = JSON.parse(o.args) as Record<string, unknown>;
          } catch (e) {
            throw new GrantError(`--args is not JSON: ${(e as Error).message}`);
          }
          if (!args || typeof args !== 'object' || Array.isArray(args)) throw new GrantError('--args must be a JSON object');
        }
        const g = newGrant({
          principal,
          server,
          tool,
          forMs: parseDurationMs(o.for),
          reason: o.reason,
          createdBy: operator(),
          ...(args ? { arguments: args } : {}),
          ...(argsDigest ? { argsDigest } : {}),
          ...(o.fromEvent ? { requestEvent: o.fromEvent } : {}),
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
