/**
 * Usage history: a quota's samples, each placed in its period (the span between two resets of the
 * vendor's counter) with the increment it adds to that period.
 *
 * A new period starts when the reset time the previous sample announced has passed, or when the
 * counter went down: Faraday reports no reset time, so a drop is its only signal. The first sample
 * of a period counts from zero (its increment is its whole value), so an increment is never
 * negative and, within a period, the increments so far always add up to the counter.
 *
 * Times are epoch milliseconds and counters are JavaScript numbers: exact for integers up to
 * 2^53 - 1, far past the 2^31 where a 32-bit counter wraps. Sums of increments stay exact while
 * they stay below 2^53 too.
 */

/** One reading of a quota. */
export interface UsageSample {
  /** When the gateway read the counter (epoch ms). */
  at: number;
  /** The counter as the vendor reported it. */
  used: number;
  /** The quota's limit at that time; null when the quota has none. */
  limit: number | null;
  /** When the vendor said the counter resets next (epoch ms); null when it does not say. */
  resetsAt: number | null;
}

/** A sample placed in its period. */
export interface PeriodedSample extends UsageSample {
  /** Index of the period, counting from 0 at the first sample ever seen and up by one per reset. */
  period: number;
  /**
   * When the period began: the reset time that passed, or for a counter drop the time the drop was
   * first seen (the reset happened between the previous sample and this one; nothing says when).
   * The first sample ever starts period 0 at its own time.
   */
  periodStart: number;
  /** What this sample adds to its period, ≥ 0: `used` for a period's first sample, else the rise since the previous one. */
  increment: number;
}

/** Where the previous call to `assignPeriods` left off, so history can be extended sample by sample. */
export interface PeriodState {
  /** Period of the last sample placed. */
  period: number;
  /** When that period began. */
  periodStart: number;
  /** The last sample placed: the next one is compared with it. */
  last: UsageSample;
}

/** Why a new period began at a sample. */
export type PeriodBoundary = 'RESET_TIME_PASSED' | 'COUNTER_DROPPED';

/** Base of the errors raised on samples that cannot be placed in history; never thrown itself. */
export abstract class UsageHistoryError extends Error {
  abstract readonly code: 'USAGE_SAMPLE_INVALID' | 'USAGE_SAMPLES_OUT_OF_ORDER';
}

/** A sample whose counter is negative, not finite or past 2^53 - 1, or whose time is not an instant a Date can hold. */
export class InvalidUsageSampleError extends UsageHistoryError {
  override readonly name = 'InvalidUsageSampleError';
  readonly code = 'USAGE_SAMPLE_INVALID';
}

/**
 * A sample older than the one before it. Periods are decided by comparing neighbours, so history
 * must arrive in time order; equal times are allowed.
 */
export class UsageSamplesOutOfOrderError extends UsageHistoryError {
  override readonly name = 'UsageSamplesOutOfOrderError';
  readonly code = 'USAGE_SAMPLES_OUT_OF_ORDER';
}

/**
 * Whether `next` begins a new period after `previous`, and why; null when it continues it.
 * The reset time counts only when it passed between the two samples: a reset time already in the
 * past when it was reported says nothing about this interval, and counting it would start a new
 * period at every sample.
 */
export function periodBoundary(previous: UsageSample, next: UsageSample): PeriodBoundary | null {
  if (previous.resetsAt !== null && previous.at < previous.resetsAt && previous.resetsAt <= next.at) return 'RESET_TIME_PASSED';
  if (next.used < previous.used) return 'COUNTER_DROPPED';
  return null;
}

/** The farthest instant from 1970 a JavaScript Date can hold (±100,000,000 days). */
const MAX_DATE_MS = 8.64e15;

function checkSample(sample: UsageSample): void {
  if (!(Math.abs(sample.at) <= MAX_DATE_MS)) throw new InvalidUsageSampleError(`sample time must be an instant a Date can hold, got ${sample.at}`);
  if (!(sample.used >= 0) || !Number.isSafeInteger(Math.ceil(sample.used))) {
    throw new InvalidUsageSampleError(`sample counter must be a finite number from 0 to 2^53 - 1, got ${sample.used}`);
  }
}

/**
 * Places samples (oldest first) in periods. Pass the returned `state` with the next batch to
 * continue the same numbering; without it the first sample starts period 0.
 *
 * @throws InvalidUsageSampleError for a sample with a bad counter or time.
 * @throws UsageSamplesOutOfOrderError when a sample is older than the one before it.
 */
export function assignPeriods(
  samples: readonly UsageSample[],
  previous?: PeriodState | null,
): { samples: PeriodedSample[]; state: PeriodState | null } {
  const placed: PeriodedSample[] = new Array(samples.length);
  let period = previous?.period ?? 0;
  let periodStart = previous?.periodStart ?? 0;
  let last: UsageSample | null = previous?.last ?? null;
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i]!;
    checkSample(sample);
    let increment = sample.used;
    if (last === null) {
      periodStart = sample.at;
    } else {
      if (sample.at < last.at) {
        throw new UsageSamplesOutOfOrderError(`sample at ${new Date(sample.at).toISOString()} follows one at ${new Date(last.at).toISOString()}`);
      }
      const boundary = periodBoundary(last, sample);
      if (boundary === null) {
        increment = sample.used - last.used;
      } else {
        period += 1;
        periodStart = boundary === 'RESET_TIME_PASSED' ? (last.resetsAt as number) : sample.at;
      }
    }
    placed[i] = { at: sample.at, used: sample.used, limit: sample.limit, resetsAt: sample.resetsAt, period, periodStart, increment };
    last = sample;
  }
  return { samples: placed, state: last === null ? null : { period, periodStart, last } };
}

/** The samples of the latest period in `samples` (oldest first), i.e. the period a forecast is about. */
export function currentPeriod<T extends PeriodedSample>(samples: readonly T[]): T[] {
  const last = samples.at(-1);
  if (last === undefined) return [];
  let first = samples.length - 1;
  while (first > 0 && samples[first - 1]!.period === last.period) first--;
  return samples.slice(first);
}
