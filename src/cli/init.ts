/**
 * `portcullis init`: a starter `portcullis.yaml` from the MCP servers the clients on this machine
 * already use (the discovery code of `portcullis scan`). Credentials found in their `env`,
 * `headers`, arguments or URLs are never copied: each becomes a `${env:NAME}` reference, and the
 * next steps list the variables to set. API keys are on, and a policy skeleton allows exactly
 * what is configured today (tighten it from there). `--dry-run` prints the file instead.
 */
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { Document, isMap, isScalar } from 'yaml';
import { DEFAULT_LISTENER, literalSecret, routedCommand, routedUrl } from '../registry/analyze.js';
import { discover, type DiscoveredServer } from '../registry/discovery.js';
import { defaultPortcullisCmd } from '../registry/wrap.js';
import { parseConfigText } from '../config/load.js';

interface InitFlags {
  root?: string;
  output?: string;
  dryRun?: boolean;
  force?: boolean;
}

/** A variable the user must set: its name, and where the value was found (never the value). */
export interface MovedSecret {
  variable: string;
  server: string;
  where: string;
  file: string;
}

export interface StarterConfig {
  yaml: string;
  servers: Array<{ name: string; from: string[] }>;
  secrets: MovedSecret[];
  skipped: Array<{ name: string; file: string; why: string }>;
  /** Client config files that have stdio servers (candidates for `wrap`). */
  clientFiles: string[];
}

