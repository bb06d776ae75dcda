/**
 * Session taint and flow rules (OWASP MCP05/MCP10, the "lethal trifecta"): a session that has
 * read private data and has seen untrusted content must not then call a tool that sends data out.
 *
 * Taint comes from tool labels (config `labels` / `toolLabels`; `openWorldHint: true` counts as
 * `untrusted_source`) and from detector findings (a prompt injection seen in a result).
 * The flags live on the session, are in the policy context, and go into every audit event.
 */
import type { Config } from '../../config/schema.js';
import { ALLOW, allow, deny, type Interceptor, type PipelineContext, type Verdict } from '../types.js';

export const TAINT_PRIVATE = 'private_data';
export const TAINT_UNTRUSTED = 'untrusted_content';

export function createFlowInterceptor(flow: Config['flow']): Interceptor {
  const mode = flow.trifecta;
  return {
    name: 'flow',
    request(ctx: PipelineContext): Verdict {
      if (mode === 'off' || ctx.target.kind !== 'tool') return ALLOW;
      const labels = ctx.target.labels ?? [];
      const taint = ctx.session.taint;
      if (!labels.includes('egress') || !taint.has(TAINT_PRIVATE) || !taint.has(TAINT_UNTRUSTED)) return ALLOW;
      const reason = `${ctx.target.name} sends data out (egress), and this session has read private data and seen untrusted content: a prompt injection could be exfiltrating it`;
      const finding = { category: 'exfiltration_flow', detector: 'flow.trifecta', severity: 'high' as const, score: 1, message: reason };
      return mode === 'block' ? deny(reason, 'flow.trifecta', [finding]) : allow([finding]);
    },
    response(ctx: PipelineContext): Verdict {
      const labels = ctx.target.labels ?? [];
      const taint = ctx.session.taint;
      if (labels.includes('private_data')) taint.add(TAINT_PRIVATE);
      if (labels.includes('untrusted_source')) taint.add(TAINT_UNTRUSTED);
      if (ctx.findings.some((f) => f.category === 'prompt_injection')) taint.add(TAINT_UNTRUSTED);
      return ALLOW;
    },
  };
}
