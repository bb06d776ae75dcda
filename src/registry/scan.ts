/**
 * The shadow-server scan behind `portcullis scan`: discover client configs, judge each server,
 * optionally connect to each and run the poisoning scanner over its tools.
 */
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { Finding, Severity } from '../detect/types.js';
import { SEVERITY_RANK } from '../detect/types.js';
import type { Store } from '../store/types.js';
import { analyzeServer, DEFAULT_LISTENER, routedCommand, type KnownServer, type Listener, type ScanFinding, type ScannedServer } from './analyze.js';
import { commandLine, discover, type ConfigProblem, type DiscoveredServer } from './discovery.js';
import { listServerTools } from './connect.js';
import { redactUrl } from '../util/redact-url.js';
import { escapeControl } from '../util/terminal.js';

export interface ScanOptions {
  /** Home dir to scan (default: the user's). */
  root?: string;
  /** More project directories (default: the current directory when root is the default). */
  extraDirs?: string[];
  /** The gateway config: its listeners count as routed, its servers as registered. */
  config?: Config;
  /** Registry store: its servers count as registered. */
  store?: Store;
  /** Start / connect to each server and scan its tools. */
  connect?: boolean;
  connectTimeoutMs?: number;
  /** How many servers to connect to at once. */
  concurrency?: number;
  /** The poisoning scanner for `connect` (default src/detect/poisoning.ts). */
  scanTool?: (tool: Record<string, unknown>, opts: { otherToolNames?: string[] }) => Finding[];
}

export interface ScanReport {
  root: string;
  servers: ScannedServer[];
  problems: ConfigProblem[];
}

export function listenersOf(config: Config | undefined): Listener[] {
  if (!config) return [DEFAULT_LISTENER];
  const out: Listener[] = [{ host: config.listen.host, port: config.listen.port, path: config.listen.path }];
  if (config.listen.publicUrl) {
    try {
      const u = new URL(config.listen.publicUrl);
      out.push({ host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)), path: u.pathname || '/' });
    } catch {
      /* validated by the schema */
    }
  }
  return out;
}

export async function knownServers(config: Config | undefined, store: Store | undefined): Promise<KnownServer[]> {
  const out: KnownServer[] = [];
  if (config) {
    const names = new Set([...Object.keys(config.mcpServers), ...Object.keys(config.servers)]);
    for (const name of names) {
      const base = (config.mcpServers[name] ?? {}) as Record<string, unknown>;
      const over = (config.servers[name] ?? {}) as Record<string, unknown>;
      const m = { ...base, ...Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)) };
      const target = typeof m.command === 'string' ? commandLine(m.command, Array.isArray(m.args) ? (m.args as string[]) : []) : typeof m.url === 'string' ? m.url : '';
      out.push({ name, target, source: 'config' });
    }
  }
  if (store) for (const s of await store.listServers()) if (s.status !== 'retired') out.push({ name: s.name, target: s.target, source: 'registry' });
  return out;
}

export async function scanMachine(opts: ScanOptions = {}): Promise<ScanReport> {
  const root = path.resolve(opts.root ?? os.homedir());
  const extraDirs = opts.extraDirs ?? (opts.root === undefined ? [process.cwd()] : []);
  const found = discover({ root, extraDirs });
  const ctx = { listeners: listenersOf(opts.config), known: await knownServers(opts.config, opts.store) };
  const servers = found.servers.map((s) => analyzeServer(s, ctx));
  if (opts.connect) await connectAndScan(found.servers, servers, opts);
  return { root, servers, problems: found.problems };
}

