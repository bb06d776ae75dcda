/**
 * The pipeline runner: one guarded dispatch loop over an ordered list of interceptors.
 * The order itself is decided in `stages.ts` (read that file for the whole request path).
 *
 * Guarantees:
 * - fail closed: an interceptor that throws, rejects or overruns `timeoutMs` denies the message;
 * - first deny (or approval hold) wins and stops the loop;
 * - `modify` replaces the message in flight and the next interceptor sees the new one;
 * - synchronous interceptors cost no timer and no extra microtask.
 */
import type { Finding } from '../detect/types.js';
import type { Decision, Hook, Interceptor, JsonRpcObject, PipelineContext, Verdict } from './types.js';

export interface PipelineResult {
  decision: Decision;
  /** The message after every `modify` (the original when nothing changed). */
  message: JsonRpcObject;
  findings: Finding[];
  /** Milliseconds spent in each interceptor that ran. */
  stages: Record<string, number>;
  /** True when at least one interceptor modified the message. */
  modified: boolean;
}

export const INTERCEPTOR_FAILED_RULE = 'pipeline.interceptor-failed';

export class Pipeline {
  private readonly byHook: Record<Hook, Interceptor[]>;

  private prepared = false;
  private preparing: Promise<void> | undefined;

  /**
   * `prepare`: loads what the stages need before the first message (the detectors, for `portcullis start`,
   * so an idle gateway does not hold them: bench/README.md "Session 6"). Awaited by the first run() and any
   * that start while it loads; if it fails, that message is denied (fail closed) and the next one tries again.
   */
  constructor(
    readonly interceptors: readonly Interceptor[],
    private readonly timeoutMs = 5000,
    private readonly onError?: (name: string, hook: Hook, err: unknown) => void,
    private readonly prepare?: () => Promise<unknown>,
  ) {
    const hooks: Hook[] = ['connect', 'list', 'request', 'response', 'serverRequest'];
    this.byHook = Object.fromEntries(hooks.map((h) => [h, interceptors.filter((i) => typeof i[h] === 'function')])) as Record<Hook, Interceptor[]>;
  }

  has(hook: Hook): boolean {
    return this.byHook[hook].length > 0;
  }

  /** Is the stage of this name in the pipeline (configured and not disabled)? */
  hasStage(name: string): boolean {
    return this.interceptors.some((i) => i.name === name);
  }

  async run(ctx: PipelineContext): Promise<PipelineResult> {
    if (this.prepare && !this.prepared) {
      try {
        await (this.preparing ??= this.prepare().then(() => void (this.prepared = true)));
      } catch (err) {
        this.preparing = undefined;
        this.onError?.('pipeline', ctx.hook, err);
        const reason = `the pipeline could not be loaded (${err instanceof Error ? err.message : String(err)}); denied because the pipeline fails closed`;
        return { decision: { kind: 'deny', reason, rule: INTERCEPTOR_FAILED_RULE }, message: ctx.message, findings: ctx.findings, stages: {}, modified: false };
      }
    }
    const stages: Record<string, number> = {};
    let modified = false;
    let rule: string | undefined;
    for (const ic of this.byHook[ctx.hook]) {
      const t0 = performance.now();
      let verdict: Verdict;
      try {
        const out = ic[ctx.hook]!(ctx);
        verdict = out instanceof Promise ? await this.withTimeout(out, ic.timeoutMs ?? this.timeoutMs) : out;
      } catch (err) {
        this.onError?.(ic.name, ctx.hook, err);
        verdict = {
          decision: {
            kind: 'deny',
            reason: `interceptor ${ic.name} failed (${err instanceof Error ? err.message : String(err)}); denied because the pipeline fails closed`,
            rule: INTERCEPTOR_FAILED_RULE,
          },
        };
      }
      stages[ic.name] = performance.now() - t0;
      if (verdict.findings) for (const f of verdict.findings) ctx.findings.push(f);
      const d = verdict.decision;
      if (d.kind === 'deny' || d.kind === 'approve') {
        return { decision: d, message: ctx.message, findings: ctx.findings, stages, modified };
      }
      if (d.kind === 'modify') {
        ctx.message = d.message;
        modified = true;
        rule = d.rule ?? rule;
      }
    }
    const decision: Decision = modified ? (rule === undefined ? { kind: 'modify', message: ctx.message } : { kind: 'modify', message: ctx.message, rule }) : { kind: 'allow' };
    return { decision, message: ctx.message, findings: ctx.findings, stages, modified };
  }

  private withTimeout(p: Promise<Verdict>, timeoutMs: number): Promise<Verdict> {
    if (timeoutMs <= 0) return p;
    let timer: NodeJS.Timeout | undefined;
    const t = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([p, t]).finally(() => clearTimeout(timer)) as Promise<Verdict>;
  }

  async close(): Promise<void> {
    for (const ic of this.interceptors) await ic.close?.();
  }
}
