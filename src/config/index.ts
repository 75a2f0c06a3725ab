import { z } from 'zod';
import { readAlertsConfig, type AlertsConfig } from './alerts.js';
import { readAuthConfig, type AuthConfig, type ExposureConfig } from './auth.js';
import { readDashboardConfig, type DashboardConfig } from './dashboard.js';
import { readEdgeConfig, type EdgeConfig } from './edge.js';
import { readHistoryConfig, type HistoryConfig } from './history.js';
import { LEDGER_DATABASE_SECRET_VARIABLES, readLedgerDatabaseConfig, type LedgerDatabaseConfig } from './ledger-database.js';
import { readPersistedOperationsConfig, type PersistedOperationsConfig } from './persisted-operations.js';
import { readSharedStateConfig, SHARED_STATE_SECRET_VARIABLES, type SharedStateConfig } from './shared-state.js';
import { integerIn, optionalFlag, optionalIntegerIn } from '../common/env-values.js';
import { EnvironmentReader } from './environment-reader.js';
import { readTracingConfig, type TracingConfig } from './tracing.js';
import { checkUpstreamFits, readUpstreamConfig, type UpstreamConfig } from './upstream-policies.js';
import { credentialVariables, readVendorCatalogue, type VendorConfig } from './vendor-catalogue.js';
import { GRAPHQL_NAME } from '../common/graphql-name.js';
import type { LogLevel } from '../common/logger.js';
import type { LogFormatSetting } from '../common/pretty-log.js';
import type { AnyVendorModule } from '../providers/vendor-module.js';
import { VENDORS } from '../providers/vendors.js';
import type { ProviderId } from '../usage/model.js';

export { ConfigError } from './environment-reader.js';
export type { AlertsConfig } from './alerts.js';
export type { AuthConfig, ExposureConfig } from './auth.js';
export type { DashboardConfig } from './dashboard.js';
export type { EdgeConfig, OperationLimits } from './edge.js';
export type { HistoryConfig } from './history.js';
export type { LedgerDatabaseConfig } from './ledger-database.js';
export type { PersistedOperationsConfig } from './persisted-operations.js';
export type { SharedStateConfig } from './shared-state.js';
export type { TracingConfig } from './tracing.js';
export type { UpstreamConfig } from './upstream-policies.js';
export type { VendorConfig } from './vendor-catalogue.js';

