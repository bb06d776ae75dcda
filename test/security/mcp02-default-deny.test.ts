/**
 * OWASP MCP02 — privilege escalation via scope creep: default deny on every method.
 *
 * A method the gateway does not know (`x/admin_reset`, odd spellings of known ones) is refused
 * unless a policy rule allows it by name, even with a single upstream; `resources/subscribe` and
 * `unsubscribe`, `prompts/get` and `completion/complete` go through the same authorization as the
 * read/call they stand for, and a hidden resource gets the very answer of a missing one; a
 * quarantined resource template stops serving its resources; a server name that makes names
 * ambiguous is refused by `config check` and at startup. Attacks are data: one line each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { createApiKey } from '../../src/identity/apikeys.js';
import { ConfigError, parseConfigText } from '../../src/config/load.js';
import { fixture, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const SURFACE = `
  surface:
    command: node
    args: ["${fixture('surface.mjs')}"]`;
/** One child for every session, so the fixture's `calls` tool sees what any session got through. */
const SHARED_SURFACE = `${SURFACE}
    shared: true`;

const Any = z.object({}).passthrough();
type Who = 'nobody' | 'reader' | 'ops' | 'admin';
type Expect = 'ok' | 'denied' | 'not-found';

/** Send one raw request through the SDK client; the outcome as data. */
async function send(c: Client, method: string, params: Record<string, unknown>): Promise<{ ok: true; result: Record<string, unknown> } | { ok: false; code: number; message: string; data?: { code?: string; rule?: string } }> {
  try {
    return { ok: true, result: (await c.request({ method, params } as never, Any)) as Record<string, unknown> };
  } catch (e) {
    const err = e as { code: number; message: string; data?: { code?: string; rule?: string } };
    return { ok: false, code: err.code, message: err.message, ...(err.data ? { data: err.data } : {}) };
  }
}

