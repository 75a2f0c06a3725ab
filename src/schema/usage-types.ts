import { utilization } from '../usage/alerts.js';
import {
  USAGE_ALERT_TYPES,
  type EndpointUsage,
  type MetricPeriods,
  type Plan,
  type Quota,
  type RateLimit,
  type UsageAlert,
  type UsageAlertType,
  type UsageSnapshot,
  type UsageTotals,
  type UsageWindow,
} from '../usage/model.js';
import { builder } from './builder.js';

/** The unified usage vocabulary shared by every vendor's account and by `apiKeyUsage`. */

export const UsageWindowKindEnum = builder.enumType('UsageWindowKind', {
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
    kind: t.field({ type: UsageWindowKindEnum, resolve: (window) => window.kind }),
    label: t.exposeString('label', { description: "The vendor's label, e.g. `7d` or a cursor range." }),
    start: t.expose('start', { type: 'DateTime', nullable: true }),
    end: t.expose('end', { type: 'DateTime', nullable: true }),
  }),
});

export const PlanRef = builder.objectRef<Plan>('Plan').implement({
  description: "The vendor's plan as it advertises it. May disagree with the effective `rateLimit` and `quotas`.",
  fields: (t) => ({
    tier: t.exposeString('tier', { nullable: true }),
    requestsPerMinute: t.expose('requestsPerMinute', { type: 'SafeInt', nullable: true }),
    monthlyLimit: t.expose('monthlyLimit', { type: 'SafeInt', nullable: true }),
  }),
});

export const RateLimitRef = builder.objectRef<RateLimit>('RateLimit').implement({
  description: 'The effective request rate limit.',
  fields: (t) => ({
    tier: t.exposeString('tier', { nullable: true }),
    requestsPerMinute: t.expose('requestsPerMinute', { type: 'SafeInt', nullable: true }),
    remaining: t.expose('remaining', { type: 'SafeInt', nullable: true }),
    resetsAt: t.expose('resetsAt', { type: 'DateTime', nullable: true }),
  }),
});

export const QuotaRef = builder.objectRef<Quota>('Quota').implement({
  description: 'A named allowance and how much of it is used.',
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    used: t.expose('used', { type: 'SafeInt' }),
    limit: t.expose('limit', { type: 'SafeInt', nullable: true }),
    remaining: t.expose('remaining', { type: 'SafeInt', nullable: true }),
    utilization: t.float({
      nullable: true,
      description: 'used / limit (1.0 = fully used; above 1 when over). Null without a positive limit.',
      resolve: (quota) => utilization(quota),
    }),
    resetsAt: t.expose('resetsAt', { type: 'DateTime', nullable: true }),
  }),
});

export const EndpointUsageRef = builder.objectRef<EndpointUsage>('EndpointUsage').implement({
  description: 'Requests to one vendor endpoint within a window.',
  fields: (t) => ({
    path: t.exposeString('path'),
    method: t.exposeString('method', { nullable: true }),
    requests: t.expose('requests', { type: 'SafeInt' }),
    errors: t.expose('errors', { type: 'SafeInt', nullable: true }),
    errorRate: t.float({
      nullable: true,
      description: 'errors / requests; null when the vendor does not report errors or there were no requests.',
      resolve: (endpoint) => (endpoint.errors === null || endpoint.requests === 0 ? null : endpoint.errors / endpoint.requests),
    }),
    avgLatencyMs: t.exposeFloat('avgLatencyMs', { nullable: true }),
    window: t.expose('window', { type: UsageWindowRef }),
  }),
});

export const MetricPeriodsRef = builder.objectRef<MetricPeriods>('MetricPeriods').implement({
  description: 'One counter over the vendor-defined periods. Null where the vendor does not report that period.',
  fields: (t) => ({
    metric: t.exposeString('metric', { description: '`<group>.<metric>`, e.g. `lookup_api_requests.successful`.' }),
    group: t.exposeString('group'),
    resourceId: t.exposeID('resourceId', { nullable: true }),
    resourceType: t.exposeString('resourceType', { nullable: true }),
    monthToDate: t.expose('monthToDate', { type: 'SafeInt', nullable: true }),
    lastMonth: t.expose('lastMonth', { type: 'SafeInt', nullable: true }),
    last12Months: t.expose('last12Months', { type: 'SafeInt', nullable: true }),
    termPeriodToLastMonth: t.expose('termPeriodToLastMonth', { type: 'SafeInt', nullable: true }),
  }),
});

export const AlertSeverityEnum = builder.enumType('AlertSeverity', { values: ['INFO', 'WARNING', 'CRITICAL'] as const });
export const AlertSourceEnum = builder.enumType('AlertSource', {
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
  fields: (t) => ({
    type: t.field({ type: UsageAlertTypeEnum, resolve: (alert) => alert.type }),
    vendorType: t.exposeString('vendorType', {
      nullable: true,
      description: "The vendor's own name for the kind of alert, e.g. `high_error_rate`; null for the gateway's alerts.",
    }),
    severity: t.field({ type: AlertSeverityEnum, resolve: (alert) => alert.severity }),
    message: t.exposeString('message'),
    recommendation: t.exposeString('recommendation', { nullable: true }),
    source: t.field({ type: AlertSourceEnum, resolve: (alert) => alert.source }),
  }),
});

export const UsageTotalsRef = builder.objectRef<UsageTotals>('UsageTotals').implement({
  description: 'Vendor-wide totals over a window.',
  fields: (t) => ({
    requests: t.expose('requests', { type: 'SafeInt' }),
    successfulRequests: t.expose('successfulRequests', { type: 'SafeInt', nullable: true }),
    failedRequests: t.expose('failedRequests', { type: 'SafeInt', nullable: true }),
    avgLatencyMs: t.exposeFloat('avgLatencyMs', { nullable: true }),
    p95LatencyMs: t.exposeFloat('p95LatencyMs', { nullable: true }),
    window: t.expose('window', { type: UsageWindowRef }),
  }),
});

export const UsageSnapshotRef = builder.objectRef<UsageSnapshot>('UsageSnapshot').implement({
  description: "The vendor's usage recording event. Its times say when it was recorded, not which period it covers.",
  fields: (t) => ({
    id: t.exposeID('id'),
    recordingStartedAt: t.expose('recordingStartedAt', { type: 'DateTime' }),
    recordingFinishedAt: t.expose('recordingFinishedAt', { type: 'DateTime' }),
  }),
});
