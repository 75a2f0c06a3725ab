import { utilization } from '../usage/alerts.js';
import {
  USAGE_ALERT_TYPES,
  type EndpointUsage,
  type MetricPeriods,
  type Plan,
  type ProviderId,
  type Quota,
  type RateLimit,
  type UsageAlert,
  type UsageAlertType,
  type UsageSnapshot,
  type UsageTotals,
  type UsageWindow,
} from '../usage/model.js';
import { quotaSeries, periodSeries } from '../usage/history-series.js';
import { cacheMark } from '../edge/field-marks/cache-marks.js';
import { requireScopes } from './access.js';
import { builder } from './builder.js';
import { forecastOf, QuotaForecastRef } from './quota-forecast.js';
import { historyArgs, historyDescription, historyOf, UsagePointRef } from './usage-history.js';

/** The unified usage vocabulary shared by every vendor's account and by `apiKeyUsage`. */

/** A quota with the vendor it belongs to, which its history is filed under. */
export interface ProviderQuota extends Quota {
  provider: ProviderId;
}

/** A period counter with the vendor it belongs to, which its history is filed under. */
export interface ProviderMetricPeriods extends MetricPeriods {
  provider: ProviderId;
}

/**
 * The options of a field read from the usage history: the account's scope (history is account
 * data), and never from the response cache, since every sample changes it.
 */
const fromHistory = { ...requireScopes('usage:read'), extensions: cacheMark('volatile') };

export const UsageWindowKindEnum = builder.enumType('UsageWindowKind', {
  description: 'The kind of span a `UsageWindow` is.',
  values: {
    LAST_24_HOURS: { description: 'The trailing 24 hours before the vendor answered.' },
    TIMEFRAME: { description: 'A timeframe the caller chose (Anylayer `timeframe`).' },
    STREAM_WINDOW: { description: 'The stream entries between two cursors (Arrays).' },
    ALL_TIME: { description: 'Everything the vendor has recorded.' },
  } as const,
});

export const UsageWindowRef = builder.objectRef<UsageWindow>('UsageWindow').implement({
  description: 'What span of time, or of a stream, a figure covers.',
  fields: (t) => ({
    kind: t.field({ type: UsageWindowKindEnum, description: 'Which kind of span this is.', resolve: (window) => window.kind }),
    label: t.exposeString('label', { description: "The vendor's label, e.g. `7d` or a cursor range." }),
    start: t.expose('start', { type: 'DateTime', nullable: true, description: 'When the span starts; null when it has no known start (`ALL_TIME`, or a stream cursor without a time).' }),
    end: t.expose('end', { type: 'DateTime', nullable: true, description: "When the span ends: the vendor's response time, or for Arrays the stream time of the window's last entry; null when unknown." }),
  }),
});

export const PlanRef = builder.objectRef<Plan>('Plan').implement({
  description: "The vendor's plan as it advertises it. May disagree with the effective `rateLimit` and `quotas`.",
  fields: (t) => ({
    tier: t.exposeString('tier', { nullable: true, description: "The plan's tier as the vendor names it (e.g. Sharpe `pro`, Anylayer `starter`); null when the vendor gives none." }),
    requestsPerMinute: t.expose('requestsPerMinute', {
      type: 'SafeInt',
      nullable: true,
      description: 'Requests per minute the plan advertises; the enforced limit is `rateLimit.requestsPerMinute`. Null when the vendor gives none.',
    }),
    monthlyLimit: t.expose('monthlyLimit', {
      type: 'SafeInt',
      nullable: true,
      description: 'Requests per month the plan advertises (Sharpe only; null otherwise); the enforced allowance is in `quotas`.',
    }),
  }),
});

