/**
 * MCP10 (context injection & over-sharing): one upstream connection of a `shared: true` server
 * serves every principal's sessions. What the server says while working for Alice (progress, log
 * messages, resource updates, requests back to the client) must reach Alice only, never Bob; what
 * cannot be attributed to one caller is dropped, not broadcast.
 *
 * Real SDK clients with two API keys, through the gateway, against test/fixtures/chatty.mjs.
 * Each case is one row: what Alice (and Bob) do, and a marker that must never show up on Bob's side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema, type Notification, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { fixture, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createApiKey } from '../../src/identity/apikeys.js';

interface Seen {
  notifications: Notification[];
  progress: Progress[];
  samplingRequests: number;
}

interface Party {
  client: Client;
  seen: Seen;
}

interface Case {
  name: string;
  /** Alice's (and maybe Bob's) actions; the marker is unique per case. */
  run(alice: Party, bob: Party, marker: string): Promise<void>;
  /** A resource URI only Alice is (still) subscribed to: Bob must see no update of it. */
  aliceUri?: string;
  /** What Alice must have seen (her own messages are not lost to over-eager dropping). */
  aliceSaw?(seen: Seen, marker: string): void;
}

const call = (p: Party, name: string, args: Record<string, unknown>, progress = false) =>
  p.client.callTool({ name, arguments: args }, undefined, progress ? { onprogress: (pr) => void p.seen.progress.push(pr), resetTimeoutOnProgress: true } : {});

const text = (r: unknown) => ((r as { content: Array<{ text: string }> }).content[0]?.text ?? '');

const CASES: Case[] = [
  {
    name: 'progress of concurrent calls with the same progress token (the SDK uses its request id) goes to each caller only',
    async run(alice, bob, marker) {
      const [a, b] = await Promise.all([call(alice, 'chatty__work', { marker, steps: 4, ms: 400 }, true), call(bob, 'chatty__work', { marker: 'bob-own', steps: 4, ms: 400 }, true)]);
      expect(text(a)).toBe(`done ${marker}`);
      expect(text(b)).toBe('done bob-own');
      expect(bob.seen.progress.map((p) => p.message)).toEqual(['bob-own step 0', 'bob-own step 1', 'bob-own step 2', 'bob-own step 3']);
    },
    aliceSaw: (seen, marker) => expect(seen.progress.map((p) => p.message)).toEqual([0, 1, 2, 3].map((i) => `${marker} step ${i}`)),
  },
  {
    name: "log messages emitted during Alice's call do not reach Bob's open stream",
    async run(alice, _bob, marker) {
      await call(alice, 'chatty__work', { marker, steps: 3, ms: 300 });
    },
  },
  {
    name: "log messages during Alice's call do not reach Bob while Bob has a call of his own in flight",
    async run(alice, bob, marker) {
      await Promise.all([call(alice, 'chatty__work', { marker, steps: 3, ms: 300 }), call(bob, 'chatty__work', { marker: 'bob-own', steps: 3, ms: 450 })]);
    },
  },
  {
    name: 'a resource update goes to the sessions subscribed to that URI only',
    aliceUri: 'chatty://a',
    async run(alice, bob, marker) {
      await alice.client.subscribeResource({ uri: 'chatty://a' });
      await bob.client.subscribeResource({ uri: 'chatty://b' });
      await call(alice, 'chatty__touch', { uri: `chatty://a` });
      await call(alice, 'chatty__touch', { uri: `chatty://${marker}` }); // nobody subscribed: nobody told
      await new Promise((r) => setTimeout(r, 200));
      await alice.client.unsubscribeResource({ uri: 'chatty://a' });
      await bob.client.unsubscribeResource({ uri: 'chatty://b' });
    },
    aliceSaw: (seen) => expect(seen.notifications.filter((n) => n.method === 'notifications/resources/updated').map((n) => n.params?.uri)).toEqual(['chatty://a']),
  },
  {
    name: "Bob unsubscribing does not withdraw Alice's subscription to the same URI, nor tell Bob of her updates",
    aliceUri: 'chatty://a',
    async run(alice, bob) {
      await alice.client.subscribeResource({ uri: 'chatty://a' });
      await bob.client.subscribeResource({ uri: 'chatty://a' });
      await bob.client.unsubscribeResource({ uri: 'chatty://a' });
      await call(alice, 'chatty__touch', { uri: 'chatty://a' });
      await new Promise((r) => setTimeout(r, 200));
      await alice.client.unsubscribeResource({ uri: 'chatty://a' });
    },
    aliceSaw: (seen) => expect(seen.notifications.filter((n) => n.method === 'notifications/resources/updated').length).toBe(1),
  },
];

/** Whatever Bob saw must not carry the marker of Alice's case. */
function bobSawNothingOf(seen: Seen, marker: string, uriOfAlice?: string): void {
  const dump = JSON.stringify(seen);
  expect(dump).not.toContain(marker);
  if (uriOfAlice) expect(seen.notifications.filter((n) => n.params?.uri === uriOfAlice)).toEqual([]);
}

describe('MCP10: a shared upstream serves several principals without leaking between them', () => {
  let gw: TestGateway;
  let alice: Party;
  let bob: Party;

  const party = async (key: string): Promise<Party> => {
    const seen: Seen = { notifications: [], progress: [], samplingRequests: 0 };
    const client = await httpClient(gw.url, { headers: { authorization: `Bearer ${key}` }, capabilities: { sampling: {} } });
    client.fallbackNotificationHandler = async (n) => void seen.notifications.push(n);
    client.setRequestHandler(CreateMessageRequestSchema, async () => {
      seen.samplingRequests++;
      return { role: 'assistant', content: { type: 'text', text: 'hi' }, model: 'test' };
    });
    await client.listTools();
    return { client, seen };
  };

  beforeAll(async () => {
    gw = await startTestGateway(`
auth: { apiKeys: true }
mcpServers:
  chatty: { command: node, args: ["${fixture('chatty.mjs')}"], shared: true }
`);
    const a = (await createApiKey(gw.rt.store, { principal: 'alice' })).key;
    const b = (await createApiKey(gw.rt.store, { principal: 'bob' })).key;
    alice = await party(a);
    bob = await party(b);
    await alice.client.setLoggingLevel('debug');
    await bob.client.setLoggingLevel('debug');
  });
  afterAll(async () => {
    await alice?.client.close();
    await bob?.client.close();
    await gw?.close();
  });

  it.each(CASES.map((c, i) => [c.name, c, `alice-secret-${i}-${Date.now()}`] as const))('%s', async (_n, c, marker) => {
    alice.seen.notifications.length = alice.seen.progress.length = 0;
    bob.seen.notifications.length = bob.seen.progress.length = 0;
    await c.run(alice, bob, marker);
    await new Promise((r) => setTimeout(r, 150)); // anything still in flight to Bob arrives
    bobSawNothingOf(bob.seen, marker, c.aliceUri);
    c.aliceSaw?.(alice.seen, marker);
  });

  it('both sessions share one upstream child (the isolation above is not bought with one child per session)', () => {
    const conns = [...gw.rt.gateway.sessions.values()].map((s) => s.upstreamConnections.get('chatty'));
    expect(conns.length).toBe(2);
    expect(conns[0]).toBe(conns[1]);
  });
});
