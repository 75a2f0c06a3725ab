import { z } from 'zod';
import type { LogLevel } from './logger.js';
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

const integerIn = (min: number, max: number, fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `expected a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((value) => value >= min && value <= max, `expected a whole number from ${min} to ${max}`)
    .optional()
    .transform((value) => value ?? fallback);

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

const envSchema = z.object({
  PORT: integerIn(0, 65_535, 4000),
  HOST: z.string().trim().min(1, 'expected a host name or IP address').optional().transform((value) => value ?? '127.0.0.1'),
  UPSTREAM_TIMEOUT_MS: integerIn(100, 120_000, 8000),
  LOG_LEVEL: z
    .enum(['debug', 'info', 'warn', 'error', 'silent'], { message: 'expected debug, info, warn, error or silent' })
    .optional()
    .transform((value) => value ?? 'info'),
  GATEWAY_DEMO: z
    .enum(['0', '1', 'true', 'false'], { message: 'expected 1, 0, true or false' })
    .optional()
    .transform((value) => (value === undefined ? undefined : value === '1' || value === 'true')),
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
  if (problems.length > 0) throw new ConfigError(problems);
  const demoSetting = values.GATEWAY_DEMO as boolean | undefined;
  const demo = demoSetting ?? Object.keys(vendors).length === 0;
  return {
    port: values.PORT as number,
    host: values.HOST as string,
    upstreamTimeoutMs: values.UPSTREAM_TIMEOUT_MS as number,
    logLevel: values.LOG_LEVEL as LogLevel,
    demo,
    vendors: demo ? {} : vendors,
  };
}
