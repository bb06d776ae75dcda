/**
 * Hot reload of the YAML policy lists in the config file (MCP02: a policy change takes effect
 * without a restart, and a broken one never replaces the set in force). The gateway is started
 * from a file, as `portcullis start -c FILE` does; the client is the real SDK client.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { loadConfig } from '../../src/config/load.js';
import { startRuntime, type Runtime } from '../../src/gateway/runtime.js';
import { silentLogger } from '../../src/observability/log.js';
import { EVERYTHING, httpClient } from '../helpers/gateway.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pcx-reload-'));
const file = path.join(dir, 'portcullis.yaml');
const configWith = (rules: string) => `auth: none\nlisten: { port: 0 }\nadmin: { port: 0 }\nmcpServers:${EVERYTHING}\npolicy:\n  watch: true\n  allow:\n${rules}`;
/** Write as editors do: a new file renamed over the old one. */
function save(text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

let rt: Runtime;
let client: Client;
let listChanged = 0;

beforeAll(async () => {
  save(configWith('    - { id: echo-only, principal: "*", tools: ["everything__echo"] }\n'));
  const { config } = await loadConfig(file);
  rt = await startRuntime({ config, dataDir: path.join(dir, 'data'), log: silentLogger, configFile: file });
  client = await httpClient(rt.mcpUrl!);
  client.setNotificationHandler(ToolListChangedNotificationSchema, async () => void listChanged++);
});

afterAll(async () => {
  await client?.close();
  await rt?.close();
  rmSync(dir, { recursive: true, force: true });
});

const names = async () => (await client.listTools()).tools.map((t) => t.name).sort();

describe('MCP02: YAML policy lists reload from the config file', () => {
  it('a new rule takes effect without a restart, and clients are told to list again', async () => {
    expect(await names()).toEqual(['everything__echo']);
    save(configWith('    - { id: echo-only, principal: "*", tools: ["everything__echo"] }\n    - { id: add-too, principal: "*", tools: ["everything__get-sum"] }\n'));
    await expect.poll(names, { timeout: 10_000, interval: 100 }).toEqual(['everything__echo', 'everything__get-sum']);
    expect(listChanged).toBeGreaterThan(0);
    expect(await client.callTool({ name: 'everything__get-sum', arguments: { a: 1, b: 2 } })).toMatchObject({ content: [{ type: 'text' }] });
  });

  it('a broken file or a broken policy is rejected, and the set in force stays', async () => {
    const before = await names();
    save('auth: none\npolicy: { allow: [ { id: x, principal: "*", tools: ["*"], obligations: [no-such-obligation] } ] }\nmcpServers:' + EVERYTHING);
    save('this: is: not: yaml: [');
    await new Promise((r) => setTimeout(r, 600));
    expect(await names()).toEqual(before);
    // and a good one after that still takes effect
    save(configWith('    - { id: sum-only, principal: "*", tools: ["everything__get-sum"] }\n'));
    await expect.poll(names, { timeout: 10_000, interval: 100 }).toEqual(['everything__get-sum']);
  });
});
