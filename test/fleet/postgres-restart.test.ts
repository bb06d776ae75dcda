/**
 * A fleet whose PostgreSQL restarts. The machine's shared server is never touched: this test runs a
 * private PostgreSQL instance of its own (initdb into a temp dir, a free port; as the `postgres`
 * user when the tests run as root, as PostgreSQL refuses root), stops it with `-m immediate` (a
 * crash, for the clients) and starts it again.
 *
 * Checked: while the database is down, calls fail closed with a clear error (the session store
 * and the audit log are unavailable) and both gateways keep running; once it is back, the same
 * session's calls succeed again on both replicas, the audit chain verifies and holds an event for
 * every answered call. The outage numbers are printed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { fixture, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { digest } from '../../src/shared/canonical.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { verifyAudit } from '../../src/audit/verify.js';

const REDIS_URL = process.env.PORTCULLIS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

function pgBin(): string {
  const base = '/usr/lib/postgresql';
  const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error(`no PostgreSQL server binaries under ${base} (initdb, pg_ctl) for a private instance`);
  return path.join(base, versions[0]!, 'bin');
}

/** A private PostgreSQL: initdb, start, crash-stop, start again. */
class PrivatePostgres {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'pcx-pg-'));
  private readonly bin = pgBin();
  private readonly asRoot = process.getuid?.() === 0;
  constructor(readonly port: number) {}

  private run(tool: string, args: string[]): void {
    const cmd = path.join(this.bin, tool);
    const r = this.asRoot ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' }) : spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${tool} failed (${r.status}): ${r.stderr}${r.stdout}`);
  }

  get url(): string {
    return `postgres://root@127.0.0.1:${this.port}/postgres`;
  }

  init(): void {
    if (this.asRoot) chownSync(this.dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()));
    this.run('initdb', ['-D', path.join(this.dir, 'data'), '-A', 'trust', '-U', 'root', '--no-sync']);
  }

  start(): void {
    this.run('pg_ctl', ['-D', path.join(this.dir, 'data'), '-w', '-l', path.join(this.dir, 'log'), '-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  }

  crash(): void {
    this.run('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', 'immediate', 'stop']);
  }

  destroy(): void {
    try {
      this.crash();
    } catch {
      /* not running */
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('PostgreSQL restarts under a fleet (a private instance, not the shared server)', () => {
  let pg: PrivatePostgres;
  let a: TestGateway;
  let b: TestGateway;
  const key = generateKeyPairSync('ed25519');

  beforeAll(async () => {
    pg = new PrivatePostgres(await freePort());
    pg.init();
    pg.start();
    const config = `
auth: none
store: { postgres: { url: "${pg.url}" } }
coord: { redis: { url: "${REDIS_URL}" } }
audit: { signingKey: ${JSON.stringify(key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())} }
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
    pg?.destroy();
  });

  it('fails closed while the database is down and serves the same session again when it is back', async () => {
    const route = { post: 'A' as 'A' | 'B' };
    const urls = { A: a.url, B: b.url };
    const fetchFn = (_: unknown, init?: RequestInit) => fetch(urls[(init?.method ?? 'GET') === 'GET' ? 'A' : route.post], init);
    const transport = new StreamableHTTPClientTransport(new URL(a.url), { fetch: fetchFn as typeof fetch });
    const client = new Client({ name: 'pg-restart', version: '1' }, { capabilities: {} });
    await client.connect(transport);
    const sid = transport.sessionId!;
    const answered: Record<string, unknown>[] = [];
    const call = async (marker: string) => {
      const args = { marker, steps: 0 };
      await client.callTool({ name: 'chatty__work', arguments: args }, undefined, { timeout: 5000 });
      answered.push(args);
    };
    await call('a-before');
    route.post = 'B';
    await call('b-before');

    pg.crash();
    const downAt = Date.now();
    const outage: string[] = [];
    for (const replica of ['A', 'B'] as const) {
      route.post = replica;
      await call(`down-${replica}`).then(
        () => outage.push('ok'),
        (e: Error) => outage.push(e.message),
      );
    }
    for (const m of outage) expect(m).not.toBe('ok');
    for (const m of outage) expect(m).toMatch(/PCX_STORE_UNAVAILABLE|PCX_AUDIT_UNAVAILABLE/);

    pg.start();
    const upAt = Date.now();
    let backAt = 0;
    const end = Date.now() + 20_000;
    for (;;) {
      const ok = await call(`after-${Date.now()}`).then(
        () => true,
        () => false,
      );
      if (ok) {
        backAt = Date.now();
        break;
      }
      if (Date.now() > end) throw new Error('calls did not come back after PostgreSQL restarted');
      await new Promise((r) => setTimeout(r, 100));
    }
    // The other replica too, and the same session throughout.
    route.post = 'A';
    await call('a-after');
    expect(transport.sessionId).toBe(sid);
    await client.close();

    const store = new PostgresStore({ url: pg.url, max: 2 });
    try {
      const v = await verifyAudit(store, key.publicKey);
      expect(v.ok, JSON.stringify(v.firstBroken)).toBe(true);
      expect(v.checked).toBeGreaterThan(0);
      const events = await store.queryAudit({ tool: 'chatty__work', limit: 10_000 });
      const digests = new Set(events.filter((e) => e.event.outcome === 'ok').map((e) => e.event.argsDigest));
      const lost = answered.filter((x) => !digests.has(digest(x)));
      expect(lost).toEqual([]);
      console.log(
        `[fleet postgres restart] ${JSON.stringify({ restartMs: upAt - downAt, errorsDuringOutage: outage.length, outageErrors: outage, callsBackMsAfterPostgresUp: backAt - upAt, answered: answered.length, eventsLost: lost.length })}`,
      );
    } finally {
      await store.close();
    }
  }, 90_000);
});
