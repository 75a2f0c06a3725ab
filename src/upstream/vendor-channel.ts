import { credentialHash, MemoryCache, type CacheEntry, type CacheWriteOptions, type UpstreamCache } from './cache.js';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.js';
import { systemClock, type Clock } from './clock.js';
import {
  isUpstreamError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  type UpstreamError,
} from './errors.js';
import { failureTraits } from './failures.js';
import type { UpstreamHttp, UpstreamResponse } from './http.js';
import { PASS_THROUGH_POLICY, type VendorPolicy } from './policy.js';
import { RateBudget, type RequestPriority } from './rate-budget.js';
import { RetryBudget } from './retry-budget.js';
import { decideRetry, fullJitterBackoff } from './retry-policy.js';
import { SingleFlight } from './single-flight.js';

/** One GET a vendor client asks its channel to make. */
export interface ChannelCall<T> {
  /** The full URL; with the vendor and the credential's hash it is the cache key. */
  url: URL;
  /** Headers, the credential's included. */
  headers: Record<string, string>;
  /**
   * Turns the vendor's answer into the client's validated value, or throws the typed error it
   * means (non-2xx statuses included). Only a value that came out of here is ever cached.
   */
  interpret(response: UpstreamResponse, receivedAt: Date): T;
  /** Whether this value may be cached and shared. Default: yes. */
  cacheable?(value: T): boolean;
  /**
   * `background`: a job that can wait (the ledger follower). It neither reads nor fills the
   * cache (it reads each answer once, and must see the vendor's current one) and leaves part of
   * the rate budget to foreground calls. Default `foreground`.
   */
  priority?: RequestPriority;
  /** The vendor's own per-minute limit when the value reports one (it tightens the rate budget). */
  reportedRateLimit?(value: T): number | null;
}

/** A value with its freshness. */
export interface Fetched<T> {
  value: T;
  /** When the vendor's answer arrived (earlier than now when served from cache). */
  fetchedAt: Date;
  /** Set when the vendor failed and a cached answer was served instead: that failure. */
  staleReason: UpstreamError | null;
}

/** A channel's state for `providers { health }`. */
export interface ChannelHealth {
  breaker: {
    state: CircuitState;
    calls: number;
    failures: number;
    failureRate: number | null;
    openUntil: Date | null;
  };
  lastError: { error: UpstreamError; at: Date } | null;
  lastSuccessAt: Date | null;
  rateBudget: {
    limitPerMinute: number;
    configuredLimitPerMinute: number;
    reportedLimitPerMinute: number | null;
    used: number;
    remaining: number;
    pausedUntil: Date | null;
  };
  retryBudget: { ratio: number; requests: number; retries: number };
}

/** The logging a channel does; the gateway's Logger fits. */
export interface UpstreamLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** What a {@link VendorChannel} is built from. */
export interface VendorChannelOptions {
  /** Vendor name for errors and logs, e.g. `SHARPE`. */
  provider: string;
  /** The credential this channel sends; it keys the breaker, the budget and the cache. */
  credential: string;
  /** The vendor's transport; its connect and headers deadlines should be the policy's. */
  http: Pick<UpstreamHttp, 'get'>;
  policy: VendorPolicy;
  /** Default: a private in-memory cache. */
  cache?: UpstreamCache;
  /** Shared by the vendor's channels. Default: a private one with the policy's ratio. */
  retryBudget?: RetryBudget;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: silent. */
  logger?: UpstreamLogger;
}

const silentLogger: UpstreamLogger = { debug: () => {}, info: () => {}, warn: () => {} };

type Permit = { probe: boolean };

/**
 * Everything between a vendor client and the wire, for one (vendor, credential): cache with
 * stale-if-error, single-flight, circuit breaker, rate budget, deadline, and retries with backoff
 * under a retry budget. Vendor clients call `fetch` instead of the raw transport.
 */
export class VendorChannel {
  readonly provider: string;
  readonly policy: VendorPolicy;
  private readonly http: Pick<UpstreamHttp, 'get'>;
  private readonly secrets: readonly string[];
  private readonly keyPrefix: string;
  private readonly cache: UpstreamCache;
  private readonly clock: Clock;
  private readonly logger: UpstreamLogger;
  private readonly breaker: CircuitBreaker;
  private readonly rateBudget: RateBudget;
  private readonly retryBudget: RetryBudget;
  private readonly flights = new SingleFlight<Fetched<unknown>>();
  private lastError: { error: UpstreamError; at: number } | null = null;
  private lastSuccessAt: number | null = null;

  constructor(options: VendorChannelOptions) {
    this.provider = options.provider;
    this.policy = options.policy;
    this.http = options.http;
    this.secrets = [options.credential];
    // Keys carry the credential's digest, never the credential: two credentials never share an
    // entry, and a key that reaches a log or a shared store reveals nothing.
    this.keyPrefix = `${options.provider}\u0000${credentialHash(options.credential)}\u0000`;
    this.cache = options.cache ?? new MemoryCache();
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.breaker = new CircuitBreaker(options.policy.breaker);
    this.rateBudget = new RateBudget({ limitPerMinute: options.policy.rateLimitPerMinute });
    this.retryBudget = options.retryBudget ?? new RetryBudget({ ratio: options.policy.retryBudgetRatio });
  }

