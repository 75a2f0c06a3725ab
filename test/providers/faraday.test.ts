import { describe, expect, it } from 'vitest';
import { FaradayClient } from '../../src/providers/faraday/client.js';
import { UNREADABLE_ERROR_BODY } from '../../src/providers/vendor-response.js';
import type { MetricPeriods } from '../../src/usage/model.js';
import { faradayAccountUsageDistinct, faradayAccountUsageExample, faradayLimitsExample } from './faraday.fixtures.js';
import { echoPage } from '../../src/simulators/faults.js';
import { ECHO_OFFSETS, expectNoSecret, upstreamFailure } from '../support/upstream-failure.js';
import { useVendorTestBed } from '../support/vendor-test-bed.js';

const BASE = 'https://api.faraday.ai';
const KEY = 'fdy_4c1d2e3f4a5b6c7d8e9f0a1b';
const ERROR_ID = '082f9513-901c-4308-8081-902a8fe22d7e';
const LIMITS_PATH = '/v1/usages';
const USAGE_PATH = '/v1/accounts/current/usage';
const JSON_HEADERS = { 'content-type': 'application/json' };

const bed = useVendorTestBed(BASE);

function client(): FaradayClient {
  return new FaradayClient({ baseUrl: BASE, credential: KEY, http: bed.http });
}

/** Matches only the exact request Faraday documents: the path and our bearer key. */
function call(path: string) {
  return bed.vendor.intercept({ path, method: 'GET', headers: { authorization: `Bearer ${KEY}` } });
}

function faradayError(error: string, extra: Record<string, unknown> = {}) {
  return { error, id: ERROR_ID, ...extra };
}

/** A MetricPeriods row, in the order monthToDate, lastMonth, last12Months, termPeriodToLastMonth. */
function row(
  metric: string,
  counts: [number | null, number | null, number | null, number | null],
  resource: [string, string] | null = null,
): MetricPeriods {
  return {
    metric,
    group: metric.slice(0, metric.indexOf('.')),
    monthToDate: counts[0],
    lastMonth: counts[1],
    last12Months: counts[2],
    termPeriodToLastMonth: counts[3],
    resourceId: resource?.[0] ?? null,
    resourceType: resource?.[1] ?? null,
  };
}

