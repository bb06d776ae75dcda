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
  {
    name: "a sampling request the server sends for Alice while Bob's call is the most recent one is not sent to Bob (it cannot be attributed: refused)",
    async run(alice, bob, marker) {
      const [a] = await Promise.all([
        call(alice, 'chatty__ask', { marker, delayMs: 500 }),
        new Promise((r) => setTimeout(r, 100)).then(() => call(bob, 'chatty__work', { marker: 'bob-own', steps: 2, ms: 1000 })),
      ]);
      expect(text(a)).toMatch(/^refused: .*cannot be attributed/);
      expect(bob.seen.samplingRequests).toBe(0);
    },
  },
  {
    name: 'a sampling request while only Alice has calls in flight reaches Alice (attribution is not over-eager dropping)',
    async run(alice, bob, marker) {
      const a = await call(alice, 'chatty__ask', { marker, delayMs: 50 });
      expect(text(a)).toBe('answered: hi');
      expect(alice.seen.samplingRequests).toBeGreaterThan(0);
      expect(bob.seen.samplingRequests).toBe(0);
    },
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
    client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
      seen.samplingRequests++;
      seen.notifications.push({ method: 'sampling/createMessage', params: req.params as Record<string, unknown> });
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
    for (const p of [alice, bob]) {
      p.seen.notifications.length = p.seen.progress.length = 0;
      p.seen.samplingRequests = 0;
    }
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

describe('MCP10: isolation: principal — one connection per principal, still routed per session', () => {
  let gw: TestGateway;
  const clients: Client[] = [];
  let keys: Record<string, string>;
  beforeAll(async () => {
    gw = await startTestGateway(`
auth: { apiKeys: true }
mcpServers:
  chatty: { command: node, args: ["${fixture('chatty.mjs')}"], isolation: principal }
`);
    keys = {
      alice: (await createApiKey(gw.rt.store, { principal: 'alice' })).key,
      bob: (await createApiKey(gw.rt.store, { principal: 'bob' })).key,
    };
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await gw?.close();
  });
  const party = async (who: string): Promise<Party> => {
    const seen: Seen = { notifications: [], progress: [], samplingRequests: 0 };
    const client = await httpClient(gw.url, { headers: { authorization: `Bearer ${keys[who]}` } });
    client.fallbackNotificationHandler = async (n) => void seen.notifications.push(n);
    clients.push(client);
    await client.listTools();
    return { client, seen };
  };
  const connOf = (principal: string) => [...gw.rt.gateway.sessions.values()].filter((s) => s.principal.id === principal).map((s) => s.upstreamConnections.get('chatty'));

  it("Alice's two sessions share one child, Bob has his own; progress with the same token still reaches each session only", async () => {
    const a1 = await party('alice');
    const a2 = await party('alice');
    const b = await party('bob');
    const [c1, c2] = connOf('user:alice');
    expect(c1).toBeDefined();
    expect(c1).toBe(c2);
    expect(connOf('user:bob')[0]).not.toBe(c1);
    expect(gw.rt.gateway.capacity.childrenOfPrincipal('user:alice')).toBe(1);
    expect(gw.rt.gateway.capacity.childrenOfPrincipal('user:bob')).toBe(1);
    const [r1, r2] = await Promise.all([call(a1, 'chatty__work', { marker: 'a1-mark', steps: 3, ms: 300 }, true), call(a2, 'chatty__work', { marker: 'a2-mark', steps: 3, ms: 300 }, true)]);
    expect(text(r1)).toBe('done a1-mark');
    expect(text(r2)).toBe('done a2-mark');
    expect(a1.seen.progress.map((p) => p.message)).toEqual(['a1-mark step 0', 'a1-mark step 1', 'a1-mark step 2']);
    expect(a2.seen.progress.map((p) => p.message)).toEqual(['a2-mark step 0', 'a2-mark step 1', 'a2-mark step 2']);
    expect(JSON.stringify(b.seen)).not.toMatch(/a[12]-mark/);
  });

  it("the principal's child lives while one of its sessions does, and is released with the last", async () => {
    const alices = [...gw.rt.gateway.sessions.values()].filter((s) => s.principal.id === 'user:alice');
    expect(alices.length).toBe(2);
    await gw.rt.gateway.closeSession(alices[0]!);
    expect(gw.rt.gateway.capacity.childrenOfPrincipal('user:alice')).toBe(1);
    await gw.rt.gateway.closeSession(alices[1]!);
    expect(gw.rt.gateway.capacity.childrenOfPrincipal('user:alice')).toBe(0);
    expect(gw.rt.gateway.capacity.childrenOfPrincipal('user:bob')).toBe(1);
  });
});
