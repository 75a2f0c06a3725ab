import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventIdentity, type AlertStore } from '../../../src/monitoring/alerts/alert-store.js';
import type { AlertSink, StoredAlertEvent } from '../../../src/monitoring/alerts/alert-types.js';
import { createAlertEvaluator, type AlertEvaluatorOptions, type PartnerCallsSource } from '../../../src/monitoring/alerts/evaluator.js';
import { ALERT_FILES, FileAlertStore } from '../../../src/monitoring/alerts/file-alert-store.js';
import { PgAlertStore } from '../../../src/monitoring/alerts/postgres-alert-store.js';
import { FileHistoryStore } from '../../../src/monitoring/file-history-store.js';
import type { AlertEvent } from '../../../src/usage/alert-evaluation.js';
import type { AlertRule } from '../../../src/usage/alert-rules.js';
import { postgresInstalled, postgresSuite, startPostgres, type PostgresServer } from '../../support/postgres-server.js';
import { tempDataDir } from '../support.js';

const START = Date.UTC(2026, 4, 10, 12);
const MINUTE = 60_000;
const SERIES = 'quota:monthly_requests';
const UTILIZATION: AlertRule[] = [
  { id: 'utilization-80', kind: 'UTILIZATION', percent: 80 },
  { id: 'utilization-100', kind: 'UTILIZATION', percent: 100 },
];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A history store, an alert store, a clock the test moves, and what reached the sink and the feed. */
async function world(options: { rules?: AlertRule[]; alertStore?: AlertStore; resetsAt?: number | null } = {}) {
  const { dir, cleanup } = await tempDataDir();
  cleanups.push(cleanup);
  let now = START;
  const history = await FileHistoryStore.open({ dataDir: dir, now: () => now });
  cleanups.push(() => history.close());
  expect(await history.tryLead()).toBe(true);
  const openAlerts = async () => {
    const store = await FileAlertStore.open({ dataDir: dir, now: () => now });
    cleanups.push(() => store.close());
    return store;
  };
  const alerts = options.alertStore ?? (await openAlerts());
  const enqueued: AlertEvent[][] = [];
  const published: StoredAlertEvent[][] = [];
  let rules = options.rules ?? UTILIZATION;
  const evaluator = (extra: Partial<AlertEvaluatorOptions> = {}) =>
    createAlertEvaluator({
      store: alerts,
      history,
      rules: () => rules,
      sink: { enqueue: async (events) => void enqueued.push([...events]) },
      feed: { publish: (events) => void published.push([...events]) },
      now: () => now,
      ...extra,
    });
  const resetsAt = options.resetsAt === undefined ? Date.UTC(2026, 5, 1) : options.resetsAt;
  return {
    dir,
    history,
    alerts,
    openAlerts,
    enqueued,
    published,
    evaluator,
    setRules: (next: AlertRule[]) => void (rules = next),
    /** A reading `minutes` after the last, as the sampler would append it. */
    async sample(used: number, limit: number | null = 1000, minutes = 1) {
      now += minutes * MINUTE;
      await history.append([{ provider: 'SHARPE', series: SERIES, at: now, used, limit, resetsAt }]);
    },
  };
}

const summary = (events: readonly AlertEvent[]) => events.map((e) => `${e.kind} ${e.ruleId}${e.reason === undefined ? '' : ` ${e.reason}`}`);

