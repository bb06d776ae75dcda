/**
 * Discovery of MCP client configurations on a machine (for `portcullis scan` and `wrap`).
 *
 * Knows where each client keeps its servers and in what shape:
 *
 * | client         | user config (under the home dir)                                   | project config          | servers at                        |
 * |----------------|--------------------------------------------------------------------|-------------------------|-----------------------------------|
 * | claude-desktop | .config/Claude, Library/Application Support/Claude, AppData/Roaming/Claude: claude_desktop_config.json | | `mcpServers` |
 * | claude-code    | .claude.json (+ `projects.<path>.mcpServers`)                       | .mcp.json               | `mcpServers`                      |
 * | cursor         | .cursor/mcp.json                                                   | .cursor/mcp.json        | `mcpServers`                      |
 * | vscode         | Code/User/settings.json (`mcp.servers`, JSONC), Code/User/mcp.json  | .vscode/mcp.json        | `servers`                         |
 * | windsurf       | .codeium/windsurf/mcp_config.json                                  |                         | `mcpServers` (`serverUrl`)        |
 * | zed            | .config/zed/settings.json (JSONC)                                  | .zed/settings.json      | `context_servers`                 |
 * | continue       | .continue/config.json, .continue/config.yaml, .continue/mcpServers/* | .continue/mcpServers/* | `mcpServers` (list or map)        |
 * | gemini-cli     | .gemini/settings.json                                              | .gemini/settings.json   | `mcpServers` (`httpUrl`, `url`)   |
 * | codex          | .codex/config.toml                                                 |                         | `[mcp_servers.<name>]`            |
 *
 * Project configs are found by a bounded walk of the root (depth 4, build / dependency / cache
 * folders skipped) and in the projects `~/.claude.json` lists.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { parseJsonc } from './jsonc.js';

export type ClientId = 'claude-desktop' | 'claude-code' | 'cursor' | 'vscode' | 'windsurf' | 'zed' | 'continue' | 'gemini-cli' | 'codex';
export type ConfigFormat = 'json' | 'jsonc' | 'yaml' | 'toml';

/** Where the servers sit in a parsed config document. */
export type Layout =
  /** an object of name → entry at this path */
  | { type: 'map'; at: string[] }
  /** an array of entries (each with `name`) at this path */
  | { type: 'list'; at: string[] }
  /** Claude Code's ~/.claude.json: `mcpServers` and `projects.<path>.mcpServers` */
  | { type: 'claude-code' }
  /** Continue's config.json: `mcpServers` (list or map) and `experimental.modelContextProtocolServers` */
  | { type: 'continue' };

export interface ConfigFileRef {
  client: ClientId;
  file: string;
  format: ConfigFormat;
  layout: Layout;
  scope: 'user' | 'project';
}

export interface DiscoveredServer {
  client: ClientId;
  file: string;
  name: string;
  /** `user`, `project`, or `project:<path>` for Claude Code's per-project servers in ~/.claude.json. */
  scope: string;
  transport: 'stdio' | 'http' | 'sse';
  command?: string;
  args: string[];
  env: Record<string, string>;
  url?: string;
  headers: Record<string, string>;
  /** Path of the entry in the parsed document (for `wrap`). */
  path: Array<string | number>;
  /** How the command is written: `{command, args, env}`, Zed's older `{command: {path, args, env}}`, Continue's `{transport: {...}}`. */
  shape: 'standard' | 'zed-command-object' | 'continue-transport';
  /** The entry as written. */
  raw: Record<string, unknown>;
}

export interface ConfigProblem {
  client: ClientId;
  file: string;
  error: string;
}

export interface DiscoveryResult {
  files: ConfigFileRef[];
  servers: DiscoveredServer[];
  problems: ConfigProblem[];
}

