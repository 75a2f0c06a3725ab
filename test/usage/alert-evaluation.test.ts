import { describe, expect, it } from 'vitest';
import {
  alertKey,
  evaluatePartnerDailyCalls,
  evaluateQuota,
  partnerSeries,
  type AlertEvent,
  type AlertState,
} from '../../src/usage/alert-evaluation.js';
import { DEFAULT_RULES, type AlertRule } from '../../src/usage/alert-rules.js';
import { forecastQuota, type QuotaForecast } from '../../src/usage/forecast.js';
import { assignPeriods, currentPeriod, type PeriodedSample, type PeriodState } from '../../src/usage/history.js';

const T0 = Date.UTC(2026, 3, 1);
const HOUR_MS = 60 * 60_000;
const SERIES = 'quota:monthly_requests';
const UTILIZATION_ONLY: AlertRule[] = [
  { id: 'utilization-80', kind: 'UTILIZATION', percent: 80 },
  { id: 'utilization-100', kind: 'UTILIZATION', percent: 100 },
];
const PROJECTION_ONLY: AlertRule[] = [{ id: 'projected-exhaustion', kind: 'PROJECTED_EXHAUSTION' }];

/** Only what a projection rule reads of a forecast; the rest as `forecastQuota` would fill it. */
function projection(exhaustsBeforeReset: boolean | null): QuotaForecast {
  return {
    status: exhaustsBeforeReset === null ? 'NOT_ENOUGH_DATA' : 'OK',
    burnRatePerHour: null,
    burnRateLow: null,
    burnRateHigh: null,
    exhaustsAt: null,
    earliest: null,
    latest: null,
    exhaustsBeforeReset,
    confidence: 0,
    sampleCount: 0,
  };
}

interface Reading {
  used: number;
  limit?: number | null;
  resetsAt?: number | null;
  forecast?: QuotaForecast | null;
}

/** A quota read hourly: each reading is placed in history and evaluated, as the sampler would. */
function quotaEvaluator(rules: readonly AlertRule[] = DEFAULT_RULES, initialState: AlertState = {}, start = T0) {
  let history: PeriodedSample[] = [];
  let periodState: PeriodState | null = null;
  let state: AlertState = initialState;
  let now = start;
  const all: AlertEvent[] = [];
  return {
    read(reading: Reading): AlertEvent[] {
      now += HOUR_MS;
      const placed = assignPeriods([{ at: now, used: reading.used, limit: reading.limit === undefined ? 1000 : reading.limit, resetsAt: reading.resetsAt ?? null }], periodState);
      periodState = placed.state;
      history = [...history, ...placed.samples];
      const result = evaluateQuota({ rules, provider: 'SHARPE', series: SERIES, samples: currentPeriod(history), forecast: reading.forecast ?? null, state, now });
      state = result.state;
      all.push(...result.events);
      return result.events;
    },
    /** Evaluates the same latest sample again (a retry), without a new reading. */
    again(forecast: QuotaForecast | null = null): AlertEvent[] {
      const result = evaluateQuota({ rules, provider: 'SHARPE', series: SERIES, samples: currentPeriod(history), forecast, state, now });
      state = result.state;
      all.push(...result.events);
      return result.events;
    },
    get state(): AlertState {
      return state;
    },
    get events(): AlertEvent[] {
      return all;
    },
  };
}

const brief = (events: readonly AlertEvent[]) => events.map((event) => [event.kind, event.ruleId, event.period, event.limit, event.reason ?? null]);

