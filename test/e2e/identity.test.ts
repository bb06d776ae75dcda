/**
 * Identity on every session through the gateway (OWASP MCP07 insufficient authentication,
 * spec security best practices: token passthrough, session hijacking): API keys and OAuth
 * bearer JWTs, 401 with resource metadata, sessions bound to their principal, and the client's
 * token never reaching an upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { EVERYTHING, httpClient, rawPost, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createApiKey } from '../../src/identity/apikeys.js';
// harness is plain JS with .d.mts types
import { startHttpFixture, type HttpFixture } from '../fixtures/harness.mjs';

const INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });

describe('MCP07: API keys and bearer JWTs on the HTTP listener', () => {
  let gw: TestGateway;
  let headersFx: HttpFixture;
  let alice: string;
  let bob: string;
  let jwtFor: (claims: Record<string, unknown>, opts?: { exp?: string; aud?: string; iss?: string }) => Promise<string>;
  const audience = 'http://127.0.0.1:7400/mcp';
  const issuer = 'https://idp.example.test';

  beforeAll(async () => {
    headersFx = await startHttpFixture('headers.mjs');
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pcx-jwks-'));
    const jwks = path.join(dir, 'jwks.json');
    writeFileSync(jwks, JSON.stringify({ keys: [jwk] }));
    jwtFor = (claims, o = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(o.iss ?? issuer)
        .setAudience(o.aud ?? audience)
        .setIssuedAt()
        .setExpirationTime(o.exp ?? '5m')
        .sign(privateKey);
    gw = await startTestGateway(`
auth:
  apiKeys: true
  jwt: { issuer: "${issuer}", audience: "${audience}", jwks: "${jwks}" }
mcpServers:${EVERYTHING}
  hdr: { url: "${headersFx.url}", type: http, headers: { Authorization: "Bearer upstream-secret-held-by-gateway" } }
`);
    alice = (await createApiKey(gw.rt.store, { principal: 'alice', groups: ['eng'] })).key;
    bob = (await createApiKey(gw.rt.store, { principal: 'bob' })).key;
  });
  afterAll(async () => {
    await gw?.close();
    await headersFx?.close();
  });

  it('no credentials → 401 with WWW-Authenticate naming the resource metadata (RFC 9728)', async () => {
    const r = await rawPost(gw.url, INIT);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp"/);
    const meta = await fetch(new URL('/.well-known/oauth-protected-resource/mcp', gw.url));
    expect(meta.status).toBe(200);
    const doc = (await meta.json()) as { authorization_servers: string[] };
    expect(doc.authorization_servers).toEqual([issuer]);
  });

  it.each([
    ['a garbage bearer', 'Bearer not-a-token'],
    ['a revoked-looking API key', 'Bearer pcx_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ])('%s → 401', async (_n, auth) => {
    expect((await rawPost(gw.url, INIT, { authorization: auth })).status).toBe(401);
  });

  it('an API key opens a session; a revoked key is refused at once', async () => {
    const c = await httpClient(gw.url, { headers: { authorization: `Bearer ${alice}` } });
    expect((await c.listTools()).tools.length).toBeGreaterThan(0);
    await c.close();
    const tmp = await createApiKey(gw.rt.store, { principal: 'temp' });
    await gw.rt.store.revokeApiKey(tmp.record.id);
    expect((await rawPost(gw.url, INIT, { authorization: `Bearer ${tmp.key}` })).status).toBe(401);
  });

  it('a JWT with the right issuer and audience works; wrong audience, wrong issuer, expired, alg none are refused', async () => {
    const good = await jwtFor({ sub: 'carol', groups: ['ops'] });
    const c = await httpClient(gw.url, { headers: { authorization: `Bearer ${good}` } });
    expect((await c.listTools()).tools.length).toBeGreaterThan(0);
    await c.close();
    for (const bad of [
      await jwtFor({ sub: 'carol' }, { aud: 'https://other.example/mcp' }),
      await jwtFor({ sub: 'carol' }, { iss: 'https://evil.example' }),
      await jwtFor({ sub: 'carol', exp: Math.floor(Date.now() / 1000) - 3600 }, { exp: '-1h' }),
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'carol', iss: issuer, aud: audience, exp: 9e9 })).toString('base64url')}.`,
    ]) {
      const r = await rawPost(gw.url, INIT, { authorization: `Bearer ${bad}` });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    }
  });

  it('session hijacking: another principal presenting a session id gets 404, as for an unknown session', async () => {
    const c = await httpClient(gw.url, { headers: { authorization: `Bearer ${alice}` } });
    const sid = (c.transport as { sessionId?: string }).sessionId!;
    const r = await rawPost(gw.url, JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/list' }), { authorization: `Bearer ${bob}`, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
    expect(r.status).toBe(404);
    // The owner still can.
    expect((await c.listTools()).tools.length).toBeGreaterThan(0);
    await c.close();
  });

  it('token passthrough: the client token never reaches an upstream; the gateway injects its own credential', async () => {
    const c = await httpClient(gw.url, { headers: { authorization: `Bearer ${alice}`, 'x-client-header': 'should-not-pass' } });
    await c.callTool({ name: 'hdr__whoami', arguments: {} });
    await c.close();
    // Read what the upstream received straight from the fixture, not through the gateway (whose
    // secrets detector would, rightly, redact the credential in the result).
    const direct = await httpClient(headersFx.url); // no credential of its own: any we find came from the gateway
    const rec = await direct.callTool({ name: 'received_headers', arguments: {} });
    await direct.close();
    const requests = (rec.structuredContent as { requests: Array<{ headers: Record<string, string> }> }).requests;
    const all = JSON.stringify(requests);
    expect(all).toContain('Bearer upstream-secret-held-by-gateway');
    expect(all).not.toContain(alice);
    expect(all).not.toContain('should-not-pass');
  });
});

describe('auth: none is refused beyond loopback', () => {
  it('fails to start with a message naming the fix', async () => {
    await expect(startTestGateway(`auth: none\nlisten: { host: 0.0.0.0 }\nmcpServers: {}\n`)).rejects.toThrow(/auth: none is only allowed when listen.host is loopback/);
  });
});
