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
 *                  On the `list` hook, after registry (which pins what the upstream really sent), it
 *                  redacts secrets and escapes in the descriptions the client will read.
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
import type { Config } from '../config/schema.js';
import type { Coord } from '../coord/types.js';
import type { PolicyEngine } from '../policy/engine.js';
import type { Registry } from '../registry/registry.js';
import type { Store } from '../store/types.js';
import type { Finding } from '../detect/types.js';
import { ms } from '../config/schema.js';
import { STAGE_ORDER, type StageName } from '../shared/stages.js';
import { Pipeline } from './chain.js';
import type { Interceptor } from './types.js';
import { createAuthnInterceptor } from './interceptors/authn.js';
import { createValidateInterceptor } from './interceptors/validate.js';
import { createRegistryInterceptor } from './interceptors/registry.js';
import type { InspectOptions } from './interceptors/inspect.js';
import { createAuthzInterceptor, type AuthzInterceptorOptions } from './interceptors/authz.js';
import { createFlowInterceptor } from './interceptors/flow.js';
import { createRateInterceptor } from './interceptors/rate.js';
import { createApprovalInterceptor } from './interceptors/approval.js';

export { STAGE_ORDER, type StageName };

/** What the stages are built from: the config and the services the runtime opened. */
export interface StageDeps {
  config: Config;
  coord: Coord;
  registry: Registry;
  store: Store;
  /** The policy engine; without one there is no authz stage (no `policy:` section). */
  policy?: PolicyEngine;
  /** Options of the authz stage (e.g. standing grants). */
  authz?: AuthzInterceptorOptions;
  /** Options of the inspect stage (e.g. each server's base for relative paths). */
  inspect?: InspectOptions;
  /** How long an approval ticket waits for a decision. */
  approvalTtlMs: number;
  /** Redaction of what an approver reads (secrets, personal data). */
  redact(text: string): Finding[];
  /** Loaded before the first message (Pipeline `prepare`): what the gateway defers until it is used. */
  prepare?: () => Promise<unknown>;
}

const INSPECT_HOOKS = ['list', 'request', 'serverRequest', 'response'] as const;

/**
 * The inspect stage, its module (and with it the detectors: libphonenumber, the rule tables, ~6 MB of
 * heap) loaded with the first message it sees instead of at start. Once loaded, each hook is the real
 * one, called directly (a synchronous hook stays synchronous). A load that fails rejects that message's
 * hook, which the pipeline turns into a deny. (Building the real stage cannot fail on the config: its
 * override globs always compile, see util/glob.ts.)
 */
export function lazyInspect(settings: Config['inspect'], opts?: InspectOptions): Interceptor {
  let real: Interceptor | undefined;
  let loading: Promise<Interceptor> | undefined;
  const load = (): Promise<Interceptor> =>
    (loading ??= import('./interceptors/inspect.js').then(
      (m) => (real = m.createInspectInterceptor(settings, opts)),
      (err: unknown) => {
        loading = undefined;
        throw err;
      },
    ));
  const ic: Interceptor = { name: 'inspect' };
  for (const h of INSPECT_HOOKS) ic[h] = (ctx) => (real ? real[h]!(ctx) : load().then((r) => r[h]!(ctx)));
  return ic;
}

/** Build every configured stage (not yet ordered or filtered: see buildPipeline). */
export function buildStages(d: StageDeps): Partial<Record<StageName, Interceptor>> {
  const { config } = d;
  return {
    authn: createAuthnInterceptor(d.coord),
    validate: createValidateInterceptor({ maxDepth: config.limits.maxDepth }),
    registry: createRegistryInterceptor(d.registry, config),
    inspect: lazyInspect(config.inspect, d.inspect),
    ...(d.policy ? { authz: createAuthzInterceptor(d.policy, d.authz) } : {}),
    flow: createFlowInterceptor(config.flow),
    rate: createRateInterceptor(d.coord, config.limits.callsPerMinute),
    approval: createApprovalInterceptor({
      store: d.store,
      ttlMs: d.approvalTtlMs,
      elicitTimeoutMs: config.approvals.elicit ? ms(config.approvals.elicitTimeout, 120_000) : 0,
      redact: d.redact,
      ...(d.policy ? { policyVersion: () => d.policy!.versionHash } : {}),
    }),
  };
}

/**
 * Order the stages (STAGE_ORDER) and drop the ones the config turned off (`pipeline.disable`).
 * authn is never dropped.
 */
export function buildPipeline(
  stages: Partial<Record<StageName, Interceptor>>,
  opts: { timeoutMs: number; disabled?: readonly string[]; onError?: (name: string, hook: string, err: unknown) => void; prepare?: () => Promise<unknown> },
): Pipeline {
  const list: Interceptor[] = [];
  for (const name of STAGE_ORDER) {
    const ic = stages[name];
    if (ic && (name === 'authn' || !opts.disabled?.includes(name))) list.push(ic);
  }
  return new Pipeline(list, opts.timeoutMs, opts.onError, opts.prepare);
}

/** The request path's pipeline, from the config and services: build the stages, order them. */
export function createPipeline(d: StageDeps, onError?: (name: string, hook: string, err: unknown) => void): Pipeline {
  return buildPipeline(buildStages(d), { timeoutMs: ms(d.config.limits.interceptorTimeout, 5000), disabled: d.config.pipeline.disable, ...(onError ? { onError } : {}), ...(d.prepare ? { prepare: d.prepare } : {}) });
}
