/**
 * Typed failures of an upstream (vendor) call. One base class, a flat set of subclasses, each with
 * a stable `code` that reaches GraphQL clients as `extensions.code`. Messages are built by us from
 * redacted parts: they never carry a credential.
 */

import type { UpstreamErrorCode } from './failures.js';

/**
 * Everything a failure can tell about the vendor's side of it: the one set of fields that errors
 * carry, vendor clients quote and clients read (extensions and the in-schema `ProviderError`).
 */
export interface ErrorDetails {
  /** Vendor the call went to, e.g. `SHARPE`. Plain string: this layer knows no vendor list. */
  provider: string;
  /** The vendor's HTTP status, when it answered. */
  httpStatus: number | null;
  /** Seconds the vendor asked us to wait (Retry-After), when it said. */
  retryAfterSeconds: number | null;
  /** The vendor's request id or error id, to quote to the vendor's support. */
  upstreamRequestId: string | null;
  /** The vendor's own error code (e.g. Faraday `EXPIRED_API_KEY`), when it sent one. */
  vendorCode: string | null;
  /** The vendor's advice or documentation link (Arrays `hint` / `docs_url`), redacted. */
  hint: string | null;
  docsUrl: string | null;
  /** Example requests the vendor offers with its advice (Arrays `examples`), redacted; empty when none. */
  examples: readonly string[];
  /** What the vendor suggests doing instead (Arrays `suggestions`), redacted; empty when none. */
  suggestions: readonly string[];
  /** Per-field complaints (Arrays `details`, Faraday `validationErrors`), redacted. */
  fieldErrors: readonly FieldError[];
}

/** What building an error takes: the vendor, whichever details are known, and the cause. */
export type ErrorDetailsInit = Pick<ErrorDetails, 'provider'> & Partial<Omit<ErrorDetails, 'provider'>> & { cause?: unknown };

/**
 * What a vendor's error body says, every text already redacted: the reason, and the details
 * only the body holds.
 */
export type ErrorQuote = { message: string } & Partial<Pick<ErrorDetails, 'upstreamRequestId' | 'vendorCode' | 'hint' | 'docsUrl' | 'examples' | 'suggestions' | 'fieldErrors'>>;

export interface FieldError {
  field: string;
  reason: string;
}

/** Base of every upstream failure; never thrown itself. */
export abstract class UpstreamError extends Error implements ErrorDetails {
  abstract readonly code: UpstreamErrorCode;
  readonly provider: string;
  readonly httpStatus: number | null;
  readonly retryAfterSeconds: number | null;
  readonly upstreamRequestId: string | null;
  readonly vendorCode: string | null;
  readonly hint: string | null;
  readonly docsUrl: string | null;
  readonly examples: readonly string[];
  readonly suggestions: readonly string[];
  readonly fieldErrors: readonly FieldError[];

  constructor(message: string, details: ErrorDetailsInit) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.provider = details.provider;
    this.httpStatus = details.httpStatus ?? null;
    this.retryAfterSeconds = details.retryAfterSeconds ?? null;
    this.upstreamRequestId = details.upstreamRequestId ?? null;
    this.vendorCode = details.vendorCode ?? null;
    this.hint = details.hint ?? null;
    this.docsUrl = details.docsUrl ?? null;
    this.examples = details.examples ?? [];
    this.suggestions = details.suggestions ?? [];
    this.fieldErrors = details.fieldErrors ?? [];
  }
}

/** The vendor did not answer within the call's deadline (connect, headers or whole body). */
export class UpstreamTimeoutError extends UpstreamError {
  override readonly name = 'UpstreamTimeoutError';
  readonly code = 'UPSTREAM_TIMEOUT';
}

/** The vendor could not be reached (refused, reset, DNS) or answered 5xx; or its breaker is open. */
export class UpstreamUnavailableError extends UpstreamError {
  override readonly name = 'UpstreamUnavailableError';
  readonly code = 'UPSTREAM_UNAVAILABLE';
}

/** The vendor answered 429, or our own budget for that vendor is spent; see `retryAfterSeconds`. */
export class UpstreamRateLimitedError extends UpstreamError {
  override readonly name = 'UpstreamRateLimitedError';
  readonly code = 'UPSTREAM_RATE_LIMITED';
}

/** The vendor refused the configured credential (401) or its scope (403). */
export class UpstreamAuthFailedError extends UpstreamError {
  override readonly name = 'UpstreamAuthFailedError';
  readonly code = 'UPSTREAM_AUTH_FAILED';
}

/** The vendor's answer broke its contract: not JSON, wrong shape, too large, unexpected status. */
export class UpstreamBadResponseError extends UpstreamError {
  override readonly name = 'UpstreamBadResponseError';
  readonly code = 'UPSTREAM_BAD_RESPONSE';
}

/** The vendor says the thing asked for does not exist (404, e.g. Anylayer `NO_USAGE_DATA`). */
export class UpstreamNotFoundError extends UpstreamError {
  override readonly name = 'UpstreamNotFoundError';
  readonly code = 'UPSTREAM_NOT_FOUND';
}

/** The vendor rejected our request as malformed (400): a gateway bug or a contract change. */
export class UpstreamBadRequestError extends UpstreamError {
  override readonly name = 'UpstreamBadRequestError';
  readonly code = 'UPSTREAM_BAD_REQUEST';
}

/**
 * Every request waiting for the call was answered without it (`GATEWAY_REQUEST_TIMEOUT_MS`
 * passed), so the call was abandoned and its connection closed.
 */
export class UpstreamCancelledError extends UpstreamError {
  override readonly name = 'UpstreamCancelledError';
  readonly code = 'UPSTREAM_CANCELLED';
}

export function isUpstreamError(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError;
}

/**
 * Maps a vendor's non-2xx status to its typed error; vendors call it after parsing their body.
 * Expects the quote already redacted.
 */
export function errorForStatus(input: ErrorQuote & ErrorDetailsInit & { httpStatus: number }): UpstreamError {
  const { message, ...details } = input;
  const { provider, httpStatus: status } = details;
  const reason = `${provider} answered ${status}: ${message}`;
  if (status === 401 || status === 403) return new UpstreamAuthFailedError(reason, details);
  if (status === 404) return new UpstreamNotFoundError(reason, details);
  if (status === 429) return new UpstreamRateLimitedError(reason, details);
  if (status === 400 || status === 422) return new UpstreamBadRequestError(reason, details);
  if (status >= 500) return new UpstreamUnavailableError(reason, details);
  return new UpstreamBadResponseError(`${provider} answered unexpected status ${status}: ${message}`, details);
}
