import { appendFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileHistoryStore, HISTORY_FILES, type HistoryFileIo } from '../../src/monitoring/file-history-store.js';
import { HistoryDiskFullError, HistoryError } from '../../src/monitoring/history-errors.js';
import { HistoryIndex } from '../../src/monitoring/history-index.js';
import { DAY, FIVE_MINUTES, YEAR_OF_SAMPLES, quotaSample, samplesFrom, tempDataDir } from './support.js';

/**
 * The embedded store's own properties: its files, a full disk (injected) as a named condition that
 * clears by itself, torn and stray lines, readers that follow the leader's files, retention by
 * whole files, and the memory a year of samples takes.
 */

const JAN_1 = Date.UTC(2026, 0, 1);
const NOW = Date.UTC(2026, 11, 31);
const LOCK = { staleMs: 2000, updateMs: 1000 };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function dataDir(): Promise<string> {
  const made = await tempDataDir();
  cleanups.push(made.cleanup);
  return made.dir;
}

async function open(dir: string, options: { io?: HistoryFileIo; now?: () => number; retentionDays?: number } = {}): Promise<FileHistoryStore> {
  const store = await FileHistoryStore.open({ dataDir: dir, lock: LOCK, now: () => NOW, ...options });
  cleanups.push(() => store.close());
  return store;
}

async function leading(dir: string, options: Parameters<typeof open>[1] = {}): Promise<FileHistoryStore> {
  const store = await open(dir, options);
  expect(await store.tryLead()).toBe(true);
  return store;
}

/** A disk that fills on demand: a write then gets half its bytes out before ENOSPC, as a real one may. */
function fillableDisk(options: { cutBackFails?: boolean } = {}) {
  const disk = { full: false, writes: 0 };
  const io: HistoryFileIo = {
    async appendDurably(handle: FileHandle, bytes: Buffer) {
      disk.writes += 1;
      if (disk.full) {
        await handle.write(bytes, 0, Math.floor(bytes.length / 2));
        if (options.cutBackFails) {
          // The cut-back after the failure fails too (the disk is still full for metadata).
          handle.truncate = async () => {
            throw Object.assign(new Error('ENOSPC: no space left on device, ftruncate'), { code: 'ENOSPC' });
          };
        }
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      }
      await handle.write(bytes, 0, bytes.length);
      await handle.datasync();
    },
  };
  return { disk, io };
}

const series = { provider: 'arrays', series: 'quota:monthly_requests' };

