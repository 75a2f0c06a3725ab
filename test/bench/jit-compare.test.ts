import { describe, expect, it } from 'vitest';
import { compareModes, modeOrder, summarizeRounds, type MeasuredRun } from '../../bench/scenarios/jit.js';

const run = (requestsPerSecond: number, p50: number, cpuMsPerAnswer: number | null, failures = 0, errorAnswers = 0): MeasuredRun => ({
  requestsPerSecond,
  cleanPerSecond: requestsPerSecond,
  errorAnswers,
  latencyMs: { p50, p99: p50 * 2, mean: p50 },
  requests: requestsPerSecond,
  failures,
  durationSeconds: 1,
  peakRssMiB: null,
  cpuMsPerAnswer,
});

describe('the graphql-jit A/B', () => {
  it('alternates which mode goes first, round by round', () => {
    expect([0, 1, 2, 3].map(modeOrder)).toEqual([
      ['on', 'off'],
      ['off', 'on'],
      ['on', 'off'],
      ['off', 'on'],
    ]);
  });

  it('summarises the rounds by their medians, so one disturbed round does not decide, and sums failures', () => {
    const figures = summarizeRounds([run(10, 90, 4), run(50, 30, 1.5, 1), run(40, 20, 2, 0, 3)]);
    expect(figures).toEqual({ requestsPerSecond: 40, p50Ms: 30, cpuMsPerAnswer: 2, perRound: [10, 50, 40], failures: 1, errorAnswers: 3 });
  });

  it('compares on with off as ratios, and leaves the CPU ratio out when a mode has no CPU figure', () => {
    const comparison = compareModes('q', [run(60, 10, 1)], [run(30, 20, 2)]);
    expect(comparison).toMatchObject({ query: 'q', onToOffAnswers: 2, onToOffP50: 0.5, onToOffCpu: 0.5 });
    expect(compareModes('q', [run(60, 10, null)], [run(30, 20, 2)]).onToOffCpu).toBeNull();
  });
});
