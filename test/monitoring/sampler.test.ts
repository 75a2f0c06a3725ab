import { afterEach, describe, expect, it } from 'vitest';
import { SERIES } from '../../src/monitoring/account-samples.js';
import { startHistorySampler, type HistorySampler } from '../../src/monitoring/sampler.js';
import { historyComponents } from '../../src/server.js';
import { assignPeriods } from '../../src/usage/history.js';
import { FailingStore, ManualTimers, setSimulatedUsage, simulatorOf, startSamplerWorld, type SamplerWorld } from './sampler-support.js';

const MINUTE = 60_000;
let world: SamplerWorld | undefined;
const samplers: HistorySampler[] = [];

afterEach(async () => {
  await Promise.all(samplers.splice(0).map((sampler) => sampler.close()));
  await world?.close();
  world = undefined;
});

function clientsOf(w: SamplerWorld) {
  return w.harness.registry.list().map((provider) => provider.client);
}

async function samplerOn(w: SamplerWorld, store = undefined as FailingStore | undefined) {
  const timers = new ManualTimers();
  const sampler = startHistorySampler({ clients: clientsOf(w), store: store ?? (await w.openStore()), intervalMs: MINUTE, timers, now: () => w.clock.now(), logger: loggerOf(w), startNow: false });
  samplers.push(sampler);
  return { sampler, timers };
}

