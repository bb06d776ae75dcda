/**
 * A session-era client's resource subscriptions reach a 2026-07-28 server, which has no
 * resources/subscribe: the gateway turns them into the `resourceSubscriptions` of a
 * subscriptions/listen stream it holds, and relays `notifications/resources/updated` to the
 * subscribed session. Upstream: modern.mjs (v2 server SDK, 2026-07-28 only), over HTTP;
 * its `touch` tool changes fixture://note and announces it on the listen streams.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LoggingMessageNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startHttpFixture, type HttpFixture } from '../fixtures/harness.mjs';
import { fixture, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';

let upstream: HttpFixture;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  upstream = await startHttpFixture('modern.mjs');
}, 60_000);

afterAll(async () => {
  await upstream?.close();
});

// Over HTTP only: modern.mjs announces changes on listen streams through createMcpHandler's notifier,
// which serveStdio (its stdio mode) does not offer. The translation itself does not depend on the transport.
describe.each(['http'])('old client, 2026-07-28 server over %s', (server) => {
  let c: Client;
  let gw: TestGateway;
  const updates: string[] = [];
  beforeAll(async () => {
    const spec = server === 'http' ? `{ url: ${upstream.url} }` : `{ command: node, args: ["${fixture('modern.mjs')}"] }`;
    gw = await startTestGateway(`auth: none
mcpServers:
  ${server}: ${spec}
policy:
  allow:
    - { id: all, principal: "*", tools: ["*"], resources: ["*"] }
`);
    c = await httpClient(gw.url);
    c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
  });
  afterAll(async () => {
    await c?.close();
    await gw?.close();
  });

  it('subscribe → the server announces a change → the client is told; unsubscribe → it is not', async () => {
    await c.listResources();
    await c.subscribeResource({ uri: 'fixture://note' });
    updates.length = 0;
    await sleep(300); // the listen stream opens
    await c.callTool({ name: `${server}__touch`, arguments: {} });
    const deadline = Date.now() + 5000;
    while (!updates.includes('fixture://note') && Date.now() < deadline) await sleep(50);
    expect(updates).toContain('fixture://note');
    await c.unsubscribeResource({ uri: 'fixture://note' });
    await sleep(300);
    updates.length = 0;
    await c.callTool({ name: `${server}__touch`, arguments: {} });
    await sleep(800);
    expect(updates).toEqual([]);
  });
});

describe('old client, 2026-07-28 server: log lines follow the level the client set', () => {
  let srv: HttpFixture;
  let gw: TestGateway;
  let c: Client;
  const logs: Array<{ level: string }> = [];
  beforeAll(async () => {
    srv = await startHttpFixture('conformant-modern.mjs');
    gw = await startTestGateway(`auth: none
mcpServers:
  up: { url: ${srv.url} }
servers:
  up: { prefix: "", isolation: session }   # its own connection (pooled: era-pooled-logs.test.ts)
policy:
  allow:
    - { id: all, principal: "*", tools: ["*"] }
`);
    c = await httpClient(gw.url);
    c.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params as { level: string }));
  }, 60_000);
  afterAll(async () => {
    await c?.close();
    await gw?.close();
    await srv?.close();
  });

  it('no level set: no log lines; logging/setLevel error: only the error line; debug: both', async () => {
    const run = async () => {
      logs.length = 0;
      await c.callTool({ name: 'test_logging_tool', arguments: {} });
      await sleep(200);
      return logs.map((l) => l.level);
    };
    expect(await run()).toEqual([]);
    await c.setLoggingLevel('error');
    expect(await run()).toEqual(['error']);
    await c.setLoggingLevel('debug');
    expect(await run()).toEqual(['info', 'error']);
  });
});
