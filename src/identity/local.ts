/**
 * Identity helpers with no JWT/API-key machinery, so the stdio path can use them without
 * loading `jose` (re-exported from http.ts).
 */
import os from 'node:os';
import type { Config } from '../config/schema.js';
import type { Principal } from '../shared/principal.js';

/** Is this bind address loopback-only? */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** The principal of a stdio session: `auth.stdio.principal` from the config, or the local OS user. */
export function stdioPrincipal(auth: Config['auth']): Principal {
  if (auth !== 'none' && auth.stdio?.principal) {
    const p = auth.stdio.principal;
    const id = /^(user|agent):/.test(p) ? p : `user:${p}`;
    const kind = id.startsWith('agent:') ? 'Agent' : 'User';
    return { id, kind, groups: [...(auth.stdio.groups ?? [])], method: 'config', ...(kind === 'Agent' ? { agent: id.slice(6) } : {}) };
  }
  let name = 'unknown';
  try {
    name = os.userInfo().username || name;
  } catch {
    name = process.env.USER ?? process.env.USERNAME ?? name;
  }
  return { id: `user:${name}`, kind: 'User', groups: auth !== 'none' ? [...(auth.stdio?.groups ?? [])] : [], method: 'os-user' };
}
