import type { AccountUsage, MetricPeriods, Quota } from '../../usage/model.js';
import type { FaradayAccountUsageResponse, FaradayPeriods, FaradayUsagesResponse } from './contract.js';

/**
 * Combines Faraday's named limits (`/v1/usages`) and account usage metrics
 * (`/v1/accounts/current/usage`) into the unified model. Pure.
 *
 * `started_at`/`finished_at` are when Faraday recorded the metrics, not period boundaries, so they
 * become the snapshot and `recordedAt`, never a usage window.
 */
export function faradayToAccountUsage(
  limits: FaradayUsagesResponse,
  usage: FaradayAccountUsageResponse,
): AccountUsage {
  return {
    provider: 'FARADAY',
    plan: null,
    rateLimit: null,
    quotas: quotasOf(limits),
    endpoints: [],
    periods: periodsOf(usage),
    alerts: [],
    totals: null,
    recordedAt: usage.finished_at,
    snapshot: { id: usage.id, recordingStartedAt: usage.started_at, recordingFinishedAt: usage.finished_at },
    upstreamElapsedMs: null,
    upstreamRequestId: null,
  };
}

function quotasOf(limits: FaradayUsagesResponse): Quota[] {
  return limits
    .map((item) => ({
      name: item.name,
      description: item.description,
      used: item.usage,
      limit: item.limit,
      // Faraday reports no remaining; usage can exceed the limit, and "remaining" is never negative.
      remaining: Math.max(item.limit - item.usage, 0),
      resetsAt: null,
    }))
    // Code-unit order, not localeCompare: the order must not depend on the server's locale.
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Metrics in the vendor's documented order, each predictive resource right after its total. */
function periodsOf(usage: FaradayAccountUsageResponse): MetricPeriods[] {
  const { predictive_data: predictive, ...batch } = usage.batch_deployments;
  return [
    ...Object.entries(batch).map(([name, counts]) => metricPeriods('batch_deployments', name, counts)),
    metricPeriods('batch_deployments', 'predictive_data', predictive),
    ...predictive.resources.map((resource) =>
      metricPeriods('batch_deployments', 'predictive_data', resource, {
        id: resource.resource_id,
        type: resource.resource_type,
      }),
    ),
    ...Object.entries(usage.lookup_api_requests).map(([name, counts]) =>
      metricPeriods('lookup_api_requests', name, counts),
    ),
  ];
}

function metricPeriods(
  group: string,
  name: string,
  counts: FaradayPeriods,
  resource?: { id: string; type: string },
): MetricPeriods {
  return {
    metric: `${group}.${name}`,
    group,
    monthToDate: counts.month_to_date.count,
    lastMonth: counts.last_month.count,
    last12Months: counts.last_12_months?.count ?? null,
    termPeriodToLastMonth: counts.term_period_to_last_month?.count ?? null,
    resourceId: resource?.id ?? null,
    resourceType: resource?.type ?? null,
  };
}
