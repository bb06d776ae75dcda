import type { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { StdioChildTransport } from './stdio-child.js';

const log = { debug() {}, info() {}, warn() {}, error() {} } as unknown as ConstructorParameters<typeof StdioChildTransport>[0]['log'];

// A child that answers every request line with a response carrying the same id.
const ECHO = `
let buf = '';
process.stdin.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const m = JSON.parse(buf.slice(0, i));
    buf = buf.slice(i + 1);
    process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { echo: m.params } }) + '\\n');
  }
});
`;

describe('StdioChildTransport writes', () => {
  let t: StdioChildTransport | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('sends past the pipe high-water mark arrive intact and in order, waiting on one drain listener', async () => {
    t = new StdioChildTransport({ command: process.execPath, args: ['-e', ECHO], env: {}, maxLineBytes: 1 << 24, log, name: 'echo' });
    const got: JSONRPCMessage[] = [];
    t.onmessage = (m) => got.push(m);
    await t.start();
    const stdin = (t as unknown as { child: { stdin: Writable } }).child.stdin;
    const before = stdin.listenerCount('drain');
    const n = 50;
    const big = 'x'.repeat(8_000_000); // past the stream's high-water mark: every later send meets back-pressure
    const sent = Array.from({ length: n }, (_, i) => t!.send({ jsonrpc: '2.0', id: i, method: 'm', params: { i, s: i === 7 ? big : 'é✓' } }));
    expect(stdin.writableNeedDrain).toBe(true);
    expect(stdin.listenerCount('drain') - before).toBe(1);
    await Promise.all(sent);
    await expect.poll(() => got.length, { timeout: 5000 }).toBe(n);
    expect(got.map((m) => (m as { id: number }).id)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect((got[7] as unknown as { result: { echo: { s: string } } }).result.echo.s).toBe(big);
    expect((got[8] as unknown as { result: { echo: { s: string } } }).result.echo.s).toBe('é✓');
    expect(stdin.listenerCount('drain')).toBe(before);
  });
});