const SKIP_DIRS = new Set([
  'node_modules', '.git', '.hg', '.svn', 'Library', 'AppData', '.cache', '.npm', '.pnpm-store', '.yarn', '.local', '.cargo', '.rustup',
  '.gradle', '.m2', '.venv', 'venv', '__pycache__', 'dist', 'build', 'target', '.Trash', 'snap', '.nvm', '.pyenv', '.rbenv', '.docker',
  'Applications', 'Pictures', 'Music', 'Movies', 'Videos', '.vscode-server', '.cursor-server', 'go', '.terraform',
]);

/** User-level config files of every client, relative to the home dir. */
export function userConfigFiles(home: string): ConfigFileRef[] {
  const j = (...p: string[]) => path.join(home, ...p);
  const refs: ConfigFileRef[] = [];
  const add = (client: ClientId, file: string, format: ConfigFormat, layout: Layout) => refs.push({ client, file, format, layout, scope: 'user' });
  for (const base of [j('.config', 'Claude'), j('Library', 'Application Support', 'Claude'), j('AppData', 'Roaming', 'Claude')]) {
    add('claude-desktop', path.join(base, 'claude_desktop_config.json'), 'json', { type: 'map', at: ['mcpServers'] });
  }
  add('claude-code', j('.claude.json'), 'json', { type: 'claude-code' });
  add('cursor', j('.cursor', 'mcp.json'), 'json', { type: 'map', at: ['mcpServers'] });
  for (const base of [j('.config'), j('Library', 'Application Support'), j('AppData', 'Roaming')]) {
    for (const flavour of ['Code', 'Code - Insiders', 'VSCodium', 'Cursor', 'Windsurf']) {
      const client: ClientId = flavour === 'Cursor' ? 'cursor' : flavour === 'Windsurf' ? 'windsurf' : 'vscode';
      add(client, path.join(base, flavour, 'User', 'settings.json'), 'jsonc', { type: 'map', at: ['mcp', 'servers'] });
      if (client === 'vscode') add(client, path.join(base, flavour, 'User', 'mcp.json'), 'jsonc', { type: 'map', at: ['servers'] });
    }
  }
  add('windsurf', j('.codeium', 'windsurf', 'mcp_config.json'), 'json', { type: 'map', at: ['mcpServers'] });
  add('zed', j('.config', 'zed', 'settings.json'), 'jsonc', { type: 'map', at: ['context_servers'] });
  add('continue', j('.continue', 'config.json'), 'json', { type: 'continue' });
  add('continue', j('.continue', 'config.yaml'), 'yaml', { type: 'continue' });
  add('gemini-cli', j('.gemini', 'settings.json'), 'json', { type: 'map', at: ['mcpServers'] });
  add('codex', j('.codex', 'config.toml'), 'toml', { type: 'map', at: ['mcp_servers'] });
  return refs;
}

/** Project-level config files in one directory. */
export function projectConfigFiles(dir: string): ConfigFileRef[] {
  const refs: ConfigFileRef[] = [];
  const add = (client: ClientId, file: string, format: ConfigFormat, layout: Layout) => refs.push({ client, file, format, layout, scope: 'project' });
  add('claude-code', path.join(dir, '.mcp.json'), 'json', { type: 'map', at: ['mcpServers'] });
  add('cursor', path.join(dir, '.cursor', 'mcp.json'), 'json', { type: 'map', at: ['mcpServers'] });
  add('vscode', path.join(dir, '.vscode', 'mcp.json'), 'jsonc', { type: 'map', at: ['servers'] });
  add('vscode', path.join(dir, '.vscode', 'settings.json'), 'jsonc', { type: 'map', at: ['mcp', 'servers'] });
  add('zed', path.join(dir, '.zed', 'settings.json'), 'jsonc', { type: 'map', at: ['context_servers'] });
  add('gemini-cli', path.join(dir, '.gemini', 'settings.json'), 'json', { type: 'map', at: ['mcpServers'] });
  const cont = path.join(dir, '.continue', 'mcpServers');
  for (const f of safeReaddir(cont).sort()) {
    if (/\.ya?ml$/i.test(f)) add('continue', path.join(cont, f), 'yaml', { type: 'continue' });
    else if (/\.json$/i.test(f)) add('continue', path.join(cont, f), 'json', { type: 'continue' });
  }
  return refs;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Directories under root (root included) to look for project configs in: depth ≤ maxDepth, at most maxDirs. */
export function walkProjectDirs(root: string, maxDepth = 4, maxDirs = 5000): string[] {
  const out: string[] = [];
  const queue: Array<[string, number]> = [[root, 0]];
  while (queue.length > 0 && out.length < maxDirs) {
    const [dir, depth] = queue.shift()!;
    out.push(dir);
    if (depth >= maxDepth) continue;
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!e.isDirectory() || e.isSymbolicLink()) continue;
      if (e.name.startsWith('.') || SKIP_DIRS.has(e.name)) continue;
      queue.push([path.join(dir, e.name), depth + 1]);
    }
  }
  return out;
}

