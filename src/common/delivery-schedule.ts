/**
 * When to try a webhook delivery again, as a pure function of the attempt that just ended: the
 * at-least-once schedule of the outbox, with no clock, timer or randomness of its own (both are
 * passed in), so that every branch is testable without waiting.
 *
 * Status handling follows the Standard Webhooks guidance: 2xx is delivered; 410 Gone disables the
 * endpoint; everything else (3xx, which is never followed, 4xx, 5xx, a timeout, a refused or reset
 * connection) is a failure retried on the schedule until the last attempt, then given up. A 4xx
 * other than 410 is retried too: the specification counts it as an ordinary failure, and in
 * practice a 401/403/404 is mostly a receiver's passing state (a deploy without the route, a secret
 * rotated on one side first) that heals within the schedule's day, while a receiver that wants no
 * more says so with 410.
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * The ceiling of the wait before each retry: entry `n - 1` is the wait after attempt `n` failed.
 * The first attempt is immediate; the wait actually used is drawn uniformly below the ceiling
 * (full jitter), so that endpoints failing together are not retried together. Ten retries, eleven
 * attempts in all; the ceilings add up to 23 h 42 min 35 s, so a message is given up within about
 * a day of its first attempt (half that on average).
 *
 * | after attempt | wait up to |
 * | ------------- | ---------- |
 * | 1             | 5 s        |
 * | 2             | 30 s       |
 * | 3             | 2 min      |
 * | 4             | 10 min     |
 * | 5             | 30 min     |
 * | 6             | 1 h        |
 * | 7             | 2 h        |
 * | 8             | 4 h        |
 * | 9             | 8 h        |
 * | 10            | 8 h        |
 * | 11            | give up    |
 */
export const RETRY_DELAYS_MS: readonly number[] = Object.freeze([
  5 * SECOND,
  30 * SECOND,
  2 * MINUTE,
  10 * MINUTE,
  30 * MINUTE,
  1 * HOUR,
  2 * HOUR,
  4 * HOUR,
  8 * HOUR,
  8 * HOUR,
]);

/** Attempts per message, the first included; a failure of the last one gives the message up. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/**
 * How long one attempt may take, connection to the end of the response, before it counts as a
 * network failure. The specification recommends 15 to 30 s: long enough for a receiver that
 * acknowledges after a short piece of work, short enough that a hung receiver does not hold a
 * delivery worker.
 */
export const ATTEMPT_DEADLINE_MS = 15 * SECOND;

/** The least wait before a retry, jitter included: retrying a receiver the instant it failed helps no one. */
export const MIN_RETRY_DELAY_MS = 1 * SECOND;

/**
 * The most a `Retry-After` can hold a retry back. The header is honoured (never retry sooner than
 * it asks) up to this: a receiver's clock error or a typo must not park a message for days.
 */
export const RETRY_AFTER_CAP_MS = 1 * HOUR;

/** The attempt that just ended, and how. */
export type AttemptOutcome = {
  /** 1 for the first attempt of a message, 2 for its first retry, and so on. */
  attempt: number;
  /** The receiver's `Retry-After` header as sent (delta-seconds or an HTTP date), if any. */
  retryAfter?: string | null;
  /** Epoch milliseconds when the attempt ended: the schedule counts from here. */
  now: number;
  /** A number in [0, 1) for the jitter; `Clock.random` in production. */
  random: () => number;
} & (
  | {
      /** The response's status code; redirects are not followed, so a 3xx arrives here. */
      status: number;
      networkError?: never;
    }
  | {
      /** No response within {@link ATTEMPT_DEADLINE_MS}: refused, reset, DNS, TLS or timed out. */
      networkError: true;
      status?: never;
    }
);

/** What to do with the message (and its endpoint) after an attempt. */
export type NextAttempt =
  | { kind: 'delivered' }
  | { kind: 'retry'; /** Epoch milliseconds of the next attempt. */ at: number; /** Its number. */ attempt: number }
  /** 410 Gone: the receiver wants no more; stop sending to the endpoint. */
  | { kind: 'disable' }
  /** The last attempt failed: the message is not delivered. */
  | { kind: 'give-up' };

/** An attempt number that is not a whole number from 1: a caller's bug, not a receiver's answer. */
export class DeliveryAttemptError extends Error {
  override readonly name = 'DeliveryAttemptError';
  readonly code = 'DELIVERY_ATTEMPT_INVALID';
  constructor(readonly attempt: number) {
    super(`A delivery attempt is numbered from 1; got ${String(attempt)}`);
  }
}

/** The decision after one delivery attempt. See the module comment for the status rules. */
export function nextAttempt(outcome: AttemptOutcome): NextAttempt {
  const { attempt, now } = outcome;
  if (!Number.isInteger(attempt) || attempt < 1) throw new DeliveryAttemptError(attempt);
  if (outcome.status !== undefined) {
    if (outcome.status >= 200 && outcome.status <= 299) return { kind: 'delivered' };
    if (outcome.status === 410) return { kind: 'disable' };
  }
  const ceiling = RETRY_DELAYS_MS[attempt - 1];
  if (ceiling === undefined) return { kind: 'give-up' };
  const jittered = Math.max(MIN_RETRY_DELAY_MS, Math.floor(unitInterval(outcome.random()) * ceiling));
  const asked = retryAfterMs(outcome.retryAfter, now);
  const delay = asked === undefined ? jittered : Math.max(jittered, Math.min(asked, RETRY_AFTER_CAP_MS));
  return { kind: 'retry', at: now + delay, attempt: attempt + 1 };
}

/**
 * The wait a `Retry-After` header asks for, in milliseconds (0 for a date already past), or
 * undefined when the header is absent or neither delta-seconds nor an HTTP date.
 */
export function retryAfterMs(header: string | null | undefined, now: number): number | undefined {
  const text = header?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * SECOND;
  // An HTTP date (RFC 9110) is IMF-fixdate or one of two obsolete forms, always in GMT; asctime
  // names no zone, so it gets one rather than being read in this machine's. Matching the forms
  // first keeps Date.parse from reading other loose text as a date.
  let date: string;
  if (/^[A-Za-z]{3,9}, .+ GMT$/.test(text)) date = text;
  else if (/^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/.test(text)) date = `${text} GMT`;
  else return undefined;
  const at = Date.parse(date);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** A jitter draw kept inside [0, 1), whatever the source returns. */
function unitInterval(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return Math.min(value, 1 - Number.EPSILON);
}
