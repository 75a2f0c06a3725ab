/**
 * Typed failures of an upstream (vendor) call. One base class, a flat set of subclasses, each with
 * a stable `code` that reaches GraphQL clients as `extensions.code`. Messages are built by us from
 * redacted parts: they never carry a credential.
 */

export type UpstreamErrorCode =
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_RATE_LIMITED'
  | 'UPSTREAM_AUTH_FAILED'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'UPSTREAM_NOT_FOUND'
  | 'UPSTREAM_BAD_REQUEST';

export interface UpstreamErrorDetails {
  /** Vendor the call went to, e.g. `SHARPE`. Plain string: this layer knows no vendor list. */
  provider: string;
  httpStatus?: number | null;
  /** Seconds the vendor asked us to wait (Retry-After), when it said. */
  retryAfterSeconds?: number | null;
  /** The vendor's request id or error id, to quote to the vendor's support. */
  upstreamRequestId?: string | null;
  /** The vendor's own error code (e.g. Faraday `EXPIRED_API_KEY`), when it sent one. */
  vendorCode?: string | null;
  /** The vendor's advice or documentation link (Arrays `hint` / `docs_url`), redacted. */
  hint?: string | null;
  docsUrl?: string | null;
  /** Per-field complaints (Arrays `details`, Faraday `validationErrors`), redacted. */
  fieldErrors?: readonly FieldError[];
  cause?: unknown;
}

export interface FieldError {
  field: string;
  reason: string;
}

/** Base of every upstream failure; never thrown itself. */
export abstract class UpstreamError extends Error {
  abstract readonly code: UpstreamErrorCode;
  readonly provider: string;
  readonly httpStatus: number | null;
  readonly retryAfterSeconds: number | null;
  readonly upstreamRequestId: string | null;
  readonly vendorCode: string | null;
  readonly hint: string | null;
  readonly docsUrl: string | null;
  readonly fieldErrors: readonly FieldError[];

  constructor(message: string, details: UpstreamErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.provider = details.provider;
    this.httpStatus = details.httpStatus ?? null;
    this.retryAfterSeconds = details.retryAfterSeconds ?? null;
    this.upstreamRequestId = details.upstreamRequestId ?? null;
    this.vendorCode = details.vendorCode ?? null;
    this.hint = details.hint ?? null;
    this.docsUrl = details.docsUrl ?? null;
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

export function isUpstreamError(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError;
}

export interface StatusErrorInput {
  provider: string;
  status: number;
  /** A human-readable reason, from the vendor's error body when it had one. Already redacted. */
  message: string;
  retryAfterSeconds?: number | null;
  upstreamRequestId?: string | null;
  vendorCode?: string | null;
  hint?: string | null;
  docsUrl?: string | null;
  fieldErrors?: readonly FieldError[];
}

/** Maps a vendor's non-2xx status to its typed error; vendors call it after parsing their body. */
export function errorForStatus(input: StatusErrorInput): UpstreamError {
  const { provider, status } = input;
  const details: UpstreamErrorDetails = {
    provider,
    httpStatus: status,
    retryAfterSeconds: input.retryAfterSeconds ?? null,
    upstreamRequestId: input.upstreamRequestId ?? null,
    vendorCode: input.vendorCode ?? null,
    hint: input.hint ?? null,
    docsUrl: input.docsUrl ?? null,
    fieldErrors: input.fieldErrors ?? [],
  };
  const reason = `${provider} answered ${status}: ${input.message}`;
  if (status === 401 || status === 403) return new UpstreamAuthFailedError(reason, details);
  if (status === 404) return new UpstreamNotFoundError(reason, details);
  if (status === 429) return new UpstreamRateLimitedError(reason, details);
  if (status === 400 || status === 422) return new UpstreamBadRequestError(reason, details);
  if (status >= 500) return new UpstreamUnavailableError(reason, details);
  return new UpstreamBadResponseError(`${provider} answered unexpected status ${status}: ${input.message}`, details);
}
