/**
 * The router: which upstream, and which of its own names, each name or URI a client uses refers to.
 *
 * It keeps the catalogue the session's lists produced (`index`, fed with what each upstream listed
 * and what the pipeline let the caller see) and resolves the target of a call (`resolve…`). It never
 * replies to a client and never calls an upstream: when a name is not known yet it asks the session
 * to list again (`deps.relist`), once, and answers `undefined` (not found) otherwise.
 *
 * Everything an upstream listed is routable, visible or not: a call to a hidden item still reaches
 * the pipeline, which answers with its reason (quarantine) or as not-found (policy).
 */
import type { Finding } from '../detect/types.js';
import type { Logger } from '../observability/log.js';
import type { Target } from '../pipeline/types.js';
import type { ListKind } from '../shared/lists.js';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import { disambiguate } from './names.js';
import { paramScanOf, type ParamDeclaration } from './era/param-headers.js';
import type { Json } from './upstream.js';

interface CatalogEntry {
  server: string;
  upstreamName: string;
  definition: Json;
  /** Listed to this caller (false: routed so the pipeline can answer with its reason, but hidden). */
  shown: boolean;
}

interface TemplateEntry {
  server: string;
  name: string;
  uriTemplate: string;
  template: UriTemplate;
}

/** One upstream's list as the router indexes it: what it listed, and what the pipeline let through. */
export interface ListedByServer {
  server: string;
  listed: readonly Json[];
  visible: readonly Json[];
}

export interface RouterDeps {
  /** Collect one kind of list from the upstreams again (the session runs it, and calls `index`). */
  relist(kind: ListKind): Promise<void>;
  /** The name a client sees for an upstream's tool or prompt (`server__name`, or its prefix). */
  exposed(server: string, name: string): string;
  labelsFor(server: string, name: string, definition: Json | undefined): string[];
  /** The upstreams that serve resources: a URI no list names goes to the only one, if there is one. */
  resourceServers(): string[];
  log: Logger;
}

export class Router {
  private readonly catalog: Record<'tools' | 'prompts', Map<string, CatalogEntry>> = { tools: new Map(), prompts: new Map() };
  private readonly resourceServer = new Map<string, string>();
  private templates: TemplateEntry[] = [];
  private readonly listed = new Set<ListKind>();

  constructor(private readonly deps: RouterDeps) {}

  // ───────── indexing ─────────

  /**
   * Replace the catalogue of one kind with what the servers listed (servers whose list the pipeline
   * refused are not passed in). Returns the items to show, named as the client sees them, and the
   * findings of indexing (name collisions, tool definitions no client may accept).
   */
  index(kind: ListKind, servers: readonly ListedByServer[]): { items: Json[]; findings: Finding[] } {
    const items: Json[] = [];
    const findings: Finding[] = [];
    const seen = new Set<string>();
    if (kind === 'tools' || kind === 'prompts') this.catalog[kind].clear();
    if (kind === 'resources') this.resourceServer.clear();
    if (kind === 'resourceTemplates') this.templates = [];
    const idOf = (it: Json) => String(kind === 'resources' ? it.uri : kind === 'resourceTemplates' ? it.uriTemplate : it.name);
    for (const s of servers) {
      const visible = new Map(s.visible.map((it) => [idOf(it), it]));
      for (const original of s.listed) {
        const keyOf = idOf(original);
        const item = visible.get(keyOf) ?? original;
        const show = visible.has(keyOf);
        if (kind === 'tools' || kind === 'prompts') {
          const upstreamName = String(item.name);
          if (kind === 'tools') {
            // A definition whose x-mcp-header declarations a client must reject (2026-07-28) is neither listed
            // nor routed: its header names could inject header lines, and its arguments cannot be mirrored.
            const scan = paramScanOf(original);
            if (!scan.ok) {
              this.deps.log.warn({ server: s.server, tool: upstreamName, reason: scan.reason }, 'tool dropped: invalid x-mcp-header declaration');
              findings.push({ category: 'invalid_definition', detector: 'router.x-mcp-header', severity: 'medium', score: 1, message: `tool ${upstreamName} from ${s.server} dropped: ${scan.reason}` });
              continue;
            }
          }
          let name = this.deps.exposed(s.server, upstreamName);
          if (seen.has(name)) {
            const other = name;
            name = disambiguate(name, s.server);
            this.deps.log.warn({ server: s.server, name: other, renamed: name }, 'name collision between servers; renamed');
            findings.push({ category: 'name_collision', detector: 'router.collision', severity: 'medium', score: 1, message: `${kind} name ${other} from ${s.server} collides; exposed as ${name}` });
          }
          seen.add(name);
          this.catalog[kind].set(name, { server: s.server, upstreamName, definition: item, shown: show });
          if (show) items.push(name === upstreamName ? item : { ...item, name });
        } else if (kind === 'resources') {
          this.resourceServer.set(keyOf, s.server);
          if (show) items.push(item);
        } else {
          try {
            this.templates.push({ server: s.server, name: String(original.name ?? ''), uriTemplate: keyOf, template: new UriTemplate(keyOf) });
          } catch {
            /* an invalid template cannot be routed to; still listed */
          }
          if (show) items.push(item);
        }
      }
    }
    this.listed.add(kind);
    return { items, findings };
  }