export const RateLimitRef = builder.objectRef<RateLimit>('RateLimit').implement({
  description: 'The effective request rate limit.',
  fields: (t) => ({
    tier: t.exposeString('tier', { nullable: true, description: 'The rate-limit tier as the vendor names it (Anylayer only); null otherwise.' }),
    requestsPerMinute: t.expose('requestsPerMinute', {
      type: 'SafeInt',
      nullable: true,
      description: 'Requests per minute the vendor enforces; null when it does not say.',
    }),
    remaining: t.expose('remaining', {
      type: 'SafeInt',
      nullable: true,
      description: 'Requests left until `resetsAt` (Anylayer only); null when the vendor does not say.',
    }),
    resetsAt: t.expose('resetsAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the current rate-limit window resets (Anylayer only); null when the vendor does not say.',
    }),
  }),
});

export const QuotaRef = builder.objectRef<ProviderQuota>('Quota').implement({
  description: 'A named allowance and how much of it is used.',
  fields: (t) => ({
    name: t.exposeString('name', { description: "Stable machine name of the allowance, e.g. `monthly_requests` (Sharpe) or Faraday's `cohort.max_count`." }),
    description: t.exposeString('description', { nullable: true, description: "What the allowance counts, in the vendor's words; null when the vendor gives none." }),
    used: t.expose('used', { type: 'SafeInt', description: 'How much of the allowance is used, in its own unit (requests, contacts, …).' }),
    limit: t.expose('limit', { type: 'SafeInt', nullable: true, description: 'The size of the allowance; null when the vendor sets no limit.' }),
    remaining: t.expose('remaining', {
      type: 'SafeInt',
      nullable: true,
      description: 'How much is left, as the vendor reports it or else `limit` − `used` (never below 0); null when the vendor has no limit.',
    }),
    utilization: t.float({
      nullable: true,
      description: 'used / limit (1.0 = fully used; above 1 when over). Null without a positive limit.',
      resolve: (quota) => utilization(quota),
    }),
    resetsAt: t.expose('resetsAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When `used` goes back to 0 (Sharpe: the monthly reset); null when the vendor does not say (Faraday).',
    }),
    history: t.field({
      type: [UsagePointRef],
      // A refused argument or a store that cannot be read nulls this field alone, not the account.
      nullable: true,
      description: historyDescription("This quota's `used` over time"),
      args: historyArgs,
      ...fromHistory,
      resolve: (quota, args, context) => historyOf({ provider: quota.provider, series: quotaSeries(quota.name) }, args, context),
    }),
    forecast: t.field({
      type: QuotaForecastRef,
      nullable: true,
      description:
        "When this quota runs out at its recent pace, from the gateway's samples of its current period. Null when usage history is off or holds no sample of this quota yet. Read from the gateway's own store: it costs no vendor call itself (the account it hangs on does).",
      ...fromHistory,
      resolve: (quota, _args, context) => forecastOf({ provider: quota.provider, series: quotaSeries(quota.name) }, context),
    }),
  }),
});

export const EndpointUsageRef = builder.objectRef<EndpointUsage>('EndpointUsage').implement({
  description: 'Requests to one vendor endpoint within a window.',
  fields: (t) => ({
    path: t.exposeString('path', { description: "The endpoint's path as the vendor names it, e.g. `/v1/search`." }),
    method: t.exposeString('method', { nullable: true, description: 'HTTP method of the endpoint (Anylayer only); null when the vendor does not say.' }),
    requests: t.expose('requests', { type: 'SafeInt', description: 'Requests to the endpoint within `window` (Arrays: calls).' }),
    errors: t.expose('errors', {
      type: 'SafeInt',
      nullable: true,
      description: 'Failed requests within `window` (Anylayer and Sharpe); null when the vendor does not report errors.',
    }),
    errorRate: t.float({
      nullable: true,
      description: 'errors / requests; null when the vendor does not report errors or there were no requests.',
      resolve: (endpoint) => (endpoint.errors === null || endpoint.requests === 0 ? null : endpoint.errors / endpoint.requests),
    }),
    avgLatencyMs: t.exposeFloat('avgLatencyMs', {
      nullable: true,
      description: 'Average response time within `window`, ms (Anylayer and Sharpe); null when the vendor does not report it or `includeLatency` is false.',
    }),
    window: t.expose('window', { type: UsageWindowRef, description: 'The span these counts cover.' }),
  }),
});