export interface DiscoverOptions {
  /** The home dir to scan (default: the user's). */
  root: string;
  /** More project directories to look in (e.g. the current directory). */
  extraDirs?: string[];
  maxDepth?: number;
}

/** Find every client config under the root and the servers in them. */
export function discover(opts: DiscoverOptions): DiscoveryResult {
  const root = path.resolve(opts.root);
  const seen = new Set<string>();
  const files: ConfigFileRef[] = [];
  const push = (r: ConfigFileRef) => {
    const key = path.resolve(r.file);
    if (seen.has(key) || !isFile(key)) return;
    seen.add(key);
    files.push(r);
  };
  for (const r of userConfigFiles(root)) push(r);
  const dirs = walkProjectDirs(root, opts.maxDepth ?? 4);
  // Projects Claude Code knows about.
  const claudeJson = path.join(root, '.claude.json');
  if (isFile(claudeJson)) {
    try {
      const doc = JSON.parse(readFileSync(claudeJson, 'utf8')) as { projects?: Record<string, unknown> };
      for (const p of Object.keys(doc.projects ?? {})) if (path.isAbsolute(p) && existsSync(p)) dirs.push(p);
    } catch {
      /* reported when the file itself is read */
    }
  }
  for (const d of opts.extraDirs ?? []) dirs.push(path.resolve(d));
  for (const d of dirs) for (const r of projectConfigFiles(d)) push(r);

  const servers: DiscoveredServer[] = [];
  const problems: ConfigProblem[] = [];
  for (const ref of files) {
    try {
      const doc = readConfig(ref);
      servers.push(...extractServers(ref, doc));
    } catch (e) {
      problems.push({ client: ref.client, file: ref.file, error: e instanceof Error ? e.message.split('\n')[0]! : String(e) });
    }
  }
  return { files, servers, problems };
}

/** Parse a config file in its format (JSONC tolerated for JSON files too). */
export function readConfig(ref: Pick<ConfigFileRef, 'file' | 'format'>): unknown {
  const text = readFileSync(ref.file, 'utf8');
  return parseConfigText(text, ref.format);
}