describe('evaluateQuota: utilization', () => {
  it('79 → 81 % fires the 80 % threshold once, and 85 to 95 % fires nothing more', () => {
    const quota = quotaEvaluator(UTILIZATION_ONLY);
    expect(quota.read({ used: 790 })).toEqual([]);
    const fired = quota.read({ used: 810 });
    expect(fired).toEqual([
      {
        key: alertKey('utilization-80', SERIES, 80, 0, 1000),
        ruleId: 'utilization-80',
        provider: 'SHARPE',
        series: SERIES,
        threshold: 80,
        period: 0,
        limit: 1000,
        kind: 'FIRED',
        at: T0 + 2 * HOUR_MS,
        value: 810,
      },
    ]);
    for (const used of [850, 900, 950]) expect(quota.read({ used })).toEqual([]);
    expect(quota.events).toHaveLength(1);
  });

  it('fires exactly at the threshold (800 of 1000 is 80 %)', () => {
    const quota = quotaEvaluator(UTILIZATION_ONLY);
    expect(brief(quota.read({ used: 799 }))).toEqual([]);
    expect(brief(quota.read({ used: 800 }))).toEqual([['FIRED', 'utilization-80', 0, 1000, null]]);
  });

  it('50 → 105 % fires two events, 80 % then 100 %', () => {
    const quota = quotaEvaluator(UTILIZATION_ONLY);
    quota.read({ used: 500 });
    const events = quota.read({ used: 1050 });
    expect(events.map((event) => [event.kind, event.threshold])).toEqual([
      ['FIRED', 80],
      ['FIRED', 100],
    ]);
  });

  it('orders the firings lowest threshold first whatever the order of the rules, then by rule id', () => {
    const rules: AlertRule[] = [
      { id: 'z-full', kind: 'UTILIZATION', percent: 100 },
      { id: 'b-absolute-900', kind: 'ABSOLUTE', value: 900 },
      { id: 'a-full', kind: 'UTILIZATION', percent: 100 },
      { id: 'warn', kind: 'UTILIZATION', percent: 80 },
    ];
    const quota = quotaEvaluator(rules);
    quota.read({ used: 100 });
    expect(quota.read({ used: 1200 }).map((event) => event.ruleId)).toEqual(['warn', 'b-absolute-900', 'a-full', 'z-full']);
  });

  it('a counter drop (no reset time: a new period) resolves with PERIOD_RESET and fires again when crossed in the new period', () => {
    const quota = quotaEvaluator(UTILIZATION_ONLY);
    quota.read({ used: 500 });
    quota.read({ used: 850 });
    expect(brief(quota.read({ used: 20 }))).toEqual([['RESOLVED', 'utilization-80', 0, 1000, 'PERIOD_RESET']]);
    expect(quota.read({ used: 500 })).toEqual([]);
    const again = quota.read({ used: 820 });
    expect(brief(again)).toEqual([['FIRED', 'utilization-80', 1, 1000, null]]);
    expect(again[0]!.key).not.toBe(quota.events[0]!.key);
  });

  it('a reset time that passes starts a new period the same way, and a new period already past the threshold fires at once', () => {
    const quota = quotaEvaluator(UTILIZATION_ONLY);
    const resetsAt = T0 + 2 * HOUR_MS + 1;
    quota.read({ used: 850, resetsAt });
    quota.read({ used: 900, resetsAt });
    // The counter reset, then more than 80 % was used again before this reading.
    expect(brief(quota.read({ used: 900, resetsAt: resetsAt + 30 * 24 * HOUR_MS }))).toEqual([
      ['RESOLVED', 'utilization-80', 0, 1000, 'PERIOD_RESET'],
      ['FIRED', 'utilization-80', 1, 1000, null],
    ]);
  });

  it('a raised limit resolves with LIMIT_RAISED and re-arms the threshold against the new limit', () => {
    const quota = quotaEvaluator(UTILIZATION_ONLY);
    quota.read({ used: 850 });
    expect(brief(quota.read({ used: 860, limit: 2000 }))).toEqual([['RESOLVED', 'utilization-80', 0, 1000, 'LIMIT_RAISED']]);
    expect(quota.read({ used: 1500, limit: 2000 })).toEqual([]);
    const fired = quota.read({ used: 1600, limit: 2000 });
    expect(brief(fired)).toEqual([['FIRED', 'utilization-80', 0, 2000, null]]);
    expect(fired[0]!.key).toBe(alertKey('utilization-80', SERIES, 80, 0, 2000));
  });

  it('a raised limit that still leaves usage past the threshold keeps it firing: no new event', () => {
    const quota = quotaEvaluator(UTILIZATION_ONLY);
    quota.read({ used: 900 });
    expect(quota.read({ used: 900, limit: 1100 })).toEqual([]);
    expect(Object.values(quota.state).map((threshold) => threshold.status)).toEqual(['FIRING', 'OK']);
  });
});

