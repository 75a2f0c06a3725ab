import { GraphQLError } from 'graphql';
import {
  ANYLAYER_MAX_LIMIT,
  DEFAULT_API_KEY_USAGE_QUERY,
  type ApiKeyUsage,
  type ApiKeyUsageQuery,
  type CountByKey,
  type ErrorStats,
  type Fresh,
  type OffsetPagination,
  type TimeSeriesPoint,
} from '../usage/model.js';
import { anylayerVendor, apiKeyUsageCall } from '../providers/anylayer/index.js';
import { builder } from './builder.js';
import { requireScopes } from './access.js';
import { cacheMark } from '../edge/field-marks/cache-marks.js';
import { vendorCalls } from '../edge/field-marks/vendor-call-pricing.js';
import { valueField, VendorAnswerRef } from './freshness.js';
import { EndpointUsageRef, RateLimitRef, UsageAlertRef, UsageTotalsRef } from './usage-types.js';

const TimeframeEnum = builder.enumType('ApiKeyUsageTimeframe', {
  description: "How far back Anylayer's figures reach, counted back from its response time.",
  values: {
    LAST_HOUR: { value: '1h', description: 'The last hour (Anylayer `1h`).' },
    LAST_24_HOURS: { value: '24h', description: 'The last 24 hours (Anylayer `24h`, its default).' },
    LAST_7_DAYS: { value: '7d', description: 'The last 7 days (Anylayer `7d`).' },
    LAST_30_DAYS: { value: '30d', description: 'The last 30 days (Anylayer `30d`).' },
    LAST_90_DAYS: { value: '90d', description: 'The last 90 days (Anylayer `90d`).' },
    LAST_YEAR: { value: '1y', description: 'The last 365 days (Anylayer `1y`).' },
    ALL_TIME: { value: 'all', description: 'Everything Anylayer has recorded (Anylayer `all`).' },
  } as const,
});

const GranularityEnum = builder.enumType('ApiKeyUsageGranularity', {
  description: 'How long each `timeSeries` point is.',
  values: {
    MINUTE: { value: 'minute', description: 'One point per minute.' },
    HOUR: { value: 'hour', description: "One point per hour (Anylayer's default)." },
    DAY: { value: 'day', description: 'One point per day.' },
    WEEK: { value: 'week', description: 'One point per week.' },
    MONTH: { value: 'month', description: 'One point per month.' },
  } as const,
});

const SortByEnum = builder.enumType('ApiKeyUsageSortBy', {
  description: 'What Anylayer sorts its results by.',
  values: {
    REQUESTS: { value: 'requests', description: "By request count (Anylayer's default)." },
    ERRORS: { value: 'errors', description: 'By error count.' },
    LATENCY: { value: 'latency', description: 'By average latency.' },
    TIMESTAMP: { value: 'timestamp', description: 'By time.' },
  } as const,
});

const SortOrderEnum = builder.enumType('SortOrder', {
  description: 'Direction of a sort.',
  values: {
    ASC: { value: 'asc', description: 'Smallest or earliest first.' },
    DESC: { value: 'desc', description: 'Largest or latest first (the default).' },
  } as const,
});

const defaults = DEFAULT_API_KEY_USAGE_QUERY;

const ApiKeyUsageInput = builder.inputType('ApiKeyUsageInput', {
  description: "Anylayer's Get Usage parameters. Omitted fields take the vendor's defaults.",
  fields: (t) => ({
    keyId: t.string({ description: 'One API key; omitted: all keys.' }),
    timeframe: t.field({ type: TimeframeEnum, defaultValue: defaults.timeframe, description: 'How far back the figures reach.' }),
    granularity: t.field({ type: GranularityEnum, defaultValue: defaults.granularity, description: 'How long each `timeSeries` point is.' }),
    includeBreakdown: t.boolean({ defaultValue: defaults.includeBreakdown, description: 'Whether to return `endpoints`; false makes it null.' }),
    includeErrors: t.boolean({ defaultValue: defaults.includeErrors, description: 'Whether to return `errors`; false makes it null.' }),
    includeLatency: t.boolean({
      defaultValue: defaults.includeLatency,
      description: 'Whether to return latencies; false makes every `avgLatencyMs` and `p95LatencyMs` null.',
    }),
    sortBy: t.field({ type: SortByEnum, defaultValue: defaults.sortBy, description: 'What the results are sorted by.' }),
    order: t.field({ type: SortOrderEnum, defaultValue: defaults.order, description: 'Direction of the sort.' }),
    limit: t.int({ defaultValue: defaults.limit, description: `1 to ${ANYLAYER_MAX_LIMIT}.` }),
    offset: t.int({ defaultValue: defaults.offset, description: '0 or more.' }),
  }),
});