  /** The vendor's answer to `call`: from cache while fresh, else from the vendor (or stale on failure). */
  async fetch<T>(call: ChannelCall<T>): Promise<Fetched<T>> {
    if (call.priority === 'background') {
      const { value, receivedAt } = await this.callVendor(call);
      return { value, fetchedAt: new Date(receivedAt), staleReason: null };
    }
    const key = this.keyPrefix + call.url.href;
    const cached = await this.readCache(key);
    if (cached !== undefined && this.clock.now() - cached.fetchedAt < this.policy.cacheTtlMs) {
      return { value: cached.value as T, fetchedAt: new Date(cached.fetchedAt), staleReason: null };
    }
    return this.flights.run(key, () => this.load(key, call)) as Promise<Fetched<T>>;
  }

  health(): ChannelHealth {
    const now = this.clock.now();
    const breaker = this.breaker.snapshot(now);
    const rate = this.rateBudget.snapshot(now);
    return {
      breaker: { ...breaker, openUntil: dateOrNull(breaker.openUntil) },
      lastError: this.lastError === null ? null : { error: this.lastError.error, at: new Date(this.lastError.at) },
      lastSuccessAt: dateOrNull(this.lastSuccessAt),
      rateBudget: { ...rate, pausedUntil: dateOrNull(rate.pausedUntil) },
      retryBudget: this.retryBudget.snapshot(now),
    };
  }

  private async load<T>(key: string, call: ChannelCall<T>): Promise<Fetched<T>> {
    try {
      const { value, receivedAt, weight } = await this.callVendor(call);
      if (call.cacheable?.(value) ?? true) {
        const expiresAt = receivedAt + Math.max(this.policy.cacheTtlMs, this.policy.staleIfErrorMs);
        await this.writeCache(key, { value, fetchedAt: receivedAt }, { expiresAt, weight });
      }
      return { value, fetchedAt: new Date(receivedAt), staleReason: null };
    } catch (error) {
      if (!isUpstreamError(error) || !failureTraits(error.code).servesStale) throw error;
      const entry = await this.readCache(key);
      if (entry === undefined || this.clock.now() - entry.fetchedAt > this.policy.staleIfErrorMs) throw error;
      this.logger.info('vendor failed; serving its last good answer, marked stale', {
        provider: this.provider,
        path: call.url.pathname,
        code: error.code,
        ageSeconds: Math.floor((this.clock.now() - entry.fetchedAt) / 1000),
      });
      return { value: entry.value as T, fetchedAt: new Date(entry.fetchedAt), staleReason: error };
    }
  }

  /** One call within the deadline: as many attempts as the retry policy allows. */
  private async callVendor<T>(call: ChannelCall<T>): Promise<{ value: T; receivedAt: number; weight: number }> {
    const deadlineAt = this.clock.now() + this.policy.timeoutMs;
    let previous: UpstreamError | null = null;
    for (let retries = 0; ; retries += 1) {
      const permit = await this.admit(deadlineAt, previous, call.priority);
      if (retries === 0) this.retryBudget.recordRequest(this.clock.now());
      else this.retryBudget.recordRetry(this.clock.now());
      const { response, result } = await this.attempt(call, permit, deadlineAt);
      const receivedAt = this.clock.now();
      if ('value' in result) {
        this.settle(receivedAt, permit, false);
        this.lastSuccessAt = receivedAt;
        const reported = call.reportedRateLimit?.(result.value);
        if (reported !== undefined && reported !== null) this.rateBudget.observeLimit(reported);
        return { value: result.value, receivedAt, weight: response?.text.length ?? 0 };
      }
      const failure = result.error;
      this.settle(receivedAt, permit, failureTraits(failure.code).tripsBreaker);
      this.lastError = { error: failure, at: receivedAt };
      const decision = decideRetry({
        method: 'GET',
        outcome: { error: failure, status: response?.status ?? null, retryAfterSeconds: response?.retryAfterSeconds ?? null },
        retriesSoFar: retries,
        maxRetries: this.policy.maxRetries,
        backoffMs: fullJitterBackoff(retries, this.policy.retryBaseDelayMs, this.policy.retryMaxDelayMs, () =>
          this.clock.random(),
        ),
        remainingMs: deadlineAt - receivedAt,
        budgetAllows: this.retryBudget.canRetry(receivedAt),
      });
      if (!decision.retry) {
        if (decision.reason !== 'not-retryable') {
          this.logger.debug('not retrying a failed vendor call', { provider: this.provider, code: failure.code, reason: decision.reason });
        }
        throw failure;
      }
      this.logger.debug('retrying a failed vendor call', {
        provider: this.provider,
        code: failure.code,
        httpStatus: failure.httpStatus,
        retry: retries + 1,
        delayMs: decision.delayMs,
      });
      previous = failure;
      await this.clock.sleep(decision.delayMs);
    }
  }

