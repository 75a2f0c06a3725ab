import type { UpstreamError } from './errors.js';
import { failureTraits } from './failures.js';

/** What one failed attempt produced, as far as the retry decision cares. */
export interface AttemptOutcome {
  error: UpstreamError;
  /**
   * The vendor's status; null when no answer arrived (refused, reset, timed out, or a body the
   * transport refused: oversized, redirected, badly encoded).
   */
  status: number | null;
  /** The vendor's Retry-After, when its answer had one. */
  retryAfterSeconds: number | null;
}

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

/**
 * The one place that decides whether a failed attempt is tried again, and after how long.
 * Pure: the caller supplies the jittered backoff, the time left and the budget's answer. Which
 * failures are worth another attempt is the failure table's `retriedAfter`.
 */
export function decideRetry(question: RetryQuestion): RetryDecision {
  const { method, outcome } = question;
  // A replayed write may apply twice; only reads are safe to send again.
  if (method !== 'GET') return { retry: false, reason: 'not-idempotent' };
  // The transport refused a body the vendor did send (oversized, redirected): it would send it again.
  const bodyRefused = outcome.status === null && outcome.error.httpStatus !== null;
  // Otherwise the failure table says which answers, or which lack of one, may change on asking again.
  if (bodyRefused || !failureTraits(outcome.error.code).retriedAfter.has(outcome.status)) {
    return { retry: false, reason: 'not-retryable' };
  }
  // Two retries at most: a third rarely succeeds where two failed, and every one costs budget.
  if (question.retriesSoFar >= question.maxRetries) return { retry: false, reason: 'exhausted' };
  // The vendor said when to come back: waiting less would be refused again, so honour it exactly.
  const delayMs = outcome.retryAfterSeconds === null ? question.backoffMs : outcome.retryAfterSeconds * 1000;
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
