/**
 * The requests a session sends its client (sampling, elicitation, roots relayed from an upstream; the
 * gateway's own approval prompts), under ids of the session's own: the upstream's id never reaches the
 * client, and an answer is matched to the request by that id only. Each one ends exactly once: the
 * client's answer, a timeout, a failed send, the upstream withdrawing it, or the session closing.
 */
import { ErrorCodes, JSONRPC } from '../errors.js';
import type { Json, RpcId, Upstream } from './upstream.js';

interface Open {
  resolve(msg: Json): void;
  upstream?: Upstream;
  upstreamId?: RpcId;
}

export class ClientRequests {
  private readonly open = new Map<number, Open>();
  private next = 1;

  constructor(private readonly send: (msg: Json, relatedTo?: RpcId) => Promise<void>) {}

  /** How many are waiting for the client. */
  get size(): number {
    return this.open.size;
  }

  /** Whether `id` is one of ours still waiting for an answer. */
  has(id: unknown): boolean {
    return typeof id === 'number' && this.open.has(id);
  }

  /** The id the upstream gave the request relayed under `ourId` (a 2026-07-28 inputRequests key rides in it). */
  relayedId(ourId: number): RpcId | undefined {
    return this.open.get(ourId)?.upstreamId;
  }

  /**
   * Send `request` to the client under a new id of ours, on the stream of `relatedTo`, and resolve with its
   * answer (an error response when it does not come in time or cannot be sent).
   */
  ask(request: Json, relatedTo: RpcId | undefined, timeoutMs: number, relayedFrom?: { upstream: Upstream; upstreamId: RpcId }): Promise<Json> {
    const ourId = this.next++;
    const method = String(request.method);
    return new Promise<Json>((resolve) => {
      const timer = setTimeout(() => {
        if (this.open.delete(ourId)) resolve({ jsonrpc: '2.0', id: ourId, error: { code: ErrorCodes.PCX_UPSTREAM_TIMEOUT, message: `the client did not answer ${method} in time` } });
      }, timeoutMs);
      timer.unref?.();
      this.open.set(ourId, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        ...relayedFrom,
      });
      this.send({ ...request, id: ourId }, relatedTo).catch((e: Error) => {
        if (this.open.delete(ourId)) {
          clearTimeout(timer);
          resolve({ jsonrpc: '2.0', id: ourId, error: { code: JSONRPC.INTERNAL_ERROR, message: `could not reach the client: ${e.message}` } });
        }
      });
    });
  }

  /** A response from the client: settles the request it answers (ignored when it answers none of ours). */
  answer(msg: Json): void {
    const id = msg.id;
    const entry = typeof id === 'number' ? this.open.get(id) : undefined;
    if (!entry) return;
    this.open.delete(id as number);
    entry.resolve(msg);
  }

  /** The upstream cancelled its request `upstreamId`: ours for it end with an error; their ids are returned (to tell the client). */
  withdrawn(upstream: Upstream, upstreamId: unknown): number[] {
    const ours: number[] = [];
    for (const [ourId, r] of this.open) {
      if (r.upstream !== upstream || r.upstreamId !== upstreamId) continue;
      this.open.delete(ourId);
      r.resolve({ jsonrpc: '2.0', id: ourId, error: { code: JSONRPC.INTERNAL_ERROR, message: 'cancelled by the server' } });
      ours.push(ourId);
    }
    return ours;
  }

  /** The session ends: every open request ends with an error. */
  closeAll(): void {
    for (const r of this.open.values()) r.resolve({ jsonrpc: '2.0', id: 0, error: { code: JSONRPC.INTERNAL_ERROR, message: 'session closed' } });
    this.open.clear();
  }
}
