/**
 * The registry: servers and the tools, prompts and resource templates they list, each pinned by
 * the hash of what the model reads (see hash.ts), with a status:
 *
 * - new item: `pending` in enforce mode (hidden until approved), `approved` in observe mode;
 *   if the poisoning scanner flags it, `quarantined` in both modes (observe admits the unknown, not
 *   the hostile; `registry.quarantinePoisoned: false` turns that off in observe mode, flagging only);
 * - known item, same hash: its status;
 * - known item, changed hash (a rug pull): `quarantined` at once in both modes, new version stored,
 *   `registry diff server__tool` shows the change, `registry approve` re-admits it;
 * - new name whose definition equals or nearly equals a quarantined / retired one: `quarantined`
 *   (`renamed from X`), so a rename cannot launder a definition;
 * - new name on a server whose list no longer has a known item it resembles (similar name and
 *   schema, or a description that keeps most of the old one): a rename, held like a change
 *   (`quarantined`, `renamed from X`, `registry diff` shows X against it), in both modes;
 * - name collisions and look-alike names across servers: findings.
 *
 * Visible = server visible and item `approved` (or `pending` in observe mode). The cache makes
 * `checkList` on an unchanged list and `statusOf` free of store round trips.
 */
import type { Finding, Severity } from '../detect/types.js';
import { SEVERITY_RANK } from '../detect/types.js';
import type { DefinitionKind, DefinitionRecord, RegistryStatus, ServerRecord, Store } from '../store/types.js';
import type { ListKind } from '../shared/lists.js';
import { redactTarget } from '../util/redact-url.js';
import { changedFields, definitionHash, legacyDefinitionHash, modelView, sha256Hex } from './hash.js';
import { diffDefinitions } from './diff.js';
import { definitionPrint, hasNonAscii, nameRelation, renameRelation, sameDefinition, type DefinitionPrint } from './similar.js';

export type RegistryMode = 'observe' | 'enforce';

/** The poisoning scanner, injectable for tests; defaults to src/detect/poisoning.ts. */
export interface PoisoningScanner {
  scanToolDefinition(tool: Record<string, unknown>, opts?: { otherToolNames?: string[] }): Finding[];
  scanServerInstructions(text: string): Finding[];
}

export interface RegistryOptions {
  mode: RegistryMode;
  /** Quarantine a definition the scanner flags also in observe mode. */
  quarantinePoisoned?: boolean;
  /** Namespace separator (`__`), for `server__tool` names. */
  separator?: string;
  /** Lowest scanner severity that counts as poisoned (default `medium`). */
  poisonMinSeverity?: Severity;
  scanner?: PoisoningScanner;
  /** Touch last-seen in the store at most this often per list (default 10 minutes). */
  touchIntervalMs?: number;
  now?: () => Date;
  /** Where background errors (last-seen touches, auto-refresh) go. */
  onError?: (err: unknown) => void;
}

export type ChangeKind = 'new' | 'changed' | 'renamed' | 'poisoned' | 'collision' | 'lookalike' | 'server';

/** What happened to one item in a `checkList` / `checkInstructions` pass. */
export interface RegistryChange {
  change: ChangeKind;
  kind: DefinitionKind;
  server: string;
  /** Upstream name ('' for instructions). */
  name: string;
  /** `server__name`, the id the CLI takes. */
  id: string;
  status: RegistryStatus;
  reason?: string;
  findings: Finding[];
}

export interface CheckResult {
  /** Upstream names allowed to show. */
  visible: Set<string>;
  changes: RegistryChange[];
  /** Findings for the audit event (one per change plus the scanner's). */
  findings: Finding[];
}

export interface InstructionsResult {
  visible: boolean;
  status: RegistryStatus;
  changes: RegistryChange[];
  findings: Finding[];
}

export type Authorization =
  | { ok: true; status: RegistryStatus | undefined }
  | { ok: false; status: RegistryStatus | 'unknown'; rule: string; reason: string; subject: 'server' | 'item'; id: string };

export interface StatusChangeEvent {
  kind: DefinitionKind | 'server';
  server: string;
  name: string;
  status: RegistryStatus;
}

export class RegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

export const LIST_KIND_TO_DEFINITION: Record<ListKind, DefinitionKind | undefined> = {
  tools: 'tool',
  prompts: 'prompt',
  resourceTemplates: 'resource_template',
  resources: undefined,
};

const KIND_LABEL: Record<DefinitionKind, string> = { tool: 'Tool', prompt: 'Prompt', resource_template: 'Resource template', instructions: 'Instructions of server' };

const key = (kind: DefinitionKind, server: string, name: string) => `${kind}\u0000${server}\u0000${name}`;

