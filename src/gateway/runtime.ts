/**
 * Wiring: from a validated config to a running gateway (store, audit, pipeline, listeners, admin).
 * The CLI's `start` and `stdio` commands and the tests all go through `startRuntime`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { ms, type Config } from '../config/schema.js';
import { bindDataDir, ConfigError, loadConfig, PACKAGE_ROOT, resolveServers, type ResolvedServer } from '../config/load.js';
import { hasSecretRefs } from '../credentials/refs.js';
import { checkCredentialConfig, type CredentialBroker } from '../credentials/upstream.js';
import type { UpstreamOAuth } from '../credentials/oauth.js';
import type { TokenExchanger } from '../credentials/exchange.js';
import { pathBasesOf } from '../detect/canonpath.js';
import type { AuditSink } from '../audit/event.js';
import type { Store } from '../store/types.js';
import type { Registry } from '../registry/registry.js';
import type { Coord } from '../coord/types.js';
import type { Metrics } from '../observability/metrics.js';
import { isStdio } from '../config/schema.js';
import { createLogger, type Logger } from '../observability/log.js';
import { Pipeline } from '../pipeline/chain.js';
import type { PipelineContext } from '../pipeline/types.js';
import { Gateway, loadAuditRedaction, redactForAudit, type GatewayHooks } from './gateway.js';
import type { AuthOutcome } from './listener-http.js';
import { serveStdio } from './listener-stdio.js';
import { stdioPrincipal } from '../identity/local.js';
import { liveChildCount } from '../transports/stdio-child.js';
import { Feed } from '../admin/feed.js';

export const VERSION: string = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export interface RuntimeOptions {
  config: Config;
  dataDir: string;
  log?: Logger;
  /** Serve MCP over this process's stdin/stdout instead of HTTP (the admin port still runs unless disabled). */
  stdio?: boolean;
  /** Replace the configured servers (used by `portcullis stdio -- cmd`). */
  servers?: ResolvedServer[];
  /** Start the admin server (default: config.admin.enabled). */
  admin?: boolean;
  /** The file `config` was read from: the policy's YAML lists are re-read from it on reload. */
  configFile?: string;
}

export interface Runtime {
  gateway: Gateway;
  store: Store;
  registry: Registry;
  /** Revocations and counters (memory or Redis). */
  coord: Coord;
  mcpUrl?: string;
  adminUrl?: string;
  /** The admin token file; `created` holds the token when this start made it (print it once). */
  adminToken?: { file: string; created?: string };
  /** Resolves when a stdio session ends. */
  stdioDone?: Promise<void>;
  close(): Promise<void>;
}


/**
 * Stands in for the pipeline while it is still being built, so a stdio gateway can spawn its child
 * first (see startRuntime). Nothing reaches it before the real one is set (stdin is held back until
 * then); if something did, it would wait for the real pipeline, or fail if building it failed.
 */
class PendingPipeline extends Pipeline {
  private real?: Pipeline;
  constructor(private readonly building: Promise<Pipeline>) {
    super([]);
    building.then((p) => (this.real = p), () => undefined);
  }
  override has(hook: PipelineContext['hook']): boolean {
    return this.real?.has(hook) ?? true;
  }
  override hasStage(name: string): boolean {
    return this.real?.hasStage(name) ?? false;
  }
  override run(ctx: PipelineContext): ReturnType<Pipeline['run']> {
    return this.real ? this.real.run(ctx) : this.building.then((p) => p.run(ctx));
  }
  override async close(): Promise<void> {
    await this.building.then((p) => p.close(), () => undefined);
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined); // a failed start is reported by startRuntime itself
  return { promise, resolve, reject };
}

