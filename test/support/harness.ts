import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import type { Authenticator } from '../../src/edge/identity/authenticator.js';
import { createGateway, type EdgeOptions, type Gateway } from '../../src/gateway.js';
import type { PartnerLedger } from '../../src/ledger/index.js';
import type { HistoryStore } from '../../src/monitoring/history-types.js';
import type { AlertingReadModel } from '../../src/monitoring/alerts/alert-types.js';
import type { StreamGate } from '../../src/common/stream-gate.js';
import { createLogger, type Logger } from '../../src/common/logger.js';
import { createProviderRegistry, type ProviderRegistry, type ProviderSetting } from '../../src/providers/registry.js';
import type { AnyVendorModule, RunningVendorService } from '../../src/providers/vendor-module.js';
import type { VendorSimulators } from '../../src/providers/vendor-simulators.js';
import { VENDORS, type BuiltInVendors } from '../../src/providers/vendors.js';
import { DEFAULT_FEDERATED_USER, buildSchema } from '../../src/schema/index.js';
import { startSimulators, type SimulatorHandle, type SimulatorOptions } from '../../src/simulators/index.js';
import type { UpstreamCache } from '../../src/upstream/cache.js';
import type { Clock } from '../../src/common/clock.js';
import type { UpstreamHttpOptions } from '../../src/upstream/http.js';
import { resolvePolicy, type VendorPolicyOverrides } from '../../src/upstream/policy.js';
import { ResilientUpstream } from '../../src/upstream/resilient-upstream.js';
import type { ProviderId } from '../../src/usage/model.js';
import { graphqlRequest, type GraphQLBody } from './graphql-request.js';

export type { GraphQLBody };

export interface Harness<Vendors extends readonly AnyVendorModule[] = BuiltInVendors> {
  yoga: Gateway;
  /** Each vendor's simulator by its module's key (`sims.sharpe`). */
  sims: VendorSimulators<Vendors>;
  registry: ProviderRegistry;
  upstream: ResilientUpstream;
  /** Every line the gateway logged. */
  logs: string[];
  query<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: GraphQLBody<T>; text: string }>;
  /** Ledger reads the gateway made (with `services: true`). */
  ledgerReads(): number;
  /** Requests every simulator received so far, summed: the vendor calls made. */
  vendorCalls(): number;
  close(): Promise<void>;
}

export interface HarnessOptions<Vendors extends readonly AnyVendorModule[] = BuiltInVendors> {
  /** The vendor table (the schema's ProviderId enum included). Default `VENDORS`. */
  vendors?: Vendors;
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
   * 3 s deadline and a rate budget of 10,000 a minute, all of it open to one caller (so only tests
   * about budgets meet one).
   * The cache, retries and breaker keep their production defaults.
   */
  policy?: VendorPolicyOverrides;
  /** Per-vendor overrides, applied over `policy`. */
  policies?: Partial<Record<ProviderId, VendorPolicyOverrides>>;
  cache?: UpstreamCache;
  clock?: Clock;
  /** More options of one simulator, by vendor key (e.g. `{ arrays: { entries: 500 } }`). */
  simulators?: Record<string, Record<string, unknown>>;
  /** The gateway's response cache TTL, ms. Default 0 (off), as `createGateway`'s. */
  responseCacheTtlMs?: number;
  /** The gateway's identity check. Default: none (every caller anonymous, every scope). */
  authenticator?: Authenticator;
  /** The gateway's edge rules and operation limits. Default: `createGateway`'s. */
  edge?: EdgeOptions;
  /**
   * Start the vendors' background services (the partner ledger) in a temporary DATA_DIR, wait
   * until each ledger has caught up with its stream, and count the gateway's ledger reads.
   * Default false.
   */
  services?: boolean;
  /** Values over the services' default settings, by variable name (e.g. a poll interval). */
  serviceSettings?: Record<string, unknown>;
  /** The usage history behind `history` and `forecast`. Default: none (history off). */
  history?: HistoryStore;
  /** Threshold alerting (test/support/alerting.ts builds one). Default: none (alerting off). */
  alerting?: AlertingReadModel;
  /** Admission of subscriptions. Default: `createGateway`'s. */
  streams?: StreamGate;
  /** The gateway's clock for history ranges and forecasts. Default `Date.now`. */
  now?: () => number;
  /** `HISTORY_DEFAULT_POINTS`: the most points a history without a resolution is downsampled to. Default 1000. */
  historyDefaultPoints?: number;
}

