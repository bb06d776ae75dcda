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

  it('messages sent in one event-loop turn leave in one write, intact and in order', async () => {
    t = new StdioChildTransport({ command: process.execPath, args: ['-e', ECHO], env: {}, maxLineBytes: 1 << 20, log, name: 'echo' });
    const got: JSONRPCMessage[] = [];
    t.onmessage = (m) => got.push(m);
    await t.start();
    const stdin = (t as unknown as { child: { stdin: Writable & { _write: unknown; _writev: unknown } } }).child.stdin;
    let writes = 0;
    for (const k of ['_write', '_writev'] as const) {
      const orig = stdin[k] as (...a: unknown[]) => unknown;
      stdin[k] = function (this: unknown, ...a: unknown[]) {
        writes++;
        return orig.apply(this, a);
      };
    }
    const n = 50;
    const big = 'x'.repeat(100_000); // past the stream's high-water mark: a send that waits for 'drain' still completes
    await Promise.all(Array.from({ length: n }, (_, i) => t!.send({ jsonrpc: '2.0', id: i, method: 'm', params: { i, s: i === 7 ? big : 'é✓' } })));
    expect(writes).toBe(1);
    await expect.poll(() => got.length, { timeout: 5000 }).toBe(n);
    expect(got.map((m) => (m as { id: number }).id)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect((got[7] as unknown as { result: { echo: { s: string } } }).result.echo.s).toBe(big);
    expect((got[8] as unknown as { result: { echo: { s: string } } }).result.echo.s).toBe('é✓');
    // The next turn writes again (the cork is per turn, not held).
    await t.send({ jsonrpc: '2.0', id: n, method: 'm', params: {} });
    await expect.poll(() => got.length, { timeout: 5000 }).toBe(n + 1);
    expect(writes).toBe(2);
  });
});