describe('FileHistoryStore', () => {
  it('keeps one JSON-lines journal per UTC day in DATA_DIR/history, readable only by the gateway\'s user', async () => {
    const dir = await dataDir();
    const store = await leading(dir);
    await store.append([quotaSample('arrays', 'q', JAN_1 + DAY - 1), quotaSample('arrays', 'q', JAN_1 + DAY), quotaSample('arrays', 'q', JAN_1 + 5)]);
    expect(store.memory()).toMatchObject({ samples: 3 });
    const historyDir = join(dir, HISTORY_FILES.dir);
    const files = (await readdir(historyDir)).filter((name) => name.endsWith('.jsonl')).sort();
    expect(files).toEqual(['2026-01-01.jsonl', '2026-01-02.jsonl']);
    const lines = (await readFile(join(historyDir, files[0]!), 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as unknown[]);
    // In the order appended: a journal, not a sorted file.
    expect(lines).toEqual([
      ['arrays', 'q', JAN_1 + DAY - 1, expect.any(Number), 1_000_000, Date.UTC(2027, 0, 1)],
      ['arrays', 'q', JAN_1 + 5, expect.any(Number), 1_000_000, Date.UTC(2027, 0, 1)],
    ]);
    expect((await stat(historyDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(historyDir, files[0]!))).mode & 0o777).toBe(0o600);
  });

  it('names a full disk: the append rejects with HISTORY_DISK_FULL, status says so, nothing half-written stays, and the next append after space returns succeeds', async () => {
    const dir = await dataDir();
    const { disk, io } = fillableDisk();
    const store = await leading(dir, { io });
    const before = samplesFrom('arrays', series.series, JAN_1, 10);
    await store.append(before);
    const file = join(dir, HISTORY_FILES.dir, '2026-01-01.jsonl');
    const size = (await stat(file)).size;

    disk.full = true;
    const during = samplesFrom('arrays', series.series, JAN_1 + 10 * FIVE_MINUTES, 10);
    const failure = await store.append(during).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(HistoryDiskFullError);
    expect(failure).toBeInstanceOf(HistoryError);
    expect(failure).toMatchObject({ code: 'HISTORY_DISK_FULL' });
    expect(store.status()).toMatchObject({ backend: 'file', condition: 'HISTORY_DISK_FULL', leader: true, lastError: { code: 'HISTORY_DISK_FULL' } });
    expect(store.status().lastError?.message).toContain('ENOSPC');
    // Not acknowledged, so not served, and the half line was cut off.
    expect(await store.read(series)).toEqual(before);
    expect((await stat(file)).size).toBe(size);
    // Still full: still named, and the store stays open.
    await expect(store.append(during)).rejects.toMatchObject({ code: 'HISTORY_DISK_FULL' });

    disk.full = false;
    await store.append(during);
    expect(store.status()).toMatchObject({ condition: 'ok', lastError: { code: 'HISTORY_DISK_FULL' } });
    expect(await store.read(series)).toEqual([...before, ...during]);
    await store.close();
    const reopened = await open(dir);
    expect(await reopened.read(series)).toEqual([...before, ...during]);
  });

  it('keeps every acknowledged sample when a failed write could not even be cut back: the stray bytes become a line of their own, skipped', async () => {
    const dir = await dataDir();
    const { disk, io } = fillableDisk({ cutBackFails: true });
    const store = await leading(dir, { io });
    const first = samplesFrom('arrays', series.series, JAN_1, 3);
    await store.append(first);
    disk.full = true;
    await expect(store.append(samplesFrom('arrays', series.series, JAN_1 + 3 * FIVE_MINUTES, 3))).rejects.toMatchObject({ code: 'HISTORY_DISK_FULL' });
    disk.full = false;
    const after = samplesFrom('arrays', series.series, JAN_1 + 3 * FIVE_MINUTES, 3);
    await store.append(after);
    await store.close();
    const reopened = await open(dir);
    expect(await reopened.read(series)).toEqual([...first, ...after]);
  });

  it('names a read-only file system and refused permissions by their codes', async () => {
    for (const [errno, code] of [
      ['EROFS', 'HISTORY_READ_ONLY'],
      ['EACCES', 'HISTORY_PERMISSION_DENIED'],
      ['EPERM', 'HISTORY_PERMISSION_DENIED'],
      ['EIO', 'HISTORY_UNAVAILABLE'],
    ] as const) {
      const dir = await dataDir();
      let fail = true;
      const store = await leading(dir, {
        io: {
          async appendDurably(handle, bytes) {
            if (fail) throw Object.assign(new Error(`${errno}: refused, write`), { code: errno });
            await handle.write(bytes);
            await handle.datasync();
          },
        },
      });
      await expect(store.append([quotaSample('p', 's', JAN_1)])).rejects.toMatchObject({ code });
      expect(store.status().condition).toBe(code);
      fail = false;
      await store.append([quotaSample('p', 's', JAN_1)]);
      expect(store.status().condition).toBe('ok');
      await store.close();
    }
  });

  it('refuses appends and deletions from an instance that does not lead', async () => {
    const dir = await dataDir();
    await leading(dir);
    const reader = await open(dir);
    await expect(reader.append([quotaSample('p', 's', JAN_1)])).rejects.toMatchObject({ code: 'HISTORY_NOT_LEADER' });
    await expect(reader.prune(NOW)).rejects.toMatchObject({ code: 'HISTORY_NOT_LEADER' });
    // Not a condition of the store: the reader is healthy.
    expect(reader.status()).toMatchObject({ condition: 'ok', leader: false });
  });

  it('lets a reader follow the leader: new lines, a line still being written, and days the leader deleted', async () => {
    const dir = await dataDir();
    const leader = await leading(dir);
    const reader = await open(dir);
    await leader.append(samplesFrom('arrays', series.series, JAN_1, 3));
    expect(await reader.read(series)).toHaveLength(3);
    // Half a line, as a leader in the middle of a write leaves it: not a sample yet.
    const file = join(dir, HISTORY_FILES.dir, '2026-01-03.jsonl');
    const line = `${JSON.stringify(['arrays', series.series, JAN_1 + 2 * DAY, 1, null, null])}\n`;
    await appendFile(file, line.slice(0, 10));
    expect(await reader.read(series)).toHaveLength(3);
    await appendFile(file, line.slice(10));
    expect(await reader.read(series)).toHaveLength(4);
    await leader.prune(JAN_1 + DAY);
    expect((await reader.read(series)).map((sample) => sample.at)).toEqual([JAN_1 + 2 * DAY]);
  });

  it('drops a torn last line on open (never acknowledged) and cuts it off when it takes the lead, so the next line starts clean', async () => {
    const dir = await dataDir();
    const first = await leading(dir);
    const acknowledged = samplesFrom('arrays', series.series, JAN_1, 5);
    await first.append(acknowledged);
    await first.close();
    const file = join(dir, HISTORY_FILES.dir, '2026-01-01.jsonl');
    const intact = (await stat(file)).size;
    await appendFile(file, '["arrays","quota:monthly_requests",17672');
    // A file of nothing but a torn line.
    await writeFile(join(dir, HISTORY_FILES.dir, '2026-01-05.jsonl'), '["arr');

    const reader = await open(dir);
    expect(await reader.read(series)).toEqual(acknowledged);
    await reader.close();
    const next = await leading(dir);
    expect((await stat(file)).size).toBe(intact);
    expect((await stat(join(dir, HISTORY_FILES.dir, '2026-01-05.jsonl'))).size).toBe(0);
    const more = samplesFrom('arrays', series.series, JAN_1 + 5 * FIVE_MINUTES, 2);
    await next.append(more);
    await next.close();
    expect(await (await open(dir)).read(series)).toEqual([...acknowledged, ...more]);
  });

  it('applies HISTORY_RETENTION_DAYS when it takes the lead and while it appends, deleting whole day files', async () => {
    const dir = await dataDir();
    let now = JAN_1 + 2 * DAY;
    const store = await leading(dir, { retentionDays: 1, now: () => now });
    await store.append([quotaSample('p', 's', JAN_1), quotaSample('p', 's', JAN_1 + DAY), quotaSample('p', 's', JAN_1 + 2 * DAY)]);
    // Retention ran on taking the lead, before these existed: all three days are there.
    expect(await readdir(join(dir, HISTORY_FILES.dir))).toEqual(expect.arrayContaining(['2026-01-01.jsonl', '2026-01-02.jsonl', '2026-01-03.jsonl']));
    now += 3_600_000;
    await store.append([quotaSample('p', 's', now)]);
    // One day back from now is Jan 2, 01:00: Jan 1 ended before it and is gone; Jan 2 stays.
    expect((await readdir(join(dir, HISTORY_FILES.dir))).filter((name) => name.endsWith('.jsonl')).sort()).toEqual(['2026-01-02.jsonl', '2026-01-03.jsonl']);
    expect((await store.read({ provider: 'p', series: 's' })).map((sample) => sample.at)).toEqual([JAN_1 + DAY, JAN_1 + 2 * DAY, now]);
  });

  it('holds a year of five-minute samples of 20 series in compact columns; measured', () => {
    const index = new HistoryIndex();
    for (let s = 0; s < 20; s++) {
      // Half the series have a limit and a reset (quotas), half are bare counters.
      for (let i = 0; i < YEAR_OF_SAMPLES; i++) {
        const at = JAN_1 + i * FIVE_MINUTES;
        index.add(s % 2 === 0 ? quotaSample('p', `quota:${s}`, at) : { provider: 'p', series: `period:${s}`, at, used: i, limit: null, resetsAt: null });
      }
    }
    const grown = index.size().bytes;
    index.trim();
    const { samples, bytes } = index.size();
    expect(samples).toBe(20 * YEAR_OF_SAMPLES);
    // 16 bytes a sample (time and count); limits and resets are a run each here; 1/64 of headroom once trimmed.
    expect(bytes).toBeLessThanOrEqual(20 * (YEAR_OF_SAMPLES + (YEAR_OF_SAMPLES >> 6)) * 16 + 20 * 2 * 16);
    expect(grown).toBeLessThanOrEqual(1.5 * samples * 16 + 20 * 2 * 16);
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    console.log(
      `a year of five-minute samples, 20 series (${samples} samples): columns ${mb(bytes)} MB trimmed ` +
        `(${(bytes / samples).toFixed(1)} B a sample), ${mb(grown)} MB while growing`,
    );
  });
});
