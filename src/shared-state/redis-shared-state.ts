import type { SharedStateConfig } from '../config/shared-state.js';
import type { CallerWindows } from '../edge/caller-windows.js';
import type { ResponseStore } from '../edge/response-store.js';
import { credentialHash, MemoryCache, type UpstreamCache } from '../upstream/cache.js';
import type { Clock } from '../common/clock.js';
import type { AlertFeed } from '../monitoring/alerts/alert-types.js';
import type { VendorPolicy } from '../upstream/policy.js';
import type { VendorRateBudget } from '../upstream/rate-budget.js';
import type { FlightCoordinator } from '../upstream/single-flight.js';
import { RedisAlertFeed } from './redis-alert-feed.js';
import { RedisCache, RedisFlights } from './redis-cache.js';
import { RedisConnection, type SharedStateLogger } from './redis-connection.js';
import { RedisCallerWindows, RedisResponseStore } from './redis-edge-stores.js';
import { RedisRateBudget } from './redis-rate-budget.js';

/** What the gateway shares with the other instances of its fleet, and whether it can right now. */
export interface SharedState {
  cache: UpstreamCache;
  flights: FlightCoordinator;
  rateBudgetFor(provider: string, credential: string, policy: VendorPolicy): VendorRateBudget;
  callerWindows: CallerWindows;
  responseStore: ResponseStore;
  /** Alert events to the subscribers of every instance (a subscribing connection of its own). */
  alertFeed: AlertFeed;
  /** True while Redis is in use; false while each instance runs on its local fallback. */
  readonly up: boolean;
  /** Quits the Redis connections. */
  close(): Promise<void>;
}

/** What {@link startRedisSharedState} is built from. */
export interface RedisSharedStateOptions {
  config: SharedStateConfig & { redisUrl: string };
  /** Bounds of the local copy of the vendor cache (`UPSTREAM_CACHE_MAX_*`). */
  cacheMaxEntries: number;
  cacheMaxBytes: number;
  logger: SharedStateLogger;
  /** Default: the system clock. */
  clock?: Clock;
  /** How long the start waits for Redis before going on locally, ms. Default 2000. */
  connectWaitMs?: number;
  /** See RedisConnectionOptions. Default 1000. */
  probeIntervalMs?: number;
  /** See RedisConnectionOptions. Default 3000. */
  settleMs?: number;
}

/**
 * Connects to `REDIS_URL` and builds the shared implementations of the gateway's stores. A Redis
 * that is down at start does not stop the gateway: it starts on its local fallback and turns
 * shared once Redis answers.
 */
export async function startRedisSharedState(options: RedisSharedStateOptions): Promise<SharedState> {
  const { config, logger } = options;
  const connection = new RedisConnection({
    url: config.redisUrl,
    keyPrefix: config.keyPrefix,
    commandTimeoutMs: config.commandTimeoutMs,
    instances: config.instances,
    logger,
    ...(options.probeIntervalMs === undefined ? {} : { probeIntervalMs: options.probeIntervalMs }),
    ...(options.settleMs === undefined ? {} : { settleMs: options.settleMs }),
  });
  await connection.start(options.connectWaitMs);
  const alertFeed = new RedisAlertFeed({ connection, logger });
  const local = new MemoryCache({ maxEntries: options.cacheMaxEntries, maxBytes: options.cacheMaxBytes });
  return {
    cache: new RedisCache({ connection, local, maxEntryBytes: options.cacheMaxBytes, ...(options.clock === undefined ? {} : { clock: options.clock }) }),
    flights: new RedisFlights({ connection }),
    rateBudgetFor: (provider, credential, policy) =>
      new RedisRateBudget({
        connection,
        provider,
        credentialHash: credentialHash(credential),
        limitPerMinute: policy.rateLimitPerMinute,
        callerShare: policy.callerShareRatio,
        instances: config.instances,
        ...(options.clock === undefined ? {} : { clock: options.clock }),
      }),
    callerWindows: new RedisCallerWindows({ connection, instances: config.instances }),
    responseStore: new RedisResponseStore(connection),
    alertFeed,
    get up() {
      return connection.up;
    },
    close: async () => {
      await alertFeed.close();
      await connection.close();
    },
  };
}
