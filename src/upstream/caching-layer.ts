import { SpanKind, type Span } from '@opentelemetry/api';
import { inSpan } from '../common/instrumentation.js';
import { credentialHash, type CacheEntry, type CacheWriteOptions, type UpstreamCache } from './cache.js';
import type { Caller, ChannelCall, Fetched } from './channel-call.js';
import type { ChannelEvents } from './channel-events.js';
import type { Clock } from '../common/clock.js';
import { isUpstreamError, UpstreamCancelledError } from './errors.js';
import { failureTraits } from './failures.js';
import { DEFAULT_POLICY, type VendorPolicy } from './policy.js';
import { currentRequestScope } from '../common/request-scope.js';
import { SingleFlight, type FlightCoordinator } from './single-flight.js';

/**
 * The span attribute saying how a call was answered: `hit` (fresh from cache), `miss` (asked the
 * vendor), `shared` (joined an identical call in flight), `stale` (the vendor failed, a cached
 * answer was served), `bypass` (a background call, which never uses the cache).
 */
const CACHE_RESULT = 'gateway.cache.result';

/** What a {@link CachingLayer} is built from. */
export interface CachingLayerOptions {
  /** Vendor name; with the credential's hash and the URL it keys the cache. */
  provider: string;
  /** The credential of the calls; only its SHA-256 digest reaches a key. */
  credential: string;
  cache: UpstreamCache;
  /** `timeoutMs` bounds a shared lease (with `flights`); default 8000. */
  policy: Pick<VendorPolicy, 'cacheTtlMs' | 'staleIfErrorMs'> & Partial<Pick<VendorPolicy, 'timeoutMs'>>;
  clock: Clock;
  events: ChannelEvents;
  /** What gets an answer the cache cannot give. */
  next: Caller;
  /** Shares each call with other gateway instances (Redis). Default: none, this process alone. */
  flights?: FlightCoordinator;
}

/** A leader's lease outlives its call's deadline by this much, so it is never lost mid-call. */
const LEASE_MARGIN_MS = 1000;

/**
 * Serves a call from cache while fresh; otherwise asks `next` once for every concurrent identical
 * call (single-flight) and caches what it gets; when `next` fails in a way the failure table lets
 * be served stale, serves the last good answer (within `staleIfErrorMs`) with that failure.
 */
export class CachingLayer {
  private readonly keyPrefix: string;
  private readonly flights = new SingleFlight<Fetched<unknown>>();

  constructor(private readonly options: CachingLayerOptions) {
    // Keys carry the credential's digest, never the credential: two credentials never share an
    // entry, and a key that reaches a log or a shared store reveals nothing.
    this.keyPrefix = `${options.provider}\u0000${credentialHash(options.credential)}\u0000`;
  }

  /**
   * The vendor's answer to `call`: from cache while fresh, else from `next` (or stale on failure).
   * Traced as one span whose `gateway.cache.result` says which; the attempts `next` sends are its
   * children.
   */
  fetch<T>(call: ChannelCall<T>): Promise<Fetched<T>> {
    const attributes = { 'gateway.vendor': this.options.provider, 'url.path': call.url.pathname };
    return inSpan(`vendor ${this.options.provider}`, { kind: SpanKind.INTERNAL, attributes }, (span) => this.fetchTraced(call, span));
  }

  private async fetchTraced<T>(call: ChannelCall<T>, span: Span | undefined): Promise<Fetched<T>> {
    const { next } = this.options;
    if (call.priority === 'background') {
      span?.setAttribute(CACHE_RESULT, 'bypass');
      const { value, receivedAt } = await next.call(call);
      return { value, fetchedAt: new Date(receivedAt), staleReason: null };
    }
    const key = this.keyOf(call.url, call.cacheName);
    const cached = await this.read(key);
    if (cached !== undefined && cached !== null && this.isServable(cached, call)) {
      this.options.events.emit({ type: 'cache-hit' });
      span?.setAttribute(CACHE_RESULT, 'hit');
      const scope = currentRequestScope();
      if (scope !== undefined) scope.cacheHits += 1;
      return { value: cached.value as T, fetchedAt: new Date(cached.fetchedAt), staleReason: null };
    }
    if (cached !== null) this.options.events.emit({ type: 'cache-miss' });
    // The request's signal ends only its own wait; the vendor call ends when no request waits.
    const signal = currentRequestScope()?.signal ?? undefined;
    // Overwritten when this call leads the flight: a joiner's span has no attempts of its own.
    span?.setAttribute(CACHE_RESULT, 'shared');
    let fetched: Fetched<T>;
    try {
      fetched = (await this.flights.run(
        key,
        (abandoned) => {
          span?.setAttribute(CACHE_RESULT, 'miss');
          return this.load(key, call, abandoned);
        },
        signal,
      )) as Fetched<T>;
    } catch (error) {
      if (signal === undefined || !signal.aborted || error !== signal.reason) throw error;
      const { provider } = this.options;
      throw new UpstreamCancelledError(`${provider} ${call.url.pathname}: the request stopped waiting for the answer`, { provider, cause: error });
    }
    if (fetched.staleReason !== null) span?.setAttribute(CACHE_RESULT, 'stale');
    return fetched;
  }

