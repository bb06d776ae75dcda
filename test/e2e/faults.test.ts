/**
 * Bad input and failing upstreams: every one gets a clear error, and the gateway (and every
 * other server behind it) keeps working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { EVERYTHING, fixture, httpClient, rawPost, startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
let client: Client;

const cfg = `
auth: none
limits: { maxMessageBytes: 65536, requestTimeout: 20s }
mcpServers:${EVERYTHING}
  crashy: { command: node, args: ["${fixture('crash.mjs')}"] }
  hang: { command: node, args: ["${fixture('hang.mjs')}"], timeout: 1500ms, shared: true }
  garbage: { command: node, args: ["${fixture('garbage.mjs')}"] }
  dead: { command: node, args: ["${fixture('crash.mjs')}", "--exit-on-start"] }
  missing: { command: /nonexistent/binary/for-portcullis-tests }
`;

beforeAll(async () => {
  gw = await startTestGateway(cfg);
  client = await httpClient(gw.url);
});
afterAll(async () => {
  await client?.close();
  await gw?.close();
});

const echo = () => client.callTool({ name: 'everything__echo', arguments: { message: 'still here' } });
const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: number; data?: { code?: string } };
  }
  throw new Error('expected an error');
};

describe('bad input from clients', () => {
  it('malformed JSON → 400 with -32700, and the session stays usable', async () => {
    const sid = (client.transport as { sessionId?: string }).sessionId!;
    const r = await rawPost(gw.url, '{"jsonrpc":"2.0","id":1,"method":', { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).error.code).toBe(-32700);
    expect(await echo()).toEqual({ content: [{ type: 'text', text: 'Echo: still here' }] });
  });

  it('a message over limits.maxMessageBytes → 413 with PCX_MESSAGE_TOO_LARGE, nothing buffered past the limit', async () => {
    const sid = (client.transport as { sessionId?: string }).sessionId!;
    const big = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'everything__echo', arguments: { message: 'x'.repeat(200_000) } } });
    const r = await rawPost(gw.url, big, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
    expect(r.status).toBe(413);
    const body = JSON.parse(r.text);
    expect(body.error.code).toBe(-32014);
    expect(body.error.data.code).toBe('PCX_MESSAGE_TOO_LARGE');
    // A chunked body without content-length is cut off as it streams.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode('x'.repeat(16_384)));
        c.close();
      },
    });
    const r2 = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid }, body: stream, duplex: 'half' } as RequestInit);
    expect(r2.status).toBe(413);
    expect(await echo()).toBeDefined();
  });

  it('an unknown or expired session id → 404', async () => {
    const r = await rawPost(gw.url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), { 'mcp-session-id': 'not-a-session', 'mcp-protocol-version': '2025-11-25' });
    expect(r.status).toBe(404);
  });

  it('a request without a session that is not initialize → 400', async () => {
    const r = await rawPost(gw.url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }));
    expect(r.status).toBe(400);
  });

  it('invalid params are refused by the validate stage with a clear rule', async () => {
    const e = await errorOf(client.request({ method: 'tools/call', params: { name: 'everything__echo', arguments: 'not-an-object' } } as never, (await import('@modelcontextprotocol/sdk/types.js')).CallToolResultSchema));
    expect(e.message).toMatch(/validate\.arguments/);
  });

  it('DNS rebinding: a foreign Origin is refused', async () => {
    const r = await rawPost(gw.url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }), { origin: 'https://evil.example' });
    expect(r.status).toBe(403);
  });
});

describe('failing upstreams', () => {
  it('a server that cannot start is left out of the lists; calls to the rest work', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names.some((n) => n.startsWith('dead__'))).toBe(false);
    expect(names.some((n) => n.startsWith('missing__'))).toBe(false);
    expect(names).toContain('crashy__crash');
    expect(await echo()).toBeDefined();
  });

  it('a child that dies mid-call → PCX_UPSTREAM_CLOSED for that call; it is restarted for the next', async () => {
    const before = await client.callTool({ name: 'crashy__pid', arguments: {} });
    const e = await errorOf(client.callTool({ name: 'crashy__crash', arguments: {} }));
    expect(e.code).toBe(-32013);
    expect(e.message).toMatch(/exited/);
    expect(await echo()).toBeDefined();
    // Restart happens after a short backoff.
    let after: unknown;
    await expect
      .poll(async () => {
        try {
          after = await client.callTool({ name: 'crashy__pid', arguments: {} });
          return true;
        } catch {
          return false;
        }
      }, { timeout: 10_000, interval: 300 })
      .toBe(true);
    expect(JSON.stringify(after)).not.toBe(JSON.stringify(before));
  });

  it('a call that hangs → PCX_UPSTREAM_TIMEOUT after the server timeout, and the upstream call is cancelled', async () => {
    const t0 = Date.now();
    const e = await errorOf(client.callTool({ name: 'hang__hang', arguments: {} }));
    expect(e.code).toBe(-32012);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const ids = await client.callTool({ name: 'hang__cancelled_ids', arguments: {} });
    expect(JSON.stringify(ids.structuredContent)).toContain('inFlight');
    expect(await echo()).toBeDefined();
  });

  it('progress resets the timeout: a slow call that reports progress completes', async () => {
    const r = await client.callTool({ name: 'hang__slow', arguments: { ms: 2500, steps: 10 } }, undefined, { onprogress: () => undefined, timeout: 20_000 });
    expect(JSON.stringify(r.content)).toContain('slept 2500ms');
  });

  it('garbage on an upstream stdout is skipped; valid answers still arrive', async () => {
    const r = await client.callTool({ name: 'garbage__garbage', arguments: { lines: 10 } });
    expect(JSON.stringify(r.content)).toContain('clean answer after garbage');
  });

  it('a flooding upstream (a line over the limit) → PCX_MESSAGE_TOO_LARGE at once, it is restarted, others are unaffected', async () => {
    const t0 = Date.now();
    const e = await errorOf(client.callTool({ name: 'garbage__flood', arguments: { bytes: 300_000, newline: false } }));
    expect(e.code).toBe(-32014);
    expect(e.message).toMatch(/limits\.maxMessageBytes/);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await echo()).toBeDefined();
    await expect
      .poll(async () => client.callTool({ name: 'garbage__echo', arguments: { text: 'back' } }).then(() => true, () => false), { timeout: 10_000, interval: 300 })
      .toBe(true);
  });

  it('client disconnect mid-call → the upstream call is cancelled', async () => {
    const c2 = await httpClient(gw.url);
    const pending = c2.callTool({ name: 'hang__hang', arguments: {} }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    await c2.close(); // aborts the POST stream
    await pending;
    await expect
      .poll(async () => {
        const ids = await client.callTool({ name: 'hang__cancelled_ids', arguments: {} });
        return JSON.stringify(ids.structuredContent);
      }, { timeout: 5000 })
      .toMatch(/client disconnected/);
  });

  it('the gateway is still healthy after all of it', async () => {
    const r = await fetch(`${gw.adminUrl}/healthz`);
    expect(r.status).toBe(200);
    expect(await echo()).toBeDefined();
  });
});
