/**
 * The short YAML form of policy (in the main config) compiled to Cedar.
 *
 * ```yaml
 * policy:
 *   allow:
 *     - { principal: "group:eng", tools: ["everything__*"] }
 *     - { principal: "user:alice", tools: ["filesystem__read_*"], where: { path: { startsWith: "/srv/project/" } } }
 *   deny:
 *     - { principal: "*", tools: ["everything__get-env"] }
 * ```
 *
 * - `principal`: `user:NAME`, `group:NAME`, `agent:NAME` (the OAuth client), `anonymous`, `user:*`,
 *   `agent:*` or `*`; a list means any of them. In a `deny`, `agent:NAME` also matches a user
 *   acting through that client; in an `allow` it matches only the agent itself.
 * - `tools` / `prompts`: `server__name` globs (`*` is the only wildcard): `github__*`,
 *   `filesystem__read_*`, `*`. `resources`: URI globs (`file:///srv/project/*`), matched against
 *   the normalised URI. A rule with none of the three applies to all of them.
 * - `methods`: other JSON-RPC methods by name (`x/admin_reset`, `x/*`). A method the gateway does
 *   not know is denied unless an `allow` rule names it (a rule without `methods` never allows one).
 * - `where`: conditions on arguments, all of which must hold: `{ path: { startsWith: "/srv/" } }`,
 *   `{ mode: { equals: "read" } }` (or just `mode: read`), `{ branch: { in: [main, dev] } }`,
 *   `{ file: { matches: "*.md" } }`. Dotted names reach into objects (`options.recursive`).
 *   Conditions test the normalised value (`..`, `//` resolved), so traversal cannot escape a
 *   `startsWith`. In an `allow` a missing argument fails the condition; in a `deny` an argument
 *   that is present but has the wrong type counts as matching.
 * - `obligations`: e.g. `[approve]`, `[redact, "rate:10/m"]` (see obligations.ts).
 * - `id`: the policy id recorded in the audit event (default `policy.allow[0]`).
 *
 * When any YAML rule is present, the compiled set also permits `sample` and `elicit` (requests a
 * server makes to the user's client); forbid them in Cedar if you want them denied.
 */
import type { Expr, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Config } from '../config/schema.js';
import { type ArgType, sameType, typeToString } from './args.js';
import { parseObligations } from './obligations.js';
import type { LoadedPolicy } from './types.js';

type PolicyConfig = NonNullable<Config['policy']>;
type Rule = PolicyConfig['allow'][number];

export interface CompiledYaml {
  policies: LoadedPolicy[];
  /** Argument types the `where` conditions need, merged (nested records for dotted names). */
  argumentTypes: Record<string, ArgType>;
  /** Arguments some condition compares with a path (`/…`, `~…`, `file:…`): canonicalised as paths. */
  pathArguments: string[];
  problems: string[];
}

const looksAbsolute = (v: unknown) => typeof v === 'string' && /^(?:\/|~|file:)/i.test(v);
/** Condition operands are compared with canonical (NFC) values: put them in NFC too. */
const nfc = (v: unknown) => (typeof v === 'string' ? v.normalize('NFC') : v);

const ctx = (attr: string): Expr => ({ '.': { left: { Var: 'context' }, attr } });
const dot = (left: Expr, attr: string): Expr => ({ '.': { left, attr } });
const val = (v: unknown): Expr => ({ Value: v as never });
const ent = (type: string, id: string): Expr => val({ __entity: { type, id } });
const and = (xs: Expr[]): Expr => xs.reduce((l, r) => ({ '&&': { left: l, right: r } }));
const or = (xs: Expr[]): Expr => xs.reduce((l, r) => ({ '||': { left: l, right: r } }));
const TRUE: Expr = { Value: true };

/** A `*` glob as a Cedar `like` pattern (literal `*` cannot be expressed in the YAML form). */
function likePattern(glob: string): Array<'Wildcard' | { Literal: string }> {
  const out: Array<'Wildcard' | { Literal: string }> = [];
  for (const ch of glob) out.push(ch === '*' ? 'Wildcard' : { Literal: ch });
  return out;
}
const like = (left: Expr, glob: string): Expr => ({ like: { left, pattern: likePattern(glob) } });

