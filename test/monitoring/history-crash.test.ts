import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileHistoryStore } from '../../src/monitoring/file-history-store.js';
import type { HistoryStore } from '../../src/monitoring/history-types.js';
import { PgHistoryStore } from '../../src/monitoring/postgres-history-store.js';
import { postgresInstalled, postgresSuite, startPostgres, type PostgresServer } from '../support/postgres-server.js';
import { keyOf, tempDataDir } from './support.js';

/**
 * kill -9 loses no acknowledged sample: a child appends and prints each sample its append
 * acknowledged; it is SIGKILLed mid-stream (at different moments, so some kills land inside a
 * write or an fsync); every sample it printed is there when the history is opened again, once.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./history-crash-child.ts', import.meta.url));
const SERIES = ['quota:monthly_requests', 'rateLimit:remaining', 'period:calls:monthToDate'];

/** Runs the child until it has printed `acks` acknowledgements (and a little more), then SIGKILLs it; the keys it printed. */
function runAndKill(env: Record<string, string>, acks: number, extraMs: number): Promise<{ acknowledged: string[]; signal: NodeJS.Signals | null; stderr: string }> {
  // tsx as a loader, not its CLI: the CLI runs the script in a grandchild a SIGKILL would miss.
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let killing = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (!killing && stdout.split('\n').length > acks) {
      killing = true;
      setTimeout(() => child.kill('SIGKILL'), extraMs);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.once('exit', (_code, signal) => {
      // Only whole lines: a line cut by the kill was not printed in full.
      const lines = stdout.split('\n').slice(0, -1);
      resolve({ acknowledged: lines.filter((line) => line.startsWith('ack ')).map((line) => line.slice(4)), signal, stderr });
    }),
  );
}

async function expectAll(store: HistoryStore, acknowledged: Set<string>): Promise<void> {
  const present = new Set<string>();
  for (const series of SERIES) {
    const samples = await store.read({ provider: 'arrays', series });
    for (const sample of samples) present.add(keyOf(sample));
    // Once each.
    expect(new Set(samples.map((sample) => sample.at)).size).toBe(samples.length);
  }
  const missing = [...acknowledged].filter((key) => !present.has(key));
  expect(missing, 'acknowledged samples missing after kill -9').toEqual([]);
}

/** Three kills in a row on one history, each run resuming where the acknowledgements stopped. */
async function killThreeTimes(env: Record<string, string>, open: () => Promise<HistoryStore>): Promise<void> {
  const acknowledged = new Set<string>();
  let first = 0;
  for (const [acks, extraMs] of [
    [300, 0],
    [500, 3],
    [800, 17],
  ] as const) {
    const run = await runAndKill({ ...env, FIRST_SAMPLE: String(first) }, acks, extraMs);
    expect(run.signal, run.stderr).toBe('SIGKILL');
    expect(run.acknowledged.length).toBeGreaterThanOrEqual(acks);
    for (const key of run.acknowledged) acknowledged.add(key);
    first += run.acknowledged.length;
    const store = await open();
    try {
      await expectAll(store, acknowledged);
    } finally {
      await store.close();
    }
  }
}

describe('kill -9 loses no acknowledged sample', () => {
  it('of the embedded store', async () => {
    const { dir, cleanup } = await tempDataDir();
    try {
      await killThreeTimes({ DATA_DIR: dir }, () => FileHistoryStore.open({ dataDir: dir }));
    } finally {
      await cleanup();
    }
  }, 90_000);
});

describe.skipIf(!postgresInstalled)(postgresSuite('kill -9 loses no acknowledged sample of the PostgreSQL store'), () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres('history');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('of the PostgreSQL store', async () => {
    await killThreeTimes({ DATABASE_URL: server.url }, () => PgHistoryStore.open({ url: server.url, password: null }));
  }, 90_000);
});
