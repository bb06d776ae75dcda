/**
 * Admin credentials: bearer tokens kept in files in the data dir (mode 0600), created at first start
 * and rotated with `portcullis admin token`. `admin.token` / `admin.viewerToken` in the config
 * replace the files (for deployments that inject secrets).
 *
 * Roles: `admin` may do everything; `viewer` may only read (GET /api/*, /metrics).
 *
 * The running gateway re-reads a file when its inode, size or mtime changes (one `stat` per
 * authenticated admin request), so a rotation takes effect at once without a restart. A file that
 * disappears, or that has become readable by other users, grants nothing (fail closed).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type AdminRole = 'admin' | 'viewer';

export const TOKEN_FILES: Record<AdminRole, string> = { admin: 'admin-token', viewer: 'admin-viewer-token' };
const PREFIX: Record<AdminRole, string> = { admin: 'pcx_admin_', viewer: 'pcx_view_' };

export function tokenFile(dataDir: string, role: AdminRole): string {
  return path.join(dataDir, TOKEN_FILES[role]);
}

export function newToken(role: AdminRole): string {
  return PREFIX[role] + randomBytes(32).toString('base64url');
}

const sha = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Refuse a token file others can read or write: the token in it can no longer be trusted. */
function assertPrivate(file: string, st: Stats): void {
  if (process.platform === 'win32') return;
  if ((st.mode & 0o077) !== 0) throw new Error(`${file} is accessible to other users (mode ${(st.mode & 0o777).toString(8)}): run \`chmod 600 ${file}\` and rotate it with \`portcullis admin token\``);
}

function readTokenFile(file: string): string {
  const st = statSync(file);
  assertPrivate(file, st);
  const t = readFileSync(file, 'utf8').trim();
  if (t.length < 16) throw new Error(`${file} holds no usable token (rotate it with \`portcullis admin token\`)`);
  return t;
}

/** Write `token` to `file` atomically (temp file 0600, fsync, rename). */
export function writeTokenFile(file: string, token: string): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, token + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
}

/**
 * The token of `role` in `dataDir`: read it, or create it when there is none.
 * `created` is the new token when this call made it (print it once), else undefined.
 */
export function ensureTokenFile(dataDir: string, role: AdminRole): { file: string; created?: string } {
  const file = tokenFile(dataDir, role);
  try {
    readTokenFile(file);
    return { file };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const token = newToken(role);
  // O_EXCL: two gateways starting on one data dir do not overwrite each other's fresh token.
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      readTokenFile(file);
      return { file };
    }
    throw e;
  }
  try {
    writeSync(fd, token + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { file, created: token };
}

/** Replace the token of `role` with a new one and return it. */
export function rotateTokenFile(dataDir: string, role: AdminRole): { file: string; token: string } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = tokenFile(dataDir, role);
  const token = newToken(role);
  writeTokenFile(file, token);
  return { file, token };
}

/** The token a CLI client sends: the file of `role` in `dataDir` (checked private), or undefined when absent. */
export function readTokenFor(dataDir: string, role: AdminRole = 'admin'): string | undefined {
  try {
    return readTokenFile(tokenFile(dataDir, role));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

interface Cached {
  key: string;
  hash?: Buffer;
}

/** One credential: a fixed secret (from the config) or a file re-read when it changes. */
class Credential {
  private cached?: Cached;
  constructor(
    private readonly fixed: string | undefined,
    private readonly file: string | undefined,
  ) {}

  private hash(): Buffer | undefined {
    if (this.fixed !== undefined) {
      this.cached ??= { key: 'fixed', hash: sha(this.fixed) };
      return this.cached.hash;
    }
    if (!this.file) return undefined;
    let st: Stats;
    try {
      st = statSync(this.file);
    } catch {
      this.cached = undefined;
      return undefined;
    }
    const key = `${st.ino}:${st.size}:${st.mtimeMs}:${st.mode}`;
    if (this.cached?.key === key) return this.cached.hash;
    let hash: Buffer | undefined;
    try {
      hash = sha(readTokenFile(this.file));
    } catch {
      hash = undefined;
    }
    this.cached = { key, hash };
    return hash;
  }

  matches(given: Buffer): boolean {
    const h = this.hash();
    return h !== undefined && timingSafeEqual(h, given);
  }
}

export interface AdminCredentialsOptions {
  dataDir?: string;
  /** `admin.token` from the config: replaces the admin token file. */
  token?: string;
  /** `admin.viewerToken` from the config: replaces the viewer token file. */
  viewerToken?: string;
}

/** Maps a presented bearer token to a role. */
export class AdminCredentials {
  private readonly admin: Credential;
  private readonly viewer: Credential;
  constructor(o: AdminCredentialsOptions) {
    this.admin = new Credential(o.token, o.dataDir ? tokenFile(o.dataDir, 'admin') : undefined);
    this.viewer = new Credential(o.viewerToken, o.dataDir ? tokenFile(o.dataDir, 'viewer') : undefined);
  }

  /** The role a bearer token grants, or undefined. */
  roleOf(token: string): AdminRole | undefined {
    if (token.length === 0 || token.length > 4096) return undefined;
    const h = sha(token);
    if (this.admin.matches(h)) return 'admin';
    if (this.viewer.matches(h)) return 'viewer';
    return undefined;
  }
}
