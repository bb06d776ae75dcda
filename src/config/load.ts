/**
 * Config loading: YAML or JSON (JSON is read by the YAML parser, which keeps positions),
 * variable interpolation in the forms MCP clients write (`${VAR}`, `${VAR:-default}`,
 * `${env:VAR}`), zod validation, and errors that point at the line:
 * `portcullis.yaml:12: mcpServers.github.command: is required: ...`.
 *
 * Relative paths in a server's `cwd`, and `env` values / `args` written as `./x` or `../x`, are
 * resolved against the config file's folder (a server must not resolve them against its own
 * install folder); `${dataDir}` stands for the gateway's data directory.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, isMap, isScalar, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigSchema, ServerEntry, isStdio, type Config, type ServerConfig } from './schema.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/** The package root (where package.json, examples/ and schema/ live), from src/ or dist/. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEMO_CONFIG = path.join(PACKAGE_ROOT, 'examples', 'demo', 'portcullis.yaml');

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file, when loaded from one. */
  file?: string;
}

/** Load and validate a config file; without a path, the bundled demo config. */
export async function loadConfig(file?: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  const abs = path.resolve(file ?? DEMO_CONFIG);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new ConfigError([`${abs}: cannot read the config file (${(e as NodeJS.ErrnoException).code ?? String(e)})`]);
  }
  return { config: parseConfigText(text, abs, env), file: abs };
}

export function parseConfigText(text: string, file = '<config>', env: NodeJS.ProcessEnv = process.env): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const where = (offset: number | undefined) => `${file}:${offset === undefined ? 1 : lineCounter.linePos(offset).line}`;
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => `${where(e.pos[0])}: ${e.message.split('\n')[0]}`));
  }
  const problems = interpolate(doc, env, where);
  if (problems.length > 0) throw new ConfigError(problems);
  const raw = doc.toJS() ?? {};
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues, doc, where, raw));
  const config = parsed.data;
  // Relative paths in the config are relative to the config file.
  const base = file.startsWith('<') ? process.cwd() : path.dirname(file);
  (config as { baseDir?: string }).baseDir = base;
  if (path.resolve(file) === DEMO_CONFIG) BUNDLED.add(config);
  const serverProblems = [...checkServers(config, doc, where), ...ambiguousServerNames(config).map((m) => `${file}: ${m}`)];
  if (serverProblems.length > 0) throw new ConfigError(serverProblems);
  return config;
}

/** Configs loaded from the bundled demo file (its folder may be read-only once installed). */
const BUNDLED = new WeakSet<object>();
/** The data dir a runtime uses for a config (set by `bindDataDir`). */
const DATA_DIRS = new WeakMap<object, string>();

/** `${dataDir}`: kept through interpolation, replaced by the data directory when servers are resolved. */
export const DATA_DIR_VAR = '${dataDir}';

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const VAR_FORMS = new RegExp(`^(?:env:)?(${NAME})(?::-(.*))?$`, 's');

/**
 * Expand variables in every string scalar, in the forms MCP clients write them:
 * `${VAR}` and `${VAR:-default}` (Claude Code), `${env:VAR}` (VS Code, Cursor; also with `:-default`).
 * `$${` is a literal `${`. An unset variable without a default is an error naming it and its line;
 * `${input:…}` (VS Code prompts) is refused; `${dataDir}` and `${secret:NAME}` are kept (the vault
 * opens secrets when the gateway starts: src/credentials/refs.ts, which also checks where they stand).
 */
function interpolate(doc: Document, env: NodeJS.ProcessEnv, where: (o?: number) => string): string[] {
  const problems: string[] = [];
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const at = where(node.range?.[0]);
      node.value = node.value.replace(/\$(\$)?\{([^}]*)\}/g, (whole, escaped: string | undefined, inner: string) => {
        if (escaped) return whole.slice(1);
        const r = expandVariable(inner, env);
        if (r.ok) return r.value;
        problems.push(`${at}: ${r.error}`);
        return whole;
      });
    },
  });
  return problems;
}

/** One `${…}` reference: its value, or why it cannot be expanded. */
export function expandVariable(inner: string, env: NodeJS.ProcessEnv): { ok: true; value: string } | { ok: false; error: string } {
  const ref = `\${${inner}}`;
  if (ref === DATA_DIR_VAR) return { ok: true, value: ref };
  if (inner.startsWith('input:')) {
    return { ok: false, error: `${ref}: VS Code input variables are prompts Portcullis cannot show; set an environment variable and write \${env:NAME} instead` };
  }
  if (inner.startsWith('secret:')) return { ok: true, value: ref };
  const m = VAR_FORMS.exec(inner);
  if (!m) return { ok: false, error: `${ref}: not a variable Portcullis understands (use \${NAME}, \${NAME:-default} or \${env:NAME}; write $\${ for a literal \${)` };
  const [, name, fallback] = m as unknown as [string, string, string | undefined];
  const v = env[name];
  if (v !== undefined && !(fallback !== undefined && v === '')) return { ok: true, value: v };
  if (fallback !== undefined) return { ok: true, value: fallback };
  return { ok: false, error: `environment variable ${name} is not set (referenced as ${ref}; give a default with \${${name}:-value})` };
}

