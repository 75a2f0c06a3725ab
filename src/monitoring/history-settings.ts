import { z } from 'zod';
import { integerIn, optionalFlag, optionalIntegerIn } from '../common/env-values.js';
import { DAY_MS } from './history-types.js';
import { MIN_SAMPLE_INTERVAL_SECONDS } from './sample-interval.js';

/** The usage-history variables, parsed; each has a default, so an unset environment is valid. */
export interface HistorySettings {
  /** `HISTORY` (`1`/`0`), default on: `0` records no history, opens no store and starts no sampler. */
  enabled: boolean;
  /**
   * `HISTORY_RETENTION_DAYS` (1 to 3660), default 400: samples of days older than this are
   * dropped, whole days at a time. 400 keeps a year and a period's worth more for comparison.
   */
  retentionDays: number;
  /**
   * `HISTORY_SAMPLE_INTERVAL_SECONDS` (10 to 86400): how often the leading instance samples every
   * vendor. Default null: computed from the vendor table (`defaultSampleIntervalSeconds`), 60 s
   * with today's vendors (10 s in demo mode). A year at 60 s is 525,600 samples a series.
   */
  sampleIntervalSeconds: number | null;
  /**
   * `HISTORY_DEFAULT_POINTS` (10 to 10000), default 1000: how history is downsampled when a query
   * names no resolution — the finest resolution that tells the range in at most this many points.
   */
  defaultPoints: number;
}

/** Each variable's own schema, so that the configuration reader reports each one by name. */
export const historyVariables = {
  HISTORY: optionalFlag,
  HISTORY_RETENTION_DAYS: integerIn(1, 3660, 400),
  HISTORY_SAMPLE_INTERVAL_SECONDS: optionalIntegerIn(MIN_SAMPLE_INTERVAL_SECONDS, 86_400),
  HISTORY_DEFAULT_POINTS: integerIn(10, 10_000, 1000),
};

/** The variables' schema: text in, typed settings out (defaults applied). */
export const historyEnvironment = z
  .object(historyVariables)
  .transform(
    (env): HistorySettings => ({
      enabled: env.HISTORY ?? true,
      retentionDays: env.HISTORY_RETENTION_DAYS,
      sampleIntervalSeconds: env.HISTORY_SAMPLE_INTERVAL_SECONDS ?? null,
      defaultPoints: env.HISTORY_DEFAULT_POINTS,
    }),
  );

/** Reads the variables from `env`; throws a ZodError naming the variable when one is malformed. */
export function readHistorySettings(env: Record<string, string | undefined>): HistorySettings {
  return historyEnvironment.parse(env);
}

/** The time before which retention drops history, given the time now. */
export function retentionCutoff(now: number, retentionDays: number): number {
  return now - retentionDays * DAY_MS;
}
