/**
 * Wiring: from a validated config to a running gateway (store, audit, pipeline, listeners, admin).
 * The CLI's `start` and `stdio` commands and the tests all go through `startRuntime`.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ms, type Config } from '../config/schema.js';
import { configPath, PACKAGE_ROOT, type ResolvedServer } from '../config/load.js';
import { openAudit, startRetention } from '../audit/index.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { openCoord } from '../coord/index.js';
import { Registry } from '../registry/registry.js';
import { Metrics } from '../observability/metrics.js';
import { initTracing } from '../observability/tracing.js';
import { createRegistryInterceptor } from '../pipeline/interceptors/registry.js';
import { createInspectInterceptor } from '../pipeline/interceptors/inspect.js';
import { createFlowInterceptor } from '../pipeline/interceptors/flow.js';
import { createRateInterceptor } from '../pipeline/interceptors/rate.js';
import { createApprovalInterceptor } from '../pipeline/interceptors/approval.js';
import { isStdio } from '../config/schema.js';
import { AdminServer } from '../admin/server.js';
import { adminApi } from '../admin/api.js';
import { createLogger, type Logger } from '../observability/log.js';
import { buildPipeline } from '../pipeline/stages.js';
import { createValidateInterceptor } from '../pipeline/interceptors/validate.js';
import { Gateway } from './gateway.js';
import { HttpListener, type AuthOutcome } from './listener-http.js';
import { serveStdio } from './listener-stdio.js';
import { authErrorResponse, createAuthenticator, isLoopbackHost, protectedResourceMetadata, resourceMetadataPaths, stdioPrincipal } from '../identity/http.js';
import { liveChildCount } from '../transports/stdio-child.js';

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
}

export interface Runtime {
  gateway: Gateway;
  store: Store;
  registry: Registry;
  mcpUrl?: string;
  adminUrl?: string;
  /** Resolves when a stdio session ends. */
  stdioDone?: Promise<void>;
  close(): Promise<void>;
}


