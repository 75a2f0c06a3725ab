import { periodSeries, quotaSeries, RATE_LIMIT_REMAINING_SERIES } from '../usage/history-series.js';
import type { AccountUsage, Fresh } from '../usage/model.js';
import type { UsageSample } from './history-types.js';

/**
 * The series names a vendor's account overview is recorded under, as `usage/history-series.ts`
 * defines them for the sampler, the demo's seeded past and the schema alike.
 */
export const SERIES = {
  quota: quotaSeries,
  rateLimitRemaining: RATE_LIMIT_REMAINING_SERIES,
  period: periodSeries,
} as const;

/**
 * The samples of one account answer: each quota (used, limit, reset time), the rate limit's
 * remaining calls when the vendor says, and each period counter's month to date (the only one of
 * its periods that moves). Every sample is stamped with the answer's `fetchedAt`, so an answer the
 * cache served twice gives the same keys twice and is kept once. Counters the vendor left out (null)
 * are skipped rather than recorded as zero.
 */
export function samplesOfAccount(provider: string, fresh: Fresh<AccountUsage>): UsageSample[] {
  const at = fresh.fetchedAt.getTime();
  const account = fresh.value;
  const samples: UsageSample[] = [];
  for (const quota of account.quotas) {
    samples.push({ provider, series: SERIES.quota(quota.name), at, used: quota.used, limit: quota.limit, resetsAt: quota.resetsAt?.getTime() ?? null });
  }
  const remaining = account.rateLimit?.remaining;
  if (remaining !== null && remaining !== undefined) {
    samples.push({
      provider,
      series: SERIES.rateLimitRemaining,
      at,
      used: remaining,
      limit: account.rateLimit?.requestsPerMinute ?? null,
      resetsAt: account.rateLimit?.resetsAt?.getTime() ?? null,
    });
  }
  for (const counter of account.periods) {
    if (counter.monthToDate === null) continue;
    samples.push({ provider, series: SERIES.period(counter.metric, counter.resourceId), at, used: counter.monthToDate, limit: null, resetsAt: null });
  }
  return samples;
}
