/**
 * `portcullis policy compile | test | explain`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config/schema.js';
import { PolicyEngine, type Explanation } from '../policy/engine.js';
import { PolicyLoadError } from '../policy/types.js';
import { caseToRequest, parseCases, runCases, type PolicyCase } from '../policy/cases.js';
import { typeToString } from '../policy/args.js';
import { existsSync } from 'node:fs';
import { resolveServers } from '../config/load.js';
import { toolLabels } from '../gateway/labels.js';
import type { AuthzRequest } from '../policy/types.js';
import { openStore } from '../store/index.js';
import { loadOrExit, resolveDataDir } from './common.js';

function baseDirOf(config: Config, file?: string): string {
  return (config as { baseDir?: string }).baseDir ?? (file ? path.dirname(file) : process.cwd());
}

async function engineOrExit(configFile?: string): Promise<{ engine: PolicyEngine; config: Config }> {
  const { config, file } = await loadOrExit(configFile);
  if (!config.policy) {
    process.stderr.write(`${file ?? 'config'}: has no \`policy:\` section, so no policy applies (add policy.allow / policy.deny or policy.cedar)\n`);
    process.exit(1);
  }
  try {
    const engine = await PolicyEngine.create({ policy: config.policy, baseDir: baseDirOf(config, file), separator: config.namespace.separator, watch: false });
    return { engine, config };
  } catch (e) {
    if (e instanceof PolicyLoadError) {
      process.stderr.write(`invalid policy set:\n${e.problems.map((p) => `  ${p}\n`).join('')}`);
      process.exit(1);
    }
    throw e;
  }
}

function parseJsonOption(v: string, what: string): Record<string, unknown> {
  try {
    const o = JSON.parse(v) as unknown;
    if (!o || typeof o !== 'object' || Array.isArray(o)) throw new Error('not an object');
    return o as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${what}: not a JSON object (${(e as Error).message})`);
  }
}

export function formatExplanation(ex: Explanation): string {
  const r = ex.result;
  const lines: string[] = [];
  const hidden = r.decision === 'deny' && ex.visible === false;
  lines.push(`decision: ${r.decision.toUpperCase()}${hidden ? ' (hidden: not listed, answered as not found)' : ''}`);
  lines.push(`why:      ${r.reason}`);
  if (r.obligations.length > 0) lines.push(`obligations: ${r.obligations.join(', ')}`);
  if (ex.visible !== undefined) lines.push(`listed:   ${ex.visible ? 'yes' : 'no'}`);
  lines.push('');
  if (ex.determining.length > 0) {
    lines.push('determining policies:');
    for (const p of ex.determining) {
      lines.push(`  ${p.id}  (${p.effect}, ${p.source})`);
      for (const l of p.text.trim().split('\n')) lines.push(`    | ${l}`);
    }
  } else if (r.policyIds.includes('default-deny')) {
    lines.push('determining policies: none matched — default deny');
  }
  if (ex.errored.length > 0) {
    lines.push('policies that failed to evaluate:');
    for (const e of ex.errored) lines.push(`  ${e.id}  (${e.policy?.effect ?? '?'}, ${e.policy?.source ?? '?'}): ${e.error}`);
  }
  for (const e of r.errors.filter((x) => !ex.errored.some((y) => x.startsWith(`${y.id}:`)))) lines.push(`error: ${e}`);
  lines.push('');
  lines.push('request as Cedar sees it:');
  lines.push(`  principal: ${ex.request.principal.type}::${JSON.stringify(ex.request.principal.id)}`);
  lines.push(`  action:    Action::${JSON.stringify(ex.request.action.id)}`);
  lines.push(`  resource:  ${ex.request.resource.type}::${JSON.stringify(ex.request.resource.id)}`);
  lines.push(`  context:   ${JSON.stringify(ex.request.context)}`);
  lines.push(`  entities:  ${JSON.stringify(ex.request.entities)}`);
  return lines.join('\n') + '\n';
}

export function register(program: Command): void {
  const policy = program.command('policy').description('compile, test and explain access policy (Cedar)');

  policy
    .command('compile')
    .description('print the Cedar compiled from the YAML policy lists (and validate the whole set)')
    .option('-c, --config <file>', 'config file')
    .option('--all', 'also print the policies from the .cedar directory')
    .option('--arguments', 'also print the argument types the policies use')
    .action(async (opts: { config?: string; all?: boolean; arguments?: boolean }) => {
      const { engine } = await engineOrExit(opts.config);
      const out: string[] = [];
      for (const p of engine.policies.values()) {
        if (!opts.all && !p.source.startsWith('config ')) continue;
        out.push(`// ${p.source}\n${p.text.trim()}\n`);
      }
      process.stdout.write(out.join('\n'));
      if (opts.arguments) {
        process.stdout.write('\n// Arguments (context.arguments / context.normalized):\n');
        for (const [k, t] of Object.entries(engine.argumentTypes)) process.stdout.write(`//   ${k}: ${typeToString(t)}\n`);
      }
      engine.close();
    });

  policy
    .command('test')
    .description('run table cases (principal, groups, tool, arguments, context → expected decision); exit 1 on a mismatch')
    .option('-c, --config <file>', 'config file')
    .requiredOption('--cases <file>', 'cases YAML file')
    .option('--json', 'machine-readable output')
    .action(async (opts: { config?: string; cases: string; json?: boolean }) => {
      const { engine, config } = await engineOrExit(opts.config);
      let cases: PolicyCase[];
      try {
        cases = parseCases(readFileSync(opts.cases, 'utf8'));
      } catch (e) {
        process.stderr.write(`${opts.cases}: ${(e as Error).message}\n`);
        process.exit(1);
      }
      const results = runCases(engine, cases, config.namespace.separator);
      const failed = results.filter((r) => !r.ok);
      if (opts.json) {
        process.stdout.write(
          JSON.stringify(
            results.map(({ explanation, ...r }) => ({ ...r, policyIds: explanation?.result.policyIds ?? [], reason: explanation?.result.reason })),
            null,
            2,
          ) + '\n',
        );
      } else {
        for (const r of results) {
          process.stdout.write(`${r.ok ? '✓' : '✗'} ${r.name}${r.ok ? ` (${r.got}${r.explanation ? `: ${r.explanation.result.policyIds.join(', ')}` : ''})` : ''}\n`);
          for (const p of r.problems) process.stdout.write(`    ${p}\n`);
        }
        process.stdout.write(`\n${results.length - failed.length} passed, ${failed.length} failed\n`);
      }
      engine.close();
      process.exitCode = failed.length > 0 ? 1 : 0;
    });

  policy
    .command('explain')
    .description('decide one request and print which policies decided it and why')
    .option('-c, --config <file>', 'config file')
    .requiredOption('--principal <p>', 'user:NAME, agent:NAME or anonymous')
    .option('--groups <list>', 'comma-separated groups')
    .option('--tool <server__name>', 'tool, as server__name')
    .option('--prompt <server__name>', 'prompt, as server__name')
    .option('--resource <uri>', 'resource URI (with --server)')
    .option('--server <name>', 'server of a resource, or of sample/elicit')
    .option('--action <action>', 'sample or elicit (or list)')
    .option('--args <json>', 'arguments as a JSON object')
    .option('--context <json>', 'context as JSON: {"taint":[..],"findings":[..],"labels":[..],"client":"..","agent":"..","scopes":[..]}')
    .option('--data-dir <dir>', 'data directory whose registry holds the tools as the gateway saw them (default: beside the config)')
    .option('--json', 'machine-readable output')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const { engine, config } = await engineOrExit(opts.config as string | undefined);
      const c: PolicyCase = {
        principal: opts.principal as string,
        groups: typeof opts.groups === 'string' ? opts.groups.split(',').map((g) => g.trim()).filter(Boolean) : [],
        ...(typeof opts.tool === 'string' ? { tool: opts.tool } : {}),
        ...(typeof opts.prompt === 'string' ? { prompt: opts.prompt } : {}),
        ...(typeof opts.resource === 'string' ? { resource: opts.resource } : {}),
        ...(typeof opts.server === 'string' ? { server: opts.server } : {}),
        ...(typeof opts.action === 'string' ? { action: opts.action as PolicyCase['action'] } : {}),
        ...(typeof opts.args === 'string' ? { arguments: parseJsonOption(opts.args, '--args') } : {}),
        ...(typeof opts.context === 'string' ? { context: parseJsonOption(opts.context, '--context') as PolicyCase['context'] } : {}),
      };
      const req = caseToRequest(c, config.namespace.separator);
      // As the gateway decides: the tool's real definition (as pinned in the registry when the
      // gateway listed it) gives its annotations, and the labels come from the same function.
      const source = await withToolDefinition(req, config, opts.dataDir as string | undefined, c.context);
      const ex = engine.explain(req);
      if (opts.json) process.stdout.write(JSON.stringify({ ...ex, definition: source }, null, 2) + '\n');
      else process.stdout.write(`${source.note}\n${formatExplanation(ex)}`);
      engine.close();
    });
}

/**
 * Fill a tool request's annotations and labels the way the gateway does, from the tool definition
 * the registry pinned when the gateway listed the server's tools. `--context` annotations / labels,
 * when given, are added on top (a what-if).
 */