  /**
   * Waits until this attempt may be sent: the breaker lets it through and the rate budget has a
   * slot before the deadline. Otherwise fails at once, with the previous attempt's error when
   * this would have been a retry (it says more than "no room").
   */
  private async admit(deadlineAt: number, previous: UpstreamError | null, priority: RequestPriority = 'foreground'): Promise<Permit> {
    let now = this.clock.now();
    if (now >= deadlineAt) {
      throw previous ?? new UpstreamTimeoutError(`${this.provider}: no time left within ${this.policy.timeoutMs} ms`, { provider: this.provider });
    }
    const permit = this.breaker.acquire(now);
    if (!permit.allowed) {
      throw (
        previous ??
        new UpstreamUnavailableError(
          `${this.provider} is failing: its circuit breaker is open, so the gateway answers without calling it`,
          { provider: this.provider, retryAfterSeconds: Math.max(1, Math.ceil(permit.retryAfterMs / 1000)) },
        )
      );
    }
    for (;;) {
      const waitMs = this.rateBudget.tryAcquire(now, priority);
      if (waitMs === 0) return { probe: permit.probe };
      if (now + waitMs >= deadlineAt) {
        this.breaker.release(permit.probe);
        const limit = this.rateBudget.limit;
        this.logger.warn('vendor rate budget spent; request not sent', { provider: this.provider, limitPerMinute: limit, waitMs });
        throw (
          previous ??
          new UpstreamRateLimitedError(
            `${this.provider}: the gateway's budget of ${limit} requests a minute for this vendor is spent (or the vendor asked to wait); not sent`,
            { provider: this.provider, retryAfterSeconds: Math.ceil(waitMs / 1000) },
          )
        );
      }
      await this.clock.sleep(waitMs);
      now = this.clock.now();
    }
  }

  /** Sends one attempt and interprets its answer; a transport failure has no response. */
  private async attempt<T>(
    call: ChannelCall<T>,
    permit: Permit,
    deadlineAt: number,
  ): Promise<{ response: UpstreamResponse | null; result: { value: T } | { error: UpstreamError } }> {
    let response: UpstreamResponse;
    try {
      response = await this.http.get({
        provider: this.provider,
        url: call.url,
        headers: call.headers,
        secrets: this.secrets,
        timeoutMs: Math.max(1, deadlineAt - this.clock.now()),
      });
    } catch (error) {
      return { response: null, result: { error: this.typed(error, permit) } };
    }
    this.observeRateSignals(this.clock.now(), response);
    try {
      return { response, result: { value: call.interpret(response, new Date(this.clock.now())) } };
    } catch (error) {
      return { response, result: { error: this.typed(error, permit) } };
    }
  }

  /** Rate-limit headers and 429s tighten the budget for every later request. */
  private observeRateSignals(now: number, response: UpstreamResponse): void {
    this.rateBudget.observeHeaders(now, response.headers);
    if (response.status === 429) this.rateBudget.observeRateLimited(now, response.retryAfterSeconds);
  }

  /** An attempt's failure as a typed error; anything else is a bug, rethrown after freeing the permit. */
  private typed(error: unknown, permit: Permit): UpstreamError {
    if (isUpstreamError(error)) return error;
    this.breaker.release(permit.probe);
    throw error;
  }

  private settle(now: number, permit: Permit, failed: boolean): void {
    const before = this.breaker.snapshot(now).state;
    this.breaker.record(now, failed, permit.probe);
    const after = this.breaker.snapshot(now);
    if (after.state === before) return;
    const fields = { provider: this.provider, state: after.state, calls: after.calls, failures: after.failures };
    if (after.state === 'OPEN') this.logger.warn('circuit breaker opened: calls to this vendor fail fast', fields);
    else this.logger.info('circuit breaker closed: vendor answering again', fields);
  }

  private async readCache(key: string) {
    try {
      return await this.cache.get(key, this.clock.now());
    } catch (error) {
      // A cache that fails is a cache miss: the vendor can still answer.
      this.logger.warn('upstream cache read failed', { provider: this.provider, error });
      return undefined;
    }
  }

  private async writeCache(key: string, entry: CacheEntry, options: CacheWriteOptions) {
    try {
      await this.cache.set(key, entry, options);
    } catch (error) {
      this.logger.warn('upstream cache write failed', { provider: this.provider, error });
    }
  }
}

function dateOrNull(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

/**
 * A channel that calls once and keeps nothing: no retries, cache, breaker or budget. What a vendor
 * client builds over a bare UpstreamHttp; the deadlines are that transport's.
 */
export function passThroughChannel(provider: string, credential: string, http: UpstreamHttp): VendorChannel {
  const { timeoutMs, connectTimeoutMs, headersTimeoutMs } = http.options;
  return new VendorChannel({
    provider,
    credential,
    http,
    policy: { ...PASS_THROUGH_POLICY, timeoutMs, connectTimeoutMs, headersTimeoutMs },
    cache: new MemoryCache({ maxEntries: 0 }),
  });
}