async function connectAndScan(discovered: DiscoveredServer[], scanned: ScannedServer[], opts: ScanOptions): Promise<void> {
  const scanTool = opts.scanTool ?? (await import('../detect/poisoning.js')).scanToolDefinition as unknown as NonNullable<ScanOptions['scanTool']>;
  const listed: Array<Array<Record<string, unknown>> | undefined> = new Array(discovered.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= discovered.length) return;
      const s = discovered[i]!;
      // A routed server is judged by what it runs behind the wrapper.
      const inner = s.command ? routedCommand(s.command, s.args).inner : undefined;
      try {
        const r = await listServerTools(s, { timeoutMs: opts.connectTimeoutMs ?? 15_000, ...(inner ? { command: inner } : {}) });
        listed[i] = r.tools;
      } catch (e) {
        scanned[i]!.findings.push({ category: 'connect', severity: 'info', message: `could not list tools: ${e instanceof Error ? e.message : String(e)}` });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, discovered.length)) }, worker));
  for (let i = 0; i < discovered.length; i++) {
    const tools = listed[i];
    if (!tools) continue;
    const others: string[] = [];
    listed.forEach((t, j) => {
      if (j !== i && t) for (const x of t) if (typeof x.name === 'string') others.push(x.name);
    });
    const out: ScanFinding[] = [];
    for (const tool of tools) {
      for (const f of scanTool(tool, { otherToolNames: others })) {
        out.push({ category: 'tool_poisoning', severity: f.severity, message: `[MCP03] tool ${String(tool.name)}: ${f.message ?? f.category}${f.field ? ` (in ${f.field})` : ''}` });
      }
    }
    out.push({ category: 'tools', severity: 'info', message: `${tools.length} tool${tools.length === 1 ? '' : 's'}: ${tools.map((t) => String(t.name)).join(', ')}` });
    scanned[i]!.findings.push(...out);
    scanned[i]!.findings.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  }
}

/** Highest severity across the report, or undefined. */
export function worstSeverity(r: ScanReport): Severity | undefined {
  let worst: Severity | undefined;
  for (const s of r.servers) for (const f of s.findings) if (!worst || SEVERITY_RANK[f.severity] > SEVERITY_RANK[worst]) worst = f.severity;
  return worst;
}

/** Does any finding reach the threshold? */
export function failsAt(r: ScanReport, threshold: Severity): boolean {
  return r.servers.some((s) => s.findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[threshold]));
}

/** The `--json` shape: exactly client, file, name, command|url, routed, registered, shadow, findings. */
export function toJson(r: ScanReport): { servers: Array<Record<string, unknown>> } {
  return {
    servers: r.servers.map((s) => ({
      client: s.client,
      file: s.file,
      name: s.name,
      ...(s.command !== undefined ? { command: s.command } : { url: s.url === undefined ? s.url : redactUrl(s.url) }),
      routed: s.routed,
      registered: s.registered,
      shadow: s.shadow,
      findings: s.findings.map((f) => ({ category: f.category, severity: f.severity, message: f.message })),
    })),
  };
}

/** A readable table plus the findings of each server. */
export function formatTable(r: ScanReport, opts: { home?: string } = {}): string {
  const home = opts.home ?? r.root;
  const short = (f: string) => (f.startsWith(home + path.sep) ? `~${path.sep}${path.relative(home, f)}` : f);
  // Names and paths come from config files on the machine: escaped, so they cannot forge lines or drive the terminal.
  const rows = r.servers.map((s) => [
    s.client,
    s.name,
    s.routed ? 'yes' : 'no',
    s.registered ? 'yes' : 'no',
    s.shadow ? 'SHADOW' : '-',
    countBySeverity(s.findings),
    short(s.file),
  ].map((c) => escapeControl(c)));
  const head = ['CLIENT', 'SERVER', 'ROUTED', 'REGISTERED', 'SHADOW', 'FINDINGS', 'CONFIG'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const out: string[] = [line(head), ...rows.map(line)];
  const withFindings = r.servers.filter((s) => s.findings.some((f) => f.severity !== 'info'));
  if (withFindings.length > 0) out.push('');
  for (const s of withFindings) {
    out.push(escapeControl(`${s.client} ${s.name} (${s.command ?? redactUrl(s.url ?? '')}):`));
    for (const f of s.findings) if (f.severity !== 'info') out.push(`  ${f.severity.toUpperCase().padEnd(8)} ${escapeControl(f.message)}`);
  }
  for (const p of r.problems) out.push(`could not read ${short(p.file)} (${p.client}): ${p.error}`);
  const shadows = r.servers.filter((s) => s.shadow).length;
  const routed = r.servers.filter((s) => s.routed).length;
  out.push('', `${r.servers.length} server${r.servers.length === 1 ? '' : 's'} in ${new Set(r.servers.map((s) => s.file)).size} config files: ${routed} routed through Portcullis, ${shadows} shadow.`);
  return out.join('\n') + '\n';
}

function countBySeverity(findings: ScanFinding[]): string {
  const order: Severity[] = ['critical', 'high', 'medium', 'low'];
  const parts = order.map((s) => [s, findings.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`);
  return parts.length ? parts.join(', ') : '-';
}
