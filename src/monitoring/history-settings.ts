import { z } from 'zod';
import { integerIn } from '../common/env-values.js';
import { DAY_MS } from './history-types.js';

/** The usage-history variables, parsed; each has a default, so an unset environment is valid. */
export interface HistorySettings {
  /**
   * `HISTORY_RETENTION_DAYS` (1 to 3660), default 400: samples of days older than this are
   * dropped, whole days at a time. 400 keeps a year and a period's worth more for comparison.
   */
  retentionDays: number;
  /**
   * `HISTORY_SAMPLE_INTERVAL_SECONDS` (10 to 86400), default 300: how often the leading instance
   * samples every vendor. A year at the default is 105,120 samples a series.
   */
  sampleIntervalSeconds: number;
}

/** The variables' schema: text in, typed settings out (defaults applied). */
export const historyEnvironment = z
  .object({
    HISTORY_RETENTION_DAYS: integerIn(1, 3660, 400),
    HISTORY_SAMPLE_INTERVAL_SECONDS: integerIn(10, 86_400, 300),
  })
  .transform((env): HistorySettings => ({ retentionDays: env.HISTORY_RETENTION_DAYS, sampleIntervalSeconds: env.HISTORY_SAMPLE_INTERVAL_SECONDS }));

/** Reads the variables from `env`; throws a ZodError naming the variable when one is malformed. */
export function readHistorySettings(env: Record<string, string | undefined>): HistorySettings {
  return historyEnvironment.parse(env);
}

/** The time before which retention drops history, given the time now. */
export function retentionCutoff(now: number, retentionDays: number): number {
  return now - retentionDays * DAY_MS;
}