describe('evaluateQuota: usage that falls within a period', () => {
  /**
   * One period's latest sample, built by hand: `assignPeriods` starts a new period at any drop, so a
   * counter falling within a period comes only from a caller that numbers periods itself.
   */
  function samplesAt(used: number, limit: number): PeriodedSample[] {
    return [{ at: T0, used, limit, resetsAt: null, period: 4, periodStart: T0, increment: 0 }];
  }

  it('resolves with USAGE_FELL, then does not fire again in the same period at the same limit', () => {
    const rules = UTILIZATION_ONLY;
    let state: AlertState = {};
    const run = (used: number, limit = 1000) => {
      const result = evaluateQuota({ rules, provider: 'SHARPE', series: SERIES, samples: samplesAt(used, limit), forecast: null, state, now: T0 });
      state = result.state;
      return brief(result.events);
    };
    expect(run(850)).toEqual([['FIRED', 'utilization-80', 4, 1000, null]]);
    expect(run(700)).toEqual([['RESOLVED', 'utilization-80', 4, 1000, 'USAGE_FELL']]);
    expect(run(900)).toEqual([]);
    // A limit lowered in the same period re-arms it too: the alert is about another limit.
    expect(run(900, 1050)).toEqual([['FIRED', 'utilization-80', 4, 1050, null]]);
  });

  it('an absolute threshold resolves with USAGE_FELL even when the limit changed: it does not depend on the limit', () => {
    const rules: AlertRule[] = [{ id: 'absolute-500', kind: 'ABSOLUTE', value: 500 }];
    let state: AlertState = {};
    const run = (used: number, limit: number) => {
      const result = evaluateQuota({ rules, provider: 'SHARPE', series: SERIES, samples: samplesAt(used, limit), forecast: null, state, now: T0 });
      state = result.state;
      return brief(result.events);
    };
    expect(run(600, 1000)).toEqual([['FIRED', 'absolute-500', 4, null, null]]);
    expect(run(600, 5000)).toEqual([]);
    expect(run(400, 5000)).toEqual([['RESOLVED', 'absolute-500', 4, null, 'USAGE_FELL']]);
    expect(run(600, 9000)).toEqual([]);
  });
});