interface Memo {
  fingerprint: string;
  generation: number;
  visible: Set<string>;
}

let defaultScanner: PoisoningScanner | undefined;
/** src/detect/poisoning.ts, loaded on first use (what a registry without an injected scanner uses). */
export async function loadDefaultScanner(): Promise<PoisoningScanner> {
  if (!defaultScanner) {
    const mod = (await import('../detect/poisoning.js')) as unknown as PoisoningScanner;
    defaultScanner = { scanToolDefinition: mod.scanToolDefinition, scanServerInstructions: mod.scanServerInstructions };
  }
  return defaultScanner;
}

export class Registry {
  readonly mode: RegistryMode;
  readonly separator: string;
  private readonly servers = new Map<string, ServerRecord>();
  private readonly defs = new Map<string, DefinitionRecord>();
  /** Fingerprints of quarantined / retired definitions, for rename detection. */
  private readonly prints = new Map<string, DefinitionPrint>();
  private readonly memos = new Map<string, Memo>();
  private readonly lastTouch = new Map<string, number>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly listeners = new Set<(e: StatusChangeEvent) => void>();
  private generation = 0;
  private loaded = false;
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly opts: RegistryOptions;

  constructor(
    readonly store: Store,
    opts: RegistryOptions,
  ) {
    this.opts = opts;
    this.mode = opts.mode;
    this.separator = opts.separator ?? '__';
  }

  /** Build a registry from the config's `registry` and `namespace` sections and load the cache. */
  static async open(store: Store, config: { registry: { mode: RegistryMode; quarantinePoisoned?: boolean | undefined }; namespace?: { separator: string } }, extra: Partial<RegistryOptions> = {}): Promise<Registry> {
    const r = new Registry(store, {
      mode: config.registry.mode,
      ...(config.registry.quarantinePoisoned !== undefined ? { quarantinePoisoned: config.registry.quarantinePoisoned } : {}),
      separator: config.namespace?.separator ?? '__',
      ...extra,
    });
    await r.load();
    return r;
  }

  /** Fill the cache from the store. Called by `open`; call again (or `refresh`) to pick up changes made elsewhere. */
  async load(): Promise<void> {
    const [servers, defs] = await Promise.all([this.store.listServers(), this.store.listDefinitions()]);
    this.servers.clear();
    this.defs.clear();
    this.prints.clear();
    for (const s of servers) this.servers.set(s.name, s);
    for (const d of defs) this.cacheDef(d);
    this.generation++;
    this.memos.clear();
    this.loaded = true;
  }

  /**
   * Re-read statuses from the store (changes made by the CLI or another replica) and notify
   * listeners of each status that changed. Cheap enough to run every few seconds.
   */
  async refresh(): Promise<StatusChangeEvent[]> {
    const [servers, defs] = await Promise.all([this.store.listServers(), this.store.listDefinitions()]);
    const events: StatusChangeEvent[] = [];
    for (const s of servers) {
      const old = this.servers.get(s.name);
      if (old && old.status !== s.status) events.push({ kind: 'server', server: s.name, name: '', status: s.status });
      this.servers.set(s.name, s);
    }
    for (const d of defs) {
      const old = this.defs.get(key(d.kind, d.server, d.name));
      if (old && (old.status !== d.status || old.hash !== d.hash)) events.push({ kind: d.kind, server: d.server, name: d.name, status: d.status });
      if (!old || old.status !== d.status || old.hash !== d.hash || old.reason !== d.reason) this.cacheDef(d);
    }
    if (events.length > 0) {
      this.bump();
      for (const e of events) this.emit(e);
    }
    return events;
  }

  /** Refresh from the store every `ms` (timer does not keep the process alive). */
  startAutoRefresh(ms = 5000): void {
    this.stopAutoRefresh();
    this.refreshTimer = setInterval(() => {
      this.refresh().catch((e) => this.opts.onError?.(e));
    }, ms);
    this.refreshTimer.unref();
  }

