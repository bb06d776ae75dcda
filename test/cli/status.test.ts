/**
 * `portcullis status` against a real gateway: one healthy upstream and one that cannot start.
 * The real CLI (`node dist/cli/index.js status`) reads the admin port; the down server is named
 * with its reason, and the exit code says "not ready". A gateway that is not there exits 2.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVERYTHING, ROOT, fixture, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const run = promisify(execFile);
const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');

async function status(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(process.execPath, [CLI, 'status', ...args]);
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

describe('portcullis status', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(`auth: none
mcpServers:${EVERYTHING}
  broken: { command: node, args: ["${fixture('wontstart.mjs')}"] }
`);
  }, 60_000);
  afterAll(async () => gw?.close());

  it('names each upstream with its state, the down one with why, and exits 1 when not ready', async () => {
    const r = await status(['--admin', gw.adminUrl]);
    expect(r.code, r.err).toBe(1);
    expect(r.out).toMatch(/NOT ready/);
    expect(r.out).toMatch(/^everything\s+up\s/m);
    expect(r.out).toMatch(/^broken\s+down\s.*next try in \d+ s/m);
  }, 60_000);

  it('--json carries the same states', async () => {
    const r = await status(['--admin', gw.adminUrl, '--json']);
    const j = JSON.parse(r.out) as { ready: boolean; upstreams: Record<string, { state: string }> };
    expect(j.ready).toBe(false);
    expect(j.upstreams.everything?.state).toBe('up');
    expect(j.upstreams.broken?.state).toBe('down');
  }, 60_000);

  it('exits 2 with a clear message when no gateway answers', async () => {
    const r = await status(['--admin', 'http://127.0.0.1:9']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot reach the gateway's admin port/);
  });
});
