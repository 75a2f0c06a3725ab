/**
 * The unified usage model: the one vocabulary every vendor adapter maps into and the schema reads.
 * Plain data only. Counters are JavaScript numbers that adapters have checked to be safe integers
 * (|n| <= 2^53 - 1), so they survive the trip to the client exactly. Ids stay strings.
 */

/**
 * A vendor's id as its module declares it (`SHARPE`): the `ProviderId` enum value in the schema.
 * The set of vendors is the vendor table's, not the model's.
 */
export type ProviderId = string;

export interface Plan {
  /** Vendor's tier name as the vendor spells it (`free`, `pro`, …). */
  tier: string | null;
  /** Requests per minute the plan advertises; may disagree with the effective rate limit. */
  requestsPerMinute: number | null;
  /** Monthly request allowance the plan advertises; may disagree with the effective quota. */
  monthlyLimit: number | null;
}

export interface RateLimit {
  tier: string | null;
  requestsPerMinute: number | null;
  remaining: number | null;
  resetsAt: Date | null;
}

export interface Quota {
  /** Stable machine name, e.g. `monthly_requests` or Faraday's `cohort.max_count`. */
  name: string;
  description: string | null;
  used: number;
  limit: number | null;
  /** As reported by the vendor; derived from limit - used only when the vendor does not say. */
  remaining: number | null;
  resetsAt: Date | null;
}

/** What span of time or of a stream a breakdown covers. */
export type UsageWindowKind = 'LAST_24_HOURS' | 'TIMEFRAME' | 'STREAM_WINDOW' | 'ALL_TIME';

export interface UsageWindow {
  kind: UsageWindowKind;
  /** Vendor label of the window, e.g. Anylayer's `7d` or an Arrays cursor range. */
  label: string;
  start: Date | null;
  end: Date | null;
}

export interface EndpointUsage {
  path: string;
  method: string | null;
  requests: number;
  errors: number | null;
  avgLatencyMs: number | null;
  window: UsageWindow;
}

export interface PeriodCounts {
  monthToDate: number | null;
  lastMonth: number | null;
  last12Months: number | null;
  termPeriodToLastMonth: number | null;
}

export interface MetricPeriods extends PeriodCounts {
  /** `<group>.<metric>`, e.g. `lookup_api_requests.successful`. */
  metric: string;
  group: string;
  /** Set for per-resource breakdowns (Faraday predictive-data resources). */
  resourceId: string | null;
  resourceType: string | null;
}

export type AlertSeverity = 'INFO' | 'WARNING' | 'CRITICAL';

/**
 * The kinds of alert in the unified vocabulary: the gateway's own (quotas) and every kind a vendor
 * module knows how to name; a vendor's kind no module knows is `OTHER`, its own name kept beside it.
 */
export const USAGE_ALERT_TYPES = [
  'QUOTA_EXHAUSTED',
  'QUOTA_NEARLY_EXHAUSTED',
  'HIGH_ERROR_RATE',
  'ELEVATED_ERROR_RATE',
  'RATE_LIMIT_APPROACHING',
  'HIGH_LATENCY',
  'USAGE_FORECAST',
  'OTHER',
] as const;

export type UsageAlertType = (typeof USAGE_ALERT_TYPES)[number];

export interface UsageAlert {
  type: UsageAlertType;
  /** The vendor's own name for the kind, e.g. `high_error_rate`; null for the gateway's alerts. */
  vendorType: string | null;
  severity: AlertSeverity;
  message: string;
  recommendation: string | null;
  /** `VENDOR` when the vendor raised it, `GATEWAY` when our rules derived it. */
  source: 'VENDOR' | 'GATEWAY';
}

/** Vendor-wide totals over `window`, when the vendor reports them. */
export interface UsageTotals {
  requests: number;
  successfulRequests: number | null;
  failedRequests: number | null;
  avgLatencyMs: number | null;
  p95LatencyMs: number | null;
  window: UsageWindow;
}