describe('MCP02 default deny through the gateway (policy configured)', () => {
  let gw: TestGateway;
  const clients = {} as Record<Who, Client>;

  beforeAll(async () => {
    gw = await startTestGateway(`
auth: { apiKeys: true }
mcpServers:${SHARED_SURFACE}
policy:
  allow:
    - { id: admin-all, principal: "group:admin", tools: ["surface__*"], prompts: ["surface__*"], resources: ["*"], methods: ["x/*"] }
    - { id: ops-reset, principal: "group:ops", methods: ["x/admin_reset"] }
    - { id: reader-public, principal: "group:readers", resources: ["memo://public/*"], tools: ["surface__echo"] }
`);
    const groups: Record<Who, string[]> = { nobody: [], reader: ['readers'], ops: ['ops'], admin: ['admin'] };
    for (const who of Object.keys(groups) as Who[]) {
      const { key } = await createApiKey(gw.rt.store, { principal: who, groups: groups[who] });
      clients[who] = await httpClient(gw.url, { headers: { authorization: `Bearer ${key}` } });
    }
  });
  afterAll(async () => {
    for (const c of Object.values(clients)) await c?.close();
    await gw?.close();
  });

  const attacks: Array<{ name: string; who: Who; method: string; params: Record<string, unknown>; expect: Expect; rule?: RegExp }> = [
    { name: 'vendor method, principal allowed nothing', who: 'nobody', method: 'x/admin_reset', params: {}, expect: 'denied', rule: /^policy\.default-deny$/ },
    { name: 'vendor method, principal allowed other things', who: 'reader', method: 'x/admin_reset', params: {}, expect: 'denied', rule: /^policy\./ },
    { name: 'another vendor method', who: 'reader', method: 'x/echo', params: { a: 1 }, expect: 'denied' },
    { name: 'allowed by name only: a sibling method stays denied', who: 'ops', method: 'x/echo', params: {}, expect: 'denied' },
    { name: 'odd case of a known method is unknown, so denied', who: 'nobody', method: 'Tools/call', params: { name: 'surface__echo', arguments: {} }, expect: 'denied' },
    { name: 'known method with trailing space', who: 'nobody', method: 'resources/read ', params: { uri: 'memo://secret/key' }, expect: 'denied' },
    { name: 'unknown resources/* verb', who: 'reader', method: 'resources/Subscribe', params: { uri: 'memo://secret/key' }, expect: 'denied' },
    { name: 'subscribe to a hidden resource', who: 'reader', method: 'resources/subscribe', params: { uri: 'memo://secret/key' }, expect: 'not-found' },
    { name: 'unsubscribe from a hidden resource', who: 'reader', method: 'resources/unsubscribe', params: { uri: 'memo://secret/key' }, expect: 'not-found' },
    { name: 'subscribe with no rights at all', who: 'nobody', method: 'resources/subscribe', params: { uri: 'memo://public/readme' }, expect: 'not-found' },
    { name: 'read a hidden template resource', who: 'reader', method: 'resources/read', params: { uri: 'vault://1' }, expect: 'not-found' },
    { name: 'prompt not allowed', who: 'reader', method: 'prompts/get', params: { name: 'surface__greet', arguments: { name: 'x' } }, expect: 'not-found' },
    { name: 'completion for a hidden prompt', who: 'reader', method: 'completion/complete', params: { ref: { type: 'ref/prompt', name: 'surface__greet' }, argument: { name: 'name', value: 'a' } }, expect: 'not-found' },
    { name: 'completion for a hidden template', who: 'reader', method: 'completion/complete', params: { ref: { type: 'ref/resource', uri: 'vault://{id}' }, argument: { name: 'id', value: 'a' } }, expect: 'not-found' },
    { name: 'tool call with no rights', who: 'nobody', method: 'tools/call', params: { name: 'surface__echo', arguments: { text: 'x' } }, expect: 'not-found' },
    // Controls: what is allowed still works.
    { name: 'control: vendor method allowed by name', who: 'ops', method: 'x/admin_reset', params: {}, expect: 'ok' },
    { name: 'control: subscribe to a visible resource', who: 'reader', method: 'resources/subscribe', params: { uri: 'memo://public/readme' }, expect: 'ok' },
    { name: 'control: admin reads a template resource', who: 'admin', method: 'resources/read', params: { uri: 'vault://7' }, expect: 'ok' },
  ];

  it.each(attacks)('$name → $expect', async ({ who, method, params, expect: want, rule }) => {
    const r = await send(clients[who], method, params);
    if (want === 'ok') {
      expect(r.ok, JSON.stringify(r)).toBe(true);
      return;
    }
    expect(r.ok, JSON.stringify(r)).toBe(false);
    if (r.ok) return;
    if (want === 'denied') {
      expect(r.data?.code).toBe('PCX_DENIED');
      if (rule) expect(r.data?.rule).toMatch(rule);
    } else {
      expect(r.data?.code).toBe('PCX_NOT_FOUND');
    }
  });

  it('no refused request reached the upstream', async () => {
    const r = (await clients.admin.callTool({ name: 'surface__calls', arguments: {} })) as unknown as { structuredContent: { calls: Array<{ method: string; params: { uri?: string } }> } };
    const seen = r.structuredContent.calls;
    // Only the controls went through (and the admin's own read).
    expect(seen.filter((c) => c.method === 'x/admin_reset')).toHaveLength(1);
    expect(seen.filter((c) => c.method === 'x/echo')).toHaveLength(0);
    expect(seen.filter((c) => c.method === 'resources/subscribe').map((c) => c.params.uri)).toEqual(['memo://public/readme']);
    expect(seen.filter((c) => c.method === 'resources/unsubscribe')).toHaveLength(0);
    expect(seen.filter((c) => c.method === 'prompts/get' || c.method === 'completion/complete')).toHaveLength(0);
  });

  it('a hidden resource and a missing one get the same answer on subscribe', async () => {
    const hidden = await send(clients.reader, 'resources/subscribe', { uri: 'memo://secret/key' });
    const missing = await send(clients.reader, 'resources/subscribe', { uri: 'memo://secret/no-such-thing' });
    expect(hidden.ok || missing.ok).toBe(false);
    if (hidden.ok || missing.ok) return;
    expect(hidden.code).toBe(missing.code);
    expect(hidden.message.replace('key', 'X')).toBe(missing.message.replace('no-such-thing', 'X'));
  });

  it('every refusal is audited with its rule', async () => {
    await send(clients.nobody, 'x/admin_reset', { marker: 1 });
    const events = (await gw.rt.store.queryAudit({ limit: 10_000 })).map((c) => c.event);
    const ev = events.find((e) => e.method === 'x/admin_reset' && e.decision === 'deny');
    expect(ev?.rule).toBe('policy.default-deny');
    expect(ev?.principal.id).toBe('user:nobody');
  });
});