export interface GatewayConfig {
  /** TCP port to listen on. `PORT`, default 4000. */
  port: number;
  /** Interface to bind. `HOST`, default 127.0.0.1 (loopback: expose deliberately). */
  host: string;
  /**
   * Port of a listener of its own for GET /metrics, on `HOST`; the public port then answers no
   * /metrics. `METRICS_PORT` (0 to 65535, 0: any free port); default null, /metrics on `PORT`.
   */
  metricsPort: number | null;
  /**
   * Demo mode: start the built-in simulators and point every vendor at them. On when
   * `GATEWAY_DEMO=1`, or when no vendor credential is set and `GATEWAY_DEMO` is not `0`.
   */
  demo: boolean;
  /** Lowest log level written to stderr. `LOG_LEVEL`, default `info`. */
  logLevel: LogLevel;
  /**
   * How log lines are written: `json` (one object a line, for a log shipper), `pretty` (readable
   * lines and a start banner, for a person) or `auto` (pretty exactly when stderr is a terminal).
   * `LOG_FORMAT`, default `auto`.
   */
  logFormat: LogFormatSetting;
  /**
   * Log one `request phases` line per request with the timestamps of its phases (a diagnosis for
   * the benchmark, see `withPhaseRecording`). `PHASE_TIMING=1`; default false, and then free.
   */
  phaseTiming: boolean;
  /** Vendors with a credential, keyed by provider. Empty in demo mode (the simulators fill it). */
  vendors: Record<ProviderId, VendorConfig>;
  /** Each vendor's own variables (e.g. `ARRAYS_START_CURSOR`), parsed, by vendor id. */
  vendorSettings: Record<ProviderId, Record<string, unknown>>;
  /** Upstream resilience and economy: one policy per vendor, and the shared cache's bounds. */
  upstream: UpstreamConfig;
  /** Directory of the files the gateway keeps (the partner ledger's). `DATA_DIR`, default `./data`. */
  dataDir: string;
  /** How the host graph names the user entity this subgraph adds `partnerUsage` to. */
  federation: FederationConfig;
  /**
   * How long a whole answer is reused for identical requests, ms; 0 is off. `RESPONSE_CACHE_TTL_MS`
   * (0 to 1000), default 1000, lowered to the shortest vendor cache TTL: with a vendor's cache off,
   * so is this one, and no answer is ever more than this much older than its vendor data allows.
   */
  responseCacheTtlMs: number;
  /** Who may ask: JWT bearer tokens, API keys, or nobody checked (demo mode, `AUTH_DISABLED=1`). */
  auth: AuthConfig;
  /** GraphiQL and introspection. */
  exposure: ExposureConfig;
  /**
   * Most distinct vendor calls one operation may be estimated to cause before it runs; above it the
   * operation is refused (OPERATION_TOO_EXPENSIVE). `MAX_VENDOR_CALLS_PER_OPERATION` (1 to 1000), default 10.
   */
  maxVendorCallsPerOperation: number;
  /**
   * Run operations over `partnerUsage` or `_entities` with graphql-jit, compiled once per document
   * (`@defer`/`@stream` keep graphql-js's engine). `GRAPHQL_JIT` (`1`/`0`), default on.
   */
  graphqlJit: boolean;
  /**
   * Answer response-cache hits in node:http before the GraphQL engine, with the same edge rules
   * (see `createHotPath`). `HOT_PATH` (`1`/`0`), default on; off with tracing on, whose request
   * spans the engine makes.
   */
  hotPath: boolean;
  /** The dashboard under `/dashboard/` (`DASHBOARD`, `DASHBOARD_DIR`). */
  dashboard: DashboardConfig;
  /** Browser rules (CORS, Host) and the limits of one request. */
  edge: EdgeConfig;
  /**
   * How long a shutdown (SIGTERM, SIGINT) waits for requests in flight before closing their
   * connections, ms. `SHUTDOWN_GRACE_MS` (0 to 300000), default 10000.
   */
  shutdownGraceMs: number;
  /** OpenTelemetry tracing (`OTEL_*`); off unless an OTLP endpoint is set. */
  tracing: TracingConfig;
  /** APQ and trusted documents (`PERSISTED_OPERATIONS`, `PERSISTED_OPERATIONS_FILE`, `APQ_*`). */
  persistedOperations: PersistedOperationsConfig;
  /**
   * The shared PostgreSQL ledger (`DATABASE_URL`, `LEDGER_LEADER_TAKEOVER_SECONDS`); null without
   * `DATABASE_URL`: the embedded file ledger in `dataDir`.
   */
  ledgerDatabase: LedgerDatabaseConfig | null;
  /** Scale-out (`REDIS_URL`, `GATEWAY_INSTANCES`, `REDIS_*`); without `REDIS_URL` nothing is shared. */
  sharedState: SharedStateConfig;
  /** Usage history (`HISTORY`, `HISTORY_RETENTION_DAYS`, `HISTORY_SAMPLE_INTERVAL_SECONDS`). */
  history: HistoryConfig;
  /** Threshold alerting (`ALERT_RULES`); it runs whenever the usage history does. */
  alerts: AlertsConfig;
}

/** The host graph's user entity, whose key value is the partner's `sub`. */
export interface FederationConfig {
  /** `FEDERATION_USER_TYPE`, default `User`. */
  typeName: string;
  /** `FEDERATION_USER_KEY`, default `id`. */
  keyField: string;
  /**
   * `FEDERATION_AUTH_DIRECTIVES`, default `1`: the subgraph SDL carries `@authenticated` and
   * `@requiresScopes`. `0` for routers that refuse them (`@apollo/gateway`).
   */
  authDirectives: boolean;
}


const graphqlName = (fallback: string) =>
  z
    .string()
    .trim()
    .regex(GRAPHQL_NAME, 'expected a GraphQL name (letters, digits, underscores; not starting with a digit)')
    .refine((value) => !value.startsWith('__'), 'must not start with __ (reserved by GraphQL)')
    .optional()
    .transform((value) => value ?? fallback);

const text = (fallback: string, expected: string) =>
  z.string().trim().min(1, expected).optional().transform((value) => value ?? fallback);

const logLevel = z
  .enum(['debug', 'info', 'warn', 'error', 'silent'], { message: 'expected debug, info, warn, error or silent' })
  .optional()
  .transform((value) => value ?? 'info');

