/**
 * Structured logs (pino). Logs go to stderr so that `portcullis stdio` keeps stdout for
 * JSON-RPC. Known secret-bearing fields are redacted by path; values never get logged raw.
 */
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export const REDACT_PATHS = [
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'env',
  '*.env',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
];

export function createLogger(level: string = process.env.PORTCULLIS_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    { level, base: { svc: 'portcullis' }, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } },
    pino.destination({ dest: 2, sync: false }),
  );
}

/** A logger that drops everything, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
