/**
 * Downstream stdio listener: the gateway speaks MCP on its own stdin/stdout, so a client
 * config line that starts a server can start `portcullis stdio` instead. Logs go to stderr.
 */
import type { Readable, Writable } from 'node:stream';
import { JSONRPC, ErrorCodes } from '../errors.js';
import type { Principal } from '../pipeline/types.js';
import { LineSplitter } from '../transports/lines.js';
import type { Gateway } from './gateway.js';
import type { Session } from './session.js';
import type { Json } from './upstream.js';
import { hasEnvelopeClaim } from './era/envelope.js';
import { EnvelopeState, type Sink } from './era/envelope-state.js';

export function serveStdio(gw: Gateway, principal: Principal, input: Readable = process.stdin, output: Writable = process.stdout): { session: Session; done: Promise<void> } {
  const limit = gw.config.limits.maxStreamBufferBytes;
  let endSession = () => {};
  let overflowed = false;
  const write = (m: unknown) =>
    new Promise<void>((resolve, reject) => {
      if (overflowed) return reject(new Error('the client is not reading its stdout'));
      const ok = output.write(JSON.stringify(m) + '\n', (e) => (e ? reject(e) : undefined));
      if (output.writableLength > limit) {
        // A client that does not read: end the session (this process) rather than queue without bound.
        overflowed = true;
        gw.log.warn({ queued: output.writableLength, limit }, 'client is not reading stdout: session closed (limits.maxStreamBufferBytes)');
        endSession();
        return reject(new Error('the client is not reading its stdout'));
      }
      if (ok) resolve();
      else output.once('drain', () => resolve());
    });
  const session = gw.createSession(principal, 'stdio', { send: (m) => write(m) });
  session.prestartUpstreams();
  // A client that opens with a 2026-07-28 envelope (no initialize) is served per request from then on.
  let envelope: EnvelopeState | undefined;
  const line = (m: unknown) => void write(m).catch(() => undefined);
  // The pipe closing ends the whole gateway process, which cancels what is in flight: no per-exchange close hooks.
  const sink: Sink = { reject: (_status, m) => line(m), accepted() {}, event: line, end: line, stream() {}, onClose() {}, close() {} };
  const perRequest = (m: Json): boolean => {
    if (!envelope) {
      if (session.initialized || !hasEnvelopeClaim(m)) return false;
      envelope = new EnvelopeState(gw, { maxTtlMs: 0, stateTtlMs: 10 * 60_000, idleMs: 24 * 3600_000 });
      void gw.closeSession(session); // its children were started for a session-era client
    }
    void envelope.handleMessage(sink, principal, m, undefined);
    return true;
  };
  const max = gw.config.limits.maxMessageBytes;
  const lines = new LineSplitter(
    max,
    (line) => {
      if (!line.trim()) return;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch (e) {
        void write({ jsonrpc: '2.0', id: null, error: { code: JSONRPC.PARSE_ERROR, message: `Parse error: ${(e as Error).message}` } });
        return;
      }
      if (Array.isArray(msg)) {
        for (const m of msg) if (m && typeof m === 'object' && !perRequest(m as Json)) session.handle(m as Json);
        return;
      }
      if (!msg || typeof msg !== 'object') {
        void write({ jsonrpc: '2.0', id: null, error: { code: JSONRPC.INVALID_REQUEST, message: 'Invalid Request: expected a JSON-RPC object' } });
        return;
      }
      if (!perRequest(msg as Json)) session.handle(msg as Json);
    },
    () => void write({ jsonrpc: '2.0', id: null, error: { code: ErrorCodes.PCX_MESSAGE_TOO_LARGE, message: `message larger than limits.maxMessageBytes (${max} bytes); discarded`, data: { code: 'PCX_MESSAGE_TOO_LARGE' } } }),
  );
  input.on('data', (d: Buffer) => lines.push(d));
  const done = new Promise<void>((resolve) => {
    const end = () => {
      void Promise.all([gw.closeSession(session), envelope?.close()]).then(() => resolve());
    };
    endSession = end;
    input.once('end', end);
    input.once('close', end);
  });
  return { session, done };
}