describe('the alert evaluator', () => {
  it('79 → 81 % records exactly one FIRED event, and 85 to 95 % none more; sink, store and feed each see it once', async () => {
    const w = await world();
    const evaluator = w.evaluator();
    await w.sample(790);
    expect((await evaluator.evaluate()).recorded).toEqual([]);
    await w.sample(810);
    const { recorded } = await evaluator.evaluate();
    expect(summary(recorded)).toEqual(['FIRED utilization-80']);
    expect(recorded[0]).toMatchObject({ provider: 'SHARPE', series: SERIES, threshold: 80, limit: 1000, value: 810 });
    for (const used of [850, 900, 950]) {
      await w.sample(used);
      expect((await evaluator.evaluate()).recorded).toEqual([]);
    }
    expect(w.enqueued.map(summary)).toEqual([['FIRED utilization-80']]);
    expect(w.published.map(summary)).toEqual([['FIRED utilization-80']]);
    expect((await w.alerts.list({ after: null, first: 100 })).events.map((e) => e.key)).toEqual([recorded[0]!.key]);
    expect(evaluator.status()).toEqual({ lastEvaluationAt: expect.any(Number), condition: 'ok' });
  });

  it('50 → 105 % records two events, 80 before 100', async () => {
    const w = await world();
    const evaluator = w.evaluator();
    await w.sample(500);
    await evaluator.evaluate();
    await w.sample(1050);
    expect(summary((await evaluator.evaluate()).recorded)).toEqual(['FIRED utilization-80', 'FIRED utilization-100']);
  });

  it('a counter drop without a reset time resolves with PERIOD_RESET and re-arms for the new period', async () => {
    const w = await world({ resetsAt: null });
    const evaluator = w.evaluator();
    await w.sample(850);
    const fired = (await evaluator.evaluate()).recorded;
    await w.sample(20);
    const resolved = (await evaluator.evaluate()).recorded;
    expect(summary(resolved)).toEqual(['RESOLVED utilization-80 PERIOD_RESET']);
    expect(resolved[0]!.key).toBe(fired[0]!.key);
    await w.sample(820);
    const again = (await evaluator.evaluate()).recorded;
    expect(summary(again)).toEqual(['FIRED utilization-80']);
    expect(again[0]!.key).not.toBe(fired[0]!.key);
    expect(again[0]!.period).toBe(fired[0]!.period + 1);
  });

  it('a raised limit resolves with LIMIT_RAISED and re-arms against the new limit', async () => {
    const w = await world();
    const evaluator = w.evaluator();
    await w.sample(850, 1000);
    await evaluator.evaluate();
    await w.sample(860, 2000);
    expect(summary((await evaluator.evaluate()).recorded)).toEqual(['RESOLVED utilization-80 LIMIT_RAISED']);
    await w.sample(1700, 2000);
    const again = (await evaluator.evaluate()).recorded;
    expect(summary(again)).toEqual(['FIRED utilization-80']);
    expect(again[0]).toMatchObject({ limit: 2000, value: 1700 });
  });

  it('fires a projected exhaustion only on the second evaluation of new samples that project it', async () => {
    const w = await world({ rules: [{ id: 'projected', kind: 'PROJECTED_EXHAUSTION' }], resetsAt: START + 30 * 24 * 60 * MINUTE });
    const evaluator = w.evaluator();
    // 100 calls a minute against 100,000 left: out in well under a day, the reset a month away.
    for (let i = 0; i < 5; i++) await w.sample(1000 + i * 100, 100_000, 1);
    expect((await evaluator.evaluate()).recorded).toEqual([]);
    // The same latest sample again is not a second evaluation.
    expect((await evaluator.evaluate()).recorded).toEqual([]);
    await w.sample(1500, 100_000, 1);
    expect(summary((await evaluator.evaluate()).recorded)).toEqual(['FIRED projected']);
  });

  it('after a restart (a new evaluator on the same store) records nothing twice, even with its state lost', async () => {
    const w = await world();
    await w.sample(500);
    await w.evaluator().evaluate();
    await w.sample(1050);
    expect((await w.evaluator().evaluate()).recorded.length).toBe(2);
    await w.alerts.close();
    const reopened = await w.openAlerts();
    const restarted = w.evaluator({ store: reopened });
    expect((await restarted.evaluate()).recorded).toEqual([]);
    await rm(join(w.dir, ALERT_FILES.dir, ALERT_FILES.state));
    const amnesiac = w.evaluator({ store: reopened });
    expect((await amnesiac.evaluate()).recorded).toEqual([]);
    expect(w.enqueued.flat().length).toBe(2);
    expect((await reopened.list({ after: null, first: 100 })).events.length).toBe(2);
  });

  it('hands events on in order sink → store → state → feed, and after a sink failure enqueues and records them next time', async () => {
    const w = await world();
    const steps: string[] = [];
    const store = w.alerts;
    const traced: AlertStore = {
      backend: store.backend,
      stored: (events) => store.stored(events),
      record: async (events) => (steps.push('record'), store.record(events)),
      list: (query) => store.list(query),
      firing: () => store.firing(),
      loadState: () => store.loadState(),
      saveState: async (state) => (steps.push('saveState'), store.saveState(state)),
      prune: (before) => store.prune(before),
      close: () => store.close(),
    };
    let failSink = true;
    const sink: AlertSink = {
      enqueue: async (events) => {
        steps.push('enqueue');
        if (failSink) throw Object.assign(new Error('outbox unavailable'), { code: 'WEBHOOK_OUTBOX_UNAVAILABLE' });
        w.enqueued.push([...events]);
      },
    };
    const evaluator = w.evaluator({ store: traced, sink, feed: { publish: (events) => void (steps.push('publish'), w.published.push([...events])) } });
    await w.sample(810);
    await expect(evaluator.evaluate()).rejects.toThrow('outbox unavailable');
    expect(evaluator.status().condition).toBe('WEBHOOK_OUTBOX_UNAVAILABLE');
    expect(steps).toEqual(['enqueue']);
    expect(await store.firing()).toEqual([]);
    failSink = false;
    steps.length = 0;
    expect(summary((await evaluator.evaluate()).recorded)).toEqual(['FIRED utilization-80']);
    expect(steps).toEqual(['enqueue', 'record', 'saveState', 'publish']);
    expect(evaluator.status().condition).toBe('ok');
  });

  it("applies a reloaded rule list at the next evaluation and forgets a removed rule's thresholds", async () => {
    const w = await world();
    const evaluator = w.evaluator();
    await w.sample(850);
    await evaluator.evaluate();
    w.setRules([{ id: 'absolute-900', kind: 'ABSOLUTE', value: 900 }]);
    await w.sample(910);
    expect(summary((await evaluator.evaluate()).recorded)).toEqual(['FIRED absolute-900']);
    const state = (await w.alerts.loadState()) as { alerts: Record<string, Record<string, unknown>> };
    expect(Object.keys(state.alerts.SHARPE!).map((key) => (JSON.parse(key) as string[])[0])).toEqual(['absolute-900']);
  });

  it("fires partner-daily-calls rules from the ledger's calls of the day, reading users heaviest first only while they reach a threshold", async () => {
    const w = await world({ rules: [{ id: 'partner-1000', kind: 'PARTNER_DAILY_CALLS', calls: 1000 }] });
    const calls: Record<string, number> = { alice: 5000, bob: 1200, carol: 999, dave: 10 };
    const pages: number[] = [];
    const ledger: PartnerCallsSource = {
      provider: 'ARRAYS',
      store: {
        async listUsers(query) {
          expect(query).toMatchObject({ orderBy: 'CALLS', range: { sinceDay: Math.floor((START + MINUTE) / 86_400_000), untilDay: Math.floor((START + MINUTE) / 86_400_000) + 1 } });
          const sorted = Object.entries(calls).sort((a, b) => b[1] - a[1]);
          const from = query.after === null ? 0 : sorted.findIndex(([sub]) => sub === query.after!.sub) + 1;
          const page = sorted.slice(from, from + 2);
          pages.push(from);
          return {
            users: page.map(([sub, n]) => ({ user: { sub } as never, counts: { calls: n, tweets: 0, discoveries: 0 }, position: { value: n, sub } })),
            totalCount: sorted.length,
            hasNextPage: from + 2 < sorted.length,
          };
        },
      },
    };
    const evaluator = w.evaluator({ ledger: () => ledger });
    await w.sample(1);
    const recorded = (await evaluator.evaluate()).recorded;
    expect(recorded.map((e) => [e.kind, e.series, e.value])).toEqual([
      ['FIRED', 'partner:alice', 5000],
      ['FIRED', 'partner:bob', 1200],
    ]);
    // Two pages of two: the second holds carol, below the threshold, and the reading stops there.
    expect(pages).toEqual([0, 2]);
  });
});

describe.skipIf(!postgresInstalled)(postgresSuite('two alert evaluators on one PostgreSQL'), () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres('alerts_evaluators');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('record one event per key when they evaluate the same history at once', async () => {
    const url = server.url;
    const [one, two] = await Promise.all([PgAlertStore.open({ url, password: null }), PgAlertStore.open({ url, password: null })]);
    cleanups.push(() => one.close(), () => two.close());
    const w = await world({ alertStore: one });
    const first = w.evaluator({ store: one });
    const second = w.evaluator({ store: two });
    await w.sample(500);
    await Promise.all([first.evaluate(), second.evaluate()]);
    await w.sample(1050);
    const outcomes = await Promise.all([first.evaluate(), second.evaluate()]);
    const recorded = outcomes.flatMap((outcome) => outcome.recorded);
    expect(summary(recorded).sort()).toEqual(['FIRED utilization-100', 'FIRED utilization-80']);
    const stored = (await two.list({ after: null, first: 100 })).events;
    expect(stored.map(eventIdentity).sort()).toEqual(recorded.map(eventIdentity).sort());
    // Both handed them to the sink (idempotent there), neither stored one twice.
    expect(w.enqueued.flat().length).toBeGreaterThanOrEqual(2);
  });
});
