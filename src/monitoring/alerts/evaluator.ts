import type { Logger } from '../../common/logger.js';
import type { LedgerStore } from '../../ledger/store.js';
import { evaluatePartnerDailyCalls, evaluateQuota, type AlertEvent, type AlertState } from '../../usage/alert-evaluation.js';
import { ruleApplies, type AlertRule } from '../../usage/alert-rules.js';
import { forecastQuota } from '../../usage/forecast.js';
import { assignPeriods, currentPeriod, type PeriodedSample } from '../../usage/history.js';
import type { ProviderId } from '../../usage/model.js';
import type { HistoryStore } from '../history-types.js';
import { DAY_MS } from '../history-types.js';
import { eventIdentity, type AlertStore } from './alert-store.js';
import type { AlertFeed, AlertSink, StoredAlertEvent } from './alert-types.js';

/**
 * The alert evaluator: after each sampling tick of the instance leading the usage history, it
 * evaluates the rules in force over every watched series' current period (and the partner ledger's
 * calls of the day), then hands the new events on in an order that survives a crash at any step
 * and a second evaluator at once:
 *
 *   decide (pure) → drop those already stored → sink (durable, idempotent) → store → save state → feed
 *
 * A crash before the store records an event decides it again next time (the sink takes it again
 * without a second delivery); a crash after finds it stored and drops it. Two evaluators compute the
 * same keys, and the store records each once.
 */

/** Where the partner-daily-calls rules read each user's calls of the day. */
export interface PartnerCallsSource {
  /** The vendor whose stream the ledger counts. */
  provider: ProviderId;
  store: Pick<LedgerStore, 'listUsers'>;
}

/** A sink that delivers nothing: alerting without webhooks. */
export const NO_SINK: AlertSink = { enqueue: async () => undefined };

/** A feed that tells nobody: alerting without subscribers. */
export const NO_FEED: Pick<AlertFeed, 'publish'> = { publish: () => undefined };

/** What {@link createAlertEvaluator} needs. */
export interface AlertEvaluatorOptions {
  store: AlertStore;
  history: Pick<HistoryStore, 'read' | 'series'>;
  /** The rules in force, asked at each evaluation (a reloaded rules file applies at the next). */
  rules: () => readonly AlertRule[];
  /** The partner ledger, when there is one. Default none: partner-daily-calls rules have nothing to watch. */
  ledger?: () => PartnerCallsSource | null;
  /** Where recorded events are delivered (the webhook outbox). Default {@link NO_SINK}. */
  sink?: AlertSink;
  /** Where recorded events are pushed (subscriptions). Default {@link NO_FEED}. */
  feed?: Pick<AlertFeed, 'publish'>;
  /** The evaluation's time, ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Default: silent. */
  logger?: Logger;
}

/** The evaluator's state, as `/ready` shows it. */
export interface AlertEvaluatorStatus {
  /** When the last evaluation finished (ok or not); null before the first. */
  lastEvaluationAt: number | null;
  /** `ok`, or the code of the error the last evaluation failed with (`ALERT_STORE_UNAVAILABLE`, `HISTORY_UNAVAILABLE`, …). */
  condition: string;
}

/** What one evaluation did. */
export interface EvaluationOutcome {
  /** Events decided this time (new or not). */
  decided: number;
  /** Events this evaluator recorded, in order. */
  recorded: StoredAlertEvent[];
}

export interface AlertEvaluator {
  /** Evaluates now, after any evaluation in flight: evaluations never overlap. Rejects with the error that stopped it. */
  evaluate(): Promise<EvaluationOutcome>;
  status(): AlertEvaluatorStatus;
}

/** Where the period numbering of one series stands: the period of its latest sample and when that period began. */
interface TrackedPeriod {
  period: number;
  periodStart: number;
}

/** The state saved beside the events. */
interface SavedState {
  version: 1;
  /** Threshold states, per vendor (series names repeat across vendors). */
  alerts: Record<string, AlertState>;
  /** Period numbering per series (by `[provider, series]` as JSON), so that a period's number, part of every alert's key, never changes. */
  periods: Record<string, TrackedPeriod>;
}

