/**
 * The crash test's child: follows an Arrays stream into DATA_DIR until it reaches the head, then
 * closes cleanly and prints `done`. Test-only: with LEDGER_CRASH_AT=<point>:<n> it kills itself
 * with SIGKILL the n-th time the store passes that point.
 */
import type { CrashPoint } from '../../src/ledger/file-store.js';
import { startPartnerLedger } from '../../src/ledger/index.js';
import { createLogger } from '../../src/common/logger.js';
import { ArraysClient } from '../../src/providers/arrays/client.js';
import { UpstreamHttp } from '../../src/upstream/http.js';

const env = (name: string) => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};

const [crashPoint, crashAt] = (process.env.LEDGER_CRASH_AT ?? ':0').split(':') as [CrashPoint | '', string];
let passes = 0;
const onCrashPoint = (point: CrashPoint) => {
  if (point === crashPoint && ++passes === Number(crashAt)) process.kill(process.pid, 'SIGKILL');
};

const http = new UpstreamHttp({ timeoutMs: 5000 });
const client = new ArraysClient({ baseUrl: env('ARRAYS_BASE_URL'), credential: env('ARRAYS_SERVICE_TOKEN'), http });
const ledger = await startPartnerLedger({
  dir: env('DATA_DIR'),
  startCursor: process.env.ARRAYS_START_CURSOR ?? '0',
  pollIntervalMs: 60_000,
  source: (from, count) => client.fetchPackedPartnerPage(from, count),
  logger: createLogger({ level: 'warn' }),
  // proper-lockfile's shortest stale time: a restart after a SIGKILL waits for the lock at most this long.
  store: { snapshotEveryCommits: Number(process.env.SNAPSHOT_EVERY ?? 4), onCrashPoint, lock: { staleMs: 2000, updateMs: 1000 } },
});
process.stdout.write('started\n');
while (!ledger.status().caughtUp) {
  if (ledger.status().consecutiveFailures > 5) throw new Error(`follower failing: ${ledger.status().lastError?.message}`);
  await new Promise((resolve) => setTimeout(resolve, 5));
}
await ledger.close();
await http.close();
process.stdout.write(`done ${(await ledger.store.position()).cursor}\n`);
