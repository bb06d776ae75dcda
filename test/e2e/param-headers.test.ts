/**
 * `Mcp-Param-*` headers (MCP 2026-07-28, SEP-2243) through the gateway, against modern.mjs over HTTP
 * (a v2-SDK server whose `route` tool marks `region` with `x-mcp-header: Region`; the SDK refuses a
 * call whose header is missing or disagrees). The gateway is the client upstream, so it must mirror
 * the arguments it sends, for clients of either era; downstream it refuses a header that disagrees
 * with the body (HTTP 400 HeaderMismatch) before any policy, and audits the refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client as V2Client, StreamableHTTPClientTransport as V2Http } from '@modelcontextprotocol/client';
import type { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startHttpFixture, type HttpFixture } from '../fixtures/harness.mjs';
import { httpClient, modernPost, startTestGateway, type TestGateway } from '../helpers/gateway.js';

let upstream: HttpFixture;
let gw: TestGateway;
let v1: V1Client;
let v2: V2Client;

const text = (r: unknown) => ((r as { content?: { text?: string }[] }).content ?? []).map((c) => c.text).join('');
const post = (body: Record<string, unknown>, headers: Record<string, string>) => modernPost(gw.url, body, headers, '');
const call = (name: string, args: Record<string, unknown>, headers: Record<string, string>) =>
  post({ id: 7, method: 'tools/call', params: { name, arguments: args } }, { 'mcp-name': name, ...headers });

beforeAll(async () => {
  upstream = await startHttpFixture('modern.mjs');
  gw = await startTestGateway(`auth: none
mcpServers:
  up:
    url: ${upstream.url}
policy:
  allow:
    - { id: all, principal: "*", tools: ["*"] }
  deny:
    - { id: no-add, principal: "*", tools: ["up__add"] }
`);
  v1 = await httpClient(gw.url);
  v2 = new V2Client({ name: 'v2-params', version: '1' }, { capabilities: {}, versionNegotiation: { mode: 'auto' } });
  await v2.connect(new V2Http(new URL(gw.url)));
}, 60_000);

afterAll(async () => {
  await Promise.all([v1?.close(), v2?.close()]);
  await gw?.close();
  await upstream?.close();
});

describe('upstream: the gateway mirrors the arguments it sends', () => {
  it('a session-based (v1) client reaches an x-mcp-header tool of a 2026-07-28 server', async () => {
    const r = await v1.callTool({ name: 'up__route', arguments: { region: 'eu-west', query: 'q' } });
    expect(text(r)).toBe('region=eu-west header=eu-west query=q');
  });

  it('a 2026-07-28 (v2) client too, with a value that needs the Base64 sentinel', async () => {
    expect(v2.getProtocolEra()).toBe('modern');
    const r = await v2.callTool({ name: 'up__route', arguments: { region: 'zürich ', query: 'q' } });
    expect(text(r)).toContain('region=zürich  header=');
    expect(r.isError).not.toBe(true);
  });

  it('lists the tool with its declaration, so clients mirror it too', async () => {
    const tool = (await v2.listTools()).tools.find((t) => t.name === 'up__route');
    expect((tool?.inputSchema.properties as Record<string, Record<string, unknown>>).region!['x-mcp-header']).toBe('Region');
  });
});

describe('downstream: headers that disagree with the body are refused before any policy (HTTP 400 HeaderMismatch)', () => {
  const rows: { name: string; tool: string; args: Record<string, unknown>; headers: Record<string, string>; ok: boolean }[] = [
    { name: 'matching header', tool: 'up__route', args: { region: 'eu', query: 'q' }, headers: { 'mcp-param-region': 'eu' }, ok: true },
    { name: 'header name in another case', tool: 'up__route', args: { region: 'eu', query: 'q' }, headers: { 'Mcp-Param-REGION': 'eu' }, ok: true },
    { name: 'sentinel-encoded matching value', tool: 'up__route', args: { region: 'eu', query: 'q' }, headers: { 'mcp-param-region': `=?base64?${Buffer.from('eu').toString('base64')}?=` }, ok: true },
    { name: 'header says another region', tool: 'up__route', args: { region: 'eu', query: 'q' }, headers: { 'mcp-param-region': 'us' }, ok: false },
    { name: 'header missing for a present argument', tool: 'up__route', args: { region: 'eu', query: 'q' }, headers: {}, ok: false },
    { name: 'header for an absent argument', tool: 'up__route', args: { query: 'q' }, headers: { 'mcp-param-region': 'eu' }, ok: false },
    { name: 'header the tool does not declare', tool: 'up__echo', args: { text: 'hi' }, headers: { 'mcp-param-region': 'eu' }, ok: false },
    { name: 'header for an undeclared property of a declaring tool', tool: 'up__route', args: { region: 'eu', query: 'q' }, headers: { 'mcp-param-region': 'eu', 'mcp-param-query': 'q' }, ok: false },
    { name: 'malformed Base64 sentinel', tool: 'up__route', args: { region: 'eu', query: 'q' }, headers: { 'mcp-param-region': '=?base64?%%%?=' }, ok: false },
    { name: 'argument of the wrong type', tool: 'up__route', args: { region: 7, query: 'q' }, headers: { 'mcp-param-region': '7' }, ok: false },
  ];
  for (const row of rows) {
    it(`${row.ok ? 'accepts' : 'refuses'}: ${row.name}`, async () => {
      const r = await call(row.tool, row.args, row.headers);
      if (row.ok) {
        expect(r.status).toBe(200);
        expect(r.json.result.content[0].text).toBe('region=eu header=eu query=q');
        return;
      }
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe(-32020);
      expect(r.json.error.data).toMatchObject({ code: 'HeaderMismatch', rule: 'era.header-mismatch' });
      const events = (await gw.rt.store.queryAudit({ limit: 10_000 })).map((c) => c.event);
      const ev = events.find((e) => e.id === r.json.error.data.eventId);
      expect(ev).toMatchObject({ decision: 'deny', rule: 'era.header-mismatch', method: 'tools/call', target: row.tool });
    });
  }

  it('a tool hidden by policy answers like one that does not exist (its declarations are not probed)', async () => {
    const hidden = await call('up__add', { a: 1, b: 2 }, { 'mcp-param-a': '1' });
    const missing = await call('up__nope', { a: 1, b: 2 }, { 'mcp-param-a': '1' });
    expect(hidden.status).toBe(missing.status);
    expect(hidden.json.error.message.replace('up__add', 'X')).toBe(missing.json.error.message.replace('up__nope', 'X'));
  });
});
