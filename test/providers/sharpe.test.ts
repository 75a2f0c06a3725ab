import { describe, expect, it } from 'vitest';
import { SharpeClient } from '../../src/providers/sharpe/client.js';
import { UNREADABLE_ERROR_BODY } from '../../src/providers/vendor-response.js';
import { sharpeExample } from './sharpe.fixtures.js';
import { echoPage } from '../../src/simulators/faults.js';
import { ECHO_OFFSETS, expectNoSecret, upstreamFailure } from '../support/upstream-failure.js';
import { useVendorTestBed } from '../support/vendor-test-bed.js';

const ORIGIN = 'https://www.sharpe.ai';
const BASE = `${ORIGIN}/api`;
const KEY = 'sk_live_9f8e7d6c5b4a39281706';
const JSON_HEADERS = { 'content-type': 'application/json' };

const bed = useVendorTestBed(ORIGIN);

function client(): SharpeClient {
  return new SharpeClient({ baseUrl: BASE, credential: KEY, http: bed.http });
}

/** Matches only the exact request Sharpe documents: the path under the base and our bearer key. */
function usageCall() {
  return bed.vendor
    .intercept({ path: '/api/v1/usage', method: 'GET', headers: { authorization: `Bearer ${KEY}` } });
}

function sharpeError(code: string, message: string, requestId = 'req_err_000111') {
  return { error: { code, message }, meta: { request_id: requestId } };
}

