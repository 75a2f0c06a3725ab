import type { Logger } from '../common/logger.js';
import { LedgerLockedError, type LedgerLockLostError } from './errors.js';
import { FileLedgerStore, type FileLedgerStoreOptions } from './file-store.js';
import { LedgerFollower, type FollowerStatus, type LedgerErrorInfo, type LedgerFollowerOptions, type LedgerObserver, type PageSource } from './follower.js';
import type { RunningPartnerLedger } from './partner-ledger.js';

/** Options of the partner ledger kept in files. */
export interface FilePartnerLedgerOptions {
  /** `DATA_DIR`. */
  dir: string;
  /** `ARRAYS_START_CURSOR`: where a new ledger starts. */
  startCursor: string;
  /** `ARRAYS_POLL_INTERVAL_MS`. */
  pollIntervalMs: number;
  /** Reads Arrays pages. */
  source: PageSource;
  logger: Logger;
  /** More store settings (snapshot cadence, test hooks). Default: the store's defaults. */
  store?: Omit<FileLedgerStoreOptions, 'dir' | 'startCursor' | 'logger' | 'readOnly' | 'onLockLost'>;
  /** More follower settings (page size, backoff). Default: the follower's defaults. */
  follower?: Omit<LedgerFollowerOptions, 'source' | 'store' | 'logger' | 'pollIntervalMs' | 'observer'>;
  /** Hears the follower's commits and failures (the metrics). Default: none. */
  observer?: LedgerObserver;
}

/**
 * Opens the ledger in `dir` and starts following the stream. When another live process already
 * follows it, this gateway opens it read-only and says so in `status().lastError`: it serves
 * the totals as they were when it opened, and every other field as usual.
 */
export async function startFilePartnerLedger(options: FilePartnerLedgerOptions): Promise<RunningPartnerLedger> {
  const { dir, startCursor, logger } = options;
  let store: FileLedgerStore;
  let follower: LedgerFollower | undefined;
  let lockLost: LedgerErrorInfo | null = null;
  // The store has stopped writing and logged it; the follower stops polling for pages it could not commit.
  const onLockLost = (error: LedgerLockLostError) => {
    lockLost = { code: error.code, message: error.message, at: new Date() };
    void follower?.stop();
  };
  try {
    store = await FileLedgerStore.open({ ...options.store, dir, startCursor, logger, onLockLost });
  } catch (error) {
    if (!(error instanceof LedgerLockedError)) throw error;
    logger.error('partner ledger: not following the Arrays stream, another process does; serving its totals read-only', { error });
    const readOnly = await FileLedgerStore.open({ dir, startCursor, logger, readOnly: true });
    const status: FollowerStatus = {
      following: false,
      caughtUp: false,
      headCursor: null,
      lastPollAt: null,
      lastError: { code: error.code, message: error.message, at: new Date() },
      consecutiveFailures: 0,
      stalled: false,
    };
    return { store: readOnly, status: () => ({ ...status }), close: () => readOnly.close() };
  }
  const running = new LedgerFollower({
    ...options.follower,
    source: options.source,
    store,
    logger,
    pollIntervalMs: options.pollIntervalMs,
    observer: options.observer,
  });
  follower = running;
  if (lockLost === null) running.start();
  logger.info('partner ledger: following the Arrays stream', { dir, position: await store.position() });
  return {
    store,
    status: () => (lockLost === null ? running.status() : { ...running.status(), following: false, lastError: lockLost }),
    async close() {
      await running.stop();
      await store.close();
    },
  };
}