function principalExpr(p: string, effect: 'permit' | 'forbid'): Expr | string {
  const principal: Expr = { Var: 'principal' };
  if (p === '*') return TRUE;
  if (p === 'anonymous') return { is: { left: principal, entity_type: 'Anonymous' } };
  const m = /^(user|group|agent):(.+)$/.exec(p);
  if (!m) return `principal "${p}" must be user:NAME, group:NAME, agent:NAME, anonymous or *`;
  const [, kind, name] = m as unknown as [string, 'user' | 'group' | 'agent', string];
  if (name.includes('*') && name !== '*') return `principal "${p}": only a whole "*" is allowed as a wildcard (user:*, agent:*)`;
  if (kind === 'group') {
    if (name === '*') return `principal "${p}": group:* is not supported; use * for everyone`;
    return { in: { left: principal, right: ent('Group', name) } };
  }
  const type = kind === 'user' ? 'User' : 'Agent';
  const self: Expr = name === '*' ? { is: { left: principal, entity_type: type } } : { '==': { left: principal, right: ent(type, name) } };
  if (kind === 'agent' && effect === 'forbid') {
    const via: Expr =
      name === '*'
        ? { '!=': { left: dot(ctx('session'), 'agent'), right: val('') } }
        : { '==': { left: dot(ctx('session'), 'agent'), right: val(name) } };
    return or([self, via]);
  }
  return self;
}

function namedTargetExpr(pattern: string, sep: string): Expr | string {
  if (pattern === '*') return TRUE;
  const i = pattern.indexOf(sep);
  if (i <= 0) return `"${pattern}" is not a server${sep}name glob (e.g. github${sep}*, filesystem${sep}read_*)`;
  const server = pattern.slice(0, i);
  const name = pattern.slice(i + sep.length);
  if (name.length === 0) return `"${pattern}" has no name after "${sep}" (use ${server}${sep}* for all)`;
  const parts: Expr[] = [];
  const resource: Expr = { Var: 'resource' };
  if (server === '*') {
    // any server
  } else if (server.includes('*')) parts.push(like(dot(resource, 'server'), server));
  else parts.push({ in: { left: resource, right: ent('Server', server) } });
  if (name === '*') {
    // any name
  } else if (name.includes('*')) parts.push(like(dot(resource, 'name'), name));
  else parts.push({ '==': { left: dot(resource, 'name'), right: val(name) } });
  return parts.length === 0 ? TRUE : and(parts);
}

function resourceTargetExpr(pattern: string): Expr {
  if (pattern === '*') return TRUE;
  return like(dot({ Var: 'resource' }, 'normalizedUri'), pattern);
}

function scalarType(v: unknown): ArgType | undefined {
  if (typeof v === 'string') return { kind: 'String' };
  if (typeof v === 'boolean') return { kind: 'Boolean' };
  if (typeof v === 'number' && Number.isSafeInteger(v)) return { kind: 'Long' };
  return undefined;
}

/** Put `type` at the dotted `name` into `types` (nested records for dots), or report a conflict. */
export function declare(types: Record<string, ArgType>, name: string, type: ArgType): string | undefined {
  const segs = name.split('.');
  const conflict = (i: number, had: ArgType, want: ArgType) =>
    `argument "${segs.slice(0, i + 1).join('.')}" is used both as ${typeToString(had)} and as ${typeToString(want)}`;
  const first = segs[0] as string;
  const top = types[first];
  if (segs.length === 1) {
    if (top === undefined) types[first] = type;
    else if (!sameType(top, type)) return conflict(0, top, type);
    return undefined;
  }
  let rec: Extract<ArgType, { kind: 'Record' }>;
  if (top === undefined) {
    rec = { kind: 'Record', attrs: {} };
    types[first] = rec;
  } else if (top.kind !== 'Record') return conflict(0, top, { kind: 'Record', attrs: {} });
  else rec = top;
  for (let i = 1; i < segs.length; i++) {
    const seg = segs[i] as string;
    const had = rec.attrs[seg]?.type;
    if (i === segs.length - 1) {
      if (had === undefined) rec.attrs[seg] = { type, required: false };
      else if (!sameType(had, type)) return conflict(i, had, type);
      return undefined;
    }
    if (had === undefined) {
      const next: Extract<ArgType, { kind: 'Record' }> = { kind: 'Record', attrs: {} };
      rec.attrs[seg] = { type: next, required: false };
      rec = next;
    } else if (had.kind !== 'Record') return conflict(i, had, { kind: 'Record', attrs: {} });
    else rec = had;
  }
  return undefined;
}

