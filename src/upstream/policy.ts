import type { CircuitBreakerOptions } from './circuit-breaker.js';

/**
 * How the gateway treats one vendor: deadlines, retries, breaker, rate budget and caching.
 * Every field has the default shown, which `config/index.ts` and the README repeat.
 */
export interface VendorPolicy {
  /** TCP/TLS connect deadline, ms. Default 2000. */
  connectTimeoutMs: number;
  /** Deadline for the response headers of one attempt, ms. Default 5000. */
  headersTimeoutMs: number;
  /**
   * Deadline of a whole call, ms: rate-budget waits, every attempt, backoff and Retry-After waits
   * included, so a hung or failing vendor costs a caller at most this. Default 8000.
   */
  timeoutMs: number;
  /** Retries after the first attempt, for GETs on 429/502/503/504 and connection failures. Default 2. */
  maxRetries: number;
  /** Backoff base: retry n waits a uniform random time below min(cap, base * 2^n), ms. Default 100. */
  retryBaseDelayMs: number;
  /** Backoff cap, ms. Default 2000. */
  retryMaxDelayMs: number;
  /** Largest share of a vendor's requests over a sliding minute that may be retries. Default 0.2. */
  retryBudgetRatio: number;
  /** Circuit breaker per (vendor, credential); see CircuitBreakerOptions for defaults. */
  breaker: Required<CircuitBreakerOptions>;
  /** Requests per minute the gateway may send this vendor per credential. Default: the vendor's tier. */
  rateLimitPerMinute: number;
  /**
   * Largest share (0 to 1] of `rateLimitPerMinute` that one caller's queries may use, keeping the
   * rest for everybody else (background calls are nobody's). Default 0.5.
   */
  callerShareRatio: number;
  /** How long an answer is served from cache without asking the vendor, ms. Default 30000. */
  cacheTtlMs: number;
  /** How old a cached answer may be and still be served, marked stale, when the vendor fails, ms. Default 600000. */
  staleIfErrorMs: number;
}

export const DEFAULT_BREAKER: Required<CircuitBreakerOptions> = {
  failureRateThreshold: 0.5,
  minimumCalls: 20,
  windowMs: 10_000,
  openMs: 30_000,
};

/** The defaults every vendor starts from; `rateLimitPerMinute` is then set per vendor. */
export const DEFAULT_POLICY: VendorPolicy = {
  connectTimeoutMs: 2000,
  headersTimeoutMs: 5000,
  timeoutMs: 8000,
  maxRetries: 2,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 2000,
  retryBudgetRatio: 0.2,
  breaker: DEFAULT_BREAKER,
  rateLimitPerMinute: 60,
  callerShareRatio: 0.5,
  cacheTtlMs: 30_000,
  staleIfErrorMs: 600_000,
};

/** A partial policy (with a partial breaker) over the defaults. */
export type VendorPolicyOverrides = Partial<Omit<VendorPolicy, 'breaker'>> & { breaker?: Partial<CircuitBreakerOptions> };

export function resolvePolicy(overrides: VendorPolicyOverrides = {}, base: VendorPolicy = DEFAULT_POLICY): VendorPolicy {
  return { ...base, ...overrides, breaker: { ...base.breaker, ...overrides.breaker } };
}

/**
 * One call, as it was before resilience: no retries, no cache, no breaker, no budget. What a
 * vendor client uses when it is given a bare UpstreamHttp (its unit tests over a MockAgent).
 */
export const PASS_THROUGH_POLICY: VendorPolicy = {
  ...DEFAULT_POLICY,
  maxRetries: 0,
  breaker: { ...DEFAULT_BREAKER, minimumCalls: Number.POSITIVE_INFINITY },
  rateLimitPerMinute: Number.POSITIVE_INFINITY,
  callerShareRatio: 1,
  cacheTtlMs: 0,
  staleIfErrorMs: 0,
};
