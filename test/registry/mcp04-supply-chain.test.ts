/**
 * MCP04 supply chain (unpinned packages, moving tags, images without digests) and MCP01 plaintext
 * secrets in client configs, as `portcullis scan` reports them for the fixture home.
 */
import { describe, expect, it } from 'vitest';
import { imageProblem, literalSecret, npmSpecProblem, pySpecProblem, routedCommand, routedUrl, supplyChainFindings, transportFindings } from '../../src/registry/analyze.js';
import { scanMachine } from '../../src/registry/scan.js';
import { FIXTURE_HOME } from './helpers.js';

async function fixtureFindings() {
  const r = await scanMachine({ root: FIXTURE_HOME });
  return Object.fromEntries(r.servers.map((s) => [s.name, s.findings]));
}

describe('MCP04 supply chain: unpinned packages in client configs', () => {
  it('flags every unpinned server of the fixture home and none of the pinned ones', async () => {
    const f = await fixtureFindings();
    const mcp04 = (name: string) => f[name]!.filter((x) => x.category === 'supply_chain').map((x) => `${x.severity} ${x.message}`);
    expect(mcp04('filesystem')).toEqual([expect.stringMatching(/^medium \[MCP04\] unpinned package @modelcontextprotocol\/server-filesystem/)]);
    expect(mcp04('slack')).toEqual([expect.stringMatching(/^medium \[MCP04\] unpinned package @modelcontextprotocol\/server-slack/)]);
    expect(mcp04('gitlab')).toHaveLength(1);
    expect(mcp04('sequential-thinking')).toHaveLength(1);
    expect(mcp04('puppeteer')).toEqual([expect.stringMatching(/^medium \[MCP04\] package @modelcontextprotocol\/server-puppeteer@latest follows a moving tag/)]);
    expect(mcp04('playwright')).toEqual([expect.stringMatching(/^medium .*@playwright\/mcp@latest/)]);
    expect(mcp04('sqlite')).toEqual([expect.stringMatching(/^medium \[MCP04\] unpinned package mcp-server-sqlite/)]);
    expect(mcp04('git')).toEqual([expect.stringMatching(/^medium \[MCP04\] unpinned package mcp-server-git/)]);
    expect(mcp04('openai-tools')).toEqual([expect.stringMatching(/^medium \[MCP04\] unpinned package openai-mcp/)]);
    expect(mcp04('server-1')).toEqual([expect.stringMatching(/^medium \[MCP04\] package mcp-server-time@latest/)]);
    expect(mcp04('brave-search')).toEqual([expect.stringMatching(/^medium \[MCP04\] container image mcp\/brave-search has no tag/)]);
    expect(mcp04('github-docker')).toEqual([expect.stringMatching(/^low \[MCP04\] container image ghcr\.io\/github\/github-mcp-server:v0\.5\.0 is pinned by a mutable tag/)]);
    expect(mcp04('SQLite')).toEqual([expect.stringMatching(/^low \[MCP04\] package mcp-sqlite@\^1\.0\.0 is a version range/)]);
    for (const pinned of ['github', 'fetch', 'postgres', 'docs', 'stripe', 'memory', 'everything', 'weather', 'linear', 'notion', 'context7', 'sentry', 'gateway']) {
      expect(mcp04(pinned), pinned).toEqual([]);
    }
  });

  it('judges package specs, images and launchers', () => {
    expect(npmSpecProblem('pkg')?.severity).toBe('medium');
    expect(npmSpecProblem('@scope/pkg')?.severity).toBe('medium');
    expect(npmSpecProblem('@scope/pkg@latest')?.severity).toBe('medium');
    expect(npmSpecProblem('@scope/pkg@next')?.severity).toBe('medium');
    expect(npmSpecProblem('pkg@^1.2.0')?.severity).toBe('low');
    expect(npmSpecProblem('pkg@1')?.severity).toBe('low');
    expect(npmSpecProblem('pkg@1.2.3')).toBeUndefined();
    expect(npmSpecProblem('@scope/pkg@1.2.3-beta.1')).toBeUndefined();
    expect(npmSpecProblem('./local/server')).toBeUndefined();
    expect(npmSpecProblem('github:owner/repo')?.severity).toBe('medium');
    expect(npmSpecProblem(`github:owner/repo#${'a'.repeat(40)}`)).toBeUndefined();
    expect(pySpecProblem('mcp-server-fetch')?.severity).toBe('medium');
    expect(pySpecProblem('mcp-server-fetch==1.0.0')).toBeUndefined();
    expect(pySpecProblem('mcp-server-fetch@1.0.0')).toBeUndefined();
    expect(pySpecProblem('mcp-server-fetch@latest')?.severity).toBe('medium');
    expect(pySpecProblem('mcp-server-fetch>=1.0')?.severity).toBe('low');
    expect(imageProblem('mcp/x')?.severity).toBe('medium');
    expect(imageProblem('mcp/x:latest')?.severity).toBe('medium');
    expect(imageProblem('localhost:5000/mcp/x')?.severity).toBe('medium');
    expect(imageProblem('localhost:5000/mcp/x:1.2')?.severity).toBe('low');
    expect(imageProblem(`mcp/x@sha256:${'0'.repeat(64)}`)).toBeUndefined();
    expect(supplyChainFindings('npx', ['-y', '--package', 'a@1.0.0', 'bin'])).toEqual([]);
    expect(supplyChainFindings('npx', ['-y', '-p', 'a', 'bin'])).toHaveLength(1);
    expect(supplyChainFindings('pnpm', ['dlx', 'a'])).toHaveLength(1);
    expect(supplyChainFindings('bunx', ['a@2.0.0'])).toEqual([]);
    expect(supplyChainFindings('uvx', ['--from', 'a==1.0.0', 'a-cli'])).toEqual([]);
    expect(supplyChainFindings('uv', ['tool', 'run', 'a'])).toHaveLength(1);
    expect(supplyChainFindings('pipx', ['run', 'a'])).toHaveLength(1);
    expect(supplyChainFindings('docker', ['run', '-i', '--rm', '-e', 'X=1', '--name', 'n', 'img:1.0', 'serve'])).toEqual([expect.objectContaining({ severity: 'low' })]);
    expect(supplyChainFindings('/usr/local/bin/node', ['server.js'])).toEqual([]);
  });

  it('recognizes Portcullis-routed commands and URLs', () => {
    expect(routedCommand('portcullis', ['stdio', '--', 'npx', '-y', 'x'])).toEqual({ routed: true, inner: { command: 'npx', args: ['-y', 'x'] } });
    expect(routedCommand('npx', ['-y', 'portcullis@0.1.0', 'stdio', '--name', 'x', '--', 'uvx', 'y']).inner).toEqual({ command: 'uvx', args: ['y'] });
    expect(routedCommand('node', ['/opt/portcullis/dist/cli/index.js', 'stdio', '--', 'x']).routed).toBe(true);
    expect(routedCommand('npx', ['-y', 'portcullis', 'start']).routed).toBe(false);
    expect(routedCommand('npx', ['-y', 'not-portcullis', 'stdio']).routed).toBe(false);
    const l = [{ host: '127.0.0.1', port: 7400, path: '/mcp' }];
    expect(routedUrl('http://localhost:7400/mcp', l)).toBe(true);
    expect(routedUrl('http://127.0.0.1:7400/sse', l)).toBe(true);
    expect(routedUrl('http://127.0.0.1:7401/mcp', l)).toBe(false);
    expect(routedUrl('https://example.com/mcp', l)).toBe(false);
  });

  it('flags plain-http remotes except loopback', () => {
    expect(transportFindings('http://mcp.corp.example/mcp', {})).toEqual([expect.objectContaining({ category: 'insecure_transport', severity: 'medium' })]);
    expect(transportFindings('http://mcp.corp.example/mcp', { Authorization: 'Bearer ${T}' })[0]!.severity).toBe('high');
    expect(transportFindings('http://127.0.0.1:3000/mcp', {})).toEqual([]);
    expect(transportFindings('https://mcp.corp.example/mcp', {})).toEqual([]);
  });
});

