/**
 * A fleet whose Redis restarts: two gateways on one PostgreSQL schema and a redis-server of this
 * test's own (never the machine's shared one), killed and started again on the same port while a
 * v1 client's GET stream is on replica A and its calls land on B.
 *
 * Checked: while Redis is down, calls fail closed (revocations cannot be checked) with a clear
 * error and the gateways keep running; once Redis is back, calls succeed again and notifications
 * produced on B reach the stream on A again (the subscription is renewed by itself). The outage
 * numbers are printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { fixture, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { createSchema, dropSchema, TEST_PG_URL, uniqueSchema } from '../../src/store/pg-testing.js';

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)));
  });
  return child;
}

async function until(cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Redis restarts under a fleet', () => {
  let schema: string;
  let redisPort: number;
  let redis: ChildProcess | undefined;
  let a: TestGateway;
  let b: TestGateway;

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    schema = uniqueSchema('pcx_fleet_redis');
    await createSchema(schema);
    const pgUrl = `${TEST_PG_URL}${TEST_PG_URL.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`;
    const config = `
auth: none
store: { postgres: { url: "${pgUrl}" } }
coord: { redis: { url: "redis://127.0.0.1:${redisPort}/0" } }
mcpServers:
  chatty: { command: node, args: ["${fixture('chatty.mjs')}"] }
servers:
  chatty: { isolation: shared }
`;
    a = await startTestGateway(config);
    b = await startTestGateway(config);
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    if (redis && redis.exitCode === null && redis.signalCode === null) {
      redis.kill('SIGKILL');
      await new Promise((r) => redis!.once('exit', r));
    }
    if (schema) await dropSchema(schema);
  });

  it('fails closed while Redis is down, and recovers (calls and cross-replica notifications) when it is back', async () => {
    const route = { post: 'B' as 'A' | 'B' };
    const urls = { A: a.url, B: b.url };
    const fetchFn = (_: unknown, init?: RequestInit) => fetch(urls[(init?.method ?? 'GET') === 'GET' ? 'A' : init?.method === 'POST' && String(init.body).includes('"initialize"') ? 'A' : route.post], init);
    const transport = new StreamableHTTPClientTransport(new URL(a.url), { fetch: fetchFn as typeof fetch, reconnectionOptions: { initialReconnectionDelay: 100, maxReconnectionDelay: 500, reconnectionDelayGrowFactor: 1.5, maxRetries: 50 } });
    const client = new Client({ name: 'redis-restart', version: '1' }, { capabilities: {} });
    let changes = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changes++;
    });
    await client.connect(transport);
    const sid = transport.sessionId!;
    const call = (marker: string) => client.callTool({ name: 'chatty__work', arguments: { marker, steps: 0 } }, undefined, { timeout: 5000 });
    await call('before');
    expect(b.rt.gateway.sessions.has(sid)).toBe(true);
    await until(() => a.rt.gateway.sessions.has(sid), 5000);
    // Baseline: B's notification reaches A's GET stream through Redis.
    await until(async () => {
      b.rt.gateway.notifyListChanged('tools');
      await new Promise((r) => setTimeout(r, 100));
      return changes > 0;
    }, 5000);

    // Redis goes away.
    redis!.kill('SIGKILL');
    await new Promise((r) => redis!.once('exit', r));
    const downAt = Date.now();
    const outage: string[] = [];
    for (let i = 0; i < 3; i++) {
      await call(`down-${i}`).then(
        () => outage.push('ok'),
        (e: Error) => outage.push(e.message),
      );
    }
    // Fail closed: without Redis the gateway cannot know whether the session or principal was revoked.
    for (const m of outage) expect(m).not.toBe('ok');
    for (const m of outage) expect(m).toMatch(/revoked|revocation|coord|unavailable|redis/i);

    // Redis comes back (empty: no persistence) on the same port.
    redis = await startRedis(redisPort);
    const upAt = Date.now();
    let callsBackAt = 0;
    await until(async () => {
      const ok = await call(`after-${Date.now()}`).then(
        () => true,
        () => false,
      );
      if (ok) callsBackAt = Date.now();
      return ok;
    }, 15_000);
    const before = changes;
    let notifyBackAt = 0;
    await until(async () => {
      b.rt.gateway.notifyListChanged('tools');
      await new Promise((r) => setTimeout(r, 100));
      if (changes > before) notifyBackAt = Date.now();
      return changes > before;
    }, 15_000);
    // Same session throughout.
    expect(transport.sessionId).toBe(sid);
    console.log(
      `[fleet redis restart] ${JSON.stringify({ outageMs: upAt - downAt, errorsDuringOutage: outage.length, outageError: outage[0], callsBackMsAfterRedisUp: callsBackAt - upAt, notificationsBackMsAfterRedisUp: notifyBackAt - upAt })}`,
    );
    await client.close();
  }, 60_000);
});
