/**
 * Failures of webhook delivery that a caller may act on. One base class, a flat set of
 * subclasses, each with a stable `code`. No message quotes a secret, a signature or a URL's query
 * string or user info.
 */

export type WebhookErrorCode = 'WEBHOOK_ENDPOINT_UNKNOWN' | 'WEBHOOK_OUTBOX_UNAVAILABLE' | 'WEBHOOK_OUTBOX_LOCKED';

/** Base of every webhook delivery failure; never thrown itself. */
export abstract class WebhookError extends Error {
  abstract readonly code: WebhookErrorCode;
}

/** A test event asked for an endpoint id the rules file does not name. */
export class WebhookEndpointUnknownError extends WebhookError {
  override readonly name = 'WebhookEndpointUnknownError';
  readonly code = 'WEBHOOK_ENDPOINT_UNKNOWN';
  constructor(readonly endpointId: string) {
    super(`No webhook endpoint has the id "${endpointId}"; the rules file's webhooks section names the endpoints`);
  }
}

/**
 * The outbox could not be read or written: an I/O error, a full disk, a database that cannot be
 * reached, a closed outbox. Nothing of the operation was acknowledged; the message names the cause,
 * never a database URL or password.
 */
export class WebhookOutboxUnavailableError extends WebhookError {
  override readonly name = 'WebhookOutboxUnavailableError';
  readonly code = 'WEBHOOK_OUTBOX_UNAVAILABLE';
}

/**
 * Another live process holds the embedded outbox's lock: one process (the instance that evaluates
 * alerts) owns the outbox files in a DATA_DIR. A lock its holder stops refreshing is taken over.
 */
export class WebhookOutboxLockedError extends WebhookError {
  override readonly name = 'WebhookOutboxLockedError';
  readonly code = 'WEBHOOK_OUTBOX_LOCKED';
}
