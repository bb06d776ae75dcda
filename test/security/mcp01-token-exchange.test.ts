/**
 * MCP01 / MCP07 (no token passthrough): with `credentials.tokenExchange`, the user's inbound JWT is
 * exchanged (RFC 8693) at the authorization server for a token whose audience is the upstream; the
 * upstream (which accepts only tokens for itself, checked with jose against the server's JWKS) sees
 * the same user, never the inbound token. Exchanged tokens are reused until they near expiry.
 * Real authorization server in the test process (oidc-provider with a token-exchange grant).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { openStore } from '../../src/store/index.js';
import { Vault, loadMasterKey } from '../../src/credentials/vault.js';
import { httpClient, ROOT, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { TOKEN_EXCHANGE, startAuthServer, startProtectedUpstream, type AuthServer, type ProtectedUpstream } from '../helpers/oauth.js';

const GATEWAY_AUDIENCE = 'urn:portcullis:gateway';
const EXCHANGE_SECRET = randomBytes(16).toString('hex');

type RpcError = Error & { data?: { code?: string; rule?: string } };

describe('RFC 8693 token exchange to an upstream', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pcx-exchange-'));
  const dataDir = path.join(dir, 'data');
  let as: AuthServer;
  let upstream: ProtectedUpstream;
  let gw: TestGateway;
  const clients: Client[] = [];
  const inbound: string[] = [];
  const asUser = async (user: string) => {
    const token = await as.issueAccessToken(user, GATEWAY_AUDIENCE, 'agent-app');
    inbound.push(token);
    const c = await httpClient(gw.url, { headers: { authorization: `Bearer ${token}` } });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    as = await startAuthServer({
      clients: [
        { client_id: 'portcullis', client_secret: EXCHANGE_SECRET, grant_types: [TOKEN_EXCHANGE], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_basic' },
        { client_id: 'agent-app', client_secret: 'agent-secret-agent-secret', grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: ['http://127.0.0.1/cb'] },
      ],
    });
    upstream = await startProtectedUpstream(as.issuer);
    const yaml = `auth:
  jwt: { issuer: "${as.issuer}", audience: "${GATEWAY_AUDIENCE}", jwksUrl: "${as.issuer}/jwks" }
mcpServers:
  remote:
    url: ${upstream.url}
    credentials:
      tokenExchange: { tokenEndpoint: "${as.issuer}/token", clientId: portcullis, clientSecret: "\${secret:EXCHANGE_SECRET}", scopes: [mcp] }
`;
    const config = parseConfigText(yaml, path.join(ROOT, 'test', 'inline.yaml'));
    const store = await openStore(config, dataDir);
    await new Vault(store, loadMasterKey(dataDir, { create: true })).set('EXCHANGE_SECRET', EXCHANGE_SECRET);
    await store.close();
    gw = await startTestGateway(yaml, { keepDataDir: dataDir });
  }, 30_000);
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await gw?.close();
    await upstream?.close();
    await as?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('each user reaches the upstream as themselves, with an exchanged token, never the inbound one', async () => {
    const alice = await asUser('alice');
    const bob = await asUser('bob');
    const who = async (c: Client) => ((await c.callTool({ name: 'remote__whoami', arguments: {} })) as { content: Array<{ text: string }> }).content[0]!.text;
    expect(await who(alice)).toBe('you are alice');
    expect(await who(bob)).toBe('you are bob');
    expect(new Set(upstream.accepted.map((a) => a.sub))).toEqual(new Set(['alice', 'bob']));
    for (const a of upstream.accepted) expect(inbound).not.toContain(a.token);
  });

  it('an exchanged token is reused until it nears expiry (one exchange per user, not per call)', async () => {
    const before = as.exchanges;
    const carol = await asUser('carol');
    for (let i = 0; i < 3; i++) await carol.callTool({ name: 'remote__whoami', arguments: {} });
    expect(as.exchanges - before).toBe(1);
  });

  it('a refused exchange is a clear denial with a rule, not a call with the inbound token', async () => {
    const config = parseConfigText(
      `auth:\n  jwt: { issuer: "${as.issuer}", audience: "${GATEWAY_AUDIENCE}", jwksUrl: "${as.issuer}/jwks" }\nmcpServers:\n  remote:\n    url: ${upstream.url}\n    credentials:\n      tokenExchange: { tokenEndpoint: "${as.issuer}/token", clientId: portcullis, clientSecret: "\${secret:WRONG}" }\n`,
      path.join(ROOT, 'test', 'inline.yaml'),
    );
    const store = await openStore(config, dataDir);
    await new Vault(store, loadMasterKey(dataDir)).set('WRONG', 'not-the-secret');
    await store.close();
    const bad = await startTestGateway(
      `auth:\n  jwt: { issuer: "${as.issuer}", audience: "${GATEWAY_AUDIENCE}", jwksUrl: "${as.issuer}/jwks" }\nmcpServers:\n  remote:\n    url: ${upstream.url}\n    credentials:\n      tokenExchange: { tokenEndpoint: "${as.issuer}/token", clientId: portcullis, clientSecret: "\${secret:WRONG}" }\n`,
      { keepDataDir: dataDir },
    );
    const n = upstream.accepted.length;
    const token = await as.issueAccessToken('dave', GATEWAY_AUDIENCE, 'agent-app');
    const c = await httpClient(bad.url, { headers: { authorization: `Bearer ${token}` } });
    try {
      const e = await c.callTool({ name: 'remote__whoami', arguments: {} }).then(() => undefined, (x: RpcError) => x);
      expect(e?.data?.rule).toBe('credentials.unavailable');
      expect(e?.message).toMatch(/refused the token exchange \(invalid_client/);
      expect(e?.message).not.toContain(token.split('.')[2]);
      expect(upstream.accepted.length).toBe(n);
    } finally {
      await c.close();
      await bad.close();
    }
  });
});