describe('MCP01 plaintext secrets in client configs', () => {
  it('finds the literal secrets of the fixture home, never the references, and never prints them', async () => {
    const f = await fixtureFindings();
    const secrets = (name: string) => f[name]!.filter((x) => x.category === 'secret').map((x) => x.message);
    expect(secrets('github')).toEqual([expect.stringMatching(/^\[MCP01\] plaintext secret in env GITHUB_PERSONAL_ACCESS_TOKEN \(github-token\)/)]);
    expect(secrets('slack')).toEqual([expect.stringMatching(/env SLACK_BOT_TOKEN/)]);
    expect(secrets('gitlab')).toEqual([expect.stringMatching(/env GITLAB_PERSONAL_ACCESS_TOKEN/)]);
    expect(secrets('openai-tools')).toEqual([expect.stringMatching(/env OPENAI_API_KEY/)]);
    expect(secrets('SQLite')).toEqual([expect.stringMatching(/env DB_PASSWORD/)]);
    expect(secrets('context7')).toEqual([expect.stringMatching(/header X-Api-Key/)]);
    expect(secrets('postgres')).toEqual([expect.stringMatching(/argument 3/)]);
    expect(secrets('stripe')).toEqual([expect.stringMatching(/argument 4 \(stripe-key\)/)]);
    for (const clean of ['linear', 'brave-search', 'everything', 'github-docker', 'filesystem', 'notion', 'weather', 'docs', 'memory']) {
      expect(secrets(clean), clean).toEqual([]);
    }
    const all = JSON.stringify(f);
    for (const secret of ['ghp_Portcullis', 'xoxb-', 'glpat-', 'sk-proj-', 'Tr0ub4dor', 'c7k4f9', 'Wq8vT2mZr5LpX9kd', 'sk_live_']) expect(all).not.toContain(secret);
  });

  it('tells literals from references and placeholders', () => {
    expect(literalSecret('API_KEY', '${API_KEY}')).toBeUndefined();
    expect(literalSecret('API_KEY', '${env:API_KEY}')).toBeUndefined();
    expect(literalSecret('API_KEY', '$API_KEY')).toBeUndefined();
    expect(literalSecret('API_KEY', '${input:api-key}')).toBeUndefined();
    expect(literalSecret('Authorization', 'Bearer ${TOKEN}', { header: true })).toBeUndefined();
    expect(literalSecret('Authorization', 'Bearer q8Zr2LmX4tVb8Nc1Wd6K', { header: true })).toBeDefined();
    expect(literalSecret('API_KEY', '<your-api-key>')).toBeUndefined();
    expect(literalSecret('API_KEY', 'xxxxxxxxxxxx')).toBeUndefined();
    expect(literalSecret('SERVICE_TOKEN', 'q8Zr2LmX4tVb8Nc1Wd6K')).toBeDefined();
    expect(literalSecret('MY_SERVICE_PAT', 'abc123def456')).toBe('credential');
    expect(literalSecret('TOKEN_URL', 'https://auth.example.com/token')).toBeUndefined();
    expect(literalSecret('SLACK_TEAM_ID', 'T01234567')).toBeUndefined();
    expect(literalSecret('LOG_LEVEL', 'debug')).toBeUndefined();
  });
});
