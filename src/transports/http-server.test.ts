import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkPost, MAX_BATCH_SIZE, StreamableHttpSession } from './http-server.js';

type Msg = Record<string, unknown>;

/**
 * One session behind a bare node:http server. The fake "gateway" answers `echo` at once, sends a
 * related progress notification before answering `slow`, relays `sample` as a server→client request
 * on the POST stream, and never answers `hang`.
 */
let session: StreamableHttpSession;
let received: Msg[];
let closed: number;
let abandoned: Array<string | number>;
let url: string;
let server: http.Server;

function newSession(): void {
  received = [];
  closed = 0;
  abandoned = [];
  session = new StreamableHttpSession('sid-1', {
    onmessage: (m) => {
      received.push(m);
      const id = m.id as string | number | undefined;
      if (id === undefined || typeof m.method !== 'string') return;
      if (m.method === 'echo' || m.method === 'initialize') void session.send({ jsonrpc: '2.0', id, result: { echo: m.params ?? null } });
      if (m.method === 'slow') {
        void session.send({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } }, id);
        setTimeout(() => void session.send({ jsonrpc: '2.0', id, result: { done: true } }), 20);
      }
      if (m.method === 'sample') void session.send({ jsonrpc: '2.0', id: 900, method: 'sampling/createMessage', params: {} }, id);
      if (m.method === 'notify-all') {
        void session.send({ jsonrpc: '2.0', method: 'notifications/message', params: { data: 'hi' } });
        void session.send({ jsonrpc: '2.0', id, result: {} });
      }
    },
    onclose: () => void closed++,
    onabandon: (ids) => void abandoned.push(...ids),
    keepAliveMs: 200,
  });
}

