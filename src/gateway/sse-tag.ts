/**
 * Which call a server's notification belongs to, on a Streamable HTTP connection.
 *
 * A server sends the notifications of a request (its log lines, above all) on that request's own
 * response stream (the SSE body of the POST), but the SDK client transport hands every message to one
 * `onmessage`, and the stream it came on is lost. On a connection that serves several callers (a pool
 * member), a log line would then name no caller, and had to be dropped.
 *
 * So the gateway marks them on the way in: the POST's SSE body is read through `tagNotifications`,
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
const EMPTY = Buffer.alloc(0);
/** Bytes kept from the held ones to find what straddles chunks (the longer of "method" and a separator, less one). */
const TAIL = METHOD.length - 1;

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

/** The first event end in `buf` at or after `from`: where the separator starts and where the next event begins. */
function nextEnd(buf: Buffer, from: number): { at: number; next: number } | undefined {
  const b = boundary(buf, from);
  return b && { at: b[0], next: b[0] + b[1] };
}

/**
 * The SSE body `body` answering upstream request `callId`, with its notifications marked. An event that does not
 * hold `"method"` passes as the same bytes; one that is still arriving is held as the chunks it came in (joined
 * only when it must be parsed), as the SDK's own parser holds it until it ends. A pull-based wrapper rather than a
 * TransformStream: it costs a fraction as much per response (most answers are one small chunk).
 */
export function tagNotifications(body: ReadableStream<Uint8Array>, callId: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const tagger = new Tagger(callId);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let emitted = false;
      const out = (b: Uint8Array) => {
        emitted = true;
        controller.enqueue(b);
      };
      while (!emitted) {
        const { value, done } = await reader.read();
        if (done) {
          tagger.end(out);
          controller.close();
          return;
        }
        tagger.write(value, out);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

type Emit = (b: Uint8Array) => void;

class Tagger {
  /** The chunks of the event still arriving. */
  private held: Buffer[] = [];
  /** Whether "method" occurs in the held bytes (then the event is joined and parsed when it ends). */
  private method = false;
  /** The held bytes' last few: a separator or "method" may straddle two chunks. */
  private tail: Buffer = EMPTY;

  constructor(private readonly callId: number) {}

  /** Split complete events off `buf` (tagging them), hold the rest. */
  private take(buf: Buffer, out: Emit): void {
    let from = 0;
    for (let e = nextEnd(buf, 0); e; e = nextEnd(buf, from)) {
      out(tagEvent(buf.subarray(from, e.at), this.callId));
      out(buf.subarray(e.at, e.next));
      from = e.next;
    }
    const rest = buf.subarray(from);
    this.held = rest.length ? [rest] : [];
    this.method = rest.indexOf(METHOD) >= 0;
    this.tail = rest.subarray(-TAIL);
  }

  write(chunk: Uint8Array, out: Emit): void {
    const c = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!this.held.length) return this.take(c, out);
    // Bytes are held: does the held event end in this chunk (its separator may begin in the held bytes)?
    const win = Buffer.concat([this.tail, c.subarray(0, TAIL)]);
    const cross = nextEnd(win, 0);
    const inChunk = cross ? undefined : nextEnd(c, 0);
    const grows = !cross && !inChunk;
    if (!this.method && (win.indexOf(METHOD) >= 0 || (grows ? c : inChunk ? c.subarray(0, inChunk.at) : EMPTY).indexOf(METHOD) >= 0)) this.method = true;
    if (grows) {
      this.held.push(c);
      this.tail = c.length >= TAIL ? c.subarray(-TAIL) : Buffer.concat([this.tail, c]).subarray(-TAIL);
      return;
    }
    if (this.method) {
      // The held event may be a notification: joined, then split as one buffer.
      const buf = Buffer.concat([...this.held, c]);
      this.held = [];
      return this.take(buf, out);
    }
    // Not a notification: its bytes (and the separator) pass as they came; the rest of the chunk is split afresh.
    const next = cross ? cross.next - this.tail.length : inChunk!.next;
    for (const h of this.held) out(h);
    out(c.subarray(0, next));
    this.take(c.subarray(next), out);
  }

  end(out: Emit): void {
    for (const h of this.held) out(h);
    this.held = [];
  }
}
