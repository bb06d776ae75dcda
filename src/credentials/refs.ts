/**
 * `${secret:NAME}` references in the config: allowed in a server's `env` values (stdio) and
 * `headers` values (HTTP / SSE), and nowhere else (a secret in `args` or a URL would show in
 * process listings, the registry and logs). They are resolved from the vault when the gateway
 * starts, into the spec the upstream is started with, and never written back to the config.
 */
import type { ResolvedServer } from '../config/load.js';
import { isStdio } from '../config/schema.js';
import { SECRET_NAME, type Vault } from './vault.js';
import { credentialSecretNames } from './upstream.js';

const REF = /\$\{secret:([^}]*)\}/g;

export class SecretRefError extends Error {
  constructor(public readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'SecretRefError';
  }
}

/** Where in a `credentials` block a reference may stand (the values handed to one principal, client secrets). */
const CREDENTIAL_FIELD = /^(byPrincipal\.[^.]+(?:\.[^.]+)*\.[^.]+|default\.[^.]+|oauth\.clientSecret|tokenExchange\.clientSecret)$/;

/**
 * Where a reference may stand: `env.<VAR>` of a stdio server, `headers.<Name>` of a remote one, and
 * the values and client secrets of `credentials` (opened per principal, see upstream.ts).
 */
function fields(s: ResolvedServer): Array<{ where: string; value: string; allowed: boolean }> {
  const out: Array<{ where: string; value: string; allowed: boolean }> = [];
  const spec = s.spec as unknown as Record<string, unknown>;
  const walk = (v: unknown, where: string, allowed: (rel: string) => boolean, rel: string) => {
    if (typeof v === 'string') out.push({ where, value: v, allowed: allowed(rel) });
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`, () => false, rel));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`, allowed, rel ? `${rel}.${k}` : k);
  };
  for (const [k, v] of Object.entries(spec)) {
    const top = (k === 'env' && isStdio(s.spec)) || (k === 'headers' && !isStdio(s.spec));
    walk(v, `servers.${s.name}.${k}`, k === 'credentials' ? (rel) => CREDENTIAL_FIELD.test(rel) : () => top, '');
  }
  return out;
}

/** Problems with the references in these servers (bad names, refs where secrets may not go). */
export function checkSecretRefs(servers: ResolvedServer[]): string[] {
  const problems: string[] = [];
  for (const s of servers) {
    for (const f of fields(s)) {
      for (const m of f.value.matchAll(REF)) {
        const name = m[1]!;
        if (!f.allowed) problems.push(`${f.where}: \${secret:${name}} may only be used in a stdio server's env, a remote server's headers, or the values and client secrets of its credentials`);
        else if (!SECRET_NAME.test(name)) problems.push(`${f.where}: "${name}" is not a valid secret name (letters, digits, _ . -, starting with a letter)`);
      }
    }
  }
  return problems;
}

/** The secret names referenced by these servers. */
export function secretNames(servers: ResolvedServer[]): string[] {
  const names = new Set<string>();
  for (const s of servers) for (const f of fields(s)) for (const m of f.value.matchAll(REF)) names.add(m[1]!);
  return [...names].sort();
}

export function hasSecretRefs(servers: ResolvedServer[]): boolean {
  return servers.some((s) => fields(s).some((f) => f.value.includes('${secret:')));
}

/**
 * The servers with every reference replaced by the secret's value. Throws SecretRefError naming
 * each missing secret or misplaced reference: a server is never started with a literal reference.
 */
export async function resolveSecretRefs(servers: ResolvedServer[], vault: Pick<Vault, 'get'>): Promise<ResolvedServer[]> {
  const problems = checkSecretRefs(servers);
  if (problems.length > 0) throw new SecretRefError(problems);
  const cache = new Map<string, string | undefined>();
  const sub = async (value: string, where: string): Promise<string> => {
    let out = '';
    let last = 0;
    for (const m of value.matchAll(REF)) {
      const name = m[1]!;
      if (!cache.has(name)) cache.set(name, await vault.get(name));
      const v = cache.get(name);
      if (v === undefined) {
        problems.push(`${where}: secret "${name}" is not in the vault (set it with \`portcullis secrets set ${name}\`)`);
        continue;
      }
      out += value.slice(last, m.index) + v;
      last = m.index! + m[0].length;
    }
    return out + value.slice(last);
  };
  const out: ResolvedServer[] = [];
  for (const s of servers) {
    const spec = { ...s.spec } as Record<string, unknown>;
    const key = isStdio(s.spec) ? 'env' : 'headers';
    const map = spec[key] as Record<string, string> | undefined;
    if (map) {
      const next: Record<string, string> = {};
      for (const [k, v] of Object.entries(map)) next[k] = v.includes('${secret:') ? await sub(v, `servers.${s.name}.${key}.${k}`) : v;
      spec[key] = next;
    }
    out.push({ name: s.name, spec: spec as unknown as ResolvedServer['spec'] });
  }
  // Per-principal credentials are opened per connection, but a reference to no secret is a config error now.
  for (const name of credentialSecretNames(servers)) {
    if (!cache.has(name)) cache.set(name, await vault.get(name));
    if (cache.get(name) === undefined) problems.push(`servers.*.credentials: secret "${name}" is not in the vault (set it with \`portcullis secrets set ${name}\`)`);
  }
  if (problems.length > 0) throw new SecretRefError(problems);
  return out;
}
