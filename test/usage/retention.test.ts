import { describe, expect, it } from 'vitest';
import { assignPeriods } from '../../src/usage/history.js';
import { DEFAULT_RETENTION_MS, retainedSamples, retentionCutoff } from '../../src/usage/retention.js';
import { DAY_MS } from '../support/usage-series.js';

describe('retention', () => {
  const now = Date.UTC(2026, 11, 7);

  it('keeps 400 days by default: a whole year back from any day of this month', () => {
    expect(DEFAULT_RETENTION_MS).toBe(400 * DAY_MS);
    expect(retentionCutoff(now)).toBe(now - 400 * DAY_MS);
    expect(retentionCutoff(now, DAY_MS)).toBe(now - DAY_MS);
  });

  it('drops the samples older than the cutoff and leaves the others as they were', () => {
    const { samples } = assignPeriods([500, 200, 300, 350].map((used, i) => ({ at: now - (3 - i) * DAY_MS, used, limit: null, resetsAt: null })));
    const kept = retainedSamples(samples, now, 2 * DAY_MS);
    expect(kept).toEqual(samples.slice(1));
    // Each kept sample still carries its period and increment: dropping the old changes nothing.
    expect(kept.map((s) => [s.period, s.increment])).toEqual([[1, 200], [1, 100], [1, 50]]);
    expect(retainedSamples(samples, now + 10 * DAY_MS, 2 * DAY_MS)).toEqual([]);
    expect(retainedSamples(samples, now)).toEqual(samples);
  });
});