/** Simulators on loopback plus a gateway driven through `yoga.fetch` (no port). */
export async function startHarness<const Vendors extends readonly AnyVendorModule[] = BuiltInVendors>(
  options: HarnessOptions<Vendors> = {},
): Promise<Harness<Vendors>> {
  const vendors = options.vendors ?? (VENDORS as unknown as Vendors);
  const starters = vendors.map((vendor) => ({
    key: vendor.key,
    startSimulator: (simulatorOptions: SimulatorOptions & Record<string, unknown>) =>
      vendor.startSimulator({
        ...simulatorOptions,
        credentials: [vendor.demoCredential, ...(options.simulatorCredentials?.[vendor.id] ?? [])],
      }),
  }));
  const sims = (await startSimulators(starters, { each: options.simulators })) as VendorSimulators<Vendors>;
  const settings: Record<ProviderId, ProviderSetting> = {};
  for (const vendor of vendors) {
    const override = options.credentials?.[vendor.id];
    if (override === null) continue;
    const sim = (sims as unknown as Record<string, SimulatorHandle>)[vendor.key]!;
    settings[vendor.id] = { baseUrl: options.baseUrls?.[vendor.id] ?? sim.baseUrl, credential: override ?? sim.credential, simulated: true };
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
    callerShareRatio: 1,
  });
  const upstream = new ResilientUpstream({
    policies: Object.fromEntries(
      vendors.map(({ id }) => [id, resolvePolicy(options.policies?.[id], resolvePolicy(options.policy, base))]),
    ),
    http: transport,
    logger,
    cache: options.cache,
    clock: options.clock,
  });
  const registry = createProviderRegistry(settings, upstream, vendors);
  const services = options.services ? await startServices(registry, settings, upstream, logger, options.serviceSettings ?? {}) : null;
  const yoga = createGateway({
    registry,
    logger,
    ledger: services?.ledger ?? null,
    responseCacheTtlMs: options.responseCacheTtlMs ?? 0,
    authenticator: options.authenticator ?? null,
    ...(options.history === undefined ? {} : { history: options.history }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.alerting === undefined ? {} : { alerting: options.alerting }),
    ...(options.streams === undefined ? {} : { streams: options.streams }),
    ...(options.historyDefaultPoints === undefined ? {} : { historyDefaultPoints: options.historyDefaultPoints }),
    ...(options.edge === undefined ? {} : { edge: options.edge }),
    ...(options.vendors === undefined ? {} : { schema: buildSchema(DEFAULT_FEDERATED_USER, vendors) }),
  });
  return {
    yoga,
    sims,
    registry,
    upstream,
    logs,
    async query(query, variables, headers) {
      const { status, body, text } = await graphqlRequest(yoga, { query, variables, ...(headers === undefined ? {} : { headers }) });
      return { status, body, text };
    },
    ledgerReads: () => services?.reads() ?? 0,
    vendorCalls: () => vendors.reduce((sum, { key }) => sum + (sims as unknown as Record<string, SimulatorHandle>)[key]!.hits(), 0),
    async close() {
      await services?.close();
      await upstream.close();
      await sims.close();
    },
  };
}

/** The ledger reads the gateway may make (everything but writes and lifecycle). */
const LEDGER_READS: ReadonlySet<PropertyKey> = new Set(['getUsers', 'getDaily', 'listUsers', 'position']);

/**
 * Each configured vendor's background service, started as the server starts them (a client of
 * its own on the shared channel, background calls, the vendor's default settings), caught up,
 * with the gateway's ledger reads counted.
 */
async function startServices(
  registry: ProviderRegistry,
  settings: Record<ProviderId, ProviderSetting>,
  upstream: ResilientUpstream,
  logger: Logger,
  overrides: Record<string, unknown>,
): Promise<{ ledger: PartnerLedger | null; reads(): number; close(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'harness-data-'));
  const running: RunningVendorService[] = [];
  for (const { vendor } of registry.list()) {
    const setting = settings[vendor.id];
    if (vendor.startService === undefined || setting === undefined) continue;
    const client = vendor.createClient({ ...setting, channel: upstream.channel(vendor.id, setting.credential), priority: 'background' });
    const own = Object.fromEntries(
      Object.entries(vendor.settings).map(([name, schema]) => [name, name in overrides ? overrides[name] : (schema as z.ZodType).parse(undefined)]),
    );
    running.push(await vendor.startService({ client, settings: own, dataDir, logger }));
  }
  const giveUp = Date.now() + 30_000;
  while (!running.every((service) => service.ledger.status().caughtUp)) {
    if (Date.now() > giveUp) throw new Error('a vendor service did not catch up within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  let reads = 0;
  const first = running[0];
  const ledger: PartnerLedger | null =
    first === undefined
      ? null
      : {
          status: () => first.ledger.status(),
          store: new Proxy(first.ledger.store, {
            get(target, property) {
              const value: unknown = Reflect.get(target, property);
              if (typeof value !== 'function') return value;
              return (...args: unknown[]) => {
                if (LEDGER_READS.has(property)) reads += 1;
                return (value as (...a: unknown[]) => unknown).apply(target, args);
              };
            },
          }),
        };
  return {
    ledger,
    reads: () => reads,
    async close() {
      await Promise.all(running.map((service) => service.close()));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
