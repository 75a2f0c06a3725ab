import { describe, expect, it } from 'vitest';
import { dayOfQuotaSamples, FIVE_MINUTES_MS, p50 } from '../../bench/lib/history-year.js';
import { assignPeriods } from '../../src/usage/history.js';

describe('the benchmark’s synthetic history', () => {
  it('gives a day of five-minute samples per series, 288 a series, in time order', () => {
    const day = Date.UTC(2026, 0, 15);
    const samples = dayOfQuotaSamples(day, 3);
    expect(samples).toHaveLength(288 * 3);
    const one = samples.filter((sample) => sample.series === 'quota:bench_01');
    expect(one).toHaveLength(288);
    expect(one[0]!.at).toBe(day);
    expect(one.at(-1)!.at).toBe(day + 287 * FIVE_MINUTES_MS);
    expect(one.every((sample, i) => i === 0 || sample.at - one[i - 1]!.at === FIVE_MINUTES_MS)).toBe(true);
  });

  it('climbs through each month and restarts at its reset, never with a negative increment', () => {
    const days = [Date.UTC(2026, 0, 30), Date.UTC(2026, 0, 31), Date.UTC(2026, 1, 1), Date.UTC(2026, 1, 2)];
    const series = days.flatMap((day) => dayOfQuotaSamples(day, 2)).filter((sample) => sample.series === 'quota:bench_00');
    const placed = assignPeriods(series).samples;
    expect(new Set(placed.map((sample) => sample.period))).toEqual(new Set([0, 1]));
    const firstOfFebruary = placed.find((sample) => sample.period === 1)!;
    expect(firstOfFebruary.at).toBe(Date.UTC(2026, 1, 1));
    expect(firstOfFebruary.periodStart).toBe(Date.UTC(2026, 1, 1));
    expect(firstOfFebruary.used).toBe(0);
    expect(placed.every((sample) => sample.increment >= 0)).toBe(true);
    expect(placed.filter((sample) => sample.period === 0).every((sample, i, all) => i === 0 || sample.increment > 0 || all[i - 1]!.used === sample.used)).toBe(true);
  });

  it('p50 is the lower middle', () => {
    expect(p50([])).toBeNull();
    expect(p50([5])).toBe(5);
    expect(p50([9, 1, 5])).toBe(5);
    expect(p50([4, 1, 3, 2])).toBe(2);
  });
});