describe('evaluateQuota: projected exhaustion', () => {
  it('fires only on the second evaluation in a row that projects exhaustion before the reset', () => {
    const quota = quotaEvaluator(PROJECTION_ONLY);
    expect(quota.read({ used: 100, forecast: projection(true) })).toEqual([]);
    expect(quota.read({ used: 200, forecast: projection(false) })).toEqual([]);
    expect(quota.read({ used: 300, forecast: projection(true) })).toEqual([]);
    expect(brief(quota.read({ used: 400, forecast: projection(true) }))).toEqual([['FIRED', 'projected-exhaustion', 0, 1000, null]]);
    expect(quota.read({ used: 500, forecast: projection(true) })).toEqual([]);
  });

  it('does not count a retry of the same sample as a second evaluation', () => {
    const quota = quotaEvaluator(PROJECTION_ONLY);
    quota.read({ used: 100, forecast: projection(true) });
    expect(quota.again(projection(true))).toEqual([]);
    expect(quota.again(projection(true))).toEqual([]);
    expect(brief(quota.read({ used: 200, forecast: projection(true) }))).toEqual([['FIRED', 'projected-exhaustion', 0, 1000, null]]);
  });

  it('resolves with PROJECTION_CLEARED when the forecast no longer says so, unknown included', () => {
    const quota = quotaEvaluator(PROJECTION_ONLY);
    quota.read({ used: 100, forecast: projection(true) });
    quota.read({ used: 200, forecast: projection(true) });
    expect(brief(quota.read({ used: 250, forecast: projection(false) }))).toEqual([['RESOLVED', 'projected-exhaustion', 0, 1000, 'PROJECTION_CLEARED']]);

    const unknown = quotaEvaluator(PROJECTION_ONLY);
    unknown.read({ used: 100, forecast: projection(true) });
    unknown.read({ used: 200, forecast: projection(true) });
    expect(brief(unknown.read({ used: 250, forecast: null }))).toEqual([['RESOLVED', 'projected-exhaustion', 0, 1000, 'PROJECTION_CLEARED']]);
  });

  it('resolves with LIMIT_RAISED when the projection cleared because the limit grew', () => {
    const quota = quotaEvaluator(PROJECTION_ONLY);
    quota.read({ used: 100, forecast: projection(true) });
    quota.read({ used: 200, forecast: projection(true) });
    expect(brief(quota.read({ used: 250, limit: 5000, forecast: projection(false) }))).toEqual([
      ['RESOLVED', 'projected-exhaustion', 0, 1000, 'LIMIT_RAISED'],
    ]);
  });

  it('fires from a real forecast: a quota burning 100 an hour against 1000 with the reset days away', () => {
    const rules = PROJECTION_ONLY;
    const resetsAt = T0 + 30 * 24 * HOUR_MS;
    const readings = [0, 95, 205, 300, 410, 500, 590];
    const { samples } = assignPeriods(readings.map((used, index) => ({ at: T0 + index * HOUR_MS, used, limit: 1000, resetsAt })));
    let state: AlertState = {};
    const fired: AlertEvent[] = [];
    for (let count = 1; count <= samples.length; count++) {
      const seen = samples.slice(0, count);
      const now = seen.at(-1)!.at;
      const result = evaluateQuota({ rules, provider: 'SHARPE', series: SERIES, samples: seen, forecast: forecastQuota(seen, now), state, now });
      state = result.state;
      fired.push(...result.events);
    }
    // forecastQuota needs 4 samples for a rate: the 4th projects first, the 5th confirms.
    expect(fired.map((event) => [event.kind, event.at])).toEqual([['FIRED', T0 + 4 * HOUR_MS]]);
  });
});

