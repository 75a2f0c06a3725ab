/**
 * Forecasts of quota exhaustion from usage history: how fast a quota is being used (its burn rate,
 * with a band), when it runs out at that pace (with an earliest and a latest), and whether that is
 * before the counter resets.
 *
 * Method. The forecast works on the increments between consecutive samples of the current period,
 * not on the running counter. Each increment is usage in its own interval; increments of separate
 * intervals are close to independent, so their spread measures how uncertain the pace is. The
 * running counter is the sum of those increments: each value repeats all the noise before it, so
 * its deviations from any straight line are strongly correlated, and a least-squares line through
 * it reports a band several times too narrow (it treats hundreds of correlated points as hundreds
 * of independent witnesses).
 *
 * - Burn rate: total increase ÷ total time over the window, i.e. the mean of the interval rates
 *   rᵢ = Δusedᵢ / Δtᵢ weighted by Δtᵢ; gaps in sampling weigh as much time as they cover.
 * - Band: the increments of a counter vary roughly in proportion to their interval's length, so
 *   the rate's variance is estimated as s² = Σ Δtᵢ (rᵢ − R)² / (n − 1) per unit of time and its
 *   standard error as √(s² / ΣΔtᵢ) (with equal intervals: the textbook s / √n). The band is
 *   R ± t × SE with t the Student-t quantile for the level and n − 1 degrees of freedom (n
 *   intervals), which widens the band when there are few intervals. The low edge stops at zero:
 *   a counter within one period never goes down.
 * - Exhaustion: from the last sample, remaining ÷ rate; the earliest uses the band's high rate,
 *   the latest its low rate, and is null when the low rate is zero (it may never run out).
 */

import { currentPeriod, type PeriodedSample } from './history.js';
import { studentTQuantile } from './student-t.js';

const HOUR_MS = 60 * 60_000;

/**
 * What a forecast can say: `OK` (a projection), or why there is none: `NOT_ENOUGH_DATA` (too few
 * samples in the window, or the period has reset since the last sample), `NOT_BURNING` (no usage
 * in the window), `NO_LIMIT` (nothing to exhaust), `EXHAUSTED` (already used up).
 */
export type ForecastStatus = 'OK' | 'NOT_ENOUGH_DATA' | 'NOT_BURNING' | 'NO_LIMIT' | 'EXHAUSTED';

export interface QuotaForecast {
  status: ForecastStatus;
  /** Usage per hour over the window; null with too few samples. Also given for quotas without a limit or exhausted. */
  burnRatePerHour: number | null;
  /** Low edge of the burn rate's band (≥ 0). */
  burnRateLow: number | null;
  /** High edge of the burn rate's band. */
  burnRateHigh: number | null;
  /** When the quota runs out at the burn rate (epoch ms), projected from the last sample; `OK` only. */
  exhaustsAt: number | null;
  /** When it runs out at the band's high rate; `OK` only. */
  earliest: number | null;
  /** When it runs out at the band's low rate; null also when that rate is zero (it may never run out). */
  latest: number | null;
  /**
   * Whether it runs out before the announced reset: true when `EXHAUSTED`, false when `NOT_BURNING`,
   * by the projection when `OK`; null when no reset time is known or there is no forecast.
   */
  exhaustsBeforeReset: boolean | null;
  /**
   * How tight the projection is, 0..1: one minus the band's half-width relative to the rate, so 1
   * is a band of one value and 0 a band that reaches zero. 0 for every status but `OK`.
   */
  confidence: number;
  /** Samples of the current period inside the window that the rate was measured on. */
  sampleCount: number;
}

/** Tuning of `forecastQuota`. */
export interface ForecastOptions {
  /** Fewest samples in the window for a rate: below it the status is `NOT_ENOUGH_DATA`. At least 3. Default 4. */
  minSamples?: number;
  /**
   * How far back from `now` samples count (ms). Default 24 hours: a whole day evens out a daily
   * cycle of use, and a change of pace shows within a day.
   */
  windowMs?: number;
  /** Coverage of the bands, in (0, 1). Default 0.9: the true rate lies in the band nine times in ten. */
  level?: number;
}

/** The defaults of `ForecastOptions`. */
export const DEFAULT_FORECAST_OPTIONS: Required<ForecastOptions> = { minSamples: 4, windowMs: 24 * HOUR_MS, level: 0.9 };

/** Raised for a forecast option out of range; names the option. */
export class ForecastOptionError extends RangeError {
  override readonly name = 'ForecastOptionError';
  readonly code = 'FORECAST_BAD_OPTION';
}

/** A burn rate with its band, per hour. */
export interface BurnRate {
  perHour: number;
  lowPerHour: number;
  highPerHour: number;
  /** Number of intervals between samples it was measured on. */
  intervals: number;
}

/**
 * The burn rate of samples of one period (oldest first) with a band at `level`; null with fewer
 * than two intervals of positive length (no spread to measure). Samples sharing a time count as
 * one reading: their increments join the next interval.
 */
