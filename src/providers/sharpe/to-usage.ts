import type { AccountUsage, EndpointUsage, UsageWindow } from '../../usage/model.js';
import type { SharpeUsageResponse } from './contract.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Maps Sharpe's usage body to the unified model. Pure.
 *
 * Sharpe's own example disagrees with itself (`plan.rpm` vs `rate_limit.requests_per_minute`,
 * `plan.monthly_limit` vs `quota.limit`); each value is reported where the vendor put it, because
 * the plan states what was sold and `rate_limit`/`quota` what is enforced.
 */
export function sharpeToAccountUsage(body: SharpeUsageResponse): AccountUsage {
  const { plan, rate_limit, quota, last_24h } = body.data;
  const recordedAt = body.meta.timestamp;
  const window: UsageWindow = {
    kind: 'LAST_24_HOURS',
    label: 'last_24h',
    start: new Date(recordedAt.getTime() - DAY_MS),
    end: recordedAt,
  };
  return {
    provider: 'SHARPE',
    plan: { tier: plan.tier, requestsPerMinute: plan.rpm, monthlyLimit: plan.monthly_limit },
    rateLimit: { tier: null, requestsPerMinute: rate_limit.requests_per_minute, remaining: null, resetsAt: null },
    quotas: [
      {
        name: 'monthly_requests',
        description: 'Monthly request quota',
        used: quota.used,
        limit: quota.limit,
        remaining: quota.remaining,
        resetsAt: quota.resets_at,
      },
    ],
    endpoints: endpointsOf(last_24h.by_endpoint, window),
    periods: [],
    alerts: [],
    totals: {
      requests: last_24h.total_requests,
      // Sharpe reports errors per endpoint only; a sum over the listed endpoints could silently
      // miss endpoints it leaves out, so the totals say "unknown" rather than guess.
      successfulRequests: null,
      failedRequests: null,
      avgLatencyMs: null,
      p95LatencyMs: null,
      window,
    },
    recordedAt,
    snapshot: null,
    upstreamElapsedMs: body.meta.elapsed_ms,
    upstreamRequestId: body.meta.request_id,
  };
}

function endpointsOf(
  byEndpoint: SharpeUsageResponse['data']['last_24h']['by_endpoint'],
  window: UsageWindow,
): EndpointUsage[] {
  return Object.entries(byEndpoint)
    // Code-unit order, not localeCompare: the order must not depend on the server's locale.
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, stats]) => ({
      path,
      method: null,
      requests: stats.count,
      errors: stats.errors,
      avgLatencyMs: stats.avg_response_ms,
      window,
    }));
}
