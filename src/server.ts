import { fileURLToPath } from 'node:url';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from './config/index.js';
import { bindsLoopback } from './config/edge.js';
import { buildGateway } from './gateway.js';
import type { HotPath } from './edge/hot-path.js';
import { buildSchema } from './schema/index.js';
import { withBodyLimit } from './edge/body-limit.js';
import { hostRule } from './edge/browser-rules.js';
import { Lifecycle, type Readiness } from './edge/lifecycle.js';
import { withRequestDeadline } from './edge/request-deadline.js';
import { attachGraphqlWs } from './edge/websocket-subscriptions.js';
import { StreamGate } from './common/stream-gate.js';
import type { AlertFeed, AlertingReadModel } from './monitoring/alerts/alert-types.js';
import { LocalAlertFeed } from './monitoring/alerts/local-feed.js';
import { createAuthenticator, type Authenticator } from './edge/identity/authenticator.js';
import { DEMO_AUDIENCE, DEMO_ISSUER, ensureDemoKeys } from './edge/identity/demo-keys.js';
import { openWatchedFile, type WatchedFile } from './edge/identity/watched-file.js';
import { parsePersistedDocuments, type PersistedDocuments } from './edge/persisted-operations.js';
import { dashboardDocuments, withDashboardDocuments } from './edge/dashboard-assets.js';
import type { PartnerLedger } from './ledger/index.js';
import { createLogger, writeToLogStream, type Logger } from './common/logger.js';
import { resolveLogFormat } from './common/pretty-log.js';
import { gatewayEndpoints, startBanner } from './common/start-banner.js';
import { GatewayMetrics } from './observability/metrics.js';
import { startMetricsServer } from './observability/metrics-server.js';
import { logPhases, withPhaseRecording } from './observability/phases.js';
import { startTracing } from './observability/tracing.js';
import { createProviderRegistry, type ProviderRegistry, type ProviderSetting } from './providers/registry.js';
import type { AnyVendorModule, RunningVendorService } from './providers/vendor-module.js';
import { VENDORS } from './providers/vendors.js';
import { SIMULATOR_ADMIN_HEADER, simulatorAdminToken, startSimulators, type RunningSimulators, type SimulatorHandle } from './simulators/index.js';
import { MemoryCache } from './upstream/cache.js';
import { ResilientUpstream } from './upstream/resilient-upstream.js';
import { startRedisSharedState, type SharedState } from './shared-state/redis-shared-state.js';
import { Teardown } from './common/teardown.js';
import { seedDemoHistory } from './monitoring/demo-history.js';
import type { HistoryCondition, HistoryStore, UsageSample } from './monitoring/history-types.js';
import { openHistoryStore } from './monitoring/open-history-store.js';
import { startHistorySampler, type HistorySampler } from './monitoring/sampler.js';
import type { ProviderId } from './usage/model.js';
import { LEDGER_PROVIDER } from './context.js';
import { startAlertingService, type AlertingService } from './monitoring/alerts/alerting-service.js';
import { DEMO_ALERT_QUOTA, demoAlertSetting } from './monitoring/alerts/demo-alert.js';
import type { WebhookDelivery } from './monitoring/alerts/webhooks/delivery.js';
import { startWebhookDelivery, type RunningWebhookDelivery } from './monitoring/alerts/webhooks/start-webhook-delivery.js';

/** The built dashboard: `dist/dashboard` beside `dist/main.js`, and the same folder when run from src/ by tsx. */
const BUILT_DASHBOARD_DIR = fileURLToPath(new URL('../dist/dashboard', import.meta.url));

