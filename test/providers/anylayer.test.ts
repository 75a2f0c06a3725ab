import { beforeEach, describe, expect, it } from 'vitest';
import { AnylayerClient } from '../../src/providers/anylayer/client.js';
import {
  UpstreamAuthFailedError,
  UpstreamBadRequestError,
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamNotFoundError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../../src/upstream/errors.js';
import { DEFAULT_API_KEY_USAGE_QUERY, type ApiKeyUsageQuery } from '../../src/usage/model.js';
import { echoPage } from '../../src/simulators/faults.js';
import { ECHO_OFFSETS, expectNoSecret, upstreamFailure } from '../support/upstream-failure.js';
import { useVendorTestBed } from '../support/vendor-test-bed.js';

const ORIGIN = 'https://anylayer.test';
const BASE_URL = `${ORIGIN}/api/`;
const PATH = '/api/v1/developer/usage';
const API_KEY = 'al_live_Zp3Kq8Wm2Xv7Ns4T';
const JSON_HEADERS = { 'content-type': 'application/json' };
const DEFAULT_PARAMS = {
  timeframe: '24h',
  granularity: 'hour',
  include_breakdown: 'true',
  include_errors: 'true',
  include_latency: 'true',
  sort_by: 'requests',
  order: 'desc',
  limit: '100',
  offset: '0',
};
const RESPONDED_AT = '2024-11-21T12:00:00.000Z';
const DAY_MS = 86_400_000;

const bed = useVendorTestBed(ORIGIN);
let client: AnylayerClient;

beforeEach(() => {
  client = new AnylayerClient({ baseUrl: BASE_URL, credential: API_KEY, http: bed.http });
});

/** An interceptor that only matches the documented request: path, exact query and bearer key. */
function usageRoute(query: Record<string, string> = DEFAULT_PARAMS) {
  return bed.vendor.intercept({ path: PATH, method: 'GET', query, headers: { authorization: `Bearer ${API_KEY}` } });
}

/** A full body as the contract describes it, every part switched on. */
function fullBody() {
  return {
    success: true,
    data: {
      usage: { total_requests: 1500, successful_requests: 1480, failed_requests: 20, avg_latency_ms: 120.5, p95_latency_ms: 310 },
      time_series: [
        { timestamp: '2024-11-21T10:00:00Z', requests: 700, errors: 12, avg_latency_ms: 118.2 },
        { timestamp: '2024-11-21T11:00:00+01:00', requests: 800, errors: 8, avg_latency_ms: 122.4 },
      ],
      endpoints: [
        { endpoint: '/v1/scores', method: 'GET', requests: 1000, errors: 15, avg_latency_ms: 100 },
        { endpoint: '/v1/wallets', method: 'POST', requests: 500, errors: 5, avg_latency_ms: 160.75 },
      ],
      errors: { total: 20, rate: 0.0133, by_status: { '500': 4, '429': 16 }, by_type: { timeout: 3, rate_limited: 16, internal: 1 } },
      rate_limit: { tier: 'starter', requests_per_minute: 300, remaining: 287, reset_at: '2024-11-21T12:01:00Z' },
      alerts: [
        { type: 'rate_limit_approaching', severity: 'warning', message: '80% of the rate limit used', recommendation: 'Upgrade to professional' },
        { type: 'errors', severity: 'critical', message: 'Error spike' },
        { type: 'info', severity: 'info', message: 'New region', recommendation: null },
      ],
    },
    pagination: { limit: 100, offset: 0, total: 2, has_more: false },
    timestamp: RESPONDED_AT,
  };
}

/** The body without the parts `include_* = false` switches off. */
function bareBody() {
  const body = fullBody();
  const { endpoints: _endpoints, errors: _errors, ...data } = body.data;
  return {
    ...body,
    data: {
      ...data,
      usage: { total_requests: 1500, successful_requests: 1480, failed_requests: 20 },
      time_series: [{ timestamp: '2024-11-21T10:00:00Z', requests: 700, errors: 12 }],
    },
  };
}

describe('AnylayerClient success', () => {
  it('maps every documented field', async () => {
    usageRoute().reply(200, fullBody(), { headers: JSON_HEADERS });
    const before = Date.now();

    const { value: usage, fetchedAt: usageFetchedAt } = await client.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY);

    const respondedAt = new Date(RESPONDED_AT);
    const window = { kind: 'TIMEFRAME', label: '24h', start: new Date(respondedAt.getTime() - DAY_MS), end: respondedAt };
    expect(usage).toEqual({
      query: DEFAULT_API_KEY_USAGE_QUERY,
      totals: { requests: 1500, successfulRequests: 1480, failedRequests: 20, avgLatencyMs: 120.5, p95LatencyMs: 310, window },
      timeSeries: [
        { timestamp: new Date('2024-11-21T10:00:00Z'), requests: 700, errors: 12, avgLatencyMs: 118.2 },
        { timestamp: new Date('2024-11-21T10:00:00Z'), requests: 800, errors: 8, avgLatencyMs: 122.4 },
      ],
      endpoints: [
        { path: '/v1/scores', method: 'GET', requests: 1000, errors: 15, avgLatencyMs: 100, window },
        { path: '/v1/wallets', method: 'POST', requests: 500, errors: 5, avgLatencyMs: 160.75, window },
      ],
      errors: {
        total: 20,
        rate: 0.0133,
        byStatus: [
          { key: '429', count: 16 },
          { key: '500', count: 4 },
        ],
        byType: [
          { key: 'internal', count: 1 },
          { key: 'rate_limited', count: 16 },
          { key: 'timeout', count: 3 },
        ],
      },
      rateLimit: { tier: 'starter', requestsPerMinute: 300, remaining: 287, resetsAt: new Date('2024-11-21T12:01:00Z') },
      alerts: [
        { type: 'RATE_LIMIT_APPROACHING', vendorType: 'rate_limit_approaching', severity: 'WARNING', message: '80% of the rate limit used', recommendation: 'Upgrade to professional', source: 'VENDOR' },
        { type: 'OTHER', vendorType: 'errors', severity: 'CRITICAL', message: 'Error spike', recommendation: null, source: 'VENDOR' },
        { type: 'OTHER', vendorType: 'info', severity: 'INFO', message: 'New region', recommendation: null, source: 'VENDOR' },
      ],
      pagination: { limit: 100, offset: 0, total: 2, hasMore: false },
      respondedAt,
      upstreamRequestId: null,
    });
    expect(usageFetchedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(usageFetchedAt.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('builds the account overview from the default query', async () => {
    usageRoute().reply(200, fullBody(), { headers: JSON_HEADERS });

    const { value: account, fetchedAt: accountFetchedAt } = await client.fetchAccount();
    expect(accountFetchedAt).toBeInstanceOf(Date);

    const respondedAt = new Date(RESPONDED_AT);
    const window = { kind: 'TIMEFRAME', label: '24h', start: new Date(respondedAt.getTime() - DAY_MS), end: respondedAt };
    expect(account).toEqual({
      provider: 'ANYLAYER',
      plan: { tier: 'starter', requestsPerMinute: 300, monthlyLimit: null },
      rateLimit: { tier: 'starter', requestsPerMinute: 300, remaining: 287, resetsAt: new Date('2024-11-21T12:01:00Z') },
      quotas: [],
      endpoints: [
        { path: '/v1/scores', method: 'GET', requests: 1000, errors: 15, avgLatencyMs: 100, window },
        { path: '/v1/wallets', method: 'POST', requests: 500, errors: 5, avgLatencyMs: 160.75, window },
      ],
      periods: [],
      alerts: [
        { type: 'RATE_LIMIT_APPROACHING', vendorType: 'rate_limit_approaching', severity: 'WARNING', message: '80% of the rate limit used', recommendation: 'Upgrade to professional', source: 'VENDOR' },
        { type: 'OTHER', vendorType: 'errors', severity: 'CRITICAL', message: 'Error spike', recommendation: null, source: 'VENDOR' },
        { type: 'OTHER', vendorType: 'info', severity: 'INFO', message: 'New region', recommendation: null, source: 'VENDOR' },
      ],
      totals: { requests: 1500, successfulRequests: 1480, failedRequests: 20, avgLatencyMs: 120.5, p95LatencyMs: 310, window },
      recordedAt: respondedAt,
      snapshot: null,
      upstreamElapsedMs: null,
      upstreamRequestId: null,
    });
  });

  it('sends every parameter explicitly, key_id only when set, and the bearer key', async () => {
    const custom: ApiKeyUsageQuery = {
      keyId: '18446744073709551557',
      timeframe: 'all',
      granularity: 'day',
      includeBreakdown: false,
      includeErrors: false,
      includeLatency: false,
      sortBy: 'latency',
      order: 'asc',
      limit: 1000,
      offset: 40,
    };
    const customParams = {
      key_id: '18446744073709551557',
      timeframe: 'all',
      granularity: 'day',
      include_breakdown: 'false',
      include_errors: 'false',
      include_latency: 'false',
      sort_by: 'latency',
      order: 'asc',
      limit: '1000',
      offset: '40',
    };
    // The interceptors match the query exactly (no parameter more or less); the call history
    // shows what went over the wire.
    usageRoute().reply(200, fullBody(), { headers: JSON_HEADERS });
    usageRoute(customParams).reply(200, bareBody(), { headers: JSON_HEADERS });

    await client.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY);
    await client.fetchApiKeyUsage(custom);

    const calls = bed.agent.getCallHistory()?.calls() ?? [];
    expect(calls.map((call) => [call.method, call.path, call.searchParams])).toEqual([
      ['GET', PATH, DEFAULT_PARAMS],
      ['GET', PATH, customParams],
    ]);
    for (const call of calls) {
      expect(call.headers).toMatchObject({ authorization: `Bearer ${API_KEY}` });
    }
  });

  it('maps parts switched off by include_* to null, not to empty', async () => {
    const query: ApiKeyUsageQuery = { ...DEFAULT_API_KEY_USAGE_QUERY, includeBreakdown: false, includeErrors: false, includeLatency: false };
    usageRoute({ ...DEFAULT_PARAMS, include_breakdown: 'false', include_errors: 'false', include_latency: 'false' }).reply(
      200,
      bareBody(),
      { headers: JSON_HEADERS },
    );

    const { value: usage } = await client.fetchApiKeyUsage(query);

    expect(usage.endpoints).toBeNull();
    expect(usage.errors).toBeNull();
    expect(usage.totals).toMatchObject({ requests: 1500, avgLatencyMs: null, p95LatencyMs: null });
    expect(usage.timeSeries).toEqual([{ timestamp: new Date('2024-11-21T10:00:00Z'), requests: 700, errors: 12, avgLatencyMs: null }]);
  });

  it('ignores parts it did not ask for even when the vendor sends them', async () => {
    const query: ApiKeyUsageQuery = { ...DEFAULT_API_KEY_USAGE_QUERY, includeBreakdown: false, includeErrors: false, includeLatency: false };
    usageRoute({ ...DEFAULT_PARAMS, include_breakdown: 'false', include_errors: 'false', include_latency: 'false' }).reply(
      200,
      fullBody(),
      { headers: JSON_HEADERS },
    );

    const { value: usage } = await client.fetchApiKeyUsage(query);

    expect(usage.endpoints).toBeNull();
    expect(usage.errors).toBeNull();
    expect(usage.totals.avgLatencyMs).toBeNull();
  });

  it('accepts a null average latency (no requests to average)', async () => {
    const body = fullBody();
    body.data.usage = { total_requests: 0, successful_requests: 0, failed_requests: 0, avg_latency_ms: null, p95_latency_ms: null } as never;
    usageRoute().reply(200, body, { headers: JSON_HEADERS });

    const { value: usage, fetchedAt: usageFetchedAt } = await client.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY);

    expect(usage.totals).toMatchObject({ requests: 0, avgLatencyMs: null, p95LatencyMs: null });
  });

  it.each([
    ['1h', 3_600_000],
    ['7d', 7 * DAY_MS],
    ['30d', 30 * DAY_MS],
    ['90d', 90 * DAY_MS],
    ['1y', 365 * DAY_MS],
  ] as const)('windows timeframe %s back from the response time', async (timeframe, span) => {
    usageRoute({ ...DEFAULT_PARAMS, timeframe }).reply(200, fullBody(), { headers: JSON_HEADERS });

    const { value: usage, fetchedAt: usageFetchedAt } = await client.fetchApiKeyUsage({ ...DEFAULT_API_KEY_USAGE_QUERY, timeframe });

    const end = new Date(RESPONDED_AT);
    expect(usage.totals.window).toEqual({ kind: 'TIMEFRAME', label: timeframe, start: new Date(end.getTime() - span), end });
    expect(usage.endpoints?.[0]?.window).toEqual(usage.totals.window);
  });

  it("maps timeframe 'all' to an all-time window without a start", async () => {
    usageRoute({ ...DEFAULT_PARAMS, timeframe: 'all' }).reply(200, fullBody(), { headers: JSON_HEADERS });

    const { value: usage } = await client.fetchApiKeyUsage({ ...DEFAULT_API_KEY_USAGE_QUERY, timeframe: 'all' });

    expect(usage.totals.window).toEqual({ kind: 'ALL_TIME', label: 'all', start: null, end: new Date(RESPONDED_AT) });
  });

  it('ignores unknown extra fields and still maps the documented ones', async () => {
    const body = fullBody();
    usageRoute().reply(
      200,
      {
        ...body,
        meta: { version: 3 },
        data: {
          ...body.data,
          cost: { usd: 12 },
          rate_limit: { ...body.data.rate_limit, burst: 50 },
          endpoints: body.data.endpoints.map((endpoint) => ({ ...endpoint, p99_latency_ms: 900 })),
        },
      },
      { headers: JSON_HEADERS },
    );

    const { value: usage } = await client.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY);

    expect(usage.rateLimit).toEqual({ tier: 'starter', requestsPerMinute: 300, remaining: 287, resetsAt: new Date('2024-11-21T12:01:00Z') });
    expect(usage.endpoints?.[0]).toEqual({ path: '/v1/scores', method: 'GET', requests: 1000, errors: 15, avgLatencyMs: 100, window: usage.totals.window });
  });

  it('keeps 20-digit keys exact and distinct', async () => {
    const body = fullBody();
    body.data.errors.by_type = { '12345678901234567891': 2, '12345678901234567890': 1 } as never;
    usageRoute().reply(200, body, { headers: JSON_HEADERS });

    const { value: usage } = await client.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY);

    expect(usage.errors?.byType).toEqual([
      { key: '12345678901234567890', count: 1 },
      { key: '12345678901234567891', count: 2 },
    ]);
  });

  it('keeps a counter of 3,000,000,000 exact', async () => {
    const body = fullBody();
    body.data.usage.total_requests = 3_000_000_000;
    body.data.endpoints[0]!.requests = 3_000_000_000;
    usageRoute().reply(200, body, { headers: JSON_HEADERS });

    const { value: usage } = await client.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY);

    expect(usage.totals.requests).toBe(3_000_000_000);
    expect(usage.endpoints?.[0]?.requests).toBe(3_000_000_000);
  });

  it('rejects limit or offset out of range before any upstream call', async () => {
    for (const bad of [{ limit: 0 }, { limit: 1001 }, { limit: 2.5 }, { offset: -1 }, { offset: 0.5 }]) {
      await expect(client.fetchApiKeyUsage({ ...DEFAULT_API_KEY_USAGE_QUERY, ...bad })).rejects.toBeInstanceOf(RangeError);
    }
  });
});

