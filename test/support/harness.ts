import { createGateway, type Gateway } from '../../src/gateway.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createProviderRegistry, type ProviderRegistry, type ProviderSetting } from '../../src/providers/registry.js';
import {
  startAnylayerSimulator,
  startArraysSimulator,
  startFaradaySimulator,
  startSharpeSimulator,
  DEMO_CREDENTIALS,
  type Simulators,
} from '../../src/simulators/index.js';
import type { UpstreamCache } from '../../src/upstream/cache.js';
import type { Clock } from '../../src/upstream/clock.js';
import type { UpstreamHttpOptions } from '../../src/upstream/http.js';
import { resolvePolicy, type VendorPolicyOverrides } from '../../src/upstream/policy.js';
import { ResilientUpstream } from '../../src/upstream/resilient-upstream.js';
import { PROVIDER_IDS, type ProviderId } from '../../src/usage/model.js';

export interface Harness {
  yoga: Gateway;
  sims: Simulators;
  registry: ProviderRegistry;
  upstream: ResilientUpstream;
  /** Every line the gateway logged. */
  logs: string[];
  query<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: GraphQLBody<T>; text: string }>;
  close(): Promise<void>;
}

export interface GraphQLBody<T> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

export interface HarnessOptions {
  /** Override a vendor's credential (e.g. a wrong one) or leave a vendor out (null). */
  credentials?: Partial<Record<ProviderId, string | null>>;
  /** Credentials each simulator accepts besides its demo one (e.g. a canary). */
  simulatorCredentials?: Partial<Record<ProviderId, string[]>>;
  /** Point a vendor somewhere other than its simulator (a test server). */
  baseUrls?: Partial<Record<ProviderId, string>>;
  /** Transport options; `timeoutMs` becomes every vendor's whole-call deadline (default 3000). */
  http?: UpstreamHttpOptions;
  /**
   * Policy overrides for every vendor, over DEFAULT_POLICY with the harness's own defaults: a
   * 3 s deadline and a rate budget of 10,000 a minute (so only tests about budgets meet one).
   * The cache, retries and breaker keep their production defaults.
   */
  policy?: VendorPolicyOverrides;
  /** Per-vendor overrides, applied over `policy`. */
  policies?: Partial<Record<ProviderId, VendorPolicyOverrides>>;
  cache?: UpstreamCache;
  clock?: Clock;
  arrays?: { entries?: number; subs?: number };
  /** The gateway's response cache TTL, ms. Default 0 (off), as `createGateway`'s. */
  responseCacheTtlMs?: number;
}

/** Simulators on loopback plus a gateway driven through `yoga.fetch` (no port). */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const accepted = (id: ProviderId, demo: string) => ({ credentials: [demo, ...(options.simulatorCredentials?.[id] ?? [])] });
  const [arrays, anylayer, sharpe, faraday] = await Promise.all([
    startArraysSimulator({ ...options.arrays, ...accepted('ARRAYS', DEMO_CREDENTIALS.ARRAYS) }),
    startAnylayerSimulator(accepted('ANYLAYER', DEMO_CREDENTIALS.ANYLAYER)),
    startSharpeSimulator(accepted('SHARPE', DEMO_CREDENTIALS.SHARPE)),
    startFaradaySimulator(accepted('FARADAY', DEMO_CREDENTIALS.FARADAY)),
  ]);
  const sims: Simulators = {
    arrays,
    anylayer,
    sharpe,
    faraday,
    close: async () => {
      await Promise.all([arrays, anylayer, sharpe, faraday].map((sim) => sim.close()));
    },
  };
  const settings: Partial<Record<ProviderId, ProviderSetting>> = {};
  for (const [id, sim] of [
    ['ARRAYS', sims.arrays],
    ['ANYLAYER', sims.anylayer],
    ['SHARPE', sims.sharpe],
    ['FARADAY', sims.faraday],
  ] as const) {
    const override = options.credentials?.[id];
    if (override === null) continue;
    settings[id] = { baseUrl: options.baseUrls?.[id] ?? sim.baseUrl, credential: override ?? sim.credential, simulated: true };
  }
  const logs: string[] = [];
  const secrets = Object.values(settings).map((setting) => setting.credential);
  const logger: Logger = createLogger({ level: 'debug', secrets, write: (line) => logs.push(line) });
  const { timeoutMs = 3000, connectTimeoutMs, headersTimeoutMs, ...transport } = options.http ?? {};
  const base = resolvePolicy({
    timeoutMs,
    ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
    ...(headersTimeoutMs === undefined ? {} : { headersTimeoutMs }),
    rateLimitPerMinute: 10_000,
  });
  const upstream = new ResilientUpstream({
    policies: Object.fromEntries(
      PROVIDER_IDS.map((id) => [id, resolvePolicy(options.policies?.[id], resolvePolicy(options.policy, base))]),
    ),
    http: transport,
    logger,
    cache: options.cache,
    clock: options.clock,
  });
  const registry = createProviderRegistry(settings, upstream);
  const yoga = createGateway({ registry, logger, responseCacheTtlMs: options.responseCacheTtlMs ?? 0 });
  return {
    yoga,
    sims,
    registry,
    upstream,
    logs,
    async query(query, variables, headers) {
      const response = await yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const text = await response.text();
      return { status: response.status, body: JSON.parse(text), text };
    },
    async close() {
      await upstream.close();
      await sims.close();
    },
  };
}
