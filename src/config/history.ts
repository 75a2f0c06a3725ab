import { historyVariables } from '../monitoring/history-settings.js';
import { defaultSampleIntervalSeconds } from '../monitoring/sample-interval.js';
import type { AnyVendorModule } from '../providers/vendor-module.js';
import type { EnvironmentReader } from './environment-reader.js';

/** Usage history: whether it is kept, for how long, and how often the vendors are sampled. */
export interface HistoryConfig {
  /** `HISTORY` (`1`/`0`), default on. Off: no store is opened and no vendor is sampled. */
  enabled: boolean;
  /** `HISTORY_RETENTION_DAYS` (1 to 3660), default 400. */
  retentionDays: number;
  /**
   * `HISTORY_SAMPLE_INTERVAL_SECONDS` (10 to 86400). Default: the shortest whole minute that keeps
   * every configured vendor's sampling within 5 % of its default rate budget (60 s with today's
   * vendors); in demo mode the shortest ten seconds within 5 % of the simulators' budgets (10 s).
   */
  sampleIntervalSeconds: number;
  /** True when the interval was computed from the vendor table rather than set. */
  intervalComputed: boolean;
  /** `HISTORY_DEFAULT_POINTS` (10 to 10000), default 1000: the most points a history query without a resolution is downsampled to. */
  defaultPoints: number;
}

/** Reads `HISTORY`, `HISTORY_RETENTION_DAYS`, `HISTORY_SAMPLE_INTERVAL_SECONDS` and `HISTORY_DEFAULT_POINTS` for the vendors `vendors`. */
export function readHistoryConfig(reader: EnvironmentReader, vendors: readonly AnyVendorModule[], demo: boolean): HistoryConfig {
  const enabled = reader.read('HISTORY', historyVariables.HISTORY) ?? true;
  const retentionDays = reader.read('HISTORY_RETENTION_DAYS', historyVariables.HISTORY_RETENTION_DAYS);
  const set = reader.read('HISTORY_SAMPLE_INTERVAL_SECONDS', historyVariables.HISTORY_SAMPLE_INTERVAL_SECONDS);
  const defaultPoints = reader.read('HISTORY_DEFAULT_POINTS', historyVariables.HISTORY_DEFAULT_POINTS);
  return {
    enabled,
    retentionDays,
    sampleIntervalSeconds: set ?? defaultSampleIntervalSeconds(vendors, demo),
    intervalComputed: set === undefined,
    defaultPoints,
  };
}
