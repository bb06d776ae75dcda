/**
 * `portcullis registry list | approve | quarantine | retire | diff`: the inventory of upstream
 * servers and of the tools, prompts and resource templates they list, with pinned definition
 * hashes and their status. Reads and writes the store of the data dir (or the configured store);
 * a running gateway picks the change up within seconds.
 */
import type { Command } from 'commander';
import type { Config } from '../config/schema.js';
import type { DefinitionKind, DefinitionRecord, RegistryStatus, ServerRecord } from '../store/types.js';
import { Registry, RegistryError } from '../registry/registry.js';
import { storeFlags, withStore, type StoreFlags } from './common.js';
import { escapeControl, safeField } from '../util/terminal.js';
import { redactTarget } from '../util/redact-url.js';

const STATUSES: RegistryStatus[] = ['pending', 'approved', 'quarantined', 'retired'];
const KINDS = ['tool', 'prompt', 'resource_template', 'instructions', 'server'] as const;

type Out = (s: string) => void;

function withRegistry<T>(flags: StoreFlags, fn: (r: Registry, config: Config) => Promise<T>): Promise<T> {
  return withStore(flags, async (store, config) => {
    // Status changes from the CLI never run the poisoning scanner: give it a no-op one.
    const registry = await Registry.open(store, config, { scanner: { scanToolDefinition: () => [], scanServerInstructions: () => [] } });
    return fn(registry, config);
  });
}

