import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import { LedgerUnavailableError } from './ledger/errors.js';
import type { PartnerLedger } from './ledger/service.js';
import type { DailyQuery, DailyUsage } from './ledger/store.js';
import type { PartnerUserTotals } from './ledger/types.js';
import type { Logger } from './logger.js';
import type { ProviderRegistry } from './providers/registry.js';
import { accountOfApiKeyUsage } from './providers/anylayer/to-usage.js';
import { accountOfPartnerPage } from './providers/arrays/to-usage.js';
import {
  DEFAULT_API_KEY_USAGE_QUERY,
  type AccountUsage,
  type ApiKeyUsage,
  type ApiKeyUsageQuery,
  type PartnerUsagePage,
  type ProviderId,
} from './usage/model.js';

/** The vendor asked for is not configured on this gateway (no credential, not in demo mode). */
export class ProviderNotConfiguredError extends Error {
  override readonly name = 'ProviderNotConfiguredError';
  readonly code = 'PROVIDER_NOT_CONFIGURED';
  constructor(readonly provider: ProviderId) {
    super(`${provider} is not configured on this gateway: set its credential variable, or run in demo mode`);
  }
}

export interface PartnerPageKey {
  fromCursor: string;
  count: number;
}

/** The page of the Arrays stream that `account(provider: ARRAYS)` summarises. */
export const ARRAYS_ACCOUNT_PAGE: PartnerPageKey = { fromCursor: '0', count: 1000 };

/**
 * Per-request loaders: within one operation every distinct (vendor, arguments) call happens once,
 * whatever the number of fields, aliases and fragments asking for it, and distinct calls run in
 * parallel. Fresh per request, so nothing here outlives the operation.
 */
export interface Loaders {
  account: DataLoader<ProviderId, AccountUsage>;
  partnerPage: DataLoader<PartnerPageKey, PartnerUsagePage, string>;
  apiKeyUsage: DataLoader<ApiKeyUsageQuery, ApiKeyUsage, string>;
  /** Partner users by sub from the ledger: every sub of one operation in one ledger read. */
  partnerUser: DataLoader<string, PartnerUserTotals | null>;
  /** Daily series of partner users, likewise batched into one ledger read. */
  partnerUserDaily: DataLoader<DailyQuery, DailyUsage[] | null, string>;
}

export interface GatewayContext {
  registry: ProviderRegistry;
  loaders: Loaders;
  logger: Logger;
  /** The partner usage ledger; null when this gateway runs none (Arrays not configured, or a test gateway). */
  ledger: PartnerLedger | null;
}

/**
 * The ledger, or the error a client should see: PROVIDER_NOT_CONFIGURED without Arrays,
 * LEDGER_UNAVAILABLE when Arrays is configured but this gateway runs no ledger.
 */
export function requireLedger(registry: ProviderRegistry, ledger: PartnerLedger | null): PartnerLedger {
  if (!registry.arrays()) throw new ProviderNotConfiguredError('ARRAYS');
  if (ledger === null) {
    const { message, code } = new LedgerUnavailableError();
    throw new GraphQLError(message, { extensions: { code, provider: 'ARRAYS' } });
  }
  return ledger;
}

/** Runs every key at once; a failure is that key's result only (DataLoader's per-key errors). */
function parallel<K, V>(load: (key: K) => Promise<V>) {
  return (keys: readonly K[]) => Promise.all(keys.map((key) => load(key).catch((error: unknown) => toError(error))));
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** A stable identity for argument objects: same fields, same key, regardless of property order. */
function argumentsKey(value: object): string {
  return JSON.stringify(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
}

export function createLoaders(registry: ProviderRegistry, ledger: PartnerLedger | null = null): Loaders {
  const partnerPage = new DataLoader<PartnerPageKey, PartnerUsagePage, string>(
    parallel((key) => {
      const arrays = registry.arrays();
      if (!arrays) throw new ProviderNotConfiguredError('ARRAYS');
      return arrays.fetchPartnerPage(key.fromCursor, key.count);
    }),
    { cacheKeyFn: argumentsKey },
  );
  const apiKeyUsage = new DataLoader<ApiKeyUsageQuery, ApiKeyUsage, string>(
    parallel((query) => {
      const anylayer = registry.anylayer();
      if (!anylayer) throw new ProviderNotConfiguredError('ANYLAYER');
      return anylayer.fetchApiKeyUsage(query);
    }),
    { cacheKeyFn: argumentsKey },
  );
  // Arrays and Anylayer accounts are views of calls other fields make too; going through those
  // loaders lets `account` and `partnerUsage`/`apiKeyUsage` in one operation share one call. The
  // views are built once per cached answer, not once per request.
  const account = new DataLoader<ProviderId, AccountUsage>(
    parallel(async (id) => {
      const provider = registry.get(id);
      if (!provider) throw new ProviderNotConfiguredError(id);
      if (id === 'ARRAYS') return accountOfPartnerPage(await partnerPage.load(ARRAYS_ACCOUNT_PAGE));
      if (id === 'ANYLAYER') return accountOfApiKeyUsage(await apiKeyUsage.load(DEFAULT_API_KEY_USAGE_QUERY));
      return provider.client.fetchAccount();
    }),
  );
  const partnerUser = new DataLoader<string, PartnerUserTotals | null>((subs) => requireLedger(registry, ledger).store.getUsers(subs));
  const partnerUserDaily = new DataLoader<DailyQuery, DailyUsage[] | null, string>(
    (queries) => requireLedger(registry, ledger).store.getDaily(queries),
    { cacheKeyFn: ({ sub, sinceDay, untilDay }) => `${sinceDay}\u0000${untilDay}\u0000${sub}` },
  );
  return { account, partnerPage, apiKeyUsage, partnerUser, partnerUserDaily };
}

export function createContext(registry: ProviderRegistry, logger: Logger, ledger: PartnerLedger | null = null): GatewayContext {
  return { registry, loaders: createLoaders(registry, ledger), logger, ledger };
}
