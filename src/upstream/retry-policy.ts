import type { UpstreamError } from './errors.js';

/** What one attempt produced, as far as the retry decision cares. */
export type AttemptOutcome =
  /** The vendor answered with this status (the body is not looked at). */
  | { kind: 'status'; status: number; retryAfterSeconds: number | null }
  /** The transport failed: no status (refused, reset, timeout, oversized or redirected body). */
  | { kind: 'error'; error: UpstreamError };

export interface RetryQuestion {
  method: string;
  outcome: AttemptOutcome;
  /** Retries already made for this call (0 after the first attempt). */
  retriesSoFar: number;
  maxRetries: number;
  /** The jittered backoff this retry would wait when the vendor named no Retry-After. */
  backoffMs: number;
  /** Time left before the call's deadline. */
  remainingMs: number;
  /** Whether the vendor's retry budget has room for one more retry. */
  budgetAllows: boolean;
}

export type RetryDecision =
  | { retry: true; delayMs: number }
  | { retry: false; reason: 'not-idempotent' | 'not-retryable' | 'exhausted' | 'past-deadline' | 'budget-spent' };

/** Statuses that say "try again later" rather than "this request is wrong". */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

/**
 * The one place that decides whether a failed attempt is tried again, and after how long.
 * Pure: the caller supplies the jittered backoff, the time left and the budget's answer.
 */
export function decideRetry(question: RetryQuestion): RetryDecision {
  const { method, outcome } = question;
  // A replayed write may apply twice; only reads are safe to send again.
  if (method !== 'GET') return { retry: false, reason: 'not-idempotent' };
  if (outcome.kind === 'error') {
    // Only a failure to reach the vendor at all (refused, reset, DNS) is transient enough to
    // retry. A timeout means the vendor is slow: a second attempt would wait again against a
    // vendor already struggling, and the caller's deadline is mostly spent. An oversized or
    // redirected body would come back the same.
    const connectionFailure = outcome.error.code === 'UPSTREAM_UNAVAILABLE' && outcome.error.httpStatus === null;
    if (!connectionFailure) return { retry: false, reason: 'not-retryable' };
  } else if (!RETRYABLE_STATUSES.has(outcome.status)) {
    // 400, 401, 403, 404 and every other status: the vendor has judged this request or this
    // credential, and asking again would get the same answer at the cost of its rate limit.
    return { retry: false, reason: 'not-retryable' };
  }
  // Two retries at most: a third rarely succeeds where two failed, and every one costs budget.
  if (question.retriesSoFar >= question.maxRetries) return { retry: false, reason: 'exhausted' };
  // The vendor said when to come back: waiting less would be refused again, so honour it exactly.
  const retryAfterSeconds = outcome.kind === 'status' ? outcome.retryAfterSeconds : null;
  const delayMs = retryAfterSeconds === null ? question.backoffMs : retryAfterSeconds * 1000;
  // Waiting past the deadline would answer the client late and still fail: give up at once.
  if (delayMs >= question.remainingMs) return { retry: false, reason: 'past-deadline' };
  // Retries beyond the budget would turn a vendor's bad minute into a retry storm.
  if (!question.budgetAllows) return { retry: false, reason: 'budget-spent' };
  return { retry: true, delayMs };
}

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * a uniform wait in [0, min(cap, base * 2^retry)), so simultaneous failures do not retry in step.
 */
export function fullJitterBackoff(retry: number, baseMs: number, capMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** retry));
}
