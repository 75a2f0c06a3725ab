/**
 * Threshold alert evaluation: each threshold of each rule, per series, goes OK → FIRING → OK and
 * says so with one FIRED and one RESOLVED event.
 *
 * - A threshold fires at most once per period and limit. Usage that falls back and rises again in
 *   the same period, at the same limit, fires nothing new: the operator has been told. A new period
 *   or another limit re-arms it.
 * - Every event carries a key made of (rule, series, threshold, period, limit), the facts that make
 *   an alert what it is and nothing that depends on when or by whom it was evaluated. A restart
 *   replaying the same samples, a retried evaluation or two evaluators at once compute the same
 *   key, so a store that keeps one event per (key, kind) never fires one alert twice.
 * - A resolution names its reason: the period reset, the limit was raised, the projection cleared,
 *   or usage fell.
 *
 * Pure: the evaluation reads no clock (the time is passed in) and writes nowhere; the caller keeps
 * the returned state and passes it back next time.
 */

import type { AlertRule, PartnerDailyCallsRule, QuotaAlertRule } from './alert-rules.js';
import { ruleApplies } from './alert-rules.js';
import type { QuotaForecast } from './forecast.js';
import type { PeriodedSample } from './history.js';
import type { ProviderId } from './model.js';

/** Why a firing threshold went back to OK. */
export type AlertResolveReason = 'PERIOD_RESET' | 'LIMIT_RAISED' | 'PROJECTION_CLEARED' | 'USAGE_FELL';

export interface AlertEvent {
  /** `alertKey(...)` of the alert: the same for its FIRED and its RESOLVED event. */
  key: string;
  ruleId: string;
  provider: ProviderId;
  series: string;
  /** The rule's threshold in its own unit (percent, counter value, daily calls); null for a projection. */
  threshold: number | null;
  /** The period the alert fired in (a UTC day number for partner daily calls). */
  period: number;
  /** The limit the alert fired at; null for rules that do not depend on it (absolute value, partner calls). */
  limit: number | null;
  kind: 'FIRED' | 'RESOLVED';
  /** Present on RESOLVED only. */
  reason?: AlertResolveReason;
  /** When the evaluation ran (epoch ms). */
  at: number;
  /** The counter when the event was decided. */
  value: number;
}

/** Where one threshold of one rule stands for one series. */
export interface ThresholdState {
  status: 'OK' | 'FIRING';
  /** Period of the last firing; null before the first. With `firedLimit` it is what keeps a threshold from firing twice. */
  firedPeriod: number | null;
  /** Limit of the last firing (null too for limit-independent rules). */
  firedLimit: number | null;
  /** Consecutive evaluations of new samples that projected exhaustion before the reset. */
  projectionStreak: number;
  /** Time of the last sample counted in `projectionStreak`: evaluating the same sample again does not count twice. */
  projectionStreakAt: number | null;
  /** Period of the samples counted in `projectionStreak`. */
  projectionStreakPeriod: number | null;
}

/** Per-threshold states, by `thresholdStateKey`. Plain data: it can be stored as JSON. */
export type AlertState = Readonly<Record<string, ThresholdState>>;

/** The stable key of one alert: what it is about, not when it was seen. */
export function alertKey(ruleId: string, series: string, threshold: number | null, period: number, limit: number | null): string {
  return JSON.stringify([ruleId, series, threshold, period, limit]);
}

/** The key of a threshold's state: its rule, series and threshold, across periods. */
export function thresholdStateKey(ruleId: string, series: string, threshold: number | null): string {
  return JSON.stringify([ruleId, series, threshold]);
}

const INITIAL: ThresholdState = { status: 'OK', firedPeriod: null, firedLimit: null, projectionStreak: 0, projectionStreakAt: null, projectionStreakPeriod: null };

/** One threshold as seen in one evaluation. */
interface Check {
  rule: AlertRule;
  series: string;
  threshold: number | null;
  /** The counter value the threshold stands for, so that thresholds of different kinds sort lowest first. */
  level: number;
  period: number;
  /** The limit the alert is keyed by (null when the rule does not depend on the limit). */
  limit: number | null;
  value: number;
  /** Whether the condition holds on this evaluation (for a projection: before counting the streak). */
  holds: boolean;
  /** When the condition is a projection: the time of the sample it was made from. */
  projectionAt?: number;
  /** Why the condition stopped holding within one period, given the limit it fired at. */
  clearedBecause: (firedLimit: number | null) => AlertResolveReason;
}

interface Decided {
  event: AlertEvent;
  level: number;
}

