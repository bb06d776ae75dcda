/**
 * The configuration reference (docs/config.md) and the JSON Schema are generated from the zod
 * schema's descriptions: every key documented, both files current, and `config check` naming the
 * field and the expected type.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, parseConfigText } from '../../src/config/load.js';
import { configKeys, generateConfigDocs } from '../../src/config/docs.js';
import { generateSchema } from '../../src/config/json-schema.js';
import { ROOT } from '../helpers/gateway.js';

function problems(text: string): string[] {
  try {
    parseConfigText(text, 'cfg.yaml', {});
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('configuration reference', () => {
  const keys = configKeys();

  it('covers the whole schema (servers, auth, policy rules, detectors)', () => {
    const paths = keys.map((k) => k.path);
    for (const p of ['listen.port', 'mcpServers.<server>.command', 'mcpServers.<server>.url', 'servers.<server>.timeout', 'auth.jwt.issuer', 'auth.apiKeys', 'policy.allow[].tools', 'inspect.secrets.results', 'audit.signingKey']) expect(paths).toContain(p);
    expect(keys.length).toBeGreaterThan(100);
  });

  it('every key has a description (add .meta(doc(…)) in src/config/schema.ts)', () => {
    expect(keys.filter((k) => !k.description).map((k) => k.path)).toEqual([]);
  });

  it('every leaf key has an example or a default', () => {
    const leaves = keys.filter((k) => !/^(object|map of object|"none" \| object)$/.test(k.type) && !keys.some((o) => o.path.startsWith(`${k.path}.`) || o.path.startsWith(`${k.path}[]`)));
    expect(leaves.filter((k) => k.example === undefined && k.default === undefined).map((k) => k.path)).toEqual([]);
  });

  it('docs/config.md is current (npm run docs:config)', () => {
    expect(readFileSync(path.join(ROOT, 'docs', 'config.md'), 'utf8')).toBe(generateConfigDocs());
  });

  it('the JSON Schema carries the same descriptions and is current (npm run schema)', () => {
    const onDisk = readFileSync(path.join(ROOT, 'schema', 'portcullis.schema.json'), 'utf8');
    expect(onDisk).toBe(generateSchema());
    const schema = JSON.parse(onDisk) as { properties: Record<string, { description?: string; default?: unknown; properties?: Record<string, { description?: string }> }> };
    expect(schema.properties.listen!.properties!.port!.description).toBe(keys.find((k) => k.path === 'listen.port')!.description);
    expect(Object.entries(schema.properties).filter(([, v]) => !v.description).map(([k]) => k)).toEqual([]);
  });
});

describe('config check names the field and the expected type', () => {
  it.each([
    ['a string for a number', 'auth: none\nlisten:\n  port: "eighty"\n', 'cfg.yaml:3: listen.port: expected a number, got a string "eighty"'],
    ['a string for a list', 'auth: none\nmcpServers:\n  a:\n    command: npx\n    args: "-y pkg"\n', 'cfg.yaml:5: mcpServers.a.args: expected a list, got a string "-y pkg"'],
    ['a number for a command', 'auth: none\nmcpServers:\n  a:\n    command: 42\n', 'cfg.yaml:4: mcpServers.a.command: expected a string, got a number 42'],
    ['a bad env in a stdio server', 'auth: none\nmcpServers:\n  a:\n    command: npx\n    env: [A, B]\n', 'cfg.yaml:5: mcpServers.a.env: expected a mapping (key: value), got a list'],
    ['a bad timeout in a stdio server', 'auth: none\nmcpServers:\n  a:\n    command: npx\n    timeout: soon\n', 'cfg.yaml:5: mcpServers.a.timeout: a duration like 500ms, 30s, 5m, 2h or 30d'],
    ['a bad header map in a remote server', 'auth: none\nmcpServers:\n  r:\n    url: https://h/mcp\n    headers: x\n', 'cfg.yaml:5: mcpServers.r.headers: expected a mapping (key: value), got a string "x"'],
    ['neither command nor url', 'auth: none\nmcpServers:\n  a:\n    args: []\n', 'cfg.yaml:3: mcpServers.a: a server needs either "command" (stdio) or "url" (Streamable HTTP / SSE)'],
  ])('%s', (_name, text, expected) => {
    const p = problems(text);
    expect(p).toEqual([expected]);
  });
});