describe('MCP02 default deny without a policy section', () => {
  let gw: TestGateway;
  let c: Client;
  beforeAll(async () => {
    gw = await startTestGateway(`
auth: none
mcpServers:${SURFACE}
`);
    c = await httpClient(gw.url);
  });
  afterAll(async () => {
    await c?.close();
    await gw?.close();
  });

  it.each(['x/admin_reset', 'x/echo', 'Tools/call', 'notifications/x'])('%s is refused: nothing can allow it by name', async (method) => {
    const r = await send(c, method, {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.data).toMatchObject({ code: 'PCX_DENIED', rule: 'router.unknown-method' });
  });

  it('known methods still work, and the refused ones never reached the upstream', async () => {
    expect(await c.callTool({ name: 'surface__echo', arguments: { text: 'hi' } })).toMatchObject({ content: [{ text: 'echo: hi' }] });
    const r = (await c.callTool({ name: 'surface__calls', arguments: {} })) as unknown as { structuredContent: { calls: Array<{ method: string }> } };
    expect(r.structuredContent.calls.map((x) => x.method)).toEqual(['tools/call']);
  });
});

describe('MCP02 a quarantined resource template stops serving its resources', () => {
  let gw: TestGateway;
  let c: Client;
  beforeAll(async () => {
    gw = await startTestGateway(`
auth: none
mcpServers:${SURFACE}
`);
    c = await httpClient(gw.url);
  });
  afterAll(async () => {
    await c?.close();
    await gw?.close();
  });

  const reads = [
    { name: 'a read under the template', method: 'resources/read', params: { uri: 'vault://1' } },
    { name: 'another id', method: 'resources/read', params: { uri: 'vault://secret-2' } },
    { name: 'a subscription under the template', method: 'resources/subscribe', params: { uri: 'vault://1' } },
    { name: 'a completion for the template', method: 'completion/complete', params: { ref: { type: 'ref/resource', uri: 'vault://{id}' }, argument: { name: 'id', value: 'a' } } },
  ];

  it('before: the template serves reads', async () => {
    expect((await c.listResourceTemplates()).resourceTemplates.map((t) => t.name)).toContain('vault');
    expect(await send(c, 'resources/read', { uri: 'vault://1' })).toMatchObject({ ok: true });
  });

  it.each(reads)('after quarantine: $name is refused (registry.quarantined)', async ({ method, params }) => {
    await gw.rt.registry!.quarantine('surface__vault', { kind: 'resource_template', reason: 'test' });
    await c.listResourceTemplates();
    const r = await send(c, method, params);
    expect(r.ok, JSON.stringify(r)).toBe(false);
    if (r.ok) return;
    expect(r.data).toMatchObject({ code: 'PCX_DENIED', rule: 'registry.quarantined' });
  });

  it('other resources of the server are unaffected', async () => {
    expect(await send(c, 'resources/read', { uri: 'memo://public/readme' })).toMatchObject({ ok: true });
  });
});

describe('MCP02 ambiguous server names are refused by config check and at startup', () => {
  const names: Array<{ name: string; sep?: string; extra?: string }> = [
    { name: 'prod__db' },
    { name: '__db' },
    { name: 'db__' },
    { name: 'prod_', extra: 'ends with part of the separator' },
    { name: 'prod-db', sep: '-' },
    { name: 'a.b', sep: '.' },
    { name: 'prodXdb', sep: 'Xd' },
  ];
  it.each(names)('server "$name" (separator $sep)', ({ name, sep }) => {
    const yaml = `${sep ? `namespace: { separator: "${sep}" }\n` : ''}mcpServers:\n  "${name}": { command: node, args: ["x.js"] }\n`;
    expect(() => parseConfigText(yaml, 'inline.yaml')).toThrow(ConfigError);
    expect(() => parseConfigText(yaml, 'inline.yaml')).toThrow(/namespace separator/);
  });

  it('a server defined only under servers: is checked too, and so is a prefix', () => {
    expect(() => parseConfigText('servers:\n  "prod__db": { command: node }\n', 'inline.yaml')).toThrow(/namespace separator/);
    expect(() => parseConfigText('mcpServers:\n  db: { command: node, prefix: "a__b" }\n', 'inline.yaml')).toThrow(/prefix/);
    expect(() => parseConfigText('mcpServers:\n  a: { command: node }\n  b: { command: node, prefix: a }\n', 'inline.yaml')).toThrow(/both expose/);
  });

  it('startup refuses it too', async () => {
    await expect(startTestGateway(`auth: none\nmcpServers:\n  "prod__db": { command: node, args: ["x.js"] }\n`)).rejects.toThrow(/namespace separator/);
  });

  it('control: ordinary names pass', () => {
    expect(() => parseConfigText('mcpServers:\n  prod_db: { command: node }\n  prod-db2: { command: node }\n', 'inline.yaml')).not.toThrow();
  });
});
