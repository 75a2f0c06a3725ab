import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedgerStore, LEDGER_FILES } from '../../src/ledger/file-store.js';
import { PgLedgerStore } from '../../src/ledger/postgres/pg-store.js';
import { startPartnerLedger } from '../../src/ledger/index.js';
import { exportLedger, importLedger } from '../../src/ledger/transfer.js';
import { createLogger } from '../../src/common/logger.js';
import { ArraysClient } from '../../src/providers/arrays/client.js';
import { startArraysSimulator, type ArraysSimulatorHandle } from '../../src/simulators/arrays.js';
import { UpstreamHttp } from '../../src/upstream/http.js';
import { postgresInstalled, postgresSuite, startPostgres, type PostgresServer } from '../support/postgres-server.js';
import { bundled } from '../support/bundle.js';
import { tempDir } from '../support/temp-dir.js';
import { eventually } from '../support/eventually.js';
import { expectStoreEquals, replayStream, type ExpectedUser } from './stream-replay.fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `npm run ledger -- …` as a child process, stdin from and stdout to files. */
async function cli(args: string[], env: Record<string, string>, stdin: string | null, stdout: string | null): Promise<{ code: number | null; stderr: string }> {
  // Plain node on the bundled script (migrations beside it, as in dist/): no tsx compile per run.
  const child = spawn(process.execPath, [await bundled('scripts/ledger.ts'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  if (stdout !== null) child.stdout.pipe(createWriteStream(stdout));
  if (stdin !== null) createReadStream(stdin).pipe(child.stdin);
  else child.stdin.end();
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}

describe.skipIf(!postgresInstalled)(postgresSuite('npm run ledger -- export | import, between DATA_DIR and PostgreSQL'), () => {
  let server: PostgresServer;
  let sim: ArraysSimulatorHandle;
  let expected: Map<string, ExpectedUser>;
  let source: { dir: string; cleanup: () => Promise<void> };
  let work: { dir: string; cleanup: () => Promise<void> };
  const password = 'transfer-pw-never-shown';
  let url: string;

  beforeAll(async () => {
    server = await startPostgres('transfer');
    url = server.url.replace('postgres@', `postgres:${password}@`);
    sim = await startArraysSimulator({ entries: 4000, subs: 150 });
    expected = replayStream(sim);
    source = await tempDir('ledger-test-');
    work = await tempDir('ledger-test-');
    // A file ledger made the usual way: the follower, through the whole stream.
    const http = new UpstreamHttp({ timeoutMs: 5000 });
    const client = new ArraysClient({ baseUrl: sim.baseUrl, credential: sim.credential, http });
    const ledger = await startPartnerLedger({
      dir: source.dir,
      startCursor: '0',
      pollIntervalMs: 60_000,
      source: (from, count) => client.fetchPackedPartnerPage(from, count),
      logger: createLogger({ level: 'silent' }),
    });
    await eventually(() => ledger.status().caughtUp, { withinMs: 30_000, everyMs: 10, what: 'the file ledger to catch up' });
    await ledger.close();
    await http.close();
  }, 90_000);
  afterAll(async () => {
    await sim?.close();
    await server?.close();
    await source?.cleanup();
    await work?.cleanup();
  });

  it('moves a file ledger into PostgreSQL and back with totals checked equal, refusing to overwrite without --replace', async () => {
    const exported = join(work.dir, 'from-files.jsonl');
    const out = await cli(['export', '--from', 'file'], { DATA_DIR: source.dir }, null, exported);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/exported the ledger of DATA_DIR .*users 150, endpoint rows \d+, day rows \d+, calls \d+/);
    // The export is a ledger snapshot, byte for byte the format of ledger.snapshot.
    const asSnapshot = await tempDir('ledger-test-');
    await copyFile(exported, join(asSnapshot.dir, LEDGER_FILES.snapshot));
    const fromSnapshot = await FileLedgerStore.open({ dir: asSnapshot.dir, readOnly: true });
    await expectStoreEquals(fromSnapshot, expected);
    await fromSnapshot.close();
    await asSnapshot.cleanup();

    const imported = await cli(['import'], { DATABASE_URL: url }, exported, null);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toContain('check: equal per user, endpoint and day; imported into DATABASE_URL');
    const [input, ledger] = ['input:', 'ledger:'].map((label) => imported.stderr.split('\n').find((line) => line.startsWith(label))!.replace(label, '').trim());
    expect(input).toBe(ledger);
    const store = await PgLedgerStore.open({ url, password });
    expect(await store.position()).toMatchObject({ cursor: sim.entry(sim.length - 1).id, entries: sim.length });
    await expectStoreEquals(store, expected);
    await store.close();

    const again = await cli(['import'], { DATABASE_URL: url }, exported, null);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already holds a ledger; pass --replace');
    for (const run of [out, imported, again]) expect(run.stderr).not.toContain(password);

    // And back: PostgreSQL to a fresh DATA_DIR, in process.
    const back = join(work.dir, 'from-postgres.jsonl');
    const exportCheck = await exportLedger({ kind: 'postgres', database: { url, password } }, createWriteStream(back));
    const target = await tempDir('ledger-test-');
    try {
      const result = await importLedger({ kind: 'file', dir: target.dir }, createReadStream(back));
      expect(result.ledger).toEqual(exportCheck);
      expect(exportCheck.digest).toBe(input!.match(/digest (\w+)/)![1]);
      const files = await FileLedgerStore.open({ dir: target.dir, readOnly: true });
      expect(await files.position()).toMatchObject({ cursor: sim.entry(sim.length - 1).id, entries: sim.length });
      await expectStoreEquals(files, expected);
      await files.close();
      await expect(importLedger({ kind: 'file', dir: target.dir }, createReadStream(back))).rejects.toThrow(/already holds a ledger/);
    } finally {
      await target.cleanup();
    }
  }, 90_000);

  it('refuses bad input, writing nothing: truncated, a broken row, a wrong checksum; even with --replace', async () => {
    const good = join(work.dir, 'good.jsonl');
    const stream = createWriteStream(good);
    await exportLedger({ kind: 'file', dir: source.dir }, stream);
    stream.end();
    await finished(stream);
    const lines = (await readFile(good, 'utf8')).split('\n');
    const variants: [string, string, RegExp][] = [
      ['truncated', lines.slice(0, 50).join('\n'), /ends before its trailer/],
      ['broken row', [...lines.slice(0, 3), '["x",-1,0,0,0,0,[],[]]', ...lines.slice(3)].join('\n'), /not a user row/],
      ['counter changed', lines.map((line, i) => (i === 5 ? line.replace(/^(\["[^"]*",)(\d+)/, (_, head, n) => `${head}${Number(n) + 1}`) : line)).join('\n'), /CRC-32/],
    ];
    for (const [name, text, error] of variants) {
      const file = join(work.dir, `${name}.jsonl`);
      await writeFile(file, text);
      await expect(importLedger({ kind: 'postgres', database: { url, password } }, createReadStream(file), { replace: true }), name).rejects.toThrow(error);
      const target = await tempDir('ledger-test-');
      await expect(importLedger({ kind: 'file', dir: target.dir }, createReadStream(file)), name).rejects.toThrow(error);
      await target.cleanup();
    }
    const store = await PgLedgerStore.open({ url, password });
    await expectStoreEquals(store, expected);
    await store.close();
  }, 60_000);
});
