import { spawn } from 'node:child_process';
import { mkdir, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LEDGER_FILES } from '../../src/ledger/file-store.js';
import { startPartnerLedger } from '../../src/ledger/index.js';
import { createLogger } from '../../src/common/logger.js';
import { ArraysClient } from '../../src/providers/arrays/client.js';
import { startArraysSimulator } from '../../src/simulators/arrays.js';
import { UpstreamHttp } from '../../src/upstream/http.js';
import { bundled } from '../support/bundle.js';
import { tempDir } from '../support/temp-dir.js';
import { eventually } from '../support/eventually.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./lock-child.ts', import.meta.url));

/** Starts `count` processes that all try to open `dir` for writing at the same moment; their answers. */
async function race(dir: string, count: number): Promise<string[]> {
  const bundle = await bundled(CHILD);
  const children = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, [bundle], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: dir, HOLD_MS: '3000' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    const loaded = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.startsWith('ready\n')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`lock child exited with ${code} before it was ready`)));
    });
    const answer = new Promise<string>((resolve) => child.once('exit', () => resolve(out.slice('ready\n'.length).trim())));
    return { child, loaded, answer };
  });
  // Every child has loaded before it is told when to start; the lock is then taken in the same
  // millisecond. The lead covers writing to four pipes on a loaded machine.
  await Promise.all(children.map(({ loaded }) => loaded));
  const startAt = String(Date.now() + 250);
  for (const { child } of children) child.stdin.end(`${startAt}\n`);
  return Promise.all(children.map(({ answer }) => answer));
}

describe('the ledger writer lock across processes', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('ledger-test-'));
  });
  afterEach(() => cleanup());

  it('lets exactly one of four racing starters write a fresh DATA_DIR; the others are refused LEDGER_LOCKED', async () => {
    const answers = await race(dir, 4);
    expect(answers.filter((answer) => answer === 'won')).toHaveLength(1);
    expect(answers.filter((answer) => answer === 'refused LEDGER_LOCKED')).toHaveLength(3);
  }, 40_000);

  it('lets exactly one of four starters racing to take over a dead writer\'s stale lock write', async () => {
    const lock = join(dir, LEDGER_FILES.lock);
    await mkdir(lock);
    const dead = new Date(Date.now() - 60_000);
    await utimes(lock, dead, dead);
    const answers = await race(dir, 4);
    expect(answers.filter((answer) => answer === 'won')).toHaveLength(1);
    expect(answers.filter((answer) => answer === 'refused LEDGER_LOCKED')).toHaveLength(3);
  }, 40_000);
});

describe('a follower that loses its lock', () => {
  it('stops following and says so, logs an error, keeps serving what it committed, and does not crash', async () => {
    const { dir, cleanup } = await tempDir('ledger-test-');
    const sim = await startArraysSimulator({ entries: 500, subs: 20 });
    const http = new UpstreamHttp({ timeoutMs: 3000 });
    const logs: string[] = [];
    const client = new ArraysClient({ baseUrl: sim.baseUrl, credential: sim.credential, http });
    const ledger = await startPartnerLedger({
      dir,
      startCursor: '0',
      pollIntervalMs: 20,
      source: (from, count) => client.fetchPackedPartnerPage(from, count),
      logger: createLogger({ level: 'debug', write: (line) => logs.push(line) }),
      store: { lock: { staleMs: 2000, updateMs: 1000 } },
    });
    try {
      await eventually(() => ledger.status().caughtUp, { withinMs: 10_000, everyMs: 10, what: 'catch-up' });
      // Another process took the lock over (as after a stall longer than the stale time).
      const lock = join(dir, LEDGER_FILES.lock);
      await rm(lock, { recursive: true });
      await mkdir(lock);
      await eventually(() => !ledger.status().following, { withinMs: 5000, everyMs: 10, what: 'the follower to stop' });
      expect(ledger.status().lastError).toMatchObject({ code: 'LEDGER_LOCK_LOST' });
      expect(ledger.store.writable).toBe(false);
      expect(logs.some((line) => line.includes('"level":"error"') && line.includes('lost the writer lock'))).toBe(true);
      expect((await ledger.store.position()).entries).toBe(500);
      // A poll already sent when the lock went may still reach the vendor on a loaded machine; after it, none.
      await new Promise((resolve) => setTimeout(resolve, 500));
      sim.resetHits();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(sim.hits()).toBe(0);
    } finally {
      await ledger.close();
      await http.close();
      await sim.close();
      await cleanup();
    }
  }, 40_000);
});