export async function startRuntime(o: RuntimeOptions): Promise<Runtime> {
  const { config, dataDir } = o;
  const log = o.log ?? createLogger(config.observability.logLevel);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  bindDataDir(config, dataDir); // what `${dataDir}` in a server's env / args stands for

  const closers: Array<() => Promise<void>> = [];
  const approvalTtlMs = ms(config.approvals.ttl, 15 * 60_000);
  // Filled in below; the hooks only run once sessions carry traffic (after everything is set).
  let metrics: Metrics | undefined;
  let registry: Registry | undefined;
  // The admin console's live feed: publishing is one size check while nobody watches.
  const feed = new Feed();
  const hooks: GatewayHooks = {
    async onUpstreamReady(u) {
      const target = isStdio(u.spec) ? [path.basename(u.spec.command), ...u.spec.args].join(' ') : u.spec.url;
      const transport = isStdio(u.spec) ? 'stdio' : u.spec.type === 'sse' ? 'sse' : 'http';
      await registry!.observeServer(u.name, transport, target, u.spec.owner);
      await registry!.checkInstructions(u.name, u.init?.instructions);
    },
    instructionsVisible: (server) => registry?.instructionsVisible(server) ?? false,
    onSessionChange: (transport, delta) => (delta > 0 ? metrics?.sessionOpened(transport) : metrics?.sessionClosed(transport)),
    onUpstreamHealth: (server, up) => {
      metrics?.setUpstreamUp(server, up);
      feed.upstreamHealth(server, up);
    },
    onUpstreamRestart: (server) => {
      metrics?.incUpstreamRestarts(server);
      feed.upstreamRestart(server);
    },
    onEvent(ev) {
      if (feed.size > 0) feed.publish({ type: 'decision', event: ev });
      if (!metrics) return;
      metrics.recordCall({ server: ev.server, method: ev.method, decision: ev.decision, tool: ev.target, seconds: ev.latencyMs === undefined ? undefined : ev.latencyMs / 1000 });
      if (ev.decision !== 'allow' || ev.rule) metrics.recordDecision(ev.decision, ev.rule);
      for (const f of ev.findings) metrics.recordFinding(f);
      if (ev.stages) for (const [k, v] of Object.entries(ev.stages)) metrics.observeStage(k, v / 1000);
    },
  };
  // `${secret:NAME}` in a server's env / headers: opened from the vault before any upstream starts
  // (a server is never started with a literal reference); the store is opened only when one is used.
  let servers = o.servers ?? resolveServers(config);
  const credentialProblems = checkCredentialConfig(servers, { jwt: config.auth !== 'none' && config.auth.jwt !== undefined });
  if (credentialProblems.length > 0) throw new ConfigError(credentialProblems);
  if (hasSecretRefs(servers)) servers = await resolveServerSecrets(config, dataDir, servers);
  // Per-principal credentials (servers.<name>.credentials): asked for per connection / request, once the store is open.
  const broker = deferred<CredentialBroker>();
  let oauthClient: UpstreamOAuth | undefined;
  let mcpUrlValue: string | undefined;
  const mcpUrlOf = () => {
    if (o.stdio) throw new Error('signing in to an upstream needs the HTTP listener, which receives the answer at /oauth/callback: run the gateway with `portcullis start`, not `portcullis stdio`');
    if (!mcpUrlValue) throw new Error('the MCP listener is not up yet');
    return mcpUrlValue;
  };
  if (servers.some((s) => s.spec.credentials)) {
    hooks.credentials = async (server, principal) => (await broker.promise).values(server, principal);
    hooks.credentialsRejected = async (server, principal) => (await broker.promise).rejected(server, principal);
  }
  // Servers are pooled (`isolation: shared`) unless they say otherwise; `portcullis stdio` has one
  // client, so each server is its own (`session`) and gets that client's capabilities and roots as they are.
  const defaultIsolation = o.stdio ? 'session' : 'shared';
  const makeGateway = (pipeline: Pipeline, sink: AuditSink) => new Gateway({ config, pipeline, sink, log, version: VERSION, servers, hooks, defaultIsolation });

  // stdio: create the gateway and its session now, which spawns the upstream child(ren), and load
  // and build everything else while they start. Client messages are held back (`stdin` is piped in
  // only at the end), so nothing is relayed before the pipeline and the audit log are in place.
  let gateway: Gateway | undefined;
  let stdioIn: PassThrough | undefined;
  const pendingPipeline = deferred<Pipeline>();
  const pendingSink = deferred<AuditSink>();
  if (o.stdio) {
    const sink: AuditSink = { write: async (ev) => (await pendingSink.promise).write(ev) };
    gateway = makeGateway(new PendingPipeline(pendingPipeline.promise), sink);
    stdioIn = new PassThrough();
  }
  const early = gateway;
  const stdioSession = early && stdioIn ? serveStdio(early, stdioPrincipal(config.auth), stdioIn) : undefined;

  // Everything else; loaded here rather than at the top so that, with stdio, it loads while the child starts.
  let audit: Awaited<ReturnType<typeof import('../audit/index.js').openAudit>> | undefined;
  // The detectors (inspect stage, audit redaction: ~6 MB of heap) load with the first message through the
  // pipeline when the gateway serves HTTP, so an idle gateway does not hold them. The stdio wrap loads them
  // while its child starts (its one client is already there); redacted audit copies need them for events
  // built outside the pipeline too.
  const detectorsLazy = !o.stdio && !config.audit.redactedCopies;
  const loadDetectors = () => Promise.all([loadAuditRedaction(), import('../pipeline/interceptors/inspect.js')]);
  const build = async () => {
    const [
      { openAudit, startRetention },
      { openStore },
      { openCoord },
      { Registry },
      { Metrics },
      { initTracing },
      { createPipeline },
    ] = await Promise.all([
      import('../audit/index.js'),
      import('../store/index.js'),
      import('../coord/index.js'),
      import('../registry/registry.js'),
      import('../observability/metrics.js'),
      import('../observability/tracing.js'),
      import('../pipeline/stages.js'),
      detectorsLazy ? undefined : loadDetectors(),
    ] as const);
    (await import('../detect/model.js')).setLearnedScorers(config.inspect.learnedScorer);
    metrics = new Metrics();
    // A session opened before metrics existed (the stdio one) is counted now.
    if (early) for (const sess of early.sessions.values()) metrics.sessionOpened(sess.transport);
    const tracing = await initTracing(config, { serviceVersion: VERSION });
    closers.push(() => tracing.shutdown());
    // SQLite commits inline unless `audit.writerThread` (measured both ways: bench/README.md, "Session 6").
    const store = await openStore(config, dataDir);
    closers.push(() => store.close());
    const m = metrics;
    audit = await openAudit(config, store, dataDir, {
      metrics: m.auditHook(),
      onError: (err, what) => log.error({ err: err instanceof Error ? err.message : String(err) }, what),
    });
    const auditLog = audit;
    // Closed after the gateway (so the last events and a final checkpoint are written): see close().
    const stopRetention = startRetention(config, auditLog, { onError: (err, what) => log.error({ err: String(err) }, what) });
    closers.push(async () => stopRetention());
    const coord = await openCoord(config);
    closers.push(() => coord.close());
    const reg = await Registry.open(store, config, { onError: (e: unknown) => log.warn({ err: String(e) }, 'registry refresh failed') });
    registry = reg;
    reg.startAutoRefresh(5000);
    closers.push(async () => reg.stopAutoRefresh());

    // No `policy:` section → no authz stage (everything not refused by another stage is allowed).
    // With one, default deny; an invalid policy set refuses to start (PolicyLoadError lists file:line problems).
    // Cedar (WebAssembly) is loaded only when a policy is configured.
    const configFile = o.configFile;
    const reread = configFile ? { configFile, readPolicySection: async () => (await loadConfig(configFile)).config.policy } : {};
    // Where each server's path arguments are relative to (cwd, roots, home): for path canonicalisation.
    const pathBase = pathBasesOf(servers);
    const policy = config.policy ? await (await import('../policy/index.js')).createPolicyEngine(config, { logger: log, pathBase, ...reread }) : undefined;
    const grants = policy ? await import('../credentials/grants.js') : undefined;
    const authzOptions = grants
      ? { findGrant: async (principal: string, server: string, tool: string, args: unknown) => (await grants.findCoveringGrant(store, principal, server, tool, args))?.id }
      : undefined;
    // Grants end on their own (checked at decision time); this only records each expiry in the audit log.
    const grantExpiry = grants
      ? new grants.GrantExpiryRecorder(store, (ev) => auditLog.write(ev), () => gateway?.instance ?? 'gateway', (e: unknown) => log.warn({ err: String(e) }, 'recording grant expiries failed'))
      : undefined;
    if (grantExpiry) {
      grantExpiry.start();
      closers.push(async () => grantExpiry.stop());
    }
    if (policy) {
      const onHup = () => void policy.reload().catch((e: unknown) => log.error({ err: String(e) }, 'policy reload failed; the old set stays in force'));
      process.on('SIGHUP', onHup);
      closers.push(async () => void process.off('SIGHUP', onHup));
    }

    if (hooks.credentials) {
      const opened = await openCredentialBroker({
        config,
        dataDir,
        store,
        servers,
        // Where the user's browser comes back after signing in to an upstream: the MCP port's /oauth/callback.
        redirectUrl: () => new URL('/oauth/callback', config.listen.publicUrl ?? mcpUrlOf()).href,
        isRevoked: (principal) => coord.isRevoked(`principal:${principal}`),
      });
      oauthClient = opened.oauth;
      broker.resolve(opened.broker);
    }
    const pipeline = createPipeline({ config, coord, registry: reg, store, ...(policy ? { policy } : {}), ...(authzOptions ? { authz: authzOptions } : {}), inspect: { pathBase }, approvalTtlMs, redact: redactForAudit, ...(detectorsLazy ? { prepare: loadDetectors } : {}) }, (name, hook, err) =>
      log.error({ interceptor: name, hook, err: err instanceof Error ? err.message : String(err) }, 'interceptor failed; denied'),
    );
    pendingPipeline.resolve(pipeline);
    pendingSink.resolve(auditLog);
    gateway ??= makeGateway(pipeline, auditLog);
    const gw = gateway;
    gw.revocation = coord;
    // A status change (approval, quarantine, rug pull) changes what clients may see: tell them to list again.
    reg.onChange((e) => gw.notifyListChanged(e.kind === 'prompt' ? 'prompts' : 'tools'));
    // So does a new policy set: what each principal may see is decided again at the next list.
    policy?.onReload((outcome) => {
      if (outcome.ok) for (const kind of ['tools', 'prompts', 'resources'] as const) gw.notifyListChanged(kind);
    });
    return { store, registry: reg, coord, metrics: m, audit: auditLog, gateway: gw, policy, grantExpiry };
  };
  let built: Awaited<ReturnType<typeof build>>;
  try {
    built = await build();
  } catch (e) {
    const err = new Error('startup failed');
    broker.reject(err);
    pendingPipeline.reject(err);
    pendingSink.reject(err);
    // Stop the child(ren) already started, then what was opened.
    await early?.close().catch(() => undefined);
    await audit?.close().catch(() => undefined);
    for (const c of closers.reverse()) await c().catch(() => undefined);
    throw e;
  }
  const { store, coord, gateway: gw } = built;
  const m = built.metrics;
  const reg = built.registry;
  const auditLog = built.audit;

  const runtime: Runtime = {
    gateway: gw,
    store,
    registry: reg,
    coord,
    async close() {
      await gw.close().catch((e: unknown) => log.warn({ err: String(e) }, 'error while closing the gateway'));
      await auditLog.close().catch((e: unknown) => log.warn({ err: String(e) }, 'error while closing the audit log'));
      for (const c of closers.reverse()) await c().catch((e: unknown) => log.warn({ err: String(e) }, 'error while closing'));
    },
  };

  try {
    if (stdioSession) {
      runtime.stdioDone = stdioSession.done;
    } else {
      // The HTTP listener, authentication (jose) and the admin server are loaded only when used:
      // `portcullis stdio` needs none of them.
      const [{ HttpListener }, { authErrorResponse, createAuthenticator, protectedResourceMetadata, resourceMetadataPaths }] = await Promise.all([
        import('./listener-http.js'),
        import('../identity/http.js'),
      ]);
      const authenticator = createAuthenticator(config, {
        apiKeys: store,
        baseDir: (config as { baseDir?: string }).baseDir,
        onError: (err) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'authentication error'),
      });
      if (config.auth === 'none') log.warn('auth: none — every local client is anonymous and unauthenticated; use it on a developer machine only');
      const metadataPaths = new Set(resourceMetadataPaths(config));
      // A fleet (shared PostgreSQL store): old-era sessions and the requestState key are shared (src/gateway/fleet.ts).
      const fleet = store.kind === 'postgres' ? (await import('./fleet.js')).openFleet(store, coord, { instance: `${gw.instance}/${randomBytes(4).toString('hex')}`, log, idleMs: ms(config.limits.sessionIdleTimeout, 30 * 60_000) }) : undefined;
      const requestStateKey = fleet ? Buffer.from(await store.sharedKey('era.requestState', randomBytes(32).toString('base64')), 'base64') : undefined;
      const listener = new HttpListener(gw, {
        ...(fleet ? { fleet } : {}),
        ...(requestStateKey ? { requestStateKey } : {}),
        host: config.listen.host,
        port: config.listen.port,
        path: config.listen.path,
        maxMessageBytes: config.limits.maxMessageBytes,
        maxStreamBufferBytes: config.limits.maxStreamBufferBytes,
        allowedHosts: config.listen.allowedHosts,
        allowedOrigins: config.listen.allowedOrigins,
        authenticate: async (req): Promise<AuthOutcome> => {
          const r = await authenticator.authenticate(req.headers);
          if (r.ok) return { ok: true, principal: r.principal };
          const e = authErrorResponse(r, config);
          return { ok: false, status: e.status, headers: e.headers, body: JSON.parse(e.body) as Record<string, unknown> };
        },
        // RFC 9728: where clients discover the authorization server for this resource.
        extraRoutes: (req, res) => {
          const p = new URL(req.url ?? '/', 'http://gateway').pathname;
          // The user's browser, back from signing in to an upstream (credentials.oauth).
          if (oauthClient && req.method === 'GET' && p === '/oauth/callback') {
            void oauthCallback(oauthClient, req, res, (ev) => auditLog.write(ev), gw.instance, log, (principal, elicitationId) => {
              // The principal's sessions list again (the server left out for want of a token now answers),
              // and a client shown the link as a URL-mode elicitation hears that it completed.
              for (const sess of gw.sessions.values()) {
                if (sess.principal.id !== principal || !sess.initialized) continue;
                for (const k of ['tools', 'prompts', 'resources'] as const) sess.listChanged(k);
                sess.elicitationComplete(elicitationId);
              }
            });
            return true;
          }
          if (req.method !== 'GET' || !metadataPaths.has(p)) return false;
          const body = JSON.stringify(protectedResourceMetadata(config));
          res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
          res.end(body);
          return true;
        },
      });
      const addr = await listener.listen();
      closers.push(() => listener.close());
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      runtime.mcpUrl = `http://${host}:${addr.port}${config.listen.path}`;
      mcpUrlValue = runtime.mcpUrl;
    }
    if (o.admin ?? config.admin.enabled) {
      const [{ AdminServer }, { adminApi }, { ensureTokenFile }, { consolePages }, { verificationKeys }, { signingKeySource }] = await Promise.all([
        import('../admin/server.js'),
        import('../admin/api.js'),
        import('../admin/token.js'),
        import('../admin/pages.js'),
        import('../audit/ops.js'),
        import('../audit/index.js'),
      ]);
      let lastReload: { ok: boolean; policies: number; problems?: string[]; time: string } | undefined;
      built.policy?.onReload((o) => (lastReload = { ...o, time: new Date().toISOString() }));
      reg.onChange((e) => feed.publish({ type: 'registry', change: { kind: e.kind, server: e.server, name: e.name, status: e.status } }));
      // The admin credential exists from the first start on, whatever the bind address.
      if (!config.admin.token) runtime.adminToken = ensureTokenFile(dataDir, 'admin');
      const admin = new AdminServer({
        host: config.admin.host,
        port: config.admin.port,
        dataDir,
        token: config.admin.token,
        viewerToken: config.admin.viewerToken,
        allowedHosts: config.admin.allowedHosts,
        allowedOrigins: config.admin.allowedOrigins,
        // Ready when the store answers and every upstream server can start (503 names the ones that cannot).
        ready: async () => {
          const storeOk = await store.auditHead().then(
            () => true,
            () => false,
          );
          const { ready, upstreams } = await gw.readiness();
          return { ready: storeOk && ready, store: storeOk ? 'ok' : 'unavailable', upstreams };
        },
        health: () => ({ sessions: gw.sessions.size, children: liveChildCount(), version: VERSION }),
        metrics: () => m.metricsText(),
        routes: [
          adminApi({
            gw,
            coord,
            store,
            registry: reg,
            config,
            feed,
            approvalTtlMs,
            ...(built.policy ? { policy: built.policy } : {}),
            lastReload: () => lastReload,
            auditKeys: () => verificationKeys(signingKeySource(config, dataDir)),
            startedAt: Date.now(),
            audit: (ev) => auditLog.write(ev),
            instance: gw.instance,
            onGrantsChanged: () => built.grantExpiry?.poke(),
            dropCredentials: (principal) => (oauthClient ? oauthClient.drop(principal) : store.deleteUpstreamCredentials(principal)),
          }),
        ],
        pages: consolePages(),
      });
      const a = await admin.listen();
      closers.push(() => admin.close());
      runtime.adminUrl = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    }
  } catch (e) {
    await runtime.close();
    throw e;
  }
  // Everything is in place: let the client's messages in.
  if (stdioIn) {
    const input = stdioIn;
    process.stdin.pipe(input);
    process.stdin.once('close', () => void (input.writableEnded || input.end()));
  }
  return runtime;
}

