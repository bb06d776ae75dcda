/**
 * Human approval. A policy asks for it with `@obligation("approve")` (YAML: `obligations: [approve]`).
 *
 * The call is not held open while a person decides (minutes, across client timeouts and gateway
 * restarts); it is answered at once with PCX_APPROVAL_REQUIRED and a ticket, stored with a digest of
 * what was asked (principal, server, target, arguments). An approver decides with
 * `portcullis approvals approve|deny TICKET` or the admin API. When the client retries the same
 * call, the approved ticket lets it through once; any other call (other arguments, another
 * principal) needs its own ticket. Until a decision, a retry gets the same pending ticket back.
 *
 * With `approvals.elicit` on, a client that supports MCP elicitation is asked first: its user sees
 * who wants to call what, with which arguments, and approves or declines that one call there and
 * then (recorded as approved by that principal, "in the client"). No answer within
 * `approvals.elicitTimeout`, a cancelled prompt, or a client without elicitation falls back to a
 * ticket. This is self-approval by the person at the client; leave it off where approvals must come
 * from someone else.
 *
 * Fail closed: no store answer, no approval; an expired, denied or used ticket never lets a call pass.
 */
import { randomUUID } from 'node:crypto';
import { canonical, digest } from '../../audit/canonical.js';
import { redactJson } from '../../detect/redact.js';
import type { Finding } from '../../detect/types.js';
import type { ApprovalRecord, Store } from '../../store/types.js';
import { ALLOW, deny, type Interceptor, type PipelineContext, type Verdict } from '../types.js';

export const APPROVAL_REQUIRED_RULE = 'approval.required';
export const APPROVAL_DENIED_RULE = 'approval.denied';

export interface ApprovalOptions {
  store: Pick<Store, 'createApproval' | 'findApproval' | 'consumeApproval'>;
  /** How long a ticket waits for a decision, and how long an approval stays usable. */
  ttlMs: number;
  /** Ask the person at the client first (MCP elicitation), waiting at most this long; 0 = never ask. */
  elicitTimeoutMs?: number;
  /** Secrets and personal data are masked in the summary an approver reads (it is stored). */
  redact(text: string): Finding[];
  /** The policy set in force (a content hash): an approval holds only under the rules it was asked under. */
  policyVersion?: () => string;
}

const SUMMARY_ARGS_MAX = 600;

/** What the approver reads: who wants to call what, with the arguments masked and shortened. */
function summaryOf(ctx: PipelineContext, maskedArgs: unknown): string {
  const masked = maskedArgs === undefined ? '' : canonical(maskedArgs);
  const shown = masked.length > SUMMARY_ARGS_MAX ? `${masked.slice(0, SUMMARY_ARGS_MAX)}… (${masked.length} characters)` : masked;
  return `${ctx.session.principal.id} asks to call ${ctx.method} ${ctx.target.name ?? ''}${shown ? ` with ${shown}` : ''}`.trim();
}

const ASK_SCHEMA = {
  type: 'object',
  properties: { approve: { type: 'boolean', title: 'Allow this one call', default: false } },
  required: ['approve'],
};

export function createApprovalInterceptor(o: ApprovalOptions): Interceptor {
  const elicitMs = o.elicitTimeoutMs ?? 0;
  return {
    name: 'approval',
    // A person may be asked: the stage's own limit, not the pipeline's few seconds.
    ...(elicitMs > 0 ? { timeoutMs: elicitMs + 5_000 } : {}),
    async request(ctx: PipelineContext): Promise<Verdict> {
      if (!ctx.obligations.has('approve')) return ALLOW;
      const principal = ctx.session.principal.id;
      const args = (ctx.message as { params?: { arguments?: unknown } }).params?.arguments;
      // Bound to who, what, with which arguments, and under which rules: a policy change asks again.
      const policy = o.policyVersion?.() ?? null;
      const requestDigest = digest({ principal, server: ctx.target.server ?? null, method: ctx.method, target: ctx.target.name ?? null, arguments: args ?? null, ...(policy ? { policy } : {}) });
      const who = `policy ${ctx.policyIds.join(', ') || '(unknown)'}`;

      const found = await o.store.findApproval(principal, requestDigest);
      if (found?.status === 'approved') {
        if (await o.store.consumeApproval(found.ticket)) {
          ctx.approver = found.decidedBy ?? 'unknown';
          return ALLOW;
        }
        // Expired or used meanwhile (another replica): ask again below.
      } else if (found?.status === 'denied' && (found.expiresAt === undefined || found.expiresAt > new Date().toISOString())) {
        // A denial holds for one ttl after the decision; after that the same call may be asked for again.
        return deny(`${found.decidedBy ?? 'an approver'} denied ticket ${found.ticket} for this call (${who} requires approval)`, APPROVAL_DENIED_RULE);
      } else if (found?.status === 'pending') {
        return pending(found, who);
      }

      const summary = summaryOf(ctx, args === undefined ? undefined : redactJson(args, o.redact).value);
      if (elicitMs > 0 && ctx.session.askUser) {
        const requestId = (ctx.message as { id?: string | number }).id;
        const answer = await ctx.session.askUser(
          `Portcullis: ${who} requires approval for this call.\n${summary}\n(The arguments come from the agent.) Allow it once?`,
          ASK_SCHEMA,
          requestId,
          elicitMs,
        );
        if (answer?.action === 'accept' && answer.content?.approve === true) {
          ctx.approver = `${principal} (in the client)`;
          return ALLOW;
        }
        if (answer?.action === 'decline' || answer?.action === 'accept') {
          return deny(`${principal} declined the call when asked in the client (${who} requires approval)`, APPROVAL_DENIED_RULE);
        }
        // Cancelled, unanswered or not supported: an approver decides on a ticket instead.
      }

      const now = Date.now();
      const ticket: ApprovalRecord = {
        ticket: `apr_${randomUUID().replaceAll('-', '')}`,
        status: 'pending',
        session: ctx.session.id,
        principal,
        ...(ctx.target.server ? { server: ctx.target.server } : {}),
        ...(ctx.target.name ? { target: ctx.target.name } : {}),
        summary,
        createdAt: new Date(now).toISOString(),
        requestDigest,
        expiresAt: new Date(now + o.ttlMs).toISOString(),
      };
      await o.store.createApproval(ticket);
      return pending(ticket, who);
    },
  };
}

function pending(t: ApprovalRecord, who: string): Verdict {
  return {
    decision: {
      kind: 'approve',
      ticket: t.ticket,
      rule: APPROVAL_REQUIRED_RULE,
      reason: `${who} requires human approval; ticket ${t.ticket} waits for a decision until ${t.expiresAt ?? 'it is decided'} (portcullis approvals approve ${t.ticket}); then send the same call again`,
    },
  };
}

/**
 * Record a human decision (CLI and admin API). The decision holds for one ttl from when it is made:
 * an approval stays usable that long (a late decision still leaves the client time to retry), and a
 * denial refuses the same call that long. False when the ticket is not pending (unknown, decided
 * before, expired).
 */
export function decideTicket(store: Pick<Store, 'decideApproval'>, ticket: string, verdict: 'approve' | 'deny', by: string, ttlMs: number): Promise<boolean> {
  return store.decideApproval(ticket, verdict === 'approve' ? 'approved' : 'denied', by, new Date(Date.now() + ttlMs).toISOString());
}
