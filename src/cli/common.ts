/** Helpers shared by the CLI commands: config loading with readable errors, data dir. */
import { ConfigError, loadConfig, resolveDataDir, type LoadedConfig } from '../config/load.js';

/** Load the config or exit 1 with `FILE:LINE: path: problem` lines. */
export async function loadOrExit(file?: string): Promise<LoadedConfig> {
  try {
    return await loadConfig(file);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(e.problems.map((p) => `${p}\n`).join(''));
      process.exit(1);
    }
    throw e;
  }
}

export { resolveDataDir };

export function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`not a port: ${v}`);
  return n;
}
