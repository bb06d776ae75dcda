/**
 * `portcullis scan`: find the MCP servers configured in the clients on this machine (Claude
 * Desktop, Claude Code, Cursor, VS Code, Windsurf, Zed, Continue, Gemini CLI, Codex) and report
 * for each whether it is routed through Portcullis, known to its registry or config (shadow if
 * neither), plaintext secrets (MCP01), unpinned packages (MCP04) and plain-http remotes.
 * `--connect` also starts each server, lists its tools and runs the poisoning scanner (MCP03).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config/schema.js';
import type { Severity } from '../detect/types.js';
import { SEVERITY_RANK } from '../detect/types.js';
import type { Store } from '../store/types.js';
import { failsAt, formatTable, scanMachine, toJson } from '../registry/scan.js';
import { loadOrExit, resolveDataDir } from './common.js';

interface ScanFlags {
  root?: string;
  json?: boolean;
  connect?: boolean;
  failOn?: string;
  config?: string;
  dataDir?: string;
  timeout?: string;
}

export function register(program: Command): void {
  program
    .command('scan')
    .description('find MCP servers configured in clients on this machine; report shadow servers, plaintext secrets and unpinned packages')
    .option('--root <dir>', 'home directory to scan (default: yours)')
    .option('--json', 'machine-readable output')
    .option('--connect', 'start / connect to each server, list its tools and scan them for poisoning')
    .option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity (low, medium, high, critical)')
    .option('-c, --config <file>', 'gateway config: its listener counts as routed, its servers as registered')
    .option('--data-dir <dir>', 'data directory whose registry counts as registered (default ./.portcullis or PORTCULLIS_DATA_DIR)')
    .option('--timeout <ms>', 'per-server timeout for --connect', '15000')
    .action(async (flags: ScanFlags) => {
      process.exitCode = await runScan(flags, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
    });
}

/** The command's body, for tests: returns the exit code. */
export async function runScan(flags: ScanFlags, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  if (flags.failOn !== undefined && !(flags.failOn in SEVERITY_RANK)) {
    err(`--fail-on: expected one of ${Object.keys(SEVERITY_RANK).join(', ')}, got ${JSON.stringify(flags.failOn)}\n`);
    return 2;
  }
  if (flags.root !== undefined && !existsSync(flags.root)) {
    err(`--root: ${flags.root} does not exist\n`);
    return 2;
  }
  let config: Config | undefined;
  if (flags.config) config = (await loadOrExit(flags.config)).config;
  let store: Store | undefined;
  const dataDir = resolveDataDir(config, flags.dataDir);
  // Read the registry only when one exists: a scan must not create a database as a side effect.
  if (config?.store.postgres || existsSync(path.join(dataDir, 'portcullis.db'))) {
    const { openStore } = await import('../store/index.js');
    store = await openStore(config ?? (await import('../config/load.js')).parseConfigText('{}', '<scan>'), dataDir);
  }
  try {
    const report = await scanMachine({
      ...(flags.root !== undefined ? { root: flags.root } : {}),
      ...(config ? { config } : {}),
      ...(store ? { store } : {}),
      connect: flags.connect ?? false,
      connectTimeoutMs: Number(flags.timeout ?? 15000) || 15000,
    });
    if (flags.json) out(JSON.stringify(toJson(report), null, 2) + '\n');
    else out(formatTable(report));
    return flags.failOn && failsAt(report, flags.failOn as Severity) ? 1 : 0;
  } finally {
    await store?.close();
  }
}