function offsetOf(doc: Document, p: readonly PropertyKey[]): number | undefined {
  // Point at the key of the offending entry (the line a person looks for), else the nearest ancestor.
  for (let n = p.length; n >= 0; n--) {
    if (n > 0) {
      const parent = doc.getIn(p.slice(0, n - 1) as unknown[], true);
      if (isMap(parent)) {
        const pair = parent.items.find((it) => isScalar(it.key) && String(it.key.value) === String(p[n - 1]));
        const r = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
        if (r) return r[0];
      }
    }
    const node = doc.getIn(p.slice(0, n) as unknown[], true);
    if (node && typeof node === 'object' && 'range' in node) {
      const r = (node as { range?: [number, number, number] }).range;
      if (r) return r[0];
    }
  }
  return undefined;
}

function formatIssues(issues: z.core.$ZodIssue[], doc: Document, where: (o?: number) => string, raw: unknown = doc.toJS()): string[] {
  return issues.flatMap((i) => {
    // A server entry is a union (stdio | remote): report the errors of the branch the entry is
    // written as (it has `command`, or `url`), not "needs command or url" when it has one.
    if (i.code === 'invalid_union' && i.errors.length === 2) {
      const entry = valueAt(raw, i.path);
      const branch = isRecord(entry) ? ('command' in entry ? 0 : 'url' in entry ? 1 : -1) : -1;
      const sub = branch >= 0 ? i.errors[branch] : undefined;
      if (sub && sub.length > 0) return formatIssues(sub.map((x) => ({ ...x, path: [...i.path, ...x.path] })), doc, where, raw);
    }
    const p = i.path.map(String).join('.') || '(root)';
    let msg = i.message;
    if (i.code === 'unrecognized_keys') msg = `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')} (check the spelling; see docs/config.md)`;
    else if (i.code === 'invalid_type' && !/^(is required|must|a |an )/.test(msg)) msg = `expected ${article(i.expected)}, got ${describeValue(valueAt(raw, i.path))}`;
    const keyPath = i.code === 'unrecognized_keys' && i.keys[0] !== undefined ? [...i.path, i.keys[0]] : i.path;
    return [`${where(offsetOf(doc, keyPath as PropertyKey[]))}: ${p}: ${msg}`];
  });
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function valueAt(raw: unknown, p: readonly PropertyKey[]): unknown {
  let cur = raw;
  for (const k of p) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

function article(t: string): string {
  const name = t === 'array' ? 'list' : t === 'object' || t === 'record' || t === 'map' ? 'mapping (key: value)' : t;
  return `${/^[aeiou]/.test(name) ? 'an' : 'a'} ${name}`;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing (the key is required)';
  if (v === null) return 'null (an empty value)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  const shown = JSON.stringify(v);
  return `${article(typeof v)} ${shown.length > 40 ? `${shown.slice(0, 37)}...` : shown}`;
}

export interface ResolvedServer {
  name: string;
  spec: ServerConfig;
}

/**
 * Why a server name (or `prefix`) cannot be told apart from its tools' names once namespaced with
 * `sep`, or undefined when it can. Names are split at the FIRST separator everywhere (policy
 * globs `server__tool`, the registry, the router), so the name must not contain the separator and
 * must not end in a way that, followed by the separator, makes it appear earlier (`prod_` + `__`).
 */
export function ambiguousName(name: string, sep: string): string | undefined {
  if (name.includes(sep)) return `contains the namespace separator "${sep}"`;
  if ((name + sep).indexOf(sep) !== name.length) return `ends with part of the namespace separator "${sep}", so "${name}${sep}tool" splits in the wrong place`;
  return undefined;
}

/**
 * Server names and prefixes that would make names, policy rules or registry ids ambiguous:
 * a name containing (or overlapping) `namespace.separator`, or two servers exposing the same prefix.
 * `config check` and startup refuse them.
 */
export function ambiguousServerNames(config: Pick<Config, 'mcpServers' | 'servers' | 'namespace'>): string[] {
  const sep = config.namespace.separator;
  const problems: string[] = [];
  const byPrefix = new Map<string, string>();
  for (const name of new Set([...Object.keys(config.mcpServers), ...Object.keys(config.servers)])) {
    const why = ambiguousName(name, sep);
    if (why) problems.push(`server name "${name}" ${why}; rename the server (e.g. "${name.split(sep).join('-')}")`);
    const prefix = config.servers[name]?.prefix ?? config.mcpServers[name]?.prefix ?? name;
    if (prefix === '') continue;
    if (prefix !== name) {
      const pwhy = ambiguousName(prefix, sep);
      if (pwhy) problems.push(`servers.${name}.prefix "${prefix}" ${pwhy}`);
    }
    const other = byPrefix.get(prefix);
    if (other !== undefined) problems.push(`servers "${other}" and "${name}" both expose names as "${prefix}${sep}…"; give one a different prefix`);
    else byPrefix.set(prefix, name);
  }
  return problems;
}

/** `servers.<name>` entries may add Portcullis keys to an `mcpServers` entry or define a server. */
function checkServers(config: Config, doc: Document, where: (o?: number) => string): string[] {
  const problems: string[] = [];
  for (const [name, o] of Object.entries(config.servers)) {
    if (config.mcpServers[name]) continue;
    if (!o.command && !o.url) {
      problems.push(`${where(offsetOf(doc, ['servers', name]))}: servers.${name}: no such server in mcpServers, and no "command" or "url" to define one`);
      continue;
    }
    const r = ServerEntry.safeParse(stripUndefined(o));
    if (!r.success) problems.push(...formatIssues(r.error.issues.map((i) => ({ ...i, path: ['servers', name, ...i.path] })), doc, where));
  }
  return problems;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The effective server list: mcpServers merged with their `servers.<name>` overrides, paths resolved. */
export function resolveServers(config: Config): ResolvedServer[] {
  const out: ResolvedServer[] = [];
  const names = new Set([...Object.keys(config.mcpServers), ...Object.keys(config.servers)]);
  for (const name of names) {
    const base = config.mcpServers[name];
    const over = config.servers[name];
    const merged = ServerEntry.parse({ ...(base ?? {}), ...stripUndefined(over ?? {}) });
    if (merged.disabled) continue;
    out.push({ name, spec: resolveServerPaths(merged, config) });
  }
  return out;
}

const RELATIVE = /^\.\.?(?:[/\\]|$)/;

/**
 * A server's paths, made independent of the folder the server runs in: `cwd` (always a path),
 * and `env` values and `args` written as relative paths (`./x`, `../x`), against the config
 * file's folder; `${dataDir}` anywhere in them becomes the data directory.
 */
export function resolveServerPaths(spec: ServerConfig, config: Config): ServerConfig {
  if (!isStdio(spec)) return spec;
  const base = (config as { baseDir?: string }).baseDir ?? process.cwd();
  let dataDir: string | undefined;
  const fix = (v: string): string => {
    if (v.includes(DATA_DIR_VAR)) v = v.split(DATA_DIR_VAR).join((dataDir ??= dataDirOf(config)));
    return RELATIVE.test(v) ? path.resolve(base, v) : v;
  };
  return {
    ...spec,
    args: spec.args.map(fix),
    env: Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, fix(v)])),
    ...(spec.cwd !== undefined ? { cwd: path.resolve(base, spec.cwd.split(DATA_DIR_VAR).join((dataDir ??= dataDirOf(config)))) } : {}),
  };
}

