/**
 * The lock test's child: once loaded prints `ready` and reads a start time (ms since the epoch, one
 * line on stdin); at that time opens the ledger in DATA_DIR for writing, prints `won` or
 * `refused <code>`, keeps a won lock for HOLD_MS, then closes and exits.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { FileLedgerStore } from '../../src/ledger/file-store.js';

// Every racer is told the same start time only once all have loaded, so they try in the same millisecond.
const input = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
const [line] = (await once(input, 'line')) as [string];
input.close();
const startAt = Number(line);
await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
try {
  // A stale time a loaded machine's late refresh cannot reach (the dead writer's lock is a minute old).
  const store = await FileLedgerStore.open({ dir: process.env.DATA_DIR!, lock: { staleMs: 8000, updateMs: 1000 } });
  process.stdout.write('won\n');
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.HOLD_MS)));
  await store.close();
} catch (error) {
  process.stdout.write(`refused ${(error as { code?: string }).code}\n`);
  process.stderr.write(`lock child: ${String(error)}\n`);
}
