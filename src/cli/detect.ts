/**
 * `portcullis detect --jsonl [--detectors LIST]`: batch interface for the detectors.
 *
 * Reads JSON lines `{"id", "type": "text"|"tool", "text"|"tool"}` on stdin and writes one line per
 * input: `{"id", "categories": [...], "findings": [{"category","detector","start","end","severity","score"}]}`.
 * `categories` are the distinct categories of findings with severity ≥ medium; tool items go
 * through the tool-definition scanner (`tool_poisoning`). A bad line yields `{"id", "error"}` and
 * processing continues. Output is streamed with back-pressure.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import { SEVERITY_RANK, type Finding } from '../detect/types.js';

export interface DetectFns {
  detectText(text: string, ids?: readonly string[]): Finding[];
  detectTool(tool: never): Finding[];
}

export interface DetectLineOptions {
  /** Text detector ids to run (all when undefined). `poisoning` controls tool items. */
  detectors?: readonly string[];
}

/** Process one input line into one output object (never throws). */
export function processLine(line: string, fns: DetectFns, opts: DetectLineOptions = {}): Record<string, unknown> {
  let id: unknown = null;
  try {
    const rec = JSON.parse(line) as { id?: unknown; type?: unknown; text?: unknown; tool?: unknown };
    if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) throw new Error('line is not a JSON object');
    id = rec.id ?? null;
    const type = rec.type ?? (rec.tool !== undefined ? 'tool' : 'text');
    let findings: Finding[];
    if (type === 'text') {
      if (typeof rec.text !== 'string') throw new Error('"text" must be a string');
      const ids = opts.detectors?.filter((d) => d !== 'poisoning');
      findings = ids && ids.length === 0 ? [] : fns.detectText(rec.text, ids);
    } else if (type === 'tool') {
      if (typeof rec.tool !== 'object' || rec.tool === null) throw new Error('"tool" must be an object');
      findings = opts.detectors && !opts.detectors.includes('poisoning') ? [] : fns.detectTool(rec.tool as never);
    } else throw new Error(`unknown type ${JSON.stringify(type)} (expected "text" or "tool")`);
    const categories = [...new Set(findings.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.medium).map((f) => f.category))];
    return {
      id,
      categories,
      findings: findings.map((f) => ({
        category: f.category,
        detector: f.detector,
        ...(f.field !== undefined ? { field: f.field } : {}),
        start: f.start ?? null,
        end: f.end ?? null,
        severity: f.severity,
        score: f.score,
      })),
    };
  } catch (e) {
    return { id, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Stream JSONL from `input` to `output`. Resolves when the input ends. */
export async function runDetectStream(input: Readable, output: Writable, fns: DetectFns, opts: DetectLineOptions = {}): Promise<number> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    if (line.trim() === '') continue;
    const rec = processLine(line, fns, opts);
    n++;
    if (!output.write(JSON.stringify(rec) + '\n')) await new Promise<void>((r) => output.once('drain', () => r()));
  }
  return n;
}

export function register(program: Command): void {
  program
    .command('detect')
    .description('run the detectors over JSON lines on stdin ({"id","type":"text"|"tool","text"|"tool"}), one result line each')
    .option('--jsonl', 'read JSON lines on stdin, write JSON lines on stdout (the only mode)')
    .option('--detectors <list>', 'comma-separated detector ids (default: all); see --list')
    .option('--list', 'print the detector ids and exit')
    .action(async (opts: { jsonl?: boolean; detectors?: string; list?: boolean }) => {
      const { detectText, detectTool, detectorIds } = await import('../detect/index.js');
      const known = detectorIds();
      if (opts.list) {
        process.stdout.write(known.join('\n') + '\n');
        return;
      }
      if (!opts.jsonl) {
        process.stderr.write('portcullis detect: --jsonl is required (input: JSON lines on stdin)\n');
        process.exitCode = 2;
        return;
      }
      let detectors: string[] | undefined;
      if (opts.detectors) {
        detectors = opts.detectors.split(',').map((s) => s.trim()).filter(Boolean);
        const unknown = detectors.filter((d) => !known.includes(d));
        if (unknown.length) {
          process.stderr.write(`portcullis detect: unknown detector ${unknown.join(', ')} (known: ${known.join(', ')})\n`);
          process.exitCode = 2;
          return;
        }
      }
      await runDetectStream(process.stdin, process.stdout, { detectText, detectTool: detectTool as never }, { detectors });
    });
}
