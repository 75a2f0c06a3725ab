/**
 * Failures of the usage-history store. One base class, a flat set of subclasses, each with a
 * stable `code` that `HistoryStore.status()` reports and a caller may match on.
 */

export type HistoryErrorCode =
  | 'HISTORY_DISK_FULL'
  | 'HISTORY_READ_ONLY'
  | 'HISTORY_PERMISSION_DENIED'
  | 'HISTORY_UNAVAILABLE'
  | 'HISTORY_NOT_LEADER'
  | 'HISTORY_BAD_SAMPLE';

/** Base of every history failure; never thrown itself. */
export abstract class HistoryError extends Error {
  abstract readonly code: HistoryErrorCode;
}

/**
 * The disk (or the database's disk) has no room for the samples in hand (ENOSPC, EDQUOT, SQLSTATE
 * 53100). None of them was acknowledged; the store stays open and the next append after space
 * returns succeeds.
 */
export class HistoryDiskFullError extends HistoryError {
  override readonly name = 'HistoryDiskFullError';
  readonly code = 'HISTORY_DISK_FULL';
}

/**
 * The history's file system is mounted read-only (EROFS), or the database refuses writes (a hot
 * standby, SQLSTATE 25006). Nothing was acknowledged; appends succeed again once it is writable.
 */
export class HistoryReadOnlyError extends HistoryError {
  override readonly name = 'HistoryReadOnlyError';
  readonly code = 'HISTORY_READ_ONLY';
}

/**
 * The gateway's user may not write the history's files (EACCES, EPERM) or its table (SQLSTATE
 * 42501). Nothing was acknowledged; an operator fixes the ownership or the grants.
 */
export class HistoryPermissionDeniedError extends HistoryError {
  override readonly name = 'HistoryPermissionDeniedError';
  readonly code = 'HISTORY_PERMISSION_DENIED';
}

/**
 * Any other failure to reach the history: an I/O error, a database that cannot be reached or
 * failed a statement, a closed store. The message names the cause, never a URL or a password.
 */
export class HistoryUnavailableError extends HistoryError {
  override readonly name = 'HistoryUnavailableError';
  readonly code = 'HISTORY_UNAVAILABLE';
}

/**
 * An append to the embedded store by an instance that does not hold its lock: on a fleet sharing
 * one DATA_DIR only the leader writes, the others read what it wrote.
 */
export class HistoryNotLeaderError extends HistoryError {
  override readonly name = 'HistoryNotLeaderError';
  readonly code = 'HISTORY_NOT_LEADER';
}

/** A sample the store refuses: a non-integer time, a count beyond 2^53 - 1, an empty name. Nothing of its batch is written. */
export class HistoryBadSampleError extends HistoryError {
  override readonly name = 'HistoryBadSampleError';
  readonly code = 'HISTORY_BAD_SAMPLE';
}

export function isHistoryError(error: unknown): error is HistoryError {
  return error instanceof HistoryError;
}

/** A file-system failure as the history error a caller can act on; `doing` says what failed. */
export function fileSystemError(error: unknown, doing: string): HistoryError {
  if (isHistoryError(error)) return error;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const message = `${doing}: ${error instanceof Error ? error.message : String(error)}`;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new HistoryDiskFullError(message, { cause: error });
    case 'EROFS':
      return new HistoryReadOnlyError(message, { cause: error });
    case 'EACCES':
    case 'EPERM':
      return new HistoryPermissionDeniedError(message, { cause: error });
    default:
      return new HistoryUnavailableError(message, { cause: error });
  }
}
