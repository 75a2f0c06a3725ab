import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { configProblems } from '../support/config-problems.js';

const problemsOf = configProblems;

const REAL_VENDOR = { SHARPE_API_KEY: 'sk_live_config_test_0123456789', AUTH_DISABLED: '1' };

describe('usage history configuration', () => {
  it('is on by default, keeps 400 days, and samples every 60 s against real vendors, 10 s in demo mode', () => {
    expect(loadConfig(REAL_VENDOR).history).toEqual({ enabled: true, retentionDays: 400, sampleIntervalSeconds: 60, intervalComputed: true, defaultPoints: 1000 });
    expect(loadConfig({}).history).toEqual({ enabled: true, retentionDays: 400, sampleIntervalSeconds: 10, intervalComputed: true, defaultPoints: 1000 });
  });

  it('HISTORY=0 turns it off', () => {
    expect(loadConfig({ HISTORY: '0' }).history.enabled).toBe(false);
    expect(loadConfig({ HISTORY: 'false' }).history.enabled).toBe(false);
    expect(loadConfig({ HISTORY: '1' }).history.enabled).toBe(true);
  });

  it('HISTORY_SAMPLE_INTERVAL_SECONDS overrides the computed interval', () => {
    expect(loadConfig({ ...REAL_VENDOR, HISTORY_SAMPLE_INTERVAL_SECONDS: '300' }).history).toMatchObject({ sampleIntervalSeconds: 300, intervalComputed: false });
  });

  it('HISTORY_RETENTION_DAYS sets the retention', () => {
    expect(loadConfig({ HISTORY_RETENTION_DAYS: '30' }).history.retentionDays).toBe(30);
  });

  it('refuses a bad HISTORY with what it expects', () => {
    expect(problemsOf({ HISTORY: 'sometimes' })).toEqual(['HISTORY: expected 1, 0, true or false (got "sometimes")']);
  });

  it('refuses an interval out of 10..86400 or not whole, with the range', () => {
    for (const value of ['9', '86401', '60.5', '-60', 'a minute']) {
      expect(problemsOf({ HISTORY_SAMPLE_INTERVAL_SECONDS: value })).toEqual([`HISTORY_SAMPLE_INTERVAL_SECONDS: expected a whole number from 10 to 86400 (got ${JSON.stringify(value)})`]);
    }
  });

  it('HISTORY_DEFAULT_POINTS sets how far a history without a resolution is downsampled', () => {
    expect(loadConfig({ HISTORY_DEFAULT_POINTS: '200' }).history.defaultPoints).toBe(200);
  });

  it('refuses a default point count out of 10..10000, with the range', () => {
    for (const value of ['9', '10001', '12.5', 'many']) {
      expect(problemsOf({ HISTORY_DEFAULT_POINTS: value })).toEqual([`HISTORY_DEFAULT_POINTS: expected a whole number from 10 to 10000 (got ${JSON.stringify(value)})`]);
    }
  });

  it('refuses a retention out of 1..3660, with the range', () => {
    for (const value of ['0', '3661', 'forever']) {
      expect(problemsOf({ HISTORY_RETENTION_DAYS: value })).toEqual([`HISTORY_RETENTION_DAYS: expected a whole number from 1 to 3660 (got ${JSON.stringify(value)})`]);
    }
  });
});