describe('evaluateQuota: keys and state', () => {
  const readings: Reading[] = [
    { used: 500 },
    { used: 1050, forecast: projection(true) },
    { used: 1100, forecast: projection(true) },
    { used: 10 },
    { used: 900, limit: 2000 },
    { used: 1700, limit: 2000 },
  ];

  it('gives the same keys when a restart replays the same samples from an empty state, so a store keyed by (key, kind) dedupes', () => {
    const first = quotaEvaluator();
    for (const reading of readings) first.read(reading);
    const replay = quotaEvaluator();
    for (const reading of readings) replay.read(reading);
    expect(first.events.length).toBeGreaterThan(4);
    expect(replay.events.map((event) => event.key)).toEqual(first.events.map((event) => event.key));

    const store = new Map<string, AlertEvent>();
    for (const event of [...first.events, ...replay.events]) store.set(`${event.kind} ${event.key}`, event);
    expect(store.size).toBe(first.events.length);
  });

  it('keys an alert by rule, series, threshold, period and limit, and its RESOLVED event by the same key as its FIRED one', () => {
    const quota = quotaEvaluator(UTILIZATION_ONLY);
    quota.read({ used: 900 });
    quota.read({ used: 5 });
    const [fired, resolved] = quota.events;
    expect(fired!.key).toBe(resolved!.key);
    expect(fired!.key).toBe(alertKey('utilization-80', SERIES, 80, 0, 1000));
    const variants = [
      alertKey('utilization-81', SERIES, 80, 0, 1000),
      alertKey('utilization-80', 'quota:other', 80, 0, 1000),
      alertKey('utilization-80', SERIES, 81, 0, 1000),
      alertKey('utilization-80', SERIES, 80, 1, 1000),
      alertKey('utilization-80', SERIES, 80, 0, 1001),
      alertKey('utilization-80', SERIES, 80, 0, null),
    ];
    expect(new Set([fired!.key, ...variants]).size).toBe(variants.length + 1);
  });

  it('keeps keys apart when names contain the characters a joined key would use', () => {
    expect(alertKey('a|b', 'quota:c', 1, 0, null)).not.toBe(alertKey('a', 'b|quota:c', 1, 0, null));
  });

  it('two evaluators at once, from the same state, decide the same events', () => {
    const quota = quotaEvaluator(UTILIZATION_ONLY);
    quota.read({ used: 500 });
    const input = {
      rules: UTILIZATION_ONLY,
      provider: 'SHARPE',
      series: SERIES,
      samples: assignPeriods([{ at: T0, used: 1000, limit: 1000, resetsAt: null }]).samples,
      forecast: null,
      state: quota.state,
      now: T0,
    };
    expect(evaluateQuota(input)).toEqual(evaluateQuota(input));
    expect(evaluateQuota(input).events).toHaveLength(2);
  });

  it('does not change the state it was given, and keeps other series and rules', () => {
    const other = evaluateQuota({
      rules: UTILIZATION_ONLY,
      provider: 'SHARPE',
      series: 'quota:other',
      samples: assignPeriods([{ at: T0, used: 900, limit: 1000, resetsAt: null }]).samples,
      forecast: null,
      state: {},
      now: T0,
    }).state;
    const frozen = JSON.stringify(other);
    const quota = quotaEvaluator(UTILIZATION_ONLY, other);
    quota.read({ used: 900 });
    expect(JSON.stringify(other)).toBe(frozen);
    expect(Object.keys(quota.state)).toEqual(expect.arrayContaining(Object.keys(other)));
    expect(Object.keys(quota.state)).toHaveLength(4);
  });

  it('survives a round trip of its state through JSON (a restart that kept its state fires nothing twice)', () => {
    const quota = quotaEvaluator(DEFAULT_RULES);
    quota.read({ used: 850, forecast: projection(true) });
    const restored = quotaEvaluator(DEFAULT_RULES, JSON.parse(JSON.stringify(quota.state)) as AlertState, T0 + HOUR_MS);
    expect(brief(restored.read({ used: 900, forecast: projection(true) }))).toEqual([['FIRED', 'projected-exhaustion', 0, 1000, null]]);
  });

  it('without samples decides nothing and returns the state as given', () => {
    const state: AlertState = {};
    expect(evaluateQuota({ rules: DEFAULT_RULES, provider: 'SHARPE', series: SERIES, samples: [], forecast: null, state, now: T0 })).toEqual({ events: [], state });
  });

  it('applies rules without a selector to quotas only, and selected rules to their vendor, quota or series', () => {
    const rules: AlertRule[] = [
      { id: 'every-quota', kind: 'ABSOLUTE', value: 1 },
      { id: 'faraday-only', kind: 'ABSOLUTE', value: 1, provider: 'FARADAY' },
      { id: 'this-quota', kind: 'ABSOLUTE', value: 1, quota: 'monthly_requests' },
      { id: 'period-counter', kind: 'ABSOLUTE', value: 1, series: 'period:lookups' },
      { id: 'partner', kind: 'PARTNER_DAILY_CALLS', calls: 1 },
    ];
    const fired = (series: string, provider: string) =>
      evaluateQuota({ rules, provider, series, samples: assignPeriods([{ at: T0, used: 5, limit: null, resetsAt: null }]).samples, forecast: null, state: {}, now: T0 }).events.map(
        (event) => event.ruleId,
      );
    expect(fired(SERIES, 'SHARPE')).toEqual(['every-quota', 'this-quota']);
    expect(fired('quota:cohort.max_count', 'FARADAY')).toEqual(['every-quota', 'faraday-only']);
    expect(fired('period:lookups', 'FARADAY')).toEqual(['period-counter']);
    expect(fired('rateLimit:remaining', 'SHARPE')).toEqual([]);
  });

  it('never fires a utilization threshold for a quota without a limit', () => {
    const quota = quotaEvaluator(DEFAULT_RULES);
    expect(quota.read({ used: 10_000, limit: null })).toEqual([]);
    expect(quota.read({ used: 20_000, limit: 0 })).toEqual([]);
  });
});

