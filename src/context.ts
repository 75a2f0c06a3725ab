import DataLoader from 'dataloader';
import { ANONYMOUS_CALLER, type Caller } from './common/caller.js';
import { LedgerUnavailableError } from './ledger/errors.js';
import type { PartnerLedger } from './ledger/index.js';
import type { DailyQuery, DailyUsage } from './ledger/store.js';
import type { PartnerUserTotals } from './ledger/types.js';
import type { Logger } from './common/logger.js';
import { StreamGate } from './common/stream-gate.js';
import type { AlertingReadModel } from './monitoring/alerts/alert-types.js';
import { isHistoryError } from './monitoring/history-errors.js';
import type { HistoryStore, SeriesKey } from './monitoring/history-types.js';
import { ProviderNotConfiguredError } from './providers/errors.js';
import type { ProviderRegistry } from './providers/registry.js';
import type { AnyVendorModule, LoadersOf } from './providers/vendor-module.js';
import { assignPeriods, type PeriodedSample } from './usage/history.js';
import type { AccountUsage, Fresh, ProviderId } from './usage/model.js';

/**
 * Per-request loaders: within one operation every distinct call happens once, whatever the
 * number of fields, aliases and fragments asking for it, and distinct calls run in parallel.
 * Fresh per request, so nothing here outlives the operation.
 */
export interface Loaders {
  /** Each vendor's account, through the vendor module (which may share a call with its own fields). */
  account: DataLoader<ProviderId, Fresh<AccountUsage>>;
  /** Partner users by sub from the ledger: every sub of one operation in one ledger read. */
  partnerUser: DataLoader<string, PartnerUserTotals | null>;
  /** Daily series of partner users, likewise batched into one ledger read. */
  partnerUserDaily: DataLoader<DailyQuery, DailyUsage[] | null, string>;
  /**
   * Every kept sample of a usage-history series, placed in its periods: one store read per series
   * per request, whatever the number of ranges and forecasts cut from it. Rejects with
   * HistoryReadError when the store fails, and when history is off (never asked then).
   */
  history: DataLoader<SeriesKey, PeriodedSample[], string>;
  /**
   * The loaders of one vendor's own calls, made on first use in this request. Throws
   * PROVIDER_NOT_CONFIGURED when that vendor is not configured.
   */
  of<M extends AnyVendorModule>(vendor: M): LoadersOf<M>;
}

export interface GatewayContext {
  /** Who is asking; the anonymous caller (every scope) when the gateway checks no identity. */
  caller: Caller;
  registry: ProviderRegistry;
  loaders: Loaders;
  logger: Logger;
  /** The partner usage ledger; null when this gateway runs none (its vendor not configured, or a test gateway). */
  ledger: PartnerLedger | null;
  /** The sampled usage history and how to read it; null when history is off. */
  history: HistoryReading | null;
  /** Threshold alerting (rules, events, the live feed, webhook state); null when alerting is off. */
  alerting: AlertingReadModel | null;
  /** Admission of subscriptions: limits per caller and in all, and their end on shutdown or expiry. */
  streams: StreamGate;
}

/** What the schema needs to answer history and forecasts. */
export interface HistoryReading {
  store: HistoryStore;
  /** How long the store keeps samples, ms (`HISTORY_RETENTION_DAYS`): the longest range one answer may span. */
  retentionMs: number;
  /** The most points a history without a resolution is downsampled to (`HISTORY_DEFAULT_POINTS`). */
  defaultPoints: number;
  /** Milliseconds since the epoch: the end of a default range and the instant a forecast is made at. */
  now(): number;
}

/**
 * The usage history could not be read (`HISTORY_UNAVAILABLE`): the store's files or database
 * failed. The message names the store's condition, never a path or a connection string.
 */
export class HistoryReadError extends Error {
  override readonly name = 'HistoryReadError';
  readonly code = 'HISTORY_UNAVAILABLE';
}

/** The vendor whose stream the partner ledger follows. */
export const LEDGER_PROVIDER: ProviderId = 'ARRAYS';

