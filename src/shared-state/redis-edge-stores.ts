import { CALLER_WINDOW_MS, MemoryCallerWindows, type CallerWindows } from '../edge/caller-windows.js';
import { MemoryResponseStore, type KeptAnswer, type ResponseStore } from '../edge/response-store.js';
import { digest, redisScript, type RedisConnection } from './redis-connection.js';
import { localShare } from './redis-rate-budget.js';

/** One caller's sliding minute in Redis time: counts the request (0) or says ms until room. */
const TAKE = redisScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = ${CALLER_WINDOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[1], window + 1000)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`);

/** Options of {@link RedisCallerWindows}. */
export interface RedisCallerWindowsOptions {
  connection: RedisConnection;
  /** `GATEWAY_INSTANCES`: while Redis is unreachable each instance allows 1/N of a caller's limit. */
  instances: number;
}

/**
 * The caller rate limit counted for the whole fleet: one sorted set per caller (its key is the
 * caller's SHA-256: no address or name in Redis). While Redis is unreachable, each instance
 * counts locally with 1/`instances` of the limit; those local counts are not handed back (a
 * caller limit protects the gateway, not a vendor's key: at worst a caller gets one extra local
 * share in the minute after Redis returns).
 */
export class RedisCallerWindows implements CallerWindows {
  private readonly local = new MemoryCallerWindows();
  private sequence = 0;

  constructor(private readonly options: RedisCallerWindowsOptions) {}

  take(key: string, now: number, perMinute: number): number | Promise<number> {
    const { connection, instances } = this.options;
    if (!connection.up) return this.local.take(key, now, localShare(perMinute, instances));
    this.sequence += 1;
    const member = `${process.pid}:${now}:${this.sequence}:${Math.random()}`;
    return connection.run(TAKE, [connection.key('caller', digest(key))], [perMinute, member]).then(
      (waitMs) => Number(waitMs),
      (error: unknown) => {
        connection.failed(error);
        return this.local.take(key, now, localShare(perMinute, instances));
      },
    );
  }
}

/**
 * Whole answers in Redis, shared by the fleet: the key is the SHA-256 of the response cache's
 * own key (caller scopes, query, variables), the value the answer's JSON with its expiry, expiring
 * with it.
 * Redis unreachable: this instance's memory.
 */
export class RedisResponseStore implements ResponseStore {
  private readonly local = new MemoryResponseStore();

  constructor(private readonly connection: RedisConnection) {}

  get(key: string, now: number): KeptAnswer | undefined | Promise<KeptAnswer | undefined> {
    const { connection } = this;
    if (!connection.up) return this.local.get(key, now);
    return connection.client.get(connection.key('response', digest(key))).then(
      (text) => {
        if (text === null) return undefined;
        const kept = JSON.parse(text) as KeptAnswer;
        return kept.expiresAt > now ? kept : undefined;
      },
      (error: unknown) => {
        connection.failed(error);
        return this.local.get(key, now);
      },
    );
  }

  set(key: string, result: unknown, expiresAt: number, now: number): void | Promise<void> {
    const { connection } = this;
    if (!connection.up) return this.local.set(key, result, expiresAt, now);
    const ttlMs = Math.ceil(expiresAt - now);
    if (ttlMs <= 0) return;
    return connection.client.set(connection.key('response', digest(key)), JSON.stringify({ result, expiresAt }), 'PX', ttlMs).then(
      () => undefined,
      (error: unknown) => connection.failed(error),
    );
  }
}
