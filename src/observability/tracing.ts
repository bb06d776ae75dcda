/**
 * OpenTelemetry tracing. `initTracing(config)` starts the Node SDK with the OTLP/HTTP trace exporter
 * only when `observability.otlp` is set; otherwise nothing is loaded and `startSpan` hands out one
 * shared non-recording span (no allocation, no context work): zero cost.
 *
 * Propagation: `traceparentOf(span)` gives the W3C `traceparent` value for upstream HTTP headers and
 * for `params._meta.traceparent` on stdio; `parseTraceparent` reads one from a downstream request.
 */
import { context, ROOT_CONTEXT, trace, TraceFlags, type Attributes, type Context, type Span, type SpanContext, SpanKind } from '@opentelemetry/api';
import type { Config } from '../config/schema.js';

export type { Span, SpanContext } from '@opentelemetry/api';
export { SpanKind } from '@opentelemetry/api';

export interface Tracing {
  readonly enabled: boolean;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

const NOOP_SPAN: Span = trace.wrapSpanContext({ traceId: '00000000000000000000000000000000', spanId: '0000000000000000', traceFlags: TraceFlags.NONE });
const DISABLED: Tracing = { enabled: false, forceFlush: async () => {}, shutdown: async () => {} };

let active: Tracing = DISABLED;

export function tracingEnabled(): boolean {
  return active.enabled;
}

export interface TracingOptions {
  /** service.instance.id resource attribute. */
  instance?: string;
  /** Batch export delay in ms (default 1000; tests use less). */
  scheduledDelayMillis?: number;
  serviceVersion?: string;
}

/** Start tracing when `observability.otlp` is configured; a no-op otherwise. Idempotent. */
export async function initTracing(config: Config, opts: TracingOptions = {}): Promise<Tracing> {
  if (active.enabled) return active;
  const otlp = config.observability.otlp;
  if (!otlp) return DISABLED;
  // audit/otlp.js pulls in the OTel logs SDK: loaded only here, when OTLP is configured.
  const [{ NodeSDK, tracing, resources }, { OTLPTraceExporter }, { otlpUrl }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('../audit/otlp.js'),
  ]);
  const exporter = new OTLPTraceExporter({ url: otlpUrl(otlp.endpoint, 'traces'), headers: otlp.headers });
  const attrs: Record<string, string> = { 'service.name': 'portcullis' };
  if (opts.instance) attrs['service.instance.id'] = opts.instance;
  if (opts.serviceVersion) attrs['service.version'] = opts.serviceVersion;
  const sdk = new NodeSDK({
    resource: resources.resourceFromAttributes(attrs),
    autoDetectResources: false,
    spanProcessors: [new tracing.BatchSpanProcessor(exporter, { scheduledDelayMillis: opts.scheduledDelayMillis ?? 1000 })],
    instrumentations: [],
  });
  sdk.start();
  const provider = trace.getTracerProvider() as unknown as { forceFlush?: () => Promise<void>; getDelegate?: () => { forceFlush?: () => Promise<void> } };
  active = {
    enabled: true,
    forceFlush: async () => {
      const p = provider.getDelegate?.() ?? provider;
      await p.forceFlush?.();
    },
    shutdown: async () => {
      active = DISABLED;
      await sdk.shutdown();
    },
  };
  return active;
}

function parentContext(parent: Span | SpanContext | Context | string | undefined): Context {
  if (parent === undefined) return context.active();
  if (typeof parent === 'string') {
    const sc = parseTraceparent(parent);
    return sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : context.active();
  }
  if (typeof (parent as Span).spanContext === 'function') return trace.setSpan(context.active(), parent as Span);
  if (typeof (parent as SpanContext).traceId === 'string') return trace.setSpanContext(context.active(), parent as SpanContext);
  return parent as Context;
}

/**
 * Start a span (end it with `span.end()`). `parent`: a span, a span context, a context, or a W3C
 * traceparent string from a downstream request; default the active context.
 */
export function startSpan(name: string, attrs?: Attributes, parent?: Span | SpanContext | Context | string, kind: SpanKind = SpanKind.INTERNAL): Span {
  if (!active.enabled) return NOOP_SPAN;
  return trace.getTracer('portcullis').startSpan(name, { attributes: attrs, kind }, parentContext(parent));
}

/** Run `fn` with `span` as the active span (so child spans nest under it). */
export function withSpan<T>(span: Span, fn: () => T): T {
  if (!active.enabled) return fn();
  return context.with(trace.setSpan(context.active(), span), fn);
}

/** W3C traceparent (`00-<trace-id>-<span-id>-<flags>`) of a span, or undefined for a non-recording / invalid one. */
export function traceparentOf(span: Span | undefined): string | undefined {
  if (!span) return undefined;
  const sc = span.spanContext();
  if (!trace.isSpanContextValid(sc)) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The trace id to put in an audit event, when the span is real. */
export function traceIdOf(span: Span | undefined): string | undefined {
  const sc = span?.spanContext();
  return sc && trace.isSpanContextValid(sc) ? sc.traceId : undefined;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Parse a W3C traceparent header; undefined when absent or malformed. */
export function parseTraceparent(header: string | undefined | null): SpanContext | undefined {
  if (!header) return undefined;
  const m = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!m || m[1] === 'ff' || (m[1] === '00' && m[5] !== undefined)) return undefined;
  const sc: SpanContext = { traceId: m[2]!, spanId: m[3]!, traceFlags: parseInt(m[4]!, 16), isRemote: true };
  return trace.isSpanContextValid(sc) ? sc : undefined;
}

/**
 * Record the pipeline stages that ran as child spans of `parent`, laid end to end from
 * `startMs` (epoch ms) with the measured durations. The stages are timed anyway; this way a
 * trace shows them without wrapping every interceptor in span calls on the hot path.
 */
export function recordStageSpans(parent: Span, startMs: number, stages: Record<string, number>): void {
  if (!active.enabled) return;
  const ctx = trace.setSpan(context.active(), parent);
  const tracer = trace.getTracer('portcullis');
  let at = startMs;
  for (const [name, ms] of Object.entries(stages)) {
    const s = tracer.startSpan(name === 'upstream' ? 'upstream call' : `stage ${name}`, { startTime: at, attributes: { 'portcullis.stage': name } }, ctx);
    at += ms;
    s.end(at);
  }
}