  stopAutoRefresh(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  /** Called on every status change (approve, quarantine, rug pull, refresh): the router can send `list_changed`. */
  onChange(listener: (e: StatusChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ------------------------------------------------------------------ servers

  /** Record an upstream server on first connect: `pending` in enforce mode, `approved` in observe mode. Updates transport/target/owner and last-seen. */
  async observeServer(name: string, transport: string, target: string, owner?: string): Promise<ServerRecord> {
    await this.ensureLoaded();
    const known = this.servers.get(name) ?? (await this.store.getServer(name));
    const rec = await this.store.upsertServer({
      name,
      transport,
      // Never store credentials (userinfo, token= / key= / sig= parameters, --api-key flags).
      target: redactTarget(target),
      ...(owner !== undefined ? { owner } : known?.owner !== undefined ? { owner: known.owner } : {}),
      ...(known ? {} : { status: this.mode === 'enforce' ? 'pending' : 'approved' }),
    });
    this.servers.set(name, rec);
    if (!known) this.bump();
    return rec;
  }

  serverStatus(server: string): RegistryStatus | undefined {
    return this.servers.get(server)?.status;
  }

  /** Is the server's content shown at all? */
  serverVisible(server: string): boolean {
    const s = this.servers.get(server)?.status;
    if (s === undefined) return this.mode === 'observe';
    return visibleStatus(s, this.mode);
  }

  // ------------------------------------------------------------------ lists

  /**
   * Check one server's list (tools, prompts or resource templates) against the pins.
   * Returns the upstream names that may be shown and what changed. Resources (not pinned) are
   * all visible when the server is.
   */
  async checkList(server: string, kind: DefinitionKind | ListKind, items: ReadonlyArray<{ name: string; definition: unknown }>): Promise<CheckResult> {
    const dkind = toDefinitionKind(kind);
    await this.ensureLoaded();
    if (!this.servers.has(server)) await this.observeServer(server, 'unknown', '');
    if (dkind === undefined) {
      return { visible: new Set(this.serverVisible(server) ? items.map((i) => i.name) : []), changes: [], findings: [] };
    }
    const memoKey = `${dkind}\u0000${server}`;
    const fingerprint = listFingerprint(items);
    const memo = this.memos.get(memoKey);
    if (memo && memo.generation === this.generation && memo.fingerprint === fingerprint) {
      this.maybeTouch(dkind, server, items);
      return { visible: memo.visible, changes: [], findings: [] };
    }
    return this.withLock(server, async () => {
      const changes: RegistryChange[] = [];
      const visible = new Set<string>();
      const now = this.now();
      const nowMs = Date.parse(now);
      const listed = new Set(items.map((i) => i.name));
      for (const item of items) {
        const c = await this.checkItem(dkind, server, item.name, item.definition, nowMs, listed);
        if (c) changes.push(...c);
        const rec = this.defs.get(key(dkind, server, item.name));
        if (rec && visibleStatus(rec.status, this.mode) && this.serverVisible(server)) visible.add(item.name);
      }
      if (changes.length > 0) this.bump();
      this.memos.set(memoKey, { fingerprint, generation: this.generation, visible });
      return { visible, changes, findings: changes.flatMap(changeFindings) };
    });
  }

  /**
   * The fast path, synchronous: the visible names when this exact list was checked before and
   * nothing changed since; `undefined` when `checkList` must run.
   */
  peekList(server: string, kind: DefinitionKind | ListKind, items: ReadonlyArray<{ name: string; definition: unknown }>): Set<string> | undefined {
    const dkind = toDefinitionKind(kind);
    if (!this.loaded || !this.servers.has(server)) return undefined;
    if (dkind === undefined) return new Set(this.serverVisible(server) ? items.map((i) => i.name) : []);
    const memo = this.memos.get(`${dkind}\u0000${server}`);
    if (!memo || memo.generation !== this.generation || memo.fingerprint !== listFingerprint(items)) return undefined;
    this.maybeTouch(dkind, server, items);
    return memo.visible;
  }

  /** Pin a server's `instructions` (from its initialize result). */
  async checkInstructions(server: string, text: string | undefined): Promise<InstructionsResult> {
    await this.ensureLoaded();
    if (!this.servers.has(server)) await this.observeServer(server, 'unknown', '');
    if (text === undefined || text === '') {
      return { visible: true, status: 'approved', changes: [], findings: [] };
    }
    return this.withLock(server, async () => {
      const changes = (await this.checkItem('instructions', server, '', { instructions: text }, Date.now())) ?? [];
      if (changes.length > 0) this.bump();
      const rec = this.defs.get(key('instructions', server, ''));
      const status = rec?.status ?? 'pending';
      return { visible: visibleStatus(status, this.mode) && this.serverVisible(server), status, changes, findings: changes.flatMap(changeFindings) };
    });
  }

  private async checkItem(kind: DefinitionKind, server: string, name: string, definition: unknown, nowMs: number, listed?: ReadonlySet<string>): Promise<RegistryChange[] | undefined> {
    const view = modelView(kind, definition);
    const hash = definitionHash(kind, view);
    const k = key(kind, server, name);
    let rec = this.defs.get(k);
    if (!rec) {
      // Another replica may have seen it: the store is the truth on a cache miss.
      rec = await this.store.getDefinition(kind, server, name);
      if (rec) this.cacheDef(rec);
    }
    const id = this.idOf(kind, server, name);
    if (rec && rec.hash === hash) {
      this.lastTouch.set(k, this.lastTouch.get(k) ?? nowMs);
      return undefined;
    }
    const scanFindings = await this.scan(kind, server, view);
    const poisoned = scanFindings.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[this.opts.poisonMinSeverity ?? 'medium']);
    const changes: RegistryChange[] = [];

    if (rec && kind !== 'instructions' && rec.hash === legacyDefinitionHash(kind, view)) {
      // Pinned before `_meta` and unknown fields were covered, and unchanged in what that pin
      // covered: the newly covered fields are seen for the first time. Re-pin them if the scanner
      // finds nothing there; else hold the definition like a poisoned first sight.
      if (poisoned.length === 0 || rec.status === 'retired') {
        const saved = await this.store.putDefinition({ kind, server, name, hash, status: rec.status, ...(rec.reason !== undefined ? { reason: rec.reason } : {}), definition: view });
        this.cacheDef(saved);
        this.lastTouch.set(k, nowMs);
        return undefined;
      }
      const reason = `poisoning in fields pinned since this version (_meta, vendor fields): ${summary(poisoned)}`;
      const saved = await this.store.putDefinition({ kind, server, name, hash, status: 'quarantined', reason, definition: view });
      this.cacheDef(saved);
      changes.push({ change: 'poisoned', kind, server, name, id, status: 'quarantined', reason, findings: scanFindings });
      if (rec.status !== 'quarantined') this.emit({ kind, server, name, status: 'quarantined' });
      return changes;
    }

    if (rec) {
      // A pinned definition changed: quarantine at once, keep the new version.
      const fields = changedFields(kind, rec.definition, view);
      const status: RegistryStatus = rec.status === 'retired' ? 'retired' : 'quarantined';
      const reason = `rug pull: ${fields.join(', ')} changed${poisoned.length > 0 ? `; poisoning: ${summary(poisoned)}` : ''}`;
      const saved = await this.store.putDefinition({ kind, server, name, hash, status, reason, definition: view });
      this.cacheDef(saved);
      changes.push({ change: 'changed', kind, server, name, id, status, reason, findings: scanFindings });
      if (rec.status !== status) this.emit({ kind, server, name, status });
      return changes;
    }

    // First sight.
    let status: RegistryStatus = this.mode === 'enforce' ? 'pending' : 'approved';
    let reason: string | undefined;
    let change: ChangeKind = 'new';
    const print = definitionPrint(kind, view);
    const launder = this.findLaundered(kind, server, name, print);
    const renamed = launder ? undefined : listed && this.findRenamed(kind, server, name, view, listed);
    if (launder) {
      status = 'quarantined';
      reason = `renamed from ${launder.id} (${launder.how} definition, ${launder.status})`;
      change = 'renamed';
    } else if (renamed) {
      status = 'quarantined';
      reason = `renamed from ${renamed.id} (${renamed.how}; ${renamed.id} is no longer listed)${poisoned.length > 0 ? `; poisoning: ${summary(poisoned)}` : ''}`;
      change = 'renamed';
    } else if (poisoned.length > 0) {
      if (this.mode === 'enforce' || this.opts.quarantinePoisoned !== false) {
        status = 'quarantined';
        reason = `poisoning: ${summary(poisoned)}`;
      } else {
        reason = `flagged: poisoning: ${summary(poisoned)}`;
      }
      change = 'poisoned';
    } else if (status === 'pending') {
      reason = 'new: waiting for approval (registry.mode enforce)';
    }
    const saved = await this.store.putDefinition({ kind, server, name, hash, status, ...(reason !== undefined ? { reason } : {}), definition: view });
    this.cacheDef(saved);
    changes.push({ change, kind, server, name, id, status, ...(reason !== undefined ? { reason } : {}), findings: scanFindings });
    if (kind === 'tool') changes.push(...this.nameFindings(server, name, id, status));
    return changes;
  }

  /** A quarantined or retired definition (on any server) that this new one copies. */
  private findLaundered(kind: DefinitionKind, server: string, name: string, print: DefinitionPrint) {
    if (kind === 'instructions') return undefined;
    for (const [k, p] of this.prints) {
      const d = this.defs.get(k);
      if (!d || d.kind !== kind || (d.server === server && d.name === name)) continue;
      if (d.status !== 'quarantined' && d.status !== 'retired') continue;
      const how = sameDefinition(print, p);
      if (how) return { id: this.idOf(d.kind, d.server, d.name), how, status: d.status };
    }
    return undefined;
  }

  /**
   * A known item of the same server that is gone from the current list and that this new one
   * resembles: a rename (rug pull by renaming). Returns the most similar one.
   */
  private findRenamed(kind: DefinitionKind, server: string, name: string, view: Record<string, unknown>, listed: ReadonlySet<string>) {
    if (kind === 'instructions') return undefined;
    let best: { id: string; how: string; score: number } | undefined;
    for (const d of this.defs.values()) {
      if (d.kind !== kind || d.server !== server || d.name === name || listed.has(d.name) || d.status === 'retired') continue;
      const r = renameRelation(d.name, d.definition, name, view);
      if (r && (!best || r.score > best.score)) best = { id: this.idOf(d.kind, d.server, d.name), how: r.how, score: r.score };
    }
    return best;
  }

  /** Tool-name collisions and look-alikes against the other servers' tools. */
  private nameFindings(server: string, name: string, id: string, status: RegistryStatus): RegistryChange[] {
    const out: RegistryChange[] = [];
    for (const d of this.defs.values()) {
      if (d.kind !== 'tool' || d.server === server) continue;
      const rel = nameRelation(name, d.name);
      if (!rel) continue;
      const other = this.idOf('tool', d.server, d.name);
      if (rel === 'same') {
        out.push({
          change: 'collision',
          kind: 'tool',
          server,
          name,
          id,
          status,
          reason: `name collision: ${id} and ${other} share the tool name "${name}"`,
          findings: [{ category: 'tool_name_collision', detector: 'registry.collision', severity: 'medium', score: 0.6, field: id, message: `tool name "${name}" is also offered by server ${d.server}` }],
        });
      } else {
        const homoglyph = rel === 'homoglyph';
        const sev: Severity = homoglyph && hasNonAscii(name) ? 'high' : 'medium';
        out.push({
          change: 'lookalike',
          kind: 'tool',
          server,
          name,
          id,
          status,
          reason: `look-alike name: ${id} resembles ${other}${homoglyph ? (hasNonAscii(name) ? ' (homoglyphs)' : ' (case / separators)') : ' (one character apart)'}`,
          findings: [
            {
              category: 'tool_name_lookalike',
              detector: homoglyph ? 'registry.lookalike.homoglyph' : 'registry.lookalike.edit1',
              severity: sev,
              score: homoglyph ? 0.9 : 0.6,
              field: id,
              message: `tool name ${JSON.stringify(name)} looks like ${JSON.stringify(d.name)} of server ${d.server}`,
            },
          ],
        });
      }
    }
    return out;
  }

  private async scan(kind: DefinitionKind, server: string, view: Record<string, unknown>): Promise<Finding[]> {
    const scanner = this.opts.scanner ?? (await loadDefaultScanner());
    if (kind === 'instructions') return scanner.scanServerInstructions(String(view.instructions ?? ''));
    const otherToolNames: string[] = [];
    for (const d of this.defs.values()) {
      if (d.kind === 'tool' && d.server !== server) otherToolNames.push(d.name, this.idOf('tool', d.server, d.name));
    }
    return scanner.scanToolDefinition(view, { otherToolNames });
  }

  // ------------------------------------------------------------------ request path

  /** May the server's pinned `instructions` be passed on (for the merged initialize result)? Synchronous, from the cache. */
  instructionsVisible(server: string): boolean {
    const rec = this.defs.get(key('instructions', server, ''));
    return this.serverVisible(server) && (rec === undefined || visibleStatus(rec.status, this.mode));
  }

  /** Status of an item from the cache (no store access). */
  statusOf(server: string, kind: DefinitionKind | ListKind, name: string): RegistryStatus | undefined {
    const dkind = toDefinitionKind(kind);
    if (dkind === undefined) return undefined;
    return this.defs.get(key(dkind, server, name))?.status;
  }

  /** The record of an item from the cache. */
  recordOf(server: string, kind: DefinitionKind, name: string): DefinitionRecord | undefined {
    return this.defs.get(key(kind, server, name));
  }

  /** May anything of this server go through (resources, completions)? Synchronous, from the cache. */
  authorizeServer(server: string): Authorization {
    const sStatus = this.servers.get(server)?.status;
    if (sStatus === undefined) {
      if (this.mode === 'observe') return { ok: true, status: undefined };
      return { ok: false, status: 'unknown', rule: 'registry.server_unknown', subject: 'server', id: server, reason: `Server ${server} is not in the Portcullis registry yet (registry.mode enforce).` };
    }
    if (visibleStatus(sStatus, this.mode)) return { ok: true, status: sStatus };
    return { ok: false, status: sStatus, rule: `registry.server_${sStatus}`, subject: 'server', id: server, reason: serverReason(server, sStatus) };
  }

  /** May a call to this item go through? Synchronous, from the cache. A quarantined item says so even on a pending server. */
  authorize(server: string, kind: DefinitionKind, name: string): Authorization {
    const rec = this.defs.get(key(kind, server, name));
    const id = this.idOf(kind, server, name);
    if (rec && (rec.status === 'quarantined' || rec.status === 'retired')) {
      return { ok: false, status: rec.status, rule: `registry.${rec.status}`, subject: 'item', id, reason: itemReason(kind, id, rec) };
    }
    const s = this.authorizeServer(server);
    if (!s.ok && s.status !== 'unknown') return s;
    if (!rec) {
      if (this.mode === 'observe') return { ok: true, status: undefined };
      return { ok: false, status: 'unknown', rule: 'registry.unknown', subject: 'item', id, reason: `${KIND_LABEL[kind]} ${id} is not in the Portcullis registry (registry.mode enforce): list the server's ${kind}s first, then approve it with \`portcullis registry approve ${id}\`.` };
    }
    if (visibleStatus(rec.status, this.mode)) return { ok: true, status: rec.status };
    return { ok: false, status: rec.status, rule: `registry.${rec.status}`, subject: 'item', id, reason: itemReason(kind, id, rec) };
  }

  // ------------------------------------------------------------------ admin

  /** `server__name` for a definition (`server` for instructions). */
  idOf(kind: DefinitionKind, server: string, name: string): string {
    return kind === 'instructions' ? server : `${server}${this.separator}${name}`;
  }

  /**
   * Resolve a CLI name: a server (`github`), `server__tool` (longest known server prefix wins), or a
   * bare upstream name when only one server has it. `kind` narrows to one kind (`instructions`
   * takes a server name).
   */
  async resolve(nameOrId: string, kind?: DefinitionKind | 'server'): Promise<{ servers: ServerRecord[]; defs: DefinitionRecord[] }> {
    await this.ensureLoaded();
    if (kind === 'server' || (kind === undefined && this.servers.has(nameOrId))) {
      const s = this.servers.get(nameOrId);
      if (!s) throw new RegistryError(`no server "${nameOrId}" in the registry (see \`portcullis registry list\`)`);
      return { servers: [s], defs: [] };
    }
    if (kind === 'instructions') {
      const d = this.defs.get(key('instructions', nameOrId, ''));
      if (!d) throw new RegistryError(`no pinned instructions for server "${nameOrId}"`);
      return { servers: [], defs: [d] };
    }
    const kinds: DefinitionKind[] = kind ? [kind] : ['tool', 'prompt', 'resource_template'];
    const candidates = [...this.servers.keys(), ...new Set([...this.defs.values()].map((d) => d.server))]
      .filter((s) => nameOrId.startsWith(s + this.separator))
      .sort((a, b) => b.length - a.length);
    for (const s of candidates) {
      const rest = nameOrId.slice(s.length + this.separator.length);
      const found = kinds.map((k) => this.defs.get(key(k, s, rest))).filter((d): d is DefinitionRecord => d !== undefined);
      if (found.length > 0) return { servers: [], defs: found };
    }
    const bare = [...this.defs.values()].filter((d) => d.name === nameOrId && kinds.includes(d.kind));
    if (bare.length === 1) return { servers: [], defs: bare };
    if (bare.length > 1) {
      throw new RegistryError(`"${nameOrId}" is ambiguous: ${bare.map((d) => this.idOf(d.kind, d.server, d.name)).join(', ')}; use server${this.separator}name`);
    }
    throw new RegistryError(`no tool, prompt, resource template or server named "${nameOrId}" in the registry (see \`portcullis registry list\`)`);
  }

  async approve(nameOrId: string, opts: { kind?: DefinitionKind | 'server'; by?: string; all?: boolean; reason?: string } = {}) {
    const who = opts.by ? `approved by ${opts.by}` : 'approved';
    return this.setStatus(nameOrId, 'approved', opts.reason ? `${who}: ${opts.reason}` : who, opts);
  }

  async quarantine(nameOrId: string, opts: { kind?: DefinitionKind | 'server'; by?: string; reason?: string } = {}) {
    return this.setStatus(nameOrId, 'quarantined', opts.reason ?? (opts.by ? `quarantined by ${opts.by}` : 'quarantined by an operator'), opts);
  }

  async retire(nameOrId: string, opts: { kind?: DefinitionKind | 'server'; by?: string; reason?: string } = {}) {
    return this.setStatus(nameOrId, 'retired', opts.reason ?? (opts.by ? `retired by ${opts.by}` : 'retired'), opts);
  }

  /**
   * Change status. With `all` on a server (approve only): also approve its `pending` definitions
   * (quarantined ones still need a look each).
   */
  private async setStatus(nameOrId: string, status: RegistryStatus, reason: string, opts: { kind?: DefinitionKind | 'server'; all?: boolean }): Promise<StatusChangeEvent[]> {
    const { servers, defs } = await this.resolve(nameOrId, opts.kind);
    const events: StatusChangeEvent[] = [];
    for (const s of servers) {
      await this.store.setServerStatus(s.name, status);
      this.servers.set(s.name, { ...s, status });
      events.push({ kind: 'server', server: s.name, name: '', status });
      if (opts.all && status === 'approved') {
        for (const d of [...this.defs.values()]) if (d.server === s.name && d.status === 'pending') defs.push(d);
      }
    }
    for (const d of defs) {
      await this.store.setDefinitionStatus(d.kind, d.server, d.name, status, reason);
      this.cacheDef({ ...d, status, reason });
      events.push({ kind: d.kind, server: d.server, name: d.name, status });
    }
    this.bump();
    for (const e of events) this.emit(e);
    return events;
  }

  /**
   * A readable diff for `registry diff server__tool`: the previous version against the current one;
   * for a tool held as `renamed from X`, X's definition against this one.
   */
  async diff(nameOrId: string, opts: { kind?: DefinitionKind } = {}): Promise<string> {
    const { defs, servers } = await this.resolve(nameOrId, opts.kind);
    if (servers.length > 0 && defs.length === 0) {
      const d = this.defs.get(key('instructions', servers[0]!.name, ''));
      if (!d) throw new RegistryError(`"${nameOrId}" is a server; diff takes server${this.separator}tool (or --kind instructions for its instructions)`);
      defs.push(d);
    }
    const parts: string[] = [];
    for (const d of defs) {
      const id = this.idOf(d.kind, d.server, d.name);
      const head = `${KIND_LABEL[d.kind]} ${id}: ${d.status}${d.reason ? ` (${d.reason})` : ''}`;
      const renamed = /^renamed from (\S+)/.exec(d.reason ?? '');
      if (renamed) {
        let src: DefinitionRecord | undefined;
        try {
          src = (await this.resolve(renamed[1]!, d.kind)).defs[0];
        } catch {
          src = undefined;
        }
        if (src) {
          parts.push(head, diffDefinitions(src.definition, d.definition, { fromLabel: `${renamed[1]} (${src.status})`, toLabel: `${id} (${d.status})` }) || '(identical apart from the name)\n');
          continue;
        }
      }
      // In the order first seen (the store orders by first_seen, then insertion).
      const versions = await this.store.listDefinitionVersions(d.kind, d.server, d.name);
      const curIdx = versions.map((v) => v.hash).lastIndexOf(d.hash);
      const prev = curIdx > 0 ? versions[curIdx - 1] : versions.filter((v) => v.hash !== d.hash).at(-1);
      if (!prev) {
        parts.push(head, `only one version seen (first seen ${d.firstSeen}); current definition:\n${diffDefinitions({}, d.definition, { fromLabel: '(nothing)', toLabel: `${id} ${d.hash.slice(0, 12)}` })}`);
        continue;
      }
      parts.push(
        head,
        diffDefinitions(prev.definition, d.definition, {
          fromLabel: `${id} ${prev.hash.slice(0, 12)} (first seen ${prev.firstSeen})`,
          toLabel: `${id} ${d.hash.slice(0, 12)} (current, last seen ${d.lastSeen})`,
        }),
      );
    }
    return parts.join('\n');
  }

  /** Servers and definitions for `registry list`. */
  async list(filter: { status?: RegistryStatus; server?: string; kind?: DefinitionKind } = {}): Promise<{ servers: ServerRecord[]; definitions: DefinitionRecord[] }> {
    const [servers, definitions] = await Promise.all([this.store.listServers(), this.store.listDefinitions(filter)]);
    return {
      servers: servers.filter((s) => (!filter.status || s.status === filter.status) && (!filter.server || s.name === filter.server)),
      definitions,
    };
  }

  // ------------------------------------------------------------------ internals

  private cacheDef(d: DefinitionRecord): void {
    const k = key(d.kind, d.server, d.name);
    this.defs.set(k, d);
    if ((d.status === 'quarantined' || d.status === 'retired') && d.kind !== 'instructions') this.prints.set(k, definitionPrint(d.kind, d.definition));
    else this.prints.delete(k);
  }

  private bump(): void {
    this.generation++;
  }

  private emit(e: StatusChangeEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.opts.onError?.(err);
      }
    }
  }