beforeAll(async () => {
  server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET') return session.handleGet(req, res);
      if (req.method === 'DELETE') return session.handleDelete(req, res);
      if (req.method !== 'POST') return session.handleOther(res);
      const post = checkPost(req, res, JSON.parse(Buffer.concat(chunks).toString('utf8')));
      if (post) session.handlePost(req, res, post);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(newSession);

const HEADERS = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };
const post = (body: unknown, headers: Record<string, string> = {}) => fetch(url, { method: 'POST', headers: { ...HEADERS, ...headers }, body: JSON.stringify(body) });

function sseEvents(text: string): Msg[] {
  return text
    .split('\n\n')
    .filter((e) => e.includes('data: '))
    .map((e) => JSON.parse(e.slice(e.indexOf('data: ') + 6)) as Msg);
}

describe('Streamable HTTP session: the answer to a POST is chosen late', () => {
  it('a request answered at once gets one application/json body with the session id', async () => {
    const r = await post({ jsonrpc: '2.0', id: 1, method: 'echo', params: { x: 1 } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.headers.get('mcp-session-id')).toBe('sid-1');
    expect(await r.json()).toEqual({ jsonrpc: '2.0', id: 1, result: { echo: { x: 1 } } });
  });

  it('a related notification before the response switches that POST to SSE, in order', async () => {
    const r = await post({ jsonrpc: '2.0', id: 'a', method: 'slow' });
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    const events = sseEvents(await r.text());
    expect(events.map((e) => e.method ?? `response:${String(e.id)}`)).toEqual(['notifications/progress', 'response:a']);
  });

  it('a server→client request related to a call goes on that call’s stream', async () => {
    const r = await post({ jsonrpc: '2.0', id: 5, method: 'sample' });
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    const reader = r.body!.getReader();
    const { value } = await reader.read();
    expect(sseEvents(new TextDecoder().decode(value))[0]).toMatchObject({ id: 900, method: 'sampling/createMessage' });
    await reader.cancel();
  });

  it('a batch is answered with an array once every request has its response', async () => {
    const r = await post([
      { jsonrpc: '2.0', id: 1, method: 'echo' },
      { jsonrpc: '2.0', method: 'notifications/x' },
      { jsonrpc: '2.0', id: 2, method: 'echo' },
    ]);
    expect(await r.json()).toEqual([
      { jsonrpc: '2.0', id: 1, result: { echo: null } },
      { jsonrpc: '2.0', id: 2, result: { echo: null } },
    ]);
    expect(received).toHaveLength(3);
  });

  it('notifications and responses alone get 202 and are delivered', async () => {
    const r = await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    expect(r.status).toBe(202);
    expect(received).toEqual([{ jsonrpc: '2.0', method: 'notifications/initialized' }]);
  });
});

describe('Streamable HTTP session: long calls', () => {
  it('a call still pending after keepAliveMs becomes an SSE stream with keep-alive comments, then gets its answer', async () => {
    const r = await post({ jsonrpc: '2.0', id: 'long', method: 'hang' });
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    const reader = r.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain(': keepalive');
    await session.send({ jsonrpc: '2.0', id: 'long', result: { late: true } });
    let rest = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(sseEvents(rest)).toEqual([{ jsonrpc: '2.0', id: 'long', result: { late: true } }]);
  });
});

describe('Streamable HTTP session: the errors the spec and the SDK give', () => {
  it('406 without both media types in Accept, 415 without a JSON content type', async () => {
    expect((await post({ jsonrpc: '2.0', id: 1, method: 'echo' }, { accept: 'application/json' })).status).toBe(406);
    expect((await post({ jsonrpc: '2.0', id: 1, method: 'echo' }, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post({ jsonrpc: '2.0', id: 1, method: 'echo' }, { 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
  });

  it('400 -32700 for objects that are not JSON-RPC, and for an empty batch', async () => {
    for (const body of [{ id: 1, method: 'echo' }, { jsonrpc: '2.0' }, { jsonrpc: '2.0', id: {}, method: 'x' }, 42, [], { jsonrpc: '2.0', id: 1, method: 'x', params: 'no' }]) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(((await r.json()) as { error: { code: number } }).error.code).toBe(-32700);
    }
    expect(received).toEqual([]);
  });

  it(`400 for a batch over ${MAX_BATCH_SIZE} messages`, async () => {
    const r = await post(Array.from({ length: MAX_BATCH_SIZE + 1 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'echo' })));
    expect(r.status).toBe(400);
  });

  it('400 for an unsupported Mcp-Protocol-Version, and for a second initialize', async () => {
    expect((await post({ jsonrpc: '2.0', id: 1, method: 'echo' }, { 'mcp-protocol-version': '1999-01-01' })).status).toBe(400);
    expect((await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} })).status).toBe(200);
    expect((await post({ jsonrpc: '2.0', id: 2, method: 'initialize', params: {} })).status).toBe(400);
  });

  it('one standalone GET stream (409 for a second); it carries unrelated messages', async () => {
    const g = await fetch(url, { headers: { accept: 'text/event-stream' } });
    expect(g.headers.get('content-type')).toBe('text/event-stream');
    expect((await fetch(url, { headers: { accept: 'text/event-stream' } })).status).toBe(409);
    expect((await fetch(url, { headers: { accept: 'application/json' } })).status).toBe(406);
    expect((await post({ jsonrpc: '2.0', id: 1, method: 'notify-all' })).headers.get('content-type')).toBe('application/json');
    const reader = g.body!.getReader();
    const { value } = await reader.read();
    expect(sseEvents(new TextDecoder().decode(value))[0]).toMatchObject({ method: 'notifications/message' });
    await reader.cancel();
  });

  it('400 for a request id that is still in flight (or repeated in one batch), and the first one is unaffected', async () => {
    const first = post({ jsonrpc: '2.0', id: 'dup', method: 'hang' });
    await new Promise((r) => setTimeout(r, 30));
    const second = await post({ jsonrpc: '2.0', id: 'dup', method: 'echo' });
    expect(second.status).toBe(400);
    expect((await post([{ jsonrpc: '2.0', id: 3, method: 'echo' }, { jsonrpc: '2.0', id: 3, method: 'echo' }])).status).toBe(400);
    await session.send({ jsonrpc: '2.0', id: 'dup', result: { first: true } });
    expect(await (await first).json()).toEqual({ jsonrpc: '2.0', id: 'dup', result: { first: true } });
  });

  it('405 with Allow for other methods', async () => {
    const r = await fetch(url, { method: 'PUT' });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET, POST, DELETE');
  });
});

describe('Streamable HTTP session: ending', () => {
  it('DELETE closes the session once; later POSTs get 404', async () => {
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(200);
    expect(closed).toBe(1);
    expect((await post({ jsonrpc: '2.0', id: 1, method: 'echo' })).status).toBe(404);
    await session.close();
    expect(closed).toBe(1);
  });

  it('closing with a request in flight answers it with an error instead of leaving it hanging', async () => {
    const pending = post({ jsonrpc: '2.0', id: 7, method: 'hang' });
    await new Promise((r) => setTimeout(r, 30));
    await session.close();
    const body = (await (await pending).json()) as { id: number; error: { message: string } };
    expect(body.id).toBe(7);
    expect(body.error.message).toMatch(/session ended/);
  });

  it('a client that hangs up is forgotten: its late response is dropped without error', async () => {
    const ac = new AbortController();
    const pending = post({ jsonrpc: '2.0', id: 8, method: 'hang' }).then(
      () => undefined,
      () => undefined,
    );
    void pending;
    const r = fetch(url, { method: 'POST', headers: HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'hang' }), signal: ac.signal }).catch(() => 'aborted');
    await new Promise((res) => setTimeout(res, 30));
    ac.abort();
    expect(await r).toBe('aborted');
    await new Promise((res) => setTimeout(res, 30));
    expect(abandoned).toEqual([9]);
    await expect(session.send({ jsonrpc: '2.0', id: 9, result: {} })).resolves.toBeUndefined();
    // the other request is still waiting and is still answered
    await session.send({ jsonrpc: '2.0', id: 8, result: {} });
  });
});
