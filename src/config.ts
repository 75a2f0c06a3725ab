import { z } from 'zod';
import { CURSOR_PATTERN } from './providers/arrays/stream.js';
import { GRAPHQL_NAME } from './graphql-name.js';
import type { LogLevel } from './logger.js';
import { DEFAULT_POLICY, type VendorPolicy } from './upstream/policy.js';
import { PROVIDER_IDS, type ProviderId } from './usage/model.js';

/** Where each vendor lives and how to authenticate; enabled when its credential is set. */
export interface VendorConfig {
  baseUrl: string;
  credential: string;
}

export interface GatewayConfig {
  /** TCP port to listen on. `PORT`, default 4000. */
  port: number;
  /** Interface to bind. `HOST`, default 127.0.0.1 (loopback: expose deliberately). */
  host: string;
  /** Whole-call deadline for every vendor request, ms. `UPSTREAM_TIMEOUT_MS`, default 8000. */
  upstreamTimeoutMs: number;
  /**
   * Demo mode: start the built-in simulators and point every vendor at them. On when
   * `GATEWAY_DEMO=1`, or when no vendor credential is set and `GATEWAY_DEMO` is not `0`.
   */
  demo: boolean;
  /** Lowest log level written to stderr. `LOG_LEVEL`, default `info`. */
  logLevel: LogLevel;
  /** Vendors with a credential, keyed by provider. Empty in demo mode (the simulators fill it). */
  vendors: Partial<Record<ProviderId, VendorConfig>>;
  /** Upstream resilience and economy: one policy per vendor, and the shared cache's bounds. */
  upstream: UpstreamConfig;
  /** The partner usage ledger that follows the Arrays stream (when Arrays is enabled). */
  ledger: LedgerConfig;
  /** How the host graph names the user entity this subgraph adds `partnerUsage` to. */
  federation: FederationConfig;
  /**
   * How long a whole answer is reused for identical requests, ms; 0 is off. `RESPONSE_CACHE_TTL_MS`
   * (0 to 1000), default 1000, lowered to the shortest vendor cache TTL: with a vendor's cache off,
   * so is this one, and no answer is ever more than this much older than its vendor data allows.
   */
  responseCacheTtlMs: number;
}

/** The host graph's user entity, whose key value is the partner's `sub`. */
export interface FederationConfig {
  /** `FEDERATION_USER_TYPE`, default `User`. */
  typeName: string;
  /** `FEDERATION_USER_KEY`, default `id`. */
  keyField: string;
}

/** Where the partner usage ledger starts, how often it polls, where it keeps its files. */
export interface LedgerConfig {
  /** Cursor a new ledger starts after. `ARRAYS_START_CURSOR`, default `0` (the beginning of the stream). */
  startCursor: string;
  /** Wait between polls once the head of the stream is reached, ms. `ARRAYS_POLL_INTERVAL_MS`, default 15000. */
  pollIntervalMs: number;
  /** Directory of the ledger's journal, snapshot and lock. `DATA_DIR`, default `./data`. */
  dataDir: string;
}

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

/** Raised when the environment holds invalid values; `problems` lists every one of them. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/** Per-vendor variable names and the production base URLs from CONTRACTS.md (Anylayer has none). */
export const VENDOR_ENV: Record<ProviderId, { baseUrl: string; credential: string; defaultBaseUrl: string | null }> = {
  ARRAYS: { baseUrl: 'ARRAYS_BASE_URL', credential: 'ARRAYS_SERVICE_TOKEN', defaultBaseUrl: 'https://data-tools.prd.arrays.org/api' },
  ANYLAYER: { baseUrl: 'ANYLAYER_BASE_URL', credential: 'ANYLAYER_API_KEY', defaultBaseUrl: null },
  SHARPE: { baseUrl: 'SHARPE_BASE_URL', credential: 'SHARPE_API_KEY', defaultBaseUrl: 'https://www.sharpe.ai/api' },
  FARADAY: { baseUrl: 'FARADAY_BASE_URL', credential: 'FARADAY_API_KEY', defaultBaseUrl: 'https://api.faraday.ai' },
};

/** Credentials shorter than this are refused: they are typos, and redaction of them is unsafe. */
const MIN_CREDENTIAL_LENGTH = 8;