  private now(): string {
    return (this.opts.now?.() ?? new Date()).toISOString();
  }

  private async ensureLoaded(): Promise<void> {
    if (!this.loaded) await this.load();
  }

  /** Serialize work per server so concurrent lists of one server do not race on first sight. */
  private async withLock<T>(server: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(server) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(server, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(server) === tail) this.locks.delete(server);
    }
  }

  /** Touch last-seen in the background, at most every touchIntervalMs per item. */
  private maybeTouch(kind: DefinitionKind, server: string, items: ReadonlyArray<{ name: string }>): void {
    const interval = this.opts.touchIntervalMs ?? 600_000;
    const nowMs = Date.now();
    for (const i of items) {
      const k = key(kind, server, i.name);
      const last = this.lastTouch.get(k) ?? 0;
      if (nowMs - last < interval) continue;
      this.lastTouch.set(k, nowMs);
      this.store.touchDefinition(kind, server, i.name).catch((e) => this.opts.onError?.(e));
    }
  }
}

/** Order-sensitive fingerprint of a list as listed (the same server lists in the same order). */
function listFingerprint(items: ReadonlyArray<{ name: string; definition: unknown }>): string {
  return sha256Hex(JSON.stringify(items.map((i) => [i.name, i.definition])));
}

function toDefinitionKind(kind: DefinitionKind | ListKind): DefinitionKind | undefined {
  if (kind in LIST_KIND_TO_DEFINITION) return LIST_KIND_TO_DEFINITION[kind as ListKind];
  return kind as DefinitionKind;
}

