/**
 * Which call a server's notification belongs to, on a Streamable HTTP connection.
 *
 * A server sends the notifications of a request (its log lines, above all) on that request's own
 * response stream (the SSE body of the POST), but the SDK client transport hands every message to one
 * `onmessage`, and the stream it came on is lost. On a connection that serves several callers (a pool
 * member), a log line would then name no caller, and had to be dropped.
 *
 * So the gateway marks them on the way in: the POST's SSE body passes through `tagNotifications`,
 * which writes the gateway's upstream id of that request into the `_meta` of every notification on it,
 * under a key that is random per process (`RELATED_CALL_KEY`). A server cannot forge it (it never sees
 * the key), and it can only address the call whose stream it writes on — i.e. the caller who asked.
 * Upstream strips the key before anything else reads the message.
 *
 * The cost stays small on the relay path: events are split on the raw bytes, and only an event that
 * holds `"method"` is decoded and parsed; responses and everything else pass through as the same bytes.
 */
import { randomBytes } from 'node:crypto';

/** The `_meta` key of the mark (random per process: nobody outside the gateway can write it). */
export const RELATED_CALL_KEY = `dev.portcullis/related-call-${randomBytes(9).toString('base64url')}`;

const METHOD = Buffer.from('"method"');
const LF2 = Buffer.from('\n\n');
const CRLF2 = Buffer.from('\r\n\r\n');

/** Where the first event ends in `buf` (searching from `from`): [index, separator length], or undefined. */
function boundary(buf: Buffer, from: number): [number, number] | undefined {
  const a = buf.indexOf(LF2, from);
  const b = buf.indexOf(CRLF2, from);
  if (a < 0 && b < 0) return undefined;
  if (b < 0 || (a >= 0 && a < b)) return [a, 2];
  return [b, 4];
}

/** One SSE event (without its separator), with the mark added when it is a JSON-RPC notification. */
export function tagEvent(event: Buffer, callId: number): Buffer {
  if (event.indexOf(METHOD) < 0) return event;
  const text = event.toString('utf8');
  const lines = text.split(/\r\n|\n|\r/);
  const data: string[] = [];
  const other: string[] = [];
  for (const l of lines) {
    if (l.startsWith('data:')) data.push(l.slice(l[5] === ' ' ? 6 : 5));
    else other.push(l);
  }
  if (!data.length) return event;
  let msg: unknown;
  try {
    msg = JSON.parse(data.join('\n'));
  } catch {
    return event; // not ours to judge: the transport reports it
  }
  if (!msg || typeof msg !== 'object' || Array.isArray(msg)) return event;
  const m = msg as { id?: unknown; method?: unknown; params?: Record<string, unknown> };
  if (typeof m.method !== 'string' || m.id !== undefined) return event; // a request or a response: as it came
  const params = m.params && typeof m.params === 'object' ? m.params : {};
  const meta = params._meta && typeof params._meta === 'object' ? (params._meta as Record<string, unknown>) : {};
  const tagged = { ...m, params: { ...params, _meta: { ...meta, [RELATED_CALL_KEY]: callId } } };
  return Buffer.from([...other.filter((l) => l !== ''), `data: ${JSON.stringify(tagged)}`].join('\n'), 'utf8');
}

/** A byte stream transform that marks the notifications of the SSE body answering upstream request `callId`. */
export function tagNotifications(callId: number): TransformStream<Uint8Array, Uint8Array> {
  let parts: Buffer[] = [];
  /** The last bytes held (up to 3): a separator may straddle chunks. */
  let tail: Buffer = Buffer.alloc(0);
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, out) {
      const c = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const win = tail.length ? Buffer.concat([tail, c]) : c;
      if (!boundary(win, 0)) {
        parts.push(c);
        tail = win.subarray(-3);
        return;
      }
      let buf: Buffer = parts.length ? Buffer.concat([...parts, c]) : c;
      parts = [];
      tail = Buffer.alloc(0);
      let from = 0;
      for (let b = boundary(buf, 0); b; b = boundary(buf, from)) {
        const [at, len] = b;
        out.enqueue(tagEvent(buf.subarray(from, at), callId));
        out.enqueue(buf.subarray(at, at + len));
        from = at + len;
      }
      buf = buf.subarray(from);
      if (buf.length) {
        parts.push(buf);
        tail = buf.subarray(-3);
      }
    },
    flush(out) {
      if (parts.length) out.enqueue(Buffer.concat(parts));
    },
  });
}
