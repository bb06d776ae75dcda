/**
 * `portcullis secrets set NAME | list | rm NAME`: the encrypted secret vault (src/credentials/vault.ts).
 * Values come from standard input, never from argv (argv shows in `ps` and shell history), and are
 * never printed. Reference them in the config as `${secret:NAME}` in a server's env or headers.
 */
import type { Command } from 'commander';
import { Vault, loadMasterKey } from '../credentials/vault.js';
import { storeFlags, withStore, type StoreFlags } from './common.js';
import { safeField as safeText } from '../util/terminal.js';

async function readValue(name: string): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    // Typed at a terminal: no echo.
    process.stderr.write(`value for ${name} (not shown; Enter to finish): `);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    return new Promise((resolve, reject) => {
      let v = '';
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            stdin.setRawMode(false);
            stdin.pause();
            stdin.off('data', onData);
            process.stderr.write('\n');
            resolve(v);
            return;
          }
          if (ch === '\u0003') {
            stdin.setRawMode(false);
            reject(new Error('cancelled'));
            return;
          }
          if (ch === '\u007f') v = v.slice(0, -1);
          else v += ch;
        }
      };
      stdin.on('data', onData);
    });
  }
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(c as Buffer);
  // One trailing newline is what `echo` and here-strings add; anything else is part of the value.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function register(program: Command): void {
  const secrets = program.command('secrets').description('the encrypted secret vault: values referenced as ${secret:NAME} in server env / headers');

  storeFlags(secrets.command('set <name>'))
    .description('store a secret; the value is read from standard input (never from the command line)')
    .action(async (name: string, o: StoreFlags) => {
      const value = await readValue(name);
      if (value === '') throw new Error('empty value: nothing stored (pipe the value on standard input)');
      await withStore(o, async (store, _config, dataDir) => {
        const master = loadMasterKey(dataDir, { create: true });
        await new Vault(store, master).set(name, value);
        process.stdout.write(`stored secret ${safeText(name)} (sealed with master key ${master.id} from ${master.source === 'env' ? 'PORTCULLIS_MASTER_KEY' : 'the data dir'})\n`);
      });
    });

  storeFlags(secrets.command('list'))
    .description('list secret names (values are never shown)')
    .option('--json', 'JSON output')
    .action(async (o: StoreFlags & { json?: boolean }) => {
      await withStore(o, async (store) => {
        const rows = (await store.listSecrets()).map(({ name, keyId, createdAt, updatedAt }) => ({ name, keyId, createdAt, updatedAt }));
        if (o.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        else if (rows.length === 0) process.stdout.write('no secrets\n');
        else for (const r of rows) process.stdout.write(`${safeText(r.name)}\tupdated ${r.updatedAt}\tkey ${r.keyId}\n`);
      });
    });

  storeFlags(secrets.command('rm <name>'))
    .description('delete a secret')
    .action(async (name: string, o: StoreFlags) => {
      await withStore(o, async (store) => {
        if (!(await store.deleteSecret(name))) {
          process.stderr.write(`no secret named ${safeText(name)}\n`);
          process.exitCode = 1;
          return;
        }
        process.stdout.write(`deleted secret ${safeText(name)}\n`);
      });
    });
}
