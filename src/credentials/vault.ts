/**
 * The secret vault: values sealed with AES-256-GCM under a master key, stored in the Store
 * (SQLite or PostgreSQL), opened only where a value is injected (upstream env / headers).
 *
 * The master key comes from `PORTCULLIS_MASTER_KEY` (32 bytes as base64 or hex) or, failing that,
 * from `<dataDir>/master.key`, created with mode 0600 on first use. A key file readable by group
 * or others is refused (a copy of the database plus a readable key is a copy of every secret).
 * Production: keep the key out of the data dir (`PORTCULLIS_MASTER_KEY` from a secret manager),
 * so a stolen database alone reveals nothing.
 *
 * Each value is sealed with a fresh 96-bit IV and the secret's name as associated data, so a
 * ciphertext moved to another name (or edited) fails to open instead of injecting the wrong value.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SecretRecord, Store } from '../store/types.js';

export const MASTER_KEY_ENV = 'PORTCULLIS_MASTER_KEY';
export const MASTER_KEY_FILE = 'master.key';
/** Names usable in `${secret:NAME}`: letters, digits, `_ . -`, starting with a letter. */
export const SECRET_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;
const AAD_PREFIX = 'portcullis-secret:v1:';

export class VaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultError';
  }
}

export interface MasterKey {
  key: Buffer;
  /** First 16 hex of sha256(key): tells which key sealed a value, reveals nothing of it. */
  id: string;
  source: 'env' | 'file';
}

function parseKey(text: string, where: string): Buffer {
  const t = text.trim();
  const buf = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (buf.length !== 32) throw new VaultError(`${where}: the master key must be 32 bytes (64 hex digits or 44 base64 characters); got ${buf.length} bytes`);
  return buf;
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * The master key: from the environment, else the key file in the data dir (created when `create`).
 * Throws VaultError when there is none and `create` is false, or the file's mode is loose.
 */
export function loadMasterKey(dataDir: string, opts: { create?: boolean; env?: NodeJS.ProcessEnv } = {}): MasterKey {
  const env = opts.env ?? process.env;
  const fromEnv = env[MASTER_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    const key = parseKey(fromEnv, MASTER_KEY_ENV);
    return { key, id: keyId(key), source: 'env' };
  }
  const file = path.join(dataDir, MASTER_KEY_FILE);
  if (!existsSync(file)) {
    if (!opts.create) throw new VaultError(`no master key: set ${MASTER_KEY_ENV} or create one with \`portcullis secrets set\` (it writes ${file})`);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const key = randomBytes(32);
    writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return { key, id: keyId(key), source: 'file' };
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new VaultError(`${file} is readable by others (mode ${mode.toString(8)}): run \`chmod 600 ${file}\``);
  }
  const key = parseKey(readFileSync(file, 'utf8'), file);
  return { key, id: keyId(key), source: 'file' };
}

export function seal(master: MasterKey, name: string, value: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', master.key, iv);
  c.setAAD(Buffer.from(AAD_PREFIX + name, 'utf8'));
  const body = Buffer.concat([c.update(value, 'utf8'), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
}

export function open(master: MasterKey, rec: Pick<SecretRecord, 'name' | 'ciphertext' | 'keyId'>): string {
  if (rec.keyId !== master.id) throw new VaultError(`secret ${rec.name} was sealed with master key ${rec.keyId}, not the current one (${master.id})`);
  const raw = Buffer.from(rec.ciphertext, 'base64');
  if (raw.length < 28) throw new VaultError(`secret ${rec.name}: stored value is damaged`);
  const d = createDecipheriv('aes-256-gcm', master.key, raw.subarray(0, 12));
  d.setAAD(Buffer.from(AAD_PREFIX + rec.name, 'utf8'));
  d.setAuthTag(raw.subarray(12, 28));
  try {
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  } catch {
    throw new VaultError(`secret ${rec.name}: stored value fails its integrity check (tampered, or another key)`);
  }
}

/** Secrets by name over a Store. Values leave it only through `get`. */
export class Vault {
  constructor(
    private readonly store: Store,
    private readonly master: MasterKey,
  ) {}

  async set(name: string, value: string): Promise<void> {
    if (!SECRET_NAME.test(name)) throw new VaultError(`"${name}" is not a valid secret name (letters, digits, _ . -, starting with a letter)`);
    const now = new Date().toISOString();
    const prev = await this.store.getSecret(name);
    await this.store.putSecret({ name, ciphertext: seal(this.master, name, value), keyId: this.master.id, createdAt: prev?.createdAt ?? now, updatedAt: now });
  }

  async get(name: string): Promise<string | undefined> {
    const rec = await this.store.getSecret(name);
    return rec ? open(this.master, rec) : undefined;
  }

  /** Names and dates only. */
  async list(): Promise<Array<{ name: string; createdAt: string; updatedAt: string; keyId: string }>> {
    return (await this.store.listSecrets()).map(({ name, createdAt, updatedAt, keyId: k }) => ({ name, createdAt, updatedAt, keyId: k }));
  }

  remove(name: string): Promise<boolean> {
    return this.store.deleteSecret(name);
  }
}
