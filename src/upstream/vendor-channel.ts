import { Admission } from './admission.js';
import { MemoryCache, type UpstreamCache } from './cache.js';
import { CachingLayer } from './caching-layer.js';
import type { ChannelCall, Fetched } from './channel-call.js';
import { ChannelEvents, type ChannelListener } from './channel-events.js';
import { HealthRecorder, type ChannelHealth } from './channel-health.js';
import { logChannelEvents, type UpstreamLogger } from './channel-log.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { systemClock, type Clock } from '../common/clock.js';
import { GuardedCaller } from './guarded-caller.js';
import type { UpstreamHttp } from './http.js';
import { PASS_THROUGH_POLICY, type VendorPolicy } from './policy.js';
import { RateBudget, type VendorRateBudget } from './rate-budget.js';
import { RetryBudget } from './retry-budget.js';
import type { FlightCoordinator } from './single-flight.js';

export type { ChannelCall, Fetched } from './channel-call.js';
export type { ChannelHealth } from './channel-health.js';
export type { UpstreamLogger } from './channel-log.js';

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
  /** Hears every event of the channel after health and logging (the metrics). Default: none. */
  listener?: ChannelListener;
  /** This channel's rate budget. Default: a private in-memory {@link RateBudget} from the policy. */
  rateBudget?: VendorRateBudget;
  /** Shares each call with other gateway instances (Redis). Default: none. */
  flights?: FlightCoordinator;
}

/**
 * The layers of one channel, outermost first: the cache (fresh answers, single-flight,
 * stale-if-error) over the guarded caller (deadline and retries) over admission (breaker and
 * rate budget) over the transport. Health and logging listen to the layers' events.
 */
function composeChannel(options: VendorChannelOptions): { outermost: CachingLayer; health: HealthRecorder; clock: Clock } {
  const { provider, credential, policy } = options;
  const clock = options.clock ?? systemClock;
  const events = new ChannelEvents();
  const breaker = new CircuitBreaker(policy.breaker);
  const rateBudget = options.rateBudget ?? new RateBudget({ limitPerMinute: policy.rateLimitPerMinute, callerShare: policy.callerShareRatio });
  const retryBudget = options.retryBudget ?? new RetryBudget({ ratio: policy.retryBudgetRatio });
  const health = new HealthRecorder({ breaker, rateBudget, retryBudget });
  events.on(health.listener);
  if (options.logger !== undefined) events.on(logChannelEvents(provider, options.logger));
  if (options.listener !== undefined) events.on(options.listener);

  const admission = new Admission({ provider, breaker, rateBudget, clock, events });
  const guarded = new GuardedCaller({ provider, credential, http: options.http, policy, admission, retryBudget, clock, events });
  const cache = options.cache ?? new MemoryCache();
  const flights = options.flights === undefined ? {} : { flights: options.flights };
  const outermost = new CachingLayer({ provider, credential, cache, policy, clock, events, next: guarded, ...flights });
  return { outermost, health, clock };
}

/**
 * Everything between a vendor client and the wire, for one (vendor, credential); see
 * {@link composeChannel} for its layers. Vendor clients call `fetch` instead of the raw transport.
 */
export class VendorChannel {
  private readonly layers: ReturnType<typeof composeChannel>;

  constructor(options: VendorChannelOptions) {
    this.layers = composeChannel(options);
  }

  /** The vendor's answer to `call`: from cache while fresh, else from the vendor (or stale on failure). */
  fetch<T>(call: ChannelCall<T>): Promise<Fetched<T>> {
    return this.layers.outermost.fetch(call);
  }

  health(): ChannelHealth {
    return this.layers.health.snapshot(this.layers.clock.now());
  }
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
