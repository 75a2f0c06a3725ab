import type { UpstreamError } from './errors.js';
import type { UpstreamResponse } from './http.js';
import type { RequestPriority } from './rate-budget.js';

/** One GET a vendor client asks its channel to make. */
export interface ChannelCall<T> {
  /** The full URL; with the vendor and the credential's hash it is the cache key. */
  url: URL;
  /** Headers, the credential's included. */
  headers: Record<string, string>;
  /**
   * A vendor that takes its credential as a query parameter: its name and value, added to the URL
   * on the wire only (never to `url`, which keys the cache and names the call in logs). Default: none.
   */
  credentialQuery?: { name: string; value: string };
  /**
   * Turns the vendor's answer into the client's validated value, or throws the typed error it
   * means (non-2xx statuses included). Only a value that came out of here is ever cached.
   */
  interpret(response: UpstreamResponse, receivedAt: Date): T;
  /** Whether this value may be cached and shared. Default: yes. */
  cacheable?(value: T): boolean;
  /**
   * A name beside the URL under which a received value is cached, for an answer that a later call
   * of the same URL may not repeat but that stays true of what it names (Arrays' head page: the
   * stream entries it covered never change, while the next read of its URL covers more). Such an
   * answer is cached only under its name, never under the bare URL. Default: the bare URL.
   */
  cacheNameOf?(value: T): string | undefined;
  /**
   * Look for the answer cached under this name (see `cacheNameOf`) instead of under the bare URL.
   * A named answer cannot change, so it is served for as long as the cache keeps it, past the
   * policy's `cacheTtlMs`. On a miss the vendor is asked as usual. Default: none.
   */
  cacheName?: string;
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

/** A value just received from the vendor. */
export interface Received<T> {
  value: T;
  /** When the answer arrived, ms since the epoch. */
  receivedAt: number;
  /** Size of the vendor's body in characters, for caches bounded by memory. */
  weight: number;
}

/** What gets a call's value from the vendor, or its typed error; the caching layer sits over one. */
export interface Caller {
  /** `signal` abandons the call when nobody waits for it any more (see `SingleFlight`). */
  call<T>(call: ChannelCall<T>, signal?: AbortSignal): Promise<Received<T>>;
}
