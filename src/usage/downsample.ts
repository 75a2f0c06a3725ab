/**
 * Downsampling of usage history: samples grouped into time buckets aligned to UTC, so that a year
 * of five-minute samples (105,120 of them) answers as 366 days, 53 weeks or 12 months in one pass.
 *
 * A bucket keeps what stays true when samples are merged: the last reading (a counter's value at
 * the end of the bucket), the highest reading, and the sum of the increments. Increments are
 * counted per sample within its period (see history.ts), so a reset inside a bucket adds the new
 * period's count from zero instead of subtracting: the sum is never negative and the sums of all
 * buckets add up exactly to the sum of all samples' increments.
 */

import type { PeriodedSample } from './history.js';

/** How finely history is told: every sample, or buckets of a fixed UTC span. */
export type Resolution = 'RAW' | 'FIVE_MINUTES' | 'HOUR' | 'DAY' | 'WEEK' | 'MONTH';

/** Bucketed resolutions from finest to coarsest: the order `chooseResolution` tries them in. */
export const BUCKET_RESOLUTIONS = ['FIVE_MINUTES', 'HOUR', 'DAY', 'WEEK', 'MONTH'] as const satisfies readonly Resolution[];

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;
/** 1970-01-01 was a Thursday; ISO weeks start on Monday, three days earlier. */
const FIRST_MONDAY_OFFSET_MS = -3 * DAY_MS;

/** One bucket of history (or, at `RAW`, one sample). */
export interface UsagePoint {
  /** Start of the bucket, inclusive (epoch ms, aligned to UTC); the sample's time at `RAW`. */
  start: number;
  /** End of the bucket, exclusive; equal to `start` at `RAW`. */
  end: number;
  /** Time of the bucket's last sample. */
  at: number;
  /** The counter at the bucket's last sample. */
  used: number;
  /** The highest counter in the bucket: before a reset inside the bucket, the peak of the old period. */
  maxUsed: number;
  /** Limit at the bucket's last sample. */
  limit: number | null;
  /** Reset time announced at the bucket's last sample. */
  resetsAt: number | null;
  /** Sum of the samples' increments: usage counted in this bucket, never negative. */
  increment: number;
  /** Number of samples in the bucket. */
  count: number;
  /** Period of the bucket's last sample. */
  period: number;
  /** How many samples in the bucket began a new period: resets seen within it. */
  resets: number;
}

/** First instant of the bucket holding `at`. Fixed spans align to the epoch, which is UTC midnight. */
export function bucketStart(at: number, resolution: Exclude<Resolution, 'RAW'>): number {
  switch (resolution) {
    case 'FIVE_MINUTES':
      return Math.floor(at / (5 * MINUTE_MS)) * 5 * MINUTE_MS;
    case 'HOUR':
      return Math.floor(at / HOUR_MS) * HOUR_MS;
    case 'DAY':
      return Math.floor(at / DAY_MS) * DAY_MS;
    case 'WEEK':
      return Math.floor((at - FIRST_MONDAY_OFFSET_MS) / WEEK_MS) * WEEK_MS + FIRST_MONDAY_OFFSET_MS;
    case 'MONTH': {
      const date = new Date(at);
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    }
  }
}

/** First instant after the bucket that starts at `start`. */
export function bucketEnd(start: number, resolution: Exclude<Resolution, 'RAW'>): number {
  switch (resolution) {
    case 'FIVE_MINUTES':
      return start + 5 * MINUTE_MS;
    case 'HOUR':
      return start + HOUR_MS;
    case 'DAY':
      return start + DAY_MS;
    case 'WEEK':
      return start + WEEK_MS;
    case 'MONTH': {
      const date = new Date(start);
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
    }
  }
}

/** How many buckets of `resolution` the span [since, until) touches. */
export function bucketCount(since: number, until: number, resolution: Exclude<Resolution, 'RAW'>): number {
  if (until <= since) return 0;
  const first = bucketStart(since, resolution);
  const last = bucketStart(until - 1, resolution);
  if (resolution === 'MONTH') {
    const a = new Date(first);
    const b = new Date(last);
    return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth()) + 1;
  }
  return Math.round((last - first) / (bucketEnd(first, resolution) - first)) + 1;
}

/**
 * Points a history answer may hold by default: a year at `DAY` (366) fits, a month at `HOUR`
 * (744) fits, a year at `HOUR` (8,784) does not.
 */
export const DEFAULT_MAX_POINTS = 1000;

/**
 * The finest bucketed resolution that tells [since, until) in at most `maxPoints` buckets
 * (default `DEFAULT_MAX_POINTS`); `MONTH` when none does. `RAW` is never chosen: how many samples a
 * span holds depends on the sampler, not on the span, so raw history is asked for by name.
 */
export function chooseResolution(since: number, until: number, maxPoints: number = DEFAULT_MAX_POINTS): Exclude<Resolution, 'RAW'> {
  for (const resolution of BUCKET_RESOLUTIONS) {
    if (bucketCount(since, until, resolution) <= maxPoints) return resolution;
  }
  return 'MONTH';
}

/** Which samples `downsample` reads. */
export interface DownsampleRange {
  /** First instant included (epoch ms). Default: the first sample's time. */
  since?: number;
  /** First instant excluded (epoch ms). Default: after the last sample. */
  until?: number;
}

/** Index of the first sample at or after `at` in samples sorted by time (binary search). */
function firstAtOrAfter(samples: readonly PeriodedSample[], at: number): number {
  let low = 0;
  let high = samples.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (samples[middle]!.at < at) low = middle + 1;
    else high = middle;
  }
  return low;
}

function pointOf(sample: PeriodedSample, start: number, end: number, startsPeriod: boolean): UsagePoint {
  return {
    start,
    end,
    at: sample.at,
    used: sample.used,
    maxUsed: sample.used,
    limit: sample.limit,
    resetsAt: sample.resetsAt,
    increment: sample.increment,
    count: 1,
    period: sample.period,
    resets: startsPeriod ? 1 : 0,
  };
}

/**
 * Groups samples (oldest first, as `assignPeriods` returns them) into buckets of `resolution`,
 * one point per bucket that holds a sample (empty buckets are left out), in one pass.
 */
export function downsample(samples: readonly PeriodedSample[], resolution: Resolution, range: DownsampleRange = {}): UsagePoint[] {
  const from = range.since === undefined ? 0 : firstAtOrAfter(samples, range.since);
  const to = range.until === undefined ? samples.length : firstAtOrAfter(samples, range.until);
  const points: UsagePoint[] = [];
  let current: UsagePoint | null = null;
  for (let i = from; i < to; i++) {
    const sample = samples[i]!;
    // A reset is a change of period between neighbours; the first sample ever begins history,
    // not a new period.
    const previous = i > 0 ? samples[i - 1]! : null;
    const startsPeriod = previous !== null && previous.period !== sample.period;
    if (resolution === 'RAW') {
      points.push(pointOf(sample, sample.at, sample.at, startsPeriod));
      continue;
    }
    if (current !== null && sample.at < current.end) {
      current.at = sample.at;
      current.used = sample.used;
      if (sample.used > current.maxUsed) current.maxUsed = sample.used;
      current.limit = sample.limit;
      current.resetsAt = sample.resetsAt;
      current.increment += sample.increment;
      current.count += 1;
      current.period = sample.period;
      if (startsPeriod) current.resets += 1;
      continue;
    }
    const start = bucketStart(sample.at, resolution);
    current = pointOf(sample, start, bucketEnd(start, resolution), startsPeriod);
    points.push(current);
  }
  return points;
}