function step(check: Check, provider: ProviderId, previous: ThresholdState, now: number): { state: ThresholdState; decided: Decided[] } {
  const state: ThresholdState = { ...previous };
  const decided: Decided[] = [];
  const event = (kind: AlertEvent['kind'], period: number, limit: number | null, reason?: AlertResolveReason): Decided => ({
    level: check.level,
    event: {
      key: alertKey(check.rule.id, check.series, check.threshold, period, limit),
      ruleId: check.rule.id,
      provider,
      series: check.series,
      threshold: check.threshold,
      period,
      limit,
      kind,
      ...(reason === undefined ? {} : { reason }),
      at: now,
      value: check.value,
    },
  });

  let holds = check.holds;
  if (check.projectionAt !== undefined) {
    if (!holds) {
      state.projectionStreak = 0;
      state.projectionStreakAt = null;
    } else if (state.projectionStreakAt === null || check.projectionAt > state.projectionStreakAt) {
      // A streak belongs to one period: projections about a period that is over say nothing of the next.
      state.projectionStreak = state.projectionStreakPeriod === check.period ? state.projectionStreak + 1 : 1;
      state.projectionStreakAt = check.projectionAt;
      state.projectionStreakPeriod = check.period;
    }
    holds = state.projectionStreak >= 2;
  }

  if (state.status === 'FIRING' && state.firedPeriod !== null) {
    const firedPeriod = state.firedPeriod;
    if (check.period !== firedPeriod) {
      decided.push(event('RESOLVED', firedPeriod, state.firedLimit, 'PERIOD_RESET'));
      state.status = 'OK';
    } else if (!holds) {
      decided.push(event('RESOLVED', firedPeriod, state.firedLimit, check.clearedBecause(state.firedLimit)));
      state.status = 'OK';
    }
  }

  const alreadyFired = state.firedPeriod === check.period && state.firedLimit === check.limit;
  if (state.status === 'OK' && holds && !alreadyFired) {
    decided.push(event('FIRED', check.period, check.limit));
    state.status = 'FIRING';
    state.firedPeriod = check.period;
    state.firedLimit = check.limit;
  }
  return { state, decided };
}

/** Resolutions first (they are about what was), then firings; each lowest threshold first, then by rule id. */
function ordered(decided: Decided[]): AlertEvent[] {
  const rank = (kind: AlertEvent['kind']): number => (kind === 'RESOLVED' ? 0 : 1);
  return decided
    .sort(
      (a, b) =>
        rank(a.event.kind) - rank(b.event.kind) ||
        a.level - b.level ||
        (a.event.ruleId < b.event.ruleId ? -1 : a.event.ruleId > b.event.ruleId ? 1 : 0) ||
        (a.event.series < b.event.series ? -1 : a.event.series > b.event.series ? 1 : 0),
    )
    .map((entry) => entry.event);
}

function hasLimit(limit: number | null): limit is number {
  return limit !== null && limit > 0;
}

/** Whether the limit grew (or went away) since `firedLimit`: the reason a limit-bound condition cleared. */
function limitRaised(firedLimit: number | null, limit: number | null): boolean {
  return hasLimit(firedLimit) && (!hasLimit(limit) || limit > firedLimit);
}

function quotaCheck(rule: QuotaAlertRule, series: string, last: PeriodedSample, forecast: QuotaForecast | null): Check {
  const { period, used: value, limit } = last;
  const base = { rule, series, period, value };
  switch (rule.kind) {
    case 'UTILIZATION': {
      const reached = (against: number | null): boolean => hasLimit(against) && value * 100 >= rule.percent * against;
      return {
        ...base,
        threshold: rule.percent,
        level: hasLimit(limit) ? (rule.percent * limit) / 100 : Infinity,
        limit,
        holds: reached(limit),
        // The counter still stands past the threshold of the limit it fired at: only the limit moved.
        clearedBecause: (firedLimit) => (limitRaised(firedLimit, limit) && reached(firedLimit) ? 'LIMIT_RAISED' : 'USAGE_FELL'),
      };
    }
    case 'ABSOLUTE':
      return { ...base, threshold: rule.value, level: rule.value, limit: null, holds: value >= rule.value, clearedBecause: () => 'USAGE_FELL' };
    case 'PROJECTED_EXHAUSTION':
      return {
        ...base,
        threshold: null,
        level: hasLimit(limit) ? limit : Infinity,
        limit,
        holds: forecast?.exhaustsBeforeReset === true,
        projectionAt: last.at,
        clearedBecause: (firedLimit) => (limitRaised(firedLimit, limit) ? 'LIMIT_RAISED' : 'PROJECTION_CLEARED'),
      };
  }
}