describe('SharpeClient.fetchAccount — mapping', () => {
  it('maps every documented field of the vendor example, keeping its self-disagreement', async () => {
    usageCall().reply(200, sharpeExample(), { headers: JSON_HEADERS });
    const before = Date.now();
    const { value: rest, fetchedAt } = await client().fetchAccount();

    const window = {
      kind: 'LAST_24_HOURS',
      label: 'last_24h',
      start: new Date('2026-03-27T12:00:05Z'),
      end: new Date('2026-03-28T12:00:05Z'),
    };

    expect(rest).toEqual({
      provider: 'SHARPE',
      // The plan says 30 rpm and 10,000 a month; the enforced limits below say 500 and 500,000.
      plan: { tier: 'free', requestsPerMinute: 30, monthlyLimit: 10000 },
      rateLimit: { tier: null, requestsPerMinute: 500, remaining: null, resetsAt: null },
      quotas: [
        {
          name: 'monthly_requests',
          description: 'Monthly request quota',
          used: 12480,
          limit: 500000,
          remaining: 487520,
          resetsAt: new Date('2026-04-01T00:00:00Z'),
        },
      ],
      endpoints: [
        { path: '/api/v1/funding/rates', method: null, requests: 120, errors: 0, avgLatencyMs: 85, window },
        { path: '/api/v1/memecoins/data', method: null, requests: 60, errors: 1, avgLatencyMs: 110, window },
        { path: '/api/v1/news/feed', method: null, requests: 98, errors: 2, avgLatencyMs: 142, window },
        { path: '/api/v1/price-prediction/data', method: null, requests: 64, errors: 0, avgLatencyMs: 67, window },
      ],
      periods: [],
      alerts: [],
      totals: {
        requests: 342,
        successfulRequests: null,
        failedRequests: null,
        avgLatencyMs: null,
        p95LatencyMs: null,
        window,
      },
      recordedAt: new Date('2026-03-28T12:00:05Z'),
      snapshot: null,
      upstreamElapsedMs: 12,
      upstreamRequestId: 'req_abc123def456ghij',
    });
    expect(fetchedAt).toBeInstanceOf(Date);
    expect(fetchedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(fetchedAt.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('joins a base URL given with a trailing slash', async () => {
    usageCall().reply(200, sharpeExample());
    const { value: account } = await new SharpeClient({ baseUrl: `${BASE}/`, credential: KEY, http: bed.http }).fetchAccount();
    expect(account.upstreamRequestId).toBe('req_abc123def456ghij');
  });

  it('ignores unknown extra fields and accepts an undocumented tier', async () => {
    const body = sharpeExample();
    const extended = {
      ...body,
      data: {
        ...body.data,
        plan: { ...body.data.plan, tier: 'institutional', seats: 4 },
        quota: { ...body.data.quota, overage_allowed: true },
        billing: { currency: 'USD' },
      },
      meta: { ...body.meta, region: 'eu-west-1' },
      links: { docs: 'https://docs.sharpe.ai' },
    };
    usageCall().reply(200, extended);
    const { value: account } = await client().fetchAccount();
    expect(account.plan).toEqual({ tier: 'institutional', requestsPerMinute: 30, monthlyLimit: 10000 });
    expect(account.quotas[0]).toEqual({
      name: 'monthly_requests',
      description: 'Monthly request quota',
      used: 12480,
      limit: 500000,
      remaining: 487520,
      resetsAt: new Date('2026-04-01T00:00:00Z'),
    });
  });

  it('keeps a counter of 3,000,000,000 exact', async () => {
    const body = sharpeExample();
    body.data.quota = { used: 3_000_000_000, limit: 5_000_000_000, remaining: 2_000_000_000, resets_at: '2026-04-01T00:00:00Z' };
    body.data.last_24h.total_requests = 3_000_000_000;
    usageCall().reply(200, body);
    const { value: account } = await client().fetchAccount();
    expect(account.quotas[0]).toMatchObject({ used: 3_000_000_000, limit: 5_000_000_000, remaining: 2_000_000_000 });
    expect(account.totals?.requests).toBe(3_000_000_000);
  });

  it('rejects a counter above 2^53 as UPSTREAM_BAD_RESPONSE naming the field', async () => {
    const text = JSON.stringify(sharpeExample()).replace('"used":12480', '"used":9007199254740993');
    usageCall().reply(200, text, { headers: JSON_HEADERS });
    const error = await upstreamFailure(client().fetchAccount());
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.message).toContain('data.quota.used');
    expect(error.httpStatus).toBe(200);
    expect(error.upstreamRequestId).toBe('req_abc123def456ghij');
  });
});

describe('SharpeClient.fetchAccount — broken success bodies', () => {
  it('rejects a missing documented field, naming its path and keeping the request id', async () => {
    const body = sharpeExample();
    const { rpm: _dropped, ...plan } = body.data.plan;
    usageCall().reply(200, { ...body, data: { ...body.data, plan } });
    const error = await upstreamFailure(client().fetchAccount());
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.message).toContain('data.plan.rpm');
    expect(error.provider).toBe('SHARPE');
    expect(error.upstreamRequestId).toBe('req_abc123def456ghij');
  });

  it('rejects a missing meta, with no request id to quote', async () => {
    const { meta: _dropped, ...body } = sharpeExample();
    usageCall().reply(200, body);
    const error = await upstreamFailure(client().fetchAccount());
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.message).toContain('meta');
    expect(error.upstreamRequestId).toBeNull();
  });

  it.each([
    ['a string count', '"count":98', '"count":"98"', 'data.last_24h.by_endpoint./api/v1/news/feed.count'],
    ['a numeric timestamp', '"resets_at":"2026-04-01T00:00:00Z"', '"resets_at":1775001600', 'data.quota.resets_at'],
    ['an unparsable timestamp', '"timestamp":"2026-03-28T12:00:05Z"', '"timestamp":"28/03/2026"', 'meta.timestamp'],
    ['a fractional counter', '"total_requests":342', '"total_requests":342.5', 'data.last_24h.total_requests'],
    ['a negative counter', '"remaining":487520', '"remaining":-1', 'data.quota.remaining'],
    ['a numeric tier', '"tier":"free"', '"tier":1', 'data.plan.tier'],
  ])('rejects a wrong type (%s), naming its path', async (_label, from, to, path) => {
    const text = JSON.stringify(sharpeExample()).replace(from, to);
    expect(text).not.toBe(JSON.stringify(sharpeExample()));
    usageCall().reply(200, text, { headers: JSON_HEADERS });
    const error = await upstreamFailure(client().fetchAccount());
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.message).toContain(path);
  });

  it('rejects malformed JSON', async () => {
    usageCall().reply(200, '{"data": {"plan": ', { headers: JSON_HEADERS });
    const error = await upstreamFailure(client().fetchAccount());
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.message).toContain('not JSON');
    expect(error.httpStatus).toBe(200);
  });

  it('rejects an HTML page served with status 200', async () => {
    usageCall().reply(200, '<!DOCTYPE html><html><body>Maintenance</body></html>', {
      headers: { 'content-type': 'text/html' },
    });
    const error = await upstreamFailure(client().fetchAccount());
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.message).toContain('text/html');
    expect(error.httpStatus).toBe(200);
  });
});

