import type DataLoader from 'dataloader';
import { integerIn, textMatching } from '../../config/env-values.js';
import { startPartnerLedger } from '../../ledger/service.js';
import { ARRAYS_DEMO_CREDENTIAL, startArraysSimulator } from '../../simulators/arrays.js';
import type { Fresh, PartnerUsagePage } from '../../usage/model.js';
import { callLoader, vendorCallKey } from '../request-loaders.js';
import { defineVendor } from '../vendor-module.js';
import { ArraysClient } from './client.js';
import { ARRAYS_DEFAULT_COUNT, ARRAYS_MAX_COUNT, ARRAYS_STREAM_START, CURSOR_PATTERN } from './stream.js';
import { accountOfPartnerPage } from './to-usage.js';

/** One vendor page of the stream: entries after `fromCursor`, at most `count`. */
export interface PartnerPageKey {
  fromCursor: string;
  count: number;
}

/** The per-request loaders of Arrays calls. */
export interface ArraysLoaders {
  partnerPage: DataLoader<PartnerPageKey, Fresh<PartnerUsagePage>, string>;
}

/** The page of the Arrays stream that `account(provider: ARRAYS)` summarises. */
export const ARRAYS_ACCOUNT_PAGE: PartnerPageKey = { fromCursor: ARRAYS_STREAM_START, count: ARRAYS_DEFAULT_COUNT };

const ID = 'ARRAYS';

/**
 * The calls of reading `first` stream entries after `after`, one per vendor page of at most
 * ARRAYS_MAX_COUNT, as `partnerUsage` chains them. Only the first page's cursor is known before
 * the call; a later page is named by where the chain started and its place in it, which is
 * what makes it the same page as another chain's from the same start.
 */
export function partnerPageCalls(after: string, first: number): string[] {
  const calls: string[] = [];
  for (let page = 0; page * ARRAYS_MAX_COUNT < first; page += 1) {
    const count = Math.min(ARRAYS_MAX_COUNT, first - page * ARRAYS_MAX_COUNT);
    calls.push(page === 0 ? vendorCallKey(ID, 'partnerPage', { fromCursor: after, count } satisfies PartnerPageKey) : vendorCallKey(ID, 'partnerPage', { after, page, count }));
  }
  return calls;
}

/**
 * Arrays (CONTRACTS.md §1): the partner per-user usage stream. Its account is a view of the
 * stream's first page, read through the same loader as `partnerUsage`, so both in one operation
 * share one call. Its service is the partner ledger that follows the stream. Arrays documents no
 * rate limit: 60 a minute, a conservative guess to raise by configuration.
 */
export const arraysVendor = defineVendor({
  id: ID,
  key: 'arrays',
  name: 'Arrays',
  env: { credential: 'ARRAYS_SERVICE_TOKEN', baseUrl: 'ARRAYS_BASE_URL' },
  defaultBaseUrl: 'https://data-tools.prd.arrays.org/api',
  rateLimitPerMinute: { default: 60, demo: 600 },
  settings: {
    /** Cursor a new ledger starts after. Default `0`, the beginning of the stream. */
    ARRAYS_START_CURSOR: textMatching(CURSOR_PATTERN, "expected 0 or an Arrays stream id '<unix-ms>-<seq>' such as 1732147200000-0", ARRAYS_STREAM_START),
    /** Wait between polls once the ledger reached the head of the stream, ms. Default 15000. */
    ARRAYS_POLL_INTERVAL_MS: integerIn(100, 86_400_000, 15_000),
  },
  demoCredential: ARRAYS_DEMO_CREDENTIAL,
  createClient: (options) => new ArraysClient(options),
  startSimulator: (options) => startArraysSimulator(options),
  createLoaders: (client): ArraysLoaders => ({
    partnerPage: callLoader((key: PartnerPageKey) => client.fetchPartnerPage(key.fromCursor, key.count)),
  }),
  account: async ({ partnerPage }) => accountOfPartnerPage(await partnerPage.load(ARRAYS_ACCOUNT_PAGE)),
  accountCalls: partnerPageCalls(ARRAYS_ACCOUNT_PAGE.fromCursor, ARRAYS_ACCOUNT_PAGE.count),
  /**
   * The partner ledger, following the stream with a client of its own on the shared channel: the
   * vendor's rate budget and breaker count every call, the follower's included. Its calls are
   * background ones: never cached (it must see the head as it is now, and reads each page once)
   * and leaving part of the budget to user queries while it catches up.
   */
  startService: async ({ client, settings, dataDir, logger, ledgerObserver, ledgerDatabase }) => {
    const ledger = await startPartnerLedger({
      dir: dataDir,
      startCursor: settings.ARRAYS_START_CURSOR,
      pollIntervalMs: settings.ARRAYS_POLL_INTERVAL_MS,
      source: (fromCursor, count) => client.fetchPartnerPage(fromCursor, count),
      logger,
      observer: ledgerObserver,
      database: ledgerDatabase ?? null,
    });
    return { ledger, close: () => ledger.close() };
  },
});
