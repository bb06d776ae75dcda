/**
 * Close test child (bundled by crash.test.ts, or run from dist/): appends events, closes the log and
 * the store with nothing else keeping the process alive, then prints `closed <head seq>`. A process
 * that ends before printing lost its shutdown (the writer thread let the event loop run dry).
 * argv: <db file> <key file>
 */
import { AuditLog } from '../chain.js';
import { loadOrCreateSigningKey } from '../keys.js';
import { SqliteStore } from '../../store/sqlite/index.js';
import { benchEvent } from '../bench.js';

const [file, keyFile] = process.argv.slice(2);
const store = new SqliteStore(file!, { auditThread: true });
await store.migrate();
const log = await AuditLog.open({ store, key: loadOrCreateSigningKey(keyFile!) });
await Promise.all(Array.from({ length: 50 }, (_, i) => log.write({ ...benchEvent(i), id: `close-${i}` })));
await log.close();
await store.close();
const check = new SqliteStore(file!, { readonly: true });
process.stdout.write(`closed ${(await check.auditHead())?.seq}\n`);
await check.close();
