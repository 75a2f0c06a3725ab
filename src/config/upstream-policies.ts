import type { AnyVendorModule } from '../providers/vendor-module.js';
import { DEFAULT_POLICY, type VendorPolicy } from '../upstream/policy.js';
import type { ProviderId } from '../usage/model.js';
import { integerIn } from '../common/env-values.js';
import type { EnvironmentReader } from './environment-reader.js';
import type { VendorCatalogue, VendorPolicySuffix } from './vendor-catalogue.js';

/** The `UPSTREAM_*`, `<VENDOR>_*` and cache settings, resolved per vendor. */
export interface UpstreamConfig {
  /**
   * Deadlines, retries, breaker, rate budget, cache TTL and stale-if-error window per vendor.
   * Each field comes from `<VENDOR>_…` when set, else from the `UPSTREAM_…` default.
   */
  policies: Record<ProviderId, VendorPolicy>;
  /** Most entries in the shared cache. `UPSTREAM_CACHE_MAX_ENTRIES`, default 1000. */
  cacheMaxEntries: number;
  /** Most bytes (of vendor bodies) in the shared cache. `UPSTREAM_CACHE_MAX_BYTES`, default 64 MiB. */
  cacheMaxBytes: number;
  /**
   * The gateway's own deadline for answering one HTTP request, ms; above every vendor's whole-call
   * deadline. `GATEWAY_REQUEST_TIMEOUT_MS`, default 10000.
   */
  requestTimeoutMs: number;
}

/** The shared `UPSTREAM_*` defaults every vendor's policy starts from. */
function readSharedDefaults(reader: EnvironmentReader) {
  return {
    timeoutMs: reader.read('UPSTREAM_TIMEOUT_MS', integerIn(100, 120_000, DEFAULT_POLICY.timeoutMs)),
    connectTimeoutMs: reader.read('UPSTREAM_CONNECT_TIMEOUT_MS', integerIn(10, 60_000, DEFAULT_POLICY.connectTimeoutMs)),
    headersTimeoutMs: reader.read('UPSTREAM_HEADERS_TIMEOUT_MS', integerIn(100, 120_000, DEFAULT_POLICY.headersTimeoutMs)),
    maxRetries: reader.read('UPSTREAM_MAX_RETRIES', integerIn(0, 5, DEFAULT_POLICY.maxRetries)),
    retryBaseDelayMs: reader.read('UPSTREAM_RETRY_BASE_DELAY_MS', integerIn(1, 10_000, DEFAULT_POLICY.retryBaseDelayMs)),
    retryMaxDelayMs: reader.read('UPSTREAM_RETRY_MAX_DELAY_MS', integerIn(1, 60_000, DEFAULT_POLICY.retryMaxDelayMs)),
    retryBudgetRatio: reader.read('UPSTREAM_RETRY_BUDGET_PERCENT', integerIn(0, 100, DEFAULT_POLICY.retryBudgetRatio * 100)) / 100,
    breaker: {
      failureRateThreshold:
        reader.read('UPSTREAM_BREAKER_FAILURE_PERCENT', integerIn(1, 100, DEFAULT_POLICY.breaker.failureRateThreshold * 100)) / 100,
      minimumCalls: reader.read('UPSTREAM_BREAKER_MIN_CALLS', integerIn(1, 100_000, DEFAULT_POLICY.breaker.minimumCalls)),
      windowMs: reader.read('UPSTREAM_BREAKER_WINDOW_MS', integerIn(100, 600_000, DEFAULT_POLICY.breaker.windowMs)),
      openMs: reader.read('UPSTREAM_BREAKER_OPEN_MS', integerIn(100, 3_600_000, DEFAULT_POLICY.breaker.openMs)),
    },
    callerShareRatio: reader.read('CALLER_VENDOR_SHARE_PERCENT', integerIn(1, 100, DEFAULT_POLICY.callerShareRatio * 100)) / 100,
    cacheTtlMs: reader.read('UPSTREAM_CACHE_TTL_SECONDS', integerIn(0, 86_400, DEFAULT_POLICY.cacheTtlMs / 1000)) * 1000,
    staleIfErrorMs: reader.read('STALE_IF_ERROR_SECONDS', integerIn(0, 604_800, DEFAULT_POLICY.staleIfErrorMs / 1000)) * 1000,
  };
}

