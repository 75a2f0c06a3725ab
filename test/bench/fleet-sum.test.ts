import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../../bench/lib/load.js';
import { sumParallelLoads } from '../../bench/scenarios/fleet.js';

const load = (requestsPerSecond: number, p50: number, p99: number, failures = 0): LoadResult => ({
  requestsPerSecond,
  cleanPerSecond: requestsPerSecond - 1,
  errorAnswers: 1,
  latencyMs: { p50, p99, mean: p50 },
  requests: requestsPerSecond,
  failures,
  durationSeconds: 1,
  peakRssMiB: null,
});

describe('sumParallelLoads', () => {
  it('adds the rates of parallel runs and keeps the worst latency', () => {
    const fleet = sumParallelLoads([load(100, 3, 9), load(250, 5, 7, 2), load(50, 4, 12)]);
    expect(fleet.requestsPerSecond).toBe(400);
    expect(fleet.cleanPerSecond).toBe(397);
    expect(fleet.errorAnswers).toBe(3);
    expect(fleet.failures).toBe(2);
    expect(fleet.latencyMs).toEqual({ p50: 5, p99: 12 });
    expect(fleet.perInstance).toEqual([100, 250, 50]);
  });
});
