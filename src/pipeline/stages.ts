/**
 * THE ORDER OF THE PIPELINE. This is the one list to read to know what happens to a message.
 *
 * Request path (client → server), first to last:
 *  0. authn      — revoked session / principal / credential, expired credentials: nothing else
 *                  spends time on a caller who is no longer allowed in (also on connect and list).
 *  1. validate   — shape and depth. Cheapest, and every later stage may rely on the fields it reads.
 *  2. registry   — pinned definitions: quarantined / pending tools are hidden and refused before
 *                  anything else spends time on them; rug pulls are caught on the `list` hook.
 *  3. inspect    — detectors over the arguments (secrets, SSRF, paths, shell, injection). Runs
 *                  before policy so findings are in the Cedar context and a policy can act on them.
 *  4. authz      — Cedar policy over principal × action × resource × arguments × session context.
 *                  After inspect (findings), before flow (a tool the caller may not use at all is
 *                  refused as not-found, not as a flow violation that would reveal it exists).
 *  5. flow       — session taint rules (private data + untrusted content + egress): needs the
 *                  target's labels and the taint accumulated by earlier responses.
 *  6. rate       — throttling last among the deciders, so refused calls do not use up a quota.
 *                  (Revocation used to be checked here; it is authn's job now, first.)
 *  7. approval   — human approval asked for by a policy obligation: last, because it is the
 *                  most expensive step (a person) and only worth it for a call nothing else refused.
 *
 * Response path (server → client): validate, then inspect (redact / annotate / block results,
 * and mark taint), in the same order; interceptors without a `response` hook are skipped.
 * The audit event is written by the session after the last stage, before the client sees the answer.
 */
import type { Interceptor } from './types.js';
import { Pipeline } from './chain.js';

export const STAGE_ORDER = ['authn', 'validate', 'registry', 'inspect', 'authz', 'flow', 'rate', 'approval'] as const;
export type StageName = (typeof STAGE_ORDER)[number];

/**
 * Build the pipeline from whichever stages are configured, in the fixed order above.
 * `disabled` lists stage names the config turned off (`pipeline.disable`).
 */
export function buildPipeline(
  stages: Partial<Record<StageName, Interceptor>>,
  opts: { timeoutMs: number; disabled?: readonly string[]; onError?: (name: string, hook: string, err: unknown) => void },
): Pipeline {
  const list: Interceptor[] = [];
  for (const name of STAGE_ORDER) {
    const ic = stages[name];
    if (ic && !opts.disabled?.includes(name)) list.push(ic);
  }
  return new Pipeline(list, opts.timeoutMs, opts.onError);
}
