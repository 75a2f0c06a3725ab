/**
 * Failures of the partner usage ledger. One base class, a flat set of subclasses, each with a
 * stable `code` that reaches `partnerLedger.lastError` and GraphQL `extensions.code`.
 */

export type LedgerErrorCode =
  | 'LEDGER_BAD_PAGE'
  | 'LEDGER_LOCKED'
  | 'LEDGER_LOCK_LOST'
  | 'LEDGER_CORRUPT'
  | 'LEDGER_CONFLICT'
  | 'LEDGER_READ_ONLY'
  | 'LEDGER_UNAVAILABLE'
  | 'LEDGER_STORE_UNAVAILABLE'
  | LedgerStorageErrorCode;

/** The codes of a ledger whose files cannot be written: the disk's condition, not the data's. */
export type LedgerStorageErrorCode = 'LEDGER_DISK_FULL' | 'LEDGER_DISK_READ_ONLY' | 'LEDGER_PERMISSION_DENIED';

/** Base of every ledger failure; never thrown itself. */
export abstract class LedgerError extends Error {
  abstract readonly code: LedgerErrorCode;
}

/**
 * A stream page the ledger will not commit although the vendor adapter accepted it: a cursor that
 * is not a stream id, that goes backwards or does not advance, usage without an advance, or a
 * total that would pass 2^53 - 1. Nothing of the page is committed; the follower backs off.
 */
export class LedgerBadPageError extends LedgerError {
  override readonly name = 'LedgerBadPageError';
  readonly code = 'LEDGER_BAD_PAGE';
}

/**
 * Another live process holds the ledger's writer lock (`ledger.lock` in DATA_DIR, which its holder
 * keeps refreshing; `ledger.lock.owner` names it). The message names the path and the process: it
 * is for logs, never for clients.
 */
export class LedgerLockedError extends LedgerError {
  override readonly name = 'LedgerLockedError';
  readonly code = 'LEDGER_LOCKED';
  /** The holder's pid and host, as it wrote them; null when it has not written them yet. */
  readonly pid: number | null;
  readonly host: string | null;
  constructor(
    readonly lockFile: string,
    owner: { pid: number; host: string } | null,
  ) {
    super(
      `the partner ledger in ${lockFile} is followed by ${owner === null ? 'another process' : `process ${owner.pid} on ${owner.host}`}; ` +
        'only one follower may write a ledger. Stop that process: a lock its holder stops refreshing is taken over once stale.',
    );
    this.pid = owner?.pid ?? null;
    this.host = owner?.host ?? null;
  }
}

/**
 * This process lost the writer lock it held: its refresh failed for longer than the stale time (a
 * stalled process, a lost volume) or another process took the lock over. The follower stops; the
 * totals committed so far are still served.
 */
export class LedgerLockLostError extends LedgerError {
  override readonly name = 'LedgerLockLostError';
  readonly code = 'LEDGER_LOCK_LOST';
  constructor(
    readonly lockFile: string,
    options: { cause: unknown },
  ) {
    super(`lost the partner ledger's writer lock ${lockFile}; stopped writing it`, options);
  }
}

/**
 * The ledger's files contradict themselves in a way a crash cannot explain (a snapshot that fails
 * its checksum, intact journal records that do not chain). The ledger refuses to start rather than
 * serve totals it cannot vouch for.
 */
export class LedgerCorruptError extends LedgerError {
  override readonly name = 'LedgerCorruptError';
  readonly code = 'LEDGER_CORRUPT';
}

/** A commit whose start cursor is not the ledger's committed cursor: it would count a window twice or skip one. */
export class LedgerConflictError extends LedgerError {
  override readonly name = 'LedgerConflictError';
  readonly code = 'LEDGER_CONFLICT';
}

/** A commit on a ledger opened for reading only (another process holds the writer lock), or closed. */
export class LedgerReadOnlyError extends LedgerError {
  override readonly name = 'LedgerReadOnlyError';
  readonly code = 'LEDGER_READ_ONLY';
}

