/**
 * A fleet as operators run it: three `portcullis start` processes on one PostgreSQL schema and the
 * real Redis, behind a small round-robin HTTP proxy written here (a new backend per request, like
 * an L7 load balancer without stickiness; a backend that refuses connections is skipped for 2 s,
 * like `proxy_next_upstream error`). Real SDK clients of both eras (v1 sessions, v2 per-request)
 * call through it while one replica is killed with SIGKILL (with its upstream children: its process
 * group, as when a container dies).
 *
 * The replica is killed while calls are in flight on it (each call takes ~200 ms upstream).
 * Checked: only calls in flight on the killed replica fail, each with an error that says so; every
 * client's next calls succeed on the others, v1 clients with the same session id; the audit chain
 * verifies with the fleet's one key and holds an event for every answered call (0 lost). The
 * numbers (requests per replica, errors, events lost, time to recover) are printed.
 *
 * Never skipped: it needs PostgreSQL (PORTCULLIS_TEST_PG_URL), Redis (PORTCULLIS_TEST_REDIS_URL)
 * and the build (dist/), as `npm test` provides.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Http } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Http } from '@modelcontextprotocol/client';
import { digest } from '../../src/shared/canonical.js';
import { createSchema, dropSchema, TEST_PG_URL, uniqueSchema } from '../../src/store/pg-testing.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { fixture, ROOT } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';

const REDIS_URL = process.env.PORTCULLIS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const CLI = path.join(ROOT, 'dist/cli/index.js');

interface Replica {
  name: string;
  port: number;
  adminPort: number;
  child: ChildProcess;
  stderr: string[];
  dataDir: string;
}

async function startReplica(name: string, configFile: string, env: Record<string, string>): Promise<Replica> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `pcx-fleet-${name}-`));
  const child = spawn(process.execPath, [CLI, 'start', '-c', configFile, '--port', String(port), '--admin-port', String(adminPort), '--data-dir', dataDir], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    // Its own process group: the replica and its upstream children die together, as a container does.
    detached: true,
  });
  const stderr: string[] = [];
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const r: Replica = { name, port, adminPort, child, stderr, dataDir };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`replica ${name} exited ${child.exitCode}: ${stderr.join('')}`);
    const ok = await fetch(`http://127.0.0.1:${adminPort}/readyz`).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ok) return r;
    if (Date.now() > deadline) throw new Error(`replica ${name} not ready: ${stderr.join('')}`);
    await new Promise((res) => setTimeout(res, 150));
  }
}

/** Round-robin HTTP proxy: each request to the next live backend; SSE and bodies streamed through. */
function startProxy(backends: Replica[]) {
  const served = new Map<string, number>();
  /** tools/call requests forwarded to each backend and not answered yet. */
  const calling = new Map<string, number>();
  const downUntil = new Map<string, number>();
  let rr = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => forward(Buffer.concat(chunks), 0));
    const forward = (body: Buffer, tries: number): void => {
      const now = Date.now();
      const live = backends.filter((b) => (downUntil.get(b.name) ?? 0) <= now);
      const b = (live.length ? live : backends)[rr++ % (live.length || backends.length)]!;
      const isCall = body.includes('"tools/call"');
      if (isCall) calling.set(b.name, (calling.get(b.name) ?? 0) + 1);
      let counted = isCall;
      const done = () => {
        if (counted) calling.set(b.name, calling.get(b.name)! - 1);
        counted = false;
      };
      const up = http.request({ host: '127.0.0.1', port: b.port, method: req.method, path: req.url, headers: req.headers, agent: false }, (ur) => {
        ur.on('end', done);
        ur.on('close', done);
        served.set(b.name, (served.get(b.name) ?? 0) + 1);
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
        // The replica died mid-answer (an SSE stream, a long response): the client's connection ends with it.
        ur.on('error', () => res.destroy());
        ur.on('aborted', () => res.destroy());
      });
      up.on('error', (e: NodeJS.ErrnoException) => {
        done();
        // Never connected: the request was not delivered, so another backend may take it.
        if (e.code === 'ECONNREFUSED' && tries < backends.length) {
          downUntil.set(b.name, Date.now() + 2000);
          return forward(body, tries + 1);
        }
        if (res.headersSent) return void res.destroy();
        let id: unknown = null;
        try {
          id = (JSON.parse(body.toString()) as { id?: unknown }).id ?? null;
        } catch {
          /* not JSON */
        }
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32603, message: `gateway replica ${b.name} was lost while handling this request (${e.code ?? e.message}); it may or may not have been carried out` } }));
      });
      res.on('close', () => {
        if (!res.writableFinished) up.destroy();
      });
      up.end(body);
    };
  });
  return {
    served,
    calling,
    listen: () => new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port))),
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

