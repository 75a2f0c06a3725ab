import { credentialHash, MemoryCache, type UpstreamCache } from './cache.js';
import { systemClock, type Clock } from '../common/clock.js';
import { UpstreamHttp, type UpstreamHttpOptions } from './http.js';
import { DEFAULT_POLICY, type VendorPolicy } from './policy.js';
import type { ChannelListener } from './channel-events.js';
import type { VendorRateBudget } from './rate-budget.js';
import { RetryBudget } from './retry-budget.js';
import type { FlightCoordinator } from './single-flight.js';
import { VendorChannel, type ChannelHealth, type UpstreamLogger } from './vendor-channel.js';

/** What a {@link ResilientUpstream} is built from. Every field is optional. */
export interface ResilientUpstreamOptions {
  /** Policy per vendor name (e.g. `SHARPE`); a vendor not listed gets DEFAULT_POLICY. */
  policies?: Record<string, VendorPolicy>;
  /** Shared by every vendor and credential. Default: a MemoryCache with its defaults. */
  cache?: UpstreamCache;
  /**
   * Transport options common to every vendor: body cap, pool size, a test dispatcher. The
   * deadlines come from each vendor's policy instead.
   */
  http?: Omit<UpstreamHttpOptions, 'timeoutMs' | 'connectTimeoutMs' | 'headersTimeoutMs'>;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: silent. */
  logger?: UpstreamLogger;
  /** The listener each new channel of `provider` reports its events to (the metrics). Default: none. */
  listenerFor?: (provider: string) => ChannelListener;
  /**
   * The rate budget of each new channel (a shared one, Redis). Default: each channel's own
   * in-memory budget from its policy.
   */
  rateBudgetFor?: (provider: string, credential: string, policy: VendorPolicy) => VendorRateBudget;
  /** Shares each call with other gateway instances (Redis). Default: none. */
  flights?: FlightCoordinator;
}

/**
 * The shared upstream layer as the gateway holds it: one transport and one retry budget per
 * vendor, one channel per (vendor, credential), one cache for all. Vendor clients get their
 * channel from here.
 */
export class ResilientUpstream {
  private readonly options: ResilientUpstreamOptions;
  private readonly cache: UpstreamCache;
  private readonly transports = new Map<string, UpstreamHttp>();
  private readonly retryBudgets = new Map<string, RetryBudget>();
  private readonly channels = new Map<string, VendorChannel>();

  constructor(options: ResilientUpstreamOptions = {}) {
    this.options = options;
    this.cache = options.cache ?? new MemoryCache();
  }

  policy(provider: string): VendorPolicy {
    return this.options.policies?.[provider] ?? DEFAULT_POLICY;
  }

  /** The channel of one (vendor, credential); the same object on every call. */
  channel(provider: string, credential: string): VendorChannel {
    const key = `${provider}\u0000${credentialHash(credential)}`;
    let channel = this.channels.get(key);
    if (channel === undefined) {
      const policy = this.policy(provider);
      channel = new VendorChannel({
        provider,
        credential,
        policy,
        http: this.transport(provider, policy),
        cache: this.cache,
        retryBudget: this.retryBudget(provider, policy),
        clock: this.options.clock ?? systemClock,
        logger: this.options.logger,
        listener: this.options.listenerFor?.(provider),
        ...(this.options.rateBudgetFor === undefined ? {} : { rateBudget: this.options.rateBudgetFor(provider, credential, policy) }),
        ...(this.options.flights === undefined ? {} : { flights: this.options.flights }),
      });
      this.channels.set(key, channel);
    }
    return channel;
  }

  /** The health of every channel opened so far, with its vendor (one entry per credential). */
  health(): Array<{ provider: string; health: ChannelHealth }> {
    return [...this.channels.entries()].map(([key, channel]) => ({ provider: key.slice(0, key.indexOf('\u0000')), health: channel.health() }));
  }

  /** Closes every vendor's connection pool. */
  async close(): Promise<void> {
    await Promise.all([...this.transports.values()].map((http) => http.close()));
  }

  private transport(provider: string, policy: VendorPolicy): UpstreamHttp {
    let http = this.transports.get(provider);
    if (http === undefined) {
      http = new UpstreamHttp({
        ...this.options.http,
        timeoutMs: policy.timeoutMs,
        connectTimeoutMs: policy.connectTimeoutMs,
        headersTimeoutMs: policy.headersTimeoutMs,
      });
      this.transports.set(provider, http);
    }
    return http;
  }

  /** Per vendor, not per credential: the budget protects the vendor, whoever's key calls it. */
  private retryBudget(provider: string, policy: VendorPolicy): RetryBudget {
    let budget = this.retryBudgets.get(provider);
    if (budget === undefined) {
      budget = new RetryBudget({ ratio: policy.retryBudgetRatio });
      this.retryBudgets.set(provider, budget);
    }
    return budget;
  }
}