export interface AccountUsage {
  provider: ProviderId;
  plan: Plan | null;
  rateLimit: RateLimit | null;
  quotas: Quota[];
  endpoints: EndpointUsage[];
  periods: MetricPeriods[];
  alerts: UsageAlert[];
  totals: UsageTotals | null;
  /** When the vendor produced this answer (Sharpe's meta.timestamp, Faraday's finished_at). */
  recordedAt: Date | null;
  /** Faraday's usage event: its id and when the recording ran. Not a usage period boundary. */
  snapshot: UsageSnapshot | null;
  /** How long the vendor says it took to answer (Sharpe's meta.elapsed_ms). */
  upstreamElapsedMs: number | null;
  upstreamRequestId: string | null;
}

/**
 * A vendor value as the gateway hands it on, with how fresh it is. Freshness wraps the value
 * rather than living in it: one cached answer is one value object, shared by every request
 * while it is cached, fresh or served stale.
 */
export interface Fresh<T> {
  value: T;
  /** When the gateway received the vendor's answer (earlier than now when served from cache). */
  fetchedAt: Date;
  /** Set when the vendor just failed and its last good answer was served from cache: that failure. */
  staleReason: Error | null;
}

export interface UsageSnapshot {
  id: string;
  recordingStartedAt: Date;
  recordingFinishedAt: Date;
}

/** One Arrays partner user's usage within one stream window. `sub` is an opaque string id. */
export interface PartnerUsageCounts {
  calls: number;
  discoveries: number;
  tweets: number;
}

export interface PartnerEndpointUsage extends PartnerUsageCounts {
  endpoint: string;
}

export interface PartnerUsage extends PartnerUsageCounts {
  sub: string;
  byEndpoint: PartnerEndpointUsage[];
}

export interface PartnerUsagePage {
  entries: PartnerUsage[];
  /** Cursor of the last stream entry this page processed; the next `from_id`. */
  nextCursor: string;
  hasMore: boolean;
  fromCursor: string;
  upstreamRequestId: string | null;
}

export const ANYLAYER_TIMEFRAMES = ['1h', '24h', '7d', '30d', '90d', '1y', 'all'] as const;
export const ANYLAYER_GRANULARITIES = ['minute', 'hour', 'day', 'week', 'month'] as const;
export const ANYLAYER_SORT_FIELDS = ['requests', 'errors', 'latency', 'timestamp'] as const;
export const ANYLAYER_MAX_LIMIT = 1000;

/** Anylayer analytics arguments, already validated and with the vendor's defaults filled in. */
export interface ApiKeyUsageQuery {
  keyId: string | null;
  timeframe: (typeof ANYLAYER_TIMEFRAMES)[number];
  granularity: (typeof ANYLAYER_GRANULARITIES)[number];
  includeBreakdown: boolean;
  includeErrors: boolean;
  includeLatency: boolean;
  sortBy: (typeof ANYLAYER_SORT_FIELDS)[number];
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export const DEFAULT_API_KEY_USAGE_QUERY: ApiKeyUsageQuery = {
  keyId: null,
  timeframe: '24h',
  granularity: 'hour',
  includeBreakdown: true,
  includeErrors: true,
  includeLatency: true,
  sortBy: 'requests',
  order: 'desc',
  limit: 100,
  offset: 0,
};

export interface TimeSeriesPoint {
  timestamp: Date;
  requests: number;
  errors: number;
  avgLatencyMs: number | null;
}

export interface CountByKey {
  key: string;
  count: number;
}

export interface ErrorStats {
  total: number;
  /** Share of requests that failed, 0..1. */
  rate: number;
  byStatus: CountByKey[];
  byType: CountByKey[];
}

export interface OffsetPagination {
  limit: number;
  offset: number;
  total: number;
  hasMore: boolean;
}

export interface ApiKeyUsage {
  query: ApiKeyUsageQuery;
  totals: UsageTotals;
  timeSeries: TimeSeriesPoint[];
  /** Null when `includeBreakdown` was false (the vendor omits the part; it is not empty). */
  endpoints: EndpointUsage[] | null;
  /** Null when `includeErrors` was false. */
  errors: ErrorStats | null;
  rateLimit: RateLimit | null;
  alerts: UsageAlert[];
  pagination: OffsetPagination;
  /** The vendor's response timestamp. */
  respondedAt: Date;
  upstreamRequestId: string | null;
}