/** Quarantined and retired are hidden in both modes; pending only in enforce mode. */
export function visibleStatus(s: RegistryStatus, mode: RegistryMode): boolean {
  return s === 'approved' || (s === 'pending' && mode === 'observe');
}

function summary(findings: Finding[]): string {
  const parts = [...new Set(findings.map((f) => f.message ?? `${f.category} (${f.detector})`))];
  const s = parts.slice(0, 3).join('; ');
  return parts.length > 3 ? `${s}; +${parts.length - 3} more` : s;
}

function serverReason(server: string, status: RegistryStatus): string {
  switch (status) {
    case 'pending':
      return `Server ${server} is pending approval in the Portcullis registry (registry.mode enforce). Approve it with \`portcullis registry approve ${server}\`.`;
    case 'quarantined':
      return `Server ${server} is quarantined by the Portcullis registry. Review it with \`portcullis registry list\` and re-admit it with \`portcullis registry approve ${server}\`.`;
    default:
      return `Server ${server} is ${status} in the Portcullis registry.`;
  }
}

function itemReason(kind: DefinitionKind, id: string, rec: DefinitionRecord): string {
  const label = KIND_LABEL[kind];
  const why = rec.reason ? ` (${rec.reason})` : '';
  switch (rec.status) {
    case 'quarantined':
      return `${label} ${id} is quarantined by the Portcullis registry${why}. Review the change with \`portcullis registry diff ${id}\`, then re-admit it with \`portcullis registry approve ${id}\`.`;
    case 'pending':
      return `${label} ${id} is pending approval in the Portcullis registry (registry.mode enforce). Review it with \`portcullis registry diff ${id}\` and approve it with \`portcullis registry approve ${id}\`.`;
    case 'retired':
      return `${label} ${id} is retired in the Portcullis registry${why}.`;
    default:
      return `${label} ${id} is ${rec.status}.`;
  }
}

