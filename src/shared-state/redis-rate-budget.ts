import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../common/clock.js';
import { BACKGROUND_RESERVE, RateBudget, readRateLimitHeaders, type RateBudgetSnapshot, type RequestPriority, type VendorRateBudget } from '../upstream/rate-budget.js';
import { digest, redisScript, type RedisConnection } from './redis-connection.js';

const MINUTE_MS = 60_000;
/** How long a vendor's reported limit is remembered without being reported again. */
const META_TTL_MS = 24 * 3600_000;

/**
 * Takes a slot of the sliding minute, for every instance at once. Time is Redis's own (TIME), so
 * instances whose clocks disagree still share one window. Refuses while paused (a 429's
 * Retry-After, `remaining: 0`), within the vendor's reported limit when lower than the configured
 * one, leaves the background reserve and keeps one caller within its share, exactly as the
 * in-memory RateBudget does. Returns { waitMs, used, limit, reported, pausedUntil }.
 */
const ACQUIRE = redisScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = ${MINUTE_MS}
local limit = tonumber(ARGV[1])
local reported = tonumber(redis.call('HGET', KEYS[2], 'reported') or '0')
if reported > 0 and reported < limit then limit = reported end
local paused = tonumber(redis.call('HGET', KEYS[2], 'pausedUntil') or '0')
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
if now < paused then return {paused - now, used, limit, reported, paused} end
local usable = limit
if ARGV[2] == '1' then usable = limit - math.floor(limit * tonumber(ARGV[3])) end
local wait = 0
if used >= usable then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  wait = math.max(1, tonumber(oldest[2]) + window - now)
end
if ARGV[5] == '1' then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - window)
  local callerLimit = math.max(1, math.floor(limit * tonumber(ARGV[4])))
  if redis.call('ZCARD', KEYS[3]) >= callerLimit then
    local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
    wait = math.max(wait, math.max(1, tonumber(oldest[2]) + window - now))
  end
end
if wait > 0 then return {wait, used, limit, reported, 0} end
redis.call('ZADD', KEYS[1], now, ARGV[6])
redis.call('PEXPIRE', KEYS[1], window + 1000)
if ARGV[5] == '1' then
  redis.call('ZADD', KEYS[3], now, ARGV[6])
  redis.call('PEXPIRE', KEYS[3], window + 1000)
end
return {0, used + 1, limit, reported, 0}
`);

/** Pauses every instance for ARGV[1] ms from Redis's now (never shortening a longer pause). */
const PAUSE = redisScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilAt = now + tonumber(ARGV[1])
local paused = tonumber(redis.call('HGET', KEYS[1], 'pausedUntil') or '0')
if untilAt > paused then redis.call('HSET', KEYS[1], 'pausedUntil', untilAt) end
redis.call('PEXPIRE', KEYS[1], ${META_TTL_MS})
return untilAt
`);

/**
 * Hands an instance's local admissions back to the shared window when Redis returns: ARGV holds
 * (age ms, id) pairs, each placed at Redis's now minus its age, so a call made locally 40 s ago
 * counts for 20 s more, whatever the instances' clocks. Ids make a repeated merge harmless.
 */
const MERGE = redisScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #ARGV, 2 do
  local age = tonumber(ARGV[i])
  if age < ${MINUTE_MS} then redis.call('ZADD', KEYS[1], now - age, ARGV[i + 1]) end