export interface RunningGateway {
  url: string;
  /** Where Prometheus scrapes: /metrics on the public port, or on `METRICS_PORT`. */
  metricsUrl: string;
  /**
   * Threshold alerting: its store, evaluator and the queries of the schema's read model; null when
   * usage history is off or its store could not be opened.
   */
  alerting: RunningAlerting | null;
  /** Re-reads the files the gateway trusts (JWKS file, API keys file, persisted operations file, alert rules file); `main.ts` calls it on SIGHUP. */
  reload(): Promise<void>;
  /**
   * Shuts down in order: `/ready` turns 503, requests in flight get up to `SHUTDOWN_GRACE_MS` to
   * finish, then the listener and every connection left close, and the services stop (the
   * ledger writes its snapshot).
   */
  close(): Promise<void>;
}

/** What {@link startGateway} runs beside the configuration. */
export interface StartGatewayOptions {
  /** Default: lines on stderr at `LOG_LEVEL` in `LOG_FORMAT`, redacted of every credential. */
  logger?: Logger;
  /** Whether stderr is a terminal, for `LOG_FORMAT=auto`. Default: `process.stderr.isTTY`. */
  stderrIsTerminal?: boolean;
  /** Where the start banner goes when logs are pretty. Default: stderr, in order with the log lines. */
  writeBanner?: (text: string) => void;
  /** The vendor table the configuration was read for. Default `VENDORS`. */
  vendors?: readonly AnyVendorModule[];
}

