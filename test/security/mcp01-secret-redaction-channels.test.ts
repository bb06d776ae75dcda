/**
 * MCP01 (token mismanagement & secret exposure): a secret from an upstream is redacted on every
 * channel that reaches the client — JSON-RPC error message and data, logging and progress
 * notifications, structuredContent under any key, text after a flood of escapes — and never
 * lands raw in the audit event (its `error` field included). A secret in the arguments is found
 * under any key, encoded, spaced out, broken by zero-width characters, or split across fields.
 *
 * Attacks are data; the upstream is `injector.mjs` (`leak_channels`, `send_email`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { fixture, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { SECRETS } from '../fixtures/_data.mjs';

const RAW = [SECRETS.awsAccessKeyId, SECRETS.githubToken];
const k = SECRETS.awsAccessKeyId;
const g = SECRETS.githubToken;
const pct = (s: string) => [...s].map((c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join('');

/** Upstream → client channels: leak_channels {channel}. */
const CHANNELS = ['error', 'log', 'progress', 'structured'] as const;

/** Arguments of send_email that carry a secret (must be blocked: `inspect.secrets.arguments: block`). */
const ARG_ATTACKS: Array<[string, Record<string, unknown>]> = [
  ['under key data', { data: `key ${g}` }],
  ['under key type', { type: g }],
  ['under key uri', { uri: `https://x.test/?t=${g}` }],
  ['under key _meta', { _meta: { note: g } }],
  ['under key annotations', { annotations: { a: [g] } }],
  ['base64', { body: `payload ${Buffer.from(`token=${g}`).toString('base64')}` }],
  ['base64url', { body: Buffer.from(`aws ${k} ok`).toString('base64url') }],
  ['hex', { body: Buffer.from(`token=${g}`).toString('hex') }],
  ['percent-encoded', { body: pct(`token ${g}`) }],
  ['spaced out', { body: [...g].join(' ') }],
  ['dotted out', { body: [...g].join('.') }],
  ['zero-width broken', { body: [...g].join('\u200b') }],
  ['word-joiner broken', { body: [...g].join('\u2060') }],
  ['split across two fields', { body: g.slice(0, 18), subject: g.slice(18) }],
  ['split across array items', { cc: [g.slice(0, 10), g.slice(10, 25), g.slice(25)] }],
  ['after padding strings', { cc: [...Array.from({ length: 2000 }, (_, i) => `pad${i}`), `ok ${g}`] }],
];

async function events(gw: TestGateway) {
  return (await gw.rt.store.queryAudit({ limit: 10_000 })).map((c) => c.event);
}

describe('MCP01: secrets are redacted on every channel', () => {
  let gw: TestGateway;
  let c: Client;
  const logs: unknown[] = [];
  beforeAll(async () => {
    gw = await startTestGateway(`
auth: none
mcpServers:
  inj: { command: node, args: ["${fixture('injector.mjs')}"] }
servers:
  inj: { isolation: session }   # its own child: log lines reach the session (a pooled server's name no caller and are dropped)
`);
    c = await httpClient(gw.url);
    c.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params));
  }, 60_000);
  afterAll(async () => {
    await c?.close();
    await gw?.close();
  });

  it.each(CHANNELS)('channel %s: the client never sees the raw secret', async (channel) => {
    const progress: unknown[] = [];
    logs.length = 0;
    const out = await c
      .callTool({ name: 'inj__leak_channels', arguments: { channel } }, undefined, { onprogress: (p) => void progress.push(p) })
      .then(
        (r) => JSON.stringify(r),
        (e: Error & { data?: unknown }) => JSON.stringify({ message: e.message, data: e.data }),
      );
    await new Promise((r) => setTimeout(r, 150));
    const seen = out + JSON.stringify(logs) + JSON.stringify(progress);
    for (const s of RAW) expect(seen).not.toContain(s);
    if (channel === 'log') expect(JSON.stringify(logs)).toContain('[REDACTED:secret');
    if (channel === 'progress') expect(JSON.stringify(progress)).toContain('[REDACTED:secret');
    if (channel === 'error' || channel === 'structured') expect(out).toContain('[REDACTED:secret');
  });

  it('the audit event of a failing call does not hold the raw secret (error field included)', async () => {
    await c.callTool({ name: 'inj__leak_channels', arguments: { channel: 'error' } }).catch(() => undefined);
    const evs = (await events(gw)).filter((e) => e.target === 'inj__leak_channels');
    expect(evs.length).toBeGreaterThan(0);
    for (const e of evs) for (const s of RAW) expect(JSON.stringify(e)).not.toContain(s);
    expect(evs.some((e) => typeof e.error === 'string' && e.error.includes('[REDACTED:secret'))).toBe(true);
  });

  it('an OSC 52 clipboard write after thousands of escapes and zero-width runs is removed', async () => {
    const r = await c.callTool({ name: 'inj__leak_channels', arguments: { channel: 'ansi' } });
    const t = JSON.stringify(r);
    expect(t).not.toContain('\\u001b]52');
    expect(t).not.toContain('\u001b]52');
    expect(t).toContain('done');
  });

  it.each(ARG_ATTACKS)('arguments: blocks a secret %s', async (_n, extra) => {
    const err = await c.callTool({ name: 'inj__send_email', arguments: { to: 'a@b.test', body: 'hello', ...extra } }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/inspect\.secrets/);
  });

  it('arguments: ordinary text, base64 images and long identifiers pass', async () => {
    const r = await c.callTool({
      name: 'inj__send_email',
      arguments: { to: 'a@b.test', subject: 'Quarterly report', body: 'See the attached summary; request id 3f2a9c1e-77b4-4d0e-9a51-0c2b7e1d9f10.', cc: ['x@y.test'] },
    });
    expect(JSON.stringify(r.content)).toContain('sent to');
  });
});
