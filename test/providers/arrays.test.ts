import { beforeEach, describe, expect, it } from 'vitest';
import { ArraysClient } from '../../src/providers/arrays/client.js';
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
import { echoPage } from '../../src/simulators/faults.js';
import { ECHO_OFFSETS, expectNoSecret, upstreamFailure } from '../support/upstream-failure.js';
import { useVendorTestBed } from '../support/vendor-test-bed.js';

const ORIGIN = 'https://arrays.test';
const BASE_URL = `${ORIGIN}/api`;
const PATH = '/api/v1/partner/usage';
const TOKEN = 'arr_svc_7Qk2pZx9Lm4Rt8Vw';
const JSON_HEADERS = { 'content-type': 'application/json' };
const FIRST_PAGE = { from_id: '0', count: '1000' };

const bed = useVendorTestBed(ORIGIN);
let client: ArraysClient;

beforeEach(() => {
  client = new ArraysClient({ baseUrl: BASE_URL, credential: TOKEN, http: bed.http });
});

/** An interceptor that only matches the documented request: path, exact query and token header. */
function usageRoute(query: Record<string, string> = FIRST_PAGE) {
  return bed.vendor.intercept({ path: PATH, method: 'GET', query, headers: { 'x-service-token': TOKEN } });
}

function envelope(data: unknown[], extra: Record<string, unknown> = {}) {
  return {
    success: true,
    data,
    pagination: { next_cursor: '1732147260000-7', has_more: true },
    request_id: 'req_01HX',
    ...extra,
  };
}

function user(sub: string, calls = 1, byEndpoint: Record<string, unknown> = {}) {
  return { sub, calls, discoveries: 0, tweets: 0, by_endpoint: byEndpoint };
}