describe('AnylayerClient vendor errors', () => {
  const errorBody = (code: string, message: string) => ({ success: false, error: { code, message } });

  it.each([
    [400, 'INVALID_TIMEFRAME', 'Invalid timeframe', UpstreamBadRequestError, 'UPSTREAM_BAD_REQUEST'],
    [400, 'INVALID_GRANULARITY', 'Invalid granularity', UpstreamBadRequestError, 'UPSTREAM_BAD_REQUEST'],
    [400, 'INVALID_PARAMETER', 'limit must be at most 1000', UpstreamBadRequestError, 'UPSTREAM_BAD_REQUEST'],
    [401, 'UNAUTHORIZED', 'Invalid API key', UpstreamAuthFailedError, 'UPSTREAM_AUTH_FAILED'],
    [404, 'NO_USAGE_DATA', 'No usage data found', UpstreamNotFoundError, 'UPSTREAM_NOT_FOUND'],
    [500, 'INTERNAL_ERROR', 'Something broke', UpstreamUnavailableError, 'UPSTREAM_UNAVAILABLE'],
  ])('maps %i %s to its typed error', async (status, vendorCode, message, errorClass, code) => {
    usageRoute().reply(status, errorBody(vendorCode, message), { headers: JSON_HEADERS });

    const error = await upstreamFailure(client.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY));

    expect(error).toBeInstanceOf(errorClass);
    expect(error).toMatchObject({ code, provider: 'ANYLAYER', httpStatus: status, vendorCode, retryAfterSeconds: null, upstreamRequestId: null });
    expect(error.message).toBe(`ANYLAYER answered ${status}: ${message}`);
  });

  it('maps 429 with Retry-After in seconds', async () => {
    usageRoute().reply(429, errorBody('RATE_LIMITED', 'Too many requests'), { headers: { ...JSON_HEADERS, 'retry-after': '42' } });

    const error = await upstreamFailure(client.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY));

    expect(error).toBeInstanceOf(UpstreamRateLimitedError);
    expect(error).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', httpStatus: 429, retryAfterSeconds: 42, vendorCode: 'RATE_LIMITED' });
  });

  it('maps 429 with Retry-After as an HTTP date', async () => {
    // HTTP dates have whole seconds: truncate so the expected wait is 60 s less the time elapsed.
    const retryAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000);
    usageRoute().reply(429, errorBody('RATE_LIMITED', 'Too many requests'), {
      headers: { ...JSON_HEADERS, 'retry-after': retryAt.toUTCString() },
    });

    const error = await upstreamFailure(client.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY));

    expect(error).toBeInstanceOf(UpstreamRateLimitedError);
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(59);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('keeps the status meaning when the error body is not the documented shape', async () => {
    usageRoute().reply(401, { message: 'Unauthorized' }, { headers: JSON_HEADERS });

    const error = await upstreamFailure(client.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY));

    expect(error).toBeInstanceOf(UpstreamAuthFailedError);
    expect(error).toMatchObject({ httpStatus: 401, vendorCode: null });
    expect(error.message).toBe('ANYLAYER answered 401: no error details in the documented shape');
  });

  it('maps a 200 with success:false and NO_USAGE_DATA to not-found', async () => {
    usageRoute().reply(200, errorBody('NO_USAGE_DATA', 'No usage data found'), { headers: JSON_HEADERS });

    const error = await upstreamFailure(client.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY));

    expect(error).toBeInstanceOf(UpstreamNotFoundError);
    expect(error).toMatchObject({ httpStatus: 200, vendorCode: 'NO_USAGE_DATA' });
  });

  it('maps a 200 with success:false and any other code to a bad response', async () => {
    usageRoute().reply(200, errorBody('INTERNAL_ERROR', 'oops'), { headers: JSON_HEADERS });

    const error = await upstreamFailure(client.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY));

    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect(error).toMatchObject({ httpStatus: 200, vendorCode: 'INTERNAL_ERROR' });
    expect(error.message).toBe('ANYLAYER answered 200 but reported failure: oops');
  });
});

