/**
 * Shared vocabulary of the detectors. A detector is a pure function `text → Finding[]`:
 * no I/O, no global state, linear time in the input.
 */

import type { Severity } from '../shared/severity.js';
import type { PreparedText } from './prepared.js';

export type { Severity };

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/**
 * Top-level categories are the ones the batch interface and the corpus use
 * (`prompt_injection`, `tool_poisoning`, `secret`, `pii`) plus our own finer ones
 * (`invisible_unicode`, `ansi_escape`, `ssrf`, `sensitive_path`, `shell_injection`, `exfiltration_url`, ...).
 */
export interface Finding {
  category: string;
  /** Stable id of the rule or detector that fired, e.g. `secrets.aws-access-key`, `injection.override`. */
  detector: string;
  severity: Severity;
  /** Confidence in [0, 1]. */
  score: number;
  /** Span in the inspected text (UTF-16 indices, end exclusive), when the finding has one. */
  start?: number;
  end?: number;
  /** Where the text came from when it is part of a larger object: `description`, `inputSchema.properties.path.description`, `content[0].text`... */
  field?: string;
  /** A short human explanation. Never contains the matched secret itself. */
  message?: string;
  /** A label for redaction, e.g. `aws-access-key` → `[REDACTED:secret:aws-access-key]`. */
  label?: string;
}

export interface TextDetector {
  /** e.g. `secrets`, `pii`, `injection`. */
  id: string;
  detect(text: string): Finding[];
  /**
   * The same as `detect(p.text)`, reading the normalised text, the de-obfuscated copy and the
   * decoded segments from `p` (computed once for all detectors, prepared.ts). Optional: a detector
   * that does not normalise needs none of it.
   */
  detectPrepared?(p: PreparedText): Finding[];
}
