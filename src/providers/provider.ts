import type { UpstreamHttp } from '../upstream/http.js';
import type { RequestPriority } from '../upstream/rate-budget.js';
import { passThroughChannel, type VendorChannel } from '../upstream/vendor-channel.js';
import type { AccountUsage, Fresh, ProviderId } from '../usage/model.js';

/** What every vendor client is built from. */
export interface VendorClientOptions {
  /** Base URL including any path prefix, e.g. `https://www.sharpe.ai/api`. No trailing slash needed. */
  baseUrl: string;
  /** The vendor credential (API key or service token). Sent only to `baseUrl`'s origin. */
  credential: string;
  /**
   * The resilient path to the vendor for this credential: cache, single-flight, breaker, rate
   * budget, deadline and retries. The gateway always passes one.
   */
  channel?: VendorChannel;
  /** Without `channel`: a bare transport, called once per request with nothing kept (unit tests). */
  http?: UpstreamHttp;
  /**
   * `background` for a job that can wait (the ledger follower): its calls skip the cache and
   * leave part of the vendor's rate budget to user queries. Default `foreground`.
   */
  priority?: RequestPriority;
}

/** The client's channel: the one given, or a pass-through over the bare transport. */
export function channelFor(provider: string, options: VendorClientOptions): VendorChannel {
  if (options.channel !== undefined) return options.channel;
  if (options.http === undefined) throw new TypeError(`${provider} client needs a channel or an http transport`);
  return passThroughChannel(provider, options.credential, options.http);
}

/** A configured vendor as the rest of the gateway sees it. */
export interface VendorClient {
  readonly id: ProviderId;
  /** One call (or one parallel set of calls) that yields the vendor's account overview. */
  fetchAccount(): Promise<Fresh<AccountUsage>>;
}

/** Joins a base URL (which may carry a path prefix such as `/api`) and an endpoint path. */
export function endpointUrl(baseUrl: string, path: string, query?: Record<string, string>): URL {
  const url = new URL(withoutTrailingSlashes(baseUrl) + path);
  for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, value);
  return url;
}

/**
 * `text` without the slashes that end it. A loop, not `/\/+$/`: that regex retries the run of
 * slashes from each of its positions, quadratic in a base URL of many slashes not at its end.
 */
export function withoutTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x2f) end -= 1;
  return text.slice(0, end);
}

/**
 * `derive`, computed once per source object. The channel hands out the same value object for as
 * long as a vendor answer is cached (fresh, or served stale), and a new one otherwise, so object
 * identity means "the same answer" and the view of it cannot change. Views are shared, so like
 * the cached values they come from they must never be modified. A derivation that throws is not
 * remembered.
 */
export function viewOf<S extends object, V>(derive: (source: S) => V): (source: S) => V {
  const views = new WeakMap<S, V>();
  return (source) => {
    let view = views.get(source);
    if (view === undefined) {
      view = derive(source);
      views.set(source, view);
    }
    return view;
  };
}

/**
 * `derive` over the value of a fresh answer, computed once per value object (see `viewOf`);
 * the view is as fresh, or as stale, as the answer it was derived from.
 */
export function freshView<S extends object, V>(derive: (source: S) => V): (fresh: Fresh<S>) => Fresh<V> {
  const view = viewOf(derive);
  return (fresh) => ({ value: view(fresh.value), fetchedAt: fresh.fetchedAt, staleReason: fresh.staleReason });
}