describe('ArraysClient success', () => {
  it('maps every documented field of a page', async () => {
    usageRoute().reply(
      200,
      envelope([
        {
          sub: 'user-b',
          calls: 7,
          discoveries: 3,
          tweets: 2,
          by_endpoint: {
            '/x-feed/timeline': { calls: 5, discoveries: 1, tweets: 2 },
            '/x-feed/discover': { calls: 2, discoveries: 2, tweets: 0 },
          },
        },
        { sub: 'user-a', calls: 1, discoveries: 0, tweets: 1, by_endpoint: { '/x-feed/timeline': { calls: 1, discoveries: 0, tweets: 1 } } },
      ]),
      { headers: JSON_HEADERS },
    );
    const before = Date.now();
    const { value: page, fetchedAt: pageFetchedAt } = await client.fetchPartnerPage('0', 1000);

    expect(page).toEqual({
      entries: [
        {
          sub: 'user-b',
          calls: 7,
          discoveries: 3,
          tweets: 2,
          byEndpoint: [
            { endpoint: '/x-feed/discover', calls: 2, discoveries: 2, tweets: 0 },
            { endpoint: '/x-feed/timeline', calls: 5, discoveries: 1, tweets: 2 },
          ],
        },
        {
          sub: 'user-a',
          calls: 1,
          discoveries: 0,
          tweets: 1,
          byEndpoint: [{ endpoint: '/x-feed/timeline', calls: 1, discoveries: 0, tweets: 1 }],
        },
      ],
      nextCursor: '1732147260000-7',
      hasMore: true,
      fromCursor: '0',
      upstreamRequestId: 'req_01HX',
    });
    expect(pageFetchedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(pageFetchedAt.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('sends exactly from_id, count and the service token', async () => {
    // The interceptor matches the query exactly (no parameter more or less); the call history
    // shows what went over the wire.
    usageRoute({ from_id: '1732147200000-3', count: '5000' }).reply(200, envelope([]), { headers: JSON_HEADERS });

    await client.fetchPartnerPage('1732147200000-3', 5000);

    const calls = bed.agent.getCallHistory()?.calls() ?? [];
    expect(calls.map((call) => [call.method, call.path, call.searchParams])).toEqual([
      ['GET', PATH, { from_id: '1732147200000-3', count: '5000' }],
    ]);
    expect(calls[0]?.headers).toMatchObject({ 'X-Service-Token': TOKEN });
    expect(calls[0]?.headers).not.toHaveProperty('authorization');
  });

  it('builds the account overview from the first page of the default size', async () => {
    usageRoute().reply(
      200,
      envelope([
        user('u1', 7, { '/b': { calls: 4, discoveries: 0, tweets: 0 }, '/a': { calls: 3, discoveries: 0, tweets: 0 } }),
        user('u2', 5, { '/b': { calls: 5, discoveries: 0, tweets: 0 } }),
      ]),
      { headers: JSON_HEADERS },
    );

    const { value: account, fetchedAt: accountFetchedAt } = await client.fetchAccount();
    expect(accountFetchedAt).toBeInstanceOf(Date);

    const window = {
      kind: 'STREAM_WINDOW',
      label: 'entries after 0 through 1732147260000-7',
      start: null,
      end: new Date(1732147260000),
    };
    expect(account).toEqual({
      provider: 'ARRAYS',
      plan: null,
      rateLimit: null,
      quotas: [],
      endpoints: [
        { path: '/a', method: null, requests: 3, errors: null, avgLatencyMs: null, window },
        { path: '/b', method: null, requests: 9, errors: null, avgLatencyMs: null, window },
      ],
      periods: [],
      alerts: [],
      totals: { requests: 12, successfulRequests: null, failedRequests: null, avgLatencyMs: null, p95LatencyMs: null, window },
      recordedAt: null,
      snapshot: null,
      upstreamElapsedMs: null,
      upstreamRequestId: 'req_01HX',
    });
  });

  it('without pagination, reports no more entries and resumes from the same cursor', async () => {
    usageRoute({ from_id: '1732147200000-3', count: '10' }).reply(
      200,
      { success: true, data: [user('u1')], request_id: 'req_2' },
      { headers: JSON_HEADERS },
    );

    const { value: page } = await client.fetchPartnerPage('1732147200000-3', 10);

    expect(page.hasMore).toBe(false);
    expect(page.nextCursor).toBe('1732147200000-3');
    expect(page.entries).toHaveLength(1);
  });

  it('treats pagination: null as absent', async () => {
    usageRoute().reply(200, envelope([], { pagination: null }), { headers: JSON_HEADERS });

    const { value: page } = await client.fetchPartnerPage('0', 1000);

    expect(page).toMatchObject({ hasMore: false, nextCursor: '0' });
  });

  it('ignores unknown extra fields and still maps the documented ones', async () => {
    usageRoute().reply(
      200,
      envelope([{ ...user('u1', 4, { '/a': { calls: 4, discoveries: 1, tweets: 2, cost_usd: 0.3 } }), plan: 'gold' }], {
        meta: { region: 'eu' },
        pagination: { next_cursor: '1732147260000-0', has_more: false, total: 99 },
      }),
      { headers: JSON_HEADERS },
    );

    const { value: page } = await client.fetchPartnerPage('0', 1000);

    expect(page.entries).toEqual([
      { sub: 'u1', calls: 4, discoveries: 0, tweets: 0, byEndpoint: [{ endpoint: '/a', calls: 4, discoveries: 1, tweets: 2 }] },
    ]);
    expect(page).toMatchObject({ nextCursor: '1732147260000-0', hasMore: false });
  });

  it('keeps a 20-digit sub exactly and never merges neighbouring ids', async () => {
    usageRoute().reply(
      200,
      envelope([user('18446744073709551557', 1), user('12345678901234567890', 2), user('12345678901234567891', 3)]),
      { headers: JSON_HEADERS },
    );

    const { value: page } = await client.fetchPartnerPage('0', 1000);

    expect(page.entries.map((entry) => [entry.sub, entry.calls])).toEqual([
      ['18446744073709551557', 1],
      ['12345678901234567890', 2],
      ['12345678901234567891', 3],
    ]);
  });

  it('keeps a counter of 3,000,000,000 exact', async () => {
    usageRoute().reply(
      200,
      envelope([user('u1', 3_000_000_000, { '/a': { calls: 3_000_000_000, discoveries: 0, tweets: 0 } })]),
      { headers: JSON_HEADERS },
    );

    const { value: account, fetchedAt: accountFetchedAt } = await client.fetchAccount();
    expect(accountFetchedAt).toBeInstanceOf(Date);

    expect(account.totals?.requests).toBe(3_000_000_000);
    expect(account.endpoints[0]?.requests).toBe(3_000_000_000);
  });

  it('rejects an out-of-range count before any upstream call', async () => {
    for (const count of [0, 5001, 1.5, Number.NaN]) {
      await expect(client.fetchPartnerPage('0', count)).rejects.toBeInstanceOf(RangeError);
    }
  });
});

describe('ArraysClient vendor errors', () => {
  const errorBody = (code: string, message: string, extra: Record<string, unknown> = {}) => ({
    success: false,
    error: { code, message, ...extra },
    request_id: 'req_err_9',
  });

  it('maps 400 with the vendor code, request id, hint, docs link and field errors', async () => {
    usageRoute({ from_id: '0', count: '5000' }).reply(
      400,
      errorBody('INVALID_PARAMETER', 'count out of range', {
        hint: 'Use a count between 1 and 5000.',
        docs_url: 'https://docs.arrays.org/partner-usage',
        details: [{ field: 'count', got: '5000', reason: 'must be at most 4999 today' }, { field: 'from_id', reason: 'ok' }],
        examples: ['count=1000'],
        suggestions: ['Lower count'],
      }),
      { headers: JSON_HEADERS },
    );

    const error = await upstreamFailure(client.fetchPartnerPage('0', 5000));

    expect(error).toBeInstanceOf(UpstreamBadRequestError);
    expect(error).toMatchObject({
      code: 'UPSTREAM_BAD_REQUEST',
      provider: 'ARRAYS',
      httpStatus: 400,
      retryAfterSeconds: null,
      upstreamRequestId: 'req_err_9',
      vendorCode: 'INVALID_PARAMETER',
      hint: 'Use a count between 1 and 5000.',
      docsUrl: 'https://docs.arrays.org/partner-usage',
      fieldErrors: [
        { field: 'count', reason: 'must be at most 4999 today (got "5000")' },
        { field: 'from_id', reason: 'ok' },
      ],
    });
    expect(error.message).toBe('ARRAYS answered 400: count out of range');
  });

  it.each([
    [401, UpstreamAuthFailedError, 'UPSTREAM_AUTH_FAILED', 'UNAUTHORIZED'],
    [403, UpstreamAuthFailedError, 'UPSTREAM_AUTH_FAILED', 'FORBIDDEN'],
    [404, UpstreamNotFoundError, 'UPSTREAM_NOT_FOUND', 'RESOURCE_NOT_FOUND'],
    [500, UpstreamUnavailableError, 'UPSTREAM_UNAVAILABLE', 'INTERNAL_ERROR'],
    [503, UpstreamUnavailableError, 'UPSTREAM_UNAVAILABLE', 'SERVICE_UNAVAILABLE'],
  ])('maps %i to its typed error', async (status, errorClass, code, vendorCode) => {
    usageRoute().reply(status, errorBody(vendorCode, 'vendor says no'), { headers: JSON_HEADERS });

    const error = await upstreamFailure(client.fetchPartnerPage('0', 1000));

    expect(error).toBeInstanceOf(errorClass);
    expect(error).toMatchObject({ code, httpStatus: status, vendorCode, upstreamRequestId: 'req_err_9', retryAfterSeconds: null });
    expect(error.message).toBe(`ARRAYS answered ${status}: vendor says no`);
  });

  it('maps 429 with Retry-After in seconds', async () => {
    usageRoute().reply(429, errorBody('RATE_LIMITED', 'slow down'), { headers: { ...JSON_HEADERS, 'retry-after': '120' } });

    const error = await upstreamFailure(client.fetchPartnerPage('0', 1000));

    expect(error).toBeInstanceOf(UpstreamRateLimitedError);
    expect(error).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', httpStatus: 429, retryAfterSeconds: 120, vendorCode: 'RATE_LIMITED' });
  });

  it('maps 429 with Retry-After as an HTTP date', async () => {
    // HTTP dates have whole seconds: truncate so the expected wait is 90 s less the time elapsed.
    const retryAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 90_000);
    usageRoute().reply(429, errorBody('RATE_LIMITED', 'slow down'), {
      headers: { ...JSON_HEADERS, 'retry-after': retryAt.toUTCString() },
    });

    const error = await upstreamFailure(client.fetchPartnerPage('0', 1000));

    expect(error).toBeInstanceOf(UpstreamRateLimitedError);
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(89);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(90);
  });

  it('keeps the status meaning when the error body is an HTML page', async () => {
    usageRoute().reply(502, '<html><body>Bad gateway</body></html>', { headers: { 'content-type': 'text/html' } });

    const error = await upstreamFailure(client.fetchPartnerPage('0', 1000));

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ httpStatus: 502, vendorCode: null, upstreamRequestId: null });
    expect(error.message).toBe('ARRAYS answered 502: no error details in the documented shape');
  });

  it('maps a 200 with success:false and RESOURCE_NOT_FOUND to not-found', async () => {
    usageRoute().reply(200, errorBody('RESOURCE_NOT_FOUND', 'The requested resource was not found.'), { headers: JSON_HEADERS });

    const error = await upstreamFailure(client.fetchPartnerPage('0', 1000));

    expect(error).toBeInstanceOf(UpstreamNotFoundError);
    expect(error).toMatchObject({ httpStatus: 200, vendorCode: 'RESOURCE_NOT_FOUND', upstreamRequestId: 'req_err_9' });
    expect(error.message).toBe('ARRAYS answered 200 but reported failure: The requested resource was not found.');
  });

  it('maps a 200 with success:false and any other code to a bad response', async () => {
    usageRoute().reply(200, errorBody('INTERNAL_ERROR', 'stream unavailable', { hint: 'retry later' }), { headers: JSON_HEADERS });

    const error = await upstreamFailure(client.fetchPartnerPage('0', 1000));

    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect(error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', httpStatus: 200, vendorCode: 'INTERNAL_ERROR', hint: 'retry later' });
  });
});

// The ledger's packed read must fail every broken body exactly as the object read does.
describe.each(['fetchPartnerPage', 'fetchPackedPartnerPage'] as const)('ArraysClient broken contracts (%s)', (method) => {
  async function badResponse(body: string | object, contentType = 'application/json'): Promise<UpstreamError> {
    usageRoute().reply(200, body, { headers: { 'content-type': contentType } });
    const error = await upstreamFailure(client[method]('0', 1000));
    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect(error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', httpStatus: 200 });
    return error;
  }

  it('rejects malformed JSON', async () => {
    const error = await badResponse('{"success": true, "data": [');
    expect(error.message).toContain('not JSON');
  });

  it('rejects an HTML page served with 200', async () => {
    const error = await badResponse('<!doctype html><html><body>Maintenance</body></html>', 'text/html');
    expect(error.message).toContain('not JSON');
    expect(error.message).toContain('text/html');
  });

  it('names a missing documented field and keeps the request id', async () => {
    const error = await badResponse(envelope([{ sub: 'u1', discoveries: 0, tweets: 0, by_endpoint: {} }]));
    expect(error.message).toContain('data.0.calls');
    expect(error.upstreamRequestId).toBe('req_01HX');
  });

  it('names a missing request_id', async () => {
    const error = await badResponse({ success: true, data: [] });
    expect(error.message).toContain('request_id');
  });

  it('names a wrong-typed field', async () => {
    const error = await badResponse(envelope([user('u1', 1, { '/a': { calls: '3', discoveries: 0, tweets: 0 } })]));
    expect(error.message).toContain('data.0.by_endpoint./a.calls');
  });

  it('rejects a numeric sub instead of coercing it', async () => {
    const error = await badResponse('{"success":true,"request_id":"r","data":[{"sub":18446744073709551557,"calls":1,"discoveries":0,"tweets":0,"by_endpoint":{}}]}');
    expect(error.message).toContain('data.0.sub');
  });

  it('rejects a counter above 2^53 instead of rounding it', async () => {
    const error = await badResponse('{"success":true,"request_id":"r","data":[{"sub":"u1","calls":9007199254740993,"discoveries":0,"tweets":0,"by_endpoint":{}}]}');
    expect(error.message).toContain('data.0.calls');
    expect(error.message).toContain('2^53');
  });

  it('rejects a negative or fractional counter', async () => {
    const error = await badResponse(envelope([{ ...user('u1'), tweets: 1.5 }]));
    expect(error.message).toContain('data.0.tweets');
  });
});

describe('ArraysClient credential safety', () => {
  it('redacts the token the vendor echoes in an error body', async () => {
    usageRoute().reply(
      401,
      {
        success: false,
        error: {
          code: `BAD_TOKEN_${TOKEN}`,
          message: `service token ${TOKEN} is not valid`,
          hint: `check X-Service-Token: ${TOKEN}`,
          docs_url: `https://docs.arrays.org/auth?token=${TOKEN}`,
          details: [{ field: 'X-Service-Token', got: TOKEN, reason: `${TOKEN} expired` }],
        },
        request_id: `req_${TOKEN}`,
      },
      { headers: JSON_HEADERS },
    );

    const error = await upstreamFailure(client.fetchPartnerPage('0', 1000));

    expect(error).toBeInstanceOf(UpstreamAuthFailedError);
    expect(error.message).toBe('ARRAYS answered 401: service token [REDACTED] is not valid');
    expect(error.fieldErrors).toEqual([{ field: 'X-Service-Token', reason: '[REDACTED] expired (got "[REDACTED]")' }]);
    expectNoSecret(error, TOKEN);
  });

  it('redacts the token echoed in a 200 failure envelope', async () => {
    usageRoute().reply(200, { success: false, error: { code: 'X', message: `bad ${TOKEN}` }, request_id: 'r' }, { headers: JSON_HEADERS });

    const error = await upstreamFailure(client.fetchPartnerPage('0', 1000));

    expect(error.message).toContain('[REDACTED]');
    expectNoSecret(error, TOKEN);
  });

  it.each(ECHO_OFFSETS)('redacts the token echoed at offset %i of an HTML page', async (offset) => {
    usageRoute().reply(200, echoPage(TOKEN, offset), { headers: { 'content-type': 'text/html' } });
    const error = await upstreamFailure(client.fetchPartnerPage('0', 1000));
    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expectNoSecret(error, TOKEN);
  });

  it('redacts the token echoed in an HTML page or a broken payload', async () => {
    usageRoute().reply(200, `<html>${TOKEN}</html>`, { headers: { 'content-type': 'text/html' } });
    usageRoute().reply(200, envelope([user('u1', 1, { [TOKEN]: { calls: 'x', discoveries: 0, tweets: 0 } })]), {
      headers: JSON_HEADERS,
    });

    const html = await upstreamFailure(client.fetchPartnerPage('0', 1000));
    const broken = await upstreamFailure(client.fetchPartnerPage('0', 1000));

    expect(broken.message).toContain('data.0.by_endpoint.[REDACTED].calls');
    for (const error of [html, broken]) {
      expect(error).toBeInstanceOf(UpstreamBadResponseError);
      expectNoSecret(error, TOKEN);
    }
  });
});

describe('ArraysClient transport failures', () => {
  it('times out a slow vendor', async () => {
    const http = bed.withTransport({ timeoutMs: 300 });
    const slow = new ArraysClient({ baseUrl: BASE_URL, credential: TOKEN, http });
    usageRoute().reply(200, envelope([]), { headers: JSON_HEADERS }).delay(5_000);

    const error = await upstreamFailure(slow.fetchPartnerPage('0', 1000));

    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', provider: 'ARRAYS' });
  });

  it('reports a connection failure as unavailable, redacted', async () => {
    usageRoute().replyWithError(Object.assign(new Error(`connect ECONNREFUSED (token ${TOKEN})`), { code: 'ECONNREFUSED' }));

    const error = await upstreamFailure(client.fetchPartnerPage('0', 1000));

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expectNoSecret(error, TOKEN);
  });
});
