/**
 * `portcullis wrap FILE`: rewrite an MCP client config so that each stdio server runs through
 * `portcullis stdio -- <command> <args…>`. The file is edited in place where possible so that
 * comments and formatting survive (JSON/JSONC by value spans, YAML through its document model,
 * TOML line edits); env and every other key are kept; remote (URL) servers are left alone with a
 * note; servers already routed are untouched (idempotent). A backup `FILE.bak-<timestamp>` is
 * written before the change.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../config/load.js';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { parseDocument } from 'yaml';
import { routedCommand } from './analyze.js';
import { unifiedDiff } from './diff.js';
import { extractServers, parseConfigText, type ClientId, type ConfigFormat, type DiscoveredServer, type Layout } from './discovery.js';
import { jsoncSpans } from './jsonc.js';

export interface WrapOptions {
  /**
   * How the client should start Portcullis: a command line split on spaces (`--portcullis-cmd`),
   * or an argv. Default (`defaultPortcullisCmd`): this installation, by absolute paths.
   */
  portcullisCmd?: string | readonly string[];
  dryRun?: boolean;
  now?: Date;
}

export interface WrapResult {
  file: string;
  client: ClientId | 'unknown';
  wrapped: string[];
  /** Servers left alone, with why. */
  skipped: Array<{ name: string; why: string }>;
  notes: string[];
  /** Unified diff of the change ('' when nothing changed). */
  diff: string;
  backup?: string;
  written: boolean;
}

