/**
 * MCP05 (command / file-system misuse): a policy rule denying `<root>/secret/` must hold against
 * every spelling of a path into it. The upstream is the real `@modelcontextprotocol/server-filesystem`
 * (allowed directory = the temp root, HOME = the root), so each attack is one that server would
 * really serve: relative paths (resolved against its directory), `./`, `~`, `..`, repeated slashes,
 * symlinks, `file://` URLs, percent-encoding and an NFD spelling of an accented folder (the server
 * matches Unicode-equivalent names). What cannot be canonicalised (NUL, Windows forms, paths through
 * `/proc/self`, which the server reads as itself) is denied.
 *
 * Attacks are data: `{R}` is the root.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ROOT, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const SECRET = 'TOP-SECRET-CONTENT-7f3a';
const ACCENT_SECRET = 'ACCENTED-SECRET-91c2';
const PUBLIC = 'public readme';

/** [name, tool, arguments]: each must be denied by the policy. */
const ATTACKS: Array<[string, string, Record<string, unknown>]> = [
  ['absolute (baseline)', 'read_text_file', { path: '{R}/secret/key.txt' }],
  ['relative', 'read_text_file', { path: 'secret/key.txt' }],
  ['dot-relative', 'read_text_file', { path: './secret/key.txt' }],
  ['tilde (server HOME is the root)', 'read_text_file', { path: '~/secret/key.txt' }],
  ['dot-dot through a public folder', 'read_text_file', { path: '{R}/pub/../secret/key.txt' }],
  ['relative dot-dot', 'read_text_file', { path: 'pub/../secret/key.txt' }],
  ['repeated slashes', 'read_text_file', { path: '{R}//secret///key.txt' }],
  ['dot segments', 'read_text_file', { path: '{R}/./secret/./key.txt' }],
  ['symlink to the folder', 'read_text_file', { path: '{R}/link/key.txt' }],
  ['relative symlink', 'read_text_file', { path: 'link/key.txt' }],
  ['symlink back up, then down', 'read_text_file', { path: '{R}/pub/back/secret/key.txt' }],
  ['symlink to the file', 'read_text_file', { path: '{R}/pub/innocent.txt' }],
  ['file URL', 'read_text_file', { path: 'file://{R}/secret/key.txt' }],
  ['percent-encoded', 'read_text_file', { path: '{R}/%73ecret/key.txt' }],
  ['percent-encoded dot-dot', 'read_text_file', { path: '{R}/pub/%2e%2e/secret/key.txt' }],
  ['NFD spelling of an accented folder', 'read_text_file', { path: '{R}/se\u0301cret/key.txt' }],
  ['NFD, relative', 'read_text_file', { path: 'se\u0301cret/key.txt' }],
  ['the folder itself, listed', 'list_directory', { path: '{R}/secret' }],
  ['the folder itself with a trailing slash', 'list_directory', { path: '{R}/secret/' }],
  ['NUL byte (cannot be canonicalised)', 'read_text_file', { path: '{R}/secret/key.txt\u0000.md' }],
  ['Windows drive form (cannot be mapped)', 'read_text_file', { path: 'C:\\secret\\key.txt' }],
  ['backslashes (cannot be mapped)', 'read_text_file', { path: 'secret\\key.txt' }],
  ['through /proc/self/cwd (the server\'s cwd is the root, not the gateway\'s)', 'read_text_file', { path: '/proc/self/cwd/secret/key.txt' }],
  ['through /proc/thread-self/cwd', 'read_text_file', { path: '/proc/thread-self/cwd/secret/key.txt' }],
  ['triple percent-encoding', 'read_text_file', { path: '{R}/%252573ecret/key.txt' }],
  ['under another argument name: paths[] of read_multiple_files', 'read_multiple_files', { paths: ['{R}/pub/readme.txt', '{R}/secret/key.txt'] }],
  ['under another argument name, relative', 'read_multiple_files', { paths: ['secret/key.txt'] }],
  ['moved out of the folder first (source)', 'move_file', { source: '{R}/secret/key.txt', destination: '{R}/pub/moved.txt' }],
  ['moved into the folder (destination)', 'move_file', { source: '{R}/pub/readme.txt', destination: '{R}/secret/planted.txt' }],
];

/** Calls that must still work (and return the file). */
const ALLOWED: Array<[string, string, Record<string, unknown>, string]> = [
  ['absolute public file', 'read_text_file', { path: '{R}/pub/readme.txt' }, PUBLIC],
  ['relative public file', 'read_text_file', { path: 'pub/readme.txt' }, PUBLIC],
  ['a folder whose name starts like the secret one', 'read_text_file', { path: '{R}/secret-notes/a.txt' }, 'notes'],
];

function fill(v: Record<string, unknown>, root: string): Record<string, unknown> {
  const f = (x: unknown): unknown => (typeof x === 'string' ? x.replaceAll('{R}', root) : Array.isArray(x) ? x.map(f) : x);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, f(x)]));
}

