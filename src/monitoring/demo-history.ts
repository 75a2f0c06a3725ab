import type { Logger } from '../common/logger.js';
import type { HistoryStore, UsageSample } from './history-types.js';

const HOUR_MS = 3_600_000;

/** What {@link seedDemoHistory} writes. */
export interface DemoHistoryOptions {
  store: HistoryStore;
  /** The readings the past leads up to: the sampler's first of this demo (see `beforeFirstAppend`). */
  current: readonly UsageSample[];
  /** How far back, ms. Default a week. */
  spanMs?: number;
  /** Between two seeded samples, ms. Default an hour. */
  stepMs?: number;
  logger?: Logger;
}

/**
 * Gives a fresh demo a plausible past: when the store holds nothing yet, writes a week of hourly
 * samples of every series in `current`, leading up to those readings. A store that holds anything
 * is left alone, so a restarted demo keeps the history it recorded. The caller leads the store.
 * Returns how many samples were written.
 */
export async function seedDemoHistory(options: DemoHistoryOptions): Promise<number> {
  const { store, current, logger } = options;
  const spanMs = options.spanMs ?? 7 * 24 * HOUR_MS;
  const stepMs = options.stepMs ?? HOUR_MS;
  if (current.length === 0 || (await store.series()).length > 0) return 0;
  const now = Math.min(...current.map((sample) => sample.at));
  const first = Math.ceil((now - spanMs) / stepMs) * stepMs;
  const past: UsageSample[] = [];
  for (const sample of current) {
    for (let at = first; at < sample.at; at += stepMs) past.push(pastSample(sample, at));
  }
  if (past.length > 0) await store.append(past);
  logger?.info('demo history: seeded a plausible past', { samples: past.length, days: spanMs / (24 * HOUR_MS) });
  return past.length;
}

/**
 * The value `latest` had at `at`, had it grown at one steady pace since its period began. A
 * counter that resets monthly (one with a reset time, a month-to-date counter, a quota named
 * monthly) runs from the start of its calendar month at the pace its current value implies, and
 * the month before at the same pace; anything else (a count of resources, a rate limit's
 * remaining calls) is held at its current value.
 */
export function pastSample(latest: UsageSample, at: number): UsageSample {
  const monthly = latest.resetsAt !== null || latest.series.startsWith('period:') || /monthly/i.test(latest.series);
  if (!monthly) return { ...latest, at };
  const periodEnd = latest.resetsAt ?? addUtcMonths(utcMonthStart(latest.at), 1);
  const periodStart = addUtcMonths(periodEnd, -1);
  const pace = latest.at > periodStart ? latest.used / (latest.at - periodStart) : 0;
  let start = periodStart;
  let end = periodEnd;
  while (at < start) {
    end = start;
    start = addUtcMonths(start, -1);
  }
  return { ...latest, at, used: Math.round(pace * (at - start)), resetsAt: latest.resetsAt === null ? null : end };
}

function utcMonthStart(at: number): number {
  const date = new Date(at);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

/** `at` moved by whole calendar months (UTC), the day and time kept. */
function addUtcMonths(at: number, months: number): number {
  const date = new Date(at);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds());
}
