import { afterEach, describe, expect, it } from 'vitest';
import { SERIES } from '../../src/monitoring/account-samples.js';
import { pastSample, seedDemoHistory } from '../../src/monitoring/demo-history.js';
import { startHistorySampler } from '../../src/monitoring/sampler.js';
import { assignPeriods } from '../../src/usage/history.js';
import { forecastQuota } from '../../src/usage/forecast.js';
import { ManualTimers, startSamplerWorld, type SamplerWorld } from './sampler-support.js';

const HOUR = 3_600_000;
let world: SamplerWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('the demo’s seeded past', () => {
  it('writes a week of hourly samples leading up to the first readings, with no vendor call of its own, once: not again on restart', async () => {
    world = await startSamplerWorld(Date.UTC(2026, 11, 4, 12, 30));
    const w = world;
    const clients = w.harness.registry.list().map((provider) => provider.client);
    const store = await w.openStore();
    let seeded = -1;
    const sampler = startHistorySampler({
      clients,
      store,
      intervalMs: 60_000,
      timers: new ManualTimers(),
      beforeFirstAppend: async (current) => {
        seeded = await seedDemoHistory({ store, current });
      },
    });
    await sampler.tick();
    await sampler.close();
    expect(seeded).toBeGreaterThan(0);
    // The first tick's reads, no more.
    expect(w.hits()).toEqual({ ARRAYS: 1, ANYLAYER: 1, SHARPE: 1, FARADAY: 2 });
    const sharpeKey = { provider: 'SHARPE', series: SERIES.quota('monthly_requests') };
    const all = await store.read(sharpeKey);
    // 7 × 24 hourly samples, the first on the hour a week back, then the first reading.
    expect(all).toHaveLength(7 * 24 + 1);
    expect(all[0]!.at).toBe(Date.UTC(2026, 10, 27, 13));
    expect(all.at(-2)!.at).toBe(Date.UTC(2026, 11, 4, 12));
    expect(all.at(-1)!.at).toBe(w.clock.now());
    for (const key of await store.series()) expect(await store.read(key)).toHaveLength(7 * 24 + 1);

    // The past continues into the first reading: the month boundary is the only reset.
    const placed = assignPeriods(all).samples;
    expect(placed.at(-1)!.period).toBe(1);
    expect(placed.at(-1)!.periodStart).toBe(Date.UTC(2026, 11, 1));
    for (const sample of placed) expect(sample.increment).toBeGreaterThanOrEqual(0);
    // A week of the current month's pace is enough to forecast.
    expect(forecastQuota(placed, w.clock.now()).status).toBe('OK');

    // A restart finds the history and leaves it alone.
    await store.close();
    const reopened = await w.openStore();
    expect(await reopened.tryLead()).toBe(true);
    expect(await seedDemoHistory({ store: reopened, current: all.slice(-1).map((sample) => ({ ...sample, at: sample.at + 60_000 })) })).toBe(0);
    expect(await reopened.read(sharpeKey)).toHaveLength(7 * 24 + 1);
  });

  it('runs a monthly counter back at its pace to the start of its month, and the month before at the same pace', () => {
    const latest = { provider: 'P', series: 'quota:q', at: Date.UTC(2026, 11, 11), used: 1000, limit: 5000, resetsAt: Date.UTC(2027, 0, 1) };
    // Ten days into December at 100 a day.
    expect(pastSample(latest, Date.UTC(2026, 11, 6))).toMatchObject({ used: 500, resetsAt: Date.UTC(2027, 0, 1) });
    expect(pastSample(latest, Date.UTC(2026, 10, 30))).toMatchObject({ used: 2900, resetsAt: Date.UTC(2026, 11, 1) });
    // No reset time, a month-to-date counter: the calendar month.
    const monthToDate = { ...latest, series: 'period:lookup.requests', limit: null, resetsAt: null };
    expect(pastSample(monthToDate, Date.UTC(2026, 11, 6))).toMatchObject({ used: 500, resetsAt: null });
    // A count of resources stays as it is.
    const resources = { ...latest, series: 'quota:cohort.max_count', used: 7, limit: 10, resetsAt: null };
    expect(pastSample(resources, Date.UTC(2026, 11, 6))).toEqual({ ...resources, at: Date.UTC(2026, 11, 6) });
  });
});