const logFormat = z
  .enum(['json', 'pretty', 'auto'], { message: 'expected json, pretty or auto (pretty when stderr is a terminal)' })
  .optional()
  .transform((value) => value ?? 'auto');

/**
 * Reads the gateway's configuration from an environment, for the vendors of `vendors` (default
 * `VENDORS`). Empty strings count as unset. Throws a ConfigError that lists every bad variable
 * with what it expects; a credential's value is never quoted, other values are. Values out of
 * their range are reported before any check across variables.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, vendors: readonly AnyVendorModule[] = VENDORS): GatewayConfig {
  const reader = new EnvironmentReader(env, new Set([...credentialVariables(vendors), ...LEDGER_DATABASE_SECRET_VARIABLES, ...SHARED_STATE_SECRET_VARIABLES]));
  const port = reader.read('PORT', integerIn(0, 65_535, 4000));
  const host = reader.read('HOST', text('127.0.0.1', 'expected a host name or IP address'));
  const metricsPort = reader.read('METRICS_PORT', optionalIntegerIn(0, 65_535)) ?? null;
  const level = reader.read('LOG_LEVEL', logLevel);
  const format = reader.read('LOG_FORMAT', logFormat);
  const demoFlag = reader.read('GATEWAY_DEMO', optionalFlag);
  const phaseTiming = reader.read('PHASE_TIMING', optionalFlag) ?? false;
  const dataDir = reader.read('DATA_DIR', text('./data', 'expected a directory'));
  const federation = {
    typeName: reader.read('FEDERATION_USER_TYPE', graphqlName('User')),
    keyField: reader.read('FEDERATION_USER_KEY', graphqlName('id')),
    authDirectives: reader.read('FEDERATION_AUTH_DIRECTIVES', optionalFlag) ?? true,
  };
  const responseCacheTtlMs = reader.read('RESPONSE_CACHE_TTL_MS', integerIn(0, 1000, 1000));
  const maxVendorCallsPerOperation = reader.read('MAX_VENDOR_CALLS_PER_OPERATION', integerIn(1, 1000, 10));
  const graphqlJit = reader.read('GRAPHQL_JIT', optionalFlag) ?? true;
  const hotPath = reader.read('HOT_PATH', optionalFlag) ?? true;
  const dashboard = readDashboardConfig(reader);
  const shutdownGraceMs = reader.read('SHUTDOWN_GRACE_MS', integerIn(0, 300_000, 10_000));
  const catalogue = readVendorCatalogue(reader, vendors);
  const demo = demoFlag ?? Object.keys(catalogue.configured).length === 0;
  const upstream = readUpstreamConfig(reader, vendors, catalogue, demo);
  const credentialsSet = vendors.filter((vendor) => catalogue.configured[vendor.id] !== undefined).map((vendor) => vendor.env.credential);
  const { auth, exposure } = readAuthConfig(reader, demo, demo ? [] : credentialsSet);
  const edge = readEdgeConfig(reader);
  const tracing = readTracingConfig(reader);
  const persistedOperations = readPersistedOperationsConfig(reader);
  const ledgerDatabase = readLedgerDatabaseConfig(reader);
  const sharedState = readSharedStateConfig(reader);
  // Sampled are the vendors that will be read: the configured ones, or in demo mode every simulator.
  const history = readHistoryConfig(reader, demo ? vendors : vendors.filter((vendor) => catalogue.configured[vendor.id] !== undefined), demo);
  const alerts = readAlertsConfig(reader);
  reader.throwIfProblems();
  checkUpstreamFits(reader, upstream, catalogue);
  reader.throwIfProblems();
  return {
    port,
    host,
    metricsPort,
    logLevel: level,
    logFormat: format,
    phaseTiming,
    demo,
    vendors: demo ? {} : catalogue.configured,
    vendorSettings: catalogue.settings,
    upstream,
    dataDir,
    federation,
    responseCacheTtlMs: Math.min(responseCacheTtlMs, ...Object.values(upstream.policies).map((policy) => policy.cacheTtlMs)),
    auth,
    exposure,
    maxVendorCallsPerOperation,
    graphqlJit,
    hotPath,
    dashboard,
    edge,
    shutdownGraceMs,
    tracing,
    persistedOperations,
    ledgerDatabase,
    sharedState,
    history,
    alerts,
  };
}
