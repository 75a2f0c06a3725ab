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
import { cacheMark } from './cache-marks.js';
import { vendorCalls } from './vendor-call-pricing.js';
import { valueField, VendorAnswerRef } from './freshness.js';
import { EndpointUsageRef, RateLimitRef, UsageAlertRef, UsageTotalsRef } from './usage-types.js';

const TimeframeEnum = builder.enumType('ApiKeyUsageTimeframe', {
  values: {
    LAST_HOUR: { value: '1h' },
    LAST_24_HOURS: { value: '24h' },
    LAST_7_DAYS: { value: '7d' },
    LAST_30_DAYS: { value: '30d' },
    LAST_90_DAYS: { value: '90d' },
    LAST_YEAR: { value: '1y' },
    ALL_TIME: { value: 'all' },
  } as const,
});

const GranularityEnum = builder.enumType('ApiKeyUsageGranularity', {
  values: {
    MINUTE: { value: 'minute' },
    HOUR: { value: 'hour' },
    DAY: { value: 'day' },
    WEEK: { value: 'week' },
    MONTH: { value: 'month' },
  } as const,
});

const SortByEnum = builder.enumType('ApiKeyUsageSortBy', {
  values: {
    REQUESTS: { value: 'requests' },
    ERRORS: { value: 'errors' },
    LATENCY: { value: 'latency' },
    TIMESTAMP: { value: 'timestamp' },
  } as const,
});

const SortOrderEnum = builder.enumType('SortOrder', {
  values: { ASC: { value: 'asc' }, DESC: { value: 'desc' } } as const,
});

const defaults = DEFAULT_API_KEY_USAGE_QUERY;

const ApiKeyUsageInput = builder.inputType('ApiKeyUsageInput', {
  description: "Anylayer's Get Usage parameters. Omitted fields take the vendor's defaults.",
  fields: (t) => ({
    keyId: t.string({ description: 'One API key; omitted: all keys.' }),
    timeframe: t.field({ type: TimeframeEnum, defaultValue: defaults.timeframe }),
    granularity: t.field({ type: GranularityEnum, defaultValue: defaults.granularity }),
    includeBreakdown: t.boolean({ defaultValue: defaults.includeBreakdown }),
    includeErrors: t.boolean({ defaultValue: defaults.includeErrors }),
    includeLatency: t.boolean({ defaultValue: defaults.includeLatency }),
    sortBy: t.field({ type: SortByEnum, defaultValue: defaults.sortBy }),
    order: t.field({ type: SortOrderEnum, defaultValue: defaults.order }),
    limit: t.int({ defaultValue: defaults.limit, description: `1 to ${ANYLAYER_MAX_LIMIT}.` }),
    offset: t.int({ defaultValue: defaults.offset, description: '0 or more.' }),
  }),
});

const TimeSeriesPointRef = builder.objectRef<TimeSeriesPoint>('TimeSeriesPoint').implement({
  fields: (t) => ({
    timestamp: t.expose('timestamp', { type: 'DateTime' }),
    requests: t.expose('requests', { type: 'SafeInt' }),
    errors: t.expose('errors', { type: 'SafeInt' }),
    avgLatencyMs: t.exposeFloat('avgLatencyMs', { nullable: true }),
  }),
});

const CountByKeyRef = builder.objectRef<CountByKey>('CountByKey').implement({
  fields: (t) => ({ key: t.exposeString('key'), count: t.expose('count', { type: 'SafeInt' }) }),
});

const ErrorStatsRef = builder.objectRef<ErrorStats>('ErrorStatistics').implement({
  fields: (t) => ({
    total: t.expose('total', { type: 'SafeInt' }),
    rate: t.exposeFloat('rate', { description: 'Share of requests that failed, 0 to 1.' }),
    byStatus: t.expose('byStatus', { type: [CountByKeyRef], description: 'Keyed by HTTP status, e.g. `429`.' }),
    byType: t.expose('byType', { type: [CountByKeyRef] }),
  }),
});

const OffsetPaginationRef = builder.objectRef<OffsetPagination>('OffsetPagination').implement({
  fields: (t) => ({
    limit: t.exposeInt('limit'),
    offset: t.exposeInt('offset'),
    total: t.expose('total', { type: 'SafeInt' }),
    hasMore: t.exposeBoolean('hasMore'),
  }),
});

const usage = valueField<ApiKeyUsage>();

const ApiKeyUsageRef = builder.objectRef<Fresh<ApiKeyUsage>>('ApiKeyUsage').implement({
  description: 'Anylayer API-key analytics.',
  interfaces: [VendorAnswerRef],
  fields: (t) => ({
    keyId: t.string({ nullable: true, resolve: ({ value }) => value.query.keyId }),
    totals: t.field({ type: UsageTotalsRef, resolve: usage('totals') }),
    timeSeries: t.field({ type: [TimeSeriesPointRef], resolve: usage('timeSeries') }),
    endpoints: t.field({
      type: [EndpointUsageRef],
      nullable: true,
      description: 'Null when `includeBreakdown` is false.',
      resolve: usage('endpoints'),
    }),
    errors: t.field({ type: ErrorStatsRef, nullable: true, description: 'Null when `includeErrors` is false.', resolve: usage('errors') }),
    rateLimit: t.field({ type: RateLimitRef, nullable: true, resolve: usage('rateLimit') }),
    alerts: t.field({ type: [UsageAlertRef], resolve: usage('alerts') }),
    pagination: t.field({ type: OffsetPaginationRef, resolve: usage('pagination') }),
    respondedAt: t.field({ type: 'DateTime', description: "The vendor's response timestamp.", resolve: usage('respondedAt') }),
    upstreamRequestId: t.string({ nullable: true, resolve: usage('upstreamRequestId') }),
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
    args: { input: t.arg({ type: ApiKeyUsageInput }) },
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