/** Starts everything the configuration asks for: simulators in demo mode, vendor services, the gateway, the listener. */
export async function startGateway(config: GatewayConfig, options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const vendors = options.vendors ?? VENDORS;
  let simulators: RunningSimulators<Record<string, SimulatorHandle>> | undefined;
  let settings: Record<ProviderId, ProviderSetting>;
  // Every resource opened below, in one list that both a failed start and close() close.
  const teardown = new Teardown();
  if (config.demo) {
    // On the real clock: the counters grow while the demo runs, so history and forecasts have something to show.
    simulators = await startSimulators<Record<string, SimulatorHandle>>(vendors, { clock: Date.now });
    const running = simulators;
    teardown.add(() => running.close());
    if (config.history.enabled) {
      // A quota just under the default 80 % that crosses it between the first two readings: the demo's first alert.
      const vendor = vendors.find((candidate) => candidate.id === DEMO_ALERT_QUOTA.provider);
      const policy = config.upstream.policies[DEMO_ALERT_QUOTA.provider];
      if (vendor !== undefined && policy !== undefined) running[vendor.key]?.setUsage(demoAlertSetting(config.history.sampleIntervalSeconds * 1000, policy.cacheTtlMs));
    }
    settings = Object.fromEntries(
      vendors.map((vendor) => {
        const simulator = running[vendor.key]!;
        return [vendor.id, { baseUrl: simulator.baseUrl, credential: simulator.credential, simulated: true }];
      }),
    );
  } else {
    settings = Object.fromEntries(Object.entries(config.vendors).map(([id, vendor]) => [id, { ...vendor, simulated: false }]));
  }
  const secrets = Object.values(settings).map((setting) => setting.credential);
  // The ledger database's password, wherever a driver message or a stack might quote it.
  if (config.ledgerDatabase?.password) secrets.push(config.ledgerDatabase.password, encodeURIComponent(config.ledgerDatabase.password));
  const logFormat = resolveLogFormat(config.logFormat, options.stderrIsTerminal ?? process.stderr.isTTY === true);
  const log = options.logger ?? createLogger({ level: config.logLevel, secrets, format: logFormat });
  // Before anything that makes spans: the gateway's plugin looks for a tracer once, when built.
  const tracing = startTracing(config.tracing);
  // Closed after everything opened later, so that the spans of their last requests and ledger commits are exported.
  if (tracing !== null) teardown.add(() => tracing.shutdown());
  const metrics = new GatewayMetrics();
  // Scale-out (REDIS_URL): the stores every instance shares; without it, none and nothing changes.
  const shared = await startSharedState(config, log).catch(async (error: unknown) => {
    await closeAfterFailedStart(teardown, log);
    throw error;
  });
  if (shared !== null) teardown.add(() => shared.close());
  if (shared !== null) metrics.watchSharedState(() => shared.up);
  const upstream = new ResilientUpstream({
    listenerFor: (provider) => metrics.channelListener(provider),
    policies: config.upstream.policies,
    cache: shared?.cache ?? new MemoryCache({ maxEntries: config.upstream.cacheMaxEntries, maxBytes: config.upstream.cacheMaxBytes }),
    logger: log,
    ...(shared === null ? {} : { rateBudgetFor: shared.rateBudgetFor, flights: shared.flights }),
  });
  teardown.add(() => upstream.close());
  metrics.watchUpstream(() => upstream.health());
  const registry = createProviderRegistry(settings, upstream, vendors);
  let services: RunningVendorService[] = [];
  let authenticator: Authenticator | null = null;
  let manifest: WatchedFile<PersistedDocuments> | null = null;
  try {
    authenticator = await startAuthenticator(config, log);
    const opened = authenticator;
    if (opened !== null) teardown.add(() => opened.close());
    manifest = await watchManifest(config, log);
    const watched = manifest;
    if (watched !== null) teardown.add(() => watched.close());
    services = await startVendorServices(config, registry, settings, upstream, log, metrics);
    const started = services;
    teardown.add(() => Promise.all(started.map((service) => service.close())));
  } catch (error) {
    await closeAfterFailedStart(teardown, log);
    throw error;
  }
  const ledger = services[0]?.ledger ?? null;
  metrics.watchLedger(ledger);
  // After the vendors: the sampler reads them through the clients the queries use.
  // The sampler's first tick comes an interval after the start, once alerting below is set.
  let evaluateAlerts: (() => Promise<unknown>) | null = null;
  const history = config.history.enabled ? await startHistory(config, registry, log, metrics, () => evaluateAlerts?.() ?? Promise.resolve()) : null;
  if (history?.store) {
    const { store, sampler } = history;
    teardown.add(() => store.close());
    if (sampler !== null) teardown.add(() => sampler.close());
  }
  // Alert events reach the subscribers of every instance through Redis, or this instance's alone.
  const alertFeed = alertFeedFor(shared);
  const alerting = history?.store ? await startAlerting(config, history, ledger, log, metrics, alertFeed) : null;
  if (alerting !== null) {
    const running = alerting;
    evaluateAlerts = () => running.service.evaluator.evaluate();
    // The sampler stops first (an evaluation in flight finishes), then the alert store closes.
    teardown.add(async () => {
      await history?.sampler?.close();
      await running.close();
    });
  }
  // Ends every subscription on close, before the drain waits for requests in flight (a stream would hold it to the grace period).
  const streams = new StreamGate({ maxPerCaller: config.edge.subscriptionsPerCaller, maxTotal: config.edge.subscriptionsTotal });
  const dashboardDir = config.dashboard.enabled ? (config.dashboard.dir ?? BUILT_DASHBOARD_DIR) : null;
  const { yoga, hotPath, dashboardPath } = buildGateway({
    registry,
    streams,
    alerting: alerting === null ? null : alertingReadModel(alerting, alertFeed),
    logger: log,
    ledger,
    history: history?.store ?? null,
    historyRetentionDays: config.history.retentionDays,
    historyDefaultPoints: config.history.defaultPoints,
    schema: buildSchema(config.federation, vendors, { authDirectives: config.federation.authDirectives }),
    responseCacheTtlMs: config.responseCacheTtlMs,
    authenticator,
    graphiql: config.exposure.graphiql,
    dashboardDir,
    introspection: config.exposure.introspection,
    maxVendorCallsPerOperation: config.maxVendorCallsPerOperation,
    jit: config.graphqlJit,
    edge: {
      corsOrigins: config.edge.corsOrigins,
      corsCredentials: config.edge.corsCredentials,
      allowsHost: hostRule(config.edge.allowedHosts, bindsLoopback(config.host)),
      operationLimits: config.edge.operationLimits,
      callerRateLimitPerMinute: config.edge.callerRateLimitPerMinute,
      ...(shared === null ? {} : { callerWindows: shared.callerWindows }),
      persistedOperations: {
        mode: config.persistedOperations.mode,
        manifest: withDashboardDocuments(manifest, dashboardDocuments(dashboardDir)),
        apqMaxEntries: config.persistedOperations.apqMaxEntries,
        apqMaxBytes: config.persistedOperations.apqMaxBytes,
      },
    },
    metrics,
    metricsEndpoint: config.metricsPort === null,
    ...(shared === null ? {} : { responseStore: shared.responseStore }),
    phaseMarks: config.phaseTiming,
  });
  const lifecycle = new Lifecycle(() => withAlerting(withHistory(withSharedState(readinessOf(ledger), shared), history), history, alerting));
  const handler = gatewayHandler({
    yoga,
    // Without tracing only: a request span is the engine's to make.
    hotPath: config.hotPath && tracing === null ? hotPath : null,
    lifecycle,
    requestTimeoutMs: config.upstream.requestTimeoutMs,
    maxRequestBytes: config.edge.maxRequestBytes,
    log,
  });
  const server = createServer(config.phaseTiming ? withPhaseRecording(handler, (marks) => logPhases(log, marks)) : handler);
  const websockets = attachGraphqlWs(server, {
    gateway: yoga,
    authenticator,
    allowsHost: hostRule(config.edge.allowedHosts, bindsLoopback(config.host)),
    corsOrigins: config.edge.corsOrigins,
    maxPerCaller: config.edge.subscriptionsPerCaller,
    maxTotal: config.edge.subscriptionsTotal,
    maxTokens: config.edge.operationLimits.tokens,
    maxMessageBytes: config.edge.maxRequestBytes,
    logger: log,
  });
  let metricsServer: { url: string; close(): Promise<void> } | null = null;
  try {
    await listen(server, config.port, config.host);
    metricsServer = config.metricsPort === null ? null : await startMetricsServer(metrics, config.metricsPort, config.host);
  } catch (error) {
    server.close();
    await closeAfterFailedStart(teardown, log);
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/graphql`;
  const openedMetrics = metricsServer;
  if (openedMetrics !== null) teardown.add(() => openedMetrics.close());
  const metricsUrl = metricsServer?.url ?? new URL('/metrics', url).href;
  if (simulators) {
    log.info('demo mode: no vendor credentials configured, serving the built-in vendor simulators on loopback', {
      simulators: registry.list().map((provider) => `${provider.id}=${provider.origin}`),
      // The simulators' admin routes (faults, hits) want it in this header; it guards nothing but them.
      simulatorAdminHeader: SIMULATOR_ADMIN_HEADER,
      simulatorAdminToken: simulatorAdminToken(),
    });
  } else if (registry.list().length === 0) {
    log.warn('no vendor configured and GATEWAY_DEMO=0: every vendor query will report PROVIDER_NOT_CONFIGURED');
  }
  logAuthMode(config, log);
  log.info('gateway listening', {
    url,
    providers: registry.list().map((provider) => provider.id),
    auth: config.auth.mode,
    graphiql: config.exposure.graphiql,
    introspection: config.exposure.introspection,
    maxVendorCallsPerOperation: config.maxVendorCallsPerOperation,
    tracing: tracing !== null,
    persistedOperations: config.persistedOperations.mode,
    persistedDocuments: manifest?.current.size ?? 0,
    endpoints: gatewayEndpoints(url, metricsUrl, config.exposure.graphiql, dashboardPath),
  });
  if (logFormat === 'pretty') (options.writeBanner ?? writeToLogStream)(startBanner(gatewayEndpoints(url, metricsUrl, config.exposure.graphiql, dashboardPath), { demo: config.demo }));
  return {
    url,
    metricsUrl,
    alerting,
    reload: async () => {
      await authenticator?.reload();
      await manifest?.reload();
      await alerting?.service.reload();
    },
    async close() {
      streams.close();
      await websockets.close();
      await lifecycle.drain(config.shutdownGraceMs);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await teardown.close();
    },
  };
}

/** What {@link gatewayHandler} puts in front of a gateway's engine. */
export interface GatewayHandlerParts {
  yoga: (req: IncomingMessage, res: ServerResponse) => unknown;
  /** Answers cache hits before the engine; null sends every request to it. */
  hotPath: HotPath | null;
  lifecycle: Lifecycle;
  /** `GATEWAY_REQUEST_TIMEOUT_MS`. */
  requestTimeoutMs: number;
  /** `MAX_REQUEST_BYTES`. */
  maxRequestBytes: number;
  log: Logger;
}

/**
 * The node:http handler of a gateway, outermost first: `/ready` and draining, the body limit, the
 * request deadline, the hot path, the engine.
 */
export function gatewayHandler(parts: GatewayHandlerParts): (req: IncomingMessage, res: ServerResponse) => void {
  const { yoga, hotPath, lifecycle, requestTimeoutMs, maxRequestBytes, log } = parts;
  const engine = hotPath === null ? yoga : hotPath.wrap(yoga);
  return lifecycle.wrap(withBodyLimit(withRequestDeadline(engine, requestTimeoutMs, log), maxRequestBytes, log));
}

/**
 * Closes what a start opened before it failed; a resource that fails to close is logged, so that
 * the error the caller sees is the one that stopped the start.
 */
async function closeAfterFailedStart(teardown: Teardown, log: Logger): Promise<void> {
  try {
    await teardown.close();
  } catch (error) {
    log.error('closing what a failed start had opened', { error });
  }
}

/**
 * The identity check the configuration asks for, or null when it asks for none. `AUTH_DEMO=1`
 * trusts the demo key pair in DATA_DIR (made on first use), whose tokens `npm run token` signs.
 */
async function startAuthenticator(config: GatewayConfig, logger: Logger): Promise<Authenticator | null> {
  const { auth } = config;
  if (auth.mode !== 'on') return null;
  const demo = auth.demoKeys ? await ensureDemoKeys(config.dataDir) : null;
  return createAuthenticator({
    ...(demo === null ? {} : { jwksFile: demo.jwksFile, issuer: DEMO_ISSUER, audience: DEMO_AUDIENCE }),
    ...(auth.jwksFile === undefined ? {} : { jwksFile: auth.jwksFile }),
    ...(auth.jwksUrl === undefined ? {} : { jwksUrl: auth.jwksUrl }),
    ...(auth.issuer === undefined ? {} : { issuer: auth.issuer }),
    ...(auth.audience === undefined ? {} : { audience: auth.audience }),
    ...(auth.apiKeysFile === undefined ? {} : { apiKeysFile: auth.apiKeysFile }),
    clockToleranceSeconds: auth.clockToleranceSeconds,
    verifiedTokens: auth.verifiedTokens,
    logger,
  });
}

/**
 * The manifest of trusted documents (`PERSISTED_OPERATIONS_FILE`), re-read on SIGHUP and when it
 * changes; a file that turns invalid keeps its last good documents (logged as an error).
 */
async function watchManifest(config: GatewayConfig, logger: Logger): Promise<WatchedFile<PersistedDocuments> | null> {
  const { file } = config.persistedOperations;
  if (file === null) return null;
  return openWatchedFile({
    path: file,
    variable: 'PERSISTED_OPERATIONS_FILE',
    label: 'persisted operations file',
    parse: parsePersistedDocuments,
    describe: (documents) => ({ documents: documents.size }),
    logger,
  });
}

/** Says at every start who may ask, loudly when nobody is checked on purpose. */
function logAuthMode(config: GatewayConfig, log: Logger): void {
  const { auth } = config;
  if (auth.mode === 'disabled') {
    log.warn('AUTH_DISABLED=1: authentication is off; anyone who reaches this port reads every vendor and partner user and spends the vendor credentials');
  } else if (auth.mode === 'off') {
    log.info('authentication off (demo mode without AUTH_* settings): every caller has every scope; AUTH_DEMO=1 trusts tokens from `npm run token`');
  } else {
    log.info('authentication on', {
      jwks: auth.demoKeys ? 'demo key pair in DATA_DIR' : (auth.jwksFile ?? auth.jwksUrl ?? 'none'),
      apiKeys: auth.apiKeysFile ?? 'none',
      issuer: auth.issuer ?? null,
      audience: auth.audience ?? null,
    });
  }
}

/**
 * The background services of configured vendors (the partner ledger), each with a client of its
 * own on the vendor's shared channel, so that the vendor's rate budget and breaker count every
 * call. Their calls are background ones (see `RequestPriority`). A failure stops the ones started.
 */
async function startVendorServices(
  config: GatewayConfig,
  registry: ProviderRegistry,
  settings: Record<ProviderId, ProviderSetting>,
  upstream: ResilientUpstream,
  log: Logger,
  metrics: GatewayMetrics,
): Promise<RunningVendorService[]> {
  const services: RunningVendorService[] = [];
  try {
    for (const { vendor } of registry.list()) {
      const setting = settings[vendor.id];
      if (vendor.startService === undefined || setting === undefined) continue;
      const client = vendor.createClient({
        baseUrl: setting.baseUrl,
        credential: setting.credential,
        channel: upstream.channel(vendor.id, setting.credential),
        priority: 'background',
      });
      services.push(await vendor.startService({ client, settings: config.vendorSettings[vendor.id] ?? {}, dataDir: config.dataDir, logger: log, ledgerObserver: metrics.ledgerObserver, ledgerDatabase: config.ledgerDatabase ?? null }));
    }
  } catch (error) {
    await Promise.all(services.map((service) => service.close()));
    throw error;
  }
  return services;
}

/**
 * What `/ready` reports beside draining. The listener opens only once the configuration is read
 * and the ledger has recovered from disk, so both are settled whenever a probe can ask; the
 * ledger's state says whether it follows the stream, serves another process's totals, or is
 * stalled on its disk. Stalled is still ready: the vendors answer, and the ledger's totals are
 * served as committed.
 */
export function readinessOf(ledger: PartnerLedger | null): Readiness {
  if (ledger === null) return { ready: true, components: { config: 'ok', ledger: 'none' } };
  const status = ledger.status();
  return { ready: true, components: { config: 'ok', ledger: status.stalled ? 'stalled' : status.following ? 'recovered' : 'recovered-read-only' } };
}

/**
 * Where alert events reach subscribers: every instance's through Redis with `REDIS_URL`, else
 * this one's. The evaluator publishes to it; the schema's read model subscribes to it.
 */
export function alertFeedFor(shared: SharedState | null): AlertFeed {
  return shared?.alertFeed ?? new LocalAlertFeed();
}

/**
 * Connects to `REDIS_URL` when set. An instance on its local fallback (Redis unreachable) still
 * answers, so it stays ready; `/ready` says which it is.
 */
async function startSharedState(config: GatewayConfig, log: Logger): Promise<SharedState | null> {
  const { redisUrl } = config.sharedState;
  if (redisUrl === null) return null;
  return startRedisSharedState({
    config: { ...config.sharedState, redisUrl },
    cacheMaxEntries: config.upstream.cacheMaxEntries,
    cacheMaxBytes: config.upstream.cacheMaxBytes,
    logger: log,
  });
}

/** The usage history as the gateway runs it: its store, and the sampler when the store opened. */
export interface RunningHistory {
  store: HistoryStore | null;
  sampler: HistorySampler | null;
  /** Why the store could not be opened; null when it was. */
  openFailure: HistoryCondition | null;
}

/**
 * Opens the history store (PostgreSQL with `DATABASE_URL`, else files in DATA_DIR/history) and
 * starts the sampler on the configured vendors' clients, its first tick one interval after the
 * start. In demo mode a fresh store gets a week of plausible past with that first tick. History is an addition: a store that cannot be opened is logged and
 * shown on `/ready`, and the gateway serves on without it.
 */
async function startHistory(
  config: GatewayConfig,
  registry: ProviderRegistry,
  log: Logger,
  metrics: GatewayMetrics,
  afterLeadingTick: () => Promise<unknown>,
): Promise<RunningHistory> {
  let store: HistoryStore;
  try {
    store = await openHistoryStore({ dataDir: config.dataDir, database: config.ledgerDatabase, retentionDays: config.history.retentionDays, logger: log });
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const condition: HistoryCondition =
      code === 'HISTORY_DISK_FULL' || code === 'HISTORY_READ_ONLY' || code === 'HISTORY_PERMISSION_DENIED' ? code : 'HISTORY_UNAVAILABLE';
    log.error('usage history: the store could not be opened; the gateway serves without history', { condition, reason: error instanceof Error ? error.message : String(error) });
    metrics.watchHistory(() => false);
    return { store: null, sampler: null, openFailure: condition };
  }
  // Leading from the start, when nobody else does: /ready says so at once, and retention runs now.
  await store.tryLead().catch(() => false);
  const sampler = startHistorySampler({
    clients: registry.list().map((provider) => provider.client),
    store,
    // A fresh demo gets a week of past, leading up to the first readings (no vendor call of its own).
    ...(config.demo ? { beforeFirstAppend: (current: readonly UsageSample[]) => seedDemoHistory({ store, current, logger: log }) } : {}),
    intervalMs: config.history.sampleIntervalSeconds * 1000,
    logger: log,
    onSamples: (provider, count) => metrics.historySamplesRecorded(provider, count),
    afterTick: afterLeadingTick,
  });
  metrics.watchHistory(() => sampler.status().condition === 'ok');
  log.info('usage history: sampling', {
    backend: store.status().backend,
    intervalSeconds: config.history.sampleIntervalSeconds,
    intervalComputed: config.history.intervalComputed,
    retentionDays: config.history.retentionDays,
  });
  return { store, sampler, openFailure: null };
}

/**
 * `history`: `ok` or the store's condition in words (`disk-full`, `read-only`, …), and
 * `historyRole`: `leader` (this instance samples) or `reader`. A failing history store keeps the
 * instance in rotation: queries do not need it.
 */
function withHistory(readiness: Readiness, history: RunningHistory | null): Readiness {
  return { ...readiness, components: { ...readiness.components, ...historyComponents(history) } };
}

/** The history's part of `/ready` (see `withHistory`): `{ history: 'off' }` when history is off. */
export function historyComponents(history: RunningHistory | null): Record<string, string> {
  if (history === null) return { history: 'off' };
  const condition = history.sampler?.status().condition ?? history.openFailure ?? 'HISTORY_UNAVAILABLE';
  // The store knows at once whether it leads; the sampler learns it at its next tick.
  const role = (history.store?.isLeader ?? history.sampler?.status().leader) ? 'leader' : 'reader';
  return { history: conditionWords(condition), historyRole: role };
}

/** `HISTORY_DISK_FULL` → `disk-full`; `ok` stays. */
function conditionWords(condition: HistoryCondition): string {
  return condition === 'ok' ? 'ok' : condition.replace(/^HISTORY_/, '').toLowerCase().replace(/_/g, '-');
}

/**
 * Threshold alerting beside the history, evaluated after each tick this instance leads. A store
 * that cannot be opened is logged and shown on `/ready`; the gateway serves on without alerts.
 */
async function startAlerting(
  config: GatewayConfig,
  history: RunningHistory,
  ledger: PartnerLedger | null,
  log: Logger,
  metrics: GatewayMetrics,
  feed: AlertFeed,
): Promise<RunningAlerting | null> {
  if (history.store === null) return null;
  let webhooks: RunningWebhookDelivery | null = null;
  try {
    // The outbox opens first: the evaluator hands it each new event before recording it.
    webhooks = await startWebhookDelivery({
      dataDir: config.dataDir,
      database: config.ledgerDatabase,
      endpoints: config.alerts.rules.webhooks,
      logger: log,
      observer: metrics.webhookObserver,
    });
    const delivery = webhooks.delivery;
    metrics.watchWebhooks(() => delivery.outboxLagSeconds());
    const service = await startAlertingService({
      rules: config.alerts.rules,
      history: history.store,
      retentionDays: config.history.retentionDays,
      dataDir: config.dataDir,
      database: config.ledgerDatabase,
      ledger: () => (ledger === null ? null : { provider: LEDGER_PROVIDER, store: ledger.store }),
      sink: delivery,
      feed,
      onRulesReload: (source) => delivery.setEndpoints(source.webhooks),
      logger: log,
    });
    metrics.watchAlerts(
      () => service.source().rules.map((rule) => rule.id),
      () => service.queries.firing(),
    );
    const stopWebhooks = webhooks;
    return {
      service,
      delivery,
      async close() {
        await service.close();
        await stopWebhooks.stop();
      },
    };
  } catch (error) {
    await webhooks?.stop().catch(() => undefined);
    log.error('alerts: the alert store or the webhook outbox could not be opened; the gateway serves without alerts', {
      condition: (error as { code?: unknown } | null)?.code ?? 'ALERT_STORE_UNAVAILABLE',
      reason: error instanceof Error ? error.message : String(error),
    });
    return null;
  }
}

/** What the schema reads of alerting: the evaluator's rules and events, the feed, the webhooks' state and test events. */
function alertingReadModel(alerting: RunningAlerting, feed: AlertFeed): AlertingReadModel {
  const { queries } = alerting.service;
  return {
    rules: queries.rules,
    firing: queries.firing,
    events: queries.events,
    feed,
    webhookEndpoints: () => alerting.delivery.webhookEndpoints(),
    sendTestEvent: (endpointId) => alerting.delivery.sendTestEvent(endpointId),
  };
}

/** Alerting as the gateway runs it: the evaluator's service and the webhook delivery it feeds. */
export interface RunningAlerting {
  service: AlertingService;
  delivery: WebhookDelivery;
  /** Closes the alert store, then stops the delivery (attempts in flight finish) and its outbox. */
  close(): Promise<void>;
}

/**
 * `alerts`: `ok`, `off` (no history to watch), `unavailable` (the store could not be opened) or
 * the last evaluation's failure in words; `alertRules`: the rules file in force or `default`;
 * `alertsLastEvaluation`: when the last evaluation ran (ISO), `never` before the first (and on an
 * instance that does not lead the history). Failing alerting keeps the instance in rotation.
 */
export function alertingComponents(history: RunningHistory | null, alerting: RunningAlerting | null): Record<string, string> {
  if (history?.store == null) return { alerts: 'off' };
  if (alerting === null) return { alerts: 'unavailable' };
  const status = alerting.service.status();
  return {
    alerts: status.condition === 'ok' ? 'ok' : status.condition.toLowerCase().replace(/_/g, '-'),
    alertRules: status.rulesFrom,
    alertsLastEvaluation: status.lastEvaluationAt === null ? 'never' : new Date(status.lastEvaluationAt).toISOString(),
  };
}

function withAlerting(readiness: Readiness, history: RunningHistory | null, alerting: RunningAlerting | null): Readiness {
  return { ...readiness, components: { ...readiness.components, ...alertingComponents(history, alerting) } };
}

/** `sharedState`: `redis` or `local-fallback`, only with `REDIS_URL`. */
function withSharedState(readiness: Readiness, shared: SharedState | null): Readiness {
  if (shared === null) return readiness;
  return { ...readiness, components: { ...readiness.components, sharedState: shared.up ? 'redis' : 'local-fallback' } };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
