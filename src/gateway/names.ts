/**
 * Namespacing of tool and prompt names across upstream servers: `server__tool`.
 * Many clients cap tool names at 64 characters, so longer names are shortened
 * deterministically (same input, same name, across restarts and replicas) with a hash suffix.
 */
import { createHash } from 'node:crypto';
import type { ListKind } from '../pipeline/types.js';

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

/** Each kind of list: the method that fetches it and the result key that holds its items. */
export const LIST_METHOD: Record<ListKind, { method: string; key: string }> = {
  tools: { method: 'tools/list', key: 'tools' },
  prompts: { method: 'prompts/list', key: 'prompts' },
  resources: { method: 'resources/list', key: 'resources' },
  resourceTemplates: { method: 'resources/templates/list', key: 'resourceTemplates' },
};
