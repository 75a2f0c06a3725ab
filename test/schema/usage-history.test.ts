import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/common/logger.js';
import { FileHistoryStore } from '../../src/monitoring/file-history-store.js';
import { HistoryUnavailableError } from '../../src/monitoring/history-errors.js';
import type { HistoryQuery, HistoryStore, UsageSample } from '../../src/monitoring/history-types.js';
import { accountCallsOf } from '../../src/providers/vendor-module.js';
import { VENDORS } from '../../src/providers/vendors.js';
import { downsample, type Resolution } from '../../src/usage/downsample.js';
import { forecastQuota } from '../../src/usage/forecast.js';
import { assignPeriods } from '../../src/usage/history.js';
import { periodSeries, quotaSeries } from '../../src/usage/history-series.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startTestAuth, type TestAuth } from '../support/jwt.js';
import { tempDataDir } from '../monitoring/support.js';

/**
 * History and forecasts through `yoga.fetch`: a real embedded store in a temporary DATA_DIR, seeded
 * by appending samples directly, the simulated vendors for the quota lists, and a fixed clock.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The gateway's "now": Wednesday 2026-12-09, noon UTC. */
const NOW = Date.UTC(2026, 11, 9, 12);
const iso = (ms: number) => new Date(ms).toISOString();

/** The store, counting the reads the gateway makes of each series; `failure` makes reads fail with it. */
function counting(store: HistoryStore): { store: HistoryStore; reads: HistoryQuery[]; failure: Error | null } {
  const reads: HistoryQuery[] = [];
  const counted = { store: undefined as unknown as HistoryStore, reads, failure: null as Error | null };
  counted.store = {
    append: (samples) => store.append(samples),
    read: (query) => {
      reads.push(query);
      return counted.failure === null ? store.read(query) : Promise.reject(counted.failure);
    },
    series: (provider) => store.series(provider),
    prune: (before) => store.prune(before),
    tryLead: () => store.tryLead(),
    get isLeader() {
      return store.isLeader;
    },
    status: () => store.status(),
    close: () => store.close(),
  };
  return counted;
}

function sample(series: string, at: number, used: number, limit: number | null, resetsAt: number | null = null, provider = 'FARADAY'): UsageSample {
  return { provider, series, at, used, limit, resetsAt };
}

/** The periods and increments of samples, as the schema must tell them. */
const periodsOf = (samples: UsageSample[]) => assignPeriods(samples).samples;

/** A point of the API as the pure functions give it. */
function asApiPoint(point: ReturnType<typeof downsample>[number]) {
  return {
    at: iso(point.start),
    used: point.used,
    max: point.maxUsed,
    increase: point.increment,
    limit: point.limit,
    resetsAt: point.resetsAt === null ? null : iso(point.resetsAt),
    samples: point.count,
    period: point.period,
    resets: point.resets,
  };
}

const POINT = 'at used max increase limit resetsAt samples period resets';
const FORECAST = 'status burnRatePerHour burnRateLow burnRateHigh exhaustsAt earliest latest exhaustsBeforeReset confidence sampleCount';

/** The Faraday quota's entry of an answer, by name. */
function quotaNamed(body: any, name: string): any {
  const quota = body.data.account.quotas.find((entry: any) => entry.name === name);
  expect(quota, `quota ${name}`).toBeDefined();
  return quota;
}

