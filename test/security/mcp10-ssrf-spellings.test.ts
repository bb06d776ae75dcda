/**
 * MCP10 (context over-sharing → server-side request forgery): a tool that fetches what the model
 * asks for must not be steered at the gateway's own admin API, loopback, private or metadata
 * addresses, however the URL is spelled, wherever it sits in the arguments, and however much
 * padding comes before it. The upstream here (`injector.mjs` http_get) really calls `fetch(url)`;
 * the control case shows that with the guard off it does read the admin API.
 *
 * Attacks are data: `{port}` is the admin port, `{host}` an address that reaches it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { fixture, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const P = '{port}';
/** Arguments of http_get (or of any tool: the guard reads every string) that must be denied. */
const ATTACKS: Array<[name: string, args: Record<string, unknown>]> = [
  ['no slashes', { url: `http:127.0.0.1:${P}/healthz` }],
  ['one slash', { url: `http:/127.0.0.1:${P}/healthz` }],
  ['backslashes', { url: `http:\\\\127.0.0.1:${P}\\healthz` }],
  ['slash then backslash', { url: `http:\\/127.0.0.1:${P}/healthz` }],
  ['tab inside the scheme', { url: `ht\ttp://127.0.0.1:${P}/healthz` }],
  ['newline inside the host', { url: `http://127.0.\n0.1:${P}/healthz` }],
  ['CR inside the scheme', { url: `h\rttp://127.0.0.1:${P}/healthz` }],
  ['mixed-case scheme, no slashes', { url: `hTTp:127.0.0.1:${P}/healthz` }],
  ['upper-case scheme', { url: `HTTP://127.0.0.1:${P}/healthz` }],
  ['decimal IPv4', { url: `http://2130706433:${P}/healthz` }],
  ['octal IPv4', { url: `http://0177.0.0.1:${P}/healthz` }],
  ['hex IPv4', { url: `http://0x7f.1:${P}/healthz` }],
  ['short IPv4', { url: `http://127.1:${P}/healthz` }],
  ['zero', { url: `http://0:${P}/healthz` }],
  ['trailing dot', { url: `http://127.0.0.1.:${P}/healthz` }],
  ['localhost with trailing dot', { url: `http://localhost.:${P}/healthz` }],
  ['LOCALHOST', { url: `http://LocalHost:${P}/healthz` }],
  ['IPv6 loopback', { url: `http://[::1]:${P}/healthz` }],
  ['IPv4-mapped IPv6', { url: `http://[::ffff:127.0.0.1]:${P}/healthz` }],
  ['IPv4-mapped IPv6, hex', { url: `http://[::ffff:7f00:1]:${P}/healthz` }],
  ['userinfo', { url: `http://evil.example@127.0.0.1:${P}/healthz` }],
  ['userinfo with a fake host', { url: `http://example.com:80@127.0.0.1:${P}/healthz` }],
  ['percent-encoded host', { url: `http://%31%32%37.0.0.1:${P}/healthz` }],
  ['full-width digits', { url: `http://１２７.０.０.１:${P}/healthz` }],
  ['scheme-relative', { url: `//127.0.0.1:${P}/healthz` }],
  ['leading spaces and controls', { url: `  \u0001http://127.0.0.1:${P}/healthz` }],
  ['metadata endpoint', { url: 'http://169.254.169.254/latest/meta-data/' }],
  ['metadata, decimal', { url: 'http://2852039166/latest/meta-data/' }],
  ['private range', { url: 'http:10.0.0.1/' }],
  ['wss to loopback', { url: `wss:127.0.0.1:${P}/` }],
  ['under key uri', { uri: `http://127.0.0.1:${P}/healthz` }],
  ['under key data', { data: `http:127.0.0.1:${P}/healthz` }],
  ['under key type', { type: `http://127.0.0.1:${P}/healthz` }],
  ['under _meta-like key', { _meta: { target: `http://127.0.0.1:${P}/healthz` } }],
  ['in an annotations object', { annotations: { source: `http://127.0.0.1:${P}/healthz` } }],
  ['in a nested array', { list: [[['x', { deep: [`http://127.0.0.1:${P}/healthz`] }]]] }],
  ['nested 60 deep', { n: nest(60, `http://127.0.0.1:${P}/healthz`) }],
  ['in an object key', { headers: { [`http://127.0.0.1:${P}/healthz`]: 'x' } }],
  ['17th URL in a string', { text: `${'http://93.184.216.34/ '.repeat(16)}http://127.0.0.1:${P}/healthz` }],
  ['after 5,000 public URLs', { text: `${'https://93.184.216.34/a '.repeat(5000)}http://127.0.0.1:${P}/healthz` }],
  ['after 300 padding strings', { items: [...Array.from({ length: 300 }, (_, i) => `https://93.184.216.34/${i}`), `http://127.0.0.1:${P}/healthz`] }],
  ['glued to a public URL', { text: `https://93.184.216.34/x?next=http:127.0.0.1:${P}/healthz` }],
  ['in prose after a word', { text: `please fetchhttp://127.0.0.1:${P}/healthz now` }],
  ['gateway host names behind a tab-split word', { text: `see h\tttp://[::1]:${P}/` }],
];

/** Arguments that must still pass (no false positives on ordinary text and public URLs). */
const BENIGN: Array<[name: string, args: Record<string, unknown>]> = [
  ['prose mentioning a scheme', { text: 'use the http: scheme, or https: when you can; ratio 3:4 at 12:30' }],
  ['public IP literal', { url: 'https://93.184.216.34/page?x=1' }],
  ['a path', { path: '/srv/project/readme.md' }],
];