interface CallRecord {
  client: string;
  start: number;
  end: number;
  ok: boolean;
  error?: string;
  args: Record<string, unknown>;
}

describe('three replicas behind a round-robin proxy, one killed under load', () => {
  let schema: string;
  let pgUrl: string;
  let dir: string;
  const replicas: Replica[] = [];
  let proxy: ReturnType<typeof startProxy>;
  let url: string;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');

  beforeAll(async () => {
    expect(existsSync(CLI), 'build first: npx tsc -p tsconfig.build.json').toBe(true);
    schema = uniqueSchema('pcx_fleet_e2e');
    await createSchema(schema);
    pgUrl = `${TEST_PG_URL}${TEST_PG_URL.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`;
    dir = mkdtempSync(path.join(os.tmpdir(), 'pcx-fleet-cfg-'));
    const configFile = path.join(dir, 'portcullis.yaml');
    writeFileSync(
      configFile,
      `
auth: none
store: { postgres: { url: "${pgUrl}" } }
coord: { redis: { url: "${REDIS_URL}" } }
audit: { signingKey: "\${env:PCX_FLEET_AUDIT_KEY}" }
mcpServers:
  chatty: { command: node, args: ["${fixture('chatty.mjs')}"] }
servers:
  chatty: { isolation: shared }
`,
    );
    const env = { PCX_FLEET_AUDIT_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    // One at a time: they migrate the same schema (safe at once too, but the first start is the slow one).
    for (const name of ['r1', 'r2', 'r3']) replicas.push(await startReplica(name, configFile, env));
    proxy = startProxy(replicas);
    url = `http://127.0.0.1:${await proxy.listen()}/mcp`;
  }, 120_000);

  afterAll(async () => {
    await proxy?.close();
    for (const r of replicas) {
      if (r.child.exitCode === null && r.child.signalCode === null) {
        r.child.kill('SIGTERM');
        await new Promise((res) => r.child.once('exit', res));
      }
      try {
        process.kill(-r.child.pid!, 'SIGKILL'); // anything of its group still there (the killed replica's children)
      } catch {
        /* the group is gone */
      }
      rmSync(r.dataDir, { recursive: true, force: true });
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (schema) await dropSchema(schema);
  }, 60_000);

  it('only calls in flight on the lost replica fail; sessions continue elsewhere; 0 audit events lost', async () => {
    const records: CallRecord[] = [];
    let seq = 0;
    const v1 = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        const c = new V1Client({ name: `fleet-v1-${i}`, version: '1' }, { capabilities: {} });
        const t = new V1Http(new URL(url));
        await c.connect(t);
        return { name: `v1-${i}`, era: 'v1' as const, sessionId: t.sessionId!, transport: t, call: (args: Record<string, unknown>) => c.callTool({ name: 'chatty__work', arguments: args }, undefined, { timeout: 10_000 }), close: () => c.close() };
      }),
    );
    const v2 = await Promise.all(
      Array.from({ length: 2 }, async (_, i) => {
        const c = new V2Client({ name: `fleet-v2-${i}`, version: '1' }, { capabilities: {}, versionNegotiation: { mode: 'auto' } });
        await c.connect(new V2Http(new URL(url)));
        expect(c.getProtocolEra()).toBe('modern');
        return { name: `v2-${i}`, era: 'v2' as const, call: (args: Record<string, unknown>) => c.callTool({ name: 'chatty__work', arguments: args }, { timeout: 10_000 }), close: () => c.close() };
      }),
    );
    const clients = [...v1, ...v2];
    let stop = false;
    const loops = clients.map(async (c) => {
      while (!stop) {
        const args = { marker: `${c.name}-${++seq}`, steps: 1, ms: 200 };
        const start = Date.now();
        try {
          const r = (await c.call(args)) as { content?: Array<{ text?: string }>; isError?: boolean };
          if (r.isError || r.content?.[0]?.text !== `done ${args.marker}`) throw new Error(`unexpected answer ${JSON.stringify(r)}`);
          records.push({ client: c.name, start, end: Date.now(), ok: true, args });
        } catch (e) {
          records.push({ client: c.name, start, end: Date.now(), ok: false, error: (e as Error).message, args });
        }
      }
    });
    await new Promise((r) => setTimeout(r, 2000));
    const victim = replicas[1]!;
    // Kill it while it is serving calls (each takes ~200 ms upstream), so the loss hits something.
    const waitUntil = Date.now() + 10_000;
    while ((proxy.calling.get(victim.name) ?? 0) === 0 && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 5));
    const inFlightOnVictim = proxy.calling.get(victim.name) ?? 0;
    expect(inFlightOnVictim).toBeGreaterThan(0);
    const killAt = Date.now();
    const exited = new Promise((r) => victim.child.once('exit', r));
    process.kill(-victim.child.pid!, 'SIGKILL');
    await exited;
    // Until the process is gone its socket may still accept: a call sent in between was in flight on it.
    const deadAt = Date.now();
    await new Promise((r) => setTimeout(r, 3000));
    stop = true;
    await Promise.all(loops);

    const ok = records.filter((r) => r.ok);
    const failed = records.filter((r) => !r.ok);
    // Only calls already in flight when the replica died fail.
    for (const f of failed) expect(f.start, `${f.client} failed after the kill: ${f.error}`).toBeLessThanOrEqual(deadAt);
    // ...and each says what happened.
    for (const f of failed) expect(f.error).toMatch(/replica r2 was lost|terminated|socket|closed/i);
    expect(failed.length).toBeLessThanOrEqual(clients.length);
    expect(failed.length).toBeGreaterThan(0);
    // Every client succeeded after the kill; v1 clients kept their session.
    const recoveredAt = clients.map((c) => Math.min(...ok.filter((r) => r.client === c.name && r.start > killAt).map((r) => r.end)));
    for (const [i, c] of clients.entries()) expect(Number.isFinite(recoveredAt[i]), `${c.name} never succeeded after the kill`).toBe(true);
    for (const c of v1) expect(c.transport.sessionId).toBe(c.sessionId);
    // The load was spread, the killed replica served its share before dying.
    for (const r of replicas) expect(proxy.served.get(r.name) ?? 0).toBeGreaterThan(0);

    for (const c of clients) await c.close().catch(() => undefined);

    // Audit: one chain signed by the fleet's key, and an event for every answered call.
    const store = new PostgresStore({ url: TEST_PG_URL, schema, max: 2 });
    try {
      const v = await verifyAudit(store, publicKey);
      expect(v.ok, JSON.stringify(v.firstBroken)).toBe(true);
      const events = await store.queryAudit({ tool: 'chatty__work', limit: 100_000 });
      const digests = new Set(events.filter((e) => e.event.outcome === 'ok').map((e) => e.event.argsDigest));
      const lost = ok.filter((r) => !digests.has(digest(r.args)));
      expect(lost.length).toBe(0);
      const instances = new Set(events.map((e) => e.event.instance));
      expect(instances.size).toBe(3);
      const summary = {
        served: Object.fromEntries(proxy.served),
        calls: records.length,
        answered: ok.length,
        callsInFlightOnVictimAtKill: inFlightOnVictim,
        errorsSeenByClients: failed.length,
        errors: [...new Set(failed.map((f) => f.error))],
        eventsLost: lost.length,
        auditEventsChecked: v.checked,
        recoverMsMax: Math.max(...recoveredAt) - killAt,
        deathMs: deadAt - killAt,
      };
      console.log(`[fleet] ${JSON.stringify(summary)}`);
    } finally {
      await store.close();
    }
  }, 90_000);
});
