/**
 * Where a downstream client's protocol state lives, per era.
 *
 * - `session` (2025-11-25 and earlier): the client opens a session with `initialize` and names it in
 *   `Mcp-Session-Id` (or holds a stdio pipe / legacy SSE stream); the state is the gateway `Session`
 *   and its transport (listener-http.ts, listener-stdio.ts).
 * - `envelope` (2026-07-28): every request carries protocol version, client info and capabilities in
 *   `_meta`; there is no handshake and no session id. The state is derived per request from the
 *   envelope and the request's own credentials (envelope-state.ts).
 *
 * The HTTP listener asks each era whether it claims a POST (body first: the envelope claim decides,
 * as the SDK's classifier does) and hands it over; both eras end in the same `Session` request path,
 * so authentication, authorization, inspection and audit are the same code for both.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../../pipeline/types.js';

export type Era = 'session' | 'envelope';

export interface ParsedPost {
  messages: Array<Record<string, unknown>>;
  batch: boolean;
}

export interface DownstreamEra {
  readonly era: Era;
  /** Whether this era serves the POST (cheap: a few property reads). */
  claims(req: IncomingMessage, post: ParsedPost): boolean;
  /** Serve it; `principal` comes from this request's own credentials. */
  handlePost(req: IncomingMessage, res: ServerResponse, principal: Principal, post: ParsedPost): Promise<void>;
  close(): Promise<void>;
}
