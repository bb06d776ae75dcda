/**
 * Labels of a tool, as the gateway gives them to policy and the flow rule: server-wide and per-tool
 * labels from the config, plus what the tool's own MCP annotations imply. One function for the
 * gateway and `portcullis policy explain`, so explain decides what the gateway decides.
 */
import type { ServerConfig } from '../config/schema.js';

export function toolLabels(spec: Pick<ServerConfig, 'labels' | 'toolLabels'> | undefined, name: string, definition: { annotations?: unknown } | undefined): string[] {
  const labels = new Set<string>([...(spec?.labels ?? []), ...(spec?.toolLabels?.[name] ?? [])]);
  const ann = definition?.annotations as { openWorldHint?: unknown } | undefined;
  if (ann?.openWorldHint === true) labels.add('untrusted_source');
  return [...labels];
}
