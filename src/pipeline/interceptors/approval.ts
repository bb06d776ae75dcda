/**
 * Human approval. A policy can ask for it (`@obligation("approve")`), and nothing may pass on that
 * obligation without a human: until the approval workflow (tickets, `portcullis approvals`,
 * elicitation to the user) exists, such calls are refused with a rule that says so. Fail closed:
 * an approval that cannot be asked for is not granted.
 */
import { ALLOW, deny, type Interceptor, type PipelineContext, type Verdict } from '../types.js';

export const APPROVAL_UNAVAILABLE_RULE = 'approval.unavailable';

export function createApprovalInterceptor(): Interceptor {
  return {
    name: 'approval',
    request(ctx: PipelineContext): Verdict {
      if (!ctx.obligations.has('approve')) return ALLOW;
      return deny(
        `policy ${ctx.policyIds.join(', ') || '(unknown)'} requires human approval for ${ctx.target.name ?? ctx.method}, and this gateway has no approval workflow configured; the call is refused rather than let through unapproved`,
        APPROVAL_UNAVAILABLE_RULE,
      );
    },
  };
}
