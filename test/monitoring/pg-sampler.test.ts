import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SERIES } from '../../src/monitoring/account-samples.js';
import { PgHistoryStore } from '../../src/monitoring/postgres-history-store.js';
import { startHistorySampler, type HistorySampler } from '../../src/monitoring/sampler.js';
import { postgresInstalled, postgresSuite, startPostgres, type PostgresServer } from '../support/postgres-server.js';
import { ManualTimers, startSamplerWorld, type SamplerWorld } from './sampler-support.js';

const MINUTE = 60_000;

describe.skipIf(!postgresInstalled)(postgresSuite('the history sampler on a fleet sharing one PostgreSQL'), () => {
  let server: PostgresServer;
  let world: SamplerWorld | undefined;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    server = await startPostgres('history');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await world?.close();
    world = undefined;
  });

  it('only the leading instance reads the vendors, each sample is recorded once, and another takes over when it stops', async () => {
    world = await startSamplerWorld();
    const w = world;
    const url = await server.createDatabase('sampler_fleet');
    const clients = w.harness.registry.list().map((provider) => provider.client);
    const instances: { store: PgHistoryStore; sampler: HistorySampler }[] = [];
    for (let i = 0; i < 2; i += 1) {
      const store = await PgHistoryStore.open({ url, password: null, now: () => w.clock.now() });
      const sampler = startHistorySampler({ clients, store, intervalMs: MINUTE, timers: new ManualTimers() });
      instances.push({ store, sampler });
      closers.push(() => store.close(), () => sampler.close());
    }
    for (let round = 0; round < 3; round += 1) {
      const outcomes = await Promise.all(instances.map(({ sampler }) => sampler.tick()));
      expect(outcomes.filter((outcome) => outcome.led)).toHaveLength(1);
      w.clock.advance(MINUTE);
    }
    // Three ticks of one sampler: one Sharpe read each.
    expect(w.hits().SHARPE).toBe(3);
    const key = { provider: 'SHARPE', series: SERIES.quota('monthly_requests') };
    expect(await instances[1]!.store.read(key)).toHaveLength(3);

    const leader = instances.find(({ sampler }) => sampler.status().leader)!;
    const other = instances.find((instance) => instance !== leader)!;
    await leader.sampler.close();
    await leader.store.close();
    const outcome = await other.sampler.tick();
    expect(outcome.led).toBe(true);
    expect(w.hits().SHARPE).toBe(4);
    expect(await other.store.read(key)).toHaveLength(4);
  });
});
