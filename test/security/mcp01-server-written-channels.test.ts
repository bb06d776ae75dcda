/**
 * MCP01 (secret exposure), the server-written channels beyond a tool's text result: list
 * descriptions (tools, prompts, resources, templates), a result's `_meta`, embedded resources,
 * resource links, base64 payloads (a text/plain `blob`, a binary `blob`, an image whose `data` is
 * really text), prompt messages, completion values, and the sampling / elicitation requests a server
 * sends the client mid-call. On every one the client never sees the raw token, and what it gets
 * still parses: a redacted base64 payload is re-encoded (text) or masked in place (binary, same length).
 *
 * Channels are data; the upstream is `leaky.mjs`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { fixture, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const G = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const AWS = 'AKIA' + 'IOSFODNN7EXAMPLQ';

/** Every way the raw token could still be read: as is, or inside any base64 string of the value. */
function leaks(v: unknown): boolean {
  const s = JSON.stringify(v);
  if (s.includes(G) || s.includes(AWS)) return true;
  for (const m of s.matchAll(/"([A-Za-z0-9+/]{16,}={0,2})"/g)) {
    const d = Buffer.from(m[1]!, 'base64').toString('latin1');
    if (d.includes(G) || d.includes(AWS)) return true;
  }
  return false;
}

const CHANNELS: Array<[name: string, fetch: (c: Client) => Promise<unknown>, check?: (v: any) => void]> = [
  ['tools/list descriptions and parameter docs', (c) => c.listTools()],
  ['prompts/list descriptions and argument docs', (c) => c.listPrompts()],
  ['resources/list descriptions', (c) => c.listResources()],
  ['resources/templates/list descriptions', (c) => c.listResourceTemplates()],
  ['a result\'s _meta', (c) => c.callTool({ name: 'lk__meta', arguments: {} })],
  ['an embedded resource', (c) => c.callTool({ name: 'lk__embedded', arguments: {} })],
  ['a resource_link uri and description', (c) => c.callTool({ name: 'lk__link', arguments: {} })],
  [
    'an image block whose base64 data is text',
    (c) => c.callTool({ name: 'lk__image', arguments: {} }),
    (v) => expect(Buffer.from(v.content[0].data, 'base64').length).toBe(`token ${G} key ${AWS}`.length),
  ],
  ['a text/plain resource', (c) => c.readResource({ uri: 'mem://text' })],
  [
    'a text/plain blob (re-encoded, still valid base64)',
    (c) => c.readResource({ uri: 'mem://blob' }),
    (v) => expect(Buffer.from(v.contents[0].blob, 'base64').toString('utf8')).toMatch(/^token \[REDACTED:secret:[^\]]+\] key \[REDACTED:secret:[^\]]+\]$/),
  ],
  [
    'a binary blob (masked in place, same length, other bytes intact)',
    (c) => c.readResource({ uri: 'mem://bin' }),
    (v) => {
      const b = Buffer.from(v.contents[0].blob, 'base64');
      expect(b.length).toBe(8 + G.length + 2 + 3);
      expect([...b.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 0xff]);
      expect([...b.subarray(b.length - 3)]).toEqual([0, 0xfe, 3]);
    },
  ],
  ['prompt messages', (c) => c.getPrompt({ name: 'lk__p', arguments: {} })],
  ['completion values', (c) => c.complete({ ref: { type: 'ref/prompt', name: 'lk__p' }, argument: { name: 'a', value: 'x' } })],
];

describe('MCP01: secrets on server-written channels other than text results', () => {
  let gw: TestGateway;
  let c: Client;
  const asked: unknown[] = [];
  beforeAll(async () => {
    gw = await startTestGateway(`
auth: none
mcpServers:
  lk: { command: node, args: ["${fixture('leaky.mjs')}"] }
policy:
  allow:
    - { id: all, principal: "*", tools: ["*"], prompts: ["*"], resources: ["*"] }
`);
    c = await httpClient(gw.url, { capabilities: { sampling: {}, elicitation: {} } });
    c.setRequestHandler(CreateMessageRequestSchema, async (r) => {
      asked.push(r.params);
      return { role: 'assistant', model: 'm', content: { type: 'text', text: 'x' } };
    });
    c.setRequestHandler(ElicitRequestSchema, async (r) => {
      asked.push(r.params);
      return { action: 'accept', content: { ok: true } };
    });
  }, 60_000);
  afterAll(async () => {
    await c?.close();
    await gw?.close();
  });

  it.each(CHANNELS.map(([n, f, chk]) => [n, f, chk] as const))('%s', async (_n, f, check) => {
    const v = await f(c);
    expect(leaks(v)).toBe(false);
    check?.(v);
  });

  it.each(['lk__sample', 'lk__elicit'])('the sampling / elicitation request %s sends the client', async (tool) => {
    asked.length = 0;
    await c.callTool({ name: tool, arguments: {} });
    expect(asked).toHaveLength(1);
    expect(leaks(asked)).toBe(false);
  });

  it('the listed items keep their identifiers (routing still works after redaction)', async () => {
    expect((await c.listTools()).tools.map((t) => t.name)).toContain('lk__desc');
    expect((await c.callTool({ name: 'lk__desc', arguments: {} })).content).toEqual([{ type: 'text', text: 'ok' }]);
  });
});