async function resolveServerSecrets(config: Config, dataDir: string, servers: ResolvedServer[]): Promise<ResolvedServer[]> {
  const [{ openStore }, { Vault, VaultError, loadMasterKey }, { resolveSecretRefs, secretNames }] = await Promise.all([
    import('../store/index.js'),
    import('../credentials/vault.js'),
    import('../credentials/refs.js'),
  ]);
  let master;
  try {
    master = loadMasterKey(dataDir);
  } catch (e) {
    if (e instanceof VaultError) throw new VaultError(`the config references secrets (${secretNames(servers).join(', ')}) but the vault cannot be opened: ${e.message}`);
    throw e;
  }
  const store = await openStore(config, dataDir);
  try {
    return await resolveSecretRefs(servers, new Vault(store, master));
  } finally {
    await store.close();
  }
}

async function openCredentialBroker(o: {
  config: Config;
  dataDir: string;
  store: Store;
  servers: ResolvedServer[];
  redirectUrl(): string;
  isRevoked(principal: string): Promise<boolean>;
}): Promise<{ broker: CredentialBroker; oauth?: UpstreamOAuth }> {
  const [{ Vault, loadMasterKey }, { CredentialBroker }] = await Promise.all([import('../credentials/vault.js'), import('../credentials/upstream.js')]);
  const master = loadMasterKey(o.dataDir, { create: true });
  const vault = new Vault(o.store, master);
  const oauthServers = o.servers.filter((s) => s.spec.credentials?.oauth);
  let oauth: UpstreamOAuth | undefined;
  if (oauthServers.length > 0) {
    const { UpstreamOAuth } = await import('../credentials/oauth.js');
    oauth = new UpstreamOAuth(oauthServers, { store: o.store, master, redirectUrl: o.redirectUrl, secret: (n) => vault.get(n), isRevoked: o.isRevoked });
  }
  let exchange: TokenExchanger | undefined;
  if (o.servers.some((s) => s.spec.credentials?.tokenExchange)) {
    const { TokenExchanger } = await import('../credentials/exchange.js');
    exchange = new TokenExchanger({ secret: (n) => vault.get(n) });
  }
  return { broker: new CredentialBroker({ servers: o.servers, vault, ...(oauth ? { oauth } : {}), ...(exchange ? { exchange } : {}) }), ...(oauth ? { oauth } : {}) };
}

