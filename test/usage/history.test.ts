import { describe, expect, it } from 'vitest';
import {
  assignPeriods,
  currentPeriod,
  InvalidUsageSampleError,
  periodBoundary,
  UsageSamplesOutOfOrderError,
  type UsageSample,
} from '../../src/usage/history.js';
import { HOUR_MS } from '../support/usage-series.js';

const T0 = Date.UTC(2026, 2, 1, 12);
const at = (hours: number) => T0 + hours * HOUR_MS;
const sample = (hours: number, used: number, resetsAt: number | null = null, limit: number | null = 1000): UsageSample => ({
  at: at(hours),
  used,
  limit,
  resetsAt,
});

/** Sums the increments of each period: within a period they must add up to its last counter. */
function totalsByPeriod(samples: readonly { period: number; increment: number }[]): Map<number, number> {
  const totals = new Map<number, number>();
  for (const s of samples) totals.set(s.period, (totals.get(s.period) ?? 0) + s.increment);
  return totals;
}

describe('assignPeriods', () => {
  it('keeps a rising counter in one period, the first sample counting from zero', () => {
    const { samples, state } = assignPeriods([sample(0, 40), sample(1, 55), sample(2, 55), sample(3, 70)]);
    expect(samples.map((s) => s.period)).toEqual([0, 0, 0, 0]);
    expect(samples.map((s) => s.increment)).toEqual([40, 15, 0, 15]);
    expect(samples.every((s) => s.periodStart === at(0))).toBe(true);
    expect(state).toEqual({ period: 0, periodStart: at(0), last: sample(3, 70) });
  });

  it('starts a new period when the counter drops without a reset time, and no increment is negative', () => {
    const { samples } = assignPeriods([sample(0, 500), sample(1, 800), sample(2, 30), sample(3, 90), sample(4, 5), sample(5, 6)]);
    expect(samples.map((s) => s.period)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(samples.map((s) => s.increment)).toEqual([500, 300, 30, 60, 5, 1]);
    expect(samples.every((s) => s.increment >= 0)).toBe(true);
    // Nothing says when the counter was reset: the period starts where the drop was first seen.
    expect(samples[2]!.periodStart).toBe(at(2));
    expect(samples[4]!.periodStart).toBe(at(4));
    expect(totalsByPeriod(samples)).toEqual(new Map([[0, 800], [1, 90], [2, 6]]));
    expect(periodBoundary(sample(1, 800), sample(2, 30))).toBe('COUNTER_DROPPED');
  });

  it('starts a new period when the announced reset time passes, at that reset time', () => {
    const reset = at(2.5);
    const { samples } = assignPeriods([sample(0, 100, reset), sample(1, 200, reset), sample(2, 300, reset), sample(3, 20, at(50)), sample(4, 45, at(50))]);
    expect(samples.map((s) => s.period)).toEqual([0, 0, 0, 1, 1]);
    expect(samples.map((s) => s.increment)).toEqual([100, 100, 100, 20, 25]);
    expect(samples[3]!.periodStart).toBe(reset);
    expect(samples[4]!.periodStart).toBe(reset);
    expect(periodBoundary(sample(2, 300, reset), sample(3, 20, at(50)))).toBe('RESET_TIME_PASSED');
  });

  it('starts a new period when the reset time passes even if the counter has not gone down yet', () => {
    // A vendor that resets late still reports the old count once: the reset time decides, and the
    // count restarts from zero so the old period's usage is not subtracted from the new one.
    const reset = at(1.5);
    const { samples } = assignPeriods([sample(0, 100, reset), sample(1, 150, reset), sample(2, 160, at(30)), sample(3, 10, at(30))]);
    expect(samples.map((s) => s.period)).toEqual([0, 0, 1, 2]);
    expect(samples.map((s) => s.increment)).toEqual([100, 50, 160, 10]);
  });

  it('counts a reset time and a counter drop at the same sample as one new period', () => {
    const reset = at(1.5);
    const { samples } = assignPeriods([sample(0, 100, reset), sample(1, 150, reset), sample(2, 7, at(30))]);
    expect(samples.map((s) => s.period)).toEqual([0, 0, 1]);
  });

  it('ignores a reset time that had already passed when it was reported', () => {
    const stale = at(-5);
    const { samples } = assignPeriods([sample(0, 100, stale), sample(1, 150, stale), sample(2, 180, stale)]);
    expect(samples.map((s) => s.period)).toEqual([0, 0, 0]);
    expect(samples.map((s) => s.increment)).toEqual([100, 50, 30]);
  });

  it('continues the numbering from a previous state, as if all samples came in one batch', () => {
    const all = [sample(0, 10), sample(1, 20), sample(2, 5), sample(3, 15, at(3.5)), sample(4, 2), sample(5, 4)];
    const whole = assignPeriods(all);
    const first = assignPeriods(all.slice(0, 3));
    const second = assignPeriods(all.slice(3), first.state);
    expect([...first.samples, ...second.samples]).toEqual(whole.samples);
    expect(second.state).toEqual(whole.state);
    expect(whole.state?.period).toBe(2);
  });

  it('returns no samples and no state for no samples', () => {
    expect(assignPeriods([])).toEqual({ samples: [], state: null });
  });

  it('accepts samples at the same time and refuses one older than the previous', () => {
    expect(assignPeriods([sample(0, 1), sample(0, 3)]).samples.map((s) => s.increment)).toEqual([1, 2]);
    expect(() => assignPeriods([sample(1, 1), sample(0, 3)])).toThrow(UsageSamplesOutOfOrderError);
    const { state } = assignPeriods([sample(1, 1)]);
    expect(() => assignPeriods([sample(0, 3)], state)).toThrow(expect.objectContaining({ code: 'USAGE_SAMPLES_OUT_OF_ORDER' }));
  });

  it('refuses a counter that is negative, not finite or past 2^53 - 1, and a time that is not finite', () => {
    for (const bad of [
      sample(0, -1),
      sample(0, Number.NaN),
      sample(0, Number.POSITIVE_INFINITY),
      sample(0, 2 ** 53),
      { ...sample(0, 1), at: Number.NaN },
      { ...sample(0, 1), at: 8.64e15 + 1 },
    ]) {
      expect(() => assignPeriods([bad])).toThrow(InvalidUsageSampleError);
    }
    expect(() => assignPeriods([sample(0, -1)])).toThrow(expect.objectContaining({ code: 'USAGE_SAMPLE_INVALID' }));
  });

  it('keeps counters past 2^31 and up to 2^53 - 1 exact', () => {
    const big = 2 ** 31 + 7;
    const { samples } = assignPeriods([sample(0, big), sample(1, big + 3), sample(2, Number.MAX_SAFE_INTEGER - 1), sample(3, Number.MAX_SAFE_INTEGER)]);
    expect(samples.map((s) => s.increment)).toEqual([big, 3, Number.MAX_SAFE_INTEGER - 1 - (big + 3), 1]);
    expect(samples.map((s) => s.period)).toEqual([0, 0, 0, 0]);
  });
});

describe('currentPeriod', () => {
  it('returns the samples of the latest period', () => {
    const { samples } = assignPeriods([sample(0, 10), sample(1, 20), sample(2, 5), sample(3, 8)]);
    expect(currentPeriod(samples).map((s) => s.used)).toEqual([5, 8]);
    expect(currentPeriod(samples.slice(0, 2)).map((s) => s.used)).toEqual([10, 20]);
    expect(currentPeriod([])).toEqual([]);
  });
});
