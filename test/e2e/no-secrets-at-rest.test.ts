/**
 * OWASP MCP01 / MCP08: secrets that pass through the gateway (in results, in arguments, in the
 * gateway's own upstream credentials and the clients' API keys) never appear in the logs, the
 * audit store or the JSONL audit copy — even with logging at trace level.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { fixture, httpClient, startTestGateway } from '../helpers/gateway.js';
import { createApiKey } from '../../src/identity/apikeys.js';
import { startHttpFixture } from '../fixtures/harness.mjs';
import { SECRETS, PII } from '../fixtures/_data.mjs';

/**
 * The secret part of an API key (`pcx_<16 hex>_<43 base64url>`). Not `split('_')[2]`: base64url has `_` in it, so
 * that was sometimes a fragment of a few characters, which then matched by chance in the binary database file.
 */
const apiKeySecret = (key: string): string => {
  const m = /^pcx_[0-9a-f]{16}_([A-Za-z0-9_-]{43})$/.exec(key);
  if (m === null) throw new Error(`not an API key: ${key.slice(0, 8)}…`);
  return m[1]!;
};

describe('MCP01: no secret at rest', () => {
  it('greps the log, the audit store and the JSONL copy for every secret the test used', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pcx-secrets-'));
    const logFile = path.join(dir, 'gateway.log');
    const log = pino({ level: 'trace' }, pino.destination({ dest: logFile, sync: true }));
    const upstreamToken = 'gwheld_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
    const hdr = await startHttpFixture('headers.mjs');
    const gw = await startTestGateway(
      `
auth: { apiKeys: true }
mcpServers:
  inj: { command: node, args: ["${fixture('injector.mjs')}"], env: { UPSTREAM_API_TOKEN: "${upstreamToken}" } }
  hdr: { url: "${hdr.url}", type: http, headers: { Authorization: "Bearer ${upstreamToken}" } }
audit: { jsonl: "${path.join(dir, 'audit-copy.jsonl')}" }
observability: { logLevel: trace }
`,
      { keepDataDir: path.join(dir, 'data'), log },
    );
    const { key } = await createApiKey(gw.rt.store, { principal: 'alice' });
    try {
      const c = await httpClient(gw.url, { headers: { authorization: `Bearer ${key}` } });
      await c.callTool({ name: 'inj__leak_secrets', arguments: {} });
      await c.callTool({ name: 'inj__leak_pii', arguments: {} });
      await c.callTool({ name: 'inj__send_email', arguments: { to: 'a@b.test', body: `${SECRETS.awsAccessKeyId} ${SECRETS.awsSecretAccessKey} ${SECRETS.githubToken}` } }).catch(() => undefined);
      await c.callTool({ name: 'hdr__whoami', arguments: {} });
      await c.close();
    } finally {
      await gw.close();
      await hdr.close();
      log.flush();
    }
    const secrets = [SECRETS.awsAccessKeyId, SECRETS.awsSecretAccessKey, SECRETS.githubToken, 'MC4CAQAwBQYDK2VwBCIEIEsHnxrJvVxVW6xAvymb6z', upstreamToken, key, apiKeySecret(key)];
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, f.name);
        if (f.isDirectory()) walk(p);
        else if (!f.name.endsWith('.pem')) files.push(p);
      }
    };
    walk(dir);
    expect(files.some((f) => f.endsWith('portcullis.db'))).toBe(true);
    expect(files.some((f) => f.endsWith('audit-copy.jsonl'))).toBe(true);
    expect(readFileSync(logFile, 'utf8').length).toBeGreaterThan(100);
    for (const f of files) {
      const text = readFileSync(f).toString('latin1');
      for (const s of secrets) expect(text.includes(s), `${s.slice(0, 6)}… found in ${path.relative(dir, f)}`).toBe(false);
    }
    // Events record that the secrets were there (category, detector), never the values.
    const jsonl = readFileSync(path.join(dir, 'audit-copy.jsonl'), 'utf8');
    expect(jsonl).toContain('"category":"secret"');
    expect(jsonl).not.toContain(PII.iban);
    rmSync(dir, { recursive: true, force: true });
  });
});
