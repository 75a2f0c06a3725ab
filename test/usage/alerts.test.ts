import { describe, expect, it } from 'vitest';
import { QUOTA_ALERT_THRESHOLDS, quotaAlerts, utilization } from '../../src/usage/alerts.js';
import type { Quota } from '../../src/usage/model.js';

const quota = (used: number, limit: number | null, name = 'monthly_requests'): Quota => ({
  name,
  description: null,
  used,
  limit,
  remaining: limit === null ? null : limit - used,
  resetsAt: null,
});

describe('utilization', () => {
  it('is the share of the limit used', () => {
    expect(utilization({ used: 250, limit: 1000 })).toBe(0.25);
    expect(utilization({ used: 0, limit: 1000 })).toBe(0);
    expect(utilization({ used: 1000, limit: 1000 })).toBe(1);
  });

  it('goes past 1 when the vendor counts beyond the limit', () => {
    expect(utilization({ used: 1500, limit: 1000 })).toBe(1.5);
  });

  it('is null without a limit, and for a zero or negative limit (nothing to measure against)', () => {
    expect(utilization({ used: 10, limit: null })).toBeNull();
    expect(utilization({ used: 0, limit: 0 })).toBeNull();
    expect(utilization({ used: 5, limit: 0 })).toBeNull();
    expect(utilization({ used: 5, limit: -1 })).toBeNull();
  });

  it('stays exact for counters past 2^31', () => {
    const limit = 2 ** 33;
    expect(utilization({ used: 2 ** 32, limit })).toBe(0.5);
    expect(utilization({ used: 2 ** 31 + 1, limit: 2 ** 31 + 1 })).toBe(1);
  });
});

describe('quotaAlerts', () => {
  it('has the critical threshold before the warning one, so the most severe rule matches first', () => {
    expect(QUOTA_ALERT_THRESHOLDS.map((rule) => [rule.atLeast, rule.severity, rule.type])).toEqual([
      [1, 'CRITICAL', 'QUOTA_EXHAUSTED'],
      [0.9, 'WARNING', 'QUOTA_NEARLY_EXHAUSTED'],
    ]);
  });

  it('raises nothing below 90 %', () => {
    expect(quotaAlerts([quota(0, 1000), quota(899, 1000), quota(8999, 10_000)])).toEqual([]);
  });

  it('warns from exactly 90 % up to just under the limit', () => {
    const alerts = quotaAlerts([quota(900, 1000, 'monthly_requests'), quota(999, 1000, 'cohort.max_count')]);
    expect(alerts).toEqual([
      {
        type: 'QUOTA_NEARLY_EXHAUSTED',
        vendorType: null,
        severity: 'WARNING',
        message: 'monthly_requests: 900 of 1000 used (90%)',
        recommendation: 'Review usage or raise the limit before it is exhausted.',
        source: 'GATEWAY',
      },
      {
        type: 'QUOTA_NEARLY_EXHAUSTED',
        vendorType: null,
        severity: 'WARNING',
        message: 'cohort.max_count: 999 of 1000 used (100%)',
        recommendation: 'Review usage or raise the limit before it is exhausted.',
        source: 'GATEWAY',
      },
    ]);
  });

  it('is critical at the limit and over it, with the percentage past 100', () => {
    const alerts = quotaAlerts([quota(1000, 1000), quota(1234, 1000)]);
    expect(alerts.map((alert) => [alert.type, alert.severity, alert.message])).toEqual([
      ['QUOTA_EXHAUSTED', 'CRITICAL', 'monthly_requests: 1000 of 1000 used (100%)'],
      ['QUOTA_EXHAUSTED', 'CRITICAL', 'monthly_requests: 1234 of 1000 used (123%)'],
    ]);
    expect(alerts[0]!.recommendation).toBe('Requests counted against this limit may be refused until it resets or is raised.');
    expect(alerts.every((alert) => alert.source === 'GATEWAY' && alert.vendorType === null)).toBe(true);
  });

  it('skips quotas without a limit or with a zero limit, even when something was used', () => {
    expect(quotaAlerts([quota(50, null), quota(50, 0), quota(0, 0)])).toEqual([]);
  });

  it('keeps the order of the quotas and raises one alert per quota at most', () => {
    const alerts = quotaAlerts([quota(10, 10, 'a'), quota(1, 10, 'b'), quota(95, 100, 'c'), quota(7, null, 'd')]);
    expect(alerts.map((alert) => [alert.message.split(':')[0], alert.severity])).toEqual([
      ['a', 'CRITICAL'],
      ['c', 'WARNING'],
    ]);
  });

  it('writes counters past 2^31 in full in the message', () => {
    const limit = 3_000_000_000;
    const [alert] = quotaAlerts([quota(2_850_000_000, limit, 'events')]);
    expect(alert).toMatchObject({ type: 'QUOTA_NEARLY_EXHAUSTED', message: 'events: 2850000000 of 3000000000 used (95%)' });
    const [over] = quotaAlerts([quota(2 ** 32, 2 ** 31, 'events')]);
    expect(over).toMatchObject({ type: 'QUOTA_EXHAUSTED', message: 'events: 4294967296 of 2147483648 used (200%)' });
  });

  it('is empty for no quotas', () => {
    expect(quotaAlerts([])).toEqual([]);
  });
});