export function register(program: Command): void {
  program
    .command('init')
    .description('write a starter portcullis.yaml from the MCP servers configured in the clients on this machine')
    .option('--root <dir>', 'home directory whose client configs to read (default: yours)')
    .option('-o, --output <file>', 'where to write the config', 'portcullis.yaml')
    .option('--dry-run', 'print the file; write nothing')
    .option('--force', 'overwrite an existing file')
    .action((flags: InitFlags) => {
      process.exitCode = runInit(flags, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
    });
}

export function runInit(flags: InitFlags, out: (s: string) => void, err: (s: string) => void): number {
  const root = path.resolve(flags.root ?? os.homedir());
  if (!existsSync(root)) {
    err(`--root: ${root} does not exist\n`);
    return 2;
  }
  const output = path.resolve(flags.output ?? 'portcullis.yaml');
  const starter = buildStarterConfig(discover({ root, extraDirs: [process.cwd()] }).servers, path.dirname(output));
  if (flags.dryRun) {
    out(starter.yaml);
    err(summary(starter, output, true));
    return 0;
  }
  if (existsSync(output) && !flags.force) {
    err(`portcullis init: ${output} exists; use --force to overwrite it, or -o another file (--dry-run shows what would be written)\n`);
    return 1;
  }
  writeFileSync(output, starter.yaml, { mode: 0o600 });
  out(summary(starter, output, false));
  return 0;
}

const SECRETISH_KEY = /(token|secret|passw|pwd|passphrase|api[-_]?key|apikey|access[-_]?key|private[-_]?key|credential|cookie|auth|session|(^|[-_])(key|pat)$)/i;
const BENIGN_HEADER = /^(accept|accept-language|content-type|user-agent|mcp-protocol-version)$/i;
const PURE_REFERENCE = /^\$\{(?:env:)?[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;

function envName(...parts: string[]): string {
  return parts
    .join('_')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase()
    .replace(/^(\d)/, '_$1');
}

/** The starter config for these discovered servers (exported for tests). */
export function buildStarterConfig(found: DiscoveredServer[], configDir: string): StarterConfig {
  const servers = new Map<string, { entry: Record<string, unknown>; from: string[]; key: string }>();
  const secrets: MovedSecret[] = [];
  const skipped: StarterConfig['skipped'] = [];
  const clientFiles = new Set<string>();
  const usedVars = new Map<string, string>(); // variable → the value's identity (server + key), so two different values never share a name

  for (const s0 of found) {
    let s = s0;
    const from = `${s.client} (${s.file})`;
    if (s.command) {
      const r = routedCommand(s.command, s.args);
      if (r.routed) {
        if (!r.inner) {
          skipped.push({ name: s.name, file: s.file, why: 'already runs the Portcullis gateway' });
          continue;
        }
        s = { ...s, command: r.inner.command, args: r.inner.args };
      } else clientFiles.add(s.file);
    } else if (s.url && routedUrl(s.url, [DEFAULT_LISTENER])) {
      skipped.push({ name: s.name, file: s.file, why: 'points at a Portcullis listener' });
      continue;
    }
    const target = JSON.stringify([s.command, s.args, s.url]);
    let name = s.name.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 40) || 'server';
    const same = servers.get(name);
    if (same && same.key === target) {
      same.from.push(from);
      continue;
    }
    if (same) {
      name = `${name}-${s.client}`;
      for (let i = 2; servers.has(name); i++) name = `${name.replace(/-\d+$/, '')}-${i}`;
    }
    const projectDir = s.scope === 'project' ? path.dirname(path.dirname(s.file)) : s.scope.startsWith('project:') ? s.scope.slice('project:'.length) : undefined;

    const variable = (key: string, identity: string): string => {
      let v = envName(key);
      if (usedVars.has(v) && usedVars.get(v) !== identity) v = envName(name, key);
      for (let i = 2; usedVars.has(v) && usedVars.get(v) !== identity; i++) v = `${envName(name, key)}_${i}`;
      usedVars.set(v, identity);
      return v;
    };
    /** A value as the gateway config should hold it: literal, or a reference when it is (or may be) a credential. */
    const keep = (where: string, key: string, value: string, secret: boolean): string => {
      // Client-only variables: VS Code prompts become environment variables; a project's folder is known.
      let v = value.replace(/\$\{input:([^}]+)\}/g, (_m, id: string) => {
        const name2 = variable(id, `${name}:input:${id}`);
        secrets.push({ variable: name2, server: name, where: `${where} (a VS Code \${input:${id}} prompt)`, file: s.file });
        return `\${env:${name2}}`;
      });
      if (projectDir) v = v.replace(/\$\{workspaceFolder\}/g, projectDir);
      // References the client already used: the gateway needs them set too.
      for (const m of v.matchAll(/\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
        if (!secrets.some((x) => x.variable === m[1])) secrets.push({ variable: m[1]!, server: name, where: `${where} (already a reference)`, file: s.file });
      }
      if (!secret || PURE_REFERENCE.test(v) || !/[^\s]/.test(v)) return v;
      const scheme = /^(Bearer|Basic|Token|ApiKey)\s+(?=\S)/i.exec(v)?.[0] ?? '';
      const rest = v.slice(scheme.length);
      if (PURE_REFERENCE.test(rest)) return v;
      const name2 = variable(key, `${name}:${where}`);
      secrets.push({ variable: name2, server: name, where, file: s.file });
      return `${scheme}\${env:${name2}}`;
    };

    const entry: Record<string, unknown> = {};
    if (s.command) {
      entry.command = s.command;
      const args: string[] = [];
      for (let i = 0; i < s.args.length; i++) {
        const a = s.args[i]!;
        const eq = /^(--?[A-Za-z][\w-]*)=(.+)$/.exec(a);
        const prevFlag = /^--?([A-Za-z][\w-]*)$/.exec(s.args[i - 1] ?? '');
        if (eq && (SECRETISH_KEY.test(eq[1]!) || literalSecret(eq[1]!.replace(/^-+/, ''), eq[2]!))) args.push(`${eq[1]}=${keep(`argument ${eq[1]}`, `${name}_${eq[1]!.replace(/^-+/, '')}`, eq[2]!, true)}`);
        else if (prevFlag && SECRETISH_KEY.test(prevFlag[1]!) && !/^-/.test(a)) args.push(keep(`argument after --${prevFlag[1]}`, `${name}_${prevFlag[1]}`, a, true));
        else args.push(keep(`argument ${i + 1}`, `${name}_arg${i + 1}`, a, literalSecret('arg', a) !== undefined));
      }
      if (args.length > 0) entry.args = args;
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.env)) env[k] = keep(`env ${k}`, k, v, SECRETISH_KEY.test(k) || literalSecret(k, v) !== undefined);
      if (Object.keys(env).length > 0) entry.env = env;
    } else if (s.url) {
      let url = s.url;
      try {
        const u = new URL(s.url);
        if (u.password || [...u.searchParams].some(([k, v]) => SECRETISH_KEY.test(k) || literalSecret(k, v))) url = keep('URL (it carries a credential)', `${name}_url`, s.url, true);
      } catch {
        /* config check will say what is wrong with it */
      }
      entry.url = url;
      if (s.transport === 'sse') entry.type = 'sse';
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.headers)) headers[k] = keep(`header ${k}`, k.toLowerCase() === 'authorization' ? `${name}_token` : `${name}_${k}`, v, !BENIGN_HEADER.test(k));
      if (Object.keys(headers).length > 0) entry.headers = headers;
    }
    servers.set(name, { entry, from: [from], key: target });
  }

  const names = [...servers.keys()];
  const doc = new Document({
    auth: { apiKeys: true },
    listen: { host: '127.0.0.1', port: 7400, path: '/mcp' },
    mcpServers: Object.fromEntries([...servers].map(([n, v]) => [n, v.entry])),
    ...(names.length > 0
      ? {
          policy: {
            allow: [{ id: 'configured-today', principal: '*', tools: names.map((n) => `${n}__*`), prompts: names.map((n) => `${n}__*`), resources: ['*'] }],
          },
        }
      : {}),
    registry: { mode: 'observe' },
  });
  doc.commentBefore = [
    ' Portcullis starter config, written by `portcullis init` from the MCP client configs on this machine.',
    ' Reference: docs/config.md (every key), or `portcullis config docs`. Check it: portcullis config check -c <this file>',
    ...(secrets.length > 0 ? [' Credentials were not copied: each is a ${env:NAME} reference; set these variables before starting.'] : []),
  ].join('\n');
  const setComment = (key: string, comment: string) => {
    const pair = doc.contents && isMap(doc.contents) ? doc.contents.items.find((p) => isScalar(p.key) && p.key.value === key) : undefined;
    if (pair && isScalar(pair.key)) pair.key.commentBefore = comment;
  };
  setComment('auth', ' HTTP clients authenticate with an API key: portcullis keys create --principal <you> -c <this file>');
  setComment('mcpServers', ' The servers your clients use today (one entry per distinct server). `${env:NAME}` is read from the environment.');
  setComment('policy', ' Allows every authenticated principal what is configured today. Tighten it: principals (user:NAME, group:NAME),\n tool globs, `where` conditions on arguments, `deny` rules, `obligations: [approve]`.');
  setComment('registry', ' observe: new tools are admitted and pinned; a changed definition (rug pull) is quarantined.');
  const ms = doc.get('mcpServers', true);
  if (isMap(ms)) {
    for (const p of ms.items) {
      const n = isScalar(p.key) ? String(p.key.value) : '';
      const v = servers.get(n);
      if (v && isScalar(p.key)) p.key.commentBefore = ` from ${v.from.join(', ')}`;
    }
  }
  const text = doc.toString({ lineWidth: 0 });
  const yaml = text.endsWith('\n') ? text : `${text}\n`;
  // The file must load (with its variables set): a starter that config check rejects is a bug.
  const env = Object.fromEntries(secrets.map((x) => [x.variable, 'x']));
  parseConfigText(yaml, path.join(configDir, 'portcullis.yaml'), { ...process.env, ...env });
  return { yaml, servers: [...servers].map(([name, v]) => ({ name, from: v.from })), secrets, skipped, clientFiles: [...clientFiles].sort() };
}