const optionalIntegerIn = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `expected a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((value) => value >= min && value <= max, `expected a whole number from ${min} to ${max}`)
    .optional();

const integerIn = (min: number, max: number, fallback: number) =>
  optionalIntegerIn(min, max).transform((value) => value ?? fallback);

/**
 * Requests per minute each vendor's usage endpoint is sent at most. Anylayer documents 60 on its
 * free tier. Sharpe documents none for the endpoint; its own example's lowest figure (free plan,
 * 30 rpm) is the safe start, and the effective limit it reports in every answer lowers it
 * further. Arrays and Faraday document none: 60, a conservative guess to raise by configuration.
 */
export const DEFAULT_RATE_LIMITS: Record<ProviderId, number> = { ARRAYS: 60, ANYLAYER: 60, SHARPE: 30, FARADAY: 60 };

/**
 * In demo mode the vendors are our simulators, so the budgets default to what they allow (the
 * Sharpe simulator enforces 600 a minute; the others enforce none): the demo ledger then catches
 * up in seconds instead of minutes. `<VENDOR>_RATE_LIMIT_PER_MINUTE` still overrides.
 */
export const DEMO_RATE_LIMITS: Record<ProviderId, number> = { ARRAYS: 600, ANYLAYER: 600, SHARPE: 600, FARADAY: 600 };

/** Per-vendor settings: `<VENDOR>_<suffix>`, falling back to the `UPSTREAM_<suffix>` default. */
const VENDOR_SETTINGS = {
  CONNECT_TIMEOUT_MS: [10, 60_000],
  HEADERS_TIMEOUT_MS: [100, 120_000],
  TIMEOUT_MS: [100, 120_000],
  RATE_LIMIT_PER_MINUTE: [1, 100_000],
  CACHE_TTL_SECONDS: [0, 86_400],
} as const satisfies Record<string, readonly [number, number]>;

const vendorVariable = (id: ProviderId, suffix: keyof typeof VENDOR_SETTINGS) => `${id}_${suffix}`;

const upstreamVariables = {
  UPSTREAM_CONNECT_TIMEOUT_MS: integerIn(10, 60_000, DEFAULT_POLICY.connectTimeoutMs),
  UPSTREAM_HEADERS_TIMEOUT_MS: integerIn(100, 120_000, DEFAULT_POLICY.headersTimeoutMs),
  UPSTREAM_MAX_RETRIES: integerIn(0, 5, DEFAULT_POLICY.maxRetries),
  UPSTREAM_RETRY_BASE_DELAY_MS: integerIn(1, 10_000, DEFAULT_POLICY.retryBaseDelayMs),
  UPSTREAM_RETRY_MAX_DELAY_MS: integerIn(1, 60_000, DEFAULT_POLICY.retryMaxDelayMs),
  UPSTREAM_RETRY_BUDGET_PERCENT: integerIn(0, 100, DEFAULT_POLICY.retryBudgetRatio * 100),
  UPSTREAM_BREAKER_FAILURE_PERCENT: integerIn(1, 100, DEFAULT_POLICY.breaker.failureRateThreshold * 100),
  UPSTREAM_BREAKER_MIN_CALLS: integerIn(1, 100_000, DEFAULT_POLICY.breaker.minimumCalls),
  UPSTREAM_BREAKER_WINDOW_MS: integerIn(100, 600_000, DEFAULT_POLICY.breaker.windowMs),
  UPSTREAM_BREAKER_OPEN_MS: integerIn(100, 3_600_000, DEFAULT_POLICY.breaker.openMs),
  UPSTREAM_CACHE_TTL_SECONDS: integerIn(0, 86_400, DEFAULT_POLICY.cacheTtlMs / 1000),
  STALE_IF_ERROR_SECONDS: integerIn(0, 604_800, DEFAULT_POLICY.staleIfErrorMs / 1000),
  UPSTREAM_CACHE_MAX_ENTRIES: integerIn(0, 1_000_000, 1000),
  UPSTREAM_CACHE_MAX_BYTES: integerIn(0, 4 * 1024 ** 3, 64 * 1024 ** 2),
  GATEWAY_REQUEST_TIMEOUT_MS: integerIn(1000, 600_000, 10_000),
  ...Object.fromEntries(
    PROVIDER_IDS.flatMap((id) =>
      Object.entries(VENDOR_SETTINGS).map(([suffix, [min, max]]) => [
        vendorVariable(id, suffix as keyof typeof VENDOR_SETTINGS),
        optionalIntegerIn(min, max),
      ]),
    ),
  ),
};

const baseUrl = z
  .string()
  .trim()
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'expected an http(s) URL')
  .refine((value) => !URL.canParse(value) || new URL(value).username === '', 'must not embed credentials; use the credential variable')
  .optional();

const credential = z
  .string()
  .trim()
  .min(MIN_CREDENTIAL_LENGTH, `expected a credential of at least ${MIN_CREDENTIAL_LENGTH} characters`)
  .refine((value) => !/\s/.test(value), 'must not contain whitespace')
  .optional();

const graphqlName = (fallback: string) =>
  z
    .string()
    .trim()
    .regex(GRAPHQL_NAME, 'expected a GraphQL name (letters, digits, underscores; not starting with a digit)')
    .refine((value) => !value.startsWith('__'), 'must not start with __ (reserved by GraphQL)')
    .optional()
    .transform((value) => value ?? fallback);

const envSchema = z.object({
  PORT: integerIn(0, 65_535, 4000),
  HOST: z.string().trim().min(1, 'expected a host name or IP address').optional().transform((value) => value ?? '127.0.0.1'),
  UPSTREAM_TIMEOUT_MS: integerIn(100, 120_000, 8000),
  ...upstreamVariables,
  LOG_LEVEL: z
    .enum(['debug', 'info', 'warn', 'error', 'silent'], { message: 'expected debug, info, warn, error or silent' })
    .optional()
    .transform((value) => value ?? 'info'),
  GATEWAY_DEMO: z
    .enum(['0', '1', 'true', 'false'], { message: 'expected 1, 0, true or false' })
    .optional()
    .transform((value) => (value === undefined ? undefined : value === '1' || value === 'true')),
  ARRAYS_START_CURSOR: z
    .string()
    .trim()
    .regex(CURSOR_PATTERN, "expected 0 or an Arrays stream id '<unix-ms>-<seq>' such as 1732147200000-0")
    .optional()
    .transform((value) => value ?? '0'),
  ARRAYS_POLL_INTERVAL_MS: integerIn(100, 86_400_000, 15_000),
  DATA_DIR: z.string().trim().optional().transform((value) => value ?? './data'),
  FEDERATION_USER_TYPE: graphqlName('User'),
  FEDERATION_USER_KEY: graphqlName('id'),
  RESPONSE_CACHE_TTL_MS: integerIn(0, 1000, 1000),
  ...Object.fromEntries(
    Object.values(VENDOR_ENV).flatMap((names) => [
      [names.baseUrl, baseUrl],
      [names.credential, credential],
    ]),
  ),
});

const SECRET_VARIABLES = new Set(Object.values(VENDOR_ENV).map((names) => names.credential));

/** A URL's `user:password@` part is a credential too. */
function withoutUserinfo(value: string): string {
  return value.replace(/\/\/[^/@]*@/, '//[REDACTED]@');
}

/**
 * Reads the gateway's configuration from an environment. Empty strings count as unset. Throws a
 * ConfigError that lists every bad variable with what it expects; a credential's value is never
 * quoted, other values are.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const relevant = Object.fromEntries(
    Object.keys(envSchema.shape)
      .map((name) => [name, env[name]])
      .filter(([, value]) => value !== undefined && value.trim() !== ''),
  ) as Record<string, string>;
  const parsed = envSchema.safeParse(relevant);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]);
      const got = SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(withoutUserinfo(relevant[name] ?? ''))})`;
      problems.push(`${name}: ${issue.message}${got}`);
    }
    throw new ConfigError(problems);
  }
  const values = parsed.data as Record<string, string | number | boolean | undefined>;
  const vendors: Partial<Record<ProviderId, VendorConfig>> = {};
  for (const id of PROVIDER_IDS) {
    const names = VENDOR_ENV[id];
    const secret = values[names.credential] as string | undefined;
    const url = (values[names.baseUrl] as string | undefined) ?? names.defaultBaseUrl;
    if (secret === undefined) continue;
    if (url === null) {
      problems.push(`${names.baseUrl}: required when ${names.credential} is set (the vendor publishes no default base URL)`);
      continue;
    }
    vendors[id] = { baseUrl: url, credential: secret };
  }
  const demo = (values.GATEWAY_DEMO as boolean | undefined) ?? Object.keys(vendors).length === 0;
  const upstream = upstreamConfig(values, problems, demo ? DEMO_RATE_LIMITS : DEFAULT_RATE_LIMITS);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port: values.PORT as number,
    host: values.HOST as string,
    upstreamTimeoutMs: values.UPSTREAM_TIMEOUT_MS as number,
    logLevel: values.LOG_LEVEL as LogLevel,
    demo,
    vendors: demo ? {} : vendors,
    upstream,
    ledger: {
      startCursor: values.ARRAYS_START_CURSOR as string,
      pollIntervalMs: values.ARRAYS_POLL_INTERVAL_MS as number,
      dataDir: values.DATA_DIR as string,
    },
    federation: { typeName: values.FEDERATION_USER_TYPE as string, keyField: values.FEDERATION_USER_KEY as string },
    responseCacheTtlMs: Math.min(
      values.RESPONSE_CACHE_TTL_MS as number,
      ...PROVIDER_IDS.map((id) => upstream.policies[id].cacheTtlMs),
    ),
  };
}

