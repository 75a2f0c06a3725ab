import { describe, expect, it } from 'vitest';
import { DEFAULT_FORECAST_OPTIONS, estimateBurnRate, ForecastOptionError, forecastQuota } from '../../src/usage/forecast.js';
import { assignPeriods, type PeriodedSample, type UsageSample } from '../../src/usage/history.js';
import { studentTQuantile } from '../../src/usage/student-t.js';
import { counterSeries, DAY_MS, HOUR_MS, MINUTE_MS, poissonIncrements } from '../support/usage-series.js';

const T0 = Date.UTC(2026, 3, 1);
const periods = (samples: readonly UsageSample[]): PeriodedSample[] => assignPeriods(samples).samples;

/** Ten calls an hour plus a fixed, known noise: 23 hourly increments (24 samples) adding up to 233. */
const NOISE = [1, -2, 0, 3, -1, -1, 2, 0, -3, 1, 2, -2, 0, 1, -1, 3, -2, 0, 1, -1, 0, 2, 0];
const STEADY_INCREMENTS = NOISE.map((noise) => 10 + noise);

function steadySeries(overrides: { limit?: number | null; resetsAt?: number | null; initial?: number } = {}): PeriodedSample[] {
  return periods(counterSeries({ start: T0, intervalMs: HOUR_MS, increments: STEADY_INCREMENTS, limit: 1000, resetsAt: T0 + 30 * DAY_MS, ...overrides }));
}

/** The 90 % band of a least-squares line through the running counter: the method this module avoids. */
function leastSquaresCounterBand(samples: readonly PeriodedSample[]): { low: number; high: number } {
  const n = samples.length;
  const xs = samples.map((s) => (s.at - samples[0]!.at) / HOUR_MS);
  const ys = samples.map((s) => s.used);
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - meanX) ** 2;
    sxy += (xs[i]! - meanX) * (ys[i]! - meanY);
  }
  const slope = sxy / sxx;
  let residuals = 0;
  for (let i = 0; i < n; i++) residuals += (ys[i]! - meanY - slope * (xs[i]! - meanX)) ** 2;
  const halfWidth = studentTQuantile(0.95, n - 2) * Math.sqrt(residuals / (n - 2) / sxx);
  return { low: slope - halfWidth, high: slope + halfWidth };
}

