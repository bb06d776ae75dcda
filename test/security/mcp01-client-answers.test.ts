/**
 * MCP01 (secret exposure), the client → server direction that is not a call: a server's sampling,
 * elicitation and roots requests are answered by the client's model or user, and that answer travels
 * to the server like arguments do. A secret in it (the model repeating a key from the conversation,
 * a user pasting a token into a form) is blocked before the server sees it (`inspect.secrets.arguments:
 * block`, the default), in any spelling the argument checks know; an answer without one passes.
 *
 * The upstream is `sampler.mjs`: each tool returns what the server received as its result, and the
 * test turns result-side redaction off so what is asserted is what reached the server. A 2026-07-28
 * client answers in `inputResponses` of its retry instead: to a 2026-07-28 server (`modern.mjs`
 * `ask_llm`, `confirm`) and, translated by the gateway, to the session-era `sampler.mjs`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Http } from '@modelcontextprotocol/client';
import { fixture, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { SECRETS } from '../fixtures/_data.mjs';

const g = SECRETS.githubToken;
const k = SECRETS.awsAccessKeyId;

/** [name, tool, what the client answers with]: the server must not receive the secret. */
const ATTACKS: Array<[string, 'sample' | 'elicit' | 'roots', Answer]> = [
  ['sampling completion repeating a token', 'sample', { sample: `Sure, the token is ${g}.` }],
  ['sampling completion, base64', 'sample', { sample: Buffer.from(`aws ${k} ok`).toString('base64') }],
  ['sampling completion, spaced out', 'sample', { sample: [...g].join(' ') }],
  ['elicitation form field', 'elicit', { elicit: { name: g, age: 3 } }],
  ['elicitation form field, zero-width broken', 'elicit', { elicit: { name: [...g].join('\u200b'), age: 3 } }],
  ['roots list naming a key in a URI', 'roots', { roots: [{ uri: `file:///home/u/${g}`, name: 'home' }] }],
];

/** Answers that must reach the server unchanged. */
const CLEAN: Array<[string, 'sample' | 'elicit' | 'roots', Answer, string]> = [
  ['a plain completion', 'sample', { sample: 'Hello there.' }, 'Hello there.'],
  ['a plain form', 'elicit', { elicit: { name: 'Ada', age: 36 } }, 'Ada'],
  ['a plain roots list', 'roots', { roots: [{ uri: 'file:///srv/project', name: 'project' }] }, 'file:///srv/project'],
];

interface Answer {
  sample?: string;
  elicit?: Record<string, unknown>;
  roots?: Array<{ uri: string; name: string }>;
}

describe('MCP01: the client\'s answers to server requests are checked like arguments', { timeout: 60_000 }, () => {
  let gw: TestGateway;
  let c: Client;
  let answer: Answer = {};
  beforeAll(async () => {
    gw = await startTestGateway(`
auth: none
inspect: { secrets: { results: log } }
mcpServers:
  s: { command: node, args: ["${fixture('sampler.mjs')}"], isolation: session }
`);
    c = await httpClient(gw.url, { capabilities: { sampling: {}, elicitation: {}, roots: {} } });
    c.setRequestHandler(CreateMessageRequestSchema, async () => ({ model: 'm', role: 'assistant', content: { type: 'text', text: answer.sample ?? '' } }));
    c.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: answer.elicit ?? {} }) as never);
    c.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: answer.roots ?? [] }));
  }, 60_000);
  afterAll(async () => {
    await c?.close();
    await gw?.close();
  });

  const received = async (tool: string, a: Answer): Promise<string> => {
    answer = a;
    const r = await c.callTool({ name: `s__${tool}`, arguments: {} });
    return JSON.stringify(r.structuredContent ?? r.content);
  };

  it.each(ATTACKS)('blocks %s', async (_n, tool, a) => {
    const got = await received(tool, a);
    expect(got).not.toContain(g);
    expect(got).not.toContain(k);
    expect(got).toMatch(/withheld by the gateway/);
  });

  it.each(CLEAN)('passes %s', async (_n, tool, a, want) => {
    const got = await received(tool, a);
    expect(got).toContain(want);
    expect(got).not.toMatch(/withheld/);
  });

  it('records the finding on the request\'s audit event', async () => {
    await received('sample', { sample: `token ${g}` });
    const evs = (await gw.rt.store.queryAudit({ limit: 10_000 })).map((x) => x.event);
    const ev = evs.filter((e) => e.method === 'sampling/createMessage').at(-1)!;
    expect(ev.outcome).toBe('denied');
    expect(ev.findings.some((f) => f.category === 'secret')).toBe(true);
    expect(JSON.stringify(ev)).not.toContain(g);
  });
});

describe('MCP01: a 2026-07-28 client\'s inputResponses are checked like arguments', { timeout: 60_000 }, () => {
  let gw: TestGateway;
  let c: V2Client;
  let said = '';
  beforeAll(async () => {
    gw = await startTestGateway(`
auth: none
inspect: { secrets: { results: log } }
mcpServers:
  modern: { command: node, args: ["${fixture('modern.mjs')}"] }
  old: { command: node, args: ["${fixture('sampler.mjs')}"], isolation: session }
`);
    c = new V2Client({ name: 'v2-answers', version: '1' }, { capabilities: { sampling: {}, elicitation: {} }, versionNegotiation: { mode: 'auto' } });
    c.setRequestHandler('sampling/createMessage', async () => ({ model: 'm', role: 'assistant', content: { type: 'text', text: said } }) as never);
    await c.connect(new V2Http(new URL(gw.url)));
    expect(c.getProtocolEra()).toBe('modern');
  }, 60_000);
  afterAll(async () => {
    await c?.close();
    await gw?.close();
  });

  const call = async (tool: string, args: Record<string, unknown>, answer: string): Promise<string> => {
    said = answer;
    return c.callTool({ name: tool, arguments: args }, { timeout: 30_000 }).then(
      (r) => JSON.stringify(r),
      (e: Error) => `error: ${e.message}`,
    );
  };

  it.each([
    ['to a 2026-07-28 server', 'modern__ask_llm', { prompt: 'q' }],
    ['to a session-era server (translated)', 'old__sample', {}],
  ] as const)('blocks a token in a sampling answer %s', async (_n, tool, args) => {
    const got = await call(tool, { ...args }, `the token is ${g}`);
    expect(got).not.toContain(g);
    expect(got).toMatch(/secret|withheld|denied/i);
  });

  it.each([
    ['to a 2026-07-28 server', 'modern__ask_llm', { prompt: 'q' }, 'llm said: all clear'],
    ['to a session-era server (translated)', 'old__sample', {}, 'all clear'],
  ] as const)('passes a clean sampling answer %s', async (_n, tool, args, want) => {
    const got = await call(tool, { ...args }, 'all clear');
    expect(got).toContain(want);
  });
});
