import { useApolloInlineTrace } from '@graphql-yoga/plugin-apollo-inline-trace';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { createYoga, type GraphiQLOptions, type YogaServerInstance } from 'graphql-yoga';
import { createContext, type GatewayContext } from './context.js';
import { DEFAULT_MAX_VENDOR_CALLS_PER_OPERATION, useDemandControl } from './edge/demand-control.js';
import { corsFor, corsOriginRule, useCsrfPrevention, useHostCheck } from './edge/browser-rules.js';
import { createCallerRateLimit } from './edge/caller-rate-limit.js';
import { useRootIndex } from './edge/root-index.js';
import { createDashboard, DASHBOARD_PATH } from './edge/dashboard-assets.js';
import { createCacheControl } from './edge/cache-control.js';
import type { CallerWindows } from './edge/caller-windows.js';
import { useIntrospectionPolicy } from './edge/exposure.js';
import { DEFAULT_OPERATION_LIMITS, operationLimitPlugins, type OperationLimitOptions } from './edge/operation-limits.js';
import { createPersistedOperations, type PersistedOperationsOptions } from './edge/persisted-operations.js';
import type { Authenticator } from './edge/identity/authenticator.js';
import { useIdentity } from './edge/identity-plugin.js';
import { useCompiledExecution } from './execution/compiled-execution.js';
import { incrementalDeliveryPlugins } from './execution/incremental-delivery.js';
import type { PartnerLedger } from './ledger/index.js';
import type { AlertingReadModel } from './monitoring/alerts/alert-types.js';
import { StreamGate } from './common/stream-gate.js';
import { DAY_MS, type HistoryStore } from './monitoring/history-types.js';
import { DEFAULT_MAX_POINTS } from './usage/downsample.js';
import { DEFAULT_RETENTION_MS } from './usage/retention.js';
import { useAccessLog } from './observability/access-log.js';
import type { Logger } from './common/logger.js';
import { METRICS_PATH, type GatewayMetrics } from './observability/metrics.js';
import { useGraphqlMetrics, useMetricsEndpoint } from './observability/metrics-plugins.js';
import { usePhaseMarks } from './observability/phase-plugin.js';
import { useTracing } from './observability/tracing-plugin.js';
import { installOpenTelemetrySpans } from './observability/tracer.js';
import type { ProviderRegistry } from './providers/registry.js';
import { createResponseCache, scopePartition, TRACE_HEADER } from './edge/response-cache.js';
import { useSubscriptionDeadlineExemption } from './edge/request-deadline.js';
import { createHotPath, type HotPath } from './edge/hot-path.js';
import { createErrorMask, errorLogLevel, type ErrorLogLevel } from './schema/errors.js';
import type { ResponseStore } from './edge/response-store.js';
import { GRAPHIQL_DEFAULT_QUERY } from './schema/graphiql-query.js';
import { buildSchema } from './schema/index.js';

