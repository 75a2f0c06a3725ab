import { describe, expect, it } from 'vitest';
import {
  bucketCount,
  bucketEnd,
  bucketStart,
  chooseResolution,
  DEFAULT_MAX_POINTS,
  downsample,
  type UsagePoint,
} from '../../src/usage/downsample.js';
import { assignPeriods, type PeriodedSample, type UsageSample } from '../../src/usage/history.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../support/usage-series.js';

const FIVE_MINUTES_MS = 5 * MINUTE_MS;

/**
 * A year of five-minute samples of a monthly quota: one call per five minutes, the counter reset
 * at each month's start (announced as `resetsAt`), the sample at a month's first instant already
 * counting one call. Every sample's increment is then 1: a day adds 288, a month its days × 288.
 */
function yearOfFiveMinuteSamples(year: number): PeriodedSample[] {
  const samples: UsageSample[] = [];
  const end = Date.UTC(year + 1, 0, 1);
  for (let month = 0; month < 12; month++) {
    const monthStart = Date.UTC(year, month, 1);
    const monthEnd = Date.UTC(year, month + 1, 1);
    let used = 0;
    for (let at = monthStart; at < monthEnd && at < end; at += FIVE_MINUTES_MS) {
      used += 1;
      samples.push({ at, used, limit: 1_000_000, resetsAt: monthEnd });
    }
  }
  return assignPeriods(samples).samples;
}

const sum = (points: readonly UsagePoint[]) => points.reduce((total, point) => total + point.increment, 0);

describe('bucket alignment', () => {
  const at = Date.UTC(2026, 11, 9, 10, 37, 12, 345); // a Wednesday

  it('aligns buckets to UTC boundaries', () => {
    expect(bucketStart(at, 'FIVE_MINUTES')).toBe(Date.UTC(2026, 11, 9, 10, 35));
    expect(bucketStart(at, 'HOUR')).toBe(Date.UTC(2026, 11, 9, 10));
    expect(bucketStart(at, 'DAY')).toBe(Date.UTC(2026, 11, 9));
    expect(bucketStart(at, 'WEEK')).toBe(Date.UTC(2026, 11, 7)); // Monday
    expect(bucketStart(at, 'MONTH')).toBe(Date.UTC(2026, 11, 1));
    expect(bucketStart(Date.UTC(2026, 11, 7), 'WEEK')).toBe(Date.UTC(2026, 11, 7));
    expect(bucketStart(Date.UTC(2026, 11, 6, 23, 59), 'WEEK')).toBe(Date.UTC(2026, 10, 30));
    expect(bucketStart(Date.UTC(1969, 11, 31, 23), 'DAY')).toBe(Date.UTC(1969, 11, 31));
  });

  it('ends a bucket where the next one starts, months by the calendar', () => {
    expect(bucketEnd(Date.UTC(2026, 11, 9, 10), 'HOUR')).toBe(Date.UTC(2026, 11, 9, 11));
    expect(bucketEnd(Date.UTC(2024, 1, 1), 'MONTH')).toBe(Date.UTC(2024, 2, 1));
    expect(bucketEnd(Date.UTC(2026, 11, 1), 'MONTH')).toBe(Date.UTC(2027, 0, 1));
    expect(bucketEnd(Date.UTC(2026, 11, 7), 'WEEK')).toBe(Date.UTC(2026, 11, 14));
  });

  it('counts the buckets a span touches', () => {
    expect(bucketCount(Date.UTC(2025, 0, 1), Date.UTC(2026, 0, 1), 'DAY')).toBe(365);
    expect(bucketCount(Date.UTC(2024, 0, 1), Date.UTC(2025, 0, 1), 'DAY')).toBe(366);
    expect(bucketCount(Date.UTC(2025, 0, 1), Date.UTC(2026, 0, 1), 'HOUR')).toBe(8760);
    expect(bucketCount(Date.UTC(2025, 0, 1), Date.UTC(2026, 0, 1), 'WEEK')).toBe(53);
    expect(bucketCount(Date.UTC(2025, 10, 15), Date.UTC(2026, 1, 2), 'MONTH')).toBe(4);
    expect(bucketCount(Date.UTC(2025, 0, 1, 10, 30), Date.UTC(2025, 0, 1, 11, 30), 'HOUR')).toBe(2);
    expect(bucketCount(5, 5, 'DAY')).toBe(0);
  });
});

describe('chooseResolution', () => {
  const start = Date.UTC(2026, 0, 1);

  it('picks the finest resolution that fits the points, by default at most 1000', () => {
    expect(DEFAULT_MAX_POINTS).toBe(1000);
    expect(chooseResolution(start, start + DAY_MS)).toBe('FIVE_MINUTES'); // 288
    expect(chooseResolution(start, start + 4 * DAY_MS)).toBe('HOUR'); // 1152 five-minute buckets is too many
    expect(chooseResolution(start, start + 31 * DAY_MS)).toBe('HOUR'); // 744
    expect(chooseResolution(start, Date.UTC(2027, 0, 1))).toBe('DAY'); // 365
    expect(chooseResolution(start, Date.UTC(2027, 0, 1), 100)).toBe('WEEK'); // 53
    expect(chooseResolution(start, Date.UTC(2027, 0, 1), 20)).toBe('MONTH'); // 12
  });

  it('falls back to MONTH when even months are too many', () => {
    expect(chooseResolution(start, Date.UTC(2046, 0, 1), 100)).toBe('MONTH');
  });
});

