/**
 * OpenTelemetry logs sink: each committed audit event becomes one log record (OTLP/HTTP JSON) when
 * `observability.otlp` is configured. Uses its own LoggerProvider (not the global one), batching
 * exports in the background; export failures never block or fail the gateway.
 */
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import type { Logger } from '@opentelemetry/api-logs';
import type { ChainedEvent } from '../store/types.js';
import type { AuditEvent, AuditSink } from './event.js';

/** `http://collector:4318` → `http://collector:4318/v1/logs`; a URL already ending in /v1/<signal> is kept. */
export function otlpUrl(endpoint: string, signal: 'logs' | 'traces' | 'metrics'): string {
  if (/\/v1\/(logs|traces|metrics)\/?$/.test(endpoint)) return endpoint.replace(/\/v1\/(logs|traces|metrics)\/?$/, `/v1/${signal}`);
  return endpoint.replace(/\/+$/, '') + `/v1/${signal}`;
}

const SEVERITY: Record<string, { n: number; t: string }> = {
  allow: { n: 9, t: 'INFO' },
  modify: { n: 13, t: 'WARN' },
  approve: { n: 13, t: 'WARN' },
  deny: { n: 17, t: 'ERROR' },
};

export interface OtlpSinkOptions {
  endpoint: string;
  headers?: Record<string, string>;
  /** Resource attributes, e.g. service.instance.id. */
  resource?: Record<string, string>;
  /** Export delay (ms) of the batch processor; default 1000. */
  scheduledDelayMillis?: number;
}

export class OtlpAuditSink implements AuditSink {
  private readonly provider: LoggerProvider;
  private readonly logger: Logger;

  constructor(o: OtlpSinkOptions) {
    const exporter = new OTLPLogExporter({ url: otlpUrl(o.endpoint, 'logs'), headers: o.headers ?? {} });
    this.provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'portcullis', ...(o.resource ?? {}) }),
      processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: o.scheduledDelayMillis ?? 1000 })],
    });
    this.logger = this.provider.getLogger('portcullis.audit');
  }

  private emit(event: AuditEvent, chain?: { seq: number; hash: string }): void {
    const sev = SEVERITY[event.decision] ?? { n: 9, t: 'INFO' };
    const attributes: Record<string, string | number | boolean | string[]> = {
      'event.name': 'portcullis.audit',
      'portcullis.event.id': event.id,
      'portcullis.decision': event.decision,
      'portcullis.method': event.method,
      'portcullis.hook': event.hook,
      'portcullis.principal': event.principal.id,
      'portcullis.findings': event.findings.length,
    };
    if (event.server) attributes['portcullis.server'] = event.server;
    if (event.target) attributes['portcullis.target'] = event.target;
    if (event.rule) attributes['portcullis.rule'] = event.rule;
    if (event.outcome) attributes['portcullis.outcome'] = event.outcome;
    if (event.session) attributes['portcullis.session'] = event.session;
    if (event.latencyMs !== undefined) attributes['portcullis.latency_ms'] = event.latencyMs;
    if (chain) {
      attributes['portcullis.audit.seq'] = chain.seq;
      attributes['portcullis.audit.hash'] = chain.hash;
    }
    const rec: Parameters<Logger['emit']>[0] = {
      timestamp: new Date(event.time),
      severityNumber: sev.n,
      severityText: sev.t,
      body: JSON.stringify(event),
      attributes,
    };
    this.logger.emit(rec);
  }

  write(event: AuditEvent): void {
    this.emit(event);
  }

  writeChained(batch: ChainedEvent[]): void {
    for (const c of batch) this.emit(c.event, c);
  }

  flush(): Promise<void> {
    return this.provider.forceFlush();
  }

  async close(): Promise<void> {
    await this.provider.shutdown();
  }
}
