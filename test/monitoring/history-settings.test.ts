import { describe, expect, it } from 'vitest';
import { readHistorySettings, retentionCutoff } from '../../src/monitoring/history-settings.js';
import { defaultSampleIntervalSeconds } from '../../src/monitoring/sample-interval.js';
import { VENDORS } from '../../src/providers/vendors.js';

describe('usage history variables', () => {
  it('defaults to history on, 400 days of retention and an interval computed from the vendor table', () => {
    expect(readHistorySettings({})).toEqual({ enabled: true, retentionDays: 400, sampleIntervalSeconds: null, defaultPoints: 1000 });
  });

  it('reads each within its bounds and refuses the rest, naming the variable', () => {
    expect(readHistorySettings({ HISTORY: '0', HISTORY_RETENTION_DAYS: ' 30 ', HISTORY_SAMPLE_INTERVAL_SECONDS: '60', HISTORY_DEFAULT_POINTS: '500' })).toEqual({
      enabled: false,
      retentionDays: 30,
      sampleIntervalSeconds: 60,
      defaultPoints: 500,
    });
    for (const env of [
      { HISTORY_RETENTION_DAYS: '0' },
      { HISTORY_RETENTION_DAYS: '3661' },
      { HISTORY_RETENTION_DAYS: '1.5' },
      { HISTORY_SAMPLE_INTERVAL_SECONDS: '9' },
      { HISTORY_SAMPLE_INTERVAL_SECONDS: 'five' },
      { HISTORY_SAMPLE_INTERVAL_SECONDS: '86401' },
      { HISTORY: 'maybe' },
      { HISTORY_DEFAULT_POINTS: '9' },
      { HISTORY_DEFAULT_POINTS: '10001' },
    ]) {
      expect(() => readHistorySettings(env)).toThrow(Object.keys(env)[0]!);
    }
  });

  it('puts the retention cutoff that many days before now', () => {
    expect(retentionCutoff(Date.UTC(2026, 11, 31, 12), 400)).toBe(Date.UTC(2025, 10, 26, 12));
  });
});

describe('the default sampling interval', () => {
  const vendor = (id: string, perMinute: number, calls = 1, demo = 600) => ({
    id,
    rateLimitPerMinute: { default: perMinute, demo },
    accountCalls: Array.from({ length: calls }, (_, i) => `${id}:call${i}`),
  });

  it('is a minute with today’s vendors, and ten seconds against their simulators', () => {
    expect(defaultSampleIntervalSeconds(VENDORS)).toBe(60);
    expect(defaultSampleIntervalSeconds(VENDORS, true)).toBe(10);
  });

  it('keeps every vendor at or under 5 % of its default budget, in whole minutes', () => {
    for (const [vendors, expected] of [
      // 30 a minute, one call a tick: 5 % is 1.5 a minute, so at least 40 s: a minute.
      [[vendor('A', 30)], 60],
      // 10 a minute: 0.5 a minute, one call every 120 s.
      [[vendor('A', 10)], 120],
      // Two calls a tick against 12 a minute: 0.6 a minute, so a tick every 200 s: four minutes.
      [[vendor('A', 600), vendor('B', 12, 2)], 240],
      // Exactly 5 %: 20 a minute, one call a minute.
      [[vendor('A', 20)], 60],
    ] as const) {
      const seconds = defaultSampleIntervalSeconds(vendors);
      expect(seconds).toBe(expected);
      for (const v of vendors) expect((v.accountCalls.length * 60) / seconds).toBeLessThanOrEqual(0.05 * v.rateLimitPerMinute.default);
      // And a minute less would spend more than 5 % of some vendor's budget.
      if (seconds > 60) expect(vendors.some((v) => (v.accountCalls.length * 60) / (seconds - 60) > 0.05 * v.rateLimitPerMinute.default)).toBe(true);
    }
  });

  it('steps by ten seconds in demo mode', () => {
    expect(defaultSampleIntervalSeconds([vendor('A', 60, 1, 60)], true)).toBe(20);
  });
});