/** What a gateway is built from; no port, so tests drive it with `yoga.fetch`. */
export interface GatewayDeps {
  registry: ProviderRegistry;
  logger: Logger;
  /** Serve GraphiQL on GET /graphql from a browser. Default true. */
  graphiql?: boolean;
  /** The built dashboard (`dist/dashboard`), served under `/dashboard/`; null serves none. Default null. */
  dashboardDir?: string | null;
  /** The partner usage ledger behind `partnerUser(s)` and `partnerLedger`. Default: none. */
  ledger?: PartnerLedger | null;
  /**
   * The sampled usage history behind `history` and `forecast` on quotas and period counters.
   * Default: none, history off (`history` answers an empty list, `forecast` null).
   */
  history?: HistoryStore | null;
  /** `HISTORY_RETENTION_DAYS`: how long `history` keeps samples, the longest range one answer may span. Default 400. */
  historyRetentionDays?: number;
  /** `HISTORY_DEFAULT_POINTS`: the most points a `history` without a resolution is downsampled to. Default 1000. */
  historyDefaultPoints?: number;
  /**
   * Threshold alerting behind `alertRules`, `firingAlerts`, `alertEvents`, `webhookEndpoints`,
   * `sendTestAlert` and the `alertEvents` subscription. Default: none, alerting off (the queries
   * answer empty, the subscription and the mutation ALERTING_OFF).
   */
  alerting?: AlertingReadModel | null;
  /**
   * Admission of subscriptions (`SUBSCRIPTIONS_MAX_PER_CALLER`, `SUBSCRIPTIONS_MAX_TOTAL`); the
   * server closes it on shutdown, which ends every stream. Default: a gate with the default limits
   * (10 per caller, 1000 in all).
   */
  streams?: StreamGate;
  /** Milliseconds since the epoch for history ranges and forecasts. Default `Date.now`; tests pass a fixed clock. */
  now?: () => number;
  /** The subgraph schema; built from `buildSchema` (host user type `User`, key `id`) when omitted. */
  schema?: GraphQLSchema;
  /**
   * How long a whole answer is reused for identical requests, ms (see `useResponseCache`). Default
   * 0, off; `startGateway` passes `RESPONSE_CACHE_TTL_MS` as the configuration resolved it.
   */
  responseCacheTtlMs?: number;
  /** Who may ask (JWT, API keys). Default: none, every caller anonymous with every scope. */
  authenticator?: Authenticator | null;
  /** Answer introspection, with "Did you mean" suggestions. Default true; `startGateway` passes `INTROSPECTION`. */
  introspection?: boolean;
  /** Most vendor calls one operation may be estimated to cause (see `useDemandControl`). Default 10; `startGateway` passes `MAX_VENDOR_CALLS_PER_OPERATION`. */
  maxVendorCallsPerOperation?: number;
  /** Browser rules and request limits; each part defaults as {@link EdgeOptions} says. */
  edge?: EdgeOptions;
  /** Where GraphQL operations and rate-limit refusals are counted. Default: none, no metrics. */
  metrics?: GatewayMetrics | null;
  /** Serve `metrics` on GET /metrics of this gateway. Default true; false when `METRICS_PORT` serves them. */
  metricsEndpoint?: boolean;
  /** Where whole answers are kept (a shared store with `REDIS_URL`). Default: this process's memory. */
  responseStore?: ResponseStore;
  /** Mark the engine's phases of each request for `withPhaseRecording` (`PHASE_TIMING`). Default false. */
  phaseMarks?: boolean;
  /** Run `partnerUsage` and `_entities` operations with graphql-jit (see `useCompiledExecution`). Default true; `startGateway` passes `GRAPHQL_JIT`. */
  jit?: boolean;
}

/** The HTTP edge's rules; `startGateway` passes the configuration's (`src/config/edge.ts`). */
export interface EdgeOptions {
  /** Origins allowed cross-origin access. Default none: no CORS headers at all. */
  corsOrigins?: readonly string[];
  /** Let those origins send credentials. Default false. */
  corsCredentials?: boolean;
  /** Which `Host` values are answered (see `hostRule`). Default: any (tests call `yoga.fetch`). */
  allowsHost?: ((host: string) => boolean) | null;
  /** GraphQL Armor's limits. Default: the configuration's defaults. */
  operationLimits?: OperationLimitOptions;
  /** Requests per caller per minute; 0 is off. Default 0 (`startGateway` passes 600 unless configured). */
  callerRateLimitPerMinute?: number;
  /** Where the caller rate limit counts (a shared store with `REDIS_URL`). Default: this process's memory. */
  callerWindows?: CallerWindows;
  /** APQ and trusted documents (`introspection` is the gateway's own). Default: `allow`, APQ on, no manifest. */
  persistedOperations?: Omit<PersistedOperationsOptions, 'introspection'>;
}


/**
 * GraphiQL's corner logo, as a link to the dashboard: the one place yoga's GraphiQL takes markup
 * (no script, so nothing a policy would refuse). A bar chart, labelled for screen readers.
 */
const DASHBOARD_LOGO_LINK = `<a href="${DASHBOARD_PATH}" title="Open the usage dashboard" aria-label="Open the usage dashboard"><svg width="28" height="28" viewBox="0 0 24 24" aria-hidden="true" fill="currentColor"><rect x="3" y="12" width="4" height="9" rx="1"/><rect x="10" y="7" width="4" height="14" rx="1"/><rect x="17" y="3" width="4" height="18" rx="1"/></svg></a>`;

/**
 * `defaultQuery` only seeds new tabs; yoga's GraphiQL opens its first tab on `query` (its welcome
 * text unless given), which its option type does not declare, so both are set. With a dashboard,
 * the logo links to it.
 */
