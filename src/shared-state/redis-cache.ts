import { randomUUID } from 'node:crypto';
import { MemoryCache, type CacheEntry, type CacheWriteOptions, type UpstreamCache } from '../upstream/cache.js';
import { systemClock, type Clock } from '../common/clock.js';
import type { FlightCoordinator, FlightLease } from '../upstream/single-flight.js';
import { digest, redisScript, type RedisConnection } from './redis-connection.js';

/**
 * JSON that keeps what vendor clients' values hold beyond JSON: Dates (a recording time stays a
 * Date) and bigints. `toJSON` runs before a replacer sees a value, so the replacer reads the
 * holder's own property.
 */
function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, replaced: unknown) {
    const raw = this[key];
    if (raw instanceof Date) return { $date: raw.getTime() };
    if (typeof raw === 'bigint') return { $bigint: raw.toString() };
    return replaced;
  });
}

function decode(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1 && keys[0] === '$date' && typeof (value as { $date: unknown }).$date === 'number') return new Date((value as { $date: number }).$date);
      if (keys.length === 1 && keys[0] === '$bigint' && typeof (value as { $bigint: unknown }).$bigint === 'string') return BigInt((value as { $bigint: string }).$bigint);
    }
    return value;
  });
}

/** Options of {@link RedisCache}. */
export interface RedisCacheOptions {
  connection: RedisConnection;
  /** Where answers go while Redis is unreachable, and a copy of each answer this instance saw (for stale-if-error in an outage). */
  local: MemoryCache;
  /** Largest answer kept in Redis, bytes (`UPSTREAM_CACHE_MAX_BYTES`): one answer never takes the whole store. */
  maxEntryBytes: number;
  /** The clock `expiresAt` is read on (the channels'). Default: the system clock. */
  clock?: Clock;
}

/**
 * The vendor answer cache in Redis, shared by every instance, under the keys the caching layer
 * gives (vendor, the credential's SHA-256, URL: never a credential). Entries expire in Redis at
 * their `expiresAt` (TTL plus the stale-if-error window). Each answer is also kept in this
 * instance's memory, which serves alone while Redis is unreachable.
 */
export class RedisCache implements UpstreamCache {
  constructor(private readonly options: RedisCacheOptions) {}

  async get(key: string, now: number): Promise<CacheEntry | undefined> {
    const { connection, local } = this.options;
    if (!connection.up) return local.get(key, now);
    let text: string | null;
    try {
      text = await connection.client.get(connection.key('cache', key));
    } catch (error) {
      connection.failed(error);
      return local.get(key, now);
    }
    if (text === null) return undefined;
    const stored = decode(text) as { entry: CacheEntry; expiresAt: number; weight: number };
    if (now >= stored.expiresAt) return undefined;
    await local.set(key, stored.entry, { expiresAt: stored.expiresAt, weight: stored.weight });
    return stored.entry;
  }

  async set(key: string, entry: CacheEntry, options: CacheWriteOptions): Promise<void> {
    const { connection, local, maxEntryBytes } = this.options;
    await local.set(key, entry, options);
    if (!connection.up || options.weight > maxEntryBytes) return;
    const ttlMs = Math.ceil(options.expiresAt - (this.options.clock ?? systemClock).now());
    if (ttlMs <= 0) return;
    try {
      await connection.client.set(connection.key('cache', key), encode({ entry, expiresAt: options.expiresAt, weight: options.weight }), 'PX', ttlMs);
    } catch (error) {
      connection.failed(error);
    }
  }
}

/** Deletes a lease only if it is still the holder's (it may have expired and gone to another). */
const RELEASE = redisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** A lease that coordinates nothing: this process decides alone (no Redis). */
const ALONE: FlightLease = { release: async () => {} };

/** Options of {@link RedisFlights}. */
export interface RedisFlightsOptions {
  connection: RedisConnection;
  /** First wait between two looks at a lease held elsewhere, ms; doubling up to `maxPollMs`. Default 10. */
  minPollMs?: number;
  /** Default 100. */
  maxPollMs?: number;
}

/**
 * Single-flight across instances: a lease per cache key, `SET NX PX` with a random token, so
 * one instance at a time calls the vendor for it and a holder that crashed blocks nobody past
 * the lease's deadline. The others poll the lease (10 ms, doubling to 100 ms: no subscriber
 * connection to keep) and, once it has gone, read the answer from the shared cache, which the
 * holder wrote before releasing. Redis unreachable: every lease is granted (each instance alone).
 */
export class RedisFlights implements FlightCoordinator {
  private readonly minPollMs: number;
  private readonly maxPollMs: number;

  constructor(private readonly options: RedisFlightsOptions) {
    this.minPollMs = options.minPollMs ?? 10;
    this.maxPollMs = options.maxPollMs ?? 100;
  }

  async lead(key: string, ttlMs: number, signal: AbortSignal): Promise<FlightLease | null> {
    const { connection } = this.options;
    if (!connection.up) return ALONE;
    const leaseKey = connection.key('lease', digest(key));
    const token = randomUUID();
    try {
      const taken = await connection.client.set(leaseKey, token, 'PX', ttlMs, 'NX');
      if (taken === 'OK') return this.leaseOf(leaseKey, token);
      const givesUpAt = Date.now() + ttlMs;
      for (let pollMs = this.minPollMs; ; pollMs = Math.min(this.maxPollMs, pollMs * 2)) {
        await sleep(pollMs, signal);
        if (!connection.up) return ALONE;
        if ((await connection.client.exists(leaseKey)) === 0 || Date.now() > givesUpAt) return null;
      }
    } catch (error) {
      if (signal.aborted && error === signal.reason) throw error;
      connection.failed(error);
      return ALONE;
    }
  }

  private leaseOf(leaseKey: string, token: string): FlightLease {
    const { connection } = this.options;
    return {
      release: async () => {
        try {
          await connection.run(RELEASE, [leaseKey], [token]);
        } catch (error) {
          // The lease expires by itself; the others wait at most until then.
          connection.failed(error);
        }
      },
    };
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
