/**
 * The README's promise: `npm start` runs the bundled demo (server-everything + server-memory
 * from node_modules) and prints a working endpoint. Started here as a real process, as a user would.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, httpClient } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';

describe('portcullis start (the demo behind npm start)', () => {
  it('prints the endpoint and a client config, serves both demo servers, and exits cleanly on SIGTERM', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pcx-demo-'));
    // The demo config names its servers by their bin (`mcp-server-everything`): they must be found
    // without npm's PATH, from the package's own node_modules/.bin.
    const env = { ...process.env, PATH: '/usr/bin:/bin' };
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/cli/index.js'), 'start', '--port', String(port), '--admin-port', String(adminPort), '--data-dir', dataDir], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await expect.poll(() => stderr, { timeout: 20_000, interval: 100 }).toContain(`http://127.0.0.1:${port}/mcp`);
      expect(stderr).toContain('"mcpServers"');
      expect(stderr).toContain('auth: none');
      const c = await httpClient(`http://127.0.0.1:${port}/mcp`);
      const names = (await c.listTools()).tools.map((t) => t.name);
      expect(names).toContain('everything__echo');
      expect(names).toContain('memory__create_entities');
      expect((await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status).toBe(200);
      // The admin token made at first start is printed once, and is the one in the data dir (0600).
      const printed = /admin token +(pcx_admin_\S+)/.exec(stderr)?.[1];
      expect(printed).toBe(readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim());
      expect(statSync(path.join(dataDir, 'admin-token')).mode & 0o777).toBe(0o600);
      // The memory server writes where the config says (`${dataDir}/demo-memory.jsonl`), not into
      // its own install folder: create an entity, read it back, and find the file in the data dir.
      const created = await c.callTool({ name: 'memory__create_entities', arguments: { entities: [{ name: 'portcullis_demo', entityType: 'test', observations: ['written through the gateway'] }] } });
      expect(created.isError ?? false, JSON.stringify(created.content)).toBe(false);
      const read = await c.callTool({ name: 'memory__open_nodes', arguments: { names: ['portcullis_demo'] } });
      expect(read.isError ?? false).toBe(false);
      expect(JSON.stringify(read.content)).toContain('written through the gateway');
      expect(readFileSync(path.join(dataDir, 'demo-memory.jsonl'), 'utf8')).toContain('portcullis_demo');
      // Nothing is written into the package's demo folder.
      expect(existsSync(path.join(ROOT, 'examples', 'demo', '.portcullis'))).toBe(false);
      await c.close();
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 40_000);
});