const TimeSeriesPointRef = builder.objectRef<TimeSeriesPoint>('TimeSeriesPoint').implement({
  description: "One point of Anylayer's time series: one `granularity`-long bucket.",
  fields: (t) => ({
    timestamp: t.expose('timestamp', { type: 'DateTime', description: "The bucket's time, as Anylayer stamps it." }),
    requests: t.expose('requests', { type: 'SafeInt', description: 'Requests in the bucket.' }),
    errors: t.expose('errors', { type: 'SafeInt', description: 'Failed requests in the bucket.' }),
    avgLatencyMs: t.exposeFloat('avgLatencyMs', {
      nullable: true,
      description: 'Average response time in the bucket, ms; null when `includeLatency` is false or the vendor omits it.',
    }),
  }),
});

const CountByKeyRef = builder.objectRef<CountByKey>('CountByKey').implement({
  description: 'A count under a key, e.g. errors with one HTTP status.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'What is counted, e.g. `429` or an error type.' }),
    count: t.expose('count', { type: 'SafeInt', description: 'How many.' }),
  }),
});

const ErrorStatsRef = builder.objectRef<ErrorStats>('ErrorStatistics').implement({
  description: "Anylayer's failed requests over the timeframe, in total and broken down.",
  fields: (t) => ({
    total: t.expose('total', { type: 'SafeInt', description: 'Failed requests over the timeframe.' }),
    rate: t.exposeFloat('rate', { description: 'Share of requests that failed, 0 to 1.' }),
    byStatus: t.expose('byStatus', { type: [CountByKeyRef], description: 'Keyed by HTTP status, e.g. `429`.' }),
    byType: t.expose('byType', { type: [CountByKeyRef], description: 'Keyed by error type as Anylayer names it, e.g. `rate_limit_exceeded`.' }),
  }),
});

const OffsetPaginationRef = builder.objectRef<OffsetPagination>('OffsetPagination').implement({
  description: 'Where this page of results sits, as Anylayer pages them by `limit` and `offset`.',
  fields: (t) => ({
    limit: t.exposeInt('limit', { description: 'Most results on this page, as asked for.' }),
    offset: t.exposeInt('offset', { description: 'Results skipped before this page.' }),
    total: t.expose('total', { type: 'SafeInt', description: 'Results over all pages.' }),
    hasMore: t.exposeBoolean('hasMore', { description: 'True when more results follow this page: ask again with a larger `offset`.' }),
  }),
});

const usage = valueField<ApiKeyUsage>();