/** One audit finding per change (the scanner's findings ride along). */
function changeFindings(c: RegistryChange): Finding[] {
  const out: Finding[] = [];
  const base = { field: c.id };
  switch (c.change) {
    case 'new':
      out.push({ category: 'registry', detector: 'registry.new', severity: 'info', score: 1, ...base, message: `new ${c.kind} ${c.id}: ${c.status}` });
      break;
    case 'changed':
      out.push({ category: 'rug_pull', detector: 'registry.rug_pull', severity: 'high', score: 1, ...base, message: `${c.kind} ${c.id} changed after it was pinned: ${c.status} (${c.reason ?? ''})` });
      break;
    case 'renamed':
      out.push({ category: 'rug_pull', detector: 'registry.renamed', severity: 'high', score: 0.9, ...base, message: `${c.kind} ${c.id} held: ${c.reason ?? ''}` });
      break;
    case 'poisoned':
      out.push({ category: 'tool_poisoning', detector: 'registry.poisoned', severity: 'high', score: 0.9, ...base, message: `${c.kind} ${c.id}: ${c.status} (${c.reason ?? ''})` });
      break;
    default:
      break;
  }
  for (const f of c.findings) out.push({ ...f, field: f.field ? `${c.id}:${f.field}` : c.id });
  return out;
}
