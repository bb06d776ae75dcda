import { describe, expect, it } from 'vitest';
import { RELATED_CALL_KEY, tagEvent, tagNotifications } from './sse-tag.js';

async function through(chunks: string[], callId: number): Promise<string> {
  const src = new ReadableStream<Uint8Array>({
    start(c) {
      for (const s of chunks) c.enqueue(new TextEncoder().encode(s));
      c.close();
    },
  });
  return new Response(src.pipeThrough(tagNotifications(callId))).text();
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
});
