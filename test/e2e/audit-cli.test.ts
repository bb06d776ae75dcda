/**
 * Small CLI behaviours of `audit`, `registry` and `keys` (issue 18 item 8), through the real CLI:
 * bad option values are refused with a clear message, required options say so in the help,
 * `registry approve --reason` is recorded, `audit tail -f` does not pile up listeners, and every
 * secret-bearing file the CLI creates is owner-only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tailEvents } from '../../src/audit/ops.js';
import { openAudit } from '../../src/audit/index.js';
import { ev } from '../../src/audit/testing.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { ROOT } from '../helpers/gateway.js';

const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');

describe('audit / registry / keys CLI details', { timeout: 120_000 }, () => {
  let dir: string;
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, USER: 'ops' } });
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pcx-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const REFUSED: { name: string; args: string[]; stderr: RegExp }[] = [
    { name: 'audit query --decision maybe', args: ['audit', 'query', '--decision', 'maybe'], stderr: /argument 'maybe' is invalid\. Allowed choices are allow, deny, modify, approve/ },
    { name: 'audit export without --format', args: ['audit', 'export'], stderr: /required option '--format <fmt>' not specified/ },
    { name: 'audit export --format xml', args: ['audit', 'export', '--format', 'xml'], stderr: /argument 'xml' is invalid\. Allowed choices are jsonl, csv/ },
  ];
  for (const r of REFUSED) {
    it(`refused with a clear message: ${r.name}`, () => {
      const p = cli(...r.args, '--data-dir', path.join(dir, 'refused'));
      expect(p.stderr).toMatch(r.stderr);
      expect(p.status).not.toBe(0);
    });
  }

  it('audit export --help says --format is required and lists the formats', () => {
    const p = cli('audit', 'export', '--help');
    expect(p.stdout).toMatch(/--format <fmt>\s+output format \(required\) \(choices: "jsonl", "csv"\)/);
  });

  it('keys create: the key database (and its WAL) is owner-only (0600), the data dir 0700', () => {
    const d = path.join(dir, 'keys');
    const p = cli('keys', 'create', '--principal', 'alice', '--data-dir', d);
    expect(p.status).toBe(0);
    for (const f of ['portcullis.db', 'portcullis.db-wal', 'portcullis.db-shm']) {
      const file = path.join(d, f);
      if (existsSync(file)) expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    }
    expect((statSync(path.join(d, 'portcullis.db')).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(d).mode & 0o777).toString(8)).toBe('700');
  });

  it('registry approve --reason is recorded', async () => {
    const d = path.join(dir, 'reg');
    const store = await openSqliteStore(path.join(d, 'portcullis.db'));
    await store.upsertServer({ name: 'gh', transport: 'stdio', target: 'x' });
    await store.putDefinition({ kind: 'tool', server: 'gh', name: 'create', hash: 'h', status: 'quarantined', reason: 'rug pull: description changed', definition: { name: 'create' } });
    await store.close();
    const p = cli('registry', 'approve', 'gh__create', '--reason', 'reviewed in TICKET-42', '--data-dir', d);
    expect(p.status).toBe(0);
    const list = JSON.parse(cli('registry', 'list', '--json', '--data-dir', d).stdout) as { definitions: { id: string; reason?: string }[] };
    expect(list.definitions.find((x) => x.id === 'gh__create')?.reason).toBe('approved by ops: reviewed in TICKET-42');
  });

  it('audit tail -f keeps one abort listener however long it follows', async () => {
    const store = await openSqliteStore(':memory:');
    const audit = await openAudit(ConfigSchema.parse({}), store, path.join(dir, 'tail'));
    await audit.write(ev(1));
    const ac = new AbortController();
    const lines: string[] = [];
    const done = tailEvents(store, { n: 5, follow: true, intervalMs: 2 }, (l) => lines.push(l), ac.signal);
    let max = 0;
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 3));
      max = Math.max(max, getEventListeners(ac.signal, 'abort').length);
      if (i === 20) await audit.write(ev(2));
    }
    ac.abort();
    await done;
    expect(max).toBeLessThanOrEqual(1);
    expect(getEventListeners(ac.signal, 'abort').length).toBe(0);
    expect(lines.length).toBe(2);
    await audit.close();
    await store.close();
  });
});