/** GET /oauth/callback: store the user's tokens (never shown), answer the browser with a plain page, audit the outcome. */
async function oauthCallback(
  oauth: UpstreamOAuth,
  req: import('node:http').IncomingMessage,
  res: import('node:http').ServerResponse,
  audit: (ev: import('../audit/event.js').AuditEvent) => Promise<void>,
  instance: string,
  log: Logger,
  onAuthorized: (principal: string, elicitationId: string) => void,
): Promise<void> {
  const { callbackPage, OAuthCallbackError } = await import('../credentials/oauth.js');
  const { randomUUID } = await import('node:crypto');
  const headers = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" };
  const params = new URL(req.url ?? '/', 'http://gateway').searchParams;
  try {
    const { server, principal, elicitationId } = await oauth.callback(params);
    await audit({
      id: randomUUID(),
      time: new Date().toISOString(),
      instance,
      principal: { id: principal, kind: principal.startsWith('agent:') ? 'Agent' : 'User', groups: [] },
      hook: 'admin',
      server,
      method: 'credentials/authorize',
      target: server,
      decision: 'allow',
      reason: `${principal} authorized the gateway at ${server} (OAuth authorization code + PKCE); tokens sealed in the vault`,
      findings: [],
      outcome: 'ok',
    }).catch((e: unknown) => log.error({ err: String(e) }, 'audit of an upstream authorization failed'));
    onAuthorized(principal, elicitationId);
    res.writeHead(200, headers);
    res.end(callbackPage(true, `The gateway may now act for you at ${server}. You can close this window and call the tool again.`));
  } catch (e) {
    const status = e instanceof OAuthCallbackError ? e.status : 500;
    const text = e instanceof OAuthCallbackError ? e.message : 'The sign-in could not be completed.';
    if (!(e instanceof OAuthCallbackError)) log.warn({ err: e instanceof Error ? e.message : String(e) }, 'upstream OAuth callback failed');
    res.writeHead(status, headers);
    res.end(callbackPage(false, text));
  }
}
