/**
 * Shape validation: the first stage, so every later interceptor may rely on the fields it
 * reads being there and of the right type. Byte size is bounded earlier, where the bytes are
 * read (listener and upstream transports), so nothing is buffered past the limit.
 */
import { DEPTH_RULE } from '../rules.js';
import { deny, ALLOW, type Interceptor, type PipelineContext, type Verdict } from '../types.js';

/** Default of `limits.maxDepth`. */
export const DEFAULT_MAX_DEPTH = 64;

function depthExceeds(v: unknown, max: number): boolean {
  // Iterative to keep a hostile nesting from using the call stack.
  const stack: Array<[unknown, number]> = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (d > max) return true;
    if (x && typeof x === 'object') for (const c of Object.values(x as object)) if (c && typeof c === 'object') stack.push([c, d + 1]);
  }
  return false;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkRequest(ctx: PipelineContext, maxDepth: number): Verdict {
  const params = (ctx.message as { params?: unknown }).params;
  if (params !== undefined && !isObj(params)) return deny(`${ctx.method}: params must be an object`, 'validate.params');
  const p = (params ?? {}) as Record<string, unknown>;
  switch (ctx.method) {
    case 'tools/call':
      if (typeof p.name !== 'string' || p.name.length === 0) return deny('tools/call: params.name must be a non-empty string', 'validate.tool-name');
      if (p.arguments !== undefined && !isObj(p.arguments)) return deny('tools/call: params.arguments must be an object', 'validate.arguments');
      break;
    case 'prompts/get':
      if (typeof p.name !== 'string') return deny('prompts/get: params.name must be a string', 'validate.prompt-name');
      if (p.arguments !== undefined && !isObj(p.arguments)) return deny('prompts/get: params.arguments must be an object', 'validate.arguments');
      break;
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe':
      if (typeof p.uri !== 'string') return deny(`${ctx.method}: params.uri must be a string`, 'validate.uri');
      break;
    case 'completion/complete':
      if (!isObj(p.ref) || !isObj(p.argument)) return deny('completion/complete: params.ref and params.argument must be objects', 'validate.completion');
      break;
  }
  if (depthExceeds(params, maxDepth)) return deny(`${ctx.method}: params nested deeper than ${maxDepth} levels (limits.maxDepth)`, DEPTH_RULE);
  return ALLOW;
}

function checkResponse(ctx: PipelineContext, maxDepth: number): Verdict {
  const m = ctx.message as { result?: unknown; error?: unknown };
  // An error is relayed to the client as is: it must be serialisable too.
  if (m.error !== undefined) return depthExceeds(m.error, maxDepth) ? deny(`upstream error nested deeper than ${maxDepth} levels (limits.maxDepth)`, DEPTH_RULE) : ALLOW;
  if (!isObj(m.result)) return deny(`upstream answered ${ctx.method} without a result object`, 'validate.result');
  if (ctx.method === 'tools/call') {
    const content = m.result.content;
    if (content !== undefined && !Array.isArray(content)) return deny('upstream tool result: content must be an array', 'validate.result-content');
  }
  if (depthExceeds(m.result, maxDepth)) return deny(`upstream result nested deeper than ${maxDepth} levels (limits.maxDepth)`, DEPTH_RULE);
  return ALLOW;
}

/**
 * `maxDepth` (`limits.maxDepth`): deepest nesting accepted in params / results. Checked without
 * recursion; JSON.parse itself takes any depth, but JSON.stringify, hashing and the detectors
 * recurse, so nothing deeper may pass this stage (the audit event of the refusal skips the payload).
 */
export function createValidateInterceptor(opts: { maxDepth?: number } = {}): Interceptor {
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const request = (ctx: PipelineContext) => checkRequest(ctx, maxDepth);
  return { name: 'validate', request, response: (ctx) => checkResponse(ctx, maxDepth), serverRequest: request };
}
