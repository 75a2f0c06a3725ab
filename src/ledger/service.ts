import type { Logger } from '../common/logger.js';
import { startFilePartnerLedger, type FilePartnerLedgerOptions } from './file-service.js';
import type { LedgerFollowerOptions, LedgerObserver, PageSource } from './follower.js';
import type { LedgerDatabase } from './postgres/connection.js';
import { startPostgresPartnerLedger } from './postgres/service.js';
import type { RunningPartnerLedger } from './partner-ledger.js';

/** Options of the gateway's partner ledger, whichever store keeps it. */
export interface PartnerLedgerOptions {
  /** `DATA_DIR`. */
  dir: string;
  /** `ARRAYS_START_CURSOR`: where a new ledger starts. */
  startCursor: string;
  /** `ARRAYS_POLL_INTERVAL_MS`. */
  pollIntervalMs: number;
  /** Reads Arrays pages. */
  source: PageSource;
  logger: Logger;
  /** More file store settings (snapshot cadence, test hooks). Default: the store's defaults. */
  store?: FilePartnerLedgerOptions['store'];
  /** More follower settings (page size, backoff). Default: the follower's defaults. */
  follower?: Omit<LedgerFollowerOptions, 'source' | 'store' | 'logger' | 'pollIntervalMs' | 'observer'>;
  /** Hears the follower's commits and failures (the metrics). Default: none. */
  observer?: LedgerObserver;
  /**
   * The shared ledger in PostgreSQL (`DATABASE_URL`) instead of the files in `dir`; the instance
   * that holds its leader lock follows the stream. Default null: the embedded file ledger.
   */
  database?: LedgerDatabaseSettings | null;
}

/** The shared ledger's database and how soon another instance takes over from a dead leader. */
export type LedgerDatabaseSettings = LedgerDatabase & { leaderTakeoverSeconds: number };

/**
 * Starts the partner ledger in PostgreSQL when a database is given, else in the files of `dir`;
 * either way the caller holds one {@link RunningPartnerLedger}.
 */
export async function startPartnerLedger(options: PartnerLedgerOptions): Promise<RunningPartnerLedger> {
  if (options.database) {
    const { leaderTakeoverSeconds, ...database } = options.database;
    return startPostgresPartnerLedger({ ...options, database, leaderTakeoverSeconds });
  }
  return startFilePartnerLedger(options);
}