export const MetricPeriodsRef = builder.objectRef<ProviderMetricPeriods>('MetricPeriods').implement({
  description: 'One counter over the vendor-defined periods. Null where the vendor does not report that period.',
  fields: (t) => ({
    metric: t.exposeString('metric', { description: '`<group>.<metric>`, e.g. `lookup_api_requests.successful`.' }),
    group: t.exposeString('group', { description: "The vendor's group of the counter, e.g. Faraday `batch_deployments` or `lookup_api_requests`." }),
    resourceId: t.exposeID('resourceId', {
      nullable: true,
      description: 'The resource this row counts, for per-resource breakdowns (Faraday predictive-data resources); null for a whole counter.',
    }),
    resourceType: t.exposeString('resourceType', { nullable: true, description: 'The type of `resourceId` as the vendor names it; null for a whole counter.' }),
    monthToDate: t.expose('monthToDate', { type: 'SafeInt', nullable: true, description: 'Count so far this month, up to the snapshot; null when the vendor does not report it.' }),
    lastMonth: t.expose('lastMonth', { type: 'SafeInt', nullable: true, description: 'Count over the previous month; null when the vendor does not report it.' }),
    last12Months: t.expose('last12Months', {
      type: 'SafeInt',
      nullable: true,
      description: 'Count over the last 12 months; null when the vendor does not report it for this counter.',
    }),
    termPeriodToLastMonth: t.expose('termPeriodToLastMonth', {
      type: 'SafeInt',
      nullable: true,
      description: "Count from the start of the contract term through the previous month; null when the vendor does not report it.",
    }),
    history: t.field({
      type: [UsagePointRef],
      // A refused argument or a store that cannot be read nulls this field alone, not the account.
      nullable: true,
      description: historyDescription("This counter's `monthToDate` over time (a new month shows as a new period)"),
      args: historyArgs,
      ...fromHistory,
      resolve: (counter, args, context) =>
        historyOf({ provider: counter.provider, series: periodSeries(counter.metric, counter.resourceId) }, args, context),
    }),
    forecast: t.field({
      type: QuotaForecastRef,
      nullable: true,
      description:
        "This counter's recent pace from the gateway's samples of `monthToDate`: a counter has no limit, so the status is `NO_LIMIT` with the burn rate and its band. Null when usage history is off or holds no sample of this counter yet. Costs no vendor call itself.",
      ...fromHistory,
      resolve: (counter, _args, context) => forecastOf({ provider: counter.provider, series: periodSeries(counter.metric, counter.resourceId) }, context),
    }),
  }),
});

export const AlertSeverityEnum = builder.enumType('AlertSeverity', {
  description: 'How urgent an alert is.',
  values: {
    INFO: { description: 'For information; nothing needs doing yet.' },
    WARNING: { description: 'Needs attention soon, e.g. a quota at 90 %.' },
    CRITICAL: { description: 'Needs action now: requests may be failing or refused, e.g. a quota fully used.' },
  } as const,
});
export const AlertSourceEnum = builder.enumType('AlertSource', {
  description: 'Who raised an alert.',
  values: {
    VENDOR: { description: 'Raised by the vendor.' },
    GATEWAY: { description: "Derived by the gateway's rules (e.g. a quota at 90 %)." },
  } as const,
});