describe('history and forecasts of quotas and period counters', () => {
  let harness: Harness;
  let history: ReturnType<typeof counting>;
  let cleanup: () => Promise<void>;
  /** The first Faraday period counter, as the account lists it. */
  let counter: { metric: string; resourceId: string | null };

  // Each scenario has its own Faraday quota, so they share one store.
  const resolutionsSeries = quotaSeries('cohort.max_count');
  const yearSeries = quotaSeries('lookup_api.monthly_request_count');
  const dropSeries = quotaSeries('outcome.max_count');
  const forecastSeries = quotaSeries('persona_set.max_count');
  const tooFewSeries = quotaSeries('scope.max_count');
  const flatSeries = quotaSeries('target.max_count');
  const exhaustedSeries = quotaSeries('dataset.max_count');

  /** Five-minute samples over the last three days, rising by 2 each, no reset. */
  const threeDays = Array.from({ length: 3 * 288 }, (_, i) => sample(resolutionsSeries, NOW - 3 * DAY + i * 5 * MINUTE, 2 * i, 10_000_000));

  /**
   * A year of five-minute samples (105,120) of a monthly quota that resets at each UTC month:
   * every sample adds exactly 3, counting from the first sample of its month (or of the series).
   */
  const YEAR_START = NOW - 365 * DAY;
  const year: UsageSample[] = [];
  {
    let used = 0;
    let monthOf = -1;
    for (let i = 0; i < 105_120; i++) {
      const at = YEAR_START + i * 5 * MINUTE;
      const date = new Date(at);
      const month = date.getUTCFullYear() * 12 + date.getUTCMonth();
      if (month !== monthOf) [used, monthOf] = [0, month];
      used += 3;
      year.push(sample(yearSeries, at, used, 5_000_000_000, Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)));
    }
  }

  /** Hourly readings of a counter without a reset time that drops (resets) halfway. */
  const dropped = [10, 20, 30, 40, 50, 5, 15, 25, 35].map((used, i) => sample(dropSeries, NOW - 9 * HOUR + i * HOUR, used, 100));

  /** 25 hourly readings over the last day, rising unevenly toward a limit, resetting in 10 days. */
  const burning: UsageSample[] = [];
  {
    let used = 1000;
    for (let i = 0; i <= 24; i++) {
      burning.push(sample(forecastSeries, NOW - 24 * HOUR + i * HOUR, used, 10_000, NOW + 10 * DAY));
      used += 20 + ((i * 7) % 13);
    }
  }

  beforeAll(async () => {
    const dir = await tempDataDir();
    const store = await FileHistoryStore.open({ dataDir: dir.dir, now: () => NOW });
    expect(await store.tryLead()).toBe(true);
    history = counting(store);
    cleanup = async () => {
      await store.close();
      await dir.cleanup();
    };
    // The response cache on, as in production: history must never be answered from it.
    harness = await startHarness({ history: history.store, now: () => NOW, responseCacheTtlMs: 60_000 });
    const { body } = await harness.query<any>('{ account(provider: FARADAY) { periods { metric resourceId } } }');
    counter = body.data.account.periods[0];
    await store.append([
      ...threeDays,
      ...year,
      ...dropped,
      ...burning,
      sample(tooFewSeries, NOW - 2 * HOUR, 5, 25, NOW + DAY),
      sample(tooFewSeries, NOW - HOUR, 6, 25, NOW + DAY),
      ...[0, 1, 2, 3, 4, 5].map((i) => sample(flatSeries, NOW - 6 * HOUR + i * HOUR, 7, 50, NOW + DAY)),
      ...[0, 1, 2, 3, 4].map((i) => sample(exhaustedSeries, NOW - 5 * HOUR + i * HOUR, 26 + i, 30, NOW + DAY)),
      ...[0, 1, 2, 3, 4, 5].map((i) => sample(periodSeries(counter.metric, counter.resourceId), NOW - 6 * HOUR + i * HOUR, 100 + 10 * i, null)),
    ]);
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
    await cleanup?.();
  });

  /** Runs a query, fails on any error, and counts the store reads it made per series. */
  async function ask(query: string, variables?: Record<string, unknown>) {
    const before = history.reads.length;
    const body: any = (await harness.query(query, variables)).body;
    const reads = history.reads.slice(before);
    return { body, reads, readsOf: (series: string) => reads.filter((read) => read.series === series).length };
  }

  it('tells a series at every resolution, each as downsampling the samples gives it, in one read', async () => {
    const resolutions: Resolution[] = ['RAW', 'FIVE_MINUTES', 'HOUR', 'DAY', 'WEEK', 'MONTH'];
    const { body, readsOf } = await ask(
      `query ($since: DateTime!, $until: DateTime!) { account(provider: FARADAY) { quotas { name
        ${resolutions.map((resolution) => `${resolution}: history(since: $since, until: $until, resolution: ${resolution}) { ${POINT} }`).join('\n')}
        chosen: history(since: $since, until: $until) { ${POINT} }
      } } }`,
      { since: iso(NOW - 3 * DAY), until: iso(NOW) },
    );
    expect(body.errors).toBeUndefined();
    const quota = quotaNamed(body, 'cohort.max_count');
    const placed = periodsOf(threeDays);
    for (const resolution of resolutions) {
      expect(quota[resolution], resolution).toEqual(downsample(placed, resolution).map(asApiPoint));
      // Buckets hold every sample once and add up to the rise of the counter (the first sample ever counts from 0).
      expect(quota[resolution].reduce((sum: number, point: any) => sum + point.samples, 0)).toBe(threeDays.length);
      expect(quota[resolution].reduce((sum: number, point: any) => sum + point.increase, 0)).toBe(threeDays.at(-1)!.used);
    }
    // Sunday noon to Wednesday noon: 864 samples, 72 hours, 4 UTC days, 2 weeks (from Monday), one month.
    expect([quota.RAW, quota.FIVE_MINUTES, quota.HOUR, quota.DAY, quota.WEEK, quota.MONTH].map((points) => points.length)).toEqual([864, 864, 72, 4, 2, 1]);
    expect(quota.DAY.map((point: any) => point.at)).toEqual([6, 7, 8, 9].map((day) => iso(Date.UTC(2026, 11, day))));
    expect(quota.WEEK.map((point: any) => point.at)).toEqual([iso(Date.UTC(2026, 10, 30)), iso(Date.UTC(2026, 11, 7))]);
    // Three days fit in 1,000 five-minute buckets: the default resolution.
    expect(quota.chosen).toEqual(quota.FIVE_MINUTES);
    expect(readsOf(resolutionsSeries)).toBe(1);
  });

  it('downsamples a history without a resolution to at most HISTORY_DEFAULT_POINTS points', async () => {
    const fewer = await startHarness({ history: history.store, now: () => NOW, historyDefaultPoints: 100 });
    try {
      const { body } = await fewer.query<any>(
        `query ($since: DateTime!, $until: DateTime!) { account(provider: FARADAY) { quotas { name
          chosen: history(since: $since, until: $until) { ${POINT} }
          hourly: history(since: $since, until: $until, resolution: HOUR) { ${POINT} }
        } } }`,
        { since: iso(NOW - 3 * DAY), until: iso(NOW) },
      );
      expect(body.errors).toBeUndefined();
      const quota = quotaNamed(body, 'cohort.max_count');
      // 864 five-minute buckets do not fit in 100 points; 72 hours do.
      expect(quota.chosen).toHaveLength(72);
      expect(quota.chosen).toEqual(quota.hourly);
    } finally {
      await fewer.close();
    }
  });

  it('answers a year of five-minute samples in one query: a point a day by default, exact sums, one read', async () => {
    const { body, readsOf } = await ask(
      `query ($since: DateTime!, $until: DateTime!) { account(provider: FARADAY) { quotas { name
        daily: history(since: $since, until: $until) { ${POINT} }
        monthly: history(since: $since, until: $until, resolution: MONTH) { ${POINT} }
      } } }`,
      { since: iso(YEAR_START), until: iso(NOW) },
    );
    expect(body.errors).toBeUndefined();
    const { daily, monthly } = quotaNamed(body, 'lookup_api.monthly_request_count');
    // Noon to noon a year later touches 366 UTC days: two half days at the ends.
    expect(daily).toHaveLength(366);
    expect(daily.map((point: any) => point.samples)).toEqual([144, ...Array(364).fill(288), 144]);
    expect(daily.every((point: any) => point.increase === 3 * point.samples)).toBe(true);
    expect(daily.reduce((sum: number, point: any) => sum + point.increase, 0)).toBe(3 * 105_120);
    // December 2025 to December 2026; every month from January on begins with a reset.
    expect(monthly).toHaveLength(13);
    expect(monthly.map((point: any) => point.resets)).toEqual([0, ...Array(12).fill(1)]);
    expect(monthly.map((point: any) => point.period)).toEqual(Array.from({ length: 13 }, (_, i) => i));
    expect(monthly.reduce((sum: number, point: any) => sum + point.increase, 0)).toBe(3 * 105_120);
    // A whole month's peak is its last counter: three per sample of the month.
    expect(monthly[1]).toMatchObject({ at: iso(Date.UTC(2026, 0, 1)), samples: 31 * 288, max: 3 * 31 * 288, used: 3 * 31 * 288 });
    expect(readsOf(yearSeries)).toBe(1);
  }, 60_000);

  it('shows a counter drop as a new period and never a negative increase', async () => {
    const { body } = await ask(
      `query ($since: DateTime!) { account(provider: FARADAY) { quotas { name
        raw: history(since: $since, resolution: RAW) { ${POINT} }
        day: history(since: $since, resolution: DAY) { ${POINT} }
      } } }`,
      { since: iso(NOW - DAY) },
    );
    expect(body.errors).toBeUndefined();
    const { raw, day } = quotaNamed(body, 'outcome.max_count');
    expect(raw.map((point: any) => point.increase)).toEqual([10, 10, 10, 10, 10, 5, 10, 10, 10]);
    expect(raw.map((point: any) => point.period)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(raw.map((point: any) => point.resets)).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0]);
    // 03:00 to 11:00 on one UTC day: one bucket holding the old period's peak and both periods' usage.
    expect(day).toEqual([{ at: iso(Date.UTC(2026, 11, 9)), used: 35, max: 50, increase: 85, limit: 100, resetsAt: null, samples: 9, period: 1, resets: 1 }]);
  });

  it('forecasts a burning quota exactly as forecastQuota does on the same samples', async () => {
    const { body } = await ask(`{ account(provider: FARADAY) { quotas { name forecast { ${FORECAST} } } } }`);
    expect(body.errors).toBeUndefined();
    const expected = forecastQuota(periodsOf(burning), NOW);
    expect(expected.status).toBe('OK');
    const date = (ms: number | null) => (ms === null ? null : iso(ms));
    expect(quotaNamed(body, 'persona_set.max_count').forecast).toEqual({
      ...expected,
      exhaustsAt: date(expected.exhaustsAt),
      earliest: date(expected.earliest),
      latest: date(expected.latest),
    });
  });

  it('says why there is no projection: too few samples, no usage, no limit, exhausted; null without samples', async () => {
    const { body } = await ask(`{
      account(provider: FARADAY) {
        quotas { name forecast { ${FORECAST} } }
        periods { metric resourceId forecast { ${FORECAST} } history(resolution: RAW) { used increase } }
      }
      sharpe: account(provider: SHARPE) { quotas { name forecast { status } history { at } } }
    }`);
    expect(body.errors).toBeUndefined();
    expect(quotaNamed(body, 'scope.max_count').forecast).toMatchObject({ status: 'NOT_ENOUGH_DATA', sampleCount: 2, burnRatePerHour: null, exhaustsAt: null, confidence: 0 });
    expect(quotaNamed(body, 'target.max_count').forecast).toMatchObject({ status: 'NOT_BURNING', sampleCount: 6, burnRatePerHour: 0, exhaustsBeforeReset: false, exhaustsAt: null });
    const exhausted = quotaNamed(body, 'dataset.max_count').forecast;
    expect(exhausted).toMatchObject({ status: 'EXHAUSTED', exhaustsBeforeReset: true, exhaustsAt: null, confidence: 0 });
    expect(exhausted.burnRatePerHour).toBeCloseTo(1, 9);
    const period = body.data.account.periods.find((entry: any) => entry.metric === counter.metric && entry.resourceId === counter.resourceId);
    expect(period.forecast).toMatchObject({ status: 'NO_LIMIT', sampleCount: 6, burnRatePerHour: 10, exhaustsAt: null });
    expect(period.history).toEqual([100, 110, 120, 130, 140, 150].map((used, i) => ({ used, increase: i === 0 ? used : 10 })));
    // Nothing sampled of Sharpe's quota: no history, and no forecast rather than a status.
    expect(body.data.sharpe.quotas).toEqual([{ name: 'monthly_requests', forecast: null, history: [] }]);
  });

  it('refuses arguments out of range with BAD_USER_INPUT and a message that says what to change, reading nothing', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ since: iso(NOW), until: iso(NOW - HOUR) }, /since \(.*\) must be before until/],
      [{ since: iso(NOW - 401 * DAY), until: iso(NOW) }, /spans 401 days; history is kept for 400 days/],
      [{ since: iso(NOW - 365 * DAY), until: iso(NOW), resolution: 'FIVE_MINUTES' }, /at most 10000 points: ask for a coarser resolution/],
    ];
    for (const [variables, message] of cases) {
      const { body, reads } = await ask(
        'query ($since: DateTime, $until: DateTime, $resolution: HistoryResolution) { account(provider: SHARPE) { quotas { used history(since: $since, until: $until, resolution: $resolution) { at } } } }',
        variables,
      );
      expect(body.errors, JSON.stringify(variables)).toHaveLength(1);
      expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(body.errors[0].message).toMatch(message);
      expect(body.errors[0].path).toEqual(['account', 'quotas', 0, 'history']);
      // The refusal nulls the history alone: the account still answers.
      expect(body.data.account.quotas).toEqual([{ used: expect.any(Number), history: null }]);
      expect(reads).toEqual([]);
    }
    // An unknown resolution is refused by GraphQL itself before anything runs, as every argument
    // of a wrong value is on this gateway: a variable in graphql-js's words (variable errors carry
    // no code), a literal by validation.
    const unknown = await ask('query ($resolution: HistoryResolution) { account(provider: SHARPE) { quotas { history(resolution: $resolution) { at } } } }', {
      resolution: 'FORTNIGHT',
    });
    expect(unknown.body.data).toBeUndefined();
    expect(unknown.body.errors).toHaveLength(1);
    expect(unknown.body.errors[0].message).toBe('Variable "$resolution" got invalid value "FORTNIGHT"; Value "FORTNIGHT" does not exist in "HistoryResolution" enum.');
    expect(unknown.reads).toEqual([]);
    const literal = await ask('{ account(provider: SHARPE) { quotas { history(resolution: FORTNIGHT) { at } } } }');
    expect(literal.body.data).toBeUndefined();
    expect(literal.body.errors[0].message).toMatch(/Value "FORTNIGHT" does not exist in "HistoryResolution" enum/);
    expect(literal.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(literal.reads).toEqual([]);
  });

  it("prices a history query at the account's vendor calls only: the store costs none", async () => {
    const faraday = VENDORS.find((vendor) => vendor.id === 'FARADAY')!;
    const { body: plain } = await ask('{ account(provider: FARADAY) { quotas { name } } }');
    const { body, reads } = await ask(`{ account(provider: FARADAY) {
      quotas { h1: history(resolution: RAW) { at } h2: history(resolution: DAY) { at } forecast { status } }
      periods { history { at } forecast { status } }
    } }`);
    expect(body.errors).toBeUndefined();
    expect(reads.length).toBeGreaterThan(0);
    expect(accountCallsOf(faraday).length).toBeGreaterThan(0);
    expect(body.extensions.cost.vendorCalls.estimated).toBe(accountCallsOf(faraday).length);
    expect(body.extensions.cost.vendorCalls.estimated).toBe(plain.extensions.cost.vendorCalls.estimated);
  });

  it('reports a store that cannot be read as HISTORY_UNAVAILABLE, naming no path, while the account answers', async () => {
    history.failure = new HistoryUnavailableError('reading /secret/data/dir/history/2026-12-09.jsonl: EIO: i/o error');
    try {
      const { body } = await ask('{ account(provider: FARADAY) { quotas { name used history { at } forecast { status } } } }');
      const quota = quotaNamed(body, 'cohort.max_count');
      expect(quota).toEqual({ name: 'cohort.max_count', used: expect.any(Number), history: null, forecast: null });
      expect(body.errors.length).toBeGreaterThan(0);
      for (const error of body.errors) {
        expect(error.extensions.code).toBe('HISTORY_UNAVAILABLE');
        expect(error.message).toBe('usage history could not be read (HISTORY_UNAVAILABLE)');
      }
      expect(JSON.stringify(body)).not.toContain('/secret/');
    } finally {
      history.failure = null;
    }
  });

  it('is never answered from the response cache: a new sample shows at once', async () => {
    const query = '{ account(provider: SHARPE) { quotas { history(resolution: RAW) { at used } forecast { sampleCount } } } }';
    const before = await ask(query);
    expect(before.body.data.account.quotas).toEqual([{ history: [], forecast: null }]);
    await history.store.append([sample(quotaSeries('monthly_requests'), NOW - MINUTE, 42, 1000, null, 'SHARPE')]);
    const after = await ask(query);
    expect(after.readsOf(quotaSeries('monthly_requests'))).toBe(1);
    expect(after.body.data.account.quotas).toEqual([{ history: [{ at: iso(NOW - MINUTE), used: 42 }], forecast: { sampleCount: 1 } }]);
  });
});

