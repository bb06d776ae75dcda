/**
 * kill -9 test: a child process appends audit events as fast as it can and prints every seq whose
 * write promise resolved; we SIGKILL it mid-stream, reopen the store, verify the chain, and check that
 * every acknowledged event is there. The child is this package's TypeScript bundled on the fly with
 * rolldown (vitest's bundler), or dist/ when rolldown is not available.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../store/sqlite/index.js';
import { loadOrCreateSigningKey } from './keys.js';
import { verifyAudit } from './verify.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

async function childScript(dir: string, fixture = 'crash-child'): Promise<string> {
  try {
    const name = 'rolldown';
    const { build } = (await import(name)) as { build: (o: unknown) => Promise<unknown> };
    const out = path.join(dir, `${fixture}.mjs`);
    await build({
      input: path.join(here, '__fixtures__', `${fixture}.ts`),
      platform: 'node',
      external: [/^node:/, 'better-sqlite3'],
      output: { file: out, format: 'esm', paths: { 'better-sqlite3': pathToFileURL(require.resolve('better-sqlite3')).href } },
      logLevel: 'silent',
    });
    return out;
  } catch (e) {
    const dist = path.resolve(here, '..', '..', 'dist', 'audit', '__fixtures__', `${fixture}.js`);
    if (existsSync(dist)) return dist;
    throw new Error(`cannot build the crash-test child (${(e as Error).message}) and ${dist} does not exist: run npm run build`);
  }
}

describe('audit survives kill -9', () => {
  let dir: string;
  let script: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pcx-crash-'));
    script = await childScript(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['inline', 'thread'])('every acknowledged event is present and the chain verifies after SIGKILL (SQLite commit %s)', async (mode) => {
    const db = path.join(dir, `portcullis-${mode}.db`);
    const keyFile = path.join(dir, 'audit-signing-key.pem');
    const acked = new Map<number, string>();
    const child = spawn(process.execPath, [script, db, keyFile, '500', mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let buf = '';
    let killing = false;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child produced ${acked.size} acks in 20 s; stderr: ${stderr}`)), 20_000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          if (acked.size < 3000) reject(new Error(`child exited early (${code}); stderr: ${stderr}`));
          else resolve();
        });
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const [seq, id] = buf.slice(0, nl).split(' ');
            buf = buf.slice(nl + 1);
            acked.set(Number(seq), id!);
          }
          if (acked.size >= 3000 && !killing) {
            killing = true;
            setTimeout(() => child.kill('SIGKILL'), Math.random() * 15);
          }
        });
      });
    } finally {
      // Never leave the child running, whatever happened.
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
      }
    }
    expect(child.signalCode).toBe('SIGKILL');

    const store = new SqliteStore(db);
    try {
      await store.migrate();
      const key = loadOrCreateSigningKey(keyFile);
      const v = await verifyAudit(store, key.publicKey);
      expect(v.ok, JSON.stringify(v.firstBroken)).toBe(true);
      expect(v.headSeq).toBeGreaterThanOrEqual(Math.max(...acked.keys()));
      const rows = await store.readAudit(0, v.headSeq + 1);
      const byId = new Map(rows.map((r) => [r.seq, r.event.id]));
      for (const [seq, id] of acked) expect(byId.get(seq)).toBe(id);
      console.log(`[crash test] ${acked.size} acknowledged, ${v.headSeq} stored, ${v.unanchored} after the last checkpoint`);
    } finally {
      await store.close();
    }
  });

  it('a process that closes its store exits after the writer thread has committed and closed', async () => {
    const script = await childScript(dir, 'close-child');
    const db = path.join(dir, 'close.db');
    const child = spawn(process.execPath, [script, db, path.join(dir, 'close-key.pem')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(err).toBe('');
    expect(code).toBe(0);
    // 50 events and the shutdown checkpoint's head: everything was committed before the process ended.
    expect(out.trim()).toBe('closed 50');
  });
});