function summary(s: StarterConfig, output: string, dryRun: boolean): string {
  const lines: string[] = [];
  const cfg = output.includes(' ') ? JSON.stringify(output) : output;
  lines.push(dryRun ? `(dry run: ${output} not written)` : `wrote ${output} with ${s.servers.length} server${s.servers.length === 1 ? '' : 's'}: ${s.servers.map((x) => x.name).join(', ') || 'none'}`);
  for (const k of s.skipped) lines.push(`  left out ${k.name} (${k.file}): ${k.why}`);
  lines.push('', 'Next steps:');
  let n = 1;
  if (s.secrets.length > 0) {
    lines.push(`${n++}. Set the credentials the config now references (their values stay in your client configs, not in this file):`);
    for (const x of s.secrets) lines.push(`     export ${x.variable}=…   # ${x.server}: ${x.where} in ${x.file}`);
  }
  lines.push(`${n++}. Check it:   portcullis config check -c ${cfg}`);
  const cli = defaultPortcullisCmd();
  lines.push(
    `${n++}. Route your clients through it, either:`,
    `   a) over HTTP: run \`portcullis start -c ${cfg}\`, create a key with \`portcullis keys create --principal ${os.userInfo().username} -c ${cfg}\`,`,
    '      and replace the servers in each client config with:',
    `        "portcullis": { "type": "http", "url": "http://127.0.0.1:7400/mcp", "headers": { "Authorization": "Bearer <key>" } }`,
    '   b) over stdio, the client starting the gateway itself: replace the servers with',
    `        "portcullis": { "command": ${JSON.stringify(cli[0])}, "args": ${JSON.stringify([...cli.slice(1), 'stdio', '-c', output])} }`,
  );
  if (s.clientFiles.length > 0) {
    lines.push('   c) or keep each server in its client and wrap it one by one (default protections, not this file\'s policy):');
    for (const f of s.clientFiles) lines.push(`        portcullis wrap ${f.includes(' ') ? JSON.stringify(f) : f}`);
  }
  lines.push('Then restart the clients. `portcullis scan -c ' + cfg + '` shows which servers are still unrouted.', '');
  return lines.join('\n');
}