/** Record the data dir a runtime uses for this config (what `${dataDir}` stands for). */
export function bindDataDir(config: Config, dataDir: string): void {
  DATA_DIRS.set(config, path.resolve(dataDir));
}

function dataDirOf(config: Config): string {
  return DATA_DIRS.get(config) ?? resolveDataDir(config);
}

/**
 * Data dir: the flag, then PORTCULLIS_DATA_DIR, then the config's `dataDir` (relative to the
 * config file), then `.portcullis` beside the config file, so every command given the same `-c`
 * finds the same data whatever the current folder. The bundled demo (no `-c`), whose folder may
 * be read-only once installed, uses `./.portcullis` in the current folder.
 */
export function resolveDataDir(config: Config | undefined, flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = (config as { baseDir?: string } | undefined)?.baseDir;
  if (flag) return path.resolve(flag);
  if (env.PORTCULLIS_DATA_DIR) return path.resolve(env.PORTCULLIS_DATA_DIR);
  if (config?.dataDir) return path.resolve(base ?? process.cwd(), config.dataDir);
  if (config && base && !BUNDLED.has(config)) return path.join(base, '.portcullis');
  return path.resolve('.portcullis');
}

/** Resolve a path from the config relative to the config file's folder. */
export function configPath(config: Config, p: string): string {
  return path.resolve((config as { baseDir?: string }).baseDir ?? process.cwd(), p);
}