  /**
   * With a coordinator, one instance at a time asks the vendor for `key`; the others wait for its
   * lease to go and then find its answer in the shared cache (or, when it kept none, lead next).
   */
  private async load<T>(key: string, call: ChannelCall<T>, signal: AbortSignal): Promise<Fetched<T>> {
    const { flights, policy } = this.options;
    if (flights === undefined) return this.loadFromNext(key, call, signal);
    const fresh = async (): Promise<Fetched<T> | null> => {
      const entry = await this.read(key);
      if (entry === undefined || entry === null || !this.isServable(entry, call)) return null;
      return { value: entry.value as T, fetchedAt: new Date(entry.fetchedAt), staleReason: null };
    };
    for (;;) {
      const lease = await flights.lead(key, (policy.timeoutMs ?? DEFAULT_POLICY.timeoutMs) + LEASE_MARGIN_MS, signal);
      if (lease !== null) {
        try {
          // Another instance may have cached the answer and released its lease between this
          // caller's cache miss and its lease: look again before calling the vendor a second time.
          return (await fresh()) ?? (await this.loadFromNext(key, call, signal));
        } finally {
          await lease.release();
        }
      }
      const found = await fresh();
      if (found !== null) return found;
    }
  }

  private async loadFromNext<T>(key: string, call: ChannelCall<T>, signal: AbortSignal): Promise<Fetched<T>> {
    const { clock, events, next, policy } = this.options;
    try {
      const { value, receivedAt, weight } = await next.call(call, signal);
      if (call.cacheable?.(value) ?? true) {
        const expiresAt = receivedAt + Math.max(policy.cacheTtlMs, policy.staleIfErrorMs);
        await this.write(this.keyOf(call.url, call.cacheNameOf?.(value)), { value, fetchedAt: receivedAt }, { expiresAt, weight });
      }
      return { value, fetchedAt: new Date(receivedAt), staleReason: null };
    } catch (error) {
      if (!isUpstreamError(error) || !failureTraits(error.code).servesStale) throw error;
      const entry = await this.read(key);
      if (entry === undefined || entry === null || clock.now() - entry.fetchedAt > policy.staleIfErrorMs) throw error;
      const ageSeconds = Math.floor((clock.now() - entry.fetchedAt) / 1000);
      events.emit({ type: 'served-stale', path: call.url.pathname, error, ageSeconds });
      return { value: entry.value as T, fetchedAt: new Date(entry.fetchedAt), staleReason: error };
    }
  }

  /** The cache key of `url`'s answer, or of its answer named `name` (see ChannelCall.cacheName). */
  private keyOf(url: URL, name: string | undefined): string {
    // NUL never occurs in a URL's href, so a named key never equals another URL's bare key.
    return name === undefined ? this.keyPrefix + url.href : `${this.keyPrefix}${url.href}\u0000${name}`;
  }

  /** Whether a cached entry may answer `call`: while fresh, or as long as it is kept when named. */
  private isServable(entry: CacheEntry, call: ChannelCall<unknown>): boolean {
    return call.cacheName !== undefined || this.options.clock.now() - entry.fetchedAt < this.options.policy.cacheTtlMs;
  }

  /** The entry under `key`; null when the store failed (reported as `cache-failed`). */
  private async read(key: string): Promise<CacheEntry | undefined | null> {
    try {
      return await this.options.cache.get(key, this.options.clock.now());
    } catch (error) {
      // A cache that fails is a cache miss: the vendor can still answer.
      this.options.events.emit({ type: 'cache-failed', operation: 'read', error });
      return null;
    }
  }

  private async write(key: string, entry: CacheEntry, options: CacheWriteOptions): Promise<void> {
    try {
      await this.options.cache.set(key, entry, options);
    } catch (error) {
      // An answer that could not be kept is still the answer.
      this.options.events.emit({ type: 'cache-failed', operation: 'write', error });
    }
  }
}
