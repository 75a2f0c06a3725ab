/**
 * Failures of threshold alerting's own parts (the rules file, the event store). One base class, a
 * flat set of subclasses, each with a stable `code` a caller may match on.
 */

export type AlertErrorCode = 'ALERT_RULES_INVALID' | 'ALERT_STORE_UNAVAILABLE' | 'ALERT_QUERY_INVALID';

/** Base of every alerting failure; never thrown itself. */
export abstract class AlertError extends Error {
  abstract readonly code: AlertErrorCode;
}

/**
 * The rules file (`ALERT_RULES`) cannot be read or holds problems. `problems` lists every one,
 * each naming the file (and the line where known); the message lists them too.
 */
export class AlertRulesInvalidError extends AlertError {
  override readonly name = 'AlertRulesInvalidError';
  readonly code = 'ALERT_RULES_INVALID';
  constructor(
    readonly path: string,
    readonly problems: readonly string[],
  ) {
    super(`the alert rules file ${path} is invalid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/**
 * The alert event store could not be read or written: an I/O error, a full disk, a database that
 * cannot be reached or failed a statement, a closed store. The message names the cause, never a
 * URL or a password; nothing of a failed `record` was acknowledged.
 */
export class AlertStoreUnavailableError extends AlertError {
  override readonly name = 'AlertStoreUnavailableError';
  readonly code = 'ALERT_STORE_UNAVAILABLE';
}

/** A page of alert events was asked with a cursor the store never gave, or a page size out of 1 to 1000. */
export class AlertQueryInvalidError extends AlertError {
  override readonly name = 'AlertQueryInvalidError';
  readonly code = 'ALERT_QUERY_INVALID';
}

export function isAlertError(error: unknown): error is AlertError {
  return error instanceof AlertError;
}
