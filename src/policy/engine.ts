/**
 * The Cedar policy engine.
 *
 * Load: the YAML lists compiled to Cedar + every `.cedar` file under `policy.cedar`, each policy
 * validated against the shipped schema (`policy/portcullis.cedarschema`, `Arguments` filled in),
 * refused with `file:line:col` errors when invalid. The set is prepared once per load
 * (`preparsePolicySet` / `preparseSchema`), so a decision is one `statefulIsAuthorized` call.
 *
 * Decide: default deny; Cedar's answer, made stricter: a `forbid` that fails to evaluate denies
 * (fail closed), and a request Cedar cannot evaluate at all denies. Cedar does not return
 * annotations, so the policy ids it reports are mapped back to our own record of each policy
 * (its `@id`, obligations, source file and line).
 *
 * Reload: on change of the .cedar directory (fs.watch) or `reload()`: a bad new set is rejected
 * with a logged error and the old set stays in force.
 */
import { createHash } from 'node:crypto';
import { promises as fsp, watch as fsWatch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import './wasm-tier.js'; // before Cedar: its module is compiled when it loads
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { Config } from '../config/schema.js';
import type { Logger } from '../observability/log.js';
import { canonicalPath, isCertainlyPath, pathBasesOf, type PathBase } from '../detect/canonpath.js';
import { resolveServers } from '../config/load.js';
import { type ArgType, DEFAULT_PATH_ARGUMENTS, type PathContext, convertArguments, normalizePathLike, typeFromSchemaJson, typeToSchemaJson, typeToString, sameType } from './args.js';
import { contextAttrsUsed, inferArgumentTypes, usesCallData } from './infer.js';
import { parseObligations } from './obligations.js';
import {
  type AuthzRequest,
  type AuthzResult,
  DEFAULT_DENY_ID,
  type LoadedPolicy,
  type PolicyAction,
  PolicyLoadError,
} from './types.js';
import { compileYamlPolicy } from './yaml.js';

export type PolicyConfig = NonNullable<Config['policy']>;

const DECISION_CACHE_SIZE = 10_000;
/** Per policy set: the path arguments its policies read as strings (computed once per set, not per call). */
const PATH_ARGS_READ = new WeakMap<object, string[]>();
/** Most paths one call may name for the path views of `authorize`; past it the call is denied. */
const MAX_PATH_VIEWS = 256;

export interface PolicyEngineOptions {
  policy: PolicyConfig;
  /**
   * Where a server's path arguments are relative to (its cwd, home, whether it shares the
   * gateway's host). Without it, relative paths and `~` cannot be canonicalised (denied under a deny).
   */
  pathBase?: (server: string) => PathBase;
  /** Directory relative paths in `policy` are resolved against (the config file's directory). */
  baseDir?: string;
  /** Namespace separator (`namespace.separator`), default `__`. */
  separator?: string;
  /** Cedar schema file; default the shipped `policy/portcullis.cedarschema` (or `policy.schema`). */
  schemaPath?: string;
  logger?: Logger;
  /** Watch the .cedar directory (and `configFile`) and reload on change (default `policy.watch`). */
  watch?: boolean;
  /**
   * The config file the `policy` section (YAML allow/deny lists) comes from: on reload it is
   * read again with `readPolicySection`, and with `watch` a change to it reloads too.
   */
  configFile?: string;
  /** Read the `policy` section again (from `configFile`); throws on an invalid file. */
  readPolicySection?: () => Promise<PolicyConfig | undefined>;
  /** Debounce for file changes. */
  watchDebounceMs?: number;
  /**
   * TEST ONLY: skip schema validation at load and request validation at decision time, to
   * prove that evaluation errors still fail closed when a bad policy gets through.
   */
  unsafeSkipValidation?: boolean;
  /**
   * Validate every request against the schema too (about 2x the cost of a decision). Off by
   * default: the context is built by `buildRequest`, which a load-time self-check validates
   * against the schema for every action, and an ill-typed value can only make a policy error,
   * which never allows (an erroring forbid denies).
   */
  validateRequests?: boolean;
  /** How long a list-visibility answer is reused (default 30 s; 0 = no cache). */
  visibilityCacheMs?: number;
}

/** The shipped schema file. */
/** The id of the built-in permit that lets a just-in-time grant allow a call. */
export const GRANT_POLICY_ID = 'jit-grant';

export const SHIPPED_SCHEMA_PATH = fileURLToPath(new URL('../../policy/portcullis.cedarschema', import.meta.url));

/** True when the config asks for policy enforcement at all (then default deny applies). */
export function isPolicyConfigured(config: Pick<Config, 'policy'>): boolean {
  return config.policy !== undefined;
}

interface PreparedSet {
  slot: string;
  /** Does any permit apply to the `list` action? (else list checks are skipped) */
  listPermits: boolean;
  /** Context attributes some policy reads (undefined = all); only these are sent to Cedar. */
  contextUsed: Set<string> | undefined;
  policies: Map<string, LoadedPolicy>;
  /** For the non-prepared partial evaluation used by list filtering. */
  staticPolicies: Record<string, string | cedar.PolicyJson>;
  argumentTypes: Record<string, ArgType>;
  /** Argument names canonicalised as paths (the defaults + those YAML conditions compare with paths). */
  pathArguments: Set<string>;
  schemaJson: cedar.SchemaJson<string>;
  files: string[];
}

export interface LoadOutcome {
  ok: boolean;
  policies: number;
  problems?: string[];
}

export interface Explanation {
  result: AuthzResult;
  request: { principal: { type: string; id: string }; action: { type: string; id: string }; resource: { type: string; id: string }; context: cedar.Context; entities: cedar.Entities };
  /** Determining policies, with their text and source. */
  determining: LoadedPolicy[];
  /** Policies whose evaluation errored, with the error. */
  errored: Array<{ policy?: LoadedPolicy; id: string; error: string }>;
  /** Would the item be shown in lists? (tools, prompts, resources) */
  visible?: boolean;
}

let engineSeq = 0;

function lineCol(text: string, offset: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  return `${line}:${col}`;
}

function fmtError(e: cedar.DetailedError): string {
  let s = e.message;
  if (e.help) s += ` (${e.help})`;
  return s;
}

async function listCedarFiles(p: string): Promise<string[]> {
  const st = await fsp.stat(p);
  if (st.isFile()) return [p];
  const out: string[] = [];
  const walk = async (dir: string) => {
    const ents = await fsp.readdir(dir, { withFileTypes: true });
    ents.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of ents) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile() && e.name.endsWith('.cedar')) out.push(full);
    }
  };
  await walk(p);
  return out;
}

