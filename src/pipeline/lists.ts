/**
 * The list in flight on the `list` hook (one upstream server's tools, prompts, resources or
 * templates), for the interceptors that hide items from it.
 */
import { LIST_METHOD } from '../shared/lists.js';
import type { JsonRpcObject, PipelineContext } from './types.js';

export interface ListInFlight {
  /** The items as the server listed them. */
  items: unknown[];
  /** The message with only `keep` in the list. */
  keeping(keep: unknown[]): JsonRpcObject;
}

/** Undefined outside the list hook, or when the message carries no list. */
export function listInFlight(ctx: PipelineContext): ListInFlight | undefined {
  if (!ctx.list) return undefined;
  const result = (ctx.message as { result?: Record<string, unknown> }).result;
  const key = LIST_METHOD[ctx.list.kind].key;
  const items = result?.[key];
  if (!result || !Array.isArray(items)) return undefined;
  return { items, keeping: (keep) => ({ ...ctx.message, result: { ...result, [key]: keep } }) as JsonRpcObject };
}
