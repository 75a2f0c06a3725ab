/**
 * Failures of the partner usage ledger. One base class, a flat set of subclasses, each with a
 * stable `code` that reaches `partnerLedger.lastError` and GraphQL `extensions.code`.
 */

export type LedgerErrorCode =
  | 'LEDGER_BAD_PAGE'
  | 'LEDGER_LOCKED'
  | 'LEDGER_CORRUPT'
  | 'LEDGER_CONFLICT'
  | 'LEDGER_READ_ONLY'
  | 'LEDGER_UNAVAILABLE';

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

/** Another live process holds the ledger's writer lock (`ledger.lock` in DATA_DIR names its pid). */
export class LedgerLockedError extends LedgerError {
  override readonly name = 'LedgerLockedError';
  readonly code = 'LEDGER_LOCKED';
  constructor(
    readonly lockFile: string,
    readonly pid: number,
  ) {
    super(
      `the partner ledger in ${lockFile} is followed by process ${pid}; only one follower may write a ledger. ` +
        'Stop that process, or delete the lock file if that pid is not a gateway.',
    );
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

export function isLedgerError(error: unknown): error is LedgerError {
  return error instanceof LedgerError;
}
