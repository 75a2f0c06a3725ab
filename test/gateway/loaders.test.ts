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
        i: partnerUsage(first: 1000) { edges { node { sub } } }
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
    // account(ARRAYS) summarises the first 1000 stream entries, which partnerUsage(first: 1000) reads too.
    expect(harness.sims.arrays.hits()).toBe(1);
  });

  it('different arguments are different calls', async () => {
    await harness.query(`{
      x: apiKeyUsage(input: { timeframe: LAST_7_DAYS }) { totals { requests } }
      y: apiKeyUsage(input: { timeframe: LAST_30_DAYS }) { totals { requests } }
    }`);
    expect(harness.sims.anylayer.hits()).toBe(2);
  });

  it('a fresh operation calls again (loaders live for one request)', async () => {
    await harness.query(`{ account(provider: SHARPE) { fetchedAt } }`);
    await harness.query(`{ account(provider: SHARPE) { fetchedAt } }`);
    expect(harness.sims.sharpe.hits()).toBe(2);
  });

  it('calls the vendors in parallel: every vendor is called before any has answered', async () => {
    for (const sim of [harness.sims.arrays, harness.sims.anylayer, harness.sims.sharpe, harness.sims.faraday]) {
      sim.setFault({ fault: { mode: 'hang' } });
    }
    const pending = harness.query<any>(`{ accounts { error { code } } }`);
    // Sequential calls would leave three vendors at zero hits while the first one hangs.
    const deadline = Date.now() + 2500;
    let hits = [0, 0, 0, 0];
    while (Date.now() < deadline) {
      hits = [harness.sims.arrays.hits(), harness.sims.anylayer.hits(), harness.sims.sharpe.hits(), harness.sims.faraday.hits()];
      if (hits.every((count) => count > 0)) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(hits).toEqual([1, 1, 1, 2]);
    const { body } = await pending;
    expect(body.data!.accounts.map((entry: any) => entry.error.code)).toEqual([
      'UPSTREAM_TIMEOUT',
      'UPSTREAM_TIMEOUT',
      'UPSTREAM_TIMEOUT',
      'UPSTREAM_TIMEOUT',
    ]);
  });
});
