import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

/** Reads a vendor simulator directly, as the vendor would answer the gateway. */
async function vendorJson(baseUrl: string, path: string, credential: string): Promise<any> {
  const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${credential}` } });
  return response.json();
}

const OVERVIEW = /* GraphQL */ `
  query {
    accounts {
      provider { id simulated }
      error { code message httpStatus retryAfterSeconds upstreamRequestId vendorCode }
      account {
        plan { tier requestsPerMinute monthlyLimit }
        rateLimit { tier requestsPerMinute remaining resetsAt }
        quotas { name description used limit remaining utilization resetsAt }
        endpoints { path method requests errors errorRate avgLatencyMs window { kind label start end } }
        periods { metric group resourceId resourceType monthToDate lastMonth last12Months termPeriodToLastMonth }
        alerts { type severity message recommendation source }
        totals { requests successfulRequests failedRequests avgLatencyMs p95LatencyMs }
        recordedAt
        snapshot { id recordingStartedAt recordingFinishedAt }
        upstreamElapsedMs
        upstreamRequestId
        fetchedAt
      }
    }
  }
`;

describe('accounts over the four simulated vendors', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await harness.close();
  });

  it('answers for all four vendors, each value as the vendor sent it', async () => {
    const { body } = await harness.query<any>(OVERVIEW);
    expect(body.errors).toBeUndefined();
    const byId = Object.fromEntries(body.data.accounts.map((entry: any) => [entry.provider.id, entry]));
    expect(Object.keys(byId)).toEqual(['ARRAYS', 'ANYLAYER', 'SHARPE', 'FARADAY']);
    for (const entry of body.data.accounts) {
      expect(entry.error).toBeNull();
      expect(entry.provider.simulated).toBe(true);
      expect(Date.parse(entry.account.fetchedAt)).toBeGreaterThan(Date.now() - 60_000);
    }

    const sharpe = await vendorJson(harness.sims.sharpe.baseUrl, '/v1/usage', harness.sims.sharpe.credential);
    const sharpeAccount = byId.SHARPE.account;
    expect(sharpeAccount.plan).toEqual({
      tier: sharpe.data.plan.tier,
      requestsPerMinute: sharpe.data.plan.rpm,
      monthlyLimit: sharpe.data.plan.monthly_limit,
    });
    expect(sharpeAccount.rateLimit.requestsPerMinute).toBe(sharpe.data.rate_limit.requests_per_minute);
    expect(sharpeAccount.quotas[0]).toMatchObject({
      used: sharpe.data.quota.used,
      limit: sharpe.data.quota.limit,
      remaining: sharpe.data.quota.remaining,
      resetsAt: new Date(sharpe.data.quota.resets_at).toISOString(),
    });
    expect(sharpeAccount.quotas[0].utilization).toBeCloseTo(sharpe.data.quota.used / sharpe.data.quota.limit, 10);
    expect(sharpeAccount.endpoints.map((e: any) => e.path).sort()).toEqual(Object.keys(sharpe.data.last_24h.by_endpoint).sort());
    expect(sharpeAccount.endpoints[0].window.kind).toBe('LAST_24_HOURS');
    expect(sharpeAccount.totals.requests).toBe(sharpe.data.last_24h.total_requests);

    const limits = await vendorJson(harness.sims.faraday.baseUrl, '/v1/usages', harness.sims.faraday.credential);
    const usage = await vendorJson(harness.sims.faraday.baseUrl, '/v1/accounts/current/usage', harness.sims.faraday.credential);
    const faradayAccount = byId.FARADAY.account;
    expect(faradayAccount.quotas.map((q: any) => [q.name, q.used, q.limit]).sort()).toEqual(
      limits.map((l: any) => [l.name, l.usage, l.limit]).sort(),
    );
    expect(faradayAccount.snapshot).toEqual({
      id: usage.id,
      recordingStartedAt: new Date(usage.started_at).toISOString(),
      recordingFinishedAt: new Date(usage.finished_at).toISOString(),
    });
    const requests = faradayAccount.periods.find((p: any) => p.metric === 'lookup_api_requests.requests');
    expect(requests.monthToDate).toBe(usage.lookup_api_requests.requests.month_to_date.count);
    const resources = faradayAccount.periods.filter((p: any) => p.resourceId !== null);
    expect(resources.map((r: any) => r.resourceId)).toEqual(
      usage.batch_deployments.predictive_data.resources.map((r: any) => r.resource_id),
    );

    const anylayerAccount = byId.ANYLAYER.account;
    expect(anylayerAccount.totals.requests).toBeGreaterThan(0);
    expect(anylayerAccount.rateLimit.requestsPerMinute).toBeGreaterThan(0);
    expect(anylayerAccount.endpoints.length).toBeGreaterThan(0);

    const arraysAccount = byId.ARRAYS.account;
    expect(arraysAccount.endpoints[0].window.kind).toBe('STREAM_WINDOW');
    expect(arraysAccount.totals.requests).toBe(
      arraysAccount.endpoints.reduce((sum: number, e: any) => sum + e.requests, 0),
    );
  });

  it('calls no vendor when no entry asks for its account or error, and every vendor once when a deferred fragment does', async () => {
    const before = harness.vendorCalls();
    const { body } = await harness.query<any>('{ accounts { id provider { id name } } }');
    expect(body.errors).toBeUndefined();
    expect(body.data.accounts).toHaveLength(4);
    expect(harness.vendorCalls()).toBe(before);
    // Through a named fragment and a deferred one, the selection still asks for `account`.
    const deferred = await harness.yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({ query: '{ accounts { ...Entry } } fragment Entry on AccountResult { provider { id } ... @defer { account { fetchedAt } } }' }),
    });
    expect(await deferred.text()).toContain('fetchedAt');
    expect(harness.vendorCalls()).toBeGreaterThan(before);
  });

  it('carries counters beyond 2^31 exactly', async () => {
    const { body } = await harness.query<any>(`{ account(provider: FARADAY) { periods { metric last12Months } } }`);
    const big = body.data.account.periods.filter((p: any) => (p.last12Months ?? 0) > 2 ** 31);
    expect(big.length).toBeGreaterThan(0);
    const usage = await vendorJson(harness.sims.faraday.baseUrl, '/v1/accounts/current/usage', harness.sims.faraday.credential);
    const predictive = body.data.account.periods.find((p: any) => p.metric === 'batch_deployments.predictive_data');
    expect(predictive.last12Months).toBe(usage.batch_deployments.predictive_data.last_12_months.count);
  });

  it('one vendor down: its entry carries a typed error, the other three answer', async () => {
    harness.sims.sharpe.setFault({ fault: { mode: 'status', status: 503 } });
    const { body } = await harness.query<any>(OVERVIEW);
    expect(body.errors).toBeUndefined();
    const sharpe = body.data.accounts.find((entry: any) => entry.provider.id === 'SHARPE');
    expect(sharpe.account).toBeNull();
    expect(sharpe.error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', httpStatus: 503 });
    const others = body.data.accounts.filter((entry: any) => entry.provider.id !== 'SHARPE');
    expect(others.map((entry: any) => [entry.provider.id, entry.error])).toEqual([
      ['ARRAYS', null],
      ['ANYLAYER', null],
      ['FARADAY', null],
    ]);
    for (const entry of others) expect(entry.account.fetchedAt).toBeTruthy();
  });

  it('a vendor closed outright: UPSTREAM_UNAVAILABLE for it, data for the rest', async () => {
    await harness.sims.faraday.close();
    const { body } = await harness.query<any>(`{
      faraday: account(provider: FARADAY) { fetchedAt }
      sharpe: account(provider: SHARPE) { plan { tier } }
    }`);
    expect(body.data.faraday).toBeNull();
    expect(body.data.sharpe.plan.tier).toBeTruthy();
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]).toMatchObject({ path: ['faraday'], extensions: { code: 'UPSTREAM_UNAVAILABLE', provider: 'FARADAY' } });
  });

  it('a 429 reaches the client with its Retry-After', async () => {
    harness.sims.sharpe.setFault({ fault: { mode: 'rate-limit', retryAfter: '17' } });
    const { body } = await harness.query<any>(`{ account(provider: SHARPE) { fetchedAt } }`);
    expect(body.data.account).toBeNull();
    expect(body.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_RATE_LIMITED',
      provider: 'SHARPE',
      httpStatus: 429,
      retryAfterSeconds: 17,
    });
  });

  it('a malformed vendor body is UPSTREAM_BAD_RESPONSE for that vendor only', async () => {
    harness.sims.anylayer.setFault({ fault: { mode: 'drift' } });
    harness.sims.faraday.setFault({ fault: { mode: 'html' } });
    const { body } = await harness.query<any>(`{ accounts { provider { id } error { code message } account { fetchedAt } } }`);
    const codes = Object.fromEntries(body.data.accounts.map((e: any) => [e.provider.id, e.error?.code ?? 'OK']));
    expect(codes).toEqual({ ARRAYS: 'OK', ANYLAYER: 'UPSTREAM_BAD_RESPONSE', SHARPE: 'OK', FARADAY: 'UPSTREAM_BAD_RESPONSE' });
    const faraday = body.data.accounts.find((e: any) => e.provider.id === 'FARADAY');
    expect(faraday.error.message).toMatch(/not JSON/);
  });
});

describe('credentials', () => {
  const CANARY = 'sk_live_canary_credential_9f8e7d6c5b4a';
  let harness: Harness;
  afterEach(async () => {
    await harness.close();
  });

  it('a refused credential is UPSTREAM_AUTH_FAILED with the vendor error id, and the credential is nowhere', async () => {
    harness = await startHarness({ credentials: { FARADAY: CANARY, SHARPE: CANARY } });
    const { body, text } = await harness.query<any>(`{
      accounts { provider { id } error { code message httpStatus upstreamRequestId vendorCode } }
      account(provider: FARADAY) { fetchedAt }
    }`);
    const faraday = body.data.accounts.find((e: any) => e.provider.id === 'FARADAY').error;
    expect(faraday).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', httpStatus: 401, vendorCode: 'INVALID_AUTHORIZATION' });
    expect(faraday.upstreamRequestId).toMatch(/^[0-9a-f-]{36}$/);
    const sharpe = body.data.accounts.find((e: any) => e.provider.id === 'SHARPE').error;
    expect(sharpe).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', httpStatus: 401 });
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', provider: 'FARADAY' });
    expect(text).not.toContain(CANARY);
    expect(harness.logs.join('\n')).not.toContain(CANARY);
  });

  it('a vendor without a credential is reported as not configured', async () => {
    harness = await startHarness({ credentials: { SHARPE: null } });
    const { body } = await harness.query<any>(`{ providers { id } account(provider: SHARPE) { fetchedAt } }`);
    expect(body.data.providers.map((p: any) => p.id)).toEqual(['ARRAYS', 'ANYLAYER', 'FARADAY']);
    expect(body.data.account).toBeNull();
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_NOT_CONFIGURED', provider: 'SHARPE' });
    expect(harness.sims.sharpe.hits()).toBe(0);
  });
});

describe('unexpected errors', () => {
  let harness: Harness;
  afterEach(async () => {
    await harness.close();
  });

  it('are masked for the client and logged with every credential redacted', async () => {
    harness = await startHarness();
    const sharpe = harness.registry.get('SHARPE')!;
    const credential = harness.sims.sharpe.credential;
    // A bug that leaks a credential into an error message: the client must see none of it.
    sharpe.client.fetchAccount = async () => {
      throw new TypeError(`cannot read plan of undefined (key ${credential})`);
    };
    const { body, text } = await harness.query<any>(`{
      account(provider: SHARPE) { fetchedAt }
      accounts { provider { id } error { code message } }
    }`);
    expect(body.data.account).toBeNull();
    expect(body.errors![0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    const entry = body.data.accounts.find((e: any) => e.provider.id === 'SHARPE');
    expect(entry.error).toEqual({ code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' });
    expect(text).not.toContain(credential);
    const errorLines = harness.logs.filter((line) => line.includes('cannot read plan of undefined'));
    expect(errorLines.length).toBeGreaterThanOrEqual(2);
    for (const line of errorLines) {
      expect(line).not.toContain(credential);
      expect(line).toContain('[REDACTED]');
    }
  });
});
