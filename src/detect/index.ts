/**
 * The detector registry: one place that knows every detector, used by the inspect
 * interceptors, the registry's poisoning check, `portcullis detect` and `npm run eval`.
 *
 * Each detector module exports a TextDetector (pure, linear-time `text → Finding[]`). detectText
 * prepares the text once (prepared.ts: normalisation, de-obfuscation, decoded segments, each on
 * first use) and hands it to every detector that reads it.
 */
import type { Finding, TextDetector } from './types.js';
import { injectionDetector } from './injection.js';
import { secretsDetector } from './secrets.js';
import { piiDetector } from './pii.js';
import { unicodeDetector } from './unicode.js';
import { pathsDetector } from './paths.js';
import { scanToolDefinition, type ToolDefinition } from './poisoning.js';
import { PreparedText } from './prepared.js';

export type { Finding, TextDetector } from './types.js';
export type { ToolDefinition } from './poisoning.js';
export { PreparedText, prepareText } from './prepared.js';

export const TEXT_DETECTORS: readonly TextDetector[] = [
  injectionDetector,
  secretsDetector,
  piiDetector,
  unicodeDetector,
  pathsDetector,
];

const BY_ID = new Map(TEXT_DETECTORS.map((d) => [d.id, d]));

export function detectorIds(): string[] {
  return [...BY_ID.keys(), 'poisoning'];
}

/** Run the named text detectors (all when `ids` is omitted) over one text. */
export function detectText(text: string, ids?: readonly string[]): Finding[] {
  const out: Finding[] = [];
  const p = new PreparedText(text);
  for (const d of ids ? ids.map((id) => BY_ID.get(id)).filter((d): d is TextDetector => d !== undefined) : TEXT_DETECTORS) {
    for (const f of d.detectPrepared ? d.detectPrepared(p) : d.detect(text)) out.push(f);
  }
  return out;
}

/** Scan a tool (or prompt / resource template) definition for poisoning. */
export function detectTool(tool: ToolDefinition): Finding[] {
  return scanToolDefinition(tool);
}
