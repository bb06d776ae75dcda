/**
 * API keys: `pcx_<id>_<secret>`, shown once at creation. Only sha256(key) is stored, looked up by
 * the public id and compared in constant time. Keys can expire and be revoked.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../shared/principal.js';
import type { ApiKeyRecord, Store } from '../store/types.js';
import type { AuthResult } from './types.js';

/** The part of the Store the key functions need. */
export type ApiKeyStore = Pick<Store, 'createApiKey' | 'getApiKey' | 'listApiKeys' | 'revokeApiKey'>;

export const API_KEY_PREFIX = 'pcx_';
const KEY_RE = /^pcx_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

/** `30d`, `12h`, `90m`, `1w` → milliseconds. */
export function parseExpiry(s: string): number {
  const m = /^(\d+)\s*(m|h|d|w)$/.exec(s.trim());
  if (!m) throw new Error(`--expires "${s}": use a duration like 90m, 12h, 30d or 4w`);
  const n = Number(m[1]);
  if (n <= 0) throw new Error(`--expires "${s}": must be positive`);
  return n * { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'm'];
}

/** `alice` → `user:alice`; `agent:ci` stays. */
export function normalizePrincipalName(p: string): string {
  const t = p.trim();
  if (!t) throw new Error('--principal is required');
  if (/^(user|agent):[^\s:]+$/.test(t)) return t;
  if (t.includes(':') || /\s/.test(t)) throw new Error(`principal "${p}": use NAME, user:NAME or agent:NAME`);
  return `user:${t}`;
}

export interface CreatedKey {
  /** The full key: show it once, it cannot be recovered. */
  key: string;
  record: ApiKeyRecord;
}

export async function createApiKey(
  store: ApiKeyStore,
  opts: { principal: string; groups?: string[]; expiresInMs?: number; now?: Date },
): Promise<CreatedKey> {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const key = `${API_KEY_PREFIX}${id}_${secret}`;
  const now = opts.now ?? new Date();
  const record: ApiKeyRecord = {
    id,
    hash: sha256Hex(key),
    principal: normalizePrincipalName(opts.principal),
    groups: [...new Set((opts.groups ?? []).map((g) => g.trim().replace(/^group:/, '')).filter((g) => g.length > 0))],
    createdAt: now.toISOString(),
    ...(opts.expiresInMs !== undefined ? { expiresAt: new Date(now.getTime() + opts.expiresInMs).toISOString() } : {}),
  };
  await store.createApiKey(record);
  return { key, record };
}

export function keyPrincipal(rec: ApiKeyRecord): Principal {
  const id = normalizePrincipalName(rec.principal);
  const kind = id.startsWith('agent:') ? 'Agent' : 'User';
  return {
    id,
    kind,
    groups: [...rec.groups],
    method: 'api-key',
    credential: `api-key:${rec.id}`,
    ...(kind === 'Agent' ? { agent: id.slice('agent:'.length) } : {}),
    ...(rec.expiresAt ? { expiresAt: Math.floor(Date.parse(rec.expiresAt) / 1000) } : {}),
  };
}

const DUMMY_HASH = Buffer.alloc(32);

export async function verifyApiKey(store: ApiKeyStore, key: string, now: Date = new Date()): Promise<AuthResult> {
  const bad = (description: string): AuthResult => ({ ok: false, status: 401, error: 'invalid_token', description });
  const m = KEY_RE.exec(key);
  if (!m) return bad('malformed API key');
  const rec = await store.getApiKey(m[1] as string);
  const presented = createHash('sha256').update(key, 'utf8').digest();
  // Compare even when the id is unknown, so timing does not tell which ids exist.
  const storedBuf = rec && /^[0-9a-f]{64}$/.test(rec.hash) ? Buffer.from(rec.hash, 'hex') : DUMMY_HASH;
  const equal = timingSafeEqual(presented, storedBuf);
  if (!rec || !equal) return bad('unknown API key');
  if (rec.revokedAt) return bad('the API key has been revoked');
  if (rec.expiresAt && Date.parse(rec.expiresAt) <= now.getTime()) return bad('the API key has expired');
  return { ok: true, principal: keyPrincipal(rec) };
}

export async function listApiKeys(store: ApiKeyStore): Promise<ApiKeyRecord[]> {
  return store.listApiKeys();
}

export async function revokeApiKey(store: ApiKeyStore, id: string): Promise<boolean> {
  const m = /^pcx_([0-9a-f]{16})(_.*)?$/.exec(id);
  return store.revokeApiKey(m ? (m[1] as string) : id);
}

/** A Map-backed store of keys, for tests and `auth` without a data dir. */
export function memoryApiKeyStore(): ApiKeyStore {
  const m = new Map<string, ApiKeyRecord>();
  return {
    async createApiKey(k) {
      if (m.has(k.id)) throw new Error(`API key ${k.id} exists`);
      m.set(k.id, { ...k, groups: [...k.groups] });
    },
    async getApiKey(id) {
      const r = m.get(id);
      return r ? { ...r, groups: [...r.groups] } : undefined;
    },
    async listApiKeys() {
      return [...m.values()].map((r) => ({ ...r, groups: [...r.groups] }));
    },
    async revokeApiKey(id) {
      const r = m.get(id);
      if (!r || r.revokedAt) return false;
      r.revokedAt = new Date().toISOString();
      return true;
    },
  };
}
