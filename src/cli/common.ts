/** Helpers shared by the CLI commands: config loading with readable errors, data dir, the store. */
import type { Command } from 'commander';
import { ConfigError, loadConfig, resolveDataDir, type LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { escapeControl } from '../util/terminal.js';

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

export interface StoreFlags {
  config?: string;
  dataDir?: string;
}

/** The `-c/--config` and `--data-dir` options of every command that reads the store. */
export function storeFlags(c: Command): Command {
  return c.option('-c, --config <file>', 'config file').option('--data-dir <dir>', 'data directory (default ./.portcullis or PORTCULLIS_DATA_DIR)');
}

/** Open the configured store (migrated), run `fn`, and close it whatever happens. */
export async function withStore<T>(flags: StoreFlags, fn: (store: Store, config: Config, dataDir: string) => Promise<T>): Promise<T> {
  const { config } = await loadOrExit(flags.config);
  const dataDir = resolveDataDir(config, flags.dataDir);
  const store = await openStore(config, dataDir);
  try {
    return await fn(store, config, dataDir);
  } finally {
    await store.close();
  }
}

/** Print rows as aligned columns under a header (the human form of `list` commands). */
export function printTable(header: string[], rawRows: string[][]): void {
  // Every cell escaped: a value with a newline or an escape sequence cannot forge rows or reach the terminal.
  const rows = rawRows.map((r) => r.map((c) => escapeControl(c ?? '')));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  for (const row of [header, ...rows]) process.stdout.write(row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd() + '\n');
}
