/**
 * Admin API routes (on the admin port, loopback by default; bearer `admin.token` otherwise):
 *
 *   GET  /api/sessions                      open sessions: id, principal, client, transport, taint
 *   POST /api/sessions/<id>/revoke          end a session now, and refuse its id from then on
 *   POST /api/principals/<id>/revoke        refuse every call of a principal for `?for=` (default 1h)
 *   GET  /api/approvals?status=pending      approval tickets (pending, approved, denied, expired; all without ?status)
 *   POST /api/approvals/<ticket>/approve    let the ticket's call through once (`?by=` names the approver)
 *   POST /api/approvals/<ticket>/deny       refuse it
 *
 * Revocations go to the coordination backend, so with Redis every replica honours them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Coord } from '../coord/types.js';
import type { Principal } from '../shared/principal.js';

/** The session fields the admin API shows. */
export interface AdminSessionView {
  id: string;
  principal: Principal;
  clientInfo?: { name: string; version: string };
  transport: string;
  taint: Set<string>;
  lastActivity: number;
}

/** What the admin API needs of the gateway (structural, so admin/ does not import gateway/: the gateway's runtime imports admin/). */
export interface AdminGateway {
  readonly sessions: ReadonlyMap<string, AdminSessionView>;
  closeSession(s: AdminSessionView): Promise<void>;
}
import { ms } from '../config/schema.js';
import type { AdminRoute } from './server.js';
import type { ApprovalRecord, Store } from '../store/types.js';
import { decideTicket } from '../pipeline/interceptors/approval.js';

const TICKET_STATUSES: readonly string[] = ['pending', 'approved', 'denied', 'expired'];

function json(res: ServerResponse, status: number, body: unknown): true {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
  return true;
}

export function adminApi(gw: AdminGateway, coord: Coord, approvals: { store: Store; ttlMs: number }): AdminRoute {
  return async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (!url.pathname.startsWith('/api/')) return false;
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent); // ['api', 'sessions', id, 'revoke']
    if (req.method === 'GET' && parts.length === 2 && parts[1] === 'sessions') {
      return json(res, 200, {
        sessions: [...gw.sessions.values()].map((s) => ({
          id: s.id,
          principal: s.principal.id,
          groups: s.principal.groups,
          client: s.clientInfo,
          transport: s.transport,
          taint: [...s.taint],
          idleSeconds: Math.round((Date.now() - s.lastActivity) / 1000),
        })),
      });
    }
    if (req.method === 'POST' && parts.length === 4 && parts[3] === 'revoke') {
      const ttl = ms(url.searchParams.get('for') ?? '1h', 3_600_000);
      const id = parts[2]!;
      if (parts[1] === 'sessions') {
        await coord.revoke(`session:${id}`, ttl);
        const s = gw.sessions.get(id);
        if (s) await gw.closeSession(s);
        return json(res, 200, { revoked: `session:${id}`, closed: Boolean(s), forSeconds: ttl / 1000 });
      }
      if (parts[1] === 'principals') {
        await coord.revoke(`principal:${id}`, ttl);
        let closed = 0;
        for (const s of [...gw.sessions.values()]) {
          if (s.principal.id === id) {
            await gw.closeSession(s);
            closed++;
          }
        }
        return json(res, 200, { revoked: `principal:${id}`, closedSessions: closed, forSeconds: ttl / 1000 });
      }
    }
    if (parts[1] === 'approvals') {
      if (req.method === 'GET' && parts.length === 2) {
        const status = url.searchParams.get('status') ?? undefined;
        if (status !== undefined && !TICKET_STATUSES.includes(status)) return json(res, 400, { error: `status must be one of ${TICKET_STATUSES.join(', ')}` });
        return json(res, 200, { approvals: await approvals.store.listApprovals(status as ApprovalRecord['status'] | undefined) });
      }
      const verdict = parts[3];
      if (req.method === 'POST' && parts.length === 4 && (verdict === 'approve' || verdict === 'deny')) {
        const by = url.searchParams.get('by') || 'admin-api';
        const ok = await decideTicket(approvals.store, parts[2]!, verdict, by, approvals.ttlMs);
        if (!ok) return json(res, 409, { error: `no pending ticket ${parts[2]!}: unknown, decided already, or expired` });
        return json(res, 200, { ticket: parts[2], status: verdict === 'approve' ? 'approved' : 'denied', by });
      }
    }
    return json(res, 404, { error: `no admin route ${req.method} ${url.pathname}` });
  };
}
