/**
 * Path canonicalisation: the one place that turns a path argument into the absolute path the
 * upstream will open, before any rule (a policy `where` condition, the sensitive-path detector)
 * looks at it. So `secret/key.txt`, `./secret/key.txt`, `~/secret/key.txt`, `/srv/x/../secret`,
 * `//srv///secret`, `file:///srv/%73ecret`, a symlink into `secret/` and an NFD spelling of an
 * accented folder all become the same string.
 *
 * Steps: NUL → refused; Unicode NFC; `file:` URL → its path (percent-decoded; a remote host is
 * refused); percent-encoding decoded (until stable; more than 3 layers is refused); Windows forms
 * (drive letters, UNC, backslashes) refused on a POSIX host; `~` and `~user` expanded; relative
 * paths resolved against the server's working directory (or its single root); `.`, `..` and
 * repeated slashes resolved; on the gateway's own host (stdio servers share it) every existing
 * prefix is resolved with the real file system, component by component, so a symlink followed by
 * `..` lands where the kernel would land.
 *
 * What cannot be canonicalised is an error, never the raw string: callers treat it as matching
 * a deny rule and failing an allow rule.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface PathBase {
  /** Working directory of the server process (absolute). Relative paths resolve against it. */
  cwd?: string;
  /** The server's roots (absolute), when known: used for relative paths when there is no cwd and exactly one root. */
  roots?: readonly string[];
  /** Home directory the server expands `~` to. Default: the gateway user's, when `local`. */
  home?: string;
  /** The server runs on the gateway's host (stdio): resolve symlinks with the real file system. */
  local?: boolean;
}

type Refused = { ok: false; reason: string };
export type CanonicalPath = { ok: true; path: string } | Refused;

const fail = (reason: string): Refused => ({ ok: false, reason });

let passwd: { at: number; homes: Map<string, string> } | undefined;

/** Home directory of a local user from /etc/passwd (refreshed every minute), or undefined. */
function homeOf(user: string): string | undefined {
  try {
    if (user === os.userInfo().username) return os.homedir();
  } catch {
    /* no passwd entry for the current uid */
  }
  const now = Date.now();
  if (!passwd || now - passwd.at > 60_000) {
    const homes = new Map<string, string>();
    try {
      for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const f = line.split(':');
        if (f.length >= 6 && f[0]) homes.set(f[0], f[5]!);
      }
    } catch {
      /* none known */
    }
    passwd = { at: now, homes };
  }
  return passwd.homes.get(user);
}

function percentDecode(s: string): string | undefined {
  let cur = s;
  for (let i = 0; i < 4; i++) {
    if (!/%[0-9a-fA-F]{2}/.test(cur)) return cur;
    if (i === 3) return undefined; // more layers than any server decodes: refuse
    try {
      cur = decodeURIComponent(cur);
    } catch {
      return undefined;
    }
  }
  return cur;
}

/**
 * Strings that are certainly meant as paths whatever the argument's key: absolute, home-relative,
 * `./` or `../`, `file:`, a Windows drive or UNC path, or anything holding a NUL byte (which no
 * canonical form has). A relative `a/b` under an ordinary key may be prose (`and/or`, `text/html`),
 * so it is not here. The one definition the policy engine's path views and the inspect stage share.
 */
export function isCertainlyPath(s: string): boolean {
  return CERTAIN_PATH.test(s);
}
const CERTAIN_PATH = /^(?:\/|~|\.\.?[/\\]|file:|[A-Za-z]:[\\/]|\\\\)|\0/i;

/** Does the string look like it is meant as a file path (for arguments not declared as paths)? */
export function looksLikePath(s: string): boolean {
  if (s.length === 0 || s.length > 4096 || /[\s]/.test(s.trim()) || s.includes('\n')) return false;
  if (/^file:/i.test(s)) return true;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(s)) return /^[A-Za-z]:[\\/]/.test(s); // other URI schemes are not paths
  return s.startsWith('/') || s.startsWith('~') || s.startsWith('./') || s.startsWith('../') || s === '.' || s === '..' || s.startsWith('\\\\') || s.includes('/');
}

/** Canonicalise a path argument for the server described by `base`. */
export function canonicalPath(raw: string, base: PathBase = {}): CanonicalPath {
  if (raw.includes('\0')) return fail('NUL byte in path');
  let p = raw.normalize('NFC');
  if (/^file:/i.test(p)) {
    let u: URL;
    try {
      u = new URL(p);
    } catch {
      return fail('file: URL does not parse');
    }
    if (u.hostname !== '' && u.hostname.toLowerCase() !== 'localhost') return fail(`file: URL on another host (${u.hostname})`);
    p = u.pathname;
  }
  const dec = percentDecode(p);
  if (dec === undefined) return fail('malformed or multiply percent-encoded path');
  p = dec.normalize('NFC');
  if (p.includes('\0')) return fail('NUL byte in path');
  if (/^\/?[A-Za-z]:(?:[\\/]|$)/.test(p) || p.includes('\\')) return fail('Windows-style path on a POSIX host');
  if (p.startsWith('~')) {
    const m = /^~([^/]*)(.*)$/.exec(p)!;
    const home = m[1] === '' ? (base.home ?? (base.local ? os.homedir() : undefined)) : base.local ? homeOf(m[1]!) : undefined;
    if (!home) return fail(m[1] === '' ? 'home directory of the server is not known' : `unknown user ~${m[1]}`);
    p = home + (m[2] || '');
  }
  if (!p.startsWith('/')) {
    // Relative: against the cwd and every root the server may use; they must all agree.
    const dirs = [...new Set([...(base.cwd ? [base.cwd] : []), ...(base.roots ?? [])])];
    if (dirs.length === 0 || dirs.some((d) => !d.startsWith('/'))) return fail('relative path and the server has no known working directory');
    let agreed: string | undefined;
    for (const d of dirs) {
      const r = absolute(`${d}/${p}`, base);
      if (!r.ok) return r;
      if (agreed !== undefined && agreed !== r.path) return fail(`relative path is ambiguous: it resolves to ${agreed} or ${r.path} depending on the server's directory`);
      agreed = r.path;
    }
    return { ok: true, path: agreed! };
  }
  return absolute(p, base);
}

