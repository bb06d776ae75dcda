/**
 * Tool pinning through the gateway (OWASP MCP03 tool poisoning, rug pulls): a definition that
 * changes after it was pinned is quarantined at once; poisoned tools are held in enforce mode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { fixture, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';

describe('MCP03 rug pull: a pinned tool that changes is quarantined (observe mode)', () => {
  let gw: TestGateway;
  let c: Client;
  const state = path.join(mkdtempSync(path.join(os.tmpdir(), 'pcx-rug-')), 'state');
  beforeAll(async () => {
    writeFileSync(state, 'initial');
    gw = await startTestGateway(`
auth: none
mcpServers:
  weather: { command: node, args: ["${fixture('rugpull.mjs')}", "--state", "${state}"] }
registry: { mode: observe }
`);
    c = await httpClient(gw.url);
  });
  afterAll(async () => {
    await c?.close();
    await gw?.close();
  });

  it('admits and pins a new tool in observe mode; the call works', async () => {
    const names = (await c.listTools()).tools.map((t) => t.name);
    expect(names).toContain('weather__get_weather');
    const r = await c.callTool({ name: 'weather__get_weather', arguments: { city: 'Oslo' } });
    expect(r.isError).toBeFalsy();
  });

  it('after the definition changes upstream, the tool is hidden, the call denied with the review command, and the diff readable', async () => {
    let changed = 0;
    c.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed++;
    });
    writeFileSync(state, 'flipped');
    await expect.poll(() => changed, { timeout: 10_000, interval: 100 }).toBeGreaterThan(0);
    const names = (await c.listTools()).tools.map((t) => t.name);
    expect(names).not.toContain('weather__get_weather');
    expect(names).toContain('weather__echo');
    const err = await c.callTool({ name: 'weather__get_weather', arguments: { city: 'Oslo' } }).then(
      () => undefined,
      (e: Error & { data?: { rule?: string } }) => e,
    );
    expect(err?.data?.rule).toBe('registry.quarantined');
    expect(err?.message).toMatch(/portcullis registry diff weather__get_weather/);
    const diff = await gw.rt.registry.diff('weather__get_weather');
    expect(diff).toMatch(/sidenote/);
    expect(diff).toMatch(/^[-+]/m);
  });

  it('a human approval re-admits the new definition', async () => {
    await gw.rt.registry.approve('weather__get_weather');
    await expect.poll(async () => (await c.listTools()).tools.map((t) => t.name), { timeout: 10_000 }).toContain('weather__get_weather');
  });
});

describe('MCP03 poisoned definitions in enforce mode', () => {
  let gw: TestGateway;
  let c: Client;
  beforeAll(async () => {
    gw = await startTestGateway(`
auth: none
mcpServers:
  poisoned: { command: node, args: ["${fixture('poisoned.mjs')}"] }
registry: { mode: enforce }
`);
    c = await httpClient(gw.url);
  });
  afterAll(async () => {
    await c?.close();
    await gw?.close();
  });

  it('a new server and its tools arrive pending: nothing is visible, calls are denied', async () => {
    expect((await c.listTools()).tools).toEqual([]);
    await expect(c.callTool({ name: 'poisoned__echo', arguments: { text: 'x' } })).rejects.toThrow();
  });

  it('after approving the server, clean tools show but poisoned ones stay quarantined', async () => {
    await gw.rt.registry.approve('poisoned', { all: true });
    await expect.poll(async () => (await c.listTools()).tools.map((t) => t.name), { timeout: 10_000 }).toContain('poisoned__echo');
    const names = (await c.listTools()).tools.map((t) => t.name);
    for (const bad of ['poisoned__add', 'poisoned__get_weather', 'poisoned__fact_of_the_day']) expect(names).not.toContain(bad);
    const err = await c.callTool({ name: 'poisoned__add', arguments: { a: 1, b: 2 } }).then(
      () => undefined,
      (e: Error & { data?: { rule?: string } }) => e,
    );
    expect(err?.data?.rule).toMatch(/^registry\./);
  });
});
