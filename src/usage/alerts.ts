import type { Quota, UsageAlert } from './model.js';

/** Utilization at or above which a quota raises a gateway alert, most severe first. */
export const QUOTA_ALERT_THRESHOLDS = [
  { atLeast: 1, severity: 'CRITICAL', type: 'QUOTA_EXHAUSTED' },
  { atLeast: 0.9, severity: 'WARNING', type: 'QUOTA_NEARLY_EXHAUSTED' },
] as const;

/** Share of the limit used, or null when there is no positive limit to measure against. */
export function utilization(quota: Pick<Quota, 'used' | 'limit'>): number | null {
  if (quota.limit === null || quota.limit <= 0) return null;
  return quota.used / quota.limit;
}

/** Alerts the gateway derives from quotas, in the same shape as vendor alerts. */
export function quotaAlerts(quotas: readonly Quota[]): UsageAlert[] {
  const alerts: UsageAlert[] = [];
  for (const quota of quotas) {
    const share = utilization(quota);
    if (share === null) continue;
    const rule = QUOTA_ALERT_THRESHOLDS.find((threshold) => share >= threshold.atLeast);
    if (!rule) continue;
    const percent = Math.round(share * 100);
    alerts.push({
      type: rule.type,
      vendorType: null,
      severity: rule.severity,
      message: `${quota.name}: ${quota.used} of ${quota.limit} used (${percent}%)`,
      recommendation:
        rule.severity === 'CRITICAL'
          ? 'Requests counted against this limit may be refused until it resets or is raised.'
          : 'Review usage or raise the limit before it is exhausted.',
      source: 'GATEWAY',
    });
  }
  return alerts;
}