export async function startRuntime(o: RuntimeOptions): Promise<Runtime> {
  const { config, dataDir } = o;
  const log = o.log ?? createLogger(config.observability.logLevel);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  const closers: Array<() => Promise<void>> = [];
  const metrics = new Metrics();
  const tracing = await initTracing(config, { serviceVersion: VERSION });
  closers.push(() => tracing.shutdown());
  const store = await openStore(config, dataDir);
  closers.push(() => store.close());
  const audit = await openAudit(config, store, dataDir, {
    metrics: metrics.auditHook(),
    onError: (err, what) => log.error({ err: err instanceof Error ? err.message : String(err) }, what),
  });
  // Closed after the gateway (so the last events and a final checkpoint are written): see close().
  const stopRetention = startRetention(config, audit, { onError: (err, what) => log.error({ err: String(err) }, what) });
  closers.push(async () => stopRetention());
  const coord = await openCoord(config);
  closers.push(() => coord.close());
  const registry = await Registry.open(store, config, { onError: (e: unknown) => log.warn({ err: String(e) }, 'registry refresh failed') });
  registry.startAutoRefresh(5000);
  closers.push(async () => registry.stopAutoRefresh());

  // No `policy:` section → no authz stage (everything not refused by another stage is allowed).
  // With one, default deny; an invalid policy set refuses to start (PolicyLoadError lists file:line problems).
  // Cedar (WebAssembly) is loaded only when a policy is configured.
  const policy = config.policy ? await (await import('../policy/index.js')).createPolicyEngine(config, { logger: log }) : undefined;
  const authz = policy ? (await import('../pipeline/interceptors/authz.js')).createAuthzInterceptor(policy) : undefined;
  if (policy) {
    const onHup = () => void policy.reload().catch((e: unknown) => log.error({ err: String(e) }, 'policy reload failed; the old set stays in force'));
    process.on('SIGHUP', onHup);
    closers.push(async () => void process.off('SIGHUP', onHup));
  }

  const pipeline = buildPipeline(
    {
      validate: createValidateInterceptor(),
      registry: createRegistryInterceptor(registry, config),
      inspect: createInspectInterceptor(config.inspect),
      ...(authz ? { authz } : {}),
      flow: createFlowInterceptor(config.flow),
      rate: createRateInterceptor(coord, config.limits.callsPerMinute),
      approval: createApprovalInterceptor(),
    },
    {
      timeoutMs: ms(config.limits.interceptorTimeout, 5000),
      disabled: config.pipeline.disable,
      onError: (name, hook, err) => log.error({ interceptor: name, hook, err: err instanceof Error ? err.message : String(err) }, 'interceptor failed; denied'),
    },
  );

  const gateway = new Gateway({
    config,
    pipeline,
    sink: audit,
    log,
    version: VERSION,
    servers: o.servers,
    hooks: {
      async onUpstreamReady(u) {
        const target = isStdio(u.spec) ? [path.basename(u.spec.command), ...u.spec.args].join(' ') : u.spec.url;
        const transport = isStdio(u.spec) ? 'stdio' : u.spec.type === 'sse' ? 'sse' : 'http';
        await registry.observeServer(u.name, transport, target, u.spec.owner);
        await registry.checkInstructions(u.name, u.init?.instructions);
      },
      instructionsVisible: (server) => registry.instructionsVisible(server),
      onSessionChange: (transport, delta) => (delta > 0 ? metrics.sessionOpened(transport) : metrics.sessionClosed(transport)),
      onUpstreamHealth: (server, up) => metrics.setUpstreamUp(server, up),
      onUpstreamRestart: (server) => metrics.incUpstreamRestarts(server),
      onEvent(ev) {
        metrics.recordCall({ server: ev.server, method: ev.method, decision: ev.decision, tool: ev.target, seconds: ev.latencyMs === undefined ? undefined : ev.latencyMs / 1000 });
        if (ev.decision !== 'allow' || ev.rule) metrics.recordDecision(ev.decision, ev.rule);
        for (const f of ev.findings) metrics.recordFinding(f);
        if (ev.stages) for (const [k, v] of Object.entries(ev.stages)) metrics.observeStage(k, v / 1000);
      },
    },
  });
  // A status change (approval, quarantine, rug pull) changes what clients may see: tell them to list again.
  registry.onChange((e) => gateway.notifyListChanged(e.kind === 'prompt' ? 'prompts' : 'tools'));

  const runtime: Runtime = {
    gateway,
    store,
    registry,
    async close() {
      await gateway.close().catch((e: unknown) => log.warn({ err: String(e) }, 'error while closing the gateway'));
      await audit.close().catch((e: unknown) => log.warn({ err: String(e) }, 'error while closing the audit log'));
      for (const c of closers.reverse()) await c().catch((e: unknown) => log.warn({ err: String(e) }, 'error while closing'));
    },
  };

  try {
    if (o.stdio) {
      const { done } = serveStdio(gateway, stdioPrincipal(config.auth));
      runtime.stdioDone = done;
    } else {
      const authenticator = createAuthenticator(config, {
        apiKeys: store,
        baseDir: (config as { baseDir?: string }).baseDir,
        onError: (err) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'authentication error'),
      });
      if (config.auth === 'none') log.warn('auth: none — every local client is anonymous and unauthenticated; use it on a developer machine only');
      const metadataPaths = new Set(resourceMetadataPaths(config));
      const listener = new HttpListener(gateway, {
        host: config.listen.host,
        port: config.listen.port,
        path: config.listen.path,
        maxMessageBytes: config.limits.maxMessageBytes,
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
    }
    if (o.admin ?? config.admin.enabled) {
      if (!isLoopbackHost(config.admin.host) && !config.admin.token) throw new Error(`admin.host is ${config.admin.host}: an admin port beyond loopback needs admin.token`);
      const admin = new AdminServer({
        host: config.admin.host,
        port: config.admin.port,
        token: config.admin.token,
        ready: async () => {
          try {
            await store.auditHead();
            return true;
          } catch {
            return false;
          }
        },
        health: () => ({ sessions: gateway.sessions.size, children: liveChildCount(), version: VERSION }),
        metrics: () => metrics.metricsText(),
        routes: [adminApi(gateway, coord)],
      });
      const a = await admin.listen();
      closers.push(() => admin.close());
      runtime.adminUrl = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    }
  } catch (e) {
    await runtime.close();
    throw e;
  }
  return runtime;
}