export function parseConfigText(text: string, format: ConfigFormat): unknown {
  switch (format) {
    case 'json':
    case 'jsonc':
      return parseJsonc(text);
    case 'yaml':
      return parseYaml(text) ?? {};
    case 'toml':
      return parseToml(text);
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function getIn(doc: unknown, at: ReadonlyArray<string | number>): unknown {
  let cur = doc;
  for (const k of at) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

/** The servers of one parsed config document. */
export function extractServers(ref: Pick<ConfigFileRef, 'client' | 'file' | 'layout' | 'scope'>, doc: unknown): DiscoveredServer[] {
  const out: DiscoveredServer[] = [];
  const fromMap = (at: Array<string | number>, scope: string) => {
    const m = getIn(doc, at);
    if (!isObj(m)) return;
    for (const [name, entry] of Object.entries(m)) {
      const s = normalizeEntry(ref, name, entry, [...at, name], scope);
      if (s) out.push(s);
    }
  };
  const fromList = (at: Array<string | number>, scope: string) => {
    const l = getIn(doc, at);
    if (!Array.isArray(l)) return;
    l.forEach((entry, i) => {
      const name = isObj(entry) && typeof entry.name === 'string' ? entry.name : `server-${i + 1}`;
      const s = normalizeEntry(ref, name, entry, [...at, i], scope);
      if (s) out.push(s);
    });
  };
  const layout = ref.layout;
  switch (layout.type) {
    case 'map':
      fromMap(layout.at, ref.scope);
      break;
    case 'list':
      fromList(layout.at, ref.scope);
      break;
    case 'claude-code': {
      fromMap(['mcpServers'], 'user');
      const projects = getIn(doc, ['projects']);
      if (isObj(projects)) for (const p of Object.keys(projects)) fromMap(['projects', p, 'mcpServers'], `project:${p}`);
      break;
    }
    case 'continue': {
      const m = getIn(doc, ['mcpServers']);
      if (Array.isArray(m)) fromList(['mcpServers'], ref.scope);
      else fromMap(['mcpServers'], ref.scope);
      fromList(['experimental', 'modelContextProtocolServers'], ref.scope);
      break;
    }
  }
  return out;
}

function strRecord(v: unknown): Record<string, string> {
  if (!isObj(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined && x !== null) out[k] = typeof x === 'string' ? x : JSON.stringify(x);
  return out;
}

function strArray(v: unknown): string[] {
  return Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : String(x))) : [];
}

function normalizeEntry(ref: Pick<ConfigFileRef, 'client' | 'file'>, name: string, entry: unknown, at: Array<string | number>, scope: string): DiscoveredServer | undefined {
  if (!isObj(entry)) return undefined;
  let shape: DiscoveredServer['shape'] = 'standard';
  let e: Record<string, unknown> = entry;
  if (isObj(entry.transport) && (entry.transport.command !== undefined || entry.transport.url !== undefined)) {
    shape = 'continue-transport';
    e = { ...entry.transport, name };
  } else if (isObj(entry.command)) {
    // Zed: { "command": { "path": "...", "args": [], "env": {} } }
    shape = 'zed-command-object';
    e = { command: entry.command.path, args: entry.command.args, env: entry.command.env };
  }
  const url = [e.url, e.serverUrl, e.httpUrl].find((u): u is string => typeof u === 'string' && u.length > 0);
  const command = typeof e.command === 'string' && e.command.length > 0 ? e.command : undefined;
  if (!url && !command) return undefined;
  const type = typeof e.type === 'string' ? e.type.toLowerCase() : '';
  const transport: DiscoveredServer['transport'] = command && !url
    ? 'stdio'
    : type === 'sse' || (typeof e.httpUrl !== 'string' && type === '' && /\/sse\/?$/.test(url ?? ''))
      ? 'sse'
      : 'http';
  const headers = { ...strRecord(e.headers), ...strRecord(e.http_headers), ...strRecord(e.requestOptions && isObj(e.requestOptions) ? e.requestOptions.headers : undefined) };
  return {
    client: ref.client,
    file: ref.file,
    name,
    scope,
    transport,
    ...(command ? { command } : {}),
    args: strArray(e.args),
    env: strRecord(e.env),
    ...(url && transport !== 'stdio' ? { url } : {}),
    headers,
    path: at,
    shape,
    raw: entry,
  };
}

/** A command line for display: arguments with spaces or quotes are quoted. */
export function commandLine(command: string, args: readonly string[]): string {
  return [command, ...args].map(shellQuote).join(' ');
}

function shellQuote(s: string): string {
  if (s === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./~^-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
