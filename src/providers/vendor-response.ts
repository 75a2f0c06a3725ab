import type { z } from 'zod';
import { markPhase } from '../common/instrumentation.js';
import {
  errorForStatus,
  UpstreamBadResponseError,
  UpstreamNotFoundError,
  type ErrorDetailsInit,
  type ErrorQuote,
  type UpstreamError,
} from '../upstream/errors.js';
import type { UpstreamResponse } from '../upstream/http.js';
import { parseJsonBody, parsePayload } from '../upstream/json.js';
import { redact } from '../common/redact.js';

/**
 * Response handling shared by every vendor adapter: reading error bodies leniently, checking
 * payloads (redacted by `parsePayload`), and, for the vendors that wrap answers in a
 * `{ success, error }` envelope (Arrays, Anylayer), turning a "successful" status that reports
 * failure into a typed error.
 */

/** Reason quoted when a failed call's body is missing, not JSON, or not the vendor's error shape. */
export const UNREADABLE_ERROR_BODY = 'no error details in the documented shape';

/** True for the statuses whose body is the vendor's data rather than an error. */
export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status <= 299;
}

/**
 * The vendor's error body when it is JSON in the documented shape, else null. A failure status
 * must surface as its own typed error even when a proxy answered with HTML or the vendor drifted,
 * so an unreadable error body is never reported as a second, different failure.
 */
export function readErrorBody<S extends z.ZodType>(response: UpstreamResponse, schema: S): z.output<S> | null {
  let payload: unknown;
  try {
    payload = JSON.parse(response.text) as unknown;
  } catch {
    return null;
  }
  const result = schema.safeParse(payload);
  return result.success ? result.data : null;
}

/** `redact` for optional vendor text: absent (or null) stays null. */
export function redactOptional(text: string | null | undefined, secrets: readonly string[]): string | null {
  return text === undefined || text === null ? null : redact(text, secrets);
}

/**
 * The error for a 2xx answer whose envelope says `success: false`. The vendor's "not found" code
 * keeps its meaning; anything else is a broken contract, since a 2xx promised data. Like
 * `errorForStatus`, expects `message` and every detail already redacted.
 */
export function errorForFailureEnvelope(input: ErrorQuote & ErrorDetailsInit & { httpStatus: number; notFound: boolean }): UpstreamError {
  const { notFound, message, ...details } = input;
  const reason = `${details.provider} answered ${details.httpStatus} but reported failure: ${message}`;
  return notFound ? new UpstreamNotFoundError(reason, details) : new UpstreamBadResponseError(reason, details);
}

/** How one vendor's failed answers read: its error body and what an error quotes from it. */
export interface VendorErrors<E> {
  provider: string;
  errorBody: z.ZodType<E>;
  quote(body: E, secrets: readonly string[]): ErrorQuote;
}

/**
 * The payload of a 2xx answer checked against `schema`, or the typed error the answer means: the
 * status's error (quoting the vendor's error body when it is readable), UPSTREAM_BAD_RESPONSE for
 * a body that is not JSON or breaks the contract. Nothing it throws carries a credential.
 */
export function readVendorAnswer<S extends z.ZodType, E>(
  response: UpstreamResponse,
  vendor: VendorErrors<E>,
  schema: S,
  context: {
    what: string;
    secrets: readonly string[];
    /** Reads the request id from a payload that may have broken its contract, for support. */
    requestIdOf?(payload: unknown): string | null;
    /**
     * A check in place of the schema's common case: a payload it accepts is used as it is, without
     * zod's copy; it must accept only what `schema` accepts. Default: every payload goes through `schema`.
     */
    acceptsAsIs?(payload: unknown): payload is z.output<S>;
  },
): z.output<S> {
  const { provider } = vendor;
  const { secrets } = context;
  if (!isSuccessStatus(response.status)) {
    const body = readErrorBody(response, vendor.errorBody);
    throw errorForStatus({
      provider,
      httpStatus: response.status,
      retryAfterSeconds: response.retryAfterSeconds,
      ...(body === null ? { message: UNREADABLE_ERROR_BODY } : vendor.quote(body, secrets)),
    });
  }
  const payload = parseJsonBody(response, provider, secrets);
  if (context.acceptsAsIs?.(payload) === true) {
    markPhase('validated (in place)');
    return payload;
  }
  return parsePayload(schema, payload, {
    provider,
    what: context.what,
    httpStatus: response.status,
    upstreamRequestId: context.requestIdOf?.(payload) ?? null,
    secrets,
  });
}
