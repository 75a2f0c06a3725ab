import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { FileLedgerStore, LEDGER_FILES, type CrashPoint } from '../../src/ledger/file-store.js';
import { startArraysSimulator, sumStream, type ArraysSimulatorHandle } from '../../src/simulators/arrays.js';
import { bundled } from '../support/bundle.js';
import { tempDir } from '../support/temp-dir.js';
import { expectStoreEquals, replayStream, type ExpectedUser } from './stream-replay.fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

interface ChildRun {
  signal: NodeJS.Signals | null;
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('exactly once across kill -9 of a real follower process', () => {
  let sim: ArraysSimulatorHandle;
  let expected: Map<string, ExpectedUser>;
  const dirs: (() => Promise<void>)[] = [];

  /** The last ten days of a 30-day stream: ten UTC midnights, a dozen commits, three snapshots a run. */
  const FIRST = 4000;
  let start: string;

  beforeAll(async () => {
    sim = await startArraysSimulator({ entries: 6000, subs: 400 });
    start = sim.entry(FIRST - 1).id;
    expected = replayStream(sim, FIRST);
  });
  afterAll(async () => {
    await sim.close();
    await Promise.all(dirs.map((cleanup) => cleanup()));
  });

  /** Runs the child; `killAfterMs` sends SIGKILL that long after it reports it started. */
  async function runChild(dir: string, options: { crashAt?: `${CrashPoint}:${number}`; killAfterMs?: number } = {}): Promise<ChildRun> {
    // Plain node on the bundled child: no tsx compile per start, and no launcher process a SIGKILL would miss.
    const child = spawn(process.execPath, [await bundled(CHILD)], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ARRAYS_BASE_URL: sim.baseUrl,
        ARRAYS_SERVICE_TOKEN: sim.credential,
        DATA_DIR: dir,
        ARRAYS_START_CURSOR: start,
        SNAPSHOT_EVERY: '3',
        ...(options.crashAt ? { LEDGER_CRASH_AT: options.crashAt } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run: ChildRun = { signal: null, code: null, stdout: '', stderr: '' };
    child.stdout.on('data', (chunk: Buffer) => {
      run.stdout += chunk.toString();
      if (options.killAfterMs !== undefined && run.stdout.includes('started') && !child.killed) {
        setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
    return new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        run.code = code;
        run.signal = signal;
        resolve(run);
      }),
    );
  }

  async function newDir(): Promise<string> {
    const { dir, cleanup } = await tempDir('ledger-test-');
    dirs.push(cleanup);
    return dir;
  }

  /** Restarts until a run completes, then checks the ledger against a clean replay and sumStream. */
  async function finishAndVerify(dir: string, expect: ExpectStatic): Promise<void> {
    const run = await runChild(dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`done ${sim.entry(sim.length - 1).id}`);
    const store = await FileLedgerStore.open({ dir, readOnly: true });
    try {
      expect(await store.position()).toMatchObject({ startCursor: start, cursor: sim.entry(sim.length - 1).id, entries: sim.length - FIRST });
      await expectStoreEquals(store, expected);
      // And against the simulator's own sums: all of the stream minus the part before the start cursor.
      const totals = sumStream(sim);
      for (const [sub, before] of sumStream(sim, FIRST)) {
        const total = totals.get(sub)!;
        totals.set(sub, { calls: total.calls - before.calls, discoveries: total.discoveries - before.discoveries, tweets: total.tweets - before.tweets });
      }
      const subs = [...totals.keys()].filter((sub) => totals.get(sub)!.calls > 0);
      const users = await store.getUsers(subs);
      subs.forEach((sub, i) => expect(users[i]).toMatchObject(totals.get(sub)!));
    } finally {
      await store.close();
    }
  }

  const points: [`${CrashPoint}:${number}`, (dir: string, expect: ExpectStatic) => void][] = [
    ['after-journal-write:1', () => undefined],
    ['after-journal-write:5', () => undefined],
    ['after-journal-fsync:3', () => undefined],
    ['after-journal-fsync:4', () => undefined],
    // The temporary snapshot is left half written; the previous snapshot and the journal still count.
    ['mid-snapshot:1', (dir, expect) => expect(existsSync(join(dir, LEDGER_FILES.snapshotTemp))).toBe(true)],
    ['mid-snapshot:3', (dir, expect) => expect(existsSync(join(dir, LEDGER_FILES.snapshotTemp))).toBe(true)],
    // The new snapshot is in place but the journal still holds the records it covers.
    ['after-snapshot-rename:2', (dir, expect) => expect(statSync(join(dir, LEDGER_FILES.journal)).size).toBeGreaterThan(0)],
  ];

  // Seven children start at once: on two loaded cores one case takes up to half a minute, so the
  // bound is generous; the assertions are what the test checks.
  it.concurrent.for(points)('killed at %s, restarted: totals identical to a clean replay', { timeout: 120_000 }, async ([crashAt, onDisk], { expect }) => {
    const dir = await newDir();
    const crashed = await runChild(dir, { crashAt });
    expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
    onDisk(dir, expect);
    await finishAndVerify(dir, expect);
  });

  // Each of the eight restarts after a kill waits for the dead child's lock to go stale (up to 2 s,
  // proper-lockfile's shortest stale time): more than the default timeout leaves under load.
  it.concurrent('killed at several points in a row, then at random times: still identical to a clean replay', async ({ expect }) => {
    const dir = await newDir();
    for (const crashAt of ['after-journal-fsync:2', 'mid-snapshot:1', 'after-snapshot-rename:1', 'after-journal-write:2'] as const) {
      expect((await runChild(dir, { crashAt })).signal).toBe('SIGKILL');
    }
    for (let i = 0; i < 4; i++) {
      const run = await runChild(dir, { killAfterMs: Math.floor(Math.random() * 400) });
      // A late kill may find the child already done; either way the ledger must be whole.
      expect(run.signal === 'SIGKILL' || run.code === 0, run.stderr).toBe(true);
    }
    await finishAndVerify(dir, expect);
  }, 180_000);
});
