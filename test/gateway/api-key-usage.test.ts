import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

const USAGE = /* GraphQL */ `
  query Usage($input: ApiKeyUsageInput) {
    apiKeyUsage(input: $input) {
      keyId
      totals { requests successfulRequests failedRequests avgLatencyMs p95LatencyMs window { kind label } }
      timeSeries { timestamp requests errors avgLatencyMs }
      endpoints { path method requests errors avgLatencyMs }
      errors { total rate byStatus { key count } byType { key count } }
      rateLimit { tier requestsPerMinute remaining resetsAt }
      alerts { type vendorType severity message recommendation source }
      pagination { limit offset total hasMore }
      respondedAt
      fetchedAt
    }
  }
`;

describe('apiKeyUsage', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness.close();
  });
  beforeEach(() => harness.sims.anylayer.resetHits());

  it('returns every part of the analytics, as the vendor sent them', async () => {
    const { body } = await harness.query<any>(USAGE, { input: { timeframe: 'LAST_7_DAYS', granularity: 'DAY', limit: 5 } });
    expect(body.errors).toBeUndefined();
    const usage = body.data.apiKeyUsage;
    const raw = await (
      await fetch(`${harness.sims.anylayer.baseUrl}/v1/developer/usage?timeframe=7d&granularity=day&limit=5`, {
        headers: { authorization: `Bearer ${harness.sims.anylayer.credential}` },
      })
    ).json();
    expect(usage.totals.requests).toBe(raw.data.usage.total_requests);
    expect(usage.totals.p95LatencyMs).toBe(raw.data.usage.p95_latency_ms);
    expect(usage.timeSeries).toHaveLength(raw.data.time_series.length);
    expect(usage.timeSeries[0].requests).toBe(raw.data.time_series[0].requests);
    expect(usage.endpoints).toHaveLength(raw.data.endpoints.length);
    expect(usage.errors.total).toBe(raw.data.errors.total);
    expect(usage.rateLimit.requestsPerMinute).toBe(raw.data.rate_limit.requests_per_minute);
    expect(usage.alerts).toHaveLength(raw.data.alerts.length);
    // Every kind the simulator raises has a name in the unified vocabulary; the vendor's own stays beside it.
    expect(usage.alerts.map((alert: any) => [alert.type, alert.vendorType])).toEqual(
      raw.data.alerts.map((alert: any) => [alert.type.toUpperCase(), alert.type]),
    );
    expect(usage.pagination).toEqual({
      limit: raw.pagination.limit,
      offset: raw.pagination.offset,
      total: raw.pagination.total,
      hasMore: raw.pagination.has_more,
    });
    expect(usage.respondedAt).toBe(new Date(raw.timestamp).toISOString());
  });

  it('parts switched off are null, not empty', async () => {
    const { body } = await harness.query<any>(USAGE, {
      input: { includeBreakdown: false, includeErrors: false, includeLatency: false },
    });
    const usage = body.data.apiKeyUsage;
    expect(usage.endpoints).toBeNull();
    expect(usage.errors).toBeNull();
    expect(usage.totals.avgLatencyMs).toBeNull();
    expect(usage.totals.p95LatencyMs).toBeNull();
  });

  it('counts beyond 2^31 for all time arrive exact', async () => {
    const { body } = await harness.query<any>(USAGE, { input: { timeframe: 'ALL_TIME', granularity: 'MONTH' } });
    expect(body.data.apiKeyUsage.totals.requests).toBeGreaterThan(2 ** 31);
    expect(Number.isSafeInteger(body.data.apiKeyUsage.totals.requests)).toBe(true);
  });

  it('an unknown key is UPSTREAM_NOT_FOUND', async () => {
    const { body } = await harness.query<any>(USAGE, { input: { keyId: 'key_does_not_exist' } });
    expect(body.data.apiKeyUsage).toBeNull();
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_NOT_FOUND', provider: 'ANYLAYER', httpStatus: 404 });
  });

  it.each([
    [{ limit: 1001 }, /limit must be between 1 and 1000/],
    [{ limit: 0 }, /limit must be between 1 and 1000/],
    [{ offset: -1 }, /offset must be 0 or more/],
    [{ keyId: 'a b' }, /keyId must be/],
  ])('rejects %j before any vendor call', async (input, message) => {
    const { body } = await harness.query<any>(USAGE, { input });
    expect(body.data.apiKeyUsage).toBeNull();
    expect(body.errors![0]!.message).toMatch(message);
    expect(body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(harness.sims.anylayer.hits()).toBe(0);
  });

  it('an unknown enum value fails GraphQL validation and costs no vendor call', async () => {
    const { body } = await harness.query<any>(`{ apiKeyUsage(input: { timeframe: LAST_DECADE }) { keyId } }`);
    expect(body.data).toBeUndefined();
    expect(body.errors![0]!.message).toMatch(/LAST_DECADE/);
    expect(harness.sims.anylayer.hits()).toBe(0);
  });
});
