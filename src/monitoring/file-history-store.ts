import { mkdir, open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { LedgerLockedError } from '../ledger/errors.js';
import { LEDGER_DIR_MODE, LEDGER_FILE_MODE } from '../ledger/file-modes.js';
import { acquireLock, type LedgerLock, type LedgerLockOptions } from '../ledger/lock.js';
import { appendDurably, readRange } from '../common/durable-file.js';
import type { Logger } from '../common/logger.js';
import { fileSystemError, HistoryNotLeaderError, HistoryUnavailableError, type HistoryError } from './history-errors.js';
import { HistoryIndex } from './history-index.js';
import { dayEnd, dayFileName, dayOfFileName, encodeSamples, parseLines } from './history-journal.js';
import { retentionCutoff } from './history-settings.js';
import { checkSamples, utcDayStart, type HistoryQuery, type HistoryStatus, type HistoryStore, type SeriesKey, type UsageSample } from './history-types.js';

/** The folder of the embedded history inside DATA_DIR, and its lock inside that. */
export const HISTORY_FILES = { dir: 'history', lock: 'history.lock' } as const;

/** The file operation durability rests on; tests replace it to inject a full disk. */
export interface HistoryFileIo {
  /** Writes all of `bytes` at the end of the file, then makes them durable (datasync). */
  appendDurably(handle: FileHandle, bytes: Buffer): Promise<void>;
}

/** Options of the embedded history store. */
export interface FileHistoryStoreOptions {
  /** `DATA_DIR`; the history lives in its `history/` folder (mode 0700), created when missing. */
  dataDir: string;
  /** `HISTORY_RETENTION_DAYS`: the leader deletes the files of older days. Default 400. */
  retentionDays?: number;
  /** The lead lock's timing (the ledger's lock). Default: stale after 10 s, refreshed every 2 s. */
  lock?: LedgerLockOptions;
  /** Milliseconds since the epoch, for retention. Default `Date.now`. */
  now?: () => number;
  /** Default: no logging. */
  logger?: Logger;
  /** Default: node:fs writes and `datasync`. */
  io?: HistoryFileIo;
}

/** Retention runs at most this often while the leader appends. */
const RETENTION_EVERY_MS = 3_600_000;
/** Day files kept open by the leader: writes land on today's file, seldom on others. */
const OPEN_FILES = 4;

const nodeIo: HistoryFileIo = {
  appendDurably,
};

/** A day's journal as the store knows it. */
interface DayFile {
  day: number;
  /** Bytes read or written: up to the last complete line. */
  bytes: number;
  /** A failed write left bytes that could not be cut off: the next write starts on a line of its own. */
  dirty: boolean;
}

/**
 * The default history store: embedded, no server. Samples live in memory as compact columns per
 * series; durability is an append-only JSON-lines journal per UTC day in `DATA_DIR/history/`, each
 * append one write and one datasync before it resolves. One process leads (the ledger's lock
 * as `history/history.lock`) and writes; others sharing the directory read what it wrote, picking
 * up new lines and deleted days before each read.
 */
export class FileHistoryStore implements HistoryStore {
  private readonly index = new HistoryIndex();
  private readonly files = new Map<number, DayFile>();
  private readonly handles = new Map<number, FileHandle>();
  private lock: LedgerLock | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private condition: HistoryStatus['condition'] = 'ok';
  private lastError: HistoryStatus['lastError'] = null;
  private lastRetention = -Infinity;
  private closed = false;
  private leading: Promise<boolean> | null = null;
  private readonly io: HistoryFileIo;
  private readonly now: () => number;

  private constructor(
    private readonly dir: string,
    private readonly options: FileHistoryStoreOptions,
  ) {
    this.io = options.io ?? nodeIo;
    this.now = options.now ?? Date.now;
  }

  /** Opens the history in `dataDir` and loads it; the store reads until `tryLead` makes it the writer. */
  static async open(options: FileHistoryStoreOptions): Promise<FileHistoryStore> {
    const dir = join(options.dataDir, HISTORY_FILES.dir);
    try {
      await mkdir(dir, { recursive: true, mode: LEDGER_DIR_MODE });
    } catch (error) {
      throw fileSystemError(error, `creating ${dir}`);
    }
    const store = new FileHistoryStore(dir, options);
    try {
      await store.serialized(() => store.catchUp());
    } catch (error) {
      throw fileSystemError(error, `reading ${dir}`);
    }
    store.index.trim();
    return store;
  }

  get isLeader(): boolean {
    return this.lock !== null && !this.closed;
  }

  /** Samples held in memory and the bytes of their columns. */
  memory(): { samples: number; bytes: number } {
    return this.index.size();
  }

  status(): HistoryStatus {
    return { backend: 'file', condition: this.condition, lastError: this.lastError, leader: this.isLeader };
  }

  tryLead(): Promise<boolean> {
    // One attempt at a time: a second one while the first holds the lock would be refused by it.
    if (this.leading === null) this.leading = this.lead().finally(() => (this.leading = null));
    return this.leading;
  }

  private async lead(): Promise<boolean> {
    if (this.closed) return false;
    if (this.lock !== null) return true;
    let lock: LedgerLock;
    try {
      lock = await acquireLock(join(this.dir, HISTORY_FILES.lock), this.options.lock);
    } catch (error) {
      if (error instanceof LedgerLockedError) return false;
      throw this.failed(fileSystemError(error, 'taking the history lock'));
    }
    return this.serialized(async () => {
      if (this.closed) {
        await lock.release();
        return false;
      }
      try {
        // What the last leader wrote before it stopped, then cut off a line it was writing when it died.
        await this.catchUp();
        await this.cutTornTails();
      } catch (error) {
        await lock.release();
        throw this.failed(fileSystemError(error, 'recovering the history journals'));
      }
      this.lock = lock;
      lock.onLost((error) => {
        this.lock = null;
        void this.closeHandles();
        this.options.logger?.error('usage history: lost the history lock; no longer writing history', { error });
      });
      await this.applyRetention();
      return true;
    });
  }

  append(samples: readonly UsageSample[]): Promise<void> {
    try {
      checkSamples(samples);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.serialized(() => this.appendNow(samples));
  }

  read(query: HistoryQuery): Promise<UsageSample[]> {
    return this.serialized(async () => {
      await this.refresh();
      return this.index.read(query, query.since, query.until);
    });
  }

  series(provider?: string): Promise<SeriesKey[]> {
    return this.serialized(async () => {
      await this.refresh();
      return this.index.keys(provider);
    });
  }

  prune(before: number): Promise<void> {
    return this.serialized(() => this.pruneNow(before));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.serialized(async () => {
      this.closed = true;
      await this.closeHandles();
      const lock = this.lock;
      this.lock = null;
      await lock?.release();
    });
  }

  /** Runs `work` after everything queued before it: the files and the index change one step at a time. */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async appendNow(samples: readonly UsageSample[]): Promise<void> {
    if (this.closed) throw new HistoryUnavailableError('the history store is closed');
    if (this.lock === null) throw new HistoryNotLeaderError('this instance does not lead the usage history; the leader samples and writes it');
    // Only samples not held yet, each once: a retried batch writes nothing twice.
    const seen = new Set<string>();
    const byDay = new Map<number, UsageSample[]>();
    for (const sample of samples) {
      const key = JSON.stringify([sample.provider, sample.series, sample.at]);
      if (seen.has(key) || this.index.has(sample)) continue;
      seen.add(key);
      const day = utcDayStart(sample.at);
      const group = byDay.get(day);
      if (group === undefined) byDay.set(day, [sample]);
      else group.push(sample);
    }
    for (const day of [...byDay.keys()].sort((a, b) => a - b)) {
      const group = byDay.get(day)!;
      await this.writeDay(day, group);
      // Durable now: what a reader sees is what a restart rebuilds.
      for (const sample of group) this.index.add(sample);
    }
    this.cleared();
    if (this.now() - this.lastRetention >= RETENTION_EVERY_MS) await this.applyRetention();
  }

  private async writeDay(day: number, samples: UsageSample[]): Promise<void> {
    const file = this.files.get(day) ?? { day, bytes: 0, dirty: false };
    const lines = encodeSamples(samples);
    const bytes = file.dirty ? Buffer.concat([Buffer.from('\n'), lines]) : lines;
    let handle: FileHandle;
    try {
      handle = await this.handle(day);
    } catch (error) {
      throw this.failed(fileSystemError(error, `opening ${dayFileName(day)}`));
    }
    try {
      await this.io.appendDurably(handle, bytes);
    } catch (error) {
      // A partial line must not run into the next write's first line: cut the file back.
      try {
        await handle.truncate(file.bytes);
        await handle.datasync();
      } catch {
        file.dirty = true;
        this.files.set(day, file);
      }
      throw this.failed(fileSystemError(error, `appending ${samples.length} samples to ${dayFileName(day)}`));
    }
    file.bytes += bytes.length;
    file.dirty = false;
    this.files.set(day, file);
  }

  private async handle(day: number): Promise<FileHandle> {
    let handle = this.handles.get(day);
    if (handle !== undefined) {
      // Most recently used last, so the first one is the one to close.
      this.handles.delete(day);
      this.handles.set(day, handle);
      return handle;
    }
    handle = await open(join(this.dir, dayFileName(day)), 'a', LEDGER_FILE_MODE);
    this.handles.set(day, handle);
    if (this.handles.size > OPEN_FILES) {
      const [oldest, oldHandle] = this.handles.entries().next().value!;
      this.handles.delete(oldest);
      await oldHandle.close().catch(() => undefined);
    }
    return handle;
  }

  private async closeHandles(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map((handle) => handle.close().catch(() => undefined)));
  }

  /** A follower's view catches up with the leader's files; the leader's own view is current. */
  private async refresh(): Promise<void> {
    if (this.lock !== null || this.closed) return;
    try {
      await this.catchUp();
      this.cleared();
    } catch (error) {
      throw this.failed(fileSystemError(error, 'reading the history journals'));
    }
  }

  /** Reads the complete lines added to the day files since last time, and forgets days deleted meanwhile. */
  private async catchUp(): Promise<void> {
    const present = new Map<number, string>();
    for (const name of await readdir(this.dir)) {
      const day = dayOfFileName(name);
      if (day !== null) present.set(day, name);
    }
    let deletedUpTo = -Infinity;
    for (const day of this.files.keys()) {
      if (!present.has(day)) {
        this.files.delete(day);
        deletedUpTo = Math.max(deletedUpTo, dayEnd(day));
      }
    }
    if (deletedUpTo > -Infinity) this.index.dropBefore(deletedUpTo);
    for (const [day, name] of [...present].sort((a, b) => a[0] - b[0])) {
      const file = this.files.get(day) ?? { day, bytes: 0, dirty: false };
      const path = join(this.dir, name);
      const size = await stat(path).then((stats) => stats.size, (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? -1 : Promise.reject(error)));
      if (size <= file.bytes) continue;
      const bytes = await readRange(path, file.bytes, size);
      const parsed = parseLines(bytes, day);
      for (const sample of parsed.samples) this.index.add(sample);
      if (parsed.badLines > 0) {
        this.options.logger?.warn('usage history: skipped lines that are not samples (the remains of a failed write)', { file: name, lines: parsed.badLines });
      }
      file.bytes += parsed.completeBytes;
      this.files.set(day, file);
    }
  }

  /** Cuts every file back to its last complete line: what follows is a write a crash interrupted, never acknowledged. */
  private async cutTornTails(): Promise<void> {
    for (const file of this.files.values()) {
      const path = join(this.dir, dayFileName(file.day));
      const size = (await stat(path)).size;
      if (size === file.bytes) continue;
      this.options.logger?.warn('usage history: dropping a partial last line (a write a crash interrupted; it was never acknowledged)', {
        file: dayFileName(file.day),
        bytes: size - file.bytes,
      });
      const handle = await open(path, 'r+');
      try {
        await handle.truncate(file.bytes);
        await handle.datasync();
      } finally {
        await handle.close();
      }
    }
  }

  private async pruneNow(before: number): Promise<void> {
    if (this.lock === null) throw new HistoryNotLeaderError('only the instance leading the usage history deletes it');
    const cutoff = utcDayStart(before);
    const old = [...this.files.keys()].filter((day) => day < cutoff).sort((a, b) => a - b);
    for (const day of old) {
      const handle = this.handles.get(day);
      this.handles.delete(day);
      await handle?.close().catch(() => undefined);
      try {
        await unlink(join(this.dir, dayFileName(day)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw this.failed(fileSystemError(error, `deleting ${dayFileName(day)}`));
      }
      this.files.delete(day);
    }
    this.index.dropBefore(cutoff);
  }

  private async applyRetention(): Promise<void> {
    this.lastRetention = this.now();
    const days = this.options.retentionDays ?? 400;
    await this.pruneNow(retentionCutoff(this.lastRetention, days)).catch((error: unknown) => {
      this.options.logger?.warn('usage history: retention failed; it is retried within the hour', { error });
    });
  }

  private failed(error: HistoryError): HistoryError {
    if (error.code !== 'HISTORY_BAD_SAMPLE' && error.code !== 'HISTORY_NOT_LEADER') this.condition = error.code;
    this.lastError = { code: error.code, message: error.message, at: this.now() };
    return error;
  }

  private cleared(): void {
    this.condition = 'ok';
  }
}

