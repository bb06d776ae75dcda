/**
 * OWASP MCP08 (audit & telemetry) — the operator's terminal: strings that clients and upstream
 * servers control (resource URIs, tool names, principals, reasons, summaries) end up in `audit
 * query/tail`, `registry list/diff`, `approvals list`, `keys list`. A newline would forge a line of
 * the log; ESC / OSC / C1 sequences would drive the terminal (recolour, retitle, clipboard via OSC 52,
 * hide text); bidi controls reorder what is read. Each hostile string is one row; every command runs
 * as the real CLI (`node dist/cli/index.js …`) and its stdout must carry no raw control character,
 * and a line-oriented listing must have exactly one line per record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openAudit } from '../../src/audit/index.js';
import { ev } from '../../src/audit/testing.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');

/** Hostile strings: the attack is the data. */
const HOSTILE: { name: string; s: string }[] = [
  { name: 'newline forging an audit line', s: 'file:///ok\n   9999 2026-01-01T00:00:00.000Z allow   admin tools/call fake__tool' },
  { name: 'carriage return overwriting the line', s: 'evil\r      1 2026-01-01T00:00:00.000Z allow   alice' },
  { name: 'CSI colour / clear screen', s: 'a\u001b[2J\u001b[31mred' },
  { name: 'OSC 52 clipboard write (BEL)', s: 'x\u001b]52;c;Y3VybCBldmlsLnNofHNo\u0007y' },
  { name: 'OSC 0 window title (ST)', s: 'x\u001b]0;pwned\u001b\\y' },
  { name: 'OSC 8 hyperlink', s: '\u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\' },
  { name: 'C1 CSI (8-bit)', s: 'x\u009b31my' },
  { name: 'C1 OSC (8-bit) and ST', s: 'x\u009d0;t\u009cy' },
  { name: 'NEL', s: 'x\u0085y' },
  { name: 'DEL and backspaces hiding text', s: 'rm -rf /\b\b\b\b\b\b\b\bls     \u007f' },
  { name: 'NUL, BEL, vertical tab, form feed', s: 'a\u0000b\u0007c\u000bd\u000ce' },
  { name: 'bidi override (RLO) / isolates', s: 'file\u202eexe.txt \u2066x\u2069 \u2067y\u2069 \u2068z\u2069 \u202a\u202b\u202c\u202d' },
  { name: 'bidi marks', s: 'a\u200eb\u200fc\u061cd' },
  { name: 'line and paragraph separators', s: 'a\u2028b\u2029c' },
  { name: 'zero-width and BOM', s: 'ad\u200bmin\u200c\u200d\ufeff\u2060' },
  { name: 'lone surrogates', s: 'a\ud800b\udc00c' },
];

/** Anything a terminal would act on or a reader would be fooled by (newline allowed only as the line end). */
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('MCP08: hostile strings never reach the operator terminal raw', { timeout: 120_000 }, () => {
  let dir: string;
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--data-dir', dir], { encoding: 'utf8' });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pcx-term-'));
    const store = await openSqliteStore(path.join(dir, 'portcullis.db'));
    const audit = await openAudit(ConfigSchema.parse({}), store, dir);
    for (const [i, h] of HOSTILE.entries()) {
      await audit.write(ev(i + 1, { target: h.s, reason: h.s, principal: { id: `p-${h.s}`, kind: 'user', groups: [] }, method: 'resources/read', findings: [] }));
      await store.upsertServer({ name: `srv${i}`, transport: 'http', target: `https://host/${h.s}` });
      await store.putDefinition({ kind: 'tool', server: `srv${i}`, name: `t${i}${h.s}`, hash: `h${i}`, status: 'quarantined', reason: `rug pull: ${h.s}`, definition: { name: `t${i}`, description: h.s } });
      await store.createApproval({ ticket: `tk${i}`, status: 'pending', principal: h.s, target: h.s, summary: h.s, createdAt: new Date().toISOString() });
      await store.createApiKey({ id: `pcx_${i}`, hash: 'f'.repeat(64), principal: h.s, groups: [h.s], createdAt: new Date().toISOString() });
    }
    await audit.close();
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const COMMANDS: { name: string; args: string[]; lines?: number }[] = [
    { name: 'audit query', args: ['audit', 'query'], lines: HOSTILE.length },
    { name: 'audit query --json', args: ['audit', 'query', '--json'] },
    { name: 'audit tail', args: ['audit', 'tail', '-n', '100'], lines: HOSTILE.length },
    { name: 'audit tail --json', args: ['audit', 'tail', '-n', '100', '--json'], lines: HOSTILE.length },
    { name: 'audit export csv', args: ['audit', 'export', '--format', 'csv'] },
    { name: 'registry list', args: ['registry', 'list'] },
    { name: 'registry list --json', args: ['registry', 'list', '--json'] },
    { name: 'approvals list', args: ['approvals', 'list'], lines: HOSTILE.length + 1 },
    { name: 'keys list', args: ['keys', 'list'], lines: HOSTILE.length + 1 },
    ...HOSTILE.slice(0, 3).map((h, i) => ({ name: `registry diff (${h.name})`, args: ['registry', 'diff', `srv${i}__t${i}${h.s}`] })),
  ];

  for (const c of COMMANDS) {
    it(`${c.name}: no raw control, bidi or invisible characters${c.lines ? `, one line per record` : ''}`, () => {
      const r = cli(...c.args);
      expect(RAW.test(r.stderr)).toBe(false);
      expect(r.status).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(0);
      const m = RAW.exec(r.stdout);
      expect(m ? `raw U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${m.index}: ${JSON.stringify(r.stdout.slice(Math.max(0, m.index - 20), m.index + 20))}` : 'clean').toBe('clean');
      if (c.lines) expect(r.stdout.trimEnd().split('\n').length).toBe(c.lines);
      if (c.args.includes('--json')) expect(() => (c.args[1] === 'tail' ? r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l)) : JSON.parse(r.stdout))).not.toThrow();
    });
  }

  it('the JSON forms still carry the exact stored strings (escaping is lossless there)', () => {
    const r = cli('audit', 'query', '--json', '--limit', '1000');
    const rows = JSON.parse(r.stdout) as { event: { target: string } }[];
    expect(rows.map((x) => x.event.target)).toEqual(HOSTILE.map((h) => h.s));
  });
});