/** Parse a Cedar type expression (`String`, `Set<Long>`, `{ recursive?: Bool }`). */
function parseTypeExpr(expr: string): ArgType | undefined {
  const r = cedar.schemaToJson(`type __T = ${expr};`);
  if (r.type !== 'success') return undefined;
  const ns = r.json[''];
  return typeFromSchemaJson(ns?.commonTypes?.['__T']);
}

export function policyJsonToText(p: cedar.PolicyJson): string {
  const r = cedar.policyToText(p);
  if (r.type !== 'success') throw new Error(r.errors.map(fmtError).join('; '));
  const f = cedar.formatPolicies({ policyText: r.text, lineWidth: 100, indentWidth: 2 });
  return f.type === 'success' ? f.formatted_policy.trim() : r.text;
}

/** Load, compile and validate a policy set; throws PolicyLoadError. Does not prepare it. */
export async function loadPolicySet(opts: PolicyEngineOptions): Promise<Omit<PreparedSet, 'slot'>> {
  const problems: string[] = [];
  const baseDir = opts.baseDir ?? process.cwd();
  const policy = opts.policy;
  const policyExt = policy as PolicyConfig & { schema?: string; arguments?: Record<string, string> };

  // 1. schema
  const schemaPath = opts.schemaPath ?? (policyExt.schema ? path.resolve(baseDir, policyExt.schema) : SHIPPED_SCHEMA_PATH);
  let schemaText: string;
  try {
    schemaText = await fsp.readFile(schemaPath, 'utf8');
  } catch (e) {
    throw new PolicyLoadError([`${schemaPath}: cannot read the Cedar schema: ${(e as Error).message}`]);
  }
  const sj = cedar.schemaToJson(schemaText);
  if (sj.type !== 'success') {
    throw new PolicyLoadError(
      sj.errors.map((e) => `${schemaPath}:${lineCol(schemaText, e.sourceLocations?.[0]?.start ?? 0)}: ${fmtError(e)}`),
    );
  }
  const schemaJson = sj.json;
  const ns = schemaJson[''];
  if (!ns?.commonTypes?.['Arguments']) {
    throw new PolicyLoadError([`${schemaPath}: the schema must declare \`type Arguments = {};\` in the empty namespace`]);
  }

  // 2. YAML lists
  const yaml = compileYamlPolicy(policy, { separator: opts.separator, toText: policyJsonToText });
  problems.push(...yaml.problems);

  // 3. declared argument types
  const argTypes: Record<string, ArgType> = {};
  for (const [name, expr] of Object.entries(policyExt.arguments ?? {})) {
    const t = parseTypeExpr(expr);
    if (!t) problems.push(`policy.arguments.${name}: "${expr}" is not a Cedar type (String, Long, Bool, Set<String>, { a?: String }, decimal, ipaddr)`);
    else argTypes[name] = t;
  }
  for (const [name, t] of Object.entries(yaml.argumentTypes)) {
    const had = argTypes[name];
    if (had === undefined) argTypes[name] = t;
    else if (!sameType(had, t) && !(had.kind === 'Record' && t.kind === 'Record')) {
      problems.push(`policy: argument "${name}" is declared ${typeToString(had)} in policy.arguments but a where condition uses it as ${typeToString(t)}`);
    }
  }

  // 4. .cedar files
  interface FilePolicies {
    file: string;
    rel: string;
    text: string;
    parts: Array<{ text: string; json: cedar.PolicyJson; line: number; offset: number }>;
  }
  const files: FilePolicies[] = [];
  const fileList: string[] = [];
  if (policy.cedar) {
    const dir = path.resolve(baseDir, policy.cedar);
    let list: string[] = [];
    try {
      list = await listCedarFiles(dir);
    } catch (e) {
      problems.push(`policy.cedar: ${dir}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (e as Error).message}`);
    }
    fileList.push(...list);
    const inferred = new Map<string, ArgType>();
    for (const file of list) {
      const rel = path.relative(baseDir, file) || path.basename(file);
      const text = await fsp.readFile(file, 'utf8');
      const parsed = cedar.policySetTextToParts(text);
      if (parsed.type !== 'success') {
        for (const e of parsed.errors) problems.push(`${rel}:${lineCol(text, e.sourceLocations?.[0]?.start ?? 0)}: ${fmtError(e)}`);
        continue;
      }
      if (parsed.policy_templates.length > 0) problems.push(`${rel}: policy templates are not supported; write static policies`);
      const fp: FilePolicies = { file, rel, text, parts: [] };
      let from = 0;
      for (const ptext of parsed.policies) {
        const at = text.indexOf(ptext, from);
        const offset = at >= 0 ? at : from;
        if (at >= 0) from = at + ptext.length;
        const line = Number(lineCol(text, offset).split(':')[0]);
        const pj = cedar.policyToJson(ptext);
        if (pj.type !== 'success') {
          problems.push(`${rel}:${line}: ${pj.errors.map(fmtError).join('; ')}`);
          continue;
        }
        inferArgumentTypes(pj.json.conditions, inferred);
        fp.parts.push({ text: ptext, json: pj.json, line, offset });
      }
      files.push(fp);
    }
    for (const [name, t] of inferred) if (argTypes[name] === undefined) argTypes[name] = t;
  }

  // 5. the effective schema: Arguments gets every known argument, all optional
  const attributes: Record<string, unknown> = {};
  for (const [k, t] of Object.entries(argTypes)) attributes[k] = { ...typeToSchemaJson(t), required: false };
  (ns.commonTypes as Record<string, unknown>)['Arguments'] = { type: 'Record', attributes };

  // 6. collect + validate
  const policies = new Map<string, LoadedPolicy>();
  const staticPolicies: Record<string, string | cedar.PolicyJson> = {};
  const add = (p: LoadedPolicy) => {
    const prev = policies.get(p.id);
    if (prev) {
      problems.push(`${p.source}: duplicate policy id "${p.id}" (also at ${prev.source})`);
      return;
    }
    policies.set(p.id, p);
    staticPolicies[p.id] = p.policy;
  };
  for (const p of yaml.policies) add({ ...p, usesCallData: usesCallData((p.policy as cedar.PolicyJson).conditions) });
  const hint = (msg: string) => {
    if (/in context for Action::"(sample|elicit|call_method)"/.test(msg) && /not found/.test(msg)) {
      return ' — sample/elicit/call_method requests carry only session, time and findings (and method): scope the policy to `action in [Action::"call_tool", Action::"read_resource", Action::"get_prompt", Action::"list"]`';
    }
    if (/`(arguments|normalized)\.[^`]+`/.test(msg) && /not found|unable to guarantee|does not have/.test(msg)) {
      return ' — declare the argument and its type in policy.arguments (e.g. `arguments: { path: String }`) and test presence with `context.arguments has path`';
    }
    return '';
  };
  if (!opts.unsafeSkipValidation && yaml.policies.length > 0) {
    const rec: Record<string, cedar.PolicyJson> = {};
    for (const p of yaml.policies) rec[p.id] = p.policy as cedar.PolicyJson;
    const v = cedar.validate({ schema: schemaJson, policies: { staticPolicies: rec } });
    if (v.type === 'failure') problems.push(...v.errors.map((e) => `config policy: ${fmtError(e)}`));
    else {
      for (const e of v.validationErrors) {
        const p = policies.get(e.policyId);
        problems.push(`${p?.source ?? 'config policy'} (${e.policyId}): ${fmtError(e.error)}${hint(e.error.message)}`);
      }
    }
  }
  for (const f of files) {
    f.parts.forEach((part) => {
      const annotations = (part.json.annotations ?? {}) as Record<string, string>;
      const id = annotations.id ?? `${f.rel}:${part.line}`;
      let obligations: string[] = [];
      try {
        obligations = parseObligations(annotations.obligation);
      } catch (e) {
        problems.push(`${f.rel}:${part.line}: policy "${id}": ${(e as Error).message}`);
      }
      add({ id, effect: part.json.effect, text: part.text, policy: part.text, annotations, obligations, source: `${f.rel}:${part.line}`, usesCallData: usesCallData(part.json.conditions) });
    });
    if (opts.unsafeSkipValidation) continue;
    const v = cedar.validate({ schema: schemaJson, policies: { staticPolicies: f.text } });
    if (v.type === 'failure') {
      for (const e of v.errors) problems.push(`${f.rel}:${lineCol(f.text, e.sourceLocations?.[0]?.start ?? 0)}: ${fmtError(e)}`);
    } else {
      for (const e of v.validationErrors) {
        const n = /^policy(\d+)$/.exec(e.policyId);
        const part = n ? f.parts[Number(n[1])] : undefined;
        const loc = e.error.sourceLocations?.[0]?.start;
        const where = loc !== undefined ? lineCol(f.text, loc) : part ? `${part.line}:1` : '1:1';
        problems.push(`${f.rel}:${where}: ${fmtError(e.error)}${hint(e.error.message)}`);
      }
    }
  }
  // 7. the built-in JIT-grant permit, when the schema has `context.grant` (the shipped one does):
  // a covering grant allows a call no other permit allows, and a forbid still wins.
  const grantConditions: cedar.PolicyJson['conditions'][] = [];
  const reqCtx = (ns.commonTypes as Record<string, { attributes?: Record<string, unknown> }> | undefined)?.['RequestContext'];
  if (reqCtx?.attributes?.grant !== undefined) {
    const text = `@id("${GRANT_POLICY_ID}")\npermit (principal, action == Action::"call_tool", resource) when { context.grant };`;
    const pj = cedar.policyToJson(text);
    if (pj.type !== 'success') problems.push(`built-in grant policy: ${pj.errors.map(fmtError).join('; ')}`);
    else {
      add({ id: GRANT_POLICY_ID, effect: 'permit', text, policy: pj.json, annotations: { id: GRANT_POLICY_ID }, obligations: [], source: 'built-in (just-in-time grants)', usesCallData: false });
      grantConditions.push(pj.json.conditions);
    }
  }
  if (problems.length > 0) throw new PolicyLoadError(problems);
  const listPermits = [...policies.values()].some((p) => p.effect === 'permit' && mayApplyTo(p, 'list'));
  const conditions = [...yaml.policies.map((p) => (p.policy as cedar.PolicyJson).conditions), ...files.flatMap((f) => f.parts.map((x) => x.json.conditions)), ...grantConditions];
  const contextUsed = contextAttrsUsed(conditions);
  const pathArguments = new Set([...DEFAULT_PATH_ARGUMENTS, ...yaml.pathArguments]);
  return { policies, staticPolicies, argumentTypes: argTypes, pathArguments, schemaJson, files: fileList, listPermits, contextUsed };
}

/** Could this policy's action scope include `action`? (conservative: true when unsure) */
function mayApplyTo(p: LoadedPolicy, action: PolicyAction): boolean {
  let json: cedar.PolicyJson | undefined;
  if (typeof p.policy === 'string') {
    const r = cedar.policyToJson(p.policy);
    json = r.type === 'success' ? r.json : undefined;
  } else json = p.policy;
  if (!json) return true;
  const a = json.action as { op: string; entity?: { id?: string; __entity?: { id: string } }; entities?: Array<{ id?: string; __entity?: { id: string } }> };
  const idOf = (e?: { id?: string; __entity?: { id: string } }) => e?.id ?? e?.__entity?.id;
  if (a.op === '==') return idOf(a.entity) === action;
  if (a.op === 'in' && a.entities) return a.entities.some((e) => idOf(e) === action);
  if (a.op === 'in' && a.entity) return idOf(a.entity) === action;
  return true;
}

type Listener = (outcome: LoadOutcome) => void;

export class PolicyEngine {
  private set!: PreparedSet;
  private readonly id = ++engineSeq;
  private gen = 0;
  /** Memoised decisions (see authorize); oldest evicted first. */
  private readonly decisions = new Map<string, { gen: number; result: AuthzResult }>();
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<Listener>();

  private constructor(private opts: PolicyEngineOptions) {}

  /** Load and prepare; throws PolicyLoadError (the gateway refuses to start). */
  static async create(opts: PolicyEngineOptions): Promise<PolicyEngine> {
    const e = new PolicyEngine(opts);
    e.install(await loadPolicySet(opts));
    if (opts.watch ?? opts.policy.watch) e.startWatching();
    return e;
  }

  private install(loaded: Omit<PreparedSet, 'slot'>): void {
    // Two slots per engine: prepare the new set beside the one in force, then switch.
    const slot = `portcullis-${this.id}-${(this.gen + 1) % 2}`;
    const s = cedar.preparseSchema(slot, loaded.schemaJson);
    if (s.type !== 'success') throw new PolicyLoadError(s.errors.map((e) => `schema: ${fmtError(e)}`));
    const p = cedar.preparsePolicySet(slot, { staticPolicies: loaded.staticPolicies });
    if (p.type !== 'success') throw new PolicyLoadError(p.errors.map((e) => `policy set: ${fmtError(e)}`));
    if (!this.opts.unsafeSkipValidation) selfCheck(slot, loaded.argumentTypes);
    this.gen++;
    this.set = { ...loaded, slot };
    this.versionHash = createHash('sha256').update(this.cedarText()).digest('base64url').slice(0, 22);
  }

  /**
   * The policy set in force, by content (the same on every replica that loaded the same files): what
   * an approval is bound to, so one given under other rules is asked for again.
   */
  versionHash = '';

  /** Reload from disk. A bad set is rejected (logged) and the current one stays. */
  reload(): Promise<LoadOutcome> {
    const run = async (): Promise<LoadOutcome> => {
      try {
        const opts = this.opts.readPolicySection ? { ...this.opts, policy: await this.readSection() } : this.opts;
        this.install(await loadPolicySet(opts));
        this.opts = opts;
        const outcome = { ok: true, policies: this.set.policies.size };
        this.opts.logger?.info({ policies: outcome.policies, generation: this.gen }, 'policy set reloaded');
        this.emit(outcome);
        return outcome;
      } catch (e) {
        const problems = e instanceof PolicyLoadError ? e.problems : [(e as Error).message];
        this.opts.logger?.error({ problems }, 'policy reload rejected; the previous policy set stays in force');
        const outcome = { ok: false, policies: this.set.policies.size, problems };
        this.emit(outcome);
        return outcome;
      }
    };
    const next = this.chain.then(run, run);
    this.chain = next;
    return next;
  }

  /** The config file's `policy` section, for reload; problems become a rejected reload. */
  private async readSection(): Promise<PolicyConfig> {
    let section: PolicyConfig | undefined;
    try {
      section = await this.opts.readPolicySection!();
    } catch (e) {
      const problems = (e as { problems?: string[] }).problems;
      throw new PolicyLoadError(Array.isArray(problems) ? problems : [(e as Error).message]);
    }
    if (!section) throw new PolicyLoadError([`${this.opts.configFile ?? 'the config'}: the policy section is gone; a running gateway keeps its policy (restart to run without one)`]);
    return section;
  }

  onReload(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private emit(o: LoadOutcome) {
    for (const l of this.listeners) {
      try {
        l(o);
      } catch {
        /* listeners must not break reloads */
      }
    }
  }

  private startWatching(): void {
    const reloadSoon = () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.reload(), this.opts.watchDebounceMs ?? 150);
      this.timer.unref?.();
    };
    const watch = (target: string, what: string, recursive: boolean, onChange: (file: string | null) => void) => {
      try {
        const w = fsWatch(target, { recursive }, (_event, file) => onChange(file === null ? null : String(file)));
        w.on('error', (err) => this.opts.logger?.warn({ err }, `${what} watch failed; reload with SIGHUP or restart`));
        w.unref?.();
        this.watchers.push(w);
      } catch (err) {
        this.opts.logger?.warn({ err }, `cannot watch ${what}; changes need SIGHUP or a restart`);
      }
    };
    const dir = this.opts.policy.cedar;
    if (dir) watch(path.resolve(this.opts.baseDir ?? process.cwd(), dir), 'the policy directory', true, reloadSoon);
    // The folder, not the file: editors save by writing a new file and renaming it over the old one.
    const cfg = this.opts.readPolicySection ? this.opts.configFile : undefined;
    if (cfg) watch(path.dirname(cfg), 'the config file', false, (file) => (file === null || file === path.basename(cfg) ? reloadSoon() : undefined));
  }

  close(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.timer) clearTimeout(this.timer);
  }

  get generation(): number {
    return this.gen;
  }
  get policies(): ReadonlyMap<string, LoadedPolicy> {
    return this.set.policies;
  }
  private pathsFor(req: Pick<AuthzRequest, 'resource'>, set: PreparedSet): PathContext {
    return { args: set.pathArguments, base: this.opts.pathBase?.(req.resource.server) ?? {} };
  }

  get argumentTypes(): Readonly<Record<string, ArgType>> {
    return this.set.argumentTypes;
  }
  /** The whole set as Cedar text (YAML rules printed, .cedar files as written). */
  cedarText(): string {
    return [...this.set.policies.values()].map((p) => `// ${p.source}\n${p.text.trim()}\n`).join('\n');
  }

  /**
   * Decide one request. Never throws: anything unexpected is a deny.
   *
   * A decision is a pure function of the policy generation and the request Cedar sees (principal,
   * its entity attributes, action, resource, and the context attributes some policy reads), so
   * decisions are memoised on exactly that, per generation. Not when a policy reads `context.time`
   * (the answer changes with the clock) or when requests are validated in full.
   */
  authorize(req: AuthzRequest): AuthzResult {
    const views = req.action === 'call_tool' || req.action === 'get_prompt' ? this.pathViews(req.arguments) : [];
    if (views.length === 0) return this.authorizeOne(req);
    // A rule about `path` speaks for every path of the call: each other path argument is decided as if it
    // were `path`, and the call is allowed only when the call itself and every such view are.
    if (views.length > MAX_PATH_VIEWS) {
      return { decision: 'deny', policyIds: ['policy-path-views'], obligations: [], errors: [], reason: `the call names more than ${MAX_PATH_VIEWS} paths; each would be checked against the path rules (fail closed)` };
    }
    const first = this.authorizeOne(req);
    if (first.decision === 'deny') return first;
    const obligations = new Set(first.obligations);
    for (const v of views) {
      const r = this.authorizeOne({ ...req, arguments: v.args });
      if (r.decision === 'deny') return { ...r, reason: `${r.reason} (the path at ${v.at}, checked as \`${v.as}\`)` };
      for (const o of r.obligations) obligations.add(o);
    }
    return { ...first, obligations: [...obligations] };
  }

  /**
   * The call's arguments once per path it names outside the path arguments the policies read: every
   * string under a path-named key (`paths[]`, `source`, `destination`, nested ones…) and every string
   * that is plainly a path (absolute, `~`, `./`, `file:`) under any key, put in the place of each path
   * argument a policy reads (`path`, …). Without this, a rule denying `path` under a folder is walked
   * around by `read_multiple_files {paths}` or `move_file {source}`.
   */
  private pathViews(args: unknown): { args: Record<string, unknown>; at: string; as: string }[] {
    if (!args || typeof args !== 'object' || Array.isArray(args)) return [];
    const set = this.set;
    let read = PATH_ARGS_READ.get(set);
    if (!read) {
      read = Object.entries(set.argumentTypes)
        .filter(([n, t]) => t.kind === 'String' && set.pathArguments.has(n))
        .map(([n]) => n);
      PATH_ARGS_READ.set(set, read);
    }
    if (read.length === 0) return [];
    const found: { at: string; value: string }[] = [];
    const walk = (v: unknown, at: string, underPathKey: boolean, depth: number): void => {
      if (depth > 64 || found.length > MAX_PATH_VIEWS) return;
      if (typeof v === 'string') {
        if (underPathKey || isCertainlyPath(v)) found.push({ at, value: v });
        return;
      }
      if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${at}[${i}]`, underPathKey, depth + 1));
      if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k, set.pathArguments.has(k), depth + 1);
    };
    walk(args, '', false, 0);
    const a = args as Record<string, unknown>;
    const out: { args: Record<string, unknown>; at: string; as: string }[] = [];
    for (const name of read) {
      for (const f of found) {
        if (f.at === name && a[name] === f.value) continue; // the argument itself: the call decides it
        out.push({ args: { ...a, [name]: f.value }, at: f.at, as: name });
      }
    }
    return out;
  }

  private authorizeOne(req: AuthzRequest): AuthzResult {
    try {
      const set = this.set;
      const cacheable = set.contextUsed !== undefined && !set.contextUsed.has('time') && !this.opts.validateRequests;
      if (!cacheable) return this.decide(req).result;
      const key = JSON.stringify(buildRequest(req, set.argumentTypes, set.contextUsed, this.pathsFor(req, set)));
      const hit = this.decisions.get(key);
      if (hit && hit.gen === this.gen) return hit.result;
      const result = this.decide(req).result;
      if (this.decisions.size >= DECISION_CACHE_SIZE) this.decisions.delete(this.decisions.keys().next().value!);
      this.decisions.set(key, { gen: this.gen, result });
      return result;
    } catch (e) {
      return { decision: 'deny', policyIds: ['policy-error'], obligations: [], errors: [(e as Error).message], reason: `policy evaluation failed: ${(e as Error).message}` };
    }
  }

  private decide(req: AuthzRequest, full = false): { result: AuthzResult; built: BuiltRequest; response?: cedar.Response } {
    const set = this.set;
    const built = buildRequest(req, set.argumentTypes, full || this.opts.validateRequests ? undefined : set.contextUsed, this.pathsFor(req, set));
    const ans = cedar.statefulIsAuthorized(
      this.opts.validateRequests && !this.opts.unsafeSkipValidation
        ? { ...built, preparsedPolicySetId: set.slot, preparsedSchemaName: set.slot, validateRequest: true }
        : { ...built, preparsedPolicySetId: set.slot },
    );
    if (ans.type !== 'success') {
      const errors = ans.errors.map(fmtError);
      return {
        built,
        result: { decision: 'deny', policyIds: ['request-error'], obligations: [], errors, reason: `the request could not be evaluated (fail closed): ${errors.join('; ')}` },
      };
    }
    const { decision, diagnostics } = ans.response;
    const errors = diagnostics.errors.map((e) => `${e.policyId}: ${fmtError(e.error)}`);
    const erroredForbids = diagnostics.errors.filter((e) => set.policies.get(e.policyId)?.effect !== 'permit');
    const what = `${built.action.id} on ${built.resource.type}::${JSON.stringify(built.resource.id)}`;
    if (erroredForbids.length > 0) {
      const ids = [...new Set(erroredForbids.map((e) => e.policyId))];
      return {
        built,
        response: ans.response,
        result: {
          decision: 'deny',
          policyIds: ids,
          obligations: [],
          errors,
          reason: `forbid policy ${ids.join(', ')} failed to evaluate, so ${what} is denied (fail closed): ${erroredForbids.map((e) => e.error.message).join('; ')}`,
        },
      };
    }
    if (decision === 'allow') {
      const obligations = new Set<string>();
      for (const id of diagnostics.reason) for (const o of set.policies.get(id)?.obligations ?? []) obligations.add(o);
      return {
        built,
        response: ans.response,
        result: { decision: 'allow', policyIds: [...diagnostics.reason], obligations: [...obligations], errors, reason: `permitted by ${diagnostics.reason.join(', ')}` },
      };
    }
    if (diagnostics.reason.length > 0) {
      const why = diagnostics.reason
        .map((id) => {
          const r = set.policies.get(id)?.annotations.reason;
          return r ? `${id} (${r})` : id;
        })
        .join(', ');
      return { built, response: ans.response, result: { decision: 'deny', policyIds: [...diagnostics.reason], obligations: [], errors, reason: `${what} forbidden by ${why}` } };
    }
    return {
      built,
      response: ans.response,
      result: { decision: 'deny', policyIds: [DEFAULT_DENY_ID], obligations: [], errors, reason: `no policy permits ${what} for ${built.principal.type}::${JSON.stringify(built.principal.id)}` },
    };
  }

  /**
   * Would this tool / prompt / resource be shown to the principal in lists? Yes when a policy
   * permits `list` on it, or when its use could be allowed for some arguments. Fails closed
   * (hidden) on errors. Cost: one or two prepared decisions; Cedar partial evaluation (arguments
   * and findings unknown, only over the policies that read them) when those cannot tell. Results
   * are cached per policy generation for `visibilityCacheMs` (time-based policies apply after it).
   */
  isVisible(req: Omit<AuthzRequest, 'action' | 'arguments'> & { action?: PolicyAction }): boolean {
    const key = visibilityKey(req);
    const now = Date.now();
    const hit = this.visCache.get(key);
    if (hit && hit.gen === this.gen && hit.until > now) return hit.visible;
    const visible = this.computeVisible(req);
    if (this.visCache.size >= 20_000) this.visCache.clear();
    this.visCache.set(key, { gen: this.gen, until: now + (this.opts.visibilityCacheMs ?? 30_000), visible });
    return visible;
  }

  private readonly visCache = new Map<string, { gen: number; until: number; visible: boolean }>();

  private computeVisible(req: Omit<AuthzRequest, 'action' | 'arguments'> & { action?: PolicyAction }): boolean {
    try {
      const set = this.set;
      const useAction: PolicyAction = req.action ?? actionFor(req.resource.kind);
      // A witness: allowed with no arguments and no findings → visible.
      const bare = this.decide({ ...req, action: useAction, arguments: {}, findings: [] });
      if (bare.result.decision === 'allow') return true;
      if (set.listPermits && this.authorize({ ...req, action: 'list' }).decision === 'allow') return true;
      if (!bare.response) return false; // request error: fail closed
      const dependsOnCall = (ids: string[]) => ids.some((id) => set.policies.get(id)?.usesCallData !== false);
      const { reason, errors } = bare.response.diagnostics;
      const erroredForbids = errors.map((e) => e.policyId).filter((id) => set.policies.get(id)?.effect !== 'permit');
      if (erroredForbids.length > 0 && !dependsOnCall(erroredForbids)) return false;
      if (reason.length > 0 && !dependsOnCall(reason)) return false; // a forbid that holds whatever the arguments
      // Default deny (or a forbid that depends on the arguments): could some arguments allow it?
      const relevant: Record<string, string | cedar.PolicyJson> = {};
      let permits = 0;
      for (const p of set.policies.values()) {
        if (!p.usesCallData) continue;
        relevant[p.id] = p.text;
        if (p.effect === 'permit') permits++;
      }
      if (permits === 0) return false;
      const built = buildRequest({ ...req, action: useAction }, set.argumentTypes, set.contextUsed, this.pathsFor(req, set));
      const unknown = (n: string) => ({ __extn: { fn: 'unknown', arg: n } });
      const context: Record<string, unknown> = { ...built.context };
      for (const k of ['arguments', 'normalized', 'invalidArguments', 'findings']) if (!set.contextUsed || set.contextUsed.has(k)) context[k] = unknown(k);
      const ans = cedar.isAuthorizedPartial({
        principal: built.principal,
        action: built.action,
        resource: built.resource,
        entities: built.entities,
        context: context as cedar.Context,
        policies: { staticPolicies: relevant },
      });
      if (ans.type !== 'residuals') return false;
      const r = ans.response;
      if (r.errored.some((id) => set.policies.get(id)?.effect !== 'permit')) return false;
      return r.decision !== 'deny';
    } catch {
      return false;
    }
  }

  /** Decide and say why, for `policy explain` and `policy test`. */
  explain(req: AuthzRequest): Explanation {
    const { result, built, response } = (() => {
      try {
        return this.decide(req, true);
      } catch (e) {
        const built = buildRequest(req, this.set.argumentTypes, undefined, this.pathsFor(req, this.set));
        return { built, response: undefined, result: { decision: 'deny' as const, policyIds: ['policy-error'], obligations: [], errors: [(e as Error).message], reason: (e as Error).message } };
      }
    })();
    const determining = result.policyIds.map((id) => this.set.policies.get(id)).filter((p): p is LoadedPolicy => p !== undefined);
    const errored = (response?.diagnostics.errors ?? []).map((e) => {
      const policy = this.set.policies.get(e.policyId);
      return policy ? { policy, id: e.policyId, error: fmtError(e.error) } : { id: e.policyId, error: fmtError(e.error) };
    });
    const out: Explanation = { result, request: built, determining, errored };
    if (req.resource.kind !== 'server' && (req.action === 'call_tool' || req.action === 'get_prompt' || req.action === 'read_resource')) {
      out.visible = this.isVisible(req);
    }
    return out;
  }
}

/**
 * The requests `buildRequest` makes must match the schema (a custom `policy.schema` may not):
 * validate one of each kind, with every declared argument present, against the prepared schema.
 */
function selfCheck(slot: string, argTypes: Record<string, ArgType>): void {
  const sample = (t: ArgType): unknown => {
    switch (t.kind) {
      case 'String':
        return '/x';
      case 'Long':
        return 1;
      case 'Boolean':
        return true;
      case 'Set':
        return [sample(t.element)];
      case 'Extension':
        return t.name === 'decimal' ? '1.0' : '127.0.0.1';
      case 'Record':
        return Object.fromEntries(Object.entries(t.attrs).map(([k, a]) => [k, sample(a.type)]));
    }
  };
  const args = Object.fromEntries(Object.entries(argTypes).map(([k, t]) => [k, sample(t)]));
  const principal = { id: 'user:self-check', kind: 'User' as const, groups: ['g'], method: 'jwt', agent: 'a', scopes: ['s'] };
  const cases: AuthzRequest[] = [
    { principal, action: 'call_tool', resource: { kind: 'tool', server: 's', name: 't' }, arguments: args, labels: ['l'], findings: ['f'], session: { taint: ['x'] } },
    { principal, action: 'list', resource: { kind: 'tool', server: 's', name: 't' } },
    { principal, action: 'get_prompt', resource: { kind: 'prompt', server: 's', name: 'p' }, arguments: args },
    { principal, action: 'read_resource', resource: { kind: 'resource', server: 's', name: 'file:///x' } },
    { principal: { ...principal, id: 'agent:a', kind: 'Agent' }, action: 'sample', resource: { kind: 'server', server: 's' } },
    { principal: { ...principal, id: 'anonymous', kind: 'Anonymous' }, action: 'elicit', resource: { kind: 'server', server: 's' } },
    { principal, action: 'call_method', resource: { kind: 'server', server: 's' }, method: 'x/m' },
  ];
  const problems: string[] = [];
  for (const c of cases) {
    const built = buildRequest(c, argTypes);
    const ans = cedar.statefulIsAuthorized({ ...built, preparsedPolicySetId: slot, preparsedSchemaName: slot, validateRequest: true });
    if (ans.type !== 'success') problems.push(`schema: a ${c.action} request as the gateway builds it does not match the schema: ${ans.errors.map(fmtError).join('; ')}`);
  }
  if (problems.length > 0) throw new PolicyLoadError(problems);
}

function visibilityKey(req: Omit<AuthzRequest, 'action' | 'arguments'> & { action?: PolicyAction }): string {
  const p = req.principal;
  const s = req.session ?? {};
  return JSON.stringify([
    req.action ?? '',
    p.id,
    p.kind,
    [...p.groups].sort(),
    p.agent ?? '',
    p.method,
    [...(p.scopes ?? [])].sort(),
    req.resource.kind,
    req.resource.server,
    req.resource.name ?? '',
    req.labels ? [...req.labels].sort() : [],
    req.annotations ?? null,
    s.transport ?? '',
    s.client ?? '',
    s.taint ? [...s.taint].sort() : [],
  ]);
}

export function actionFor(kind: AuthzRequest['resource']['kind']): PolicyAction {
  return kind === 'tool' ? 'call_tool' : kind === 'prompt' ? 'get_prompt' : kind === 'resource' ? 'read_resource' : 'sample';
}

/** Load the configured policy set, or `undefined` when the config has no `policy` section. */
export async function createPolicyEngine(config: Pick<Config, 'policy' | 'namespace'> & Partial<Pick<Config, 'mcpServers' | 'servers'>>, opts: Omit<PolicyEngineOptions, 'policy'> = {}): Promise<PolicyEngine | undefined> {
  if (!config.policy) return undefined;
  const baseDir = (config as { baseDir?: string }).baseDir;
  const pathBase = config.mcpServers ? pathBasesOf(resolveServers(config as Config)) : undefined;
  return PolicyEngine.create({ separator: config.namespace?.separator, ...(baseDir ? { baseDir } : {}), ...(pathBase ? { pathBase } : {}), ...opts, policy: config.policy });
}

// ---------------------------------------------------------------------------------------------
// request → Cedar

interface BuiltRequest {
  principal: { type: string; id: string };
  action: { type: 'Action'; id: string };
  resource: { type: string; id: string };
  context: cedar.Context;
  entities: cedar.Entities;
}

const strip = (s: string, prefix: string) => (s.startsWith(prefix) ? s.slice(prefix.length) : s);
const ANNOTATION_DEFAULTS = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true } as const;

function uniq(xs: Iterable<string> | undefined): string[] {
  return xs ? [...new Set(xs)] : [];
}

/** A `file:` resource URI in canonical form (`file://` + canonical path); other URIs as before. */
function canonicalUri(uri: string, paths: PathContext | undefined): string {
  if (paths && /^file:/i.test(uri)) {
    const c = canonicalPath(uri, paths.base);
    if (c.ok) return `file://${c.path}`;
  }
  return normalizePathLike(uri);
}

export function principalUid(p: AuthzRequest['principal']): { type: string; id: string } {
  if (p.kind === 'Anonymous') return { type: 'Anonymous', id: 'anonymous' };
  if (p.kind === 'Agent') return { type: 'Agent', id: strip(p.id, 'agent:') };
  return { type: 'User', id: strip(p.id, 'user:') };
}

/**
 * The Cedar request for an AuthzRequest. With `only`, the context holds just those attributes
 * (the ones some policy reads); without it, every attribute the schema declares.
 */
export function buildRequest(req: AuthzRequest, argTypes: Record<string, ArgType>, only?: Set<string>, paths?: PathContext): BuiltRequest {
  const principal = principalUid(req.principal);
  const groups = uniq(req.principal.groups.map((g) => strip(g, 'group:')));
  const entities: cedar.Entities = [
    { uid: principal, attrs: {}, parents: principal.type === 'Anonymous' ? [] : groups.map((id) => ({ type: 'Group', id })) },
  ];
  // Group and Server entities have no attributes and no parents, so they need not be sent:
  // membership rides on the parents of the principal and the resource (half the decision cost).
  const server = req.resource.server;
  const serverUid = { type: 'Server', id: server };
  let resource: { type: string; id: string };
  const name = req.resource.name ?? '';
  switch (req.resource.kind) {
    case 'tool':
    case 'prompt':
      resource = { type: req.resource.kind === 'tool' ? 'Tool' : 'Prompt', id: `${server}__${name}` };
      entities.push({ uid: resource, attrs: { server, name }, parents: [serverUid] });
      break;
    case 'resource':
      resource = { type: 'Resource', id: name };
      entities.push({ uid: resource, attrs: { server, uri: name, normalizedUri: canonicalUri(name, paths) }, parents: [serverUid] });
      break;
    default:
      resource = serverUid;
  }
  const want = (k: string) => !only || only.has(k);
  const context: cedar.Context = {};
  if (want('findings')) context.findings = uniq(req.findings);
  if (want('session')) {
    const s = req.session ?? {};
    context.session = {
      id: s.id ?? '',
      transport: s.transport ?? '',
      client: s.client ?? '',
      agent: req.principal.agent ?? '',
      authMethod: req.principal.method ?? '',
      scopes: uniq(req.principal.scopes),
      taint: uniq(s.taint),
    };
  }
  if (want('time')) {
    const now = req.now ?? new Date();
    context.time = { epoch: Math.floor(now.getTime() / 1000), hour: now.getUTCHours(), weekday: now.getUTCDay(), date: now.toISOString().slice(0, 10) };
  }
  if (req.action === 'call_method') {
    if (want('method')) context.method = req.method ?? '';
  } else if (req.action !== 'sample' && req.action !== 'elicit') {
    if (want('arguments') || want('normalized') || want('invalidArguments')) {
      const conv = convertArguments(req.arguments, argTypes, paths);
      if (want('arguments')) context.arguments = conv.arguments;
      if (want('normalized')) context.normalized = conv.normalized;
      if (want('invalidArguments')) context.invalidArguments = conv.invalid;
    }
    if (want('labels')) context.labels = uniq(req.labels);
    if (want('grant')) context.grant = req.grant === true;
    if (want('annotations')) {
      const ann = req.annotations ?? {};
      const annotations: Record<string, boolean> = {};
      for (const [k, d] of Object.entries(ANNOTATION_DEFAULTS)) annotations[k] = typeof ann[k] === 'boolean' ? (ann[k] as boolean) : d;
      context.annotations = annotations;
    }
  }
  return { principal, action: { type: 'Action', id: req.action }, resource, context, entities };
}