describe('AnylayerClient broken contracts', () => {
  async function badResponse(body: string | object, contentType = 'application/json'): Promise<UpstreamError> {
    usageRoute().reply(200, body, { headers: { 'content-type': contentType } });
    const error = await upstreamFailure(client.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY));
    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect(error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', httpStatus: 200 });
    return error;
  }

  const withData = (patch: Record<string, unknown>) => {
    const body = fullBody();
    return { ...body, data: { ...body.data, ...patch } };
  };

  it('rejects malformed JSON', async () => {
    const error = await badResponse('{"success": true, "data": {');
    expect(error.message).toContain('not JSON');
  });

  it('rejects an HTML page served with 200', async () => {
    const error = await badResponse('<!DOCTYPE html><html><body>Login</body></html>', 'text/html; charset=utf-8');
    expect(error.message).toContain('not JSON');
    expect(error.message).toContain('text/html');
  });

  it('names a missing documented field', async () => {
    const body = fullBody();
    const { total_requests: _dropped, ...usage } = body.data.usage;
    const error = await badResponse(withData({ usage }));
    expect(error.message).toContain('data.usage.total_requests');
  });

  it('names a missing timestamp', async () => {
    const { timestamp: _dropped, ...body } = fullBody();
    const error = await badResponse(body);
    expect(error.message).toContain('timestamp');
  });

  it('names a part the query switched on but the vendor left out', async () => {
    const { endpoints: _dropped, ...data } = fullBody().data;
    const error = await badResponse({ ...fullBody(), data });
    expect(error.message).toContain('data.endpoints');
  });

  it('names latency the query switched on but the vendor left out', async () => {
    const error = await badResponse(withData({ time_series: [{ timestamp: '2024-11-21T10:00:00Z', requests: 1, errors: 0 }] }));
    expect(error.message).toContain('data.time_series.0.avg_latency_ms');
  });

  it('names a wrong-typed field', async () => {
    const error = await badResponse(withData({ rate_limit: { tier: 'starter', requests_per_minute: '300', remaining: 1, reset_at: RESPONDED_AT } }));
    expect(error.message).toContain('data.rate_limit.requests_per_minute');
  });

  it('rejects an undocumented alert severity', async () => {
    const error = await badResponse(withData({ alerts: [{ type: 'x', severity: 'urgent', message: 'm' }] }));
    expect(error.message).toContain('data.alerts.0.severity');
  });

  it('rejects an error rate above 1', async () => {
    const error = await badResponse(withData({ errors: { total: 1, rate: 1.5, by_status: {}, by_type: {} } }));
    expect(error.message).toContain('data.errors.rate');
  });

  it('rejects a timestamp that is not ISO 8601', async () => {
    const error = await badResponse({ ...fullBody(), timestamp: 'Thu, 21 Nov 2024 12:00:00 GMT' });
    expect(error.message).toContain('timestamp');
  });

  it('rejects a counter above 2^53 instead of rounding it', async () => {
    const text = JSON.stringify(fullBody()).replace('"total_requests":1500', '"total_requests":9007199254740993');
    const error = await badResponse(text);
    expect(error.message).toContain('data.usage.total_requests');
    expect(error.message).toContain('2^53');
  });
});

