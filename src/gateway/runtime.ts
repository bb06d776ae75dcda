/**
 * Wiring: from a validated config to a running gateway (store, audit, pipeline, listeners, admin).
 * The CLI's `start` and `stdio` commands and the tests all go through `startRuntime`.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ms, type Config } from '../config/schema.js';
import { configPath, PACKAGE_ROOT, type ResolvedServer } from '../config/load.js';
import { JsonlSink, TeeSink } from '../audit/jsonl-sink.js';
import type { AuditSink } from '../audit/event.js';
import { AdminServer } from '../admin/server.js';
import { createLogger, type Logger } from '../observability/log.js';
import { buildPipeline } from '../pipeline/stages.js';
import { createValidateInterceptor } from '../pipeline/interceptors/validate.js';
import type { Principal } from '../pipeline/types.js';
import { Gateway } from './gateway.js';
import { HttpListener, type AuthOutcome } from './listener-http.js';
import { localPrincipal, serveStdio } from './listener-stdio.js';
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
  mcpUrl?: string;
  adminUrl?: string;
  /** Resolves when a stdio session ends. */
  stdioDone?: Promise<void>;
  close(): Promise<void>;
}

const ANONYMOUS: Principal = { id: 'anonymous', kind: 'Anonymous', groups: [], method: 'none' };

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startRuntime(o: RuntimeOptions): Promise<Runtime> {
  const { config, dataDir } = o;
  const log = o.log ?? createLogger(config.observability.logLevel);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  if (config.auth === 'none' && !o.stdio && !LOOPBACK.has(config.listen.host)) {
    throw new Error(`auth: none is accepted only on a loopback listener, and listen.host is ${config.listen.host}: configure auth (jwt or apiKeys) or bind 127.0.0.1`);
  }

  const extraSinks: AuditSink[] = [];
  if (config.audit.jsonl) extraSinks.push(new JsonlSink(configPath(config, config.audit.jsonl)));
  const sink: AuditSink = new TeeSink(new JsonlSink(path.join(dataDir, 'audit.jsonl')), extraSinks);

  const pipeline = buildPipeline(
    { validate: createValidateInterceptor() },
    {
      timeoutMs: ms(config.limits.interceptorTimeout, 5000),
      disabled: config.pipeline.disable,
      onError: (name, hook, err) => log.error({ interceptor: name, hook, err: err instanceof Error ? err.message : String(err) }, 'interceptor failed; denied'),
    },
  );

  const gateway = new Gateway({ config, pipeline, sink, log, version: VERSION, servers: o.servers });
  const closers: Array<() => Promise<void>> = [];
  const runtime: Runtime = {
    gateway,
    async close() {
      for (const c of closers.reverse()) await c().catch((e: unknown) => log.warn({ err: String(e) }, 'error while closing'));
      await gateway.close();
    },
  };

  try {
    if (o.stdio) {
      const principal = config.auth === 'none' ? ANONYMOUS : localPrincipal(config.auth.stdio);
      const { done } = serveStdio(gateway, principal);
      runtime.stdioDone = done;
    } else {
      if (config.auth === 'none') log.warn('auth: none — every local client is anonymous and unauthenticated; use it on a developer machine only');
      const listener = new HttpListener(gateway, {
        host: config.listen.host,
        port: config.listen.port,
        path: config.listen.path,
        maxMessageBytes: config.limits.maxMessageBytes,
        allowedHosts: config.listen.allowedHosts,
        allowedOrigins: config.listen.allowedOrigins,
        authenticate: async (): Promise<AuthOutcome> => ({ ok: true, principal: ANONYMOUS }),
      });
      const addr = await listener.listen();
      closers.push(() => listener.close());
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      runtime.mcpUrl = `http://${host}:${addr.port}${config.listen.path}`;
    }
    if (o.admin ?? config.admin.enabled) {
      if (!LOOPBACK.has(config.admin.host) && !config.admin.token) throw new Error(`admin.host is ${config.admin.host}: an admin port beyond loopback needs admin.token`);
      const admin = new AdminServer({
        host: config.admin.host,
        port: config.admin.port,
        token: config.admin.token,
        ready: () => true,
        health: () => ({ sessions: gateway.sessions.size, children: liveChildCount(), version: VERSION }),
        metrics: async () => '',
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