export function register(program: Command): void {
  const reg = program.command('registry').description('inventory of servers and pinned tool definitions: list, approve, quarantine, retire, diff');
  const run = (p: Promise<number>) =>
    p.then(
      (code) => {
        process.exitCode = code;
      },
      (e: unknown) => {
        if (e instanceof RegistryError) {
          process.stderr.write(`portcullis registry: ${e.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw e;
      },
    );
  const stdout: Out = (s) => process.stdout.write(s);

  storeFlags(
    reg
      .command('list')
      .description('servers, tools, prompts and resource templates with their status')
      .option('--status <status>', `only this status (${STATUSES.join(', ')})`)
      .option('--server <name>', 'only this server')
      .option('--json', 'machine-readable output'),
  ).action((flags: StoreFlags & { status?: string; server?: string; json?: boolean }) => run(withRegistry(flags, (r) => registryList(r, flags, stdout))));

  for (const [verb, help] of [
    ['approve', 'admit a server, tool, prompt or resource template (pins its current definition)'],
    ['quarantine', 'hide it and deny its calls'],
    ['retire', 'take it out of service for good (a copy under another name is held too)'],
  ] as const) {
    const c = storeFlags(
      reg
        .command(verb)
        .description(help)
        .argument('<name>', 'server, server__tool (as the client sees it), or a tool name that only one server has')
        .option('--kind <kind>', `what NAME is when ambiguous (${KINDS.join(', ')})`)
        .option('--reason <text>', 'why (recorded in the registry)')
        .option('--by <who>', 'who decided (default: $USER)'),
    );
    if (verb === 'approve') c.option('--all', "with a server: also approve its pending tools, prompts and templates (quarantined ones still need a look each)");
    c.action((name: string, flags: StoreFlags & { kind?: string; reason?: string; by?: string; all?: boolean }) =>
      run(withRegistry(flags, (r) => registrySetStatus(r, verb, name, flags, stdout))),
    );
  }

  storeFlags(
    reg
      .command('diff')
      .description('show how a definition changed (rug pull) or what a held tool copies')
      .argument('<name>', 'server__tool')
      .option('--kind <kind>', `what NAME is when ambiguous (${KINDS.join(', ')})`),
  ).action((name: string, flags: StoreFlags & { kind?: string }) => run(withRegistry(flags, (r) => registryDiff(r, name, flags, stdout))));
}

function parseKind(kind: string | undefined): DefinitionKind | 'server' | undefined {
  if (kind === undefined) return undefined;
  if (!(KINDS as readonly string[]).includes(kind)) throw new RegistryError(`--kind: expected one of ${KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  return kind as DefinitionKind | 'server';
}

export async function registryList(r: Registry, flags: { status?: string; server?: string; json?: boolean }, out: Out): Promise<number> {
  if (flags.status !== undefined && !STATUSES.includes(flags.status as RegistryStatus)) {
    throw new RegistryError(`--status: expected one of ${STATUSES.join(', ')}, got ${JSON.stringify(flags.status)}`);
  }
  const { servers, definitions } = await r.list({
    ...(flags.status ? { status: flags.status as RegistryStatus } : {}),
    ...(flags.server ? { server: flags.server } : {}),
  });
  if (flags.json) {
    out(
      JSON.stringify(
        {
          servers: servers.map((s) => ({ ...s, target: redactTarget(s.target) })),
          definitions: definitions.map((d) => ({ id: r.idOf(d.kind, d.server, d.name), kind: d.kind, server: d.server, name: d.name, status: d.status, ...(d.reason ? { reason: d.reason } : {}), hash: d.hash, firstSeen: d.firstSeen, lastSeen: d.lastSeen })),
        },
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  out(formatList(r, servers, definitions));
  return 0;
}

function table(head: string[], rawRows: string[][]): string {
  const rows = rawRows.map((r) => r.map((c) => escapeControl(c ?? '')));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

function formatList(r: Registry, servers: ServerRecord[], defs: DefinitionRecord[]): string {
  const parts: string[] = [];
  if (servers.length > 0) {
    parts.push(table(['SERVER', 'STATUS', 'TRANSPORT', 'OWNER', 'LAST SEEN', 'TARGET'], servers.map((s) => [s.name, s.status, s.transport, s.owner ?? '-', s.lastSeen.slice(0, 19), redactTarget(s.target)])));
  }
  if (defs.length > 0) {
    parts.push(
      table(
        ['NAME', 'KIND', 'STATUS', 'HASH', 'LAST SEEN', 'REASON'],
        defs.map((d) => [r.idOf(d.kind, d.server, d.name), d.kind === 'resource_template' ? 'template' : d.kind, d.status, d.hash.slice(0, 12), d.lastSeen.slice(0, 19), d.reason ?? '']),
      ),
    );
  }
  if (parts.length === 0) return 'the registry is empty (servers are recorded when the gateway first connects to them)\n';
  const q = defs.filter((d) => d.status === 'quarantined');
  if (q.length > 0) parts.push(`${q.length} quarantined: review with \`portcullis registry diff ${r.idOf(q[0]!.kind, q[0]!.server, q[0]!.name)}\`, re-admit with \`portcullis registry approve NAME\`\n`);
  return parts.join('\n');
}

export async function registrySetStatus(
  r: Registry,
  verb: 'approve' | 'quarantine' | 'retire',
  name: string,
  flags: { kind?: string; reason?: string; by?: string; all?: boolean },
  out: Out,
): Promise<number> {
  const kind = parseKind(flags.kind);
  const by = flags.by ?? process.env.USER ?? process.env.USERNAME;
  const opts = { ...(kind ? { kind } : {}), ...(by ? { by } : {}), ...(flags.reason ? { reason: flags.reason } : {}), ...(flags.all ? { all: true } : {}) };
  const events = verb === 'approve' ? await r.approve(name, opts) : verb === 'quarantine' ? await r.quarantine(name, opts) : await r.retire(name, opts);
  for (const e of events) out(`${e.kind === 'server' ? `server ${safeField(e.server)}` : `${e.kind} ${safeField(r.idOf(e.kind, e.server, e.name))}`}: ${e.status}\n`);
  if (verb === 'approve') {
    for (const server of new Set(events.filter((e) => e.kind !== 'server').map((e) => e.server))) {
      const st = r.serverStatus(server);
      if (st && st !== 'approved') out(`note: server ${server} is ${st}, so its tools stay hidden: \`portcullis registry approve ${server}\`\n`);
    }
  }
  return 0;
}

export async function registryDiff(r: Registry, name: string, flags: { kind?: string }, out: Out): Promise<number> {
  const kind = parseKind(flags.kind);
  if (kind === 'server') throw new RegistryError('diff takes a tool, prompt, resource template or instructions');
  out(await r.diff(name, kind ? { kind } : {}));
  return 0;
}
