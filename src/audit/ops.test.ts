import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { register } from '../cli/audit.js';
import { ConfigSchema } from '../config/schema.js';
import { openAudit } from './index.js';
import { verifyJsonl } from './jsonl.js';
import { csvRow, exportEvents, parseAge, parseTime, queryEvents, runPrune, runVerify, tailEvents, verificationKeys } from './ops.js';
import { ev, tempSqlite } from './testing.js';

describe('audit CLI logic', () => {
  let t: Awaited<ReturnType<typeof tempSqlite>>;
  const NOW = Date.UTC(2026, 0, 1) + 100 * 60_000; // ev(i) is at minute i

  beforeEach(async () => {
    t = await tempSqlite();
    const audit = await openAudit(ConfigSchema.parse({ audit: { checkpointEvery: 10 } }), t.store, t.dir);
    for (let i = 1; i <= 40; i++) await audit.write(ev(i, i === 7 ? { reason: 'has "quotes", commas\nand =formula', findings: [{ category: 'secret', detector: 'secrets.aws', severity: 'high' }] } : {}));
    await audit.close();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('parses times and ages', () => {
    expect(parseTime('2026-01-31')).toBe('2026-01-31T00:00:00.000Z');
    expect(parseTime('2h', NOW)).toBe(new Date(NOW - 7_200_000).toISOString());
    expect(parseTime('1w', NOW)).toBe(new Date(NOW - 7 * 86_400_000).toISOString());
    expect(() => parseTime('yesterday')).toThrow(/not a time/);
    expect(parseAge('30d')).toBe(30 * 86_400_000);
    expect(() => parseAge('30 days')).toThrow(/not a duration/);
  });

  it('verify: OK report, then the first broken link and exit 1', async () => {
    const keys = verificationKeys(path.join(t.dir, 'audit-signing-key.pem'));
    const ok = await runVerify(t.store, keys);
    expect(ok.exitCode).toBe(0);
    expect(ok.text).toContain('audit log OK: 40 events');
    t.store.db.prepare('DELETE FROM audit_events WHERE seq = 12').run();
    const bad = await runVerify(t.store, keys);
    expect(bad.exitCode).toBe(1);
    expect(bad.text).toContain('BROKEN at seq 12 (deleted)');
    expect(() => verificationKeys(path.join(t.dir, 'nope.pem'))).toThrow(/pass --public-key/);
  });

  it('query filters and returns the newest, oldest first', async () => {
    const rows = await queryEvents(t.store, { principal: 'alice', limit: 3 });
    expect(rows.map((r) => r.seq)).toEqual([35, 37, 39]);
    expect((await queryEvents(t.store, { decision: 'deny', since: '2026-01-01T00:20:00Z' })).map((r) => r.seq)).toEqual([20, 24, 28, 32, 36, 40]);
    expect((await queryEvents(t.store, { tool: 'nope' })).length).toBe(0);
  });

  it('export: JSONL that verifies on its own; CSV with escaping and formula neutralising', async () => {
    let out = '';
    const n = await exportEvents(t.store, { format: 'jsonl' }, (s) => void (out += s), 7);
    expect(n).toBe(40);
    expect(verifyJsonl(out)).toEqual({ ok: true, checked: 40 });
    let csv = '';
    await exportEvents(t.store, { format: 'csv', since: '2026-01-01T00:05:00Z', until: '2026-01-01T00:08:00Z' }, (s) => void (csv += s));
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^seq,time,id,/);
    expect(csv).toContain('"has ""quotes"", commas\nand =formula"');
    expect(csv).toContain('secret:secrets.aws:high');
    expect(csvRow({ seq: 1, prevHash: '', hash: 'h', event: ev(1, { reason: '=cmd()' }) })).toContain(`"'=cmd()"`);
    await expect(exportEvents(t.store, { format: 'xml' as never }, () => {})).rejects.toThrow(/jsonl or csv/);
  });

  it('tail: the last N, then new events with follow', async () => {
    const lines: string[] = [];
    const ac = new AbortController();
    const done = tailEvents(t.store, { n: 2, follow: true, intervalMs: 20 }, (l) => lines.push(l), ac.signal);
    try {
      await new Promise((r) => setTimeout(r, 30));
      expect(lines.length).toBe(2);
      expect(lines[0]).toMatch(/^\s+39 /);
      const audit = await openAudit(ConfigSchema.parse({}), t.store, t.dir);
      await audit.write(ev(44));
      await audit.close();
      await vi.waitFor(() => expect(lines.length).toBe(3), { timeout: 2000 });
      expect(lines[2]).toMatch(/^\s+41 .* deny/);
    } finally {
      ac.abort();
      await done;
    }
  });

  it('prune --older-than keeps verification green', async () => {
    const key = (await openAudit(ConfigSchema.parse({}), t.store, t.dir)).key;
    const r = await runPrune(t.store, key, '70m', NOW); // cutoff: minute 30
    expect(r).toMatchObject({ deleted: 29, keptFrom: 30 });
    const v = await runVerify(t.store, [key.publicKey]);
    expect(v.exitCode).toBe(0);
    expect(v.text).toContain('pruned before seq 30');
  });

  it('the commander command: `audit verify --data-dir` exits 1 on a broken log', async () => {
    const cfg = path.join(t.dir, 'p.yaml');
    writeFileSync(cfg, 'auth: none\n');
    const program = new Command().exitOverride();
    register(program);
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    try {
      await program.parseAsync(['audit', 'verify', '-c', cfg, '--data-dir', t.dir], { from: 'user' });
      expect(out.join('')).toContain('audit log OK');
      expect(process.exitCode ?? 0).toBe(0);
      t.store.db.prepare(`UPDATE audit_events SET event = json_set(event, '$.decision', 'allow') WHERE seq = 4`).run();
      await program.parseAsync(['audit', 'verify', '-c', cfg, '--data-dir', t.dir], { from: 'user' });
      expect(out.join('')).toContain('BROKEN at seq 4 (modified)');
      expect(process.exitCode).toBe(1);
      await program.parseAsync(['audit', 'query', '-c', cfg, '--data-dir', t.dir, '--decision', 'deny', '--limit', '2', '--json'], { from: 'user' });
      expect(JSON.parse(out.at(-1)!).map((r: { seq: number }) => r.seq)).toEqual([36, 40]);
    } finally {
      spy.mockRestore();
      process.exitCode = 0;
    }
  });
});