describe('forecastQuota', () => {
  it('measures 24 samples at 10 an hour with fixed noise: the rate, its 90 % band and the exhaustion times', () => {
    const samples = steadySeries();
    const last = samples.at(-1)!;
    expect(samples).toHaveLength(24);
    expect(last.used).toBe(233);
    const forecast = forecastQuota(samples, last.at);

    const rate = 233 / 23;
    // Equal intervals: the band is the textbook mean ± t(0.95, 22) · s / √n over the 23 hourly rates.
    const squares = STEADY_INCREMENTS.reduce((total, increment) => total + (increment - rate) ** 2, 0);
    const halfWidth = 1.7171444 * Math.sqrt(squares / 22 / 23);
    expect(halfWidth).toBeCloseTo(0.5844, 4);

    expect(forecast.status).toBe('OK');
    expect(forecast.sampleCount).toBe(24);
    expect(forecast.burnRatePerHour).toBeCloseTo(rate, 10);
    expect(forecast.burnRatePerHour).toBeGreaterThanOrEqual(9.5);
    expect(forecast.burnRatePerHour).toBeLessThanOrEqual(10.5);
    expect(forecast.burnRateLow).toBeCloseTo(rate - halfWidth, 5);
    expect(forecast.burnRateHigh).toBeCloseTo(rate + halfWidth, 5);
    expect(forecast.confidence).toBeCloseTo(1 - halfWidth / rate, 5);

    // 767 calls remain after the last sample.
    expect(forecast.exhaustsAt).toBe(Math.round(last.at + (767 / rate) * HOUR_MS));
    expect(Math.abs(forecast.earliest! - (last.at + (767 / (rate + halfWidth)) * HOUR_MS))).toBeLessThan(HOUR_MS / 100);
    expect(Math.abs(forecast.latest! - (last.at + (767 / (rate - halfWidth)) * HOUR_MS))).toBeLessThan(HOUR_MS / 100);
    expect(forecast.earliest!).toBeLessThanOrEqual(forecast.exhaustsAt!);
    expect(forecast.exhaustsAt!).toBeLessThanOrEqual(forecast.latest!);
    // About 76 hours after the last sample, well before the reset 30 days after the first.
    expect(forecast.exhaustsBeforeReset).toBe(true);
  });

  it('says whether the projection runs out before the reset, and nothing when no reset time is known', () => {
    expect(forecastQuota(steadySeries({ resetsAt: T0 + 48 * HOUR_MS }), T0 + 23 * HOUR_MS).exhaustsBeforeReset).toBe(false);
    expect(forecastQuota(steadySeries({ resetsAt: T0 + 100 * HOUR_MS }), T0 + 23 * HOUR_MS).exhaustsBeforeReset).toBe(true);
    const noReset = forecastQuota(steadySeries({ resetsAt: null }), T0 + 23 * HOUR_MS);
    expect(noReset.status).toBe('OK');
    expect(noReset.exhaustsBeforeReset).toBeNull();
  });

  it('gives NOT_ENOUGH_DATA for three samples and a forecast from the default minimum of four', () => {
    const samples = steadySeries();
    const three = forecastQuota(samples.slice(0, 3), samples[2]!.at);
    expect(three).toEqual({
      status: 'NOT_ENOUGH_DATA',
      burnRatePerHour: null,
      burnRateLow: null,
      burnRateHigh: null,
      exhaustsAt: null,
      earliest: null,
      latest: null,
      exhaustsBeforeReset: null,
      confidence: 0,
      sampleCount: 3,
    });
    expect(DEFAULT_FORECAST_OPTIONS.minSamples).toBe(4);
    const four = forecastQuota(samples.slice(0, 4), samples[3]!.at);
    expect(four.status).toBe('OK');
    expect(four.burnRatePerHour).toBeCloseTo((11 + 8 + 10) / 3, 10);
  });

  it('gives NOT_BURNING for a flat series', () => {
    const flat = periods(counterSeries({ start: T0, intervalMs: HOUR_MS, initial: 420, increments: Array(12).fill(0), limit: 1000, resetsAt: T0 + DAY_MS }));
    const forecast = forecastQuota(flat, T0 + 12 * HOUR_MS);
    expect(forecast).toMatchObject({
      status: 'NOT_BURNING',
      burnRatePerHour: 0,
      burnRateLow: 0,
      burnRateHigh: 0,
      exhaustsAt: null,
      earliest: null,
      latest: null,
      exhaustsBeforeReset: false,
      confidence: 0,
      sampleCount: 13,
    });
  });

  it('forecasts from the current period only when a reset time passes mid-series', () => {
    const reset = T0 + 12.5 * HOUR_MS;
    const before = counterSeries({ start: T0, intervalMs: HOUR_MS, increments: STEADY_INCREMENTS.slice(0, 12), limit: 1000, resetsAt: reset });
    // After the reset the pace triples: 30 an hour with noise, counted from zero again.
    const after = counterSeries({
      start: T0 + 13 * HOUR_MS,
      intervalMs: HOUR_MS,
      initial: 15,
      increments: STEADY_INCREMENTS.slice(0, 10).map((increment) => 3 * increment),
      limit: 1000,
      resetsAt: reset + 30 * DAY_MS,
    });
    const samples = periods([...before, ...after]);
    expect(samples.at(-1)!.period).toBe(1);
    const forecast = forecastQuota(samples, T0 + 23 * HOUR_MS);
    expect(forecast.status).toBe('OK');
    expect(forecast.sampleCount).toBe(11);
    expect(forecast.burnRatePerHour).toBeCloseTo((3 * STEADY_INCREMENTS.slice(0, 10).reduce((a, b) => a + b, 0)) / 10, 10);
    expect(forecast.burnRateLow!).toBeGreaterThan(25);
  });

  it('starts a new period on a counter drop without a reset time, and no rate goes negative', () => {
    const samples = periods([
      ...counterSeries({ start: T0, intervalMs: HOUR_MS, initial: 800, increments: [40, 35, 45, 40], limit: 1000, resetsAt: null }),
      ...counterSeries({ start: T0 + 5 * HOUR_MS, intervalMs: HOUR_MS, initial: 3, increments: [5, 4, 6, 5, 5], limit: 1000, resetsAt: null }),
    ]);
    expect(samples.map((s) => s.period)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect(samples.every((s) => s.increment >= 0)).toBe(true);
    const forecast = forecastQuota(samples, T0 + 10 * HOUR_MS);
    expect(forecast.status).toBe('OK');
    expect(forecast.sampleCount).toBe(6);
    expect(forecast.burnRatePerHour).toBe(5);
    expect(forecast.burnRateLow!).toBeGreaterThanOrEqual(0);
    expect(forecast.burnRateLow!).toBeLessThanOrEqual(5);
    expect(forecast.exhaustsBeforeReset).toBeNull();
  });

  it('gives EXHAUSTED when the counter reached the limit, still reporting the burn rate', () => {
    const samples = periods(counterSeries({ start: T0, intervalMs: HOUR_MS, initial: 950, increments: [20, 20, 10, 5], limit: 1000, resetsAt: T0 + DAY_MS }));
    const forecast = forecastQuota(samples, T0 + 4 * HOUR_MS);
    expect(forecast).toMatchObject({ status: 'EXHAUSTED', exhaustsAt: null, earliest: null, latest: null, exhaustsBeforeReset: true, confidence: 0, sampleCount: 5 });
    expect(forecast.burnRatePerHour).toBeCloseTo(55 / 4, 10);
    const withoutReset = periods(counterSeries({ start: T0, intervalMs: HOUR_MS, initial: 1000, increments: [0], limit: 1000 }));
    expect(forecastQuota(withoutReset, T0 + HOUR_MS)).toMatchObject({ status: 'EXHAUSTED', exhaustsBeforeReset: null, burnRatePerHour: null });
  });

  it('gives NO_LIMIT for a quota without a positive limit, still reporting the burn rate', () => {
    const unlimited = forecastQuota(steadySeries({ limit: null }), T0 + 23 * HOUR_MS);
    expect(unlimited).toMatchObject({ status: 'NO_LIMIT', exhaustsAt: null, earliest: null, latest: null, exhaustsBeforeReset: null, confidence: 0, sampleCount: 24 });
    expect(unlimited.burnRatePerHour).toBeCloseTo(233 / 23, 10);
    expect(forecastQuota(steadySeries({ limit: 0 }), T0 + 23 * HOUR_MS).status).toBe('NO_LIMIT');
  });

  it('gives NOT_ENOUGH_DATA for no samples, and once the announced reset has passed since the last sample', () => {
    expect(forecastQuota([], T0).status).toBe('NOT_ENOUGH_DATA');
    const samples = steadySeries({ resetsAt: T0 + 24 * HOUR_MS });
    expect(forecastQuota(samples, T0 + 24 * HOUR_MS - 1).status).toBe('OK');
    expect(forecastQuota(samples, T0 + 24 * HOUR_MS)).toMatchObject({ status: 'NOT_ENOUGH_DATA', sampleCount: 0, burnRatePerHour: null });
  });

  it('reads only samples within the window before now, and none after now', () => {
    // A slow day (2 an hour) ending two hours before the known noisy 10 an hour starts; a window
    // holds the samples at or after now − window.
    const slowDay = counterSeries({ start: T0 - 25 * HOUR_MS, intervalMs: HOUR_MS, increments: Array(23).fill(2), limit: 5000 });
    const samples = periods([...slowDay, ...counterSeries({ start: T0, intervalMs: HOUR_MS, initial: 46, increments: STEADY_INCREMENTS, limit: 5000 })]);
    const now = T0 + 23 * HOUR_MS;
    const lastDay = forecastQuota(samples, now);
    expect(lastDay.sampleCount).toBe(24);
    expect(lastDay.burnRatePerHour).toBeCloseTo(233 / 23, 10);
    const twoDays = forecastQuota(samples, now, { windowMs: 48 * HOUR_MS });
    expect(twoDays.sampleCount).toBe(48);
    expect(twoDays.burnRatePerHour).toBeCloseTo((46 + 233) / 48, 10);
    // Seen from the slow day's end, the later samples do not exist yet.
    const earlier = forecastQuota(samples, T0 - 2 * HOUR_MS);
    expect(earlier.sampleCount).toBe(24);
    expect(earlier.burnRatePerHour).toBeCloseTo(2, 10);
    // History that stopped more than a window ago says nothing about now.
    expect(forecastQuota(samples, now + 25 * HOUR_MS).status).toBe('NOT_ENOUGH_DATA');
  });

  it('leaves the latest open and the confidence at zero when the band reaches a rate of zero', () => {
    const bursty = periods(counterSeries({ start: T0, intervalMs: HOUR_MS, initial: 100, increments: [0, 0, 0, 40, 0], limit: 1000 }));
    const forecast = forecastQuota(bursty, T0 + 5 * HOUR_MS);
    expect(forecast.status).toBe('OK');
    expect(forecast.burnRatePerHour).toBeCloseTo(8, 10);
    expect(forecast.burnRateLow).toBe(0);
    expect(forecast.latest).toBeNull();
    expect(Math.abs(forecast.exhaustsAt! - (T0 + 5 * HOUR_MS + (860 / 8) * HOUR_MS))).toBeLessThanOrEqual(1);
    expect(forecast.earliest!).toBeLessThan(forecast.exhaustsAt!);
    expect(forecast.confidence).toBe(0);
  });

  it('keeps counters past 2^31 exact', () => {
    const start = 2 ** 31 + 1000;
    const samples = periods(counterSeries({ start: T0, intervalMs: HOUR_MS, initial: start, increments: STEADY_INCREMENTS, limit: 2 ** 32 }));
    const forecast = forecastQuota(samples, T0 + 23 * HOUR_MS);
    expect(samples.at(-1)!.used).toBe(start + 233);
    expect(forecast.burnRatePerHour).toBeCloseTo(233 / 23, 8);
    expect(forecast.exhaustsAt).toBe(Math.round(T0 + 23 * HOUR_MS + ((2 ** 32 - start - 233) / (233 / 23)) * HOUR_MS));
  });

  it('refuses options out of range', () => {
    const samples = steadySeries();
    for (const options of [{ minSamples: 2 }, { minSamples: 4.5 }, { windowMs: 0 }, { level: 1 }, { level: 0 }]) {
      expect(() => forecastQuota(samples, T0, options)).toThrow(ForecastOptionError);
    }
    expect(() => forecastQuota(samples, T0, { level: 1.5 })).toThrow(expect.objectContaining({ code: 'FORECAST_BAD_OPTION' }));
  });
});

describe('estimateBurnRate', () => {
  it('weighs each interval by its length: total increase over total time', () => {
    // Intervals of 1, 3 and 2 hours adding 10, 45 and 20: 75 in 6 hours.
    const samples = periods([
      { at: T0, used: 0, limit: null, resetsAt: null },
      { at: T0 + HOUR_MS, used: 10, limit: null, resetsAt: null },
      { at: T0 + 4 * HOUR_MS, used: 55, limit: null, resetsAt: null },
      { at: T0 + 6 * HOUR_MS, used: 75, limit: null, resetsAt: null },
    ]);
    const rate = estimateBurnRate(samples)!;
    expect(rate.perHour).toBe(12.5);
    expect(rate.intervals).toBe(3);
    // Interval rates 10, 15, 10 each 2.5 from the mean: s² = (1 + 3 + 2) · 2.5² / 2 = 18.75,
    // SE = √(18.75 / 6), times t(0.95, 2) = 2.919986.
    const halfWidth = 2.919986 * Math.sqrt(18.75 / 6);
    expect(rate.lowPerHour).toBeCloseTo(12.5 - halfWidth, 5);
    expect(rate.highPerHour).toBeCloseTo(12.5 + halfWidth, 5);
  });

  it('counts samples sharing a time as one reading, their increments joining the next interval', () => {
    const samples = periods([
      { at: T0, used: 0, limit: null, resetsAt: null },
      { at: T0 + HOUR_MS, used: 10, limit: null, resetsAt: null },
      { at: T0 + HOUR_MS, used: 12, limit: null, resetsAt: null },
      { at: T0 + 2 * HOUR_MS, used: 20, limit: null, resetsAt: null },
    ]);
    const rate = estimateBurnRate(samples)!;
    expect(rate.intervals).toBe(2);
    expect(rate.perHour).toBe(10);
    expect(rate.lowPerHour).toBe(10);
    expect(estimateBurnRate(samples.slice(0, 3))).toBeNull();
  });
});

describe('the band is honest where a line through the running counter is not', () => {
  const TRUE_RATE = 10;
  const SEEDS = 200;

  /** How many of 200 seeded series (Poisson increments, true rate 10 an hour) each method's band contains the true rate for. */
  function coverage(intervals: number, intervalMs: number): { increments: number; counterLine: number } {
    let increments = 0;
    let counterLine = 0;
    const meanPerInterval = (TRUE_RATE * intervalMs) / HOUR_MS;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const samples = periods(counterSeries({ start: T0, intervalMs, initial: 1000, increments: poissonIncrements(seed, intervals, meanPerInterval), limit: 1e9 }));
      const forecast = forecastQuota(samples, samples.at(-1)!.at);
      if (forecast.burnRateLow! <= TRUE_RATE && TRUE_RATE <= forecast.burnRateHigh!) increments++;
      const line = leastSquaresCounterBand(samples);
      if (line.low <= TRUE_RATE && TRUE_RATE <= line.high) counterLine++;
    }
    return { increments, counterLine };
  }

  it('covers the true rate about nine times in ten with 24 hourly samples; the counter line far less often', () => {
    const { increments, counterLine } = coverage(23, HOUR_MS);
    expect(increments).toBeGreaterThanOrEqual(160);
    expect(increments).toBeLessThanOrEqual(198);
    expect(counterLine).toBeLessThanOrEqual(100);
    expect(increments - counterLine).toBeGreaterThanOrEqual(60);
  });

  it('covers it as often with a day of five-minute samples, where the counter line almost never does', () => {
    const { increments, counterLine } = coverage(287, 5 * MINUTE_MS);
    expect(increments).toBeGreaterThanOrEqual(160);
    expect(increments).toBeLessThanOrEqual(198);
    expect(counterLine).toBeLessThanOrEqual(50);
  });
});