function nest(depth: number, leaf: unknown): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

function fill(v: unknown, port: string): unknown {
  if (typeof v === 'string') return v.replaceAll(P, port);
  if (Array.isArray(v)) return v.map((x) => fill(x, port));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replaceAll(P, port), fill(x, port)]));
  return v;
}

describe('MCP10: SSRF guard reads URLs the way fetch does', () => {
  let gw: TestGateway;
  let open: TestGateway;
  let c: Client;
  let oc: Client;
  let port: string;
  beforeAll(async () => {
    const cfg = (ssrf: string) => `
auth: none
inspect: { ssrf: { arguments: ${ssrf} } }
mcpServers:
  inj: { command: node, args: ["${fixture('injector.mjs')}"] }
`;
    [gw, open] = await Promise.all([startTestGateway(cfg('block')), startTestGateway(cfg('off'))]);
    [c, oc] = await Promise.all([httpClient(gw.url), httpClient(open.url)]);
    port = new URL(gw.adminUrl).port;
  }, 60_000);
  afterAll(async () => {
    await Promise.all([c?.close(), oc?.close()]);
    await Promise.all([gw?.close(), open?.close()]);
  });

  it('control: with the guard off, a real fetch through the tool reads the admin API', async () => {
    const openPort = new URL(open.adminUrl).port;
    const r = await oc.callTool({ name: 'inj__http_get', arguments: { url: `http:127.0.0.1:${openPort}/healthz` } });
    expect(JSON.stringify(r.content)).toMatch(/HTTP 200.*status/);
  });

  it.each(ATTACKS)('denies %s', async (_name, args) => {
    const err = await c.callTool({ name: 'inj__http_get', arguments: { url: 'https://93.184.216.34/', ...(fill(args, port) as object) } }).then(
      () => undefined,
      (e: Error & { data?: { rule?: string } }) => e,
    );
    expect(err?.message).toMatch(/inspect\.ssrf/);
  });

  it.each(BENIGN)('allows %s', async (_name, args) => {
    // http_get is not called with a reachable URL: only the decision matters, so use a tool that does nothing
    const r = await c.callTool({ name: 'inj__send_email', arguments: { to: 'a@b.test', body: JSON.stringify(args) } });
    expect(JSON.stringify(r.content)).toContain('sent to');
  });
});

/** Requests other than tool calls that carry a URL the upstream acts on (`fetcher.mjs` really fetches them): `{u}` is a URL of the admin API. */
const NON_TOOL: Array<[name: string, method: string, params: (u: string) => Record<string, unknown>]> = [
  ['resources/read of the URL itself', 'resources/read', (u) => ({ uri: u })],
  ['resources/read, scheme without slashes', 'resources/read', (u) => ({ uri: u.replace('http://', 'http:') })],
  ['resources/read of a URL inside the URI', 'resources/read', (u) => ({ uri: `https://93.184.216.34/?next=${u}` })],
  ['resources/subscribe', 'resources/subscribe', (u) => ({ uri: u })],
  ['completion value for a prompt argument', 'completion/complete', (u) => ({ ref: { type: 'ref/prompt', name: 'web__page' }, argument: { name: 'url', value: u } })],
  ['completion value for a template variable', 'completion/complete', (u) => ({ ref: { type: 'ref/resource', uri: '{+url}' }, argument: { name: 'url', value: u } })],
  ['completion context arguments', 'completion/complete', (u) => ({ ref: { type: 'ref/prompt', name: 'web__page' }, argument: { name: 'url', value: 'x' }, context: { arguments: { base: u } } })],
  ['prompts/get argument', 'prompts/get', (u) => ({ name: 'web__page', arguments: { url: u } })],
];

describe('MCP10: the guard covers resource reads, subscriptions, completions and prompts, not only tool calls', () => {
  let gw: TestGateway;
  let open: TestGateway;
  let c: Client;
  let oc: Client;
  beforeAll(async () => {
    const cfg = (ssrf: string) => `
auth: none
inspect: { ssrf: { arguments: ${ssrf} } }
mcpServers:
  web: { command: node, args: ["${fixture('fetcher.mjs')}"] }
policy:
  allow:
    - { id: all, principal: "*", tools: ["*"], prompts: ["*"], resources: ["*"] }
`;
    [gw, open] = await Promise.all([startTestGateway(cfg('block')), startTestGateway(cfg('off'))]);
    [c, oc] = await Promise.all([httpClient(gw.url), httpClient(open.url)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([c?.close(), oc?.close()]);
    await Promise.all([gw?.close(), open?.close()]);
  });

  it('control: with the guard off, reading the URL as a resource fetches the admin API', async () => {
    const r = await oc.readResource({ uri: `http://127.0.0.1:${new URL(open.adminUrl).port}/healthz` });
    expect(JSON.stringify(r)).toMatch(/HTTP 200.*status/);
  });

  it.each(NON_TOOL)('denies %s', async (_n, method, params) => {
    const u = `http://127.0.0.1:${new URL(gw.adminUrl).port}/healthz`;
    const err = await c.request({ method, params: params(u) } as never, (await import('zod')).z.any()).then(
      (r) => new Error(`not denied: ${JSON.stringify(r)}`),
      (e: Error) => e,
    );
    expect(err.message).toMatch(/inspect\.ssrf/);
  });

  it('allows a public URL read as a resource (the decision only: nothing is reachable here)', async () => {
    const r = await c.readResource({ uri: 'https://93.184.216.34/' });
    expect(JSON.stringify(r)).toMatch(/fetch failed|HTTP/);
  });
});
