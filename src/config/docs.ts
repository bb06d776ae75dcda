/**
 * `docs/config.md`, generated from the zod schema's descriptions (through its JSON Schema, so the
 * reference and the editor completion say the same thing). `npm run docs:config` writes it; a
 * test fails when it is stale or when a key has no description.
 */
import { z } from 'zod';
import { ConfigSchema } from './schema.js';

type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  examples?: unknown[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
};

export interface KeyDoc {
  path: string;
  type: string;
  default?: unknown;
  example?: unknown;
  description?: string;
}

export function configJsonSchema(): JsonSchema {
  return z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** Every key of the config, depth first, in schema order (a key reached through two union branches once). */
export function configKeys(schema: JsonSchema = configJsonSchema()): KeyDoc[] {
  const out: KeyDoc[] = [];
  const seen = new Set<string>();
  const walk = (s: JsonSchema, prefix: string) => {
    for (const branch of s.anyOf ?? [s]) {
      for (const [key, prop] of Object.entries(branch.properties ?? {})) {
        const p = prefix ? `${prefix}.${key}` : key;
        if (!seen.has(p)) {
          seen.add(p);
          const example = prop.examples?.[0];
          out.push({
            path: p,
            type: typeOf(prop),
            ...(prop.default !== undefined ? { default: prop.default } : {}),
            ...(example !== undefined ? { example } : {}),
            ...(prop.description ? { description: prop.description } : {}),
          });
        }
        descend(prop, p);
      }
    }
  };
  const descend = (prop: JsonSchema, p: string) => {
    for (const b of prop.anyOf ?? [prop]) {
      if (b.properties) walk(b, p);
      if (b.items && (b.items.properties || b.items.anyOf)) walk(b.items, `${p}[]`);
      if (typeof b.additionalProperties === 'object') {
        const v = b.additionalProperties;
        const name = p === 'mcpServers' || p === 'servers' ? '<server>' : p.endsWith('overrides') ? '<tool glob>' : p.includes('<tool glob>') ? '<detector>' : '<name>';
        if (v.properties || v.anyOf?.some((x) => x.properties)) walk(v, `${p}.${name}`);
      }
    }
  };
  walk(schema, '');
  return out;
}

function typeOf(s: JsonSchema): string {
  if (s.anyOf) {
    const isDuration = s.anyOf.length === 2 && s.anyOf.some((x) => x.type === 'integer') && s.anyOf.some((x) => x.pattern?.includes('ms|s|m|h|d'));
    if (isDuration) return 'duration (`500ms`, `30s`, `5m`, `2h`, `30d`, or milliseconds)';
    return [...new Set(s.anyOf.map(typeOf))].join(' | ');
  }
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((e) => JSON.stringify(e)).join(' | ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'any'}`;
  if (s.type === 'object') {
    if (s.properties) return 'object';
    if (typeof s.additionalProperties === 'object') return `map of ${s.additionalProperties.anyOf || s.additionalProperties.properties ? 'object' : typeOf(s.additionalProperties)}`;
    return 'object';
  }
  if (s.format === 'uri') return 'URL';
  if (s.type === 'integer') {
    const max = s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? s.maximum : undefined;
    const range = s.minimum !== undefined && max !== undefined ? ` ${s.minimum}–${max}` : s.minimum !== undefined ? ` ≥ ${s.minimum}` : '';
    return `integer${range}`;
  }
  if (Array.isArray(s.type)) return s.type.join(' | ');
  return s.type ?? 'any';
}

function inline(v: unknown): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return '`' + text.replace(/`/g, "'") + '`';
}

const INTRO = `# Configuration reference

<!-- Generated from src/config/schema.ts by \`npm run docs:config\`; do not edit by hand (a test fails when it is stale). -->

A Portcullis config is a YAML or JSON file (\`portcullis start -c portcullis.yaml\`). Check one with
\`portcullis config check -c FILE\` (errors read \`FILE:LINE: key: problem\`). Editors complete and check
keys with the JSON Schema, [\`schema/portcullis.schema.json\`](../schema/portcullis.schema.json), which
carries the same descriptions: add \`# yaml-language-server: $schema=<path to it>\` at the top of the file.
Unknown keys are errors, so a typo never silently turns a control off.

A client's \`mcpServers\` block (Claude Desktop, Cursor, Claude Code, VS Code's \`servers\`) can be pasted
as is; \`portcullis init\` writes a starter file from the clients on this machine.

**Variables.** In any string value: \`\${VAR}\` and \`\${VAR:-default}\` (as Claude Code writes them),
\`\${env:VAR}\` (as VS Code and Cursor do; \`\${env:VAR:-default}\` too). A variable that is not set and
has no default is an error naming the file and line, never a silent literal. VS Code's \`\${input:…}\`
prompts are refused (set an environment variable instead). \`\${secret:NAME}\` reads the encrypted
secret store (\`portcullis secrets set NAME\`; docs/credentials.md), in a stdio server's \`env\` or a remote
server's \`headers\` only. \`$\${\` is a
literal \`\${\`. \`\${dataDir}\` is the data directory (below).

**Paths.** Relative paths are relative to the config file's folder, not the current folder: \`dataDir\`,
\`policy.cedar\`, \`audit.jsonl\`, \`audit.signingKey\`, \`store.sqlite.path\`, \`auth.jwt.jwks\`, and in a
server entry its \`cwd\`, and the \`env\` values and \`args\` written as relative paths (\`./x\`, \`../x\`).
A server's \`command\` is looked up on \`PATH\` (then in Portcullis' own \`node_modules/.bin\`).

**Data directory.** \`--data-dir\`, else \`PORTCULLIS_DATA_DIR\`, else \`dataDir\`, else \`.portcullis\`
beside the config file (so every command given the same \`-c\` finds the same keys, tickets and audit
log, whatever folder it runs in). The bundled demo (\`portcullis start\` without \`-c\`) uses
\`./.portcullis\` in the current folder; a server wrapped without a config (\`portcullis stdio -- CMD\`,
what \`portcullis wrap\` writes) uses \`~/.portcullis\`. Its files are readable by their owner only.

**Durations** are milliseconds as a number, or a string like \`500ms\`, \`30s\`, \`5m\`, \`2h\`, \`30d\`.
`;

export function generateConfigDocs(): string {
  const keys = configKeys();
  const schema = configJsonSchema();
  const lines = [INTRO];
  lines.push('## Top-level keys\n');
  for (const k of keys.filter((x) => !x.path.includes('.'))) lines.push(`- [\`${k.path}\`](#${anchor(k.path)}) — ${firstSentence(k.description)}`);
  lines.push('');
  for (const top of Object.keys(schema.properties ?? {})) {
    const group = keys.filter((k) => k.path === top || k.path.startsWith(`${top}.`) || k.path.startsWith(`${top}[]`));
    for (const k of group) {
      lines.push(`${k.path === top ? '##' : '###'} \`${k.path}\``, '');
      const facts = [`type: ${k.type}`];
      if (k.default !== undefined && !(typeof k.default === 'object' && k.default !== null && Object.keys(k.default).length > 3)) facts.push(`default: ${inline(k.default)}`);
      if (k.example !== undefined) facts.push(`example: ${inline(k.example)}`);
      lines.push(facts.join(' · '), '');
      if (k.description) lines.push(k.description, '');
    }
  }
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

function anchor(p: string): string {
  return p.toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-');
}

function firstSentence(d: string | undefined): string {
  if (!d) return '';
  const m = /^(.+?\.)(\s|$)/.exec(d);
  return m ? m[1]! : d;
}
