/**
 * The live feed behind `GET /api/events` (Server-Sent Events): decisions as they are audited,
 * registry status changes, approval decisions. Publishing costs one size check when nobody listens,
 * so the gateway's hot path pays nothing for an unused console.
 */
import type { AuditEvent } from '../audit/event.js';

export type FeedMessage =
  | { type: 'decision'; event: AuditEvent }
  | { type: 'registry'; change: { kind: string; server: string; name: string; status: string } }
  | { type: 'approval'; ticket: string; status: string; by: string; reason?: string }
  | { type: 'upstream'; server: string; up: boolean };

export type FeedListener = (m: FeedMessage) => void;

/** Upstream health as last reported by the gateway. */
export interface UpstreamHealth {
  up: boolean;
  since: string;
  restarts: number;
}

export class Feed {
  private readonly listeners = new Set<FeedListener>();
  readonly upstreams = new Map<string, UpstreamHealth>();

  get size(): number {
    return this.listeners.size;
  }

  subscribe(l: FeedListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  publish(m: FeedMessage): void {
    if (this.listeners.size === 0) return;
    for (const l of this.listeners) {
      try {
        l(m);
      } catch {
        /* one broken stream must not stop the others */
      }
    }
  }

  upstreamHealth(server: string, up: boolean): void {
    const prev = this.upstreams.get(server);
    if (prev?.up === up) return;
    this.upstreams.set(server, { up, since: new Date().toISOString(), restarts: prev?.restarts ?? 0 });
    this.publish({ type: 'upstream', server, up });
  }

  upstreamRestart(server: string): void {
    const prev = this.upstreams.get(server);
    this.upstreams.set(server, { up: prev?.up ?? false, since: prev?.since ?? new Date().toISOString(), restarts: (prev?.restarts ?? 0) + 1 });
  }
}
