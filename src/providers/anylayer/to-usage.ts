import type {
  AccountUsage,
  AlertSeverity,
  ApiKeyUsage,
  ApiKeyUsageQuery,
  CountByKey,
  RateLimit,
  UsageAlertType,
  UsageWindow,
} from '../../usage/model.js';
import { freshView } from '../provider.js';
import type { AnylayerSuccessBody } from './contract.js';

/**
 * Anylayer payloads to the unified model. Pure: the caller supplies the query the body answers
 * and when it arrived.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

// The vendor says "last N days" / "last year" without calendar semantics, so spans are fixed
// lengths back from its response time (a year as 365 days).
const TIMEFRAME_MS: Record<Exclude<ApiKeyUsageQuery['timeframe'], 'all'>, number> = {
  '1h': HOUR_MS,
  '24h': DAY_MS,
  '7d': 7 * DAY_MS,
  '30d': 30 * DAY_MS,
  '90d': 90 * DAY_MS,
  '1y': 365 * DAY_MS,
};

const SEVERITIES: Record<'info' | 'warning' | 'critical', AlertSeverity> = {
  info: 'INFO',
  warning: 'WARNING',
  critical: 'CRITICAL',
};

/**
 * Anylayer's alert kinds (its `alerts[].type`) in the unified vocabulary. An unlisted kind is
 * served as `OTHER` with the vendor's name in `vendorType`, so a new kind never fails an answer.
 */
const ALERT_TYPES: Partial<Record<string, UsageAlertType>> = {
  high_error_rate: 'HIGH_ERROR_RATE',
  elevated_error_rate: 'ELEVATED_ERROR_RATE',
  rate_limit_approaching: 'RATE_LIMIT_APPROACHING',
  high_latency: 'HIGH_LATENCY',
  usage_forecast: 'USAGE_FORECAST',
};

/**
 * The span a `timeframe` covers, ending at the vendor's response time. `all` has no start and is
 * an `ALL_TIME` window, not a timeframe of unknown length.
 */
export function timeframeWindow(timeframe: ApiKeyUsageQuery['timeframe'], respondedAt: Date): UsageWindow {
  if (timeframe === 'all') return { kind: 'ALL_TIME', label: timeframe, start: null, end: respondedAt };
  return {
    kind: 'TIMEFRAME',
    label: timeframe,
    start: new Date(respondedAt.getTime() - TIMEFRAME_MS[timeframe]),
    end: respondedAt,
  };
}

/**
 * Maps a success body to the analytics model. Parts the query switched off map to null (not to
 * empty), whatever the vendor sent, so "not asked for" never reads as "zero".
 */
export function apiKeyUsageFromBody(body: AnylayerSuccessBody, query: ApiKeyUsageQuery): ApiKeyUsage {
  const { data } = body;
  const respondedAt = body.timestamp;
  const window = timeframeWindow(query.timeframe, respondedAt);
  const latency = (value: number | null | undefined): number | null => (query.includeLatency ? (value ?? null) : null);
  const rateLimit: RateLimit = {
    tier: data.rate_limit.tier,
    requestsPerMinute: data.rate_limit.requests_per_minute,
    remaining: data.rate_limit.remaining,
    resetsAt: data.rate_limit.reset_at,
  };
  return {
    query,
    totals: {
      requests: data.usage.total_requests,
      successfulRequests: data.usage.successful_requests,
      failedRequests: data.usage.failed_requests,
      avgLatencyMs: latency(data.usage.avg_latency_ms),
      p95LatencyMs: latency(data.usage.p95_latency_ms),
      window,
    },
    timeSeries: data.time_series.map((point) => ({
      timestamp: point.timestamp,
      requests: point.requests,
      errors: point.errors,
      avgLatencyMs: latency(point.avg_latency_ms),
    })),
    endpoints:
      query.includeBreakdown && data.endpoints !== undefined
        ? data.endpoints.map((endpoint) => ({
            path: endpoint.endpoint,
            method: endpoint.method,
            requests: endpoint.requests,
            errors: endpoint.errors,
            avgLatencyMs: latency(endpoint.avg_latency_ms),
            window,
          }))
        : null,
    errors:
      query.includeErrors && data.errors !== undefined
        ? {
            total: data.errors.total,
            rate: data.errors.rate,
            byStatus: countsByKey(data.errors.by_status),
            byType: countsByKey(data.errors.by_type),
          }
        : null,
    rateLimit,
    alerts: data.alerts.map((alert) => ({
      type: ALERT_TYPES[alert.type] ?? 'OTHER',
      vendorType: alert.type,
      severity: SEVERITIES[alert.severity],
      message: alert.message,
      recommendation: alert.recommendation ?? null,
      source: 'VENDOR' as const,
    })),
    pagination: {
      limit: body.pagination.limit,
      offset: body.pagination.offset,
      total: body.pagination.total,
      hasMore: body.pagination.has_more,
    },
    respondedAt,
    // Anylayer documents no request id.
    upstreamRequestId: null,
  };
}

/**
 * The account overview of an analytics answer. Anylayer has no plan endpoint: the tier and rate
 * of the usage endpoint's own limit are the only plan facts it reports.
 */
export function accountFromApiKeyUsage(usage: ApiKeyUsage): AccountUsage {
  const { rateLimit } = usage;
  return {
    provider: 'ANYLAYER',
    plan:
      rateLimit === null
        ? null
        : { tier: rateLimit.tier, requestsPerMinute: rateLimit.requestsPerMinute, monthlyLimit: null },
    rateLimit,
    quotas: [],
    endpoints: usage.endpoints ?? [],
    periods: [],
    alerts: usage.alerts,
    totals: usage.totals,
    recordedAt: usage.respondedAt,
    snapshot: null,
    upstreamElapsedMs: null,
    upstreamRequestId: usage.upstreamRequestId,
  };
}

/** `accountFromApiKeyUsage` once per analytics object, so a cached answer is mapped once. */
export const accountOfApiKeyUsage = freshView(accountFromApiKeyUsage);

/** A record of counters as a list sorted by key (UTF-16 code units: the same in every locale). */
function countsByKey(record: Record<string, number>): CountByKey[] {
  return Object.keys(record)
    .sort()
    .map((key) => ({ key, count: record[key]! }));
}
