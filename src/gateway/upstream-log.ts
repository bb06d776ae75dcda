/**
 * An upstream child's stderr, in the gateway log: what a server prints when it cannot start (a
 * missing variable, a bad path) is usually the only clue an operator gets.
 *
 * - Rate-limited per server (token bucket): a child that prints in a loop cannot flood the log;
 *   how many lines were dropped is logged when it calms down.
 * - Secrets (and personal data) redacted before logging: the detectors of audit redaction, and the
 *   literal values of the server's configured `env` (its API keys are what it most likely prints).
 */
import type { Logger } from '../observability/log.js';
import { loadAuditRedaction, redactForAudit } from './gateway.js';
import { redactText } from '../detect/redact.js';

const BURST = 20;
const PER_SECOND = 2;

interface Bucket {
  tokens: number;
  at: number;
  suppressed: number;
}

export class UpstreamStderr {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly log: Logger,
    /** The configured env values of each server, to redact literally. */
    private readonly envValues: (server: string) => string[],
  ) {}

  line(server: string, line: string): void {
    const now = Date.now();
    let b = this.buckets.get(server);
    if (!b) this.buckets.set(server, (b = { tokens: BURST, at: now, suppressed: 0 }));
    b.tokens = Math.min(BURST, b.tokens + ((now - b.at) / 1000) * PER_SECOND);
    b.at = now;
    if (b.tokens < 1) {
      b.suppressed++;
      return;
    }
    b.tokens--;
    const suppressed = b.suppressed;
    b.suppressed = 0;
    void this.redact(server, line).then((text) => {
      if (suppressed > 0) this.log.warn({ server, suppressed }, 'upstream stderr: lines dropped (rate limit)');
      this.log.info({ server, stderr: text }, 'upstream stderr');
    });
  }

  private async redact(server: string, line: string): Promise<string> {
    let text = line;
    for (const v of this.envValues(server)) if (v.length >= 6) text = text.split(v).join('[REDACTED:env]');
    try {
      await loadAuditRedaction();
      return redactText(text, redactForAudit(text));
    } catch {
      return '[stderr line withheld: secret redaction unavailable]';
    }
  }
}