export function estimateBurnRate(samples: readonly PeriodedSample[], level: number = DEFAULT_FORECAST_OPTIONS.level): BurnRate | null {
  const durations: number[] = [];
  const increases: number[] = [];
  let pending = 0;
  let previousAt = samples[0]?.at ?? 0;
  for (let i = 1; i < samples.length; i++) {
    const sample = samples[i]!;
    pending += sample.increment;
    if (sample.at > previousAt) {
      durations.push(sample.at - previousAt);
      increases.push(pending);
      pending = 0;
      previousAt = sample.at;
    }
  }
  const n = durations.length;
  if (n < 2) return null;
  let totalTime = 0;
  let totalIncrease = 0;
  for (let i = 0; i < n; i++) {
    totalTime += durations[i]!;
    totalIncrease += increases[i]!;
  }
  const rate = totalIncrease / totalTime;
  let weightedSquares = 0;
  for (let i = 0; i < n; i++) {
    const deviation = increases[i]! / durations[i]! - rate;
    weightedSquares += durations[i]! * deviation * deviation;
  }
  const standardError = Math.sqrt(weightedSquares / (n - 1) / totalTime);
  const halfWidth = studentTQuantile((1 + level) / 2, n - 1) * standardError;
  return {
    perHour: rate * HOUR_MS,
    lowPerHour: Math.max(0, rate - halfWidth) * HOUR_MS,
    highPerHour: (rate + halfWidth) * HOUR_MS,
    intervals: n,
  };
}

function resolveOptions(options: ForecastOptions): Required<ForecastOptions> {
  const resolved = { ...DEFAULT_FORECAST_OPTIONS, ...options };
  if (!Number.isInteger(resolved.minSamples) || resolved.minSamples < 3) {
    throw new ForecastOptionError(`minSamples must be a whole number of at least 3, got ${resolved.minSamples}`);
  }
  if (!(resolved.windowMs > 0)) throw new ForecastOptionError(`windowMs must be positive, got ${resolved.windowMs}`);
  if (!(resolved.level > 0 && resolved.level < 1)) throw new ForecastOptionError(`level must be in (0, 1), got ${resolved.level}`);
  return resolved;
}

/** When usage of `remaining` at `perHour` ends, from `from` (epoch ms, whole milliseconds). */
function runsOutAt(from: number, remaining: number, perHour: number): number {
  return Math.round(from + (remaining / perHour) * HOUR_MS);
}

/**
 * The forecast of a quota at `now` from its history (oldest first, as `assignPeriods` returns it;
 * only the latest period and samples no later than `now` are read).
 *
 * @throws ForecastOptionError for an option out of range.
 */
export function forecastQuota(samples: readonly PeriodedSample[], now: number, options: ForecastOptions = {}): QuotaForecast {
  const { minSamples, windowMs, level } = resolveOptions(options);
  let known = samples.length;
  while (known > 0 && samples[known - 1]!.at > now) known--;
  const period = currentPeriod(samples.slice(0, known));
  const last = period.at(-1);
  const forecast: QuotaForecast = {
    status: 'NOT_ENOUGH_DATA',
    burnRatePerHour: null,
    burnRateLow: null,
    burnRateHigh: null,
    exhaustsAt: null,
    earliest: null,
    latest: null,
    exhaustsBeforeReset: null,
    confidence: 0,
    sampleCount: 0,
  };
  if (last === undefined) return forecast;

  // A reset time announced by the last sample that has passed since means the period in history
  // is over and nothing of the new one has been seen: nothing about it can be said yet.
  const periodEnded = last.resetsAt !== null && last.at < last.resetsAt && last.resetsAt <= now;
  const windowStart = now - windowMs;
  const windowed = periodEnded ? [] : period.filter((sample) => sample.at >= windowStart);
  forecast.sampleCount = windowed.length;
  const rate = windowed.length >= minSamples ? estimateBurnRate(windowed, level) : null;
  if (rate !== null) {
    forecast.burnRatePerHour = rate.perHour;
    forecast.burnRateLow = rate.lowPerHour;
    forecast.burnRateHigh = rate.highPerHour;
  }
  const resetKnown = last.resetsAt !== null && last.resetsAt > last.at;

  if (last.limit === null || last.limit <= 0) {
    forecast.status = 'NO_LIMIT';
    return forecast;
  }
  if (periodEnded) return forecast;
  if (last.used >= last.limit) {
    forecast.status = 'EXHAUSTED';
    forecast.exhaustsBeforeReset = resetKnown ? true : null;
    return forecast;
  }
  if (rate === null) return forecast;
  if (rate.perHour === 0) {
    forecast.status = 'NOT_BURNING';
    forecast.exhaustsBeforeReset = resetKnown ? false : null;
    return forecast;
  }

  const remaining = last.limit - last.used;
  forecast.status = 'OK';
  forecast.exhaustsAt = runsOutAt(last.at, remaining, rate.perHour);
  forecast.earliest = runsOutAt(last.at, remaining, rate.highPerHour);
  forecast.latest = rate.lowPerHour > 0 ? runsOutAt(last.at, remaining, rate.lowPerHour) : null;
  forecast.exhaustsBeforeReset = resetKnown ? forecast.exhaustsAt < (last.resetsAt as number) : null;
  forecast.confidence = Math.max(0, 1 - (rate.highPerHour - rate.perHour) / rate.perHour);
  return forecast;
}