const ALERT_TYPE_DESCRIPTIONS: Record<UsageAlertType, string> = {
  QUOTA_EXHAUSTED: 'A quota is fully used (the gateway raises it at 100 %).',
  QUOTA_NEARLY_EXHAUSTED: 'A quota is at 90 % or more of its limit (raised by the gateway).',
  HIGH_ERROR_RATE: 'The share of failing requests is high (Anylayer: 5 % or more).',
  ELEVATED_ERROR_RATE: 'The share of failing requests is rising (Anylayer: 1 % or more).',
  RATE_LIMIT_APPROACHING: 'Little of the rate limit is left in the current window.',
  HIGH_LATENCY: 'Requests are slow (the vendor measures p95 latency).',
  USAGE_FORECAST: "The vendor's forecast of usage against the plan's limits.",
  OTHER: "A kind of alert the gateway does not name yet; `vendorType` has the vendor's own name.",
};

const UsageAlertTypeEnum = builder.enumType('UsageAlertType', {
  description: 'What an alert is about, in the unified vocabulary.',
  values: Object.fromEntries(USAGE_ALERT_TYPES.map((type) => [type, { description: ALERT_TYPE_DESCRIPTIONS[type] }])) as Record<
    UsageAlertType,
    { description: string }
  >,
});

export const UsageAlertRef = builder.objectRef<UsageAlert>('UsageAlert').implement({
  description: 'A warning about usage: raised by the vendor (Anylayer) or derived by the gateway from quotas.',
  fields: (t) => ({
    type: t.field({ type: UsageAlertTypeEnum, description: 'What the alert is about.', resolve: (alert) => alert.type }),
    vendorType: t.exposeString('vendorType', {
      nullable: true,
      description: "The vendor's own name for the kind of alert, e.g. `high_error_rate`; null for the gateway's alerts.",
    }),
    severity: t.field({ type: AlertSeverityEnum, description: 'How urgent the alert is.', resolve: (alert) => alert.severity }),
    message: t.exposeString('message', { description: 'What happened, in words for people: the vendor\'s text, or the gateway\'s for its own alerts.' }),
    recommendation: t.exposeString('recommendation', { nullable: true, description: 'What to do about it; null when nobody says.' }),
    source: t.field({ type: AlertSourceEnum, description: 'Whether the vendor or the gateway raised it.', resolve: (alert) => alert.source }),
  }),
});

export const UsageTotalsRef = builder.objectRef<UsageTotals>('UsageTotals').implement({
  description: 'Vendor-wide totals over a window.',
  fields: (t) => ({
    requests: t.expose('requests', { type: 'SafeInt', description: 'All requests within `window` (Arrays: calls).' }),
    successfulRequests: t.expose('successfulRequests', {
      type: 'SafeInt',
      nullable: true,
      description: 'Requests that succeeded (Anylayer only); null when the vendor does not report it.',
    }),
    failedRequests: t.expose('failedRequests', {
      type: 'SafeInt',
      nullable: true,
      description: 'Requests that failed (Anylayer only); null when the vendor does not report it.',
    }),
    avgLatencyMs: t.exposeFloat('avgLatencyMs', {
      nullable: true,
      description: 'Average response time, ms (Anylayer only); null otherwise or when `includeLatency` is false.',
    }),
    p95LatencyMs: t.exposeFloat('p95LatencyMs', {
      nullable: true,
      description: '95th-percentile response time, ms (Anylayer only); null otherwise or when `includeLatency` is false.',
    }),
    window: t.expose('window', { type: UsageWindowRef, description: 'The span these totals cover.' }),
  }),
});

export const UsageSnapshotRef = builder.objectRef<UsageSnapshot>('UsageSnapshot').implement({
  description: "The vendor's usage recording event. Its times say when it was recorded, not which period it covers.",
  fields: (t) => ({
    id: t.exposeID('id', { description: "The vendor's id of the recording (Faraday's usage id)." }),
    recordingStartedAt: t.expose('recordingStartedAt', { type: 'DateTime', description: 'When the vendor started recording these counts.' }),
    recordingFinishedAt: t.expose('recordingFinishedAt', { type: 'DateTime', description: 'When the vendor finished recording these counts.' }),
  }),
});
