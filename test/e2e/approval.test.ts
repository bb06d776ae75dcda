/**
 * Human approval asked of the person at the client (MCP elicitation), end to end with the real SDK
 * client against server-everything: OWASP MCP02 (scope creep) and the spec's "human in the loop"
 * for sensitive tool calls. Ticket approval by CLI / admin API is in policy.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { EVERYTHING, httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
let asking: Client;
let plain: Client;
/** What the person at the `asking` client answers next, and what they were shown. */
let nextAnswer: { action: 'accept' | 'decline' | 'cancel'; content?: Record<string, unknown> };
const prompts: string[] = [];

beforeAll(async () => {
  gw = await startTestGateway(`
auth: none
approvals: { elicit: true, elicitTimeout: 10s }
mcpServers:${EVERYTHING}
policy:
  allow:
    - { id: echo-needs-a-human, principal: "*", tools: ["everything__echo"], obligations: [approve] }
`);
  asking = await httpClient(gw.url, { capabilities: { elicitation: {} } });
  asking.setRequestHandler(ElicitRequestSchema, async (req) => {
    prompts.push(req.params.message);
    return nextAnswer;
  });
  plain = await httpClient(gw.url);
});

afterAll(async () => {
  await Promise.all([asking?.close(), plain?.close()]);
  await gw?.close();
});

type RpcFailure = Error & { code?: number; data?: { rule?: string; ticket?: string } };
const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: RpcFailure) => e);
const echo = (c: Client, message: string) => c.callTool({ name: 'everything__echo', arguments: { message } });

describe('MCP02: approval asked in the client (approvals.elicit)', () => {
  it('the person sees who wants what and approves: the call goes through, and the audit event says so', async () => {
    nextAnswer = { action: 'accept', content: { approve: true } };
    expect(await echo(asking, 'ship it')).toEqual({ content: [{ type: 'text', text: 'Echo: ship it' }] });
    expect(prompts.at(-1)).toContain('echo-needs-a-human');
    expect(prompts.at(-1)).toContain('everything__echo');
    expect(prompts.at(-1)).toContain('ship it');
    const ev = (await gw.rt.store.queryAudit({ limit: 1000 })).map((c) => c.event).filter((e) => e.target === 'everything__echo' && e.decision === 'allow').at(-1);
    expect(ev?.approver).toMatch(/\(in the client\)$/);
  });

  it('each call is asked for again: approval is for one call', async () => {
    const before = prompts.length;
    nextAnswer = { action: 'accept', content: { approve: true } };
    await echo(asking, 'ship it');
    expect(prompts.length).toBe(before + 1);
  });

  it('declined in the client: denied with rule approval.denied', async () => {
    nextAnswer = { action: 'decline' };
    const err = await refusal(echo(asking, 'rm -rf'));
    expect(err?.data?.rule).toBe('approval.denied');
  });

  it('dismissed in the client, or a client without elicitation: a ticket for an approver instead', async () => {
    nextAnswer = { action: 'cancel' };
    const cancelled = await refusal(echo(asking, 'later'));
    expect(cancelled?.code).toBe(-32016);
    expect(cancelled?.data?.ticket).toMatch(/^apr_/);
    const before = prompts.length;
    const noElicitation = await refusal(echo(plain, 'from a plain client'));
    expect(noElicitation?.code).toBe(-32016);
    expect(prompts.length).toBe(before);
  });
});
