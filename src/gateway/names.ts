/**
 * Namespacing of tool and prompt names across upstream servers: `server__tool`.
 * Many clients cap tool names at 64 characters, so longer names are shortened
 * deterministically (same input, same name, across restarts and replicas) with a hash suffix.
 */
import { createHash } from 'node:crypto';
import type { ListKind } from '../shared/lists.js';

export const MAX_NAME_LENGTH = 64;

export function shortHash(s: string, n = 8): string {
  return createHash('sha256').update(s).digest('hex').slice(0, n);
}

export function namespaced(prefix: string, separator: string, name: string): string {
  const full = prefix === '' ? name : `${prefix}${separator}${name}`;
  if (full.length <= MAX_NAME_LENGTH) return full;
  const suffix = `_${shortHash(full)}`;
  return full.slice(0, MAX_NAME_LENGTH - suffix.length) + suffix;
}

/** A second server claiming an exposed name gets a distinct, stable one. */
export function disambiguate(exposed: string, server: string): string {
  const suffix = `_${shortHash(`${server}\0${exposed}`, 6)}`;
  return exposed.slice(0, MAX_NAME_LENGTH - suffix.length) + suffix;
}

/** Each kind of list: the method that fetches it and the result key that holds its items (shared vocabulary). */
import { LIST_METHOD } from '../shared/lists.js';
export { LIST_METHOD };

/** Where a client is in a paged list: opaque to it (base64url JSON), checked when it comes back. */
export interface ListCursor {
  kind: ListKind;
  gen: number;
  offset: number;
}

export function encodeListCursor(c: ListCursor): string {
  return Buffer.from(JSON.stringify([c.kind, c.gen, c.offset])).toString('base64url');
}

/** The cursor, or undefined for anything this gateway did not issue (the caller answers -32602). */
export function decodeListCursor(cursor: unknown): ListCursor | undefined {
  if (typeof cursor !== 'string' || cursor.length > 200) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 3) return undefined;
    const [kind, gen, offset] = v as unknown[];
    if (typeof kind !== 'string' || !(kind in LIST_METHOD)) return undefined;
    if (!Number.isSafeInteger(gen) || !Number.isSafeInteger(offset) || (offset as number) < 0) return undefined;
    return { kind: kind as ListKind, gen: gen as number, offset: offset as number };
  } catch {
    return undefined;
  }
}