/** Guess format, layout and client from the file's name and content. */
export function detectConfig(file: string, text: string): { format: ConfigFormat; layout: Layout; client: ClientId | 'unknown'; doc: unknown } {
  const base = path.basename(file).toLowerCase();
  const norm = file.replace(/\\/g, '/');
  let format: ConfigFormat = 'json';
  if (base.endsWith('.toml')) format = 'toml';
  else if (base.endsWith('.yaml') || base.endsWith('.yml')) format = 'yaml';
  else if (/\/(\.vscode|Code[^/]*\/User|\.zed|zed)\//.test(norm) || base === 'settings.json') format = 'jsonc';
  const doc = parseConfigText(text, format);
  const o = (doc ?? {}) as Record<string, unknown>;
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  let client: ClientId | 'unknown' = 'unknown';
  if (base === 'claude_desktop_config.json') client = 'claude-desktop';
  else if (base === '.claude.json' || base === '.mcp.json') client = 'claude-code';
  else if (norm.includes('/.cursor/')) client = 'cursor';
  else if (norm.includes('/windsurf/')) client = 'windsurf';
  else if (norm.includes('/zed/') || norm.includes('/.zed/')) client = 'zed';
  else if (norm.includes('/.continue/')) client = 'continue';
  else if (norm.includes('/.gemini/')) client = 'gemini-cli';
  else if (norm.includes('/.codex/') || format === 'toml') client = 'codex';
  else if (norm.includes('/.vscode/') || /\/Code[^/]*\/User\//.test(norm)) client = 'vscode';
  let layout: Layout;
  if (format === 'toml') layout = { type: 'map', at: ['mcp_servers'] };
  else if (base === '.claude.json' || (isObj(o.projects) && Object.values(o.projects).some((p) => isObj(p) && 'mcpServers' in p))) layout = { type: 'claude-code' };
  else if (Array.isArray(o.mcpServers) || (isObj(o.experimental) && 'modelContextProtocolServers' in o.experimental)) layout = { type: 'continue' };
  else if (isObj(o.mcpServers)) layout = { type: 'map', at: ['mcpServers'] };
  else if (isObj(o.context_servers)) layout = { type: 'map', at: ['context_servers'] };
  else if (isObj(o.servers)) layout = { type: 'map', at: ['servers'] };
  else if (isObj(o.mcp) && isObj(o.mcp.servers)) layout = { type: 'map', at: ['mcp', 'servers'] };
  else if (isObj(o.mcp_servers)) layout = { type: 'map', at: ['mcp_servers'] };
  else layout = { type: 'map', at: ['mcpServers'] };
  return { format, layout, client, doc };
}

/**
 * How a client starts this installation: the Node binary running now and this package's CLI
 * script, both absolute, so the command works with the bare PATH a desktop client gives its
 * servers and does not depend on a package registry (`portcullis` is not published there; a
 * `npx portcullis` line would fail with a 404 and break every server it wraps).
 */
export function defaultPortcullisCmd(): string[] {
  return [process.execPath, path.join(PACKAGE_ROOT, 'dist', 'cli', 'index.js')];
}

export function splitPortcullisCmd(cmd: string | readonly string[]): string[] {
  return typeof cmd === 'string' ? cmd.trim().split(/\s+/).filter(Boolean) : [...cmd];
}

/**
 * Refuse a Portcullis command that would not start: run `<cmd> --version` and expect a version.
 * (A registry package that does not exist, a typo, a moved install: all caught before the client
 * config is rewritten.)
 */
export function checkPortcullisCmd(cmd: string | readonly string[], timeoutMs = 30_000): { ok: true; version: string } | { ok: false; why: string } {
  const pc = splitPortcullisCmd(cmd);
  if (pc.length === 0) return { ok: false, why: 'the command is empty' };
  const r = spawnSync(pc[0]!, [...pc.slice(1), '--version'], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) return { ok: false, why: `${pc[0]}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}` };
  const out = (r.stdout ?? '').trim();
  if (r.status !== 0 || !/^\d+\.\d+\.\d+/.test(out)) {
    const detail = (r.stderr ?? '').trim().split('\n').filter(Boolean).slice(-1)[0] ?? `exit ${r.status ?? r.signal}`;
    return { ok: false, why: `\`${pc.join(' ')} --version\` failed: ${detail}` };
  }
  return { ok: true, version: out };
}

/** The wrapped command of one server. */
export function wrappedCommand(portcullisCmd: string | readonly string[], command: string, args: readonly string[], name?: string): { command: string; args: string[] } {
  const pc = splitPortcullisCmd(portcullisCmd);
  if (pc.length === 0) throw new Error('--portcullis-cmd is empty');
  // The client's name for the server becomes the registry's (server names: letters, digits, _ . -).
  const safe = name?.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 40);
  return { command: pc[0]!, args: [...pc.slice(1), 'stdio', ...(safe ? ['--name', safe] : []), '--', command, ...args] };
}

/** Where the command and args of an entry are, relative to the document. */
function commandPath(s: DiscoveredServer): Array<string | number> {
  if (s.shape === 'zed-command-object') return [...s.path, 'command'];
  if (s.shape === 'continue-transport') return [...s.path, 'transport'];
  return s.path;
}
function commandKey(s: DiscoveredServer): string {
  return s.shape === 'zed-command-object' ? 'path' : 'command';
}

function timestamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Rewrite one client config file. */
export function wrapConfigFile(file: string, opts: WrapOptions & { portcullisCmd: string | readonly string[] }): WrapResult {
  const abs = path.resolve(file);
  const text = readFileSync(abs, 'utf8');
  const { format, layout, client, doc } = detectConfig(abs, text);
  const servers = extractServers({ client: client === 'unknown' ? 'claude-desktop' : client, file: abs, layout, scope: 'user' }, doc);
  const result: WrapResult = { file: abs, client, wrapped: [], skipped: [], notes: [], diff: '', written: false };
  const toWrap: Array<{ s: DiscoveredServer; cmd: { command: string; args: string[] } }> = [];
  for (const s of servers) {
    const label = s.scope.startsWith('project:') ? `${s.name} (${s.scope})` : s.name;
    if (!s.command) {
      result.skipped.push({ name: label, why: `remote server (${s.url}): point the client at the Portcullis listener and add the URL to the gateway config instead` });
      continue;
    }
    if (routedCommand(s.command, s.args).routed) {
      result.skipped.push({ name: label, why: 'already routed through Portcullis' });
      continue;
    }
    toWrap.push({ s, cmd: wrappedCommand(opts.portcullisCmd, s.command, s.args, s.name) });
    result.wrapped.push(label);
  }
  if (servers.length === 0) result.notes.push('no MCP servers found in this file');
  if (toWrap.length === 0) return result;

  let out: string;
  if (format === 'json' || format === 'jsonc') out = editJson(text, toWrap, result);
  else if (format === 'yaml') out = editYaml(text, toWrap);
  else out = editToml(text, toWrap, result);

  // Check the edit: every wrapped server must now be routed, nothing else changed.
  const after = extractServers({ client: 'claude-desktop', file: abs, layout, scope: 'user' }, parseConfigText(out, format));
  for (const { s } of toWrap) {
    const a = after.find((x) => JSON.stringify(x.path) === JSON.stringify(s.path));
    if (!a || !a.command || !routedCommand(a.command, a.args).routed || JSON.stringify(a.env) !== JSON.stringify(s.env)) {
      throw new Error(`${abs}: could not rewrite server ${s.name} safely; the file was not changed`);
    }
  }
  result.diff = unifiedDiff(text, out, { fromLabel: abs, toLabel: `${abs} (wrapped)` });
  if (opts.dryRun) return result;
  const backup = `${abs}.bak-${timestamp(opts.now ?? new Date())}`;
  copyFileSync(abs, backup);
  const tmp = `${abs}.portcullis-tmp-${process.pid}`;
  writeFileSync(tmp, out, { mode: statSync(abs).mode & 0o777 });
  renameSync(tmp, abs);
  result.backup = backup;
  result.written = true;
  return result;
}

function jsonArray(a: readonly string[]): string {
  return `[${a.map((x) => JSON.stringify(x)).join(', ')}]`;
}

function editJson(text: string, toWrap: Array<{ s: DiscoveredServer; cmd: { command: string; args: string[] } }>, result: WrapResult): string {
  let spans: Map<string, import('./jsonc.js').ValueSpan>;
  try {
    spans = jsoncSpans(text);
  } catch {
    result.notes.push('the file could not be edited in place; it was rewritten as plain JSON (comments dropped)');
    return rewriteJson(text, toWrap);
  }
  const edits: Array<{ start: number; end: number; text: string }> = [];
  for (const { s, cmd } of toWrap) {
    const base = commandPath(s);
    const cmdSpan = spans.get(JSON.stringify([...base, commandKey(s)]));
    if (!cmdSpan) return rewriteJson(text, toWrap);
    edits.push({ start: cmdSpan.start, end: cmdSpan.end, text: JSON.stringify(cmd.command) });
    const argsSpan = spans.get(JSON.stringify([...base, 'args']));
    if (argsSpan) edits.push({ start: argsSpan.start, end: argsSpan.end, text: jsonArray(cmd.args) });
    else edits.push({ start: cmdSpan.end, end: cmdSpan.end, text: `, "args": ${jsonArray(cmd.args)}` });
  }
  edits.sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

function rewriteJson(text: string, toWrap: Array<{ s: DiscoveredServer; cmd: { command: string; args: string[] } }>): string {
  const doc = parseConfigText(text, 'jsonc') as Record<string, unknown>;
  for (const { s, cmd } of toWrap) {
    const target = getIn(doc, commandPath(s)) as Record<string, unknown>;
    target[commandKey(s)] = cmd.command;
    target.args = cmd.args;
  }
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
  return JSON.stringify(doc, null, indent) + (text.endsWith('\n') ? '\n' : '');
}

function getIn(doc: unknown, at: ReadonlyArray<string | number>): unknown {
  let cur = doc;
  for (const k of at) cur = (cur as Record<string | number, unknown>)[k];
  return cur;
}

function editYaml(text: string, toWrap: Array<{ s: DiscoveredServer; cmd: { command: string; args: string[] } }>): string {
  const doc = parseDocument(text);
  for (const { s, cmd } of toWrap) {
    const base = commandPath(s);
    doc.setIn([...base, commandKey(s)], cmd.command);
    doc.setIn([...base, 'args'], doc.createNode(cmd.args));
  }
  return doc.toString();
}

function editToml(text: string, toWrap: Array<{ s: DiscoveredServer; cmd: { command: string; args: string[] } }>, result: WrapResult): string {
  let out = text;
  for (const { s, cmd } of toWrap) {
    const edited = editTomlTable(out, s.name, cmd);
    if (edited === undefined) {
      result.notes.push('the file could not be edited in place; it was rewritten (comments dropped)');
      const doc = parseToml(text) as Record<string, Record<string, Record<string, unknown>>>;
      for (const t of toWrap) {
        const e = doc.mcp_servers?.[t.s.name];
        if (e) Object.assign(e, { command: t.cmd.command, args: t.cmd.args });
      }
      return stringifyToml(doc) + '\n';
    }
    out = edited;
  }
  return out;
}

/** Replace `command` and `args` inside the `[mcp_servers.<name>]` table by line edits. */
function editTomlTable(text: string, name: string, cmd: { command: string; args: string[] }): string | undefined {
  const lines = text.split('\n');
  const keyForms = [name, JSON.stringify(name), `'${name}'`];
  const header = lines.findIndex((l) => {
    const m = /^\s*\[\s*mcp_servers\s*\.\s*(.+?)\s*\]\s*(#.*)?$/.exec(l);
    return m !== null && keyForms.includes(m[1]!);
  });
  if (header < 0) return undefined;
  let end = lines.length;
  for (let i = header + 1; i < lines.length; i++) if (/^\s*\[/.test(lines[i]!)) {
    end = i;
    break;
  }
  const cmdLine = lines.findIndex((l, i) => i > header && i < end && /^\s*command\s*=/.test(l));
  if (cmdLine < 0) return undefined;
  const argsLine = lines.findIndex((l, i) => i > header && i < end && /^\s*args\s*=/.test(l));
  const tomlArray = `[${cmd.args.map((a) => JSON.stringify(a)).join(', ')}]`;
  const out = lines.slice();
  if (argsLine >= 0) {
    // The array may span lines: find its closing bracket, outside strings.
    const startCol = out[argsLine]!.indexOf('[');
    if (startCol < 0) return undefined;
    let depth = 0;
    let inStr: string | undefined;
    let endLine = -1;
    let endCol = -1;
    for (let li = argsLine; li < end && endLine < 0; li++) {
      const l = out[li]!;
      for (let c = li === argsLine ? startCol : 0; c < l.length; c++) {
        const ch = l[c]!;
        if (inStr) {
          if (ch === '\\' && inStr === '"') c++;
          else if (ch === inStr) inStr = undefined;
        } else if (ch === '"' || ch === "'") inStr = ch;
        else if (ch === '#') break;
        else if (ch === '[') depth++;
        else if (ch === ']' && --depth === 0) {
          endLine = li;
          endCol = c;
          break;
        }
      }
    }
    if (endLine < 0) return undefined;
    const prefix = out[argsLine]!.slice(0, startCol);
    const suffix = out[endLine]!.slice(endCol + 1);
    out.splice(argsLine, endLine - argsLine + 1, `${prefix}${tomlArray}${suffix}`);
  }
  out[cmdLine] = out[cmdLine]!.replace(/^(\s*command\s*=\s*)("(?:[^"\\]|\\.)*"|'[^']*')/, `$1${JSON.stringify(cmd.command)}`);
  if (argsLine < 0) out.splice(cmdLine + 1, 0, `args = ${tomlArray}`);
  return out.join('\n');
}
