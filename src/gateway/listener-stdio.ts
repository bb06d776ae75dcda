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
        for (const m of msg) if (m && typeof m === 'object') session.handle(m as Json);
        return;
      }
      if (!msg || typeof msg !== 'object') {
        void write({ jsonrpc: '2.0', id: null, error: { code: JSONRPC.INVALID_REQUEST, message: 'Invalid Request: expected a JSON-RPC object' } });
        return;
      }
      session.handle(msg as Json);
    },
    () => void write({ jsonrpc: '2.0', id: null, error: { code: ErrorCodes.PCX_MESSAGE_TOO_LARGE, message: `message larger than limits.maxMessageBytes (${max} bytes); discarded`, data: { code: 'PCX_MESSAGE_TOO_LARGE' } } }),
  );
  input.on('data', (d: Buffer) => lines.push(d));
  const done = new Promise<void>((resolve) => {
    const end = () => {
      void gw.closeSession(session).then(resolve);
    };
    endSession = end;
    input.once('end', end);
    input.once('close', end);
  });
  return { session, done };
}