describe('FaradayClient.fetchAccount — mapping', () => {
  it('maps every documented field of the vendor examples', async () => {
    call(LIMITS_PATH).reply(200, faradayLimitsExample(), { headers: JSON_HEADERS });
    call(USAGE_PATH).reply(200, faradayAccountUsageExample(), { headers: JSON_HEADERS });
    const before = Date.now();
    const { value: rest, fetchedAt } = await client().fetchAccount();


    expect(rest).toEqual({
      provider: 'FARADAY',
      plan: null,
      rateLimit: null,
      quotas: [
        {
          name: 'cohort.max_count',
          description: 'Number of known contacts (KCs) allowed',
          used: 10,
          limit: 10,
          remaining: 0,
          resetsAt: null,
        },
      ],
      endpoints: [],
      periods: [
        row('batch_deployments.consumer_data', [0, 0, null, 0]),
        row('batch_deployments.identity_data', [0, 0, null, 0]),
        row('batch_deployments.unknown_contact_addresses', [0, 0, null, 0]),
        row('batch_deployments.unknown_contact_email_hashes', [0, 0, null, 0]),
        row('batch_deployments.predictive_data', [0, 0, 0, null]),
        row('batch_deployments.predictive_data', [0, 0, 0, null], ['123e4567-e89b-12d3-a456-426614174000', 'string']),
        row('lookup_api_requests.requests', [0, 0, null, 0]),
        row('lookup_api_requests.successful', [0, 0, null, 0]),
        row('lookup_api_requests.successful_consumer_data', [0, 0, null, 0]),
        row('lookup_api_requests.successful_identity_data', [0, 0, null, 0]),
        row('lookup_api_requests.successful_prediction_data', [0, 0, null, 0]),
      ],
      alerts: [],
      totals: null,
      recordedAt: new Date('2024-01-01T12:00:00Z'),
      snapshot: {
        id: '123e4567-e89b-12d3-a456-426614174000',
        recordingStartedAt: new Date('2024-01-01T12:00:00Z'),
        recordingFinishedAt: new Date('2024-01-01T12:00:00Z'),
      },
      upstreamElapsedMs: null,
      upstreamRequestId: null,
    });
    expect(fetchedAt).toBeInstanceOf(Date);
    expect(fetchedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(fetchedAt.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('puts every count, resource and recording time where it belongs', async () => {
    call(LIMITS_PATH).reply(200, faradayLimitsExample());
    call(USAGE_PATH).reply(200, faradayAccountUsageDistinct());
    const { value: account } = await client().fetchAccount();
    expect(account.periods).toEqual([
      row('batch_deployments.consumer_data', [101, 102, null, 103]),
      row('batch_deployments.identity_data', [201, 202, null, 203]),
      row('batch_deployments.unknown_contact_addresses', [301, 302, null, 303]),
      row('batch_deployments.unknown_contact_email_hashes', [401, 402, null, 403]),
      row('batch_deployments.predictive_data', [501, 502, 504, null]),
      row('batch_deployments.predictive_data', [601, 602, 604, null], ['123e4567-e89b-12d3-a456-426614174000', 'outcome']),
      row('batch_deployments.predictive_data', [701, 702, 704, null], ['223e4567-e89b-12d3-a456-426614174001', 'persona_set']),
      row('lookup_api_requests.requests', [801, 802, null, 803]),
      row('lookup_api_requests.successful', [901, 902, null, 903]),
      row('lookup_api_requests.successful_consumer_data', [1001, 1002, null, 1003]),
      row('lookup_api_requests.successful_identity_data', [1101, 1102, null, 1103]),
      row('lookup_api_requests.successful_prediction_data', [1201, 1202, null, 1203]),
    ]);
    expect(account.snapshot).toEqual({
      id: '7f1c0e4a-3b5d-4c2e-9a8b-1d2e3f4a5b6c',
      recordingStartedAt: new Date('2024-01-01T11:58:30Z'),
      recordingFinishedAt: new Date('2024-01-01T12:00:00Z'),
    });
    expect(account.recordedAt).toEqual(new Date('2024-01-01T12:00:00Z'));
  });

  it('maps the optional period of each shape when Faraday sends it', async () => {
    const usage = faradayAccountUsageDistinct();
    const withExtras = {
      ...usage,
      batch_deployments: {
        ...usage.batch_deployments,
        consumer_data: { ...usage.batch_deployments.consumer_data, last_12_months: { count: 104 } },
        predictive_data: { ...usage.batch_deployments.predictive_data, term_period_to_last_month: { count: 503 } },
      },
    };
    call(LIMITS_PATH).reply(200, faradayLimitsExample());
    call(USAGE_PATH).reply(200, withExtras);
    const { periods } = (await client().fetchAccount()).value;
    expect(periods[0]).toEqual(row('batch_deployments.consumer_data', [101, 102, 104, 103]));
    expect(periods[4]).toEqual(row('batch_deployments.predictive_data', [501, 502, 504, 503]));
  });

  it('sorts quotas by name and never reports a negative remaining', async () => {
    call(LIMITS_PATH).reply(200, [
      { name: 'scope.max_count', description: 'Scopes allowed', limit: 5, usage: 7 },
      { name: 'cohort.max_count', description: 'Number of known contacts (KCs) allowed', limit: 100, usage: 40 },
      { name: 'Outcome.max_count', description: 'Outcomes allowed', limit: 3, usage: 0 },
    ]);
    call(USAGE_PATH).reply(200, faradayAccountUsageExample());
    const { quotas } = (await client().fetchAccount()).value;
    expect(quotas).toEqual([
      { name: 'Outcome.max_count', description: 'Outcomes allowed', used: 0, limit: 3, remaining: 3, resetsAt: null },
      {
        name: 'cohort.max_count',
        description: 'Number of known contacts (KCs) allowed',
        used: 40,
        limit: 100,
        remaining: 60,
        resetsAt: null,
      },
      { name: 'scope.max_count', description: 'Scopes allowed', used: 7, limit: 5, remaining: 0, resetsAt: null },
    ]);
  });

  it('ignores unknown extra fields', async () => {
    call(LIMITS_PATH).reply(200, [{ ...faradayLimitsExample()[0], unit: 'contacts', soft_limit: 8 }]);
    const usage = faradayAccountUsageExample();
    call(USAGE_PATH).reply(200, {
      ...usage,
      account_id: 'acc_1',
      batch_deployments: {
        ...usage.batch_deployments,
        consumer_data: { ...usage.batch_deployments.consumer_data, next_month: { count: 5 } },
        audiences: { last_month: { count: 1 }, month_to_date: { count: 1 } },
      },
    });
    const { value: account } = await client().fetchAccount();
    expect(account.quotas).toHaveLength(1);
    expect(account.periods).toHaveLength(11);
    expect(account.periods[0]).toEqual(row('batch_deployments.consumer_data', [0, 0, null, 0]));
  });

  it('keeps a counter of 3,000,000,000 exact', async () => {
    call(LIMITS_PATH).reply(200, [{ name: 'lookup.max_count', description: 'Lookups', limit: 5_000_000_000, usage: 3_000_000_000 }]);
    const usage = faradayAccountUsageExample();
    usage.lookup_api_requests.requests.month_to_date.count = 3_000_000_000;
    call(USAGE_PATH).reply(200, usage);
    const { value: account } = await client().fetchAccount();
    expect(account.quotas[0]).toMatchObject({ used: 3_000_000_000, limit: 5_000_000_000, remaining: 2_000_000_000 });
    expect(account.periods[6]?.monthToDate).toBe(3_000_000_000);
  });

  it.each([
    [LIMITS_PATH, '"usage":10', '"usage":9007199254740993', '0.usage'],
    [USAGE_PATH, '"requests":{"last_month":{"count":0}', '"requests":{"last_month":{"count":9007199254740993}', 'lookup_api_requests.requests.last_month.count'],
  ])('rejects a counter above 2^53 from %s as UPSTREAM_BAD_RESPONSE', async (path, from, to, field) => {
    const limits = JSON.stringify(faradayLimitsExample());
    const usage = JSON.stringify(faradayAccountUsageExample());
    call(LIMITS_PATH).reply(200, path === LIMITS_PATH ? limits.replace(from, to) : limits, { headers: JSON_HEADERS });
    call(USAGE_PATH).reply(200, path === USAGE_PATH ? usage.replace(from, to) : usage, { headers: JSON_HEADERS });
    const error = await upstreamFailure(client().fetchAccount());
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.message).toMatch(new RegExp(`^FARADAY GET ${path} broke its contract: `));
    expect(error.message).toContain(`${field}: counter exceeds 2^53 - 1`);
  });
});

describe('FaradayClient — the two calls', () => {
  it('sends both documented requests, once each, in parallel', async () => {
    const started: Record<string, number> = {};
    const hits = { [LIMITS_PATH]: 0, [USAGE_PATH]: 0 };
    for (const [path, body] of [
      [LIMITS_PATH, faradayLimitsExample()],
      [USAGE_PATH, faradayAccountUsageExample()],
    ] as const) {
      call(path)
        .reply(() => {
          hits[path] += 1;
          started[path] = Date.now();
          return { statusCode: 200, data: body };
        })
        .delay(200);
    }
    await client().fetchAccount();
    expect(hits).toEqual({ [LIMITS_PATH]: 1, [USAGE_PATH]: 1 });
    // Called one after the other, the second call would start at least 200 ms after the first.
    expect(Math.abs((started[LIMITS_PATH] ?? Infinity) - (started[USAGE_PATH] ?? -Infinity))).toBeLessThan(100);
  });

  it('fetchLimits and fetchAccountUsage return the validated vendor bodies', async () => {
    call(LIMITS_PATH).reply(200, faradayLimitsExample());
    call(USAGE_PATH).reply(200, faradayAccountUsageExample());
    const faraday = client();
    await expect(faraday.fetchLimits()).resolves.toEqual(faradayLimitsExample());
    const usage = await faraday.fetchAccountUsage();
    expect(usage.id).toBe('123e4567-e89b-12d3-a456-426614174000');
    expect(usage.finished_at).toEqual(new Date('2024-01-01T12:00:00Z'));
  });

  it.each([
    ['limits', LIMITS_PATH, USAGE_PATH],
    ['account usage', USAGE_PATH, LIMITS_PATH],
  ])('rejects fetchAccount with the error of the failing %s call', async (_label, failing, succeeding) => {
    call(failing).reply(403, faradayError('FORBIDDEN', { message: 'No access to usage' }));
    call(succeeding).reply(200, succeeding === LIMITS_PATH ? faradayLimitsExample() : faradayAccountUsageExample());
    const error = await upstreamFailure(client().fetchAccount());
    expect(error.code).toBe('UPSTREAM_AUTH_FAILED');
    expect(error.vendorCode).toBe('FORBIDDEN');
    expect(error.upstreamRequestId).toBe(ERROR_ID);
    expect(error.message).toBe('FARADAY answered 403: FORBIDDEN: No access to usage');
  });

  it('rejects fetchAccount when one call answers a broken body', async () => {
    call(LIMITS_PATH).reply(200, faradayLimitsExample());
    call(USAGE_PATH).reply(200, '<html>Please sign in</html>', { headers: { 'content-type': 'text/html' } });
    const error = await upstreamFailure(client().fetchAccount());
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.httpStatus).toBe(200);
  });
});

describe('FaradayClient — error statuses', () => {
  it.each([
    [400, 'BAD_REQUEST', 'UPSTREAM_BAD_REQUEST'],
    [400, 'VALIDATION_FAILED', 'UPSTREAM_BAD_REQUEST'],
    [400, 'CONFLICT', 'UPSTREAM_BAD_REQUEST'],
    [401, 'MISSING_API_KEY', 'UPSTREAM_AUTH_FAILED'],
    [401, 'MALFORMED_API_KEY', 'UPSTREAM_AUTH_FAILED'],
    [401, 'EXPIRED_API_KEY', 'UPSTREAM_AUTH_FAILED'],
    [401, 'INVALID_AUTHORIZATION', 'UPSTREAM_AUTH_FAILED'],
    [403, 'FORBIDDEN', 'UPSTREAM_AUTH_FAILED'],
    [403, 'MAX_RESOURCES_REACHED', 'UPSTREAM_AUTH_FAILED'],
    [404, 'NOT_FOUND', 'UPSTREAM_NOT_FOUND'],
    [500, 'INTERNAL_SERVER_ERROR', 'UPSTREAM_UNAVAILABLE'],
    [400, 'SOME_FUTURE_CODE', 'UPSTREAM_BAD_REQUEST'],
  ])('maps %i %s to %s with the error id', async (status, code, expected) => {
    call(LIMITS_PATH).reply(status, faradayError(code), { headers: JSON_HEADERS });
    const error = await upstreamFailure(client().fetchLimits());
    expect(error.code).toBe(expected);
    expect(error.provider).toBe('FARADAY');
    expect(error.httpStatus).toBe(status);
    expect(error.vendorCode).toBe(code);
    expect(error.upstreamRequestId).toBe(ERROR_ID);
    expect(error.fieldErrors).toEqual([]);
    expect(error.message).toBe(`FARADAY answered ${status}: ${code}`);
  });

  it('maps an error of the account usage call the same way, with its message', async () => {
    call(USAGE_PATH).reply(401, faradayError('EXPIRED_API_KEY', { message: 'Your API key has expired' }));
    const error = await upstreamFailure(client().fetchAccountUsage());
    expect(error.code).toBe('UPSTREAM_AUTH_FAILED');
    expect(error.vendorCode).toBe('EXPIRED_API_KEY');
    expect(error.upstreamRequestId).toBe(ERROR_ID);
    expect(error.message).toBe('FARADAY answered 401: EXPIRED_API_KEY: Your API key has expired');
  });

  it('turns validationErrors of any shape into fieldErrors', async () => {
    call(LIMITS_PATH).reply(
      400,
      faradayError('VALIDATION_FAILED', {
        message: 'Request failed validation',
        validationErrors: [
          { instancePath: '/limit', keyword: 'type', params: { type: 'integer' }, message: 'must be integer' },
          { instancePath: '', keyword: 'required', params: { missingProperty: 'name' }, message: "must have required property 'name'" },
          { dataPath: '.usage', message: 'should be >= 0' },
          { field: 'cohort_id', message: 'is not a uuid' },
          { path: ['filters', 0, 'op'], keyword: 'enum' },
          { foo: 'bar' },
          42,
        ],
      }),
    );
    const error = await upstreamFailure(client().fetchLimits());
    expect(error.code).toBe('UPSTREAM_BAD_REQUEST');
    expect(error.fieldErrors).toEqual([
      { field: '/limit', reason: 'must be integer' },
      { field: 'name', reason: "must have required property 'name'" },
      { field: '.usage', reason: 'should be >= 0' },
      { field: 'cohort_id', reason: 'is not a uuid' },
      { field: 'filters.0.op', reason: 'enum' },
      { field: '(root)', reason: 'invalid' },
      { field: '(root)', reason: 'invalid' },
    ]);
  });

  it('keeps the code of an error body without an id', async () => {
    call(LIMITS_PATH).reply(401, { error: 'MISSING_API_KEY' });
    const error = await upstreamFailure(client().fetchLimits());
    expect(error.vendorCode).toBe('MISSING_API_KEY');
    expect(error.upstreamRequestId).toBeNull();
  });

  it.each([
    ['an HTML page', '<html><body>500 Internal Server Error</body></html>'],
    ['malformed JSON', '{"error": "INTERNAL_SER'],
    ['JSON of another shape', '{"message": "Internal Server Error"}'],
  ])('maps an error whose body is %s with a generic message', async (_label, text) => {
    call(LIMITS_PATH).reply(500, text);
    const error = await upstreamFailure(client().fetchLimits());
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.httpStatus).toBe(500);
    expect(error.message).toBe(`FARADAY answered 500: ${UNREADABLE_ERROR_BODY}`);
    expect(error.vendorCode).toBeNull();
    expect(error.upstreamRequestId).toBeNull();
  });
});

describe('FaradayClient — broken success bodies', () => {
  it('rejects malformed JSON', async () => {
    call(LIMITS_PATH).reply(200, '[{"name": "cohort.max_count", "limit": 1', { headers: JSON_HEADERS });
    const error = await upstreamFailure(client().fetchLimits());
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.message).toContain('not JSON');
  });

  it('rejects an HTML page served with status 200', async () => {
    call(USAGE_PATH).reply(200, '<!doctype html><title>Faraday</title>', { headers: { 'content-type': 'text/html' } });
    const error = await upstreamFailure(client().fetchAccountUsage());
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.message).toContain('text/html');
    expect(error.httpStatus).toBe(200);
  });

  it('rejects a limits body that is not an array', async () => {
    call(LIMITS_PATH).reply(200, { usages: faradayLimitsExample() });
    const error = await upstreamFailure(client().fetchLimits());
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.message).toContain('(root)');
  });

  it.each([
    ['finished_at', (u: Usage) => omit(u, 'finished_at'), 'finished_at'],
    ['id', (u: Usage) => omit(u, 'id'), 'id'],
    ['lookup_api_requests', (u: Usage) => omit(u, 'lookup_api_requests'), 'lookup_api_requests'],
    [
      'term_period_to_last_month of a non-predictive metric',
      (u: Usage) => {
        u.lookup_api_requests.successful = omit(u.lookup_api_requests.successful, 'term_period_to_last_month');
        return u;
      },
      'lookup_api_requests.successful.term_period_to_last_month',
    ],
    [
      'last_12_months of predictive_data',
      (u: Usage) => {
        u.batch_deployments.predictive_data = omit(u.batch_deployments.predictive_data, 'last_12_months');
        return u;
      },
      'batch_deployments.predictive_data.last_12_months',
    ],
    [
      'resource_id of a predictive resource',
      (u: Usage) => {
        const predictive = u.batch_deployments.predictive_data;
        predictive.resources = predictive.resources.map((resource) => omit(resource, 'resource_id'));
        return u;
      },
      'batch_deployments.predictive_data.resources.0.resource_id',
    ],
  ])('rejects a missing %s, naming its path', async (_label, mutate, field) => {
    call(USAGE_PATH).reply(200, mutate(faradayAccountUsageExample()));
    const error = await upstreamFailure(client().fetchAccountUsage());
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.message).toMatch(new RegExp(`^FARADAY GET ${USAGE_PATH} broke its contract: .*\\b${field.replace(/\./g, '\\.')}: `));
  });

  it.each([
    [LIMITS_PATH, '"limit":10', '"limit":"10"', '0.limit'],
    [LIMITS_PATH, '"name":"cohort.max_count"', '"name":null', '0.name'],
    [USAGE_PATH, '"started_at":"2024-01-01T12:00:00Z"', '"started_at":"yesterday"', 'started_at'],
    [USAGE_PATH, '"consumer_data":{"last_month":{"count":0}', '"consumer_data":{"last_month":{"count":"0"}', 'batch_deployments.consumer_data.last_month.count'],
    [USAGE_PATH, '"resources":[', '"resources":"none","was":[', 'batch_deployments.predictive_data.resources'],
  ])('rejects a wrong type in %s (%s), naming its path', async (path, from, to, field) => {
    const text = JSON.stringify(path === LIMITS_PATH ? faradayLimitsExample() : faradayAccountUsageExample());
    const broken = text.replace(from, to);
    expect(broken).not.toBe(text);
    call(path).reply(200, broken, { headers: JSON_HEADERS });
    const error = await upstreamFailure(path === LIMITS_PATH ? client().fetchLimits() : client().fetchAccountUsage());
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.message).toContain(`${field}: `);
  });
});

