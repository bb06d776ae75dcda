/**
 * Judging a discovered server (for `portcullis scan`): is it routed through Portcullis, is it
 * known to the registry or the gateway config, and what is wrong with how it is configured:
 *
 * - MCP01 plaintext secrets in `env`, headers, arguments or the URL (`${VAR}` references are fine);
 * - MCP04 unpinned packages: `npx -y pkg` without a version, `@latest`, version ranges, `uvx pkg`,
 *   `pipx run pkg`, Docker images without a tag or digest;
 * - remote URLs over plain http to a non-loopback host;
 * - MCP09 shadow servers: neither routed nor registered.
 */
import path from 'node:path';
import { redactTarget } from '../util/redact-url.js';
import type { Severity } from '../detect/types.js';
import { SEVERITY_RANK } from '../detect/types.js';
import { secretsDetector, looksLikePlaceholder, genericValueScore } from '../detect/secrets.js';
import { commandLine, type DiscoveredServer } from './discovery.js';
import { PACKAGE_ROOT } from '../config/load.js';

/** This installation's CLI script (what `wrap` writes by default, from a clone or a tarball alike). */
const OWN_CLI = path.join(PACKAGE_ROOT, 'dist', 'cli', 'index.js');

export interface ScanFinding {
  category: string;
  severity: Severity;
  message: string;
}

export interface ScannedServer {
  client: string;
  file: string;
  name: string;
  command?: string;
  url?: string;
  routed: boolean;
  registered: boolean;
  shadow: boolean;
  findings: ScanFinding[];
}

export interface Listener {
  host: string;
  port: number;
  path: string;
}

/** A server the gateway knows: from its config (`mcpServers`) or its registry store. */
export interface KnownServer {
  name: string;
  /** Command line or URL; '' when unknown. */
  target: string;
  source: 'config' | 'registry';
}

export interface AnalyzeContext {
  listeners: Listener[];
  known: KnownServer[];
}

export const DEFAULT_LISTENER: Listener = { host: '127.0.0.1', port: 7400, path: '/mcp' };

// ---------------------------------------------------------------- routed

const PORTCULLIS_BIN = /^portcullis(@[^/\s]*)?$/i;

/** `portcullis stdio -- cmd args`, `npx -y portcullis@1 stdio -- …`, `node …/portcullis/dist/cli/index.js stdio -- …`. */
export function routedCommand(command: string, args: readonly string[]): { routed: boolean; inner?: { command: string; args: string[] } } {
  const tokens = [command, ...args];
  const at = tokens.findIndex((t) => {
    const base = path.basename(t.replace(/\\/g, '/')).replace(/\.(cmd|exe|js|mjs)$/i, '');
    return PORTCULLIS_BIN.test(base) || /(^|\/)portcullis\/dist\/cli\/index\.js$/.test(t.replace(/\\/g, '/')) || /^@[^/]+\/portcullis(@.*)?$/.test(t) || t === OWN_CLI;
  });
  if (at < 0) return { routed: false };
  const s = tokens.indexOf('stdio', at + 1);
  if (s < 0) return { routed: false };
  const dd = tokens.indexOf('--', s + 1);
  const rest = dd >= 0 ? tokens.slice(dd + 1) : tokens.slice(s + 1).filter((t) => !t.startsWith('-'));
  const [c, ...a] = rest;
  return c ? { routed: true, inner: { command: c, args: a } } : { routed: true };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0']);

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return LOOPBACK.has(h) || /^127\.\d+\.\d+\.\d+$/.test(h) || h.endsWith('.localhost');
}

/** Does the URL point at a Portcullis listener? */
export function routedUrl(url: string, listeners: readonly Listener[]): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  return listeners.some((l) => {
    const sameHost = u.hostname.toLowerCase() === l.host.toLowerCase() || (isLoopbackHost(u.hostname) && isLoopbackHost(l.host));
    if (!sameHost || port !== l.port) return false;
    const p = u.pathname.replace(/\/+$/, '') || '/';
    const lp = l.path.replace(/\/+$/, '') || '/';
    return p === lp || p.startsWith(lp + '/') || p === '/sse' || p === '/messages';
  });
}

// ---------------------------------------------------------------- registered