export interface EvaluateQuotaInput {
  /** Every configured rule; those that do not watch this series (or are about partner users) are skipped. */
  rules: readonly AlertRule[];
  provider: ProviderId;
  /** The history series, e.g. `quota:monthly_requests`. */
  series: string;
  /** The series' samples of its current period, oldest first, as `assignPeriods` numbered them; the last is evaluated. */
  samples: readonly PeriodedSample[];
  /** The forecast of the series at `now`; null when none was made (a projection then does not hold). */
  forecast: QuotaForecast | null;
  /** What the previous evaluation returned; `{}` the first time. */
  state: AlertState;
  /** When the evaluation runs (epoch ms). */
  now: number;
}

/**
 * Evaluates every rule that watches one quota series against its latest sample (and forecast) and
 * returns the events to record with the state to keep. Thresholds of other series and rules in
 * `state` are carried over untouched. No samples: nothing to evaluate, nothing changes.
 */
export function evaluateQuota(input: EvaluateQuotaInput): { events: AlertEvent[]; state: AlertState } {
  const { rules, provider, series, samples, forecast, now } = input;
  const last = samples.at(-1);
  if (last === undefined) return { events: [], state: input.state };
  const state: Record<string, ThresholdState> = { ...input.state };
  const decided: Decided[] = [];
  for (const rule of rules) {
    if (rule.kind === 'PARTNER_DAILY_CALLS' || !ruleApplies(rule, provider, series)) continue;
    const check = quotaCheck(rule, series, last, forecast);
    const stateKey = thresholdStateKey(rule.id, series, check.threshold);
    const result = step(check, provider, state[stateKey] ?? INITIAL, now);
    state[stateKey] = result.state;
    decided.push(...result.decided);
  }
  return { events: ordered(decided), state };
}

/** The series partner-user alerts are filed under: `partner:<sub>`. */
export function partnerSeries(sub: string): string {
  return `partner:${sub}`;
}

export interface EvaluatePartnerDailyCallsInput {
  rules: readonly AlertRule[];
  /** The vendor whose partner ledger counted the calls. */
  provider: ProviderId;
  /** The UTC day counted (days since 1970-01-01): a partner threshold's period. */
  day: number;
  /** Each user's calls on `day` so far, from the ledger. A user left out counts as 0 calls. */
  users: readonly { sub: string; calls: number }[];
  state: AlertState;
  now: number;
}

function partnerCheck(rule: PartnerDailyCallsRule, sub: string, day: number, calls: number): Check {
  return {
    rule,
    series: partnerSeries(sub),
    threshold: rule.calls,
    level: rule.calls,
    period: day,
    limit: null,
    value: calls,
    holds: calls >= rule.calls,
    clearedBecause: () => 'USAGE_FELL',
  };
}

/**
 * Evaluates the partner-daily-calls rules against each user's calls on `day`. A user whose
 * threshold is firing from an earlier day is resolved (PERIOD_RESET) even when absent from `users`:
 * a day with no calls has no row in the ledger.
 */
export function evaluatePartnerDailyCalls(input: EvaluatePartnerDailyCallsInput): { events: AlertEvent[]; state: AlertState } {
  const { provider, day, now } = input;
  const rules = input.rules.filter(
    (rule): rule is PartnerDailyCallsRule => rule.kind === 'PARTNER_DAILY_CALLS' && (rule.provider === undefined || rule.provider === provider),
  );
  const state: Record<string, ThresholdState> = { ...input.state };
  const decided: Decided[] = [];
  const calls = new Map<string, number>();
  for (const user of input.users) calls.set(user.sub, user.calls);
  const subsFiring = new Set<string>();
  for (const rule of rules) {
    for (const [stateKey, threshold] of Object.entries(input.state)) {
      if (threshold.status !== 'FIRING') continue;
      const [ruleId, series, value] = JSON.parse(stateKey) as [string, string, number | null];
      if (ruleId === rule.id && value === rule.calls && series.startsWith(partnerSeries(''))) subsFiring.add(series.slice(partnerSeries('').length));
    }
  }
  const subs = new Set([...calls.keys(), ...subsFiring]);
  for (const rule of rules) {
    for (const sub of subs) {
      const check = partnerCheck(rule, sub, day, calls.get(sub) ?? 0);
      const stateKey = thresholdStateKey(rule.id, check.series, check.threshold);
      const previous = state[stateKey];
      // A user below every threshold who never fired needs no state: 100,000 quiet users stay out of it.
      if (previous === undefined && !check.holds) continue;
      const result = step(check, provider, previous ?? INITIAL, now);
      state[stateKey] = result.state;
      decided.push(...result.decided);
    }
  }
  return { events: ordered(decided), state };
}