describe('FaradayClient — the key never leaks', () => {
  it('redacts a key echoed anywhere in an error body', async () => {
    call(LIMITS_PATH).reply(
      401,
      {
        error: `INVALID_AUTHORIZATION ${KEY}`,
        id: `${ERROR_ID}/${KEY}`,
        message: `API key ${KEY} is not valid (Authorization: Bearer ${KEY})`,
        validationErrors: [{ instancePath: `/headers/${KEY}`, message: `got ${KEY}` }],
      },
    );
    const error = await upstreamFailure(client().fetchLimits());
    expect(error.code).toBe('UPSTREAM_AUTH_FAILED');
    expect(error.upstreamRequestId).toBe(`${ERROR_ID}/[REDACTED]`);
    expect(error.fieldErrors).toEqual([{ field: '/headers/[REDACTED]', reason: 'got [REDACTED]' }]);
    expectNoSecret(error, KEY);
  });

  it.each(ECHO_OFFSETS)('redacts a key echoed at offset %i of an HTML page served with status 200', async (offset) => {
    call(USAGE_PATH).reply(200, echoPage(KEY, offset), { headers: { 'content-type': 'text/html' } });
    const error = await upstreamFailure(client().fetchAccountUsage());
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expectNoSecret(error, KEY);
  });
});