function absolute(p: string, base: PathBase): CanonicalPath {
  if (!base.local) {
    const lexical = path.posix.resolve(p);
    // A remote server reads /proc/self/… as itself: nothing here can say where that leads.
    if (PROCESS_RELATIVE.test(lexical)) return fail(`path depends on the process that opens it (${lexical})`);
    return { ok: true, path: lexical };
  }
  const r = resolveReal(p, { links: 0 });
  return r.ok ? { ok: true, path: r.path } : r;
}

/**
 * Links whose target depends on the process that follows them: `/proc/self` is the gateway here and
 * the server there, `/dev/fd/N` and `/dev/stdin` are each process's own descriptors. A path through
 * one cannot be canonicalised on the server's behalf (`/proc/self/cwd/secret` is the server's cwd).
 */
const PROCESS_RELATIVE = /^\/(?:proc\/(?:self|thread-self)|dev\/(?:fd|stdin|stdout|stderr))(?:\/|$)/;
/** As the kernel's limit on links followed in one lookup (ELOOP). */
const MAX_LINKS = 40;

/**
 * Resolve an absolute path component by component against the real file system, following each
 * symbolic link ourselves (not `realpath`, which would read `/proc/self` as the gateway), so every
 * component of every link target is checked. `exists` is false once a component is missing: the
 * rest is kept lexically (where a create would go).
 */
function resolveReal(abs: string, budget: { links: number }): { ok: true; path: string; exists: boolean } | Refused {
  const segs = abs.split('/');
  let cur = '/';
  let real = true; // every component so far exists
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      cur = path.posix.dirname(cur);
      continue;
    }
    const next = cur === '/' ? `/${seg}` : `${cur}/${seg}`;
    if (PROCESS_RELATIVE.test(next)) return fail(`path depends on the process that opens it (${next})`);
    if (!real) {
      cur = next;
      continue;
    }
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(next, { throwIfNoEntry: false });
    } catch (e) {
      // EACCES, ENOTDIR: the server cannot open it either, or sees something we cannot: keep the lexical form
      if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') real = false;
      else return fail(`cannot examine ${next}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    if (!st) {
      real = false;
      cur = next;
      continue;
    }
    if (!st.isSymbolicLink()) {
      cur = next;
      continue;
    }
    if (++budget.links > MAX_LINKS) return fail(`too many symbolic links at ${next}`);
    let target: string;
    try {
      target = fs.readlinkSync(next);
    } catch (e) {
      return fail(`cannot resolve link ${next}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const r = resolveReal(target.startsWith('/') ? target : `${cur}/${target}`, budget);
    if (!r.ok) return r;
    cur = r.path;
    real = r.exists; // a dangling link: where it points is where a create would go
  }
  return { ok: true, path: cur, exists: real };
}

/**
 * The PathBase of each configured server: a stdio server runs on this host, in its `cwd`
 * (relative to the gateway's working directory, as the child is spawned) or the gateway's, with
 * `HOME` from its `env` or the gateway user's; a remote server's working directory and home are
 * unknown (relative and `~` paths cannot be canonicalised for it).
 */
export function pathBasesOf(servers: ReadonlyArray<{ name: string; spec: object }>): (server: string) => PathBase {
  const bases = new Map<string, PathBase>();
  for (const { name, spec: raw } of servers) {
    const spec = raw as { command?: string; args?: string[]; cwd?: string; env?: Record<string, string> };
    if (spec.command) {
      const home = spec.env?.HOME;
      const cwd = path.resolve(spec.cwd ?? process.cwd());
      // Absolute directory arguments are the server's roots (filesystem servers take their allowed
      // directories this way, and resolve relative paths against them).
      const roots = (spec.args ?? []).filter((a) => {
        if (!a.startsWith('/')) return false;
        try {
          return fs.statSync(a).isDirectory();
        } catch {
          return false;
        }
      }).map((a) => {
        try {
          return fs.realpathSync(a);
        } catch {
          return a;
        }
      });
      // With roots and no explicit cwd, the roots are what relative paths mean to it.
      const b: PathBase = { local: true, ...(spec.cwd || roots.length === 0 ? { cwd } : {}), ...(roots.length ? { roots } : {}), ...(home && home.startsWith('/') ? { home } : {}) };
      bases.set(name, b);
    } else bases.set(name, {});
  }
  return (server) => bases.get(server) ?? {};
}
