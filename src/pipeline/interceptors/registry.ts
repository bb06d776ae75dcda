/**
 * Registry interceptor: tool pinning and admission.
 *
 * - `list`: each server's tools / prompts / resource templates go through `Registry.checkList`;
 *   items that are not admitted (pending in enforce mode, quarantined, retired, or of a hidden
 *   server) are removed from the list (`modify`), and what changed (new items, rug pulls,
 *   poisoning, look-alike names) rides along as findings for the audit event.
 * - `request`: calls to tools and prompts that are not admitted are denied with the status as the
 *   rule (`registry.quarantined`, `registry.pending`, `registry.retired`, `registry.unknown`,
 *   `registry.server_pending`...) and a reason that names the command to review it. Reads of a
 *   resource under a refused resource template are refused with the template's status.
 */
import type { Config } from '../../config/schema.js';
import type { Registry } from '../../registry/registry.js';
import type { DefinitionKind } from '../../store/types.js';
import { listInFlight } from '../lists.js';
import { allow, deny, modify, type Interceptor, type JsonRpcObject, type ListKind, type PipelineContext, type Verdict } from '../types.js';

const TARGET_KIND: Partial<Record<string, DefinitionKind>> = { tool: 'tool', prompt: 'prompt' };

export function createRegistryInterceptor(registry: Registry, _config?: Pick<Config, 'registry'>): Interceptor {
  const list = (ctx: PipelineContext): Verdict | Promise<Verdict> => {
    const l = ctx.list;
    const inFlight = listInFlight(ctx);
    if (!l || !inFlight) return allow();
    const items = inFlight.items.map((it) => ({ name: itemName(l.kind, it), definition: it }));
    const build = (visible: Set<string>): JsonRpcObject | undefined => {
      if (items.every((i) => visible.has(i.name))) return undefined;
      return inFlight.keeping(inFlight.items.filter((_, n) => visible.has(items[n]!.name)));
    };
    const fast = registry.peekList(l.server, l.kind, items);
    if (fast) {
      const m = build(fast);
      return m ? modify(m, 'registry.hidden') : allow();
    }
    return registry.checkList(l.server, l.kind, items).then((r) => {
      const m = build(r.visible);
      return m ? modify(m, 'registry.hidden', r.findings) : allow(r.findings);
    });
  };

  const request = (ctx: PipelineContext): Verdict | Promise<Verdict> => {
    const t = ctx.target;
    if (!t.server) return allow();
    const kind = TARGET_KIND[t.kind];
    if (!kind) {
      // Resources and completions: admitted when their server is, and (resources) when no template
      // they fall under is refused (a quarantined template stops serving its resources).
      const a = registry.authorizeServer(t.server);
      if (!a.ok) return deny(a.reason, a.rule);
      for (const name of t.templates ?? []) {
        const at = registry.authorize(t.server, 'resource_template', name);
        if (!at.ok) return deny(at.reason, at.rule);
      }
      if (t.kind === 'completion') {
        // A completion for a prompt is refused when the prompt is.
        const ref = ((ctx.message as { params?: { ref?: { type?: unknown } } }).params?.ref ?? {}) as { type?: unknown };
        if (ref.type === 'ref/prompt' && t.upstreamName !== undefined) {
          const ap = registry.authorize(t.server, 'prompt', t.upstreamName);
          if (!ap.ok) return deny(ap.reason, ap.rule);
        }
      }
      return allow();
    }
    const name = t.upstreamName ?? t.name;
    if (name === undefined) return allow();
    const check = (): Verdict => {
      const a = registry.authorize(t.server!, kind, name);
      return a.ok ? allow() : deny(a.reason, a.rule);
    };
    // Called before it was ever listed, with a definition the router knows: pin it first.
    if (registry.statusOf(t.server, kind, name) === undefined && t.definition) {
      return registry.checkList(t.server, kind, [{ name, definition: t.definition }]).then((r) => {
        const v = check();
        return r.findings.length > 0 ? { ...v, findings: r.findings } : v;
      });
    }
    return check();
  };

  return { name: 'registry', list, request };
}

function itemName(kind: ListKind, it: unknown): string {
  const o = (it ?? {}) as Record<string, unknown>;
  if (kind === 'resources') return String(o.uri ?? o.name ?? '');
  return String(o.name ?? '');
}