/**
 * Resolves each vendor's policy: its `<VENDOR>_*` variables over the shared defaults, its rate
 * limit from its module (the real vendor's, or in demo mode its simulator's).
 */
export function readUpstreamConfig(
  reader: EnvironmentReader,
  vendors: readonly AnyVendorModule[],
  catalogue: VendorCatalogue,
  demo: boolean,
): UpstreamConfig {
  const shared = readSharedDefaults(reader);
  const policies: Record<ProviderId, VendorPolicy> = {};
  for (const vendor of vendors) {
    const own = catalogue.policyOverrides[vendor.id] ?? {};
    const cacheTtlSeconds = own.CACHE_TTL_SECONDS ?? vendor.cacheTtlSeconds;
    policies[vendor.id] = {
      ...shared,
      timeoutMs: own.TIMEOUT_MS ?? shared.timeoutMs,
      connectTimeoutMs: own.CONNECT_TIMEOUT_MS ?? shared.connectTimeoutMs,
      headersTimeoutMs: own.HEADERS_TIMEOUT_MS ?? shared.headersTimeoutMs,
      rateLimitPerMinute: own.RATE_LIMIT_PER_MINUTE ?? (demo ? vendor.rateLimitPerMinute.demo : vendor.rateLimitPerMinute.default),
      cacheTtlMs: cacheTtlSeconds === undefined ? shared.cacheTtlMs : cacheTtlSeconds * 1000,
    };
  }
  return {
    policies,
    cacheMaxEntries: reader.read('UPSTREAM_CACHE_MAX_ENTRIES', integerIn(0, 1_000_000, 1000)),
    cacheMaxBytes: reader.read('UPSTREAM_CACHE_MAX_BYTES', integerIn(0, 4 * 1024 ** 3, 64 * 1024 ** 2)),
    requestTimeoutMs: reader.read('GATEWAY_REQUEST_TIMEOUT_MS', integerIn(1000, 600_000, 10_000)),
  };
}

/**
 * Checks that the pieces fit: backoff base within its cap, each vendor's connect and headers
 * deadlines within its whole-call deadline, and that within the gateway's own request deadline
 * (retries, backoff and budget waits all happen inside the whole-call deadline). Each problem
 * names the variable that set the value, `<VENDOR>_…` or the shared `UPSTREAM_…`.
 */
export function checkUpstreamFits(reader: EnvironmentReader, upstream: UpstreamConfig, catalogue: VendorCatalogue): void {
  const anyPolicy = Object.values(upstream.policies)[0];
  if (anyPolicy !== undefined && anyPolicy.retryBaseDelayMs > anyPolicy.retryMaxDelayMs) {
    reader.report('UPSTREAM_RETRY_BASE_DELAY_MS: must not exceed UPSTREAM_RETRY_MAX_DELAY_MS');
  }
  const { requestTimeoutMs } = upstream;
  for (const [id, policy] of Object.entries(upstream.policies)) {
    const nameOf = (suffix: VendorPolicySuffix) => (catalogue.policyOverrides[id]?.[suffix] === undefined ? `UPSTREAM_${suffix}` : `${id}_${suffix}`);
    if (policy.timeoutMs >= requestTimeoutMs) {
      reader.report(
        `${nameOf('TIMEOUT_MS')}: the whole-call deadline (${policy.timeoutMs} ms) must be below GATEWAY_REQUEST_TIMEOUT_MS (${requestTimeoutMs} ms); retries, backoff and rate-budget waits all happen within it`,
      );
    }
    for (const [suffix, value] of [
      ['CONNECT_TIMEOUT_MS', policy.connectTimeoutMs],
      ['HEADERS_TIMEOUT_MS', policy.headersTimeoutMs],
    ] as const) {
      if (value > policy.timeoutMs) reader.report(`${nameOf(suffix)}: ${value} ms exceeds the whole-call deadline (${policy.timeoutMs} ms)`);
    }
  }
}