function whereExpr(
  where: Record<string, unknown>,
  effect: 'permit' | 'forbid',
  types: Record<string, ArgType>,
  problem: (msg: string) => void,
  pathArgs?: Set<string>,
): Expr {
  const conds: Expr[] = [];
  for (const [name, spec] of Object.entries(where)) {
    if (!/^[A-Za-z_$][\w$-]*(\.[A-Za-z_$][\w$-]*)*$/.test(name)) {
      problem(`where: "${name}" is not an argument name (letters, digits, _ and -; dots for nested fields)`);
      continue;
    }
    const ops: Record<string, unknown> =
      spec !== null && typeof spec === 'object' && !Array.isArray(spec) ? (spec as Record<string, unknown>) : { equals: spec };
    for (const x of Object.values(ops)) if (looksAbsolute(x) || (Array.isArray(x) && x.some(looksAbsolute))) pathArgs?.add(name);
    const segs = name.split('.');
    // context.normalized has a && context.normalized.a has b && ...
    const guards: Expr[] = [];
    let cur: Expr = ctx('normalized');
    for (const seg of segs) {
      guards.push({ has: { left: cur, attr: seg } });
      cur = dot(cur, seg);
    }
    const tests: Expr[] = [];
    for (const [op, arg] of Object.entries(ops)) {
      let t: ArgType | undefined;
      switch (op) {
        case 'equals':
          t = scalarType(arg);
          if (!t) {
            problem(`where.${name}.equals: needs a string, integer or boolean`);
            continue;
          }
          tests.push({ '==': { left: cur, right: val(nfc(arg)) } });
          break;
        case 'in': {
          if (!Array.isArray(arg) || arg.length === 0) {
            problem(`where.${name}.in: needs a non-empty list`);
            continue;
          }
          t = scalarType(arg[0]);
          if (!t || !arg.every((x) => { const xt = scalarType(x); return xt !== undefined && sameType(xt, t as ArgType); })) {
            problem(`where.${name}.in: values must all be strings, all integers or all booleans`);
            continue;
          }
          tests.push({ contains: { left: { Set: arg.map((x) => val(nfc(x))) }, right: cur } });
          break;
        }
        case 'startsWith':
          if (typeof arg !== 'string' || arg.length === 0) {
            problem(`where.${name}.startsWith: needs a non-empty string`);
            continue;
          }
          if (arg.includes('*')) {
            problem(`where.${name}.startsWith: "*" is not allowed here (use matches)`);
            continue;
          }
          t = { kind: 'String' };
          {
            const a = arg.normalize('NFC');
            // a directory prefix `/srv/secret/` also covers the directory itself (`/srv/secret`, as canonicalised)
            // In a deny, a directory prefix `/srv/secret/` also covers the directory itself (`/srv/secret`,
            // as canonicalised), so it cannot be listed. (Not in an allow: it would widen it.)
            const dir = effect === 'forbid' && a.length > 1 && a.endsWith('/') && looksAbsolute(a) ? a.slice(0, -1) : undefined;
            tests.push(dir ? or([like(cur, a + '*'), { '==': { left: cur, right: val(dir) } }]) : like(cur, a + '*'));
          }
          break;
        case 'matches':
          if (typeof arg !== 'string' || arg.length === 0) {
            problem(`where.${name}.matches: needs a glob string`);
            continue;
          }
          t = { kind: 'String' };
          tests.push(like(cur, arg.normalize('NFC')));
          break;
        default:
          problem(`where.${name}: unknown condition "${op}" (equals, startsWith, in, matches)`);
          continue;
      }
      const conflict = declare(types, name, t);
      if (conflict) problem(`where.${name}: ${conflict}`);
    }
    if (tests.length === 0) continue;
    const present = and([...guards, ...tests]);
    if (effect === 'forbid') {
      const names = segs.map((_, i) => segs.slice(0, i + 1).join('.'));
      conds.push(or([present, { containsAny: { left: ctx('invalidArguments'), right: { Set: names.map(val) } } }]));
    } else conds.push(present);
  }
  return conds.length === 0 ? TRUE : and(conds);
}

const ACTION_OF = { tools: 'call_tool', prompts: 'get_prompt', resources: 'read_resource', methods: 'call_method' } as const;

function methodTargetExpr(glob: string): Expr {
  if (glob === '*') return TRUE;
  return like(ctx('method'), glob);
}