describe('AnylayerClient credential safety', () => {
  it('redacts the key the vendor echoes in an error body', async () => {
    usageRoute().reply(
      401,
      { success: false, error: { code: `KEY_${API_KEY}`, message: `API key ${API_KEY} revoked (Authorization: Bearer ${API_KEY})` } },
      { headers: JSON_HEADERS },
    );

    const error = await upstreamFailure(client.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY));

    expect(error).toBeInstanceOf(UpstreamAuthFailedError);
    expect(error.message).toBe('ANYLAYER answered 401: API key [REDACTED] revoked (Authorization: Bearer [REDACTED])');
    expect(error.vendorCode).toBe('KEY_[REDACTED]');
    expectNoSecret(error, API_KEY);
  });

  it.each(ECHO_OFFSETS)('redacts the key echoed at offset %i of an HTML page', async (offset) => {
    usageRoute().reply(200, echoPage(API_KEY, offset), { headers: { 'content-type': 'text/html' } });
    const error = await upstreamFailure(client.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY));
    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expectNoSecret(error, API_KEY);
  });

  it('redacts the key echoed in a 200 failure body, an HTML page or a broken payload', async () => {
    usageRoute().reply(200, { success: false, error: { code: 'X', message: `bad ${API_KEY}` } }, { headers: JSON_HEADERS });
    usageRoute().reply(200, `<p>${API_KEY}</p>`, { headers: { 'content-type': 'text/html' } });
    const body = fullBody();
    usageRoute().reply(200, { ...body, data: { ...body.data, errors: { ...body.data.errors, by_type: { [API_KEY]: -1 } } } }, { headers: JSON_HEADERS });

    const errors = [
      await upstreamFailure(client.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY)),
      await upstreamFailure(client.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY)),
      await upstreamFailure(client.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY)),
    ];

    expect(errors[2]?.message).toContain('data.errors.by_type.[REDACTED]');
    for (const error of errors) {
      expect(error.message).toContain('[REDACTED]');
      expectNoSecret(error, API_KEY);
    }
  });
});

describe('AnylayerClient transport failures', () => {
  it('times out a slow vendor', async () => {
    const slow = new AnylayerClient({
      baseUrl: BASE_URL,
      credential: API_KEY,
      http: bed.withTransport({ timeoutMs: 300 }),
    });
    usageRoute().reply(200, fullBody(), { headers: JSON_HEADERS }).delay(5_000);

    const error = await upstreamFailure(slow.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY));

    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', provider: 'ANYLAYER' });
  });

  it('reports a connection failure as unavailable, redacted', async () => {
    usageRoute().replyWithError(Object.assign(new Error(`socket hang up sending Bearer ${API_KEY}`), { code: 'ECONNRESET' }));

    const error = await upstreamFailure(client.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY));

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expectNoSecret(error, API_KEY);
  });
});
