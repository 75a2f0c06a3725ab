import { afterEach, describe, expect, it } from 'vitest';
import { startAnylayerSimulator } from '../../src/simulators/anylayer/server.js';
import { startArraysSimulator } from '../../src/simulators/arrays.js';
import { startFaradaySimulator } from '../../src/simulators/faraday.js';
import { SIMULATOR_ADMIN_HEADER, simulatorAdminToken, type SimulatorHandle } from '../../src/simulators/index.js';
import { startSharpeSimulator } from '../../src/simulators/sharpe.js';
import { bearer, get } from '../support/http-get.js';

const MINUTE = 60_000;
let sims: SimulatorHandle[] = [];
afterEach(async () => {
  await Promise.all(sims.map((sim) => sim.close()));
  sims = [];
});

function track<T extends SimulatorHandle>(sim: T): T {
  sims.push(sim);
  return sim;
}

function postUsage(sim: SimulatorHandle, body: unknown, headers: Record<string, string> = { [SIMULATOR_ADMIN_HEADER]: simulatorAdminToken() }) {
  return fetch(`${new URL(sim.baseUrl).origin}/__sim/usage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function sharpeQuota(sim: SimulatorHandle) {
  return (await get(`${sim.baseUrl}/v1/usage`, bearer(sim.credential))).json().data.quota;
}

describe('simulated usage over time', () => {
  it('Sharpe’s quota grows with the clock, restarts at the month, and reaches its limit before the reset', async () => {
    let now = Date.UTC(2026, 10, 10, 12);
    const sim = track(await startSharpeSimulator({ clock: () => now }));
    const first = await sharpeQuota(sim);
    expect(first.resets_at).toBe('2026-12-01T00:00:00Z');
    now += 10 * MINUTE;
    const later = await sharpeQuota(sim);
    expect(later.used).toBeGreaterThan(first.used);
    expect(later.remaining).toBe(later.limit - later.used);
    // A day and a half before the reset it has run out.
    now = Date.UTC(2026, 10, 30, 6);
    expect((await sharpeQuota(sim)).used).toBe(first.limit);
    now = Date.UTC(2026, 11, 1, 0, 10);
    const december = await sharpeQuota(sim);
    expect(december.used).toBeLessThan(first.used);
    expect(december.resets_at).toBe('2027-01-01T00:00:00Z');
  });

  it('without a clock every body stays as seeded', async () => {
    const sim = track(await startSharpeSimulator());
    expect(await sharpeQuota(sim)).toEqual(await sharpeQuota(sim));
  });

  it('POST /__sim/usage sets a counter, which grows from there; a new limit replaces the old', async () => {
    let now = Date.UTC(2026, 10, 10, 12);
    const sim = track(await startSharpeSimulator({ clock: () => now }));
    const response = await postUsage(sim, { quota: 'monthly_requests', used: 1234, limit: 2_000_000 });
    expect(response.status).toBe(204);
    expect(await sharpeQuota(sim)).toMatchObject({ used: 1234, limit: 2_000_000, remaining: 2_000_000 - 1234 });
    now += 5 * MINUTE;
    expect((await sharpeQuota(sim)).used).toBeGreaterThan(1234);
  });

  it('POST /__sim/usage with perMinute makes the counter climb that many a minute, stopping at its limit', async () => {
    let now = Date.UTC(2026, 10, 10, 12);
    const sim = track(await startSharpeSimulator({ clock: () => now }));
    expect((await postUsage(sim, { quota: 'monthly_requests', used: 900, limit: 1000, perMinute: 60 })).status).toBe(204);
    expect((await sharpeQuota(sim)).used).toBe(900);
    now += 30_000;
    expect((await sharpeQuota(sim)).used).toBe(930);
    now += MINUTE;
    expect((await sharpeQuota(sim)).used).toBe(990);
    now += 10 * MINUTE;
    expect(await sharpeQuota(sim)).toMatchObject({ used: 1000, remaining: 0 });
  });

  it('refuses a bad setting with 400 and says why, and wants the admin token', async () => {
    const sim = track(await startSharpeSimulator());
    for (const [body, message] of [
      [{ quota: 'nope', used: 1 }, 'known: monthly_requests'],
      [{ quota: 'monthly_requests', used: -1 }, '`used` must be a non-negative integer'],
      [{ quota: 'monthly_requests', used: 1.5 }, '`used` must be a non-negative integer'],
      [{ quota: 'monthly_requests', used: 1, limit: 'many' }, '`limit` must be a non-negative integer'],
      [{ quota: 'monthly_requests', used: 1, perMinute: 0.5 }, '`perMinute` must be a non-negative integer'],
      [{ used: 1 }, '`quota` must be a non-empty string'],
      ['{not json', 'JSON'],
    ] as const) {
      const response = await postUsage(sim, body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toContain(message);
    }
    expect((await postUsage(sim, { quota: 'monthly_requests', used: 1 }, {})).status).toBe(401);
    const arrays = track(await startArraysSimulator());
    const refused = await postUsage(arrays, { quota: 'calls', used: 1 });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toContain('reports no counter');
  });

  it('Faraday’s monthly limit and month-to-date counters grow, each at its pace, and drop at the month with no reset time', async () => {
    let now = Date.UTC(2026, 10, 10, 12);
    const sim = track(await startFaradaySimulator({ clock: () => now }));
    const read = async () => {
      const limits = (await get(`${sim.baseUrl}/v1/usages`, bearer(sim.credential))).json() as { name: string; usage: number }[];
      const usage = (await get(`${sim.baseUrl}/v1/accounts/current/usage`, bearer(sim.credential))).json();
      return { lookup: limits.find((item) => item.name === 'lookup_api.monthly_request_count')!.usage, cohort: limits.find((item) => item.name === 'cohort.max_count')!.usage, requests: usage.lookup_api_requests.requests.month_to_date.count as number, consumer: usage.batch_deployments.consumer_data.month_to_date.count as number };
    };
    const first = await read();
    now += HOUR;
    const later = await read();
    expect(later.lookup).toBeGreaterThan(first.lookup);
    expect(later.requests).toBeGreaterThan(first.requests);
    expect(later.consumer).toBeGreaterThan(first.consumer);
    expect(later.cohort).toBe(first.cohort);
    // Each at its own pace.
    expect((later.requests - first.requests) / first.requests).not.toBeCloseTo((later.consumer - first.consumer) / first.consumer, 6);
    now = Date.UTC(2026, 11, 1, 1);
    const december = await read();
    expect(december.lookup).toBeLessThan(first.lookup);
    expect(december.requests).toBeLessThan(first.requests);

    expect((await postUsage(sim, { quota: 'lookup_api_requests.requests', used: 5 })).status).toBe(204);
    expect((await read()).requests).toBe(5);
    expect((await postUsage(sim, { quota: 'cohort.max_count', used: 3 })).status).toBe(204);
    expect((await read()).cohort).toBe(3);
  });

  it('Anylayer’s rate limit remaining moves through each minute, and can be set', async () => {
    let now = Date.UTC(2026, 10, 10, 12, 0, 5);
    const sim = track(await startAnylayerSimulator({ clock: () => now }));
    const rateLimit = async () => (await get(`${sim.baseUrl}/v1/developer/usage`, bearer(sim.credential))).json().data.rate_limit;
    const early = await rateLimit();
    now += 40_000;
    const late = await rateLimit();
    expect(late.remaining).toBeLessThan(early.remaining);
    expect(late.reset_at).toBe('2026-11-10T12:01:00.000Z');
    expect((await postUsage(sim, { quota: 'rate_limit', used: 10 })).status).toBe(204);
    expect((await rateLimit()).remaining).toBe(late.requests_per_minute - 10);
  });
});

const HOUR = 60 * MINUTE;