function emptyState(): SavedState {
  return { version: 1, alerts: {}, periods: {} };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stateOf(saved: unknown): SavedState | null {
  if (!isRecord(saved) || saved.version !== 1 || !isRecord(saved.alerts) || !isRecord(saved.periods)) return null;
  return saved as unknown as SavedState;
}

/** Partner users read per ledger page, heaviest first, until one is below every threshold. */
const PARTNER_PAGE = 500;

/**
 * Reads the samples of a series' current period and numbers periods on from where the last
 * evaluation left off. Numbering from the first kept sample (as a query does) would change when
 * retention drops an old period, and with it every key; the saved numbering does not.
 */
async function currentSamples(history: AlertEvaluatorOptions['history'], provider: string, series: string, tracked: TrackedPeriod | undefined) {
  const samples = await history.read({ provider, series, ...(tracked === undefined ? {} : { since: tracked.periodStart }) });
  const placed = assignPeriods(samples).samples;
  const renumbered: PeriodedSample[] =
    tracked === undefined
      ? placed
      : placed.map((sample) => ({
          ...sample,
          period: tracked.period + sample.period,
          // The read starts at the tracked period's start, or after it when its first samples were pruned.
          periodStart: sample.period === 0 ? tracked.periodStart : sample.periodStart,
        }));
  return currentPeriod(renumbered);
}

/** Creates the evaluator; it evaluates when asked (the sampler asks after each tick it led). */
export function createAlertEvaluator(options: AlertEvaluatorOptions): AlertEvaluator {
  const { store, history, logger } = options;
  const sink = options.sink ?? NO_SINK;
  const feed = options.feed ?? NO_FEED;
  const now = options.now ?? Date.now;
  let lastEvaluationAt: number | null = null;
  let condition = 'ok';
  let tail: Promise<unknown> = Promise.resolve();

  async function decide(state: SavedState, rules: readonly AlertRule[], at: number): Promise<AlertEvent[]> {
    const events: AlertEvent[] = [];
    const quotaRules = rules.filter((rule) => rule.kind !== 'PARTNER_DAILY_CALLS');
    if (quotaRules.length > 0) {
      for (const { provider, series } of await history.series()) {
        if (!quotaRules.some((rule) => ruleApplies(rule, provider as ProviderId, series))) continue;
        const trackKey = JSON.stringify([provider, series]);
        const samples = await currentSamples(history, provider, series, state.periods[trackKey]);
        const last = samples.at(-1);
        if (last === undefined) continue;
        state.periods[trackKey] = { period: last.period, periodStart: last.periodStart };
        const evaluated = evaluateQuota({
          rules,
          provider: provider as ProviderId,
          series,
          samples,
          forecast: forecastQuota(samples, at),
          state: state.alerts[provider] ?? {},
          now: at,
        });
        state.alerts[provider] = evaluated.state;
        events.push(...evaluated.events);
      }
    }
    const partnerRules = rules.filter((rule) => rule.kind === 'PARTNER_DAILY_CALLS');
    const ledger = options.ledger?.() ?? null;
    if (partnerRules.length > 0 && ledger !== null) {
      const day = Math.floor(at / DAY_MS);
      const lowest = Math.min(...partnerRules.map((rule) => rule.calls));
      const users: { sub: string; calls: number }[] = [];
      let after = null;
      for (;;) {
        const page = await ledger.store.listUsers({ orderBy: 'CALLS', first: PARTNER_PAGE, after, range: { sinceDay: day, untilDay: day + 1 } });
        const reaching = page.users.filter((user) => user.counts.calls >= lowest);
        users.push(...reaching.map((user) => ({ sub: user.user.sub, calls: user.counts.calls })));
        // Heaviest first: once a user is below every threshold, so is everyone after.
        if (!page.hasNextPage || reaching.length < page.users.length) break;
        after = page.users.at(-1)!.position;
      }
      const evaluated = evaluatePartnerDailyCalls({ rules, provider: ledger.provider, day, users, state: state.alerts[ledger.provider] ?? {}, now: at });
      state.alerts[ledger.provider] = evaluated.state;
      events.push(...evaluated.events);
    }
    return events;
  }

  /** Drops the thresholds of rules no longer in force: a removed rule's state would otherwise stay forever. */
  function withoutRemovedRules(state: SavedState, rules: readonly AlertRule[]): SavedState {
    const ids = new Set(rules.map((rule) => rule.id));
    const alerts: Record<string, AlertState> = {};
    for (const [provider, thresholds] of Object.entries(state.alerts)) {
      alerts[provider] = Object.fromEntries(Object.entries(thresholds).filter(([key]) => ids.has((JSON.parse(key) as [string])[0])));
    }
    return { ...state, alerts };
  }

  async function run(): Promise<EvaluationOutcome> {
    const at = now();
    const rules = options.rules();
    const loaded = await store.loadState();
    let state = stateOf(loaded);
    if (state === null && loaded !== null) logger?.warn('alerts: the saved evaluator state has an unknown shape; evaluation starts over (no alert fires twice: the events are kept)', {});
    state ??= emptyState();
    const decided = await decide(state, rules, at);
    const known = decided.length === 0 ? new Set<string>() : await store.stored(decided);
    const fresh = decided.filter((event) => !known.has(eventIdentity(event)));
    if (fresh.length > 0) await sink.enqueue(fresh);
    const recorded = fresh.length > 0 ? await store.record(fresh) : [];
    await store.saveState(withoutRemovedRules(state, rules) as unknown as Record<string, unknown>);
    if (recorded.length > 0) {
      feed.publish(recorded);
      for (const event of recorded) {
        logger?.info(event.kind === 'FIRED' ? 'alert fired' : 'alert resolved', {
          rule: event.ruleId,
          provider: event.provider,
          series: event.series,
          threshold: event.threshold,
          value: event.value,
          limit: event.limit,
          ...(event.reason === undefined ? {} : { reason: event.reason }),
        });
      }
    }
    return { decided: decided.length, recorded };
  }

  function evaluate(): Promise<EvaluationOutcome> {
    const next = tail.then(run).then(
      (outcome) => {
        lastEvaluationAt = now();
        if (condition !== 'ok') logger?.info('alerts: evaluating again', { before: condition });
        condition = 'ok';
        return outcome;
      },
      (error: unknown) => {
        lastEvaluationAt = now();
        const code = (error as { code?: unknown } | null)?.code;
        const next = typeof code === 'string' && code !== '' ? code : 'ALERT_EVALUATION_FAILED';
        if (next !== condition) logger?.error('alerts: an evaluation failed; the next tick tries again', { condition: next, reason: error instanceof Error ? error.message : String(error) });
        condition = next;
        throw error;
      },
    );
    tail = next.catch(() => undefined);
    return next;
  }

  return { evaluate, status: () => ({ lastEvaluationAt, condition }) };
}