/**
 * The ledger, or the error a client should see: PROVIDER_NOT_CONFIGURED without its vendor,
 * LEDGER_UNAVAILABLE when the vendor is configured but this gateway runs no ledger. A rule of the
 * request's context, not of the ledger: the ledger knows nothing of which vendors are configured.
 */
export function requireLedger(registry: { get(id: ProviderId): unknown }, ledger: PartnerLedger | null): PartnerLedger {
  if (registry.get(LEDGER_PROVIDER) === undefined) throw new ProviderNotConfiguredError(LEDGER_PROVIDER);
  if (ledger === null) throw new LedgerUnavailableError();
  return ledger;
}

/** Reads one series whole (every range of a request is cut from one read), periods assigned from its first kept sample. */
async function readSeries(store: HistoryStore | null, key: SeriesKey): Promise<PeriodedSample[]> {
  if (store === null) throw new HistoryReadError('usage history is off on this gateway');
  let samples;
  try {
    samples = await store.read({ provider: key.provider, series: key.series });
  } catch (error) {
    // A file-system or driver message may name paths or hosts: the client gets the condition only.
    const condition = isHistoryError(error) ? error.code : 'HISTORY_UNAVAILABLE';
    throw new HistoryReadError(`usage history could not be read (${condition})`, { cause: error });
  }
  return assignPeriods(samples).samples;
}

export function createLoaders(registry: ProviderRegistry, ledger: PartnerLedger | null = null, history: HistoryStore | null = null): Loaders {
  const vendorLoaders = new Map<AnyVendorModule, object>();
  const of = <M extends AnyVendorModule>(vendor: M): LoadersOf<M> => {
    let loaders = vendorLoaders.get(vendor);
    if (loaders === undefined) {
      const client = registry.clientOf(vendor);
      if (client === undefined) throw new ProviderNotConfiguredError(vendor.id);
      vendorLoaders.set(vendor, (loaders = (vendor.createLoaders?.(client) ?? {}) as object));
    }
    return loaders as LoadersOf<M>;
  };
  const account = new DataLoader<ProviderId, Fresh<AccountUsage>>((ids) =>
    Promise.all(
      ids.map(async (id) => {
        try {
          const provider = registry.get(id);
          if (!provider) throw new ProviderNotConfiguredError(id);
          const { vendor } = provider;
          return await (vendor.account === undefined ? provider.client.fetchAccount() : vendor.account(of(vendor)));
        } catch (error) {
          return error instanceof Error ? error : new Error(String(error));
        }
      }),
    ),
    // Each vendor's account settles on its own: a batch would hold every fast vendor's entry back
    // until the slowest answered, which `@defer` on `accounts` exists to avoid. The cache stays.
    { batch: false },
  );
  const partnerUser = new DataLoader<string, PartnerUserTotals | null>((subs) => requireLedger(registry, ledger).store.getUsers(subs));
  const partnerUserDaily = new DataLoader<DailyQuery, DailyUsage[] | null, string>(
    (queries) => requireLedger(registry, ledger).store.getDaily(queries),
    { cacheKeyFn: ({ sub, sinceDay, untilDay }) => `${sinceDay}\u0000${untilDay}\u0000${sub}` },
  );
  const historyLoader = new DataLoader<SeriesKey, PeriodedSample[], string>(
    (keys) => Promise.all(keys.map((key) => readSeries(history, key).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))))),
    { cacheKeyFn: ({ provider, series }) => `${provider}\u0000${series}` },
  );
  return { account, partnerUser, partnerUserDaily, history: historyLoader, of };
}

export function createContext(
  registry: ProviderRegistry,
  logger: Logger,
  ledger: PartnerLedger | null = null,
  caller: Caller = ANONYMOUS_CALLER,
  history: HistoryReading | null = null,
  alerting: AlertingReadModel | null = null,
  // A gate per context admits everything: only tests without a gateway build contexts without one.
  streams: StreamGate = new StreamGate(),
): GatewayContext {
  return { caller, registry, loaders: createLoaders(registry, ledger, history?.store ?? null), logger, ledger, history, alerting, streams };
}
