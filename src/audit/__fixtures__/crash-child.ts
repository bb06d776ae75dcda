/**
 * Crash-test child (bundled by chain.crash.test.ts, or run from dist/): appends audit events as fast
 * as it can and prints `seq id` for every write whose promise resolved (= committed), until killed.
 * argv: <db file> <key file> <checkpointEvery> [thread|inline] (where SQLite commits: store option auditThread)
 */
import { AuditLog } from '../chain.js';
import { loadOrCreateSigningKey } from '../keys.js';
import { SqliteStore } from '../../store/sqlite/index.js';
import { benchEvent } from '../bench.js';

const [file, keyFile, every, mode] = process.argv.slice(2);
// Never outlive the test that started us.
process.stdout.on('error', () => process.exit(0));
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 250);
const store = new SqliteStore(file!, { auditThread: mode === 'thread' });
await store.migrate();
const log = await AuditLog.open({ store, key: loadOrCreateSigningKey(keyFile!), checkpointEvery: Number(every ?? 500) });
let i = 0;
let out = '';
let scheduled = false;
const print = (line: string) => {
  out += line;
  if (!scheduled) {
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      process.stdout.write(out);
      out = '';
    });
  }
};
// Keep ~1000 writes in flight at all times, so the kill lands mid-transaction.
const one = (): void => {
  const id = `crash-${i++}`;
  log.append({ ...benchEvent(i), id }).then(
    (c) => {
      print(`${c!.seq} ${id}\n`);
      one();
    },
    (e: unknown) => {
      process.stderr.write(String(e) + '\n');
      process.exit(2);
    },
  );
};
for (let j = 0; j < 1000; j++) one();
