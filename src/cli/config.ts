/** `portcullis config check|schema|docs`. */
import type { Command } from 'commander';
import { ConfigError, loadConfig, resolveServers } from '../config/load.js';
import { generateSchema } from '../config/json-schema.js';
import { checkSecretRefs } from '../credentials/refs.js';
import { checkCredentialConfig } from '../credentials/upstream.js';

export function register(program: Command): void {
  const config = program.command('config').description('validate and inspect configuration (reference: docs/config.md)');
  config
    .command('check')
    .description('validate a config file; exits 1 with FILE:LINE: key: problem')
    .requiredOption('-c, --config <file>', 'config file')
    .option('--json', 'machine-readable output')
    .action(async (opts: { config: string; json?: boolean }) => {
      try {
        const { config: c, file } = await loadConfig(opts.config);
        const resolved = resolveServers(c);
        // `${secret:NAME}` only where the vault may inject it (stdio env, remote headers).
        // `credentials` blocks: one mode, a transport that can carry it, never a shared connection.
        const refProblems = [...checkSecretRefs(resolved), ...checkCredentialConfig(resolved, { jwt: c.auth !== 'none' && c.auth.jwt !== undefined })].map((p) => `${file}: ${p}`);
        if (refProblems.length > 0) throw new ConfigError(refProblems);
        const servers = resolved.map((s) => s.name);
        if (opts.json) process.stdout.write(JSON.stringify({ ok: true, file, servers }) + '\n');
        else process.stdout.write(`${file}: OK (${servers.length} server${servers.length === 1 ? '' : 's'}: ${servers.join(', ') || 'none'})\n`);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        if (opts.json) process.stdout.write(JSON.stringify({ ok: false, problems: e.problems }) + '\n');
        else process.stderr.write(e.problems.map((p) => `${p}\n`).join(''));
        process.exit(1);
      }
    });
  config
    .command('schema')
    .description('print the JSON Schema of the config (schema/portcullis.schema.json)')
    .action(() => {
      process.stdout.write(generateSchema());
    });
  config
    .command('docs')
    .description('print the configuration reference in Markdown (docs/config.md)')
    .action(async () => {
      const { generateConfigDocs } = await import('../config/docs.js');
      process.stdout.write(generateConfigDocs());
    });
}