describe('evaluatePartnerDailyCalls', () => {
  const rules: AlertRule[] = [
    { id: 'calls-1000', kind: 'PARTNER_DAILY_CALLS', calls: 1000 },
    { id: 'calls-500', kind: 'PARTNER_DAILY_CALLS', calls: 500 },
    { id: 'utilization-80', kind: 'UTILIZATION', percent: 80 },
  ];
  const DAY = 20_544;

  it('fires per user once a day, lowest threshold first, and resolves with PERIOD_RESET the next day even for a user with no calls', () => {
    let state: AlertState = {};
    const run = (day: number, users: { sub: string; calls: number }[]) => {
      const result = evaluatePartnerDailyCalls({ rules, provider: 'ARRAYS', day, users, state, now: T0 });
      state = result.state;
      return result.events.map((event) => [event.kind, event.series, event.threshold, event.period, event.reason ?? null]);
    };
    expect(run(DAY, [{ sub: 'u1', calls: 400 }, { sub: 'u2', calls: 10 }])).toEqual([]);
    expect(run(DAY, [{ sub: 'u1', calls: 1200 }, { sub: 'u2', calls: 600 }])).toEqual([
      ['FIRED', partnerSeries('u1'), 500, DAY, null],
      ['FIRED', partnerSeries('u2'), 500, DAY, null],
      ['FIRED', partnerSeries('u1'), 1000, DAY, null],
    ]);
    expect(run(DAY, [{ sub: 'u1', calls: 1300 }, { sub: 'u2', calls: 700 }])).toEqual([]);
    expect(run(DAY + 1, [{ sub: 'u2', calls: 550 }])).toEqual([
      ['RESOLVED', partnerSeries('u1'), 500, DAY, 'PERIOD_RESET'],
      ['RESOLVED', partnerSeries('u2'), 500, DAY, 'PERIOD_RESET'],
      ['RESOLVED', partnerSeries('u1'), 1000, DAY, 'PERIOD_RESET'],
      ['FIRED', partnerSeries('u2'), 500, DAY + 1, null],
    ]);
  });

  it('keeps no state for users who never reached a threshold', () => {
    const users = Array.from({ length: 100 }, (_, index) => ({ sub: `user-${index}`, calls: index }));
    const result = evaluatePartnerDailyCalls({ rules, provider: 'ARRAYS', day: DAY, users, state: {}, now: T0 });
    expect(result).toEqual({ events: [], state: {} });
  });

  it('skips partner rules of another vendor', () => {
    const result = evaluatePartnerDailyCalls({
      rules: [{ id: 'sharpe', kind: 'PARTNER_DAILY_CALLS', calls: 1, provider: 'SHARPE' }],
      provider: 'ARRAYS',
      day: DAY,
      users: [{ sub: 'u1', calls: 5 }],
      state: {},
      now: T0,
    });
    expect(result.events).toEqual([]);
  });
});
