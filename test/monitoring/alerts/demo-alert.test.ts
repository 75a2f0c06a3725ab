import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ALERT_QUOTA, demoAlertSetting, freshReadingEveryMs } from '../../../src/monitoring/alerts/demo-alert.js';
import { createAlertEvaluator } from '../../../src/monitoring/alerts/evaluator.js';
import { FileAlertStore } from '../../../src/monitoring/alerts/file-alert-store.js';
import { startHistorySampler, type HistorySampler } from '../../../src/monitoring/sampler.js';
import { DEFAULT_RULES } from '../../../src/usage/alert-rules.js';
import { ManualTimers, simulatorOf, startSamplerWorld, type SamplerWorld } from '../sampler-support.js';

/** The demo's sampling interval (config/history.ts: 10 s in demo mode). */
const INTERVAL = 10_000;
/** The vendors' answers are cached 30 s (the default policy, the harness's too): a fresh reading every third tick. */
const CACHE_TTL = 30_000;
let world: SamplerWorld | undefined;
let sampler: HistorySampler | undefined;
afterEach(async () => {
  await sampler?.close();
  await world?.close();
  world = sampler = undefined;
});

describe('the demo alert', () => {
  it('crosses the default 80 % between the first two fresh readings of the quota, and nothing fires before', async () => {
    world = await startSamplerWorld(Date.UTC(2026, 11, 4, 12, 30));
    const w = world;
    simulatorOf(w.harness, DEMO_ALERT_QUOTA.provider).setUsage(demoAlertSetting(INTERVAL, CACHE_TTL));
    const history = await w.openStore();
    const alerts = await FileAlertStore.open({ dataDir: w.dataDir, now: () => w.clock.now() });
    const evaluator = createAlertEvaluator({ store: alerts, history, rules: () => DEFAULT_RULES, now: () => w.clock.now() });
    const outcomes: string[][] = [];
    sampler = startHistorySampler({
      clients: w.harness.registry.list().map((provider) => provider.client),
      store: history,
      intervalMs: INTERVAL,
      timers: new ManualTimers(),
      now: () => w.clock.now(),
      afterTick: async () => {
        const { recorded } = await evaluator.evaluate();
        outcomes.push(recorded.map((event) => `${event.kind} ${event.ruleId} ${event.provider} ${event.series}`));
      },
    });
    try {
      // As in the demo: the first tick one interval after the start, then one an interval.
      const ticks = 1 + freshReadingEveryMs(INTERVAL, CACHE_TTL) / INTERVAL;
      expect(ticks).toBe(4);
      for (let i = 0; i < ticks; i++) {
        w.clock.advance(INTERVAL);
        await sampler.tick();
      }
      const utilization = outcomes.map((events) => events.filter((event) => event.includes('utilization')));
      expect(utilization).toEqual([[], [], [], [`FIRED utilization-80 SHARPE quota:${DEMO_ALERT_QUOTA.quota}`]]);
      const readings = await history.read({ provider: 'SHARPE', series: `quota:${DEMO_ALERT_QUOTA.quota}` });
      expect(readings.map((sample) => sample.used / sample.limit!)).toEqual([expect.closeTo(0.795, 3), expect.closeTo(0.805, 3)]);
    } finally {
      await sampler.close();
      await alerts.close();
    }
  });
});