describe('FaradayClient — transport failures', () => {
  it('times out as UPSTREAM_TIMEOUT', async () => {
    // A deadline a loaded machine cannot miss for the call that answers at once.
    bed.withTransport({ timeoutMs: 500 });
    call(LIMITS_PATH).reply(200, faradayLimitsExample()).delay(5_000);
    call(USAGE_PATH).reply(200, faradayAccountUsageExample());
    const error = await upstreamFailure(client().fetchAccount());
    expect(error.code).toBe('UPSTREAM_TIMEOUT');
    // The attempt's deadline is what is left of the call's 500 ms when it leaves (a millisecond may
    // have passed on a loaded machine), and the message names the deadline it enforced.
    expect(error.message).toMatch(/^FARADAY \/v1\/usages did not answer within (500|49\d) ms$/);
  });

  it('fails to connect as UPSTREAM_UNAVAILABLE', async () => {
    call(LIMITS_PATH).replyWithError(Object.assign(new Error(`connect ECONNRESET with ${KEY}`), { code: 'ECONNRESET' }));
    const error = await upstreamFailure(client().fetchLimits());
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.message).toContain('ECONNRESET');
    expectNoSecret(error, KEY);
  });
});

type Usage = ReturnType<typeof faradayAccountUsageExample>;

function omit<T extends object, K extends keyof T>(value: T, key: K): T {
  const copy = { ...value };
  delete copy[key];
  return copy;
}