describe('downsample', () => {
  it('answers a year of five-minute samples (105,120) as 365 days, each summing its 288 increments', () => {
    const samples = yearOfFiveMinuteSamples(2025);
    expect(samples).toHaveLength(105_120);
    const since = Date.UTC(2025, 0, 1);
    const until = Date.UTC(2026, 0, 1);
    const resolution = chooseResolution(since, until);
    expect(resolution).toBe('DAY');
    const days = downsample(samples, resolution, { since, until });
    expect(days).toHaveLength(365);
    expect(days.length).toBeLessThanOrEqual(DEFAULT_MAX_POINTS);
    expect(days.every((day, i) => day.start === since + i * DAY_MS && day.end === day.start + DAY_MS)).toBe(true);
    expect(days.every((day) => day.count === 288 && day.increment === 288)).toBe(true);
    expect(sum(days)).toBe(105_120);
    // The reset at each month's start is seen on that day, except January's: history starts there.
    expect(days.filter((day) => day.resets === 1).map((day) => new Date(day.start).getUTCDate())).toEqual(Array(11).fill(1));
    expect(days.reduce((total, day) => total + day.resets, 0)).toBe(11);
  });

  it('answers a leap year as 366 days', () => {
    const samples = yearOfFiveMinuteSamples(2024);
    expect(samples).toHaveLength(105_408);
    const days = downsample(samples, 'DAY');
    expect(days).toHaveLength(366);
    expect(sum(days)).toBe(105_408);
  });

  it('keeps the sum of increments exactly at every resolution, months adding up to their counters', () => {
    const samples = yearOfFiveMinuteSamples(2025);
    const total = samples.reduce((t, s) => t + s.increment, 0);
    const counts = { RAW: 105_120, FIVE_MINUTES: 105_120, HOUR: 8760, DAY: 365, WEEK: 53, MONTH: 12 } as const;
    for (const [resolution, count] of Object.entries(counts) as [keyof typeof counts, number][]) {
      const points = downsample(samples, resolution);
      expect(points, resolution).toHaveLength(count);
      expect(sum(points), resolution).toBe(total);
    }
    const months = downsample(samples, 'MONTH');
    const daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    expect(months.map((month) => month.increment)).toEqual(daysInMonth.map((days) => days * 288));
    // A month is one period here, so its usage is its last counter, which is also its highest.
    expect(months.every((month) => month.used === month.increment && month.maxUsed === month.used)).toBe(true);
    expect(months.map((month) => month.period)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(months.map((month) => month.resetsAt)).toEqual(daysInMonth.map((_, m) => Date.UTC(2025, m + 1, 1)));
  });

  it('never makes a negative increment of a counter drop inside a bucket', () => {
    const hour = Date.UTC(2026, 5, 1, 10);
    const { samples } = assignPeriods(
      [900, 950, 990, 12, 40, 41].map((used, i) => ({ at: hour + i * 10 * MINUTE_MS, used, limit: 1000, resetsAt: null })),
    );
    const [point] = downsample(samples, 'HOUR');
    expect(point).toEqual({
      start: hour,
      end: hour + HOUR_MS,
      at: hour + 50 * MINUTE_MS,
      used: 41,
      maxUsed: 990,
      limit: 1000,
      resetsAt: null,
      // 900 counted from zero, 90 more, then the new period counted from zero: 41.
      increment: 1031,
      count: 6,
      period: 1,
      resets: 1,
    });
  });

  it('reads only [since, until), counting the first sample read from the sample before it', () => {
    const start = Date.UTC(2026, 5, 1);
    const { samples } = assignPeriods([10, 20, 35, 60, 100].map((used, i) => ({ at: start + i * HOUR_MS, used, limit: null, resetsAt: null })));
    const points = downsample(samples, 'HOUR', { since: start + HOUR_MS, until: start + 3 * HOUR_MS });
    expect(points.map((p) => [p.start, p.increment, p.resets])).toEqual([
      [start + HOUR_MS, 10, 0],
      [start + 2 * HOUR_MS, 15, 0],
    ]);
    expect(downsample(samples, 'HOUR', { since: start + 10 * HOUR_MS })).toEqual([]);
  });

  it('gives one point per sample at RAW and none for no samples', () => {
    const start = Date.UTC(2026, 5, 1);
    const { samples } = assignPeriods([{ at: start, used: 3, limit: 9, resetsAt: null }, { at: start + 1, used: 1, limit: 9, resetsAt: null }]);
    expect(downsample(samples, 'RAW').map((p) => [p.start, p.end, p.used, p.increment, p.resets])).toEqual([
      [start, start, 3, 3, 0],
      [start + 1, start + 1, 1, 1, 1],
    ]);
    expect(downsample([], 'DAY')).toEqual([]);
  });
});
