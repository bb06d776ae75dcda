/** Config loading: errors that name the file, line and key; interpolation; examples; schema. */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { ConfigError, loadConfig, parseConfigText, resolveServers } from '../../src/config/load.js';
import { ROOT } from '../helpers/gateway.js';
import { generateSchema } from '../../src/config/json-schema.js';

function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfigText(text, 'cfg.yaml', env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('config errors point at the file, line and key', () => {
  it.each([
    ['a server without command or url', 'auth: none\nmcpServers:\n  github:\n    args: [x]\n', /^cfg\.yaml:3: mcpServers\.github: .*"command".*"url"/],
    ['an unknown key (typo)', 'auth: none\nlimitz: {}\n', /^cfg\.yaml:2: .*unknown key "limitz"/],
    ['a nested unknown key', 'auth: none\nlimits:\n  maxMessageByte: 10\n', /^cfg\.yaml:3: limits: unknown key "maxMessageByte"/],
    ['a wrong type', 'auth: none\nlisten:\n  port: "eighty"\n', /^cfg\.yaml:3: listen\.port: /],
    ['a bad duration', 'auth: none\nlimits:\n  requestTimeout: soon\n', /^cfg\.yaml:3: limits\.requestTimeout: /],
    ['invalid YAML', 'auth: none\nmcpServers: [\n', /^cfg\.yaml:\d+: /],
    ['an override for a server that does not exist', 'auth: none\nservers:\n  ghost: { timeout: 5s }\n', /^cfg\.yaml:3: servers\.ghost: no such server/],
  ])('%s', (_name, text, pattern) => {
    const p = problems(text);
    expect(p.length).toBeGreaterThan(0);
    expect(p[0]).toMatch(pattern);
  });

  it('a missing ${env:NAME} is an error naming the variable', () => {
    const p = problems('auth: none\nmcpServers:\n  gh:\n    command: x\n    env: { TOKEN: "${env:GH_TOKEN_FOR_TEST}" }\n');
    expect(p[0]).toMatch(/^cfg\.yaml:5: environment variable GH_TOKEN_FOR_TEST is not set/);
  });

  it('interpolates ${env:NAME}', () => {
    const c = parseConfigText('auth: none\nmcpServers:\n  gh:\n    command: x\n    env: { TOKEN: "${env:T}" }\n', 'cfg.yaml', { T: 'abc' });
    const gh = resolveServers(c)[0]!;
    expect(gh.spec).toMatchObject({ command: 'x', env: { TOKEN: 'abc' } });
  });

  it('accepts a client config unchanged (Claude Desktop / Cursor mcpServers, JSON) and merges servers.<name> keys', () => {
    const c = parseConfigText(
      JSON.stringify({ auth: 'none', mcpServers: { fs: { command: 'npx', args: ['-y', 'pkg'], env: { A: '1' } }, remote: { url: 'https://example.com/mcp', type: 'http', headers: { X: 'y' } } }, servers: { fs: { timeout: '5s', prefix: 'files' } } }),
      'client.json',
    );
    const [fs, remote] = resolveServers(c);
    expect(fs).toMatchObject({ name: 'fs', spec: { command: 'npx', timeout: '5s', prefix: 'files' } });
    expect(remote).toMatchObject({ name: 'remote', spec: { url: 'https://example.com/mcp', type: 'http' } });
  });

  it('portcullis config check exits 1 with FILE:LINE messages', () => {
    const tmp = path.join(ROOT, 'test', 'config', 'bad.tmp.yaml');
    writeFileSync(tmp, 'auth: none\nmcpServers:\n  a: { args: [] }\n');
    try {
      const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/cli/index.js'), 'config', 'check', '-c', tmp], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/bad\.tmp\.yaml:3: mcpServers\.a: /);
    } finally {
      rmSync(tmp);
    }
  });
});

describe('examples and schema', () => {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = path.join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ya?ml|json)$/.test(f) && /portcullis|config/.test(f)) files.push(p);
    }
  };
  walk(path.join(ROOT, 'examples'));

  it('there are example configs', () => expect(files.length).toBeGreaterThan(0));
  it.each(files.map((f) => [path.relative(ROOT, f), f]))('%s loads', async (_rel, f) => {
    const { config } = await loadConfig(f, { ...process.env });
    expect(config).toBeDefined();
  });

  it('schema/portcullis.schema.json is generated from the zod schema and up to date (npm run schema)', () => {
    const onDisk = readFileSync(path.join(ROOT, 'schema', 'portcullis.schema.json'), 'utf8');
    expect(onDisk).toBe(generateSchema());
  });

  it('portcullis --version prints the package version', () => {
    const v = execFileSync(process.execPath, [path.join(ROOT, 'dist/cli/index.js'), '--version'], { encoding: 'utf8' }).trim();
    expect(v).toBe(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  });
});
