/**
 * The console in a real browser (Debian's Chromium driven by playwright-core) against a real
 * gateway with real SDK clients: a held call appears in the approvals queue live, is approved by a
 * click, and the client's retry completes; a rug-pulled tool's diff is shown and approved from the
 * page; a session is revoked from the page; audit search finds the call and verify says OK.
 * Screenshots of every screen go to test/artifacts/ (ignored by git).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { EVERYTHING, ROOT, fixture, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
type RpcFailure = Error & { code?: number; data?: { rule?: string; ticket?: string } };

describe('console in a real browser', () => {
  let gw: TestGateway;
  let browser: Browser;
  let page: Page;
  let agent: Client;
  const state = path.join(mkdtempSync(path.join(os.tmpdir(), 'pcx-console-')), 'state');
  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: false });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(state, 'initial');
    gw = await startTestGateway(`
auth: none
mcpServers:${EVERYTHING}
  weather: { command: node, args: ["${fixture('rugpull.mjs')}", "--state", "${state}"] }
registry: { mode: observe }
policy:
  allow:
    - { id: deploys-need-a-human, principal: "*", tools: ["everything__echo"], obligations: [approve] }
    - { id: weather-for-all, principal: "*", tools: ["weather__*", "everything__get-sum"] }
`);
    agent = await httpClient(gw.url, { name: 'release-agent' });
    await agent.listTools();
    await agent.callTool({ name: 'everything__get-sum', arguments: { a: 2, b: 40 } });
    await agent.callTool({ name: 'weather__get_weather', arguments: { city: 'Oslo' } });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('dialog', (d) => void d.accept());
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await agent?.close().catch(() => undefined);
    await gw?.close();
  });

  it('asks for the token, refuses a wrong one, and opens with the one from the link', async () => {
    await page.goto(`${gw.adminUrl}/`);
    await page.getByLabel('Admin token').fill('pcx_admin_not-the-token-at-all');
    await page.getByRole('button', { name: 'Open the console' }).click();
    await page.getByText('That token was not accepted').waitFor();
    await shot('login');
    await page.goto(`${gw.adminUrl}/#token=${gw.adminToken}`);
    await page.getByRole('heading', { name: /Approvals/ }).waitFor();
    expect(page.url()).not.toContain('token='); // taken out of the address bar
    await page.getByText('No call is waiting').waitFor();
    await page.locator('.live.on').waitFor();
  });

  it('a held call appears in the queue live; approving it by a click lets the client’s retry through', async () => {
    const err = await agent.callTool({ name: 'everything__echo', arguments: { message: 'deploy v2 to prod, then mail ops.lead@example.com' } }).then(() => undefined, (e: RpcFailure) => e);
    expect(err?.code).toBe(-32016);
    const ticket = err!.data!.ticket!;
    const card = page.locator(`[data-ticket="${ticket}"]`);
    await card.waitFor({ timeout: 10_000 }); // no reload: it came over the live feed
    await expect.poll(() => card.textContent()).toContain('everything__echo');
    expect(await card.textContent()).toContain('deploys-need-a-human');
    expect(await card.textContent()).toContain('release-agent 1.0.0');
    expect(await card.textContent()).not.toContain('ops.lead@example.com'); // masked
    await page.locator('nav a', { hasText: 'Approvals' }).locator('.badge').waitFor();
    await shot('approvals-queue');
    await card.getByLabel(/Reason/).fill('release window');
    await card.getByRole('button', { name: 'Approve once' }).click();
    await card.waitFor({ state: 'detached' });
    await page.getByText('No call is waiting').waitFor();
    expect(await agent.callTool({ name: 'everything__echo', arguments: { message: 'deploy v2 to prod, then mail ops.lead@example.com' } })).toEqual({
      content: [{ type: 'text', text: 'Echo: deploy v2 to prod, then mail ops.lead@example.com' }],
    });
    await page.getByRole('cell', { name: /approved, used/ }).waitFor();
    await shot('approvals-decided');
    const ev = (await gw.rt.store.queryAudit({ limit: 10_000 })).map((c) => c.event).filter((e) => e.target === 'everything__echo' && e.decision === 'allow').at(-1);
    expect(ev?.approver).toBe('console (release window)');
  });

  it('keyboard: the screens are reachable with the number keys and the queue’s buttons by Tab', async () => {
    await page.keyboard.press('2');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.keyboard.press('1');
    await page.getByRole('heading', { name: /Approvals/ }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toMatch(/Skip to content/);
  });

  it('overview and live feed show the traffic', async () => {
    await page.goto(`${gw.adminUrl}/#/overview`);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByRole('cell', { name: /everything/ }).first().waitFor();
    await shot('overview');
    await page.goto(`${gw.adminUrl}/#/feed`);
    await page.getByRole('heading', { name: 'Live feed' }).waitFor();
    await agent.callTool({ name: 'everything__get-sum', arguments: { a: 1, b: 1 } });
    await page.getByRole('cell', { name: /everything__get-sum/ }).first().waitFor();
    await page.getByRole('button', { name: /\d\d:\d\d:\d\d/ }).first().click();
    await page.getByRole('dialog').waitFor();
    await shot('live-feed');
  });

  it('a rug-pulled tool is quarantined; its diff is shown side by side and approved from the page', async () => {
    let changed = 0;
    agent.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
    writeFileSync(state, 'flipped');
    await expect.poll(() => changed, { timeout: 10_000, interval: 100 }).toBeGreaterThan(0);
    await agent.listTools();
    await page.goto(`${gw.adminUrl}/#/registry`);
    await page.getByRole('button', { name: 'weather__get_weather' }).click();
    const diff = page.getByRole('table', { name: /Definition diff/ });
    await diff.waitFor();
    await expect.poll(() => diff.locator('.k-add .r, .k-change .r').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('sidenote')]));
    await shot('registry-diff');
    await page.getByRole('button', { name: 'Approve this definition' }).click();
    await expect.poll(async () => (await agent.listTools()).tools.map((t) => t.name), { timeout: 10_000 }).toContain('weather__get_weather');
  });

  it('a session is revoked from the page and its client is cut off', async () => {
    const victim = await httpClient(gw.url, { name: 'rogue-agent' });
    await page.goto(`${gw.adminUrl}/#/sessions`);
    const row = page.getByRole('row', { name: /rogue-agent/ });
    await row.waitFor();
    await shot('sessions');
    await row.getByRole('button', { name: /Revoke session/ }).click();
    await page.getByText(/Revoked session:/).waitFor();
    await expect(victim.listTools()).rejects.toThrow(/PCX_SESSION_REVOKED/);
    await victim.close().catch(() => undefined);
  });

  it('audit search finds the call; verify says the log is intact', async () => {
    await page.goto(`${gw.adminUrl}/#/audit`);
    await page.getByLabel('Tool').fill('everything__echo');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('cell', { name: /everything__echo/ }).first().waitFor();
    await page.getByRole('button', { name: 'Verify the log' }).click();
    await page.getByText(/audit log OK/).waitFor();
    await shot('audit');
  });

  it('policy what-if runs the explain path', async () => {
    await page.goto(`${gw.adminUrl}/#/policy`);
    await page.getByLabel('Tool').fill('everything__echo');
    await page.getByRole('button', { name: 'Explain the decision' }).click();
    await page.locator('.explain').getByText('deploys-need-a-human').first().waitFor();
    await shot('policy');
  });

  it('dark theme and a large screen read well', async () => {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${gw.adminUrl}/#/overview`);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const bg = await page.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(bg).toBe('rgb(15, 18, 22)');
    await shot('overview-dark-1920');
    await page.goto(`${gw.adminUrl}/#/approvals`);
    await page.getByRole('heading', { name: /Approvals/ }).waitFor();
    await shot('approvals-dark-1920');
  });
});
