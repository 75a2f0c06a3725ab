import type DataLoader from 'dataloader';
import { integerIn, textMatching } from '../../common/env-values.js';
import {
  ARRAYS_DEFAULT_COUNT,
  ARRAYS_STREAM_START,
  CURSOR_PATTERN,
  startPartnerLedger,
  type LedgerDatabaseSettings,
  type LedgerObserver,
  type PartnerLedger,
} from '../../ledger/index.js';
import { ARRAYS_DEMO_CREDENTIAL, startArraysSimulator } from '../../simulators/arrays.js';
import type { Fresh, PartnerUsagePage } from '../../usage/model.js';
import { callLoader, vendorCallKey } from '../request-loaders.js';
import { defineVendor } from '../vendor-module.js';
import { ArraysClient } from './client.js';
import { firstPartnerRead, partnerEdgeCallBudget, type PartnerEdgeStart, type PartnerPageKey } from './edge-pager.js';
import { accountOfPartnerPage } from './to-usage.js';

export type { PartnerPageKey } from './edge-pager.js';

declare module '../vendor-module.js' {
  /** The partner ledger's wiring, which the entry hands the Arrays service. */
  interface ServiceWiring {
    /** Hears the ledger's commits and failures (the metrics). Default: none. */
    ledgerObserver?: LedgerObserver;
    /** `DATABASE_URL`: keep the ledger in PostgreSQL, shared by every instance. Default null: files in `dataDir`. */
    ledgerDatabase?: LedgerDatabaseSettings | null;
  }
  /** The Arrays service's partner ledger, which the schema's ledger fields read. */
  interface ServiceOffers {
    readonly ledger: PartnerLedger;
  }
}

/** The per-request loaders of Arrays calls. */
export interface ArraysLoaders {
  partnerPage: DataLoader<PartnerPageKey, Fresh<PartnerUsagePage>, string>;
}

/** The page of the Arrays stream that `account(provider: ARRAYS)` summarises. */
export const ARRAYS_ACCOUNT_PAGE: PartnerPageKey = { fromCursor: ARRAYS_STREAM_START, count: ARRAYS_DEFAULT_COUNT };

const ID = 'ARRAYS';

/** The name of one vendor page's call, as the loaders make it once per request. */
export function partnerPageCall(key: PartnerPageKey): string {
  const { fromCursor, count, through } = key;
  return vendorCallKey(ID, 'partnerPage', (through === undefined ? { fromCursor, count } : { fromCursor, count, through }) satisfies PartnerPageKey);
}

/**
 * The calls reading `first` edges after `start` can make, `partnerEdgeCallBudget` of them (see
 * `edge-pager.ts`): only the first page's key is known before the call. A chain of reads from
 * one `after` with one `count` is the same whatever `first` until it stops, so its k-th read is
 * named by `after`, `count` and k and shared with other chains from there.
 */
export function partnerPageCalls(start: PartnerEdgeStart, first: number, entriesPerCall: number, maxCalls: number): string[] {
  const budget = partnerEdgeCallBudget(first, maxCalls);
  const calls = [partnerPageCall(firstPartnerRead(start, entriesPerCall))];
  const chain = { after: start.cursor, count: entriesPerCall };
  for (let read = 1; read < budget; read++) calls.push(vendorCallKey(ID, 'partnerPage', { ...chain, read }));
  return calls;
}

/**
 * Arrays (docs/vendors/arrays.md): the partner per-user usage stream. Its account is a view of the
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
    partnerPage: callLoader((key: PartnerPageKey) => client.fetchPartnerPage(key.fromCursor, key.count, key.through)),
  }),
  account: async ({ partnerPage }) => accountOfPartnerPage(await partnerPage.load(ARRAYS_ACCOUNT_PAGE)),
  accountCalls: [partnerPageCall(ARRAYS_ACCOUNT_PAGE)],
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
      source: (fromCursor, count) => client.fetchPackedPartnerPage(fromCursor, count),
      logger,
      observer: ledgerObserver,
      database: ledgerDatabase ?? null,
    });
    return { ledger, close: () => ledger.close() };
  },
});