function graphiqlOptions(dashboard: boolean): GraphiQLOptions {
  return Object.assign(
    { title: 'Usage gateway', defaultQuery: GRAPHIQL_DEFAULT_QUERY },
    { query: GRAPHIQL_DEFAULT_QUERY },
    dashboard ? { logo: DASHBOARD_LOGO_LINK } : {},
  );
}

const GRAPHQL_ENDPOINT = '/graphql';
const DEFAULT_HISTORY_RETENTION_DAYS = DEFAULT_RETENTION_MS / DAY_MS;

export type Gateway = YogaServerInstance<Record<string, unknown>, GatewayContext>;

/** A gateway as `startGateway` serves it: the engine, and the hot path in front of it for cached answers. */
export interface BuiltGateway {
  yoga: Gateway;
  /** Answers cache hits in node:http with the engine's rules (see `createHotPath`); wraps the handler that serves `yoga`. */
  hotPath: HotPath;
  /** Where the dashboard is served (`/dashboard/`); null when it is off or not built. */
  dashboardPath: string | null;
}

/** The GraphQL engine with every edge rule; tests drive it with `yoga.fetch`. */
export function createGateway(deps: GatewayDeps): Gateway {
  return buildGateway(deps).yoga;
}

/** {@link createGateway}, with the hot path that shares its rules. */
export function buildGateway({
  registry,
  logger,
  graphiql = true,
  dashboardDir = null,
  ledger = null,
  history = null,
  alerting = null,
  streams = new StreamGate(),
  historyRetentionDays = DEFAULT_HISTORY_RETENTION_DAYS,
  historyDefaultPoints = DEFAULT_MAX_POINTS,
  now = Date.now,
  schema = buildSchema(),
  responseCacheTtlMs = 0,
  authenticator = null,
  introspection = true,
  maxVendorCallsPerOperation = DEFAULT_MAX_VENDOR_CALLS_PER_OPERATION,
  edge = {},
  metrics = null,
  metricsEndpoint = true,
  responseStore,
  phaseMarks = false,
  jit = true,
}: GatewayDeps): BuiltGateway {
  // The vendor calls below report their spans through common's facade: this names where they go.
  installOpenTelemetrySpans();
  const maskError = createErrorMask(logger);
  const identity = useIdentity({ authenticator, logger, graphqlEndpoint: GRAPHQL_ENDPOINT });
  const historyReading = history === null ? null : { store: history, retentionMs: historyRetentionDays * DAY_MS, defaultPoints: historyDefaultPoints, now };
  const cacheControl = createCacheControl({ graphqlEndpoint: GRAPHQL_ENDPOINT, authenticated: authenticator !== null });
  const callerRateLimit = createCallerRateLimit({
    perMinute: edge.callerRateLimitPerMinute ?? 0,
    callerOf: identity.callerOf,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    ...(metrics === null ? {} : { onRefused: (caller) => metrics.callerRefused(caller) }),
    ...(edge.callerWindows === undefined ? {} : { windows: edge.callerWindows }),
  });
  const persistedOperations = createPersistedOperations({ ...edge.persistedOperations, introspection });
  const countHit = (operationName: string | undefined) => metrics?.responseCacheHit(operationName);
  const responseCache = createResponseCache({
    ttlMs: responseCacheTtlMs,
    // What an answer holds depends on the caller's scopes, so callers share answers only with equal scopes.
    partitionOf: (request) => scopePartition(identity.callerOf(request)),
    onHit: (request, remainingMs, operationName) => {
      cacheControl.servedFromCache(request, remainingMs);
      countHit(operationName);
    },
    ...(responseStore === undefined ? {} : { store: responseStore }),
  });
  const hotPath = createHotPath({
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    allowsHost: edge.allowsHost ?? null,
    corsOrigin: corsOriginRule(edge.corsOrigins ?? []),
    authenticator,
    callerRateLimit,
    responseCache,
    persistedOperations,
    cacheControl,
    logger,
    onHit: countHit,
  });
  const dashboard = createDashboard({ dir: dashboardDir, logger });
  const dashboardPath = dashboard.served ? DASHBOARD_PATH : null;
  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    context: ({ request }) => createContext(registry, logger, ledger, identity.callerOf(request), historyReading, alerting, streams),
    maskedErrors: { maskError },
    // Never a reflection of an unlisted origin (yoga's default would reflect any).
    cors: corsFor(edge.corsOrigins ?? [], edge.corsCredentials ?? false),
    plugins: [
      // Outermost, so that a refused request is traced too and every later plugin runs in its span.
      useTracing({ graphqlEndpoint: GRAPHQL_ENDPOINT }),
      // Cache-Control and Vary of every GraphQL answer, refusals too; before the access log, which copies a streamed answer's headers.
      cacheControl.plugin,
      // Before everything that can answer a request: each answer, refusals too, gets its id and access line.
      useAccessLog({ logger, callerOf: identity.callerOf }),
      // First the Host (DNS rebinding), then who asks: nothing below runs for a refused request.
      useHostCheck(edge.allowsHost ?? null),
      // Before identity: a scraper carries no credential.
      ...(metrics !== null && metricsEndpoint ? [useMetricsEndpoint(metrics)] : []),
      // A person at the bare address: sent to the dashboard or GraphiQL, or shown where things are. After the Host check.
      useRootIndex({ graphqlPath: GRAPHQL_ENDPOINT, graphiql, dashboardPath, metricsPath: metrics !== null && metricsEndpoint ? METRICS_PATH : null, readyPath: '/ready', livePath: '/health' }),
      // The dashboard's files hold no data (the data comes through /graphql): before identity.
      dashboard.plugin,
      identity.plugin,
      callerRateLimit.plugin,
      ...(metrics === null ? [] : [useGraphqlMetrics(metrics)]),
      useCsrfPrevention(),
      // Before the response cache, which keys on the document it resolves from an id.
      ...persistedOperations.plugins,
      useIntrospectionPolicy(introspection),
      useDemandControl({ callerOf: identity.callerOf, maxVendorCallsPerOperation }),
      // A subscription stays open for as long as its caller listens: GATEWAY_REQUEST_TIMEOUT_MS is for answers.
      useSubscriptionDeadlineExemption(),
      // graphql-js's executor keeps response keys in the order the query asked for them (yoga's
      // default one orders them by which resolver finished first, so GraphiQL shuffles fields);
      // only operations with `@defer`/`@stream`, which graphql-js cannot run, get yoga's.
      // (yoga's own engine adds graphql-js's specified rules; adding them here too doubles every validation error)
      ...incrementalDeliveryPlugins({ maskError }),
      // After that engine, which it replaces for the long lists only (see `runsCompiled`).
      ...(jit ? [useCompiledExecution()] : []),
      // After the engine, so that the token limit's parser replaces graphql-js's own.
      ...operationLimitPlugins(edge.operationLimits ?? DEFAULT_OPERATION_LIMITS),
      // Federation gateways ask for inline traces with `apollo-federation-include-trace: ftv1`; the
      // trace carries errors too, so they get the same mask as the response.
      // Traces show timings and errors of every field: operators only.
      useApolloInlineTrace({
        rewriteError: (error) => toGraphQLError(maskError(error)),
        // Replaces the plugin's own test, so it repeats it: trace only when the router asks.
        ignoreRequest: (request) => request.headers.get(TRACE_HEADER) !== 'ftv1' || !identity.callerOf(request).scopes.has('ops:read'),
      }),
      responseCache.plugin,
      ...(phaseMarks ? [usePhaseMarks()] : []),
    ],
    graphiql: graphiql ? graphiqlOptions(dashboard.served) : false,
    // GraphiQL's scripts served by the gateway itself, not from a CDN, so it works offline. The
    // bundle is megabytes of script: loaded on the first page view, not at start.
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    landingPage: false,
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      // yoga logs every error its mask changed here; a client's mistake is not the operator's.
      error: (...args) => logger[loudest(args.map(errorLogLevel))](args.map(String).join(' ')),
    },
  });
  return { yoga, hotPath, dashboardPath };
}

const LEVELS: readonly ErrorLogLevel[] = ['info', 'warn', 'error'];

function loudest(levels: readonly ErrorLogLevel[]): ErrorLogLevel {
  return levels.length === 0 ? 'error' : LEVELS[Math.max(...levels.map((level) => LEVELS.indexOf(level)))]!;
}

function toGraphQLError(error: Error): GraphQLError {
  return error instanceof GraphQLError ? error : new GraphQLError(error.message);
}