/** Arrays is configured but this gateway was built without a ledger (e.g. a test gateway). */
export class LedgerUnavailableError extends LedgerError {
  override readonly name = 'LedgerUnavailableError';
  readonly code = 'LEDGER_UNAVAILABLE';
  /** The vendor whose stream the missing ledger would follow. */
  readonly provider = 'ARRAYS';
  constructor() {
    super('the partner usage ledger is not running on this gateway');
  }
}

/**
 * The ledger's shared store (PostgreSQL, `DATABASE_URL`) cannot be reached or failed a statement:
 * nothing of the page in hand was committed (or, when the connection broke during COMMIT, the
 * cursor guard decides on the retry). The follower retries with a backoff; readers keep the totals
 * last read from the store. The message names the server's error, never the URL or its password.
 */
export class LedgerStoreUnavailableError extends LedgerError {
  override readonly name = 'LedgerStoreUnavailableError';
  readonly code = 'LEDGER_STORE_UNAVAILABLE';
}

/**
 * The ledger's files in `DATA_DIR` cannot be written: the file system is full, mounted read-only,
 * or refuses this process. Nothing of the page was committed (a partial record is cut off), the
 * totals committed so far are still served, and the follower retries the same page until the
 * condition clears. The message names the file (for logs); clients read fixed words by code.
 */
export abstract class LedgerStorageError extends LedgerError {
  abstract override readonly code: LedgerStorageErrorCode;
  constructor(
    /** The file the write failed on. */
    readonly path: string,
    what: string,
    options: { cause: unknown },
  ) {
    super(`partner ledger: cannot write ${path}: ${what}`, options);
  }
}

/** `ENOSPC` (or `EDQUOT`): no space left, or the quota spent, on the file system of `DATA_DIR`. */
export class LedgerDiskFullError extends LedgerStorageError {
  override readonly name = 'LedgerDiskFullError';
  readonly code = 'LEDGER_DISK_FULL';
}

/** `EROFS`: the file system of `DATA_DIR` is mounted read-only (not a ledger opened for reading, which is LEDGER_READ_ONLY). */
export class LedgerDiskReadOnlyError extends LedgerStorageError {
  override readonly name = 'LedgerDiskReadOnlyError';
  readonly code = 'LEDGER_DISK_READ_ONLY';
}

/** `EACCES` or `EPERM`: the ledger's files or `DATA_DIR` refuse this process's user. */
export class LedgerPermissionDeniedError extends LedgerStorageError {
  override readonly name = 'LedgerPermissionDeniedError';
  readonly code = 'LEDGER_PERMISSION_DENIED';
}

const STORAGE_ERRNO: Record<string, { what: string; make: (path: string, what: string, options: { cause: unknown }) => LedgerStorageError }> = {
  ENOSPC: { what: 'no space left on the file system', make: (...args) => new LedgerDiskFullError(...args) },
  EDQUOT: { what: 'the disk quota is spent', make: (...args) => new LedgerDiskFullError(...args) },
  EROFS: { what: 'the file system is mounted read-only', make: (...args) => new LedgerDiskReadOnlyError(...args) },
  EACCES: { what: 'permission denied', make: (...args) => new LedgerPermissionDeniedError(...args) },
  EPERM: { what: 'operation not permitted', make: (...args) => new LedgerPermissionDeniedError(...args) },
};

/**
 * The storage failure a file-system error on `path` means, or null when it is none of them (an
 * I/O error, a bug): that one keeps its own identity.
 */
export function storageErrorOf(error: unknown, path: string): LedgerStorageError | null {
  const errno = (error as { code?: unknown } | null)?.code;
  const known = typeof errno === 'string' ? STORAGE_ERRNO[errno] : undefined;
  return known === undefined ? null : known.make(path, known.what, { cause: error });
}

export function isLedgerStorageError(error: unknown): error is LedgerStorageError {
  return error instanceof LedgerStorageError;
}

export function isLedgerError(error: unknown): error is LedgerError {
  return error instanceof LedgerError;
}