/** A comparable form of a command line or URL. */
export function targetKey(target: string): string {
  // Stored targets are redacted (src/util/redact-url.ts): compare redacted forms on both sides.
  const t = redactTarget(target).trim();
  if (/^https?:\/\//i.test(t)) {
    try {
      const u = new URL(t);
      return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}${u.search}`;
    } catch {
      return t;
    }
  }
  const parts = t.split(/\s+/).filter(Boolean);
  if (parts.length === 0) return '';
  const first = path.basename(parts[0]!.replace(/\\/g, '/')).replace(/\.(cmd|exe)$/i, '');
  return [first, ...parts.slice(1)].join(' ');
}

function commandKey(command: string, args: readonly string[]): string {
  return targetKey([command, ...args].join(' '));
}

// ---------------------------------------------------------------- secrets (MCP01)

const SECRET_KEY_RE = /(token|secret|passw(or)?d|passwd|pwd|passphrase|api[-_]?key|apikey|access[-_]?key|private[-_]?key|credentials?|cookie|(^|[-_])(key|auth|pat|session)$)/i;
const NOT_SECRET_KEY_RE = /(path|file|dir|url|uri|host|endpoint|region|(^|[-_])ids?$|name$|type$|env$|var$|mode$|format$|expir|ttl|timeout|length|count|size|prefix)/i;
const SECRET_HEADER_RE = /^(authorization|proxy-authorization|cookie|x-api-key|api-key|apikey|x-auth-token|x-access-token|private-token|x-.*-(token|key|secret))$/i;
const REFERENCE_RE = /\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\{env:[^}]*\}|\{\{[^}]*\}\}|%[A-Za-z_][A-Za-z0-9_]*%/g;

function stripReferences(v: string): string {
  return v.replace(REFERENCE_RE, '').trim();
}

function detectorLabel(value: string, key?: string): string | undefined {
  const texts = key ? [value, `${key}="${value}"`] : [value];
  for (const t of texts) {
    const f = secretsDetector.detect(t)[0];
    if (f) return f.label ?? f.detector;
  }
  return undefined;
}

/** Is this `key = value` a literal credential? Returns the kind (detector label or `credential`). */
export function literalSecret(key: string, value: string, opts: { header?: boolean } = {}): string | undefined {
  if (typeof value !== 'string' || value.length < 6) return undefined;
  const literal = stripReferences(value);
  if (literal.length < 6) return undefined; // a reference, maybe with a short prefix (`Bearer ${TOKEN}`)
  const bare = literal.replace(/^(bearer|basic|token|apikey)\s+/i, '');
  if (bare !== literal && stripReferences(bare) === '') return undefined;
  const label = detectorLabel(value.replace(REFERENCE_RE, ''), key);
  if (label) return label;
  const keyLooksSecret = opts.header ? SECRET_HEADER_RE.test(key) : SECRET_KEY_RE.test(key) && !NOT_SECRET_KEY_RE.test(key);
  if (!keyLooksSecret) return undefined;
  if (bare.length < 8 || looksLikePlaceholder(bare)) return undefined;
  if (/^(https?|file):\/\//i.test(bare) || /^[./~]/.test(bare)) return undefined;
  // A credential-named key with a literal value: lenient on entropy (the key name says it all).
  if (genericValueScore(/passw|pwd/i.test(key) ? 'password' : 'api_key', bare) > 0 || (/[0-9]/.test(bare) && /[A-Za-z]/.test(bare) && !/\s/.test(bare))) return 'credential';
  return undefined;
}

export function secretFindings(s: DiscoveredServer): ScanFinding[] {
  const out: ScanFinding[] = [];
  const fix = 'reference it from the environment (`${VAR}`) or let Portcullis hold and inject it';
  for (const [k, v] of Object.entries(s.env)) {
    const kind = literalSecret(k, v);
    if (kind) out.push({ category: 'secret', severity: 'high', message: `[MCP01] plaintext secret in env ${k} (${kind}): ${fix}` });
  }
  for (const [k, v] of Object.entries(s.headers)) {
    const kind = literalSecret(k, v, { header: true });
    if (kind) out.push({ category: 'secret', severity: 'high', message: `[MCP01] plaintext secret in header ${k} (${kind}): ${fix}` });
  }
  for (let i = 0; i < s.args.length; i++) {
    const a = s.args[i]!;
    const eq = /^--?([A-Za-z][\w-]*)=(.+)$/.exec(a);
    const flag = /^--?([A-Za-z][\w-]*)$/.exec(a);
    let kind: string | undefined;
    if (eq) kind = literalSecret(eq[1]!, eq[2]!);
    else if (flag && s.args[i + 1] !== undefined && SECRET_KEY_RE.test(flag[1]!) && !NOT_SECRET_KEY_RE.test(flag[1]!)) kind = literalSecret(flag[1]!, s.args[i + 1]!);
    if (!kind) {
      const label = detectorLabel(stripReferences(a) === '' ? '' : a);
      if (label) kind = label;
    }
    if (kind) {
      out.push({ category: 'secret', severity: 'high', message: `[MCP01] plaintext secret in argument ${i + 1} (${kind}): ${fix}` });
      if (flag) i++;
    }
  }
  if (s.url) {
    try {
      const u = new URL(s.url);
      if (u.password) out.push({ category: 'secret', severity: 'high', message: `[MCP01] password in the URL: ${fix}` });
      for (const [k, v] of u.searchParams) {
        if (literalSecret(k, v)) out.push({ category: 'secret', severity: 'high', message: `[MCP01] plaintext secret in URL parameter ${k}: ${fix}` });
      }
    } catch {
      /* not a URL: reported elsewhere */
    }
  }
  return out;
}

// ---------------------------------------------------------------- supply chain (MCP04)

const NPX_VALUE_OPTS = new Set(['-p', '--package', '-c', '--call', '--cache', '--registry', '--userconfig', '-w', '--workspace', '--prefix']);
const UVX_VALUE_OPTS = new Set(['--from', '--with', '--with-editable', '--with-requirements', '--python', '-p', '--index', '--index-url', '--extra-index-url', '--default-index', '-i', '--constraint', '-c', '--override', '--cache-dir', '--directory', '--project', '--env-file']);
const DOCKER_VALUE_OPTS = new Set([
  '-e', '--env', '--env-file', '-v', '--volume', '-p', '--publish', '--name', '--network', '--net', '-w', '--workdir', '-u', '--user', '--entrypoint',
  '-l', '--label', '--label-file', '--mount', '--platform', '--pull', '-h', '--hostname', '--add-host', '--cpus', '-m', '--memory', '--cap-add',
  '--cap-drop', '--device', '--tmpfs', '--restart', '--log-driver', '--log-opt', '--security-opt', '--ulimit', '--ipc', '--pid', '--runtime', '--gpus',
  '--expose', '--link', '--volumes-from', '--dns', '--cidfile', '-a', '--attach', '--health-cmd', '--stop-signal', '--stop-timeout', '--shm-size',
  '--userns', '--uts', '--group-add', '--memory-swap', '--cpu-shares', '-c', '--cgroupns', '--init-path',
]);

/** Positional arguments after options (an option in `valueOpts` consumes the next token). */
function positionals(args: readonly string[], valueOpts: Set<string>): { positional: string[]; values: Map<string, string[]> } {
  const positional: string[] = [];
  const values = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (positional.length > 0) {
      positional.push(a);
      continue;
    }
    if (a.startsWith('-')) {
      const eq = a.indexOf('=');
      if (eq > 0) {
        const k = a.slice(0, eq);
        values.set(k, [...(values.get(k) ?? []), a.slice(eq + 1)]);
      } else if (valueOpts.has(a) && i + 1 < args.length) {
        values.set(a, [...(values.get(a) ?? []), args[i + 1]!]);
        i++;
      }
      continue;
    }
    positional.push(a);
  }
  return { positional, values };
}

const EXACT_SEMVER = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** Judge an npm package spec: undefined when pinned to an exact version (or local). */
export function npmSpecProblem(spec: string): ScanFinding | undefined {
  if (/^(\.|\/|~|file:|[A-Za-z]:\\)/.test(spec)) return undefined;
  if (/^(git\+|git:|github:|gitlab:|bitbucket:|https?:)/.test(spec)) {
    return /#[0-9a-f]{40}$/.test(spec)
      ? undefined
      : { category: 'supply_chain', severity: 'medium', message: `[MCP04] ${spec} is fetched from a git/URL source without a commit hash: pin it to a commit or a published version` };
  }
  const m = /^((?:@[^/@\s]+\/)?[^@\s]+)(?:@(.*))?$/.exec(spec);
  if (!m) return undefined;
  const [, name, version] = m;
  if (version === undefined || version === '') {
    return { category: 'supply_chain', severity: 'medium', message: `[MCP04] unpinned package ${name}: the latest version is fetched at every start; pin it (${name}@<version>)` };
  }
  if (EXACT_SEMVER.test(version)) return undefined;
  if (/^[A-Za-z][\w.-]*$/.test(version)) {
    return { category: 'supply_chain', severity: 'medium', message: `[MCP04] package ${name}@${version} follows a moving tag: pin an exact version` };
  }
  return { category: 'supply_chain', severity: 'low', message: `[MCP04] package ${name}@${version} is a version range: pin an exact version` };
}

/** Judge a Python package spec for uvx / pipx. */
export function pySpecProblem(spec: string): ScanFinding | undefined {
  if (/^(\.|\/|~|file:|[A-Za-z]:\\)/.test(spec)) return undefined;
  if (/^(git\+|https?:)/.test(spec)) {
    return /@[0-9a-f]{40}$/.test(spec) ? undefined : { category: 'supply_chain', severity: 'medium', message: `[MCP04] ${spec} is fetched from a git/URL source without a commit hash` };
  }
  const exact = /^([A-Za-z0-9][\w.-]*)(?:\[[^\]]*\])?(?:==|@)(v?\d[\w.+-]*)$/.exec(spec);
  if (exact) return undefined;
  const latest = /^([A-Za-z0-9][\w.-]*)(?:\[[^\]]*\])?@latest$/.exec(spec);
  if (latest) return { category: 'supply_chain', severity: 'medium', message: `[MCP04] package ${latest[1]}@latest: pin an exact version (${latest[1]}==<version>)` };
  const range = /^([A-Za-z0-9][\w.-]*)(?:\[[^\]]*\])?\s*(>=|<=|~=|>|<|!=)/.exec(spec);
  if (range) return { category: 'supply_chain', severity: 'low', message: `[MCP04] package ${spec} is a version range: pin an exact version` };
  const name = /^([A-Za-z0-9][\w.-]*)/.exec(spec)?.[1] ?? spec;
  return { category: 'supply_chain', severity: 'medium', message: `[MCP04] unpinned package ${name}: the latest version is fetched at every start; pin it (${name}==<version>)` };
}

/** Judge a container image reference. */
export function imageProblem(image: string): ScanFinding | undefined {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  const tag = colon >= 0 ? image.slice(colon + 1) : undefined;
  if (tag === undefined || tag === 'latest') {
    return { category: 'supply_chain', severity: 'medium', message: `[MCP04] container image ${image} has ${tag ? 'the latest tag' : 'no tag'}: pin it by digest (image@sha256:…)` };
  }
  return { category: 'supply_chain', severity: 'low', message: `[MCP04] container image ${image} is pinned by a mutable tag only: pin it by digest (image@sha256:…)` };
}

/** Unpinned packages in a command line (`npx`, `bunx`, `pnpm dlx`, `yarn dlx`, `npm exec`, `uvx`, `uv tool run`, `pipx run`, `docker run`, `podman run`). */
export function supplyChainFindings(command: string, args: readonly string[]): ScanFinding[] {
  const base = path.basename(command.replace(/\\/g, '/')).replace(/\.(cmd|exe)$/i, '').toLowerCase();
  let rest: readonly string[] | undefined;
  let eco: 'npm' | 'py' | 'docker' | undefined;
  if (base === 'npx' || base === 'bunx') [eco, rest] = ['npm', args];
  else if ((base === 'pnpm' || base === 'yarn' || base === 'bun') && (args[0] === 'dlx' || args[0] === 'x')) [eco, rest] = ['npm', args.slice(1)];
  else if (base === 'npm' && (args[0] === 'exec' || args[0] === 'x')) [eco, rest] = ['npm', args.slice(1)];
  else if (base === 'uvx') [eco, rest] = ['py', args];
  else if (base === 'uv' && args[0] === 'tool' && args[1] === 'run') [eco, rest] = ['py', args.slice(2)];
  else if (base === 'pipx' && args[0] === 'run') [eco, rest] = ['py', args.slice(1)];
  else if ((base === 'docker' || base === 'podman' || base === 'nerdctl') && (args[0] === 'run' || (args[0] === 'container' && args[1] === 'run'))) {
    [eco, rest] = ['docker', args.slice(args[0] === 'run' ? 1 : 2)];
  }
  if (!eco || !rest) return [];
  const out: ScanFinding[] = [];
  if (eco === 'npm') {
    const { positional, values } = positionals(rest, NPX_VALUE_OPTS);
    const pkgs = [...(values.get('-p') ?? []), ...(values.get('--package') ?? [])];
    if (pkgs.length === 0 && positional[0]) pkgs.push(positional[0]);
    for (const p of pkgs) {
      if (/^portcullis(@|$)/.test(p)) continue; // judged as the gateway, below
      const f = npmSpecProblem(p);
      if (f) out.push(f);
    }
  } else if (eco === 'py') {
    const { positional, values } = positionals(rest, UVX_VALUE_OPTS);
    const from = values.get('--from') ?? values.get('--spec');
    const spec = from?.[0] ?? positional[0];
    if (spec) {
      const f = pySpecProblem(spec);
      if (f) out.push(f);
    }
    for (const w of values.get('--with') ?? []) {
      const f = pySpecProblem(w);
      if (f) out.push(f);
    }
  } else {
    const { positional } = positionals(rest, DOCKER_VALUE_OPTS);
    if (positional[0]) {
      const f = imageProblem(positional[0]);
      if (f) out.push(f);
    }
  }
  return out;
}

// ---------------------------------------------------------------- transport

export function transportFindings(url: string, headers: Record<string, string>): ScanFinding[] {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [{ category: 'config', severity: 'low', message: `URL ${JSON.stringify(url)} does not parse` }];
  }
  if (u.protocol !== 'http:' && u.protocol !== 'ws:') return [];
  if (isLoopbackHost(u.hostname)) return [];
  const carriesCredentials = Object.keys(headers).some((k) => SECRET_HEADER_RE.test(k)) || u.password !== '' || u.username !== '';
  return [
    {
      category: 'insecure_transport',
      severity: carriesCredentials ? 'high' : 'medium',
      message: `remote server over plain http (${u.host})${carriesCredentials ? ' with credentials' : ''}: use https`,
    },
  ];
}

// ---------------------------------------------------------------- all together

export function analyzeServer(s: DiscoveredServer, ctx: AnalyzeContext): ScannedServer {
  const findings: ScanFinding[] = [];
  let routed = false;
  let innerKey: string | undefined;
  if (s.command) {
    const r = routedCommand(s.command, s.args);
    routed = r.routed;
    if (r.inner) {
      innerKey = commandKey(r.inner.command, r.inner.args);
      findings.push(...supplyChainFindings(r.inner.command, r.inner.args));
    }
    findings.push(...supplyChainFindings(s.command, s.args));
    const self = [s.command, ...s.args].find((t) => /^portcullis(@.*)?$/.test(t));
    if (routed && self && (s.command.endsWith('npx') || s.command.endsWith('npx.cmd'))) {
      const f = npmSpecProblem(self);
      if (f) findings.push({ ...f, message: f.message.replace('[MCP04]', '[MCP04] (the Portcullis wrapper)') });
    }
  }
  if (s.url) {
    routed = routedUrl(s.url, ctx.listeners);
    findings.push(...transportFindings(s.url, s.headers));
  }
  findings.push(...secretFindings(s));
  const key = s.command ? commandKey(s.command, s.args) : targetKey(s.url ?? '');
  const registered = ctx.known.some((k) => {
    const kk = targetKey(k.target);
    if (kk) return kk === key || (innerKey !== undefined && kk === innerKey);
    return k.name === s.name;
  });
  const shadow = !routed && !registered;
  if (shadow) {
    findings.push({
      category: 'shadow_server',
      severity: 'medium',
      // `wrap` only rewrites stdio servers: a remote one is routed by moving its URL into the gateway config.
      message: s.command
        ? `[MCP09] shadow server: not routed through Portcullis and not in its registry or config; route it with \`portcullis wrap ${s.file}\``
        : `[MCP09] shadow server: not routed through Portcullis and not in its registry or config; add its URL to the gateway config's mcpServers (\`portcullis init\` does) and point the client at the Portcullis listener`,
    });
  }
  findings.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  return {
    client: s.client,
    file: s.file,
    name: s.name,
    ...(s.command ? { command: commandLine(s.command, s.args) } : { url: s.url ?? '' }),
    routed,
    registered,
    shadow,
    findings,
  };
}