function loggerOf(w: SamplerWorld) {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => w.harness.logs.push(JSON.stringify({ level, message, ...fields }));
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

describe('the history sampler', () => {
  it('reads each vendor through its channel (counted by the vendor and its rate budget) and reuses an answer a query just fetched', async () => {
    world = await startSamplerWorld();
    const w = world;
    const store = await w.openStore();
    const timers = new ManualTimers();
    const sampler = startHistorySampler({ clients: clientsOf(w), store, intervalMs: MINUTE, timers, startNow: false });
    samplers.push(sampler);
    expect(timers.pending().map((timer) => timer.ms)).toEqual([MINUTE]);

    const first = await sampler.tick();
    // One account read per vendor: Faraday's is two calls (its named limits and its usage).
    expect(w.hits()).toEqual({ ARRAYS: 1, ANYLAYER: 1, SHARPE: 1, FARADAY: 2 });
    expect(w.harness.registry.get('SHARPE')!.health()!.rateBudget.used).toBe(1);
    expect(w.harness.registry.get('FARADAY')!.health()!.rateBudget.used).toBe(2);
    expect(first.led).toBe(true);
    expect(first.appended.SHARPE).toBe(1);
    expect(first.appended.FARADAY).toBeGreaterThan(7);
    expect(first.appended.ANYLAYER).toBe(1);

    // The cache expired; a query reads Sharpe; the tick right after reuses that answer.
    w.clock.advance(MINUTE);
    const answer = await w.harness.query<{ account: { fetchedAt: string } }>('{ account(provider: SHARPE) { fetchedAt } }');
    expect(w.hits().SHARPE).toBe(2);
    await sampler.tick();
    expect(w.hits().SHARPE).toBe(2);
    const sharpe = await store.read({ provider: 'SHARPE', series: SERIES.quota('monthly_requests') });
    expect(sharpe.map((sample) => sample.at)).toEqual([w.clock.now() - MINUTE, Date.parse(answer.body.data!.account.fetchedAt)]);

    // The same cached answer again: no vendor call, nothing appended twice.
    const again = await sampler.tick();
    expect(w.hits().SHARPE).toBe(2);
    expect(again.appended.SHARPE).toBe(0);
    expect(await store.read({ provider: 'SHARPE', series: SERIES.quota('monthly_requests') })).toHaveLength(2);
    expect(sampler.status().samplesRecorded).toBe((await Promise.all((await store.series()).map((key) => store.read(key)))).flat().length);
  });

  it('a counter set lower (no reset time: Faraday) starts a new period, and no increment is negative', async () => {
    world = await startSamplerWorld();
    const w = world;
    const { sampler } = await samplerOn(w);
    const faraday = simulatorOf(w.harness, 'FARADAY');
    const series = { provider: 'FARADAY', series: SERIES.quota('lookup_api.monthly_request_count') };
    for (let i = 0; i < 3; i += 1) {
      await sampler.tick();
      w.clock.advance(MINUTE);
    }
    expect((await setSimulatedUsage(faraday, { quota: 'lookup_api.monthly_request_count', used: 1000 })).status).toBe(204);
    for (let i = 0; i < 3; i += 1) {
      await sampler.tick();
      w.clock.advance(MINUTE);
    }
    const store = await w.openStore();
    const samples = await store.read(series);
    expect(samples).toHaveLength(6);
    expect(samples[3]!.used).toBe(1000);
    // Before the drop the counter grew with the simulator's clock; after it, it grows from 1000.
    expect(samples[2]!.used).toBeGreaterThan(samples[0]!.used);
    expect(samples[5]!.used).toBeGreaterThan(1000);
    const placed = assignPeriods(samples).samples;
    expect(placed.map((sample) => sample.period)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(placed[3]!.periodStart).toBe(samples[3]!.at);
    expect(placed[3]!.increment).toBe(1000);
    for (const sample of placed) expect(sample.increment).toBeGreaterThanOrEqual(0);
  });

  it('a reset time passing (Sharpe, at the month boundary) starts a new period at that time', async () => {
    world = await startSamplerWorld(Date.UTC(2026, 10, 30, 23, 57));
    const w = world;
    const { sampler } = await samplerOn(w);
    for (let i = 0; i < 6; i += 1) {
      await sampler.tick();
      w.clock.advance(MINUTE);
    }
    const store = await w.openStore();
    const samples = await store.read({ provider: 'SHARPE', series: SERIES.quota('monthly_requests') });
    expect(samples).toHaveLength(6);
    const boundary = Date.UTC(2026, 11, 1);
    expect(samples.filter((sample) => sample.at < boundary).every((sample) => sample.resetsAt === boundary)).toBe(true);
    expect(samples.filter((sample) => sample.at >= boundary).every((sample) => sample.resetsAt === Date.UTC(2027, 0, 1))).toBe(true);
    const placed = assignPeriods(samples).samples;
    const firstOfDecember = placed.findIndex((sample) => sample.at >= boundary);
    expect(placed[firstOfDecember]!.period).toBe(1);
    expect(placed[firstOfDecember]!.periodStart).toBe(boundary);
    expect(placed.slice(0, firstOfDecember).every((sample) => sample.period === 0)).toBe(true);
    for (const sample of placed) expect(sample.increment).toBeGreaterThanOrEqual(0);
  });

  it('one failing vendor does not stop the others; its failure is logged once, without its credential', async () => {
    world = await startSamplerWorld();
    const w = world;
    const { sampler } = await samplerOn(w);
    const sharpe = simulatorOf(w.harness, 'SHARPE');
    // A careless vendor quoting the credential in its error message.
    sharpe.setFault({ fault: { mode: 'echo', status: 403, at: 'middle' } });
    const outcomes = [];
    for (let i = 0; i < 3; i += 1) {
      outcomes.push(await sampler.tick());
      w.clock.advance(MINUTE);
    }
    for (const outcome of outcomes) {
      expect(outcome.appended.SHARPE).toBe(0);
      expect(outcome.appended.FARADAY).toBeGreaterThan(0);
      expect(outcome.appended.ANYLAYER).toBe(1);
    }
    expect(sampler.status().vendors.SHARPE).not.toBe('ok');
    expect(sampler.status().vendors.FARADAY).toBe('ok');
    const warnings = w.harness.logs.filter((line) => line.includes('sampling a vendor failed'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('SHARPE');
    expect(w.harness.logs.join('\n')).not.toContain(sharpe.credential);

    sharpe.setFault(null);
    const recovered = await sampler.tick();
    expect(recovered.appended.SHARPE).toBe(1);
    expect(sampler.status().vendors.SHARPE).toBe('ok');
  });

  it('an answer served stale after a vendor failure is not recorded as a new sample', async () => {
    world = await startSamplerWorld();
    const w = world;
    const store = await w.openStore();
    const { sampler } = await samplerOn(w, new FailingStore(store));
    await sampler.tick();
    // Past the cache's freshness, within its stale window: a failing Sharpe is answered from cache.
    w.clock.advance(31_000);
    simulatorOf(w.harness, 'SHARPE').setFault({ fault: { mode: 'status', status: 503 } });
    const outcome = await sampler.tick();
    expect(outcome.appended.SHARPE).toBe(0);
    // The channel did answer (from its cache), and the sampler says the vendor is failing.
    expect(w.hits().SHARPE).toBeGreaterThan(1);
    expect(sampler.status().vendors.SHARPE).not.toBe('ok');
    expect(outcome.appended.FARADAY).toBeGreaterThan(0);
    expect(await store.read({ provider: 'SHARPE', series: SERIES.quota('monthly_requests') })).toHaveLength(1);
  });

  it('a full disk is its status and its readiness, logged once; sampling resumes when it clears, the held samples included', async () => {
    world = await startSamplerWorld();
    const w = world;
    const store = new FailingStore(await w.openStore());
    const statuses: string[] = [];
    const sampler = startHistorySampler({
      clients: clientsOf(w),
      store,
      intervalMs: MINUTE,
      timers: new ManualTimers(),
      logger: loggerOf(w),
      startNow: false,
      onStatus: (status) => statuses.push(status.condition),
    });
    samplers.push(sampler);
    store.failWithDiskFull();
    const failed = [];
    for (let i = 0; i < 2; i += 1) {
      failed.push(await sampler.tick());
      w.clock.advance(MINUTE);
    }
    expect(failed.every((outcome) => Object.values(outcome.appended).every((count) => count === 0))).toBe(true);
    expect(sampler.status().condition).toBe('HISTORY_DISK_FULL');
    expect(historyComponents({ store, sampler, openFailure: null })).toEqual({ history: 'disk-full', historyRole: 'leader' });
    expect(w.harness.logs.filter((line) => line.includes('the store refuses samples'))).toHaveLength(1);
    expect(statuses).toContain('HISTORY_DISK_FULL');

    store.failure = null;
    await sampler.tick();
    expect(sampler.status().condition).toBe('ok');
    expect(historyComponents({ store, sampler, openFailure: null })).toEqual({ history: 'ok', historyRole: 'leader' });
    // The two ticks the disk refused are recorded too, with this one.
    expect(await store.read({ provider: 'SHARPE', series: SERIES.quota('monthly_requests') })).toHaveLength(3);
    expect(w.harness.logs.filter((line) => line.includes('the store takes samples again'))).toHaveLength(1);
  });

  it('of two samplers sharing one DATA_DIR, only the one leading the store reads the vendors', async () => {
    world = await startSamplerWorld();
    const w = world;
    const first = await samplerOn(w);
    const second = await samplerOn(w);
    const outcomes = [await first.sampler.tick(), await second.sampler.tick()];
    expect(outcomes.map((outcome) => outcome.led).sort()).toEqual([false, true]);
    // One sampler's reads, not two.
    expect(w.hits()).toEqual({ ARRAYS: 1, ANYLAYER: 1, SHARPE: 1, FARADAY: 2 });
    const leader = outcomes[0]!.led ? first.sampler : second.sampler;
    const reader = outcomes[0]!.led ? second.sampler : first.sampler;
    expect(leader.status().leader).toBe(true);
    expect(reader.status().leader).toBe(false);
    expect(historyComponents({ store: null, sampler: reader, openFailure: null })).toEqual({ history: 'ok', historyRole: 'reader' });
    w.clock.advance(MINUTE);
    await reader.tick();
    expect(w.hits().SHARPE).toBe(1);
  });

  it('close() stops the timer and waits for the tick in flight; ticks never overlap', async () => {
    world = await startSamplerWorld();
    const w = world;
    const { sampler, timers } = await samplerOn(w);
    const one = sampler.tick();
    const two = sampler.tick();
    expect(two).toBe(one);
    await one;
    expect(w.hits().SHARPE).toBe(1);
    expect(timers.pending()).toHaveLength(1);
    const inFlight = sampler.tick();
    await sampler.close();
    expect((await inFlight).led).toBe(true);
    expect(timers.pending()).toHaveLength(0);
  });
});