async function withToolDefinition(req: AuthzRequest, config: Config, dataDir: string | undefined, ctx: PolicyCase['context']): Promise<{ found: boolean; note: string }> {
  if (req.resource.kind !== 'tool') return { found: false, note: '' };
  const { server } = req.resource;
  const name = req.resource.name ?? '';
  const spec = resolveServers(config).find((s) => s.name === server)?.spec;
  const dir = resolveDataDir(config, dataDir);
  let definition: { annotations?: unknown } | undefined;
  let seen: string | undefined;
  if (config.store.postgres || existsSync(path.join(dir, 'portcullis.db'))) {
    const store = await openStore(config, dir);
    try {
      const rec = await store.getDefinition('tool', server, name);
      if (rec) {
        definition = (rec.definition ?? {}) as { annotations?: unknown };
        seen = rec.lastSeen;
      }
    } finally {
      await store.close();
    }
  }
  const labels = [...new Set([...toolLabels(spec, name, definition), ...(ctx?.labels ?? [])])];
  req.labels = labels;
  const annotations = { ...((definition?.annotations as Record<string, unknown> | undefined) ?? {}), ...(ctx?.annotations ?? {}) };
  if (Object.keys(annotations).length > 0) req.annotations = annotations;
  else delete req.annotations;
  const note = definition
    ? `tool ${server}${config.namespace.separator}${name}: annotations ${JSON.stringify(definition.annotations ?? {})} and labels [${labels.join(', ')}] as the gateway sees them (registry, last listed ${seen})`
    : `tool ${server}${config.namespace.separator}${name}: not in the registry at ${dir} (start the gateway once so it lists the tools); deciding with config labels [${labels.join(', ')}] and no annotations`;
  return { found: definition !== undefined, note };
}