const ApiKeyUsageRef = builder.objectRef<Fresh<ApiKeyUsage>>('ApiKeyUsage').implement({
  description: 'Anylayer API-key analytics.',
  interfaces: [VendorAnswerRef],
  fields: (t) => ({
    keyId: t.string({ nullable: true, description: 'The API key these figures cover; null for all keys.', resolve: ({ value }) => value.query.keyId }),
    totals: t.field({ type: UsageTotalsRef, description: 'Requests, failures and latencies over the timeframe.', resolve: usage('totals') }),
    timeSeries: t.field({
      type: [TimeSeriesPointRef],
      description: 'Requests over time, one point per `granularity`, paged by `limit` and `offset`.',
      resolve: usage('timeSeries'),
    }),
    endpoints: t.field({
      type: [EndpointUsageRef],
      nullable: true,
      description: 'Null when `includeBreakdown` is false.',
      resolve: usage('endpoints'),
    }),
    errors: t.field({ type: ErrorStatsRef, nullable: true, description: 'Null when `includeErrors` is false.', resolve: usage('errors') }),
    rateLimit: t.field({
      type: RateLimitRef,
      nullable: true,
      description: "Anylayer's rate limit for the key's tier: requests per minute, requests left and when the window resets.",
      resolve: usage('rateLimit'),
    }),
    alerts: t.field({ type: [UsageAlertRef], description: "Anylayer's alerts and recommendations; empty when it raises none.", resolve: usage('alerts') }),
    pagination: t.field({ type: OffsetPaginationRef, description: 'Where this page of results sits.', resolve: usage('pagination') }),
    respondedAt: t.field({ type: 'DateTime', description: "The vendor's response timestamp.", resolve: usage('respondedAt') }),
    upstreamRequestId: t.string({ nullable: true, description: "The vendor's request id; null, as Anylayer documents none.", resolve: usage('upstreamRequestId') }),
  }),
});

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', provider: 'ANYLAYER' } });
}

type ApiKeyUsageArgument = Partial<{ [Field in keyof ApiKeyUsageQuery]: ApiKeyUsageQuery[Field] | null }> | null | undefined;

/** The vendor query an `input` asks for: every omitted field the vendor's default. */
function queryOf(input: ApiKeyUsageArgument): ApiKeyUsageQuery {
  return {
    keyId: input?.keyId ?? defaults.keyId,
    timeframe: input?.timeframe ?? defaults.timeframe,
    granularity: input?.granularity ?? defaults.granularity,
    includeBreakdown: input?.includeBreakdown ?? defaults.includeBreakdown,
    includeErrors: input?.includeErrors ?? defaults.includeErrors,
    includeLatency: input?.includeLatency ?? defaults.includeLatency,
    sortBy: input?.sortBy ?? defaults.sortBy,
    order: input?.order ?? defaults.order,
    limit: input?.limit ?? defaults.limit,
    offset: input?.offset ?? defaults.offset,
  };
}

/** What is wrong with `query` for the vendor, or null. */
function problemOf(query: ApiKeyUsageQuery): GraphQLError | null {
  if (query.limit < 1 || query.limit > ANYLAYER_MAX_LIMIT) {
    return badInput(`input.limit must be between 1 and ${ANYLAYER_MAX_LIMIT}; got ${query.limit}`);
  }
  if (query.offset < 0) return badInput(`input.offset must be 0 or more; got ${query.offset}`);
  if (query.keyId !== null && !/^[\w.-]{1,128}$/.test(query.keyId)) {
    return badInput('input.keyId must be 1 to 128 letters, digits, dots, dashes or underscores');
  }
  return null;
}

builder.queryFields((t) => ({
  apiKeyUsage: t.field({
    type: ApiKeyUsageRef,
    nullable: true,
    description: 'Anylayer API-key analytics: time series, endpoint breakdown, errors, rate limit, alerts.',
    args: { input: t.arg({ type: ApiKeyUsageInput, description: 'What to ask Anylayer for; omitted: its defaults.' }) },
    ...requireScopes('usage:read'),
    cost: 1,
    extensions: {
      ...cacheMark('cacheable-root'),
      ...vendorCalls(({ input }, context) => {
        const query = queryOf(input as ApiKeyUsageArgument);
        return context.registry.get(anylayerVendor.id) === undefined || problemOf(query) !== null ? [] : [apiKeyUsageCall(query)];
      }),
    },
    resolve: (_root, { input }, context) => {
      const query = queryOf(input);
      // Checked here so that a bad argument never costs one of the vendor's rate-limited calls.
      const problem = problemOf(query);
      if (problem !== null) throw problem;
      return context.loaders.of(anylayerVendor).apiKeyUsage.load(query);
    },
  }),
}));