end
redis.call('PEXPIRE', KEYS[1], ${MINUTE_MS} + 1000)
return redis.call('ZCARD', KEYS[1])
`);

/** Options of {@link RedisRateBudget}. */
export interface RedisRateBudgetOptions {
  connection: RedisConnection;
  /** Vendor id, e.g. `SHARPE`. */
  provider: string;
  /** SHA-256 of the credential: the budget is per (vendor, credential), and no key holds the credential. */
  credentialHash: string;
  /** `<VENDOR>_RATE_LIMIT_PER_MINUTE`: the fleet's limit. */
  limitPerMinute: number;
  /** `CALLER_VENDOR_SHARE_PERCENT` / 100. */
  callerShare: number;
  /** `GATEWAY_INSTANCES`: while Redis is unreachable, this instance keeps 1/N of the limit. */
  instances: number;
  /** Default: the system clock (the local fallback's and the pauses' time). */
  clock?: Clock;
}

interface SharedView {
  used: number;
  limit: number;
  reported: number | null;
  pausedUntil: number | null;
}

/**
 * One vendor credential's rate budget, shared by every instance through Redis (an atomic Lua
 * script over a sorted set: the sum of all instances' calls never passes the limit in any
 * sliding minute). Pauses and reported limits are shared too.
 *
 * While Redis is unreachable the budget is local, with 1/`instances` of the limit. An instance
 * that loses sight of the shared window cannot know what the others sent in the last minute, so
 * it assumes the window full: no call for the first minute of the outage (the cache and
 * stale-if-error answer), then its 1/N. When Redis returns, each instance hands its own calls of
 * the last minute back to the shared window, each at its age and under its id (so none is lost,
 * even by a Redis restarted empty, and none counted twice), and the connection waits for the
 * fleet to do the same before the shared window admits again.
 */
export class RedisRateBudget implements VendorRateBudget {
  readonly configuredLimit: number;
  private readonly local: RateBudget;
  private readonly clock: Clock;
  private readonly keys: { sent: string; meta: string; callers: string };
  private view: SharedView;
  /**
   * This instance's calls of the last minute, shared or local, to hand back to the shared window
   * when Redis returns: the local ones it never saw, and the shared ones it may have lost (a
   * restart without persistence). Ids make the shared ones count once.
   */
  private own: Array<{ at: number; id: string }> = [];
  /** While set, the local fallback admits nothing: it cannot see the last minute's shared calls. */
  private blindUntil = 0;
  private localPausedUntil = 0;
  /** A limit the vendor reported while Redis was unreachable, to share when it returns. */
  private unsharedReport: number | null = null;

  constructor(private readonly options: RedisRateBudgetOptions) {
    const { connection, provider, credentialHash, limitPerMinute, callerShare, instances } = options;
    this.configuredLimit = limitPerMinute;
    this.clock = options.clock ?? systemClock;
    this.local = new RateBudget({ limitPerMinute: localShare(limitPerMinute, instances), callerShare });
    // One hash tag per budget, so that a Redis Cluster would keep its keys on one node.
    const tag = `{${provider}:${credentialHash}}`;
    this.keys = { sent: connection.key('budget', tag, 'sent'), meta: connection.key('budget', tag, 'meta'), callers: connection.key('budget', tag, 'caller') };
    this.view = { used: 0, limit: limitPerMinute, reported: null, pausedUntil: null };
    if (!connection.up) this.blindUntil = this.clock.now() + MINUTE_MS;
    connection.onTurn((shared) => {
      this.blindUntil = shared ? 0 : this.clock.now() + MINUTE_MS;
    });
    connection.onReturn(() => this.handBack());
  }

  get limit(): number {
    return this.options.connection.up ? this.view.limit : this.local.limit;
  }

  get callerLimit(): number {
    return Math.max(1, Math.floor(this.limit * this.options.callerShare));
  }

  tryAcquire(now: number, priority: RequestPriority = 'foreground', caller: string | null = null): number | Promise<number> {
    if (now < this.localPausedUntil) return this.localPausedUntil - now;
    if (!this.options.connection.up) return this.acquireLocally(now, priority, caller);
    return this.acquireShared(now, priority, caller);
  }

  private async acquireShared(now: number, priority: RequestPriority, caller: string | null): Promise<number> {
    const { connection, limitPerMinute, callerShare } = this.options;
    const withCaller = priority === 'foreground' && caller !== null;
    const keys = [this.keys.sent, this.keys.meta, withCaller ? `${this.keys.callers}:${digest(caller)}` : this.keys.callers];
    const id = randomUUID();
    const args = [limitPerMinute, priority === 'background' ? '1' : '0', BACKGROUND_RESERVE, callerShare, withCaller ? '1' : '0', id];
    let reply: unknown;
    try {
      reply = await connection.run(ACQUIRE, keys, args);
    } catch (error) {
      connection.failed(error);
      return this.acquireLocally(this.clock.now(), priority, caller);
    }
    const [waitMs, used, limit, reported, pausedUntil] = (reply as number[]).map(Number) as [number, number, number, number, number];
    this.view = { used, limit, reported: reported > 0 ? reported : null, pausedUntil: pausedUntil > 0 ? now + waitMs : null };
    if (waitMs === 0) this.remember(now, id);
    return waitMs;
  }

  private acquireLocally(now: number, priority: RequestPriority, caller: string | null): number {
    if (now < this.blindUntil) return this.blindUntil - now;
    const waitMs = this.local.tryAcquire(now, priority, caller);
    if (waitMs === 0) this.remember(now, randomUUID());
    return waitMs;
  }

  private remember(now: number, id: string): void {
    if (this.own.length > 0 && this.own[0]!.at <= now - MINUTE_MS) this.own = this.own.filter((call) => call.at > now - MINUTE_MS);
    this.own.push({ at: now, id });
  }

  /** Redis is back: this instance's calls of the last minute (re)join the shared window. */
  private async handBack(): Promise<void> {
    const now = this.clock.now();
    const calls = this.own.filter((call) => call.at > now - MINUTE_MS);
    this.own = calls;
    // Nothing more is sent until the state turns shared: a call now would miss the hand-back.
    this.blindUntil = Number.POSITIVE_INFINITY;
    const { connection } = this.options;
    try {
      // What the vendor said while Redis was away holds for every instance too.
      if (this.unsharedReport !== null) await connection.client.hset(this.keys.meta, 'reported', this.unsharedReport);
      if (this.localPausedUntil > now) await connection.run(PAUSE, [this.keys.meta], [Math.ceil(this.localPausedUntil - now)]);
      this.unsharedReport = null;
      if (calls.length > 0) await connection.run(MERGE, [this.keys.sent], calls.flatMap((call) => [now - call.at, call.id]));
    } catch (error) {
      // Kept for the next return (the connection turns this budget blind again).
      connection.failed(error);
    }
  }

  observeLimit(perMinute: number): void {
    if (!Number.isFinite(perMinute) || perMinute < 1) return;
    const reported = Math.floor(perMinute);
    this.local.observeLimit(localShare(reported, this.options.instances));
    this.view = { ...this.view, reported, limit: Math.min(this.configuredLimit, reported) };
    this.unsharedReport = this.options.connection.up ? null : reported;
    this.share((connection) => connection.client.hset(this.keys.meta, 'reported', reported).then(() => connection.client.pexpire(this.keys.meta, META_TTL_MS)));
  }

  pauseUntil(until: number): void {
    this.local.pauseUntil(until);
    this.localPausedUntil = Math.max(this.localPausedUntil, until);
    const ms = Math.ceil(until - this.clock.now());
    if (ms > 0) this.share((connection) => connection.run(PAUSE, [this.keys.meta], [ms]));
  }

  observeRateLimited(now: number, retryAfterSeconds: number | null): void {
    this.pauseUntil(now + (retryAfterSeconds === null ? 1000 : retryAfterSeconds * 1000));
  }

  observeHeaders(now: number, headers: Record<string, string | string[] | undefined>): void {
    const { limit, pauseUntil } = readRateLimitHeaders(now, headers);
    if (limit !== null) this.observeLimit(limit);
    if (pauseUntil !== null) this.pauseUntil(pauseUntil);
  }

  /** The shared window as this instance last saw it; while local, the local budget (and its 1/N). */
  snapshot(now: number): RateBudgetSnapshot {
    if (!this.options.connection.up) {
      const local = this.local.snapshot(now);
      // Blind while handing back (no end known yet): shown as a minute from now.
      const blind = now < this.blindUntil ? Math.min(this.blindUntil, now + MINUTE_MS) : null;
      return { ...local, remaining: blind === null ? local.remaining : 0, pausedUntil: Math.max(local.pausedUntil ?? 0, blind ?? 0) || null };
    }
    const { used, limit, reported } = this.view;
    const pausedUntil = Math.max(this.view.pausedUntil ?? 0, this.localPausedUntil);
    return {
      limitPerMinute: limit,
      configuredLimitPerMinute: this.configuredLimit,
      reportedLimitPerMinute: reported,
      used,
      remaining: Math.max(0, limit - used),
      pausedUntil: now < pausedUntil ? pausedUntil : null,
    };
  }

  /** A write every instance should see; a failing one turns the state local (this instance applied it already). */
  private share(write: (connection: RedisConnection) => Promise<unknown>): void {
    const { connection } = this.options;
    if (!connection.up) return;
    write(connection).catch((error: unknown) => connection.failed(error));
  }
}

/** One instance's share of a fleet's limit: never below one request a minute. */
export function localShare(limit: number, instances: number): number {
  return Math.max(1, Math.floor(limit / instances));
}
