import { describe, expect, it } from 'vitest';
import { readHistorySettings, retentionCutoff } from '../../src/monitoring/history-settings.js';

describe('usage history variables', () => {
  it('defaults to 400 days of retention and five-minute samples', () => {
    expect(readHistorySettings({})).toEqual({ retentionDays: 400, sampleIntervalSeconds: 300 });
  });

  it('reads both within their bounds and refuses the rest, naming the variable', () => {
    expect(readHistorySettings({ HISTORY_RETENTION_DAYS: ' 30 ', HISTORY_SAMPLE_INTERVAL_SECONDS: '60' })).toEqual({ retentionDays: 30, sampleIntervalSeconds: 60 });
    for (const env of [{ HISTORY_RETENTION_DAYS: '0' }, { HISTORY_RETENTION_DAYS: '3661' }, { HISTORY_RETENTION_DAYS: '1.5' }, { HISTORY_SAMPLE_INTERVAL_SECONDS: '9' }, { HISTORY_SAMPLE_INTERVAL_SECONDS: 'five' }]) {
      expect(() => readHistorySettings(env)).toThrow(Object.keys(env)[0]!);
    }
  });

  it('puts the retention cutoff that many days before now', () => {
    expect(retentionCutoff(Date.UTC(2026, 11, 31, 12), 400)).toBe(Date.UTC(2025, 10, 26, 12));
  });
});