describe('SharpeClient.fetchAccount — error statuses', () => {
  it.each([
    [401, 'invalid_api_key', 'UPSTREAM_AUTH_FAILED'],
    [403, 'insufficient_scope', 'UPSTREAM_AUTH_FAILED'],
    [500, 'internal_error', 'UPSTREAM_UNAVAILABLE'],
    [502, 'bad_gateway', 'UPSTREAM_UNAVAILABLE'],
    [503, 'service_unavailable', 'UPSTREAM_UNAVAILABLE'],
  ])('maps %i (%s) to %s with the vendor code and request id', async (status, code, expected) => {
    usageCall().reply(status, sharpeError(code, `Sharpe says ${code}`), { headers: JSON_HEADERS });
    const error = await upstreamFailure(client().fetchAccount());
    expect(error.code).toBe(expected);
    expect(error.httpStatus).toBe(status);
    expect(error.vendorCode).toBe(code);
    expect(error.upstreamRequestId).toBe('req_err_000111');
    expect(error.retryAfterSeconds).toBeNull();
    expect(error.message).toBe(`SHARPE answered ${status}: Sharpe says ${code}`);
  });

  it('maps 429 with Retry-After in seconds', async () => {
    usageCall().reply(429, sharpeError('rate_limited', 'Too many requests'), {
      headers: { ...JSON_HEADERS, 'retry-after': '37' },
    });
    const error = await upstreamFailure(client().fetchAccount());
    expect(error.code).toBe('UPSTREAM_RATE_LIMITED');
    expect(error.httpStatus).toBe(429);
    expect(error.retryAfterSeconds).toBe(37);
    expect(error.vendorCode).toBe('rate_limited');
    expect(error.upstreamRequestId).toBe('req_err_000111');
  });

  it('maps 429 with Retry-After as an HTTP date', async () => {
    const at = new Date(Date.now() + 120_000).toUTCString();
    usageCall().reply(429, sharpeError('rate_limited', 'Too many requests'), {
      headers: { ...JSON_HEADERS, 'retry-after': at },
    });
    const error = await upstreamFailure(client().fetchAccount());
    expect(error.code).toBe('UPSTREAM_RATE_LIMITED');
    // The date has whole-second precision, so up to a second of the 120 may already have passed.
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(118);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(120);
  });

  it('maps an error whose body is not the documented JSON with a generic message', async () => {
    usageCall().reply(502, '<html><body>502 Bad Gateway</body></html>', { headers: { 'content-type': 'text/html' } });
    const error = await upstreamFailure(client().fetchAccount());
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.httpStatus).toBe(502);
    expect(error.message).toBe(`SHARPE answered 502: ${UNREADABLE_ERROR_BODY}`);
    expect(error.vendorCode).toBeNull();
    expect(error.upstreamRequestId).toBeNull();
  });

  it('keeps the code of an error body without meta', async () => {
    usageCall().reply(401, { error: { code: 'invalid_api_key', message: 'Unknown key' } });
    const error = await upstreamFailure(client().fetchAccount());
    expect(error.code).toBe('UPSTREAM_AUTH_FAILED');
    expect(error.vendorCode).toBe('invalid_api_key');
    expect(error.upstreamRequestId).toBeNull();
  });
});

describe('SharpeClient.fetchAccount — the key never leaks', () => {
  it('redacts a key echoed in an error body', async () => {
    usageCall().reply(
      401,
      sharpeError(`bad_key_${KEY}`, `Key ${KEY} is revoked (sent "Authorization: Bearer ${KEY}")`, `req_${KEY}`),
    );
    const error = await upstreamFailure(client().fetchAccount());
    expect(error.code).toBe('UPSTREAM_AUTH_FAILED');
    expect(error.message).toContain('[REDACTED]');
    expectNoSecret(error, KEY);
  });

  it('redacts a key echoed in a broken success body', async () => {
    const body = sharpeExample();
    const byEndpoint = { ...body.data.last_24h.by_endpoint, [`/api/v1/echo/${KEY}`]: { count: 'many' } };
    usageCall().reply(200, { ...body, data: { ...body.data, last_24h: { ...body.data.last_24h, by_endpoint: byEndpoint } } });
    const error = await upstreamFailure(client().fetchAccount());
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.message).toContain('by_endpoint./api/v1/echo/[REDACTED].count');
    expectNoSecret(error, KEY);
  });

  it.each(ECHO_OFFSETS)('redacts a key echoed at offset %i of an HTML page served with status 200', async (offset) => {
    usageCall().reply(200, echoPage(KEY, offset), { headers: { 'content-type': 'text/html' } });
    const error = await upstreamFailure(client().fetchAccount());
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expectNoSecret(error, KEY);
  });
});

describe('SharpeClient.fetchAccount — transport failures', () => {
  it('times out as UPSTREAM_TIMEOUT', async () => {
    // Generous on both sides: a loaded machine neither misses the deadline's start nor its end.
    bed.withTransport({ timeoutMs: 300 });
    usageCall().reply(200, sharpeExample()).delay(5_000);
    const error = await upstreamFailure(client().fetchAccount());
    expect(error.code).toBe('UPSTREAM_TIMEOUT');
    expect(error.message).toContain('300 ms');
    expectNoSecret(error, KEY);
  });

  it('fails to connect as UPSTREAM_UNAVAILABLE', async () => {
    usageCall().replyWithError(Object.assign(new Error(`connect ECONNREFUSED (key ${KEY})`), { code: 'ECONNREFUSED' }));
    const error = await upstreamFailure(client().fetchAccount());
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.message).toContain('ECONNREFUSED');
    expectNoSecret(error, KEY);
  });
});
