import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileHistoryStore, HISTORY_FILES } from '../../src/monitoring/file-history-store.js';
import type { HistoryStore } from '../../src/monitoring/history-types.js';
import { PgHistoryStore } from '../../src/monitoring/postgres-history-store.js';
import { postgresInstalled, postgresSuite, startPostgres, type PostgresServer } from '../support/postgres-server.js';
import { bundled } from '../support/bundle.js';
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
async function runAndKill(env: Record<string, string>, acks: number, extraMs: number): Promise<{ acknowledged: string[]; signal: NodeJS.Signals | null; stderr: string }> {
  // Plain node on the bundled child: no tsx compile per start, and no launcher process a SIGKILL would miss.
  const child = spawn(process.execPath, [await bundled(CHILD)], {
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

interface Kill {
  /** SIGKILL from the parent this long after the child printed this many acknowledgements. */
  acks: number;
  extraMs: number;
  /** Or the child kills itself while writing its n-th append, leaving a torn line (embedded store). */
  midWrite?: number;
}

/** Kills in a row on one history, each run resuming where the acknowledgements stopped. */
async function killRepeatedly(env: Record<string, string>, kills: Kill[], open: () => Promise<HistoryStore>, afterKill?: (kill: Kill) => Promise<void>): Promise<void> {
  const acknowledged = new Set<string>();
  let first = 0;
  for (const kill of kills) {
    const run = await runAndKill(
      { ...env, FIRST_SAMPLE: String(first), ...(kill.midWrite === undefined ? {} : { KILL_MID_WRITE: String(kill.midWrite) }) },
      kill.acks,
      kill.extraMs,
    );
    expect(run.signal, run.stderr).toBe('SIGKILL');
    expect(run.acknowledged.length).toBeGreaterThanOrEqual(kill.midWrite === undefined ? kill.acks : 1);
    await afterKill?.(kill);
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
  it('of the embedded store, torn writes included', async () => {
    const { dir, cleanup } = await tempDataDir();
    const historyDir = join(dir, HISTORY_FILES.dir);
    /** Whether some day file ends in the middle of a line. */
    const torn = async () => {
      const files = (await readdir(historyDir)).filter((name) => name.endsWith('.jsonl'));
      const contents = await Promise.all(files.map((name) => readFile(join(historyDir, name), 'utf8')));
      return contents.some((text) => text.length > 0 && !text.endsWith('\n'));
    };
    try {
      await killRepeatedly(
        { DATA_DIR: dir },
        [
          { acks: Infinity, extraMs: 0, midWrite: 20 },
          { acks: 300, extraMs: 0 },
          { acks: Infinity, extraMs: 0, midWrite: 30 },
          { acks: 500, extraMs: 3 },
          { acks: 800, extraMs: 17 },
        ],
        () => FileHistoryStore.open({ dataDir: dir }),
        async (kill) => {
          // The self-inflicted kills leave a half line behind, for the next run to cut off.
          if (kill.midWrite !== undefined) expect(await torn()).toBe(true);
        },
      );
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
    await killRepeatedly(
      { DATABASE_URL: server.url },
      [
        { acks: 300, extraMs: 0 },
        { acks: 500, extraMs: 3 },
        { acks: 800, extraMs: 17 },
      ],
      () => PgHistoryStore.open({ url: server.url, password: null }),
    );
  }, 90_000);
});
