import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

describe('one upstream call per distinct (vendor, arguments) per operation', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await harness.close();
  });

  it('aliases, fragments, `account` and `accounts` share each vendor call', async () => {
    const { body } = await harness.query<any>(/* GraphQL */ `
      fragment Plan on Account { plan { tier } quotas { used } }
      query {
        a: account(provider: SHARPE) { ...Plan }
        b: account(provider: SHARPE) { fetchedAt ...Plan }
        c: account(provider: FARADAY) { periods { metric } }
        d: account(provider: FARADAY) { quotas { name } }
        e: account(provider: ANYLAYER) { totals { requests } }
        f: apiKeyUsage { totals { requests } }
        g: apiKeyUsage(input: { timeframe: LAST_24_HOURS, limit: 100 }) { timeSeries { requests } }
        h: account(provider: ARRAYS) { endpoints { path } }
        i: partnerUsage(first: 100, entriesPerVendorCall: 1000) { edges { node { sub } } }
        j: partnerUsage { pageInfo { endCursor } }
        accounts { account { fetchedAt ...Plan } }
      }
    `);
    expect(body.errors).toBeUndefined();
    expect(body.data.a.plan.tier).toBe(body.data.b.plan.tier);
    expect(body.data.e.totals.requests).toBe(body.data.f.totals.requests);
    expect(harness.sims.sharpe.hits()).toBe(1);
    // Faraday's account is two endpoints, each called once.
    expect(harness.sims.faraday.hits('/v1/usages')).toBe(1);
    expect(harness.sims.faraday.hits('/v1/accounts/current/usage')).toBe(1);
    // account(ANYLAYER) is the vendor's default analytics call, so apiKeyUsage with defaults shares it.
    expect(harness.sims.anylayer.hits()).toBe(1);
    // account(ARRAYS) summarises the first 1000 stream entries, which partnerUsage reads too with its default entriesPerVendorCall.
    expect(harness.sims.arrays.hits()).toBe(1);
  });

  it('different arguments are different calls', async () => {
    await harness.query(`{
      x: apiKeyUsage(input: { timeframe: LAST_7_DAYS }) { totals { requests } }
      y: apiKeyUsage(input: { timeframe: LAST_30_DAYS }) { totals { requests } }
    }`);
    expect(harness.sims.anylayer.hits()).toBe(2);
  });

  it('a later operation is served from the shared cache while it is fresh', async () => {
    const first = await harness.query<any>(`{ account(provider: SHARPE) { fetchedAt stale } }`);
    const second = await harness.query<any>(`{ account(provider: SHARPE) { fetchedAt stale } }`);
    expect(harness.sims.sharpe.hits()).toBe(1);
    expect(second.body.data.account).toEqual(first.body.data.account);
    expect(second.body.data.account.stale).toBe(false);
  });

  it('a fresh operation calls again when the cache TTL is 0 (loaders live for one request)', async () => {
    const uncached = await startHarness({ policy: { cacheTtlMs: 0 } });
    try {
      await uncached.query(`{ account(provider: SHARPE) { fetchedAt } }`);
      await uncached.query(`{ account(provider: SHARPE) { fetchedAt } }`);
      expect(uncached.sims.sharpe.hits()).toBe(2);
    } finally {
      await uncached.close();
    }
  });

  it('calls the vendors in parallel: every vendor is called before any has answered', async () => {
    const sims = [harness.sims.arrays, harness.sims.anylayer, harness.sims.sharpe, harness.sims.faraday];
    for (const sim of sims) sim.setFault({ fault: { mode: 'hang' } });
    const pending = harness.query<any>(`{ accounts { provider { id } error { code } account { fetchedAt } } }`);
    // Every vendor hangs until released, so sequential calls could never get past the first one;
    // seeing all of them called while all still hang proves the calls were made at once.
    // Faraday's account is two endpoints: wait for every expected call (a slow machine only makes
    // that later), then require exactly those and no more.
    const expected = [1, 1, 1, 2];
    const hits = () => sims.map((sim) => sim.hits());
    const giveUp = Date.now() + 20_000;
    while (Date.now() < giveUp && !hits().every((count, i) => count >= expected[i]!)) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(hits()).toEqual(expected);
    for (const sim of sims) sim.setFault(null);
    const { body } = await pending;
    expect(body.data.accounts.map((entry: any) => [entry.provider.id, entry.error])).toEqual([
      ['ARRAYS', null],
      ['ANYLAYER', null],
      ['SHARPE', null],
      ['FARADAY', null],
    ]);
  });

  it('answers fields in the order the query asked for them, whichever vendor answers first', async () => {
    harness.sims.sharpe.setFault({ fault: { mode: 'latency', ms: 150 } });
    const { body } = await harness.query<any>(`{ slow: account(provider: SHARPE) { fetchedAt } fast: providers { id } }`);
    expect(Object.keys(body.data)).toEqual(['slow', 'fast']);
  });
});
