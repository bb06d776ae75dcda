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

/**
 * JSON lines on stderr, except on a terminal, where a person reads them next to the start banner:
 * one readable line per entry (`12:00:01 WARN  message  key=value`). `PORTCULLIS_LOG_FORMAT=json`
 * or `=pretty` overrides the guess.
 */
export function createLogger(level: string = process.env.PORTCULLIS_LOG_LEVEL ?? 'info', stderr: NodeJS.WriteStream = process.stderr): Logger {
  const format = process.env.PORTCULLIS_LOG_FORMAT ?? (stderr.isTTY ? 'pretty' : 'json');
  const opts = { level, base: { svc: 'portcullis' }, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } };
  if (format !== 'pretty') return pino(opts, pino.destination({ dest: 2, sync: false }));
  const color = stderr.isTTY === true && process.env.NO_COLOR === undefined;
  return pino(opts, { write: (line: string) => void stderr.write(prettyLine(line, color)) });
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const LEVEL_COLORS: Record<number, string> = { 10: '90', 20: '90', 30: '36', 40: '33', 50: '31', 60: '41' };

/** One pino JSON line as `HH:MM:SS LEVEL msg key=value …` (values JSON-encoded when not plain). */
export function prettyLine(line: string, color = false): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const { level, time, msg, svc: _svc, pid: _pid, hostname: _host, err, ...rest } = o;
  const lv = typeof level === 'number' ? level : 30;
  const name = (LEVEL_NAMES[lv] ?? String(level)).padEnd(5);
  const ts = typeof time === 'number' ? new Date(time).toTimeString().slice(0, 8) : '';
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' && /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)}`);
  const e = err && typeof err === 'object' ? `\n  ${String((err as { stack?: unknown; message?: unknown }).stack ?? (err as { message?: unknown }).message)}` : '';
  const lvText = color ? `\u001b[${LEVEL_COLORS[lv] ?? '0'}m${name}\u001b[0m` : name;
  return `${ts} ${lvText} ${typeof msg === 'string' ? msg : ''}${fields.length ? `  ${fields.join(' ')}` : ''}${e}\n`;
}

/** A logger that drops everything, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