/** Compile the YAML lists. `policyToText` is injected so this module stays free of wasm. */
export function compileYamlPolicy(
  policy: Pick<PolicyConfig, 'allow' | 'deny'>,
  opts: { separator?: string; toText: (p: PolicyJson) => string },
): CompiledYaml {
  const sep = opts.separator ?? '__';
  const out: CompiledYaml = { policies: [], argumentTypes: {}, pathArguments: [], problems: [] };
  const pathArgs = new Set<string>();
  const seen = new Set<string>();
  const lists: Array<['allow' | 'deny', Rule[]]> = [
    ['allow', policy.allow ?? []],
    ['deny', policy.deny ?? []],
  ];
  for (const [list, rules] of lists) {
    const effect = list === 'allow' ? 'permit' : 'forbid';
    rules.forEach((rule, i) => {
      const where = `policy.${list}[${i}]`;
      const problem = (m: string) => out.problems.push(`${where}: ${m}`);
      const principals = Array.isArray(rule.principal) ? rule.principal : [rule.principal ?? '*'];
      const pExprs: Expr[] = [];
      let any = false;
      for (const p of principals) {
        const e = principalExpr(p, effect);
        if (typeof e === 'string') problem(e);
        else if (e === TRUE) any = true;
        else pExprs.push(e);
      }
      let obligations: string[] = [];
      try {
        obligations = parseObligations((rule.obligations ?? []).join(','));
      } catch (e) {
        problem((e as Error).message);
      }
      const cats = (['tools', 'prompts', 'resources', 'methods'] as const).filter((c) => rule[c] !== undefined);
      const targets: Array<{ cat: 'tools' | 'prompts' | 'resources' | 'methods' | 'all'; exprs: Expr[] }> = [];
      if (cats.length === 0) targets.push({ cat: 'all', exprs: [] });
      for (const cat of cats) {
        const pats = rule[cat] ?? [];
        if (pats.length === 0) {
          problem(`${cat}: empty list matches nothing; remove it or add patterns`);
          continue;
        }
        const exprs: Expr[] = [];
        let all = false;
        for (const pat of pats) {
          const e = cat === 'resources' ? resourceTargetExpr(pat) : cat === 'methods' ? methodTargetExpr(pat) : namedTargetExpr(pat, sep);
          if (typeof e === 'string') problem(`${cat}: ${e}`);
          else if (e === TRUE) all = true;
          else exprs.push(e);
        }
        targets.push({ cat, exprs: all ? [] : exprs });
      }
      if (rule.where && cats.includes('methods')) {
        problem('where: methods have no arguments here; put methods in a rule of their own');
      }
      if (rule.where && cats.includes('resources')) {
        problem('where: resources have no arguments; put resources in a rule of their own and narrow them with a URI glob');
      }
      const whereCond = rule.where ? whereExpr(rule.where, effect, out.argumentTypes, problem, pathArgs) : TRUE;
      for (const t of targets) {
        const baseId = rule.id ?? where;
        const id = targets.length > 1 ? `${baseId}.${t.cat}` : baseId;
        if (seen.has(id)) problem(`duplicate policy id "${id}"`);
        seen.add(id);
        const action: PolicyJson['action'] =
          t.cat === 'all'
            ? { op: 'in', entities: (['call_tool', 'read_resource', 'get_prompt'] as const).map((a) => ({ type: 'Action', id: a })) }
            : { op: '==', entity: { type: 'Action', id: ACTION_OF[t.cat] } };
        const conds: Expr[] = [];
        if (!any && pExprs.length > 0) conds.push(or(pExprs));
        if (t.exprs.length > 0) conds.push(or(t.exprs));
        if (whereCond !== TRUE) conds.push(whereCond);
        const annotations: Record<string, string> = { id };
        if (obligations.length > 0) annotations.obligation = obligations.join(', ');
        const json: PolicyJson = {
          effect,
          principal: { op: 'All' },
          action,
          resource: { op: 'All' },
          conditions: conds.length > 0 ? [{ kind: 'when', body: and(conds) }] : [],
          annotations,
        };
        let text: string;
        try {
          text = opts.toText(json);
        } catch (e) {
          problem(`cannot print as Cedar: ${(e as Error).message}`);
          continue;
        }
        out.policies.push({ id, effect, text, policy: json, annotations, obligations, source: `config ${where}` });
      }
    });
  }
  if (out.policies.length > 0 || (policy.allow?.length ?? 0) + (policy.deny?.length ?? 0) > 0) {
    const id = 'policy.server-requests';
    const json: PolicyJson = {
      effect: 'permit',
      principal: { op: 'All' },
      action: { op: 'in', entities: [{ type: 'Action', id: 'sample' }, { type: 'Action', id: 'elicit' }] },
      resource: { op: 'All' },
      conditions: [],
      annotations: { id },
    };
    out.policies.push({ id, effect: 'permit', text: opts.toText(json), policy: json, annotations: { id }, obligations: [], source: 'config policy (default for YAML rules)' });
  }
  out.pathArguments = [...pathArgs];
  return out;
}