describe('MCP05: path rules see the canonical path', () => {
  let dir: string;
  let root: string;
  let gw: TestGateway;
  let c: Client;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcx-paths-'));
    root = fs.realpathSync(dir);
    fs.mkdirSync(path.join(root, 'secret'));
    fs.writeFileSync(path.join(root, 'secret', 'key.txt'), SECRET);
    fs.mkdirSync(path.join(root, 's\u00e9cret'));
    fs.writeFileSync(path.join(root, 's\u00e9cret', 'key.txt'), ACCENT_SECRET);
    fs.mkdirSync(path.join(root, 'secret-notes'));
    fs.writeFileSync(path.join(root, 'secret-notes', 'a.txt'), 'notes');
    fs.mkdirSync(path.join(root, 'pub'));
    fs.writeFileSync(path.join(root, 'pub', 'readme.txt'), PUBLIC);
    fs.symlinkSync(path.join(root, 'secret'), path.join(root, 'link'));
    fs.symlinkSync('..', path.join(root, 'pub', 'back'));
    fs.symlinkSync(path.join(root, 'secret', 'key.txt'), path.join(root, 'pub', 'innocent.txt'));
    const server = path.join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');
    gw = await startTestGateway(`
auth: none
mcpServers:
  fs: { command: node, args: [${JSON.stringify(server)}, ${JSON.stringify(root)}], cwd: ${JSON.stringify(root)}, env: { HOME: ${JSON.stringify(root)} } }
policy:
  allow:
    - { principal: "*", tools: ["fs__*"] }
  deny:
    - { id: no-secret, principal: "*", tools: ["fs__*"], where: { path: { startsWith: ${JSON.stringify(root + '/secret/')} } } }
    - { id: no-accented-secret, principal: "*", tools: ["fs__*"], where: { path: { startsWith: ${JSON.stringify(root + '/s\u00e9cret/')} } } }
`);
    c = await httpClient(gw.url);
  }, 60_000);
  afterAll(async () => {
    await c?.close();
    await gw?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each(ALLOWED)('allows %s', async (_n, tool, args, want) => {
    const r = await c.callTool({ name: `fs__${tool}`, arguments: fill(args, root) });
    expect(r.isError).toBeFalsy();
    expect(JSON.stringify(r.content)).toContain(want);
  });

  it.each(ATTACKS)('denies %s', async (_n, tool, args) => {
    const out = await c.callTool({ name: `fs__${tool}`, arguments: fill(args, root) }).then(
      (r) => ({ ok: JSON.stringify(r) }),
      (e: Error & { data?: { rule?: string } }) => ({ err: e }),
    );
    if ('ok' in out) {
      expect(out.ok).not.toContain(SECRET);
      expect(out.ok).not.toContain(ACCENT_SECRET);
    }
    expect('err' in out ? out.err.message : out.ok).toMatch(/denied/i);
    expect('err' in out ? JSON.stringify(out.err.data) : '').toMatch(/no-secret|no-accented-secret|policy|inspect\.ssrf/);
  });
});

/** The sensitive-path detector judges where a path leads: [name, path] with `{R}` the root, all blocked. */
const DETECTOR_ATTACKS: Array<[string, string]> = [
  ['a symlink to an SSH key', '{R}/pub/notes.txt'],
  ['repeated slashes and dots in /etc/shadow', '/etc//./shadow'],
  ['a symlinked folder into .ssh', '{R}/docs/id_rsa'],
  ['relative path into .ssh', '.ssh/id_rsa'],
  ['percent-encoded .env', '{R}/app/%2eenv'],
  ['a symlink in a folder whose name has a space', '{R}/my docs/notes.txt'],
];

describe('MCP05: the sensitive-path detector sees canonical paths', () => {
  let dir: string;
  let root: string;
  let gw: TestGateway;
  let c: Client;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcx-sens-'));
    root = fs.realpathSync(dir);
    fs.mkdirSync(path.join(root, '.ssh'));
    fs.writeFileSync(path.join(root, '.ssh', 'id_rsa'), 'FAKE KEY');
    fs.mkdirSync(path.join(root, 'pub'));
    fs.mkdirSync(path.join(root, 'app'));
    fs.symlinkSync(path.join(root, '.ssh', 'id_rsa'), path.join(root, 'pub', 'notes.txt'));
    fs.symlinkSync(path.join(root, '.ssh'), path.join(root, 'docs'));
    fs.mkdirSync(path.join(root, 'my docs'));
    fs.symlinkSync(path.join(root, '.ssh', 'id_rsa'), path.join(root, 'my docs', 'notes.txt'));
    const server = path.join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');
    gw = await startTestGateway(`
auth: none
inspect: { paths: { arguments: block } }
mcpServers:
  fs: { command: node, args: [${JSON.stringify(server)}, ${JSON.stringify(root)}] }
`);
    c = await httpClient(gw.url);
  }, 60_000);
  afterAll(async () => {
    await c?.close();
    await gw?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each(DETECTOR_ATTACKS)('blocks %s', async (_n, p) => {
    const err = await c.callTool({ name: 'fs__read_text_file', arguments: { path: p.replaceAll('{R}', root) } }).then(
      (r) => new Error(`not blocked: ${JSON.stringify(r)}`),
      (e: Error) => e,
    );
    expect(err.message).toMatch(/inspect\.paths/);
    expect(err.message).not.toContain('FAKE KEY');
  });
});
