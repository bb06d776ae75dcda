/**
 * Where a downstream client's protocol state lives, per era.
 *
 * - `session` (2025-11-25 and earlier): the client opens a session with `initialize` and names it in
 *   `Mcp-Session-Id` (or holds a stdio pipe / legacy SSE stream); the state is the gateway `Session`
 *   and its transport (session-era.ts; listener-stdio.ts for the pipe).
 * - `envelope` (2026-07-28): every request carries protocol version, client info and capabilities in
 *   `_meta`; there is no handshake and no session id. The state is derived per request from the
 *   envelope and the request's own credentials (envelope-state.ts).
 *
 * The HTTP listener (listener-http.ts) does what every era shares — Host/Origin checks,
 * authentication, the bounded body read and its one JSON parse — and then asks each era in turn
 * whether it claims the request (body first: the envelope claim decides, as the SDK's classifier
 * does; the session era, asked last, takes the rest) and hands it over. Both eras end in the same
 * `Session` request path, so authorization, inspection and audit are the same code for both.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../../pipeline/types.js';

export type Era = 'session' | 'envelope';

/** A POST body that passed the listener's checks (size, JSON, Accept / Content-Type, JSON-RPC shape). */
export interface ParsedPost {
  messages: Array<Record<string, unknown>>;
  batch: boolean;
}

export interface DownstreamEra {
  readonly era: Era;
  /**
   * Whether this era serves the request (cheap: a few property reads). `post` is the parsed body of a
   * POST, undefined for a request without one (GET, DELETE, anything else).
   */
  claims(req: IncomingMessage, post: ParsedPost | undefined): boolean;
  /** Serve a request this era claimed; `principal` comes from this request's own credentials. */
  handle(req: IncomingMessage, res: ServerResponse, principal: Principal, post: ParsedPost | undefined): Promise<void>;
  close(): Promise<void>;
}
