import { HistoryBadSampleError, type HistoryErrorCode } from './history-errors.js';

/**
 * The contract of the usage-history store: what a sample is, and what every store (the embedded
 * files, PostgreSQL) must do with it. The test suite in test/monitoring runs against both.
 */

/** One observation of one vendor counter, as the sampler read it. */
export interface UsageSample {
  /** The vendor, as the gateway names it in configuration. */
  provider: string;
  /** What was measured, e.g. `quota:monthly_requests`, `rateLimit:remaining`, `period:lookup_api_requests.successful` (see usage/history-series.ts). */
  series: string;
  /** When, ms since the epoch (an integer). With provider and series, the sample's key: one sample per key. */
  at: number;
  /** The counter's value then; a safe integer. */
  used: number;
  /** The limit the counter runs against then; null when the vendor states none. */
  limit: number | null;
  /** When the counter's period resets, ms since the epoch; null when it does not. */
  resetsAt: number | null;
}

/** A series the store holds samples of. */
export interface SeriesKey {
  provider: string;
  series: string;
}

/** The samples of one series with `since <= at < until`; either bound may be left open. */
export interface HistoryQuery extends SeriesKey {
  /** Inclusive, ms since the epoch. Default: from the first sample. */
  since?: number;
  /** Exclusive, ms since the epoch. Default: to the last sample. */
  until?: number;
}

/** The store's health: `ok`, or the code of the condition that made its last write (or read) fail. */
export type HistoryCondition = 'ok' | Exclude<HistoryErrorCode, 'HISTORY_BAD_SAMPLE' | 'HISTORY_NOT_LEADER'>;

export interface HistoryStatus {
  /** `postgres` with `DATABASE_URL`, else `file` (DATA_DIR/history). */
  backend: 'file' | 'postgres';
  /** `ok` once an append or read succeeds after a failure: the condition clears by itself. */
  condition: HistoryCondition;
  /** The last failure, kept after it clears (for operators); its message never holds a secret. */
  lastError: { code: HistoryErrorCode; message: string; at: number } | null;
  /** Whether this instance holds the sampler's lead. */
  leader: boolean;
}

/**
 * Where sampled usage history is kept. Appends are idempotent by (provider, series, at): a retried
 * batch, or two instances writing the same sample, record it once.
 */
export interface HistoryStore {
  /**
   * Writes the samples; resolves once they are durable (fsync'd, or committed). A rejection
   * (a HistoryError) means none of them may be counted on; retrying the batch is safe.
   */
  append(samples: readonly UsageSample[]): Promise<void>;
  /** The samples of one series in the range, ordered by time, in one call however many. */
  read(query: HistoryQuery): Promise<UsageSample[]>;
  /** The series holding samples (of `provider` alone when given), ordered by provider then series. */
  series(provider?: string): Promise<SeriesKey[]>;
  /**
   * Drops history in whole UTC days: every sample of a day that ends at or before `before` (ms
   * since the epoch). Samples of the day `before` falls in are kept.
   */
  prune(before: number): Promise<void>;
  /**
   * Takes the sampler's lead if nobody holds it; true while this instance holds it. Calling it
   * again while leading returns true at once. The lead is released by `close` or a crash.
   */
  tryLead(): Promise<boolean>;
  readonly isLeader: boolean;
  status(): HistoryStatus;
  /** Releases the lead and the store's files or connections. */
  close(): Promise<void>;
}

export const DAY_MS = 86_400_000;

/** The start of the UTC day `at` falls in. */
export function utcDayStart(at: number): number {
  return Math.floor(at / DAY_MS) * DAY_MS;
}

/** Refuses a batch holding any sample the stores cannot keep exactly (HistoryBadSampleError). */
export function checkSamples(samples: readonly UsageSample[]): void {
  for (const sample of samples) {
    const bad = (what: string) =>
      new HistoryBadSampleError(`sample ${JSON.stringify(sample.provider)}/${JSON.stringify(sample.series)} at ${String(sample.at)}: ${what}`);
    if (typeof sample.provider !== 'string' || sample.provider === '') throw bad('the provider must be a non-empty string');
    if (typeof sample.series !== 'string' || sample.series === '') throw bad('the series must be a non-empty string');
    if (!Number.isSafeInteger(sample.at) || sample.at < 0) throw bad('the time must be whole ms since the epoch');
    if (!Number.isSafeInteger(sample.used)) throw bad('used must be a safe integer');
    if (sample.limit !== null && !Number.isSafeInteger(sample.limit)) throw bad('the limit must be a safe integer or null');
    if (sample.resetsAt !== null && (!Number.isSafeInteger(sample.resetsAt) || sample.resetsAt < 0)) throw bad('resetsAt must be whole ms since the epoch or null');
  }
}