  /** What was indexed for this kind is stale (the upstream said its list changed): list again before resolving. */
  forget(kind: ListKind): void {
    this.listed.delete(kind);
  }

  private async ensureListed(kind: ListKind): Promise<void> {
    if (!this.listed.has(kind)) await this.deps.relist(kind);
  }

  // ───────── resolving ─────────

  /** The target of a tools/call or prompts/get by the name the client used; undefined when no upstream has it. */
  async resolveNamed(kind: 'tools' | 'prompts', name: unknown): Promise<Target | undefined> {
    if (typeof name !== 'string') return { kind: kind === 'tools' ? 'tool' : 'prompt' };
    await this.ensureListed(kind);
    let e = this.catalog[kind].get(name);
    if (!e) {
      // The upstream may have added it since the last list (without notifying): look once more.
      await this.deps.relist(kind);
      e = this.catalog[kind].get(name);
    }
    if (!e) return undefined;
    return {
      kind: kind === 'tools' ? 'tool' : 'prompt',
      server: e.server,
      name,
      upstreamName: e.upstreamName,
      definition: e.definition,
      labels: this.deps.labelsFor(e.server, e.upstreamName, e.definition),
    };
  }

  /** The `x-mcp-header` declarations of a tool as this caller sees it, or undefined when it is not shown to them. */
  async paramDeclarations(name: string): Promise<ParamDeclaration[] | undefined> {
    // A tool hidden from this caller answers like one that does not exist: its schema is not theirs to probe.
    const t = (await this.resolveNamed('tools', name)) && this.catalog.tools.get(name);
    if (!t?.shown) return undefined;
    const scan = paramScanOf(t.definition);
    return scan.ok ? scan.declarations : undefined;
  }

  private routeUri(uri: string): string | undefined {
    const direct = this.resourceServer.get(uri);
    if (direct) return direct;
    for (const t of this.templates) if (t.template.match(uri)) return t.server;
    return undefined;
  }

  /** The target of resources/read, subscribe or unsubscribe by URI (listed, under a template, or the only resource server). */
  async resolveResource(uri: unknown): Promise<Target | undefined> {
    if (typeof uri !== 'string') return { kind: 'resource' };
    await Promise.all([this.ensureListed('resources'), this.ensureListed('resourceTemplates')]);
    let server = this.routeUri(uri);
    if (!server) {
      const withResources = this.deps.resourceServers();
      if (withResources.length === 1) server = withResources[0]!;
    }
    if (!server) return undefined;
    // Every template of that server the URI falls under: a quarantined template's resources are refused too.
    const templates = this.templates.filter((t) => t.server === server && t.template.match(uri) !== null).map((t) => t.name);
    return { kind: 'resource', server, name: uri, upstreamName: uri, labels: this.deps.labelsFor(server, uri, undefined), ...(templates.length ? { templates } : {}) };
  }

  /** The target of completion/complete: the prompt, or the resource template, its `ref` names. */
  async resolveCompletion(ref: Json | undefined): Promise<Target | undefined> {
    if (ref?.type === 'ref/prompt' && typeof ref.name === 'string') {
      const t = await this.resolveNamed('prompts', ref.name);
      return t && { ...t, kind: 'completion' };
    }
    if (ref?.type === 'ref/resource' && typeof ref.uri === 'string') {
      await this.ensureListed('resourceTemplates');
      const t = this.templates.find((x) => x.uriTemplate === ref.uri);
      const server = t?.server ?? this.routeUri(ref.uri);
      return server ? { kind: 'completion', server, name: ref.uri, upstreamName: ref.uri, ...(t ? { templates: [t.name] } : {}) } : undefined;
    }
    return undefined;
  }
}
