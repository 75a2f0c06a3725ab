import { chmod, mkdir, open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../common/logger.js';
import { ARRAYS_STREAM_START } from './stream-cursor.js';
import { LedgerCorruptError, LedgerReadOnlyError, storageErrorOf, type LedgerLockLostError } from './errors.js';
import { LEDGER_DIR_MODE, LEDGER_FILE_MODE } from './file-modes.js';
import { decodeRecord, encodeRecord, readRecords, type JournalScan } from './journal.js';
import { acquireLock, type LedgerLock, type LedgerLockOptions } from './lock.js';
import { LedgerIndex, type IndexHeader, type UserRow } from './user-totals-index.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';
import type {
  DailyQuery,
  DailyUsage,
  LedgerCommit,
  LedgerPosition,
  LedgerStats,
  LedgerStore,
  ListUsersQuery,
  UserList,
} from './store.js';
import type { PartnerUserTotals } from './types.js';

/** The files of a ledger inside its directory. */
export const LEDGER_FILES = {
  lock: 'ledger.lock',
  journal: 'ledger.journal',
  snapshot: 'ledger.snapshot',
  snapshotTemp: 'ledger.snapshot.tmp',
} as const;

/** Places in the commit and snapshot paths where the crash test kills the process. */
export type CrashPoint = 'after-journal-write' | 'after-journal-fsync' | 'mid-snapshot' | 'after-snapshot-rename';

/** Options of the embedded file store. */
export interface FileLedgerStoreOptions {
  /** Directory of the ledger's files (`DATA_DIR`); created (mode 0700) when missing. */
  dir: string;
  /** Cursor a new ledger starts after (`ARRAYS_START_CURSOR`). Default `0`. An existing ledger keeps its own. */
  startCursor?: string;
  /** Snapshot after this many commits since the last snapshot. Default 1000. */
  snapshotEveryCommits?: number;
  /** Snapshot once the journal holds this many bytes. Default 64 MiB. */
  snapshotEveryBytes?: number;
  /**
   * Open without taking the writer lock, for reading a ledger another process writes: nothing on
   * disk is changed and `commit` throws. Default false.
   */
  readOnly?: boolean;
  /** The writer lock's timing. Default: stale after 10 s, refreshed every 2 s. */
  lock?: LedgerLockOptions;
  /** Called once if the store loses its writer lock; it has stopped writing by then. Default: none. */
  onLockLost?: (error: LedgerLockLostError) => void;
  /** Default: no logging. */
  logger?: Logger;
  /** Test hook, called at each crash point; the crash test's child kills itself there. Default: none. */
  onCrashPoint?: (point: CrashPoint) => void;
}

const DEFAULTS = { snapshotEveryCommits: 1000, snapshotEveryBytes: 64 * 1024 * 1024 };

/**
 * The default ledger store: embedded, no server. State lives in memory (LedgerIndex); durability is
 * an append-only journal with one fsync'd record per commit, compacted by periodic snapshots.
 * Recovery = the snapshot + the intact journal records after it; a torn tail is truncated.
 */
export class FileLedgerStore implements LedgerStore {
  readonly stats: LedgerStats = { reads: 0, commits: 0 };
  private journalBytes: number;
  private commitsSinceSnapshot = 0;
  private tail: Promise<void> = Promise.resolve();
  /** Set when the journal could not be restored after a failed write: no further commit is safe. */
  private broken: Error | null = null;
  private closed = false;

  private constructor(
    private readonly options: FileLedgerStoreOptions & typeof DEFAULTS,
    private readonly index: LedgerIndex,
    private readonly journal: FileHandle | null,
    private readonly lock: LedgerLock | null,
    journalBytes: number,
  ) {
    this.journalBytes = journalBytes;
    lock?.onLost((error) => {
      // Another process may be writing the journal now: not one more byte from this one.
      this.broken ??= error;
      options.logger?.error('partner ledger: lost the writer lock; no longer writing the ledger', { error });
      options.onLockLost?.(error);
    });
  }

  /**
   * Recovers the ledger in `options.dir`; throws LedgerLockedError when another live process
   * writes it. A lock left by a writer that died is waited for until stale, then taken over.
   */
  static async open(options: FileLedgerStoreOptions): Promise<FileLedgerStore> {
    const settings = { ...DEFAULTS, ...options };
    const file = (name: keyof typeof LEDGER_FILES) => join(options.dir, LEDGER_FILES[name]);
    const writer = options.readOnly !== true;
    await mkdir(options.dir, { recursive: true, mode: LEDGER_DIR_MODE });
    const lock = writer ? await acquireLock(file('lock'), options.lock) : null;
    let journal: FileHandle | null = null;
    try {
      // A temporary snapshot is one a crash interrupted; the renamed one is still whole.
      if (writer) await rm(file('snapshotTemp'), { force: true });
      const startCursor = options.startCursor ?? ARRAYS_STREAM_START;
      const index = (await readSnapshot(file('snapshot'))) ?? new LedgerIndex(startCursor);
      const scan = await replayJournal(file('journal'), index);
      if (scan.tornBytes > 0) {
        options.logger?.warn('partner ledger: dropping the torn tail of the journal (a write a crash interrupted; it was never acknowledged)', {
          tornBytes: scan.tornBytes,
        });
      }
      if (index.pages > 0 && index.startCursor !== startCursor) {
        options.logger?.warn('partner ledger: ARRAYS_START_CURSOR differs from the existing ledger\'s start; resuming the existing ledger', {
          ledgerStart: index.startCursor,
          configured: startCursor,
          dir: options.dir,
        });
      }
      if (writer) {
        journal = await open(file('journal'), 'a', LEDGER_FILE_MODE);
        // An earlier version created its files readable to all; a mode only applies to a new file.
        await journal.chmod(LEDGER_FILE_MODE);
        await chmod(file('snapshot'), LEDGER_FILE_MODE).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
        if (scan.tornBytes > 0) {
          await journal.truncate(scan.intactBytes);
          await journal.datasync();
        }
      }
      return new FileLedgerStore(settings, index, journal, lock, scan.intactBytes);
    } catch (error) {
      await journal?.close();
      await lock?.release();
      throw error;
    }
  }

  get writable(): boolean {
    return this.journal !== null && !this.closed && this.broken === null;
  }

  /** The whole ledger as a snapshot has it (for `npm run ledger -- export`): its header and one row per user. */
  contents(): { header: IndexHeader; users: number; rows: () => Generator<UserRow> } {
    return { header: this.index.header(), users: this.index.userCount, rows: () => this.index.rows() };
  }

  async position(): Promise<LedgerPosition> {
    this.stats.reads += 1;
    return this.index.position();
  }

  async getUsers(subs: readonly string[]): Promise<(PartnerUserTotals | null)[]> {
    this.stats.reads += 1;
    return subs.map((sub) => this.index.getUser(sub));
  }

  async getDaily(queries: readonly DailyQuery[]): Promise<(DailyUsage[] | null)[]> {
    this.stats.reads += 1;
    return queries.map((query) => this.index.daily(query.sub, query));
  }

  async listUsers(query: ListUsersQuery): Promise<UserList> {
    this.stats.reads += 1;
    return this.index.list(query);
  }

  commit(commit: LedgerCommit): Promise<void> {
    const run = this.tail.then(() => this.commitNow(commit));
    this.tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.tail;
    this.closed = true;
    try {
      if (this.journal !== null && this.broken === null && this.commitsSinceSnapshot > 0) await this.snapshot();
    } finally {
      await this.journal?.close();
      await this.lock?.release();
    }
  }

  private async commitNow(commit: LedgerCommit): Promise<void> {
    const journal = this.journal;
    if (journal === null || this.closed) throw new LedgerReadOnlyError('this ledger is open for reading only (another process follows the stream) or closed');
    if (this.broken !== null) throw this.broken;
    this.index.check(commit);
    const committedAt = Date.now();
    const record = encodeRecord({ seq: this.index.seq + 1, committedAt, commit });
    // From here on the commit is its record, and the caller's page can be collected during the fsync.
    commit = undefined as never;
    try {
      await writeAll(journal, record);
      this.options.onCrashPoint?.('after-journal-write');
      await journal.datasync();
      this.options.onCrashPoint?.('after-journal-fsync');
    } catch (error) {
      // A partial record must not sit in front of the next one; cut the journal back to its last commit.
      await journal.truncate(this.journalBytes).catch((truncateError: unknown) => {
        this.broken = new LedgerCorruptError('the journal could not be restored after a failed write; restart the gateway to recover', {
          cause: truncateError,
        });
      });
      // A full, read-only or forbidding disk is a condition the operator can clear, not a bug: named as such.
      throw storageErrorOf(error, join(this.options.dir, LEDGER_FILES.journal)) ?? error;
    }
    this.journalBytes += record.length;
    // Applied from the durable record, through the same decoding as recovery: what a reader sees
    // now is exactly what a restart will rebuild.
    this.index.apply(decodeRecord(record).commit, committedAt);
    this.stats.commits += 1;
    this.commitsSinceSnapshot += 1;
    if (this.commitsSinceSnapshot >= this.options.snapshotEveryCommits || this.journalBytes >= this.options.snapshotEveryBytes) {
      // The commit is already durable in the journal: a failed snapshot only postpones compaction.
      await this.snapshot().catch(async (error: unknown) => {
        // A half-written snapshot would hold the very space (a full disk) the next journal record needs.
        await rm(join(this.options.dir, LEDGER_FILES.snapshotTemp), { force: true }).catch(() => undefined);
        this.options.logger?.warn('partner ledger: snapshot failed; the journal keeps every commit and the next snapshot retries', { error });
      });
    }
  }

  private async snapshot(): Promise<void> {
    const journal = this.journal!;
    const file = (name: keyof typeof LEDGER_FILES) => join(this.options.dir, LEDGER_FILES[name]);
    const crash = this.options.onCrashPoint;
    await writeSnapshot(this.index, file('snapshotTemp'), file('snapshot'), {
      midway: crash && (() => crash('mid-snapshot')),
      renamed: crash && (() => crash('after-snapshot-rename')),
    });
    // Records up to the snapshot's seq are skipped on recovery, so a crash before this truncation is harmless.
    await journal.truncate(0);
    await journal.datasync();
    this.journalBytes = 0;
    this.commitsSinceSnapshot = 0;
  }
}

async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

/** Applies the journal's intact records that come after the index's snapshot. */
async function replayJournal(file: string, index: LedgerIndex): Promise<JournalScan> {
  const scan: JournalScan = { intactBytes: 0, tornBytes: 0 };
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return scan;
    throw error;
  }
  for (const { seq, committedAt, commit } of readRecords(bytes, scan)) {
    if (seq <= index.seq) continue;
    if (index.seq === 0) {
      // The ledger's first commit says where it started.
      index.startCursor = commit.cursorBefore;
      index.cursor = commit.cursorBefore;
    }
    if (seq !== index.seq + 1 || commit.cursorBefore !== index.cursor) {
      throw new LedgerCorruptError(
        `journal record ${seq} from cursor ${commit.cursorBefore} does not follow commit ${index.seq} at cursor ${index.cursor}`,
      );
    }
    index.apply(commit, committedAt);
  }
  return scan;
}
