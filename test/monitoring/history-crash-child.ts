/**
 * The kill -9 test's child: leads the history in DATA_DIR (or the database at DATABASE_URL) and
 * appends five-minute samples of three series from FIRST_SAMPLE on, in batches of 1 to 40, printing
 * `ack <provider>/<series>/<at>` for each sample once its append resolved. It runs until killed;
 * with KILL_MID_WRITE=<n> (embedded store) it kills itself with SIGKILL while writing the n-th
 * append's bytes, leaving a torn line.
 */
import { FileHistoryStore, type HistoryFileIo } from '../../src/monitoring/file-history-store.js';
import type { HistoryStore, UsageSample } from '../../src/monitoring/history-types.js';
import { PgHistoryStore } from '../../src/monitoring/postgres-history-store.js';

const FIVE_MINUTES = 300_000;
const START = Date.UTC(2026, 0, 1);
const NOW = Date.UTC(2026, 11, 31);

const dataDir = process.env.DATA_DIR;
const killMidWrite = Number(process.env.KILL_MID_WRITE ?? 0);
let writes = 0;
const io: HistoryFileIo = {
  async appendDurably(handle, bytes) {
    if (++writes === killMidWrite) {
      // All but the end of the last line: the file is left ending mid-line, whatever the lines' lengths.
      await handle.write(bytes, 0, bytes.length - 5);
      await handle.datasync();
      process.kill(process.pid, 'SIGKILL');
    }
    await handle.write(bytes, 0, bytes.length);
    await handle.datasync();
  },
};
const url = process.env.DATABASE_URL;
const store: HistoryStore =
  url !== undefined
    ? await PgHistoryStore.open({ url, password: null, now: () => NOW })
    : // proper-lockfile's shortest stale time: a restart after a SIGKILL waits for the lock at most this long.
      await FileHistoryStore.open({ dataDir: dataDir!, now: () => NOW, lock: { staleMs: 2000, updateMs: 1000 }, io });
while (!(await store.tryLead())) await new Promise((resolve) => setTimeout(resolve, 200));
process.stdout.write('started\n');

let next = Number(process.env.FIRST_SAMPLE ?? 0);
let batch = 0;
for (;;) {
  const size = 1 + ((batch++ * 7) % 40);
  const samples: UsageSample[] = [];
  for (let i = 0; i < size; i++, next++) {
    const at = START + Math.floor(next / 3) * FIVE_MINUTES;
    samples.push({ provider: 'arrays', series: ['quota:monthly_requests', 'rateLimit:remaining', 'period:calls:monthToDate'][next % 3]!, at, used: next, limit: 1_000_000, resetsAt: null });
  }
  await store.append(samples);
  process.stdout.write(samples.map((s) => `ack ${s.provider}/${s.series}/${s.at}\n`).join(''));
}