/**
 * Resolves each vendor's policy and checks that the pieces fit: a vendor's connect and headers
 * deadlines within its whole-call deadline, and that within the gateway's own request deadline
 * (retries, backoff and budget waits all happen inside the whole-call deadline).
 */
function upstreamConfig(
  values: Record<string, string | number | boolean | undefined>,
  problems: string[],
  rateLimits: Record<ProviderId, number>,
): UpstreamConfig {
  const number = (name: string) => values[name] as number;
  const vendorNumber = (id: ProviderId, suffix: keyof typeof VENDOR_SETTINGS, fallback: number) =>
    (values[vendorVariable(id, suffix)] as number | undefined) ?? fallback;
  const requestTimeoutMs = number('GATEWAY_REQUEST_TIMEOUT_MS');
  if (number('UPSTREAM_RETRY_BASE_DELAY_MS') > number('UPSTREAM_RETRY_MAX_DELAY_MS')) {
    problems.push('UPSTREAM_RETRY_BASE_DELAY_MS: must not exceed UPSTREAM_RETRY_MAX_DELAY_MS');
  }
  // A shared default that is wrong is wrong for every vendor: say so once.
  const report = (problem: string) => {
    if (!problems.includes(problem)) problems.push(problem);
  };
  const nameOf = (id: ProviderId, suffix: keyof typeof VENDOR_SETTINGS) =>
    values[vendorVariable(id, suffix)] === undefined ? `UPSTREAM_${suffix}` : vendorVariable(id, suffix);
  const policies = {} as Record<ProviderId, VendorPolicy>;
  for (const id of PROVIDER_IDS) {
    const timeoutMs = vendorNumber(id, 'TIMEOUT_MS', number('UPSTREAM_TIMEOUT_MS'));
    const connectTimeoutMs = vendorNumber(id, 'CONNECT_TIMEOUT_MS', number('UPSTREAM_CONNECT_TIMEOUT_MS'));
    const headersTimeoutMs = vendorNumber(id, 'HEADERS_TIMEOUT_MS', number('UPSTREAM_HEADERS_TIMEOUT_MS'));
    if (timeoutMs >= requestTimeoutMs) {
      report(
        `${nameOf(id, 'TIMEOUT_MS')}: the whole-call deadline (${timeoutMs} ms) must be below GATEWAY_REQUEST_TIMEOUT_MS (${requestTimeoutMs} ms); retries, backoff and rate-budget waits all happen within it`,
      );
    }
    for (const [suffix, value] of [
      ['CONNECT_TIMEOUT_MS', connectTimeoutMs],
      ['HEADERS_TIMEOUT_MS', headersTimeoutMs],
    ] as const) {
      if (value > timeoutMs) report(`${nameOf(id, suffix)}: ${value} ms exceeds the whole-call deadline (${timeoutMs} ms)`);
    }
    policies[id] = {
      connectTimeoutMs,
      headersTimeoutMs,
      timeoutMs,
      maxRetries: number('UPSTREAM_MAX_RETRIES'),
      retryBaseDelayMs: number('UPSTREAM_RETRY_BASE_DELAY_MS'),
      retryMaxDelayMs: number('UPSTREAM_RETRY_MAX_DELAY_MS'),
      retryBudgetRatio: number('UPSTREAM_RETRY_BUDGET_PERCENT') / 100,
      breaker: {
        failureRateThreshold: number('UPSTREAM_BREAKER_FAILURE_PERCENT') / 100,
        minimumCalls: number('UPSTREAM_BREAKER_MIN_CALLS'),
        windowMs: number('UPSTREAM_BREAKER_WINDOW_MS'),
        openMs: number('UPSTREAM_BREAKER_OPEN_MS'),
      },
      rateLimitPerMinute: vendorNumber(id, 'RATE_LIMIT_PER_MINUTE', rateLimits[id]),
      cacheTtlMs: vendorNumber(id, 'CACHE_TTL_SECONDS', number('UPSTREAM_CACHE_TTL_SECONDS')) * 1000,
      staleIfErrorMs: number('STALE_IF_ERROR_SECONDS') * 1000,
    };
  }
  return {
    policies,
    cacheMaxEntries: number('UPSTREAM_CACHE_MAX_ENTRIES'),
    cacheMaxBytes: number('UPSTREAM_CACHE_MAX_BYTES'),
    requestTimeoutMs,
  };
}
