/**
 * Lists are aggregated across servers and paged to the client: upstream pages are followed when
 * collecting, and the gateway cuts its own pages of `limits.listPageSize` with an opaque cursor.
 * Driven by the real SDK client over Streamable HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { EVERYTHING, MEMORY, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';

let paged: TestGateway;
let whole: TestGateway;
let client: Client;
let reference: Client;

beforeAll(async () => {
  [paged, whole] = await Promise.all([
    startTestGateway(`auth: none\nlimits: { listPageSize: 7 }\nmcpServers:${EVERYTHING}${MEMORY}\n`),
    startTestGateway(`auth: none\nlimits: { listPageSize: 0 }\nmcpServers:${EVERYTHING}${MEMORY}\n`),
  ]);
  [client, reference] = await Promise.all([httpClient(paged.url), httpClient(whole.url)]);
});

afterAll(async () => {
  await Promise.all([client?.close(), reference?.close()]);
  await Promise.all([paged?.close(), whole?.close()]);
});

/** Follow nextCursor to the end, as a client does; returns the names page by page. */
async function allPages(list: (cursor?: string) => Promise<{ nextCursor?: string; items: { name?: string; uri?: string }[] }>): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const r = await list(cursor);
    pages.push(r.items.map((i) => i.uri ?? i.name ?? ''));
    cursor = r.nextCursor;
  } while (cursor && pages.length < 100);
  return pages;
}

describe('pagination of aggregated lists (MCP pagination; core gateway)', () => {
  it('tools come in pages of listPageSize; together they are exactly the unpaged list', async () => {
    const pages = await allPages(async (cursor) => {
      const r = await client.listTools(cursor ? { cursor } : {});
      return { nextCursor: r.nextCursor, items: r.tools };
    });
    const { tools } = await reference.listTools();
    expect(tools.length).toBeGreaterThan(7);
    expect(pages.length).toBe(Math.ceil(tools.length / 7));
    for (const p of pages.slice(0, -1)) expect(p).toHaveLength(7);
    expect(pages.flat()).toEqual(tools.map((t) => t.name));
    expect(new Set(pages.flat()).size).toBe(pages.flat().length);
  });

  it('resources: the aggregated list of both servers, re-paged by 7', async () => {
    const pages = await allPages(async (cursor) => {
      const r = await client.listResources(cursor ? { cursor } : {});
      return { nextCursor: r.nextCursor, items: r.resources };
    });
    const { resources, nextCursor } = await reference.listResources();
    expect(nextCursor).toBeUndefined();
    expect(resources.length).toBeGreaterThan(7);
    expect(pages.length).toBe(Math.ceil(resources.length / 7));
    expect(pages.flat()).toEqual(resources.map((r) => r.uri));
  });

  it('a cursor this gateway did not issue, or one for another list, is -32602 Invalid params', async () => {
    const first = await client.listTools();
    expect(first.nextCursor).toBeTypeOf('string');
    for (const bad of ['not-a-cursor', Buffer.from('["tools",1,-5]').toString('base64url'), Buffer.from('["tools",999,7]').toString('base64url')]) {
      const err = await client.listTools({ cursor: bad }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(McpError);
      expect((err as McpError).code).toBe(ErrorCode.InvalidParams);
    }
    const err = await client.listPrompts({ cursor: first.nextCursor! }).catch((e: unknown) => e);
    expect((err as McpError).code).toBe(ErrorCode.InvalidParams);
    // and the session is still fine
    expect((await client.listTools()).tools).toHaveLength(7);
  });

  it('listing again from the start issues fresh cursors; an old one then fails instead of mixing two lists', async () => {
    const a = await client.listTools();
    const b = await client.listTools();
    expect(b.nextCursor).not.toBe(a.nextCursor);
    const stale = await client.listTools({ cursor: a.nextCursor! }).catch((e: unknown) => e);
    expect((stale as McpError).code).toBe(ErrorCode.InvalidParams);
    expect((await client.listTools({ cursor: b.nextCursor! })).tools).toHaveLength(7);
  });
});
