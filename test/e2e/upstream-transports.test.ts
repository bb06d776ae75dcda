/** Remote upstreams: Streamable HTTP and legacy HTTP+SSE servers behind the gateway, side by side. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startHttpFixture, type HttpFixture } from '../fixtures/harness.mjs';

describe('upstream transports', () => {
  let sse: HttpFixture;
  let http: HttpFixture;
  let gw: TestGateway;
  let c: Client;
  beforeAll(async () => {
    sse = await startHttpFixture('headers.mjs', ['--sse']);
    http = await startHttpFixture('headers.mjs');
    gw = await startTestGateway(`
auth: none
mcpServers:
  legacy: { url: "${sse.url.replace(/\/mcp$/, '/sse')}", type: sse }
  modern: { url: "${http.url}", type: http }
pipeline: { disable: [inspect] }
`);
    c = await httpClient(gw.url);
  });
  afterAll(async () => {
    await c?.close();
    await gw?.close();
    await sse?.close();
    await http?.close();
  });

  it('lists and calls tools on a legacy SSE upstream and a Streamable HTTP one', async () => {
    const names = (await c.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['legacy__whoami', 'modern__whoami']));
    const a = await c.callTool({ name: 'legacy__whoami', arguments: {} });
    const b = await c.callTool({ name: 'modern__whoami', arguments: {} });
    expect((a.structuredContent as { headers: Record<string, string> }).headers).toBeDefined();
    // Streamable HTTP upstreams get the negotiated protocol version on every request after initialize.
    expect((b.structuredContent as { headers: Record<string, string> }).headers['mcp-protocol-version']).toBe('2025-11-25');
  });
});
