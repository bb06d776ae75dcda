import { describe, expect, it } from 'vitest';
import { RELATED_CALL_KEY, tagEvent, tagNotifications } from './sse-tag.js';

async function through(chunks: string[], callId: number): Promise<string> {
  const src = new ReadableStream<Uint8Array>({
    start(c) {
      for (const s of chunks) c.enqueue(new TextEncoder().encode(s));
      c.close();
    },
  });
  return new Response(tagNotifications(src, callId)).text();
}

const dataOf = (sse: string) =>
  sse
    .split(/\n\n|\r\n\r\n/)
    .filter((e) => e.includes('data:'))
    .map((e) => JSON.parse(e.split(/\r?\n/).find((l) => l.startsWith('data:'))!.slice(5).trim()));

describe('tagNotifications', () => {
  const log = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } });
  const result = JSON.stringify({ jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'the "method" word' }] } });

  it('marks notifications with the call id, keeps responses byte for byte', async () => {
    const out = await through([`event: message\nid: 1\ndata: ${log}\n\n`, `event: message\ndata: ${result}\n\n`], 42);
    const [n, r] = dataOf(out);
    expect(n.params._meta[RELATED_CALL_KEY]).toBe(42);
    expect(n.params.data).toBe('x');
    expect(out).toContain('id: 1\n');
    expect(out.endsWith(`data: ${result}\n\n`)).toBe(true);
  });

  it('finds events split anywhere across chunks, CRLF separators included', async () => {
    const whole = `data: ${log}\r\n\r\ndata: ${result}\n\n`;
    for (let cut = 1; cut < whole.length; cut += 7) {
      const out = await through([whole.slice(0, cut), whole.slice(cut, cut + 3), whole.slice(cut + 3)], 5);
      const msgs = dataOf(out);
      expect(msgs).toHaveLength(2);
      expect(msgs[0].params._meta[RELATED_CALL_KEY]).toBe(5);
      expect(msgs[1]).toEqual(JSON.parse(result));
    }
  });

  it('a server cannot choose the mark: its own value under a look-alike key is not the key, and the key is random per process', () => {
    expect(RELATED_CALL_KEY).toMatch(/^dev\.portcullis\/related-call-[\w-]{12}$/);
    const forged = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { _meta: { 'dev.portcullis/related-call': 1 }, level: 'info', data: 'y' } });
    const tagged = JSON.parse(tagEvent(Buffer.from(`data: ${forged}`), 9).toString().slice(6));
    expect(tagged.params._meta[RELATED_CALL_KEY]).toBe(9);
  });

  it('leaves requests (server→client) and unparsable data alone', () => {
    const req = Buffer.from(`data: ${JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'sampling/createMessage', params: {} })}`);
    expect(tagEvent(req, 1)).toBe(req);
    const junk = Buffer.from('data: {"method": nope');
    expect(tagEvent(junk, 1)).toBe(junk);
  });

  it('random chunkings of a mixed stream: untagged bytes unchanged, every notification tagged, nothing lost', async () => {
    const mixed = (big: string) => [
      `event: message\nid: 1\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: big } })}`,
      `data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'p', progress: 1 } })}`,
      `data: ${JSON.stringify({ jsonrpc: '2.0', id: 4, result: { text: `the "method" and ${big}` } })}`,
      `data: ${JSON.stringify({ jsonrpc: '2.0', id: 5, result: { text: big } })}`,
    ];
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 16; round++) {
      // Odd rounds: tiny chunks (separators and "method" straddle them) over small events; even: large ones.
      const events = mixed('y'.repeat(round % 2 ? 200 : 70_000));
      const whole = events.join('\n\n') + '\n\n';
      const chunks: string[] = [];
      for (let i = 0; i < whole.length; ) {
        const n = 1 + rnd(round % 2 ? 9 : 40_000);
        chunks.push(whole.slice(i, i + n));
        i += n;
      }
      const out = await through(chunks, 3);
      const got = out.split('\n\n').filter(Boolean);
      expect(got).toHaveLength(4);
      expect(JSON.parse(got[0]!.split('\n').find((l) => l.startsWith('data:'))!.slice(6)).params._meta[RELATED_CALL_KEY]).toBe(3);
      expect(got[0]).toContain('id: 1');
      expect(JSON.parse(got[1]!.slice(6)).params._meta[RELATED_CALL_KEY]).toBe(3);
      expect(got[2]).toBe(events[2]);
      expect(got[3]).toBe(events[3]);
    }
    const plain = mixed('y'.repeat(70_000)).slice(2).join('\n\n') + '\n\n';
    expect(await through([plain.slice(0, 5), plain.slice(5, 70_001), plain.slice(70_001)], 1)).toBe(plain);
  });
});