describe('history off', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ now: () => NOW });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('answers an empty history and a null forecast, the rest of the account as ever', async () => {
    const body: any = (await harness.query('{ account(provider: SHARPE) { quotas { name used history { at } forecast { status } } periods { history { at } } } }')).body;
    expect(body.errors).toBeUndefined();
    expect(body.data.account.quotas).toEqual([{ name: 'monthly_requests', used: expect.any(Number), history: [], forecast: null }]);
  });
});

describe('who may read history', () => {
  const USAGE_KEY = 'ugw_test_key_usage_3f9a1c7e5b2d4068';
  const PARTNERS_KEY = 'ugw_test_key_partners_8e2d6b4a0c1f3957';
  let harness: Harness;
  let auth: TestAuth;
  let history: ReturnType<typeof counting>;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    auth = await startTestAuth(
      [
        { name: 'dashboard', key: USAGE_KEY, scopes: ['usage:read'] },
        { name: 'partners', key: PARTNERS_KEY, scopes: ['partners:read'] },
      ],
      createLogger({ level: 'silent' }),
    );
    const dir = await tempDataDir();
    const store = await FileHistoryStore.open({ dataDir: dir.dir, now: () => NOW });
    expect(await store.tryLead()).toBe(true);
    await store.append([0, 1, 2].map((i) => sample(quotaSeries('monthly_requests'), NOW - HOUR + i * MINUTE, 10 + i, 1000, null, 'SHARPE')));
    history = counting(store);
    cleanup = async () => {
      await store.close();
      await dir.cleanup();
    };
    harness = await startHarness({ authenticator: auth.authenticator, history: history.store, now: () => NOW });
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
    await auth?.close();
    await cleanup?.();
  });

  const QUERY = '{ account(provider: SHARPE) { quotas { history(resolution: RAW) { used } forecast { status } } } }';

  it('needs usage:read, as the account does: refused before any store read', async () => {
    const body: any = (await harness.query(QUERY, undefined, { 'x-api-key': PARTNERS_KEY })).body;
    expect(body.data.account).toBeNull();
    expect(body.errors.map((error: any) => error.extensions.code)).toEqual(['FORBIDDEN']);
    expect(history.reads).toEqual([]);

    const allowed: any = (await harness.query(QUERY, undefined, { 'x-api-key': USAGE_KEY })).body;
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data.account.quotas[0].history).toEqual([{ used: 10 }, { used: 11 }, { used: 12 }]);
    expect(allowed.data.account.quotas[0].forecast).toEqual({ status: 'NOT_ENOUGH_DATA' });
    expect(history.reads).toHaveLength(1);
  });
});
