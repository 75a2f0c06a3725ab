import { z } from 'zod';
import { integerIn, isLoopbackHost, optionalFlag } from '../common/env-values.js';
import type { EnvironmentReader } from './environment-reader.js';

/** `AUTH_VERIFIED_TOKENS`' default: about 10 MB of tokens at most. */
export const DEFAULT_VERIFIED_TOKENS = 10_000;

/** Who may ask: how callers prove their identity. */
export interface AuthConfig {
  /**
   * `on` when a JWKS or an API keys file is configured (or `AUTH_DEMO=1`); `off` in demo mode
   * without them; `disabled` when `AUTH_DISABLED=1` turns it off deliberately.
   */
  mode: 'on' | 'off' | 'disabled';
  /** `AUTH_JWKS_FILE`: a JWKS JSON file of the keys that sign bearer tokens. */
  jwksFile?: string;
  /** `AUTH_JWKS_URL`: the JWKS, fetched, cached and refreshed on an unknown `kid`. https, or http to loopback. */
  jwksUrl?: string;
  /** `AUTH_ISSUER`: the `iss` every token must carry, when set. */
  issuer?: string;
  /** `AUTH_AUDIENCE`: the `aud` every token must carry, when set. */
  audience?: string;
  /** `AUTH_CLOCK_TOLERANCE_SECONDS` (0 to 600), default 30: leeway on `exp` and `nbf`. */
  clockToleranceSeconds: number;
  /** `AUTH_VERIFIED_TOKENS` (0 to 1,000,000), default 10,000: tokens remembered after their signature verified, until they expire or the keys change; 0 verifies every request. */
  verifiedTokens: number;
  /** `AUTH_API_KEYS_FILE`: JSON array of `{ name, sha256, scopes }`, reloaded on SIGHUP and on change. */
  apiKeysFile?: string;
  /** `AUTH_DEMO=1`: trust the demo key pair generated into `DATA_DIR` (`npm run token` signs with it). Demo mode only. */
  demoKeys: boolean;
}

/** What the gateway shows of itself. */
export interface ExposureConfig {
  /** `GRAPHIQL`: serve GraphiQL. Default: on in demo mode, off otherwise. */
  graphiql: boolean;
  /** `INTROSPECTION`: answer introspection (and "Did you mean" suggestions). Default: on in demo mode, off otherwise. */
  introspection: boolean;
}

const text = z.string().trim().optional();

/** http(s) URL; plain http only to a loopback host, where no one can tamper with the keys on the way. */
const jwksUrl = z
  .string()
  .trim()
  .refine((value) => URL.canParse(value), 'expected a URL')
  .refine((value) => {
    if (!URL.canParse(value)) return true;
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  }, 'expected an https URL (http only to 127.0.0.1, ::1 or localhost)')
  .optional();

/** The vendor credentials that make an unauthenticated gateway a danger: anyone reaching it spends them. */
const CREDENTIAL_HINT = 'set AUTH_JWKS_FILE, AUTH_JWKS_URL or AUTH_API_KEYS_FILE, or AUTH_DISABLED=1 to serve without authentication on purpose';

/**
 * Reads the `AUTH_*`, `GRAPHIQL` and `INTROSPECTION` variables. `demo` is whether the gateway
 * runs its simulators; `credentialVariables` names the vendor credentials that are set, for the
 * refusal to serve real vendors to anyone who can reach the port.
 */
export function readAuthConfig(
  reader: EnvironmentReader,
  demo: boolean,
  credentialVariables: readonly string[],
): { auth: AuthConfig; exposure: ExposureConfig } {
  const jwksFile = reader.read('AUTH_JWKS_FILE', text);
  const url = reader.read('AUTH_JWKS_URL', jwksUrl);
  const issuer = reader.read('AUTH_ISSUER', text);
  const audience = reader.read('AUTH_AUDIENCE', text);
  const clockToleranceSeconds = reader.read('AUTH_CLOCK_TOLERANCE_SECONDS', integerIn(0, 600, 30));
  const verifiedTokens = reader.read('AUTH_VERIFIED_TOKENS', integerIn(0, 1_000_000, DEFAULT_VERIFIED_TOKENS));
  const apiKeysFile = reader.read('AUTH_API_KEYS_FILE', text);
  const disabled = reader.read('AUTH_DISABLED', optionalFlag) ?? false;
  const demoKeys = reader.read('AUTH_DEMO', optionalFlag) ?? false;
  const graphiql = reader.read('GRAPHIQL', optionalFlag) ?? demo;
  const introspection = reader.read('INTROSPECTION', optionalFlag) ?? demo;

  const configured = [
    ['AUTH_JWKS_FILE', jwksFile],
    ['AUTH_JWKS_URL', url],
    ['AUTH_API_KEYS_FILE', apiKeysFile],
    ['AUTH_DEMO', demoKeys ? '1' : undefined],
  ].flatMap(([name, value]) => (value === undefined ? [] : [name!]));
  if (jwksFile !== undefined && url !== undefined) reader.report('AUTH_JWKS_FILE: set either AUTH_JWKS_FILE or AUTH_JWKS_URL, not both');
  if (demoKeys && (jwksFile !== undefined || url !== undefined)) {
    reader.report('AUTH_DEMO: the demo keys replace AUTH_JWKS_FILE / AUTH_JWKS_URL; set one or the other');
  }
  if (demoKeys && !demo) reader.report('AUTH_DEMO: only in demo mode (the demo key pair must never guard real vendors)');
  for (const [name, value] of [
    ['AUTH_ISSUER', issuer],
    ['AUTH_AUDIENCE', audience],
  ] as const) {
    if (value !== undefined && jwksFile === undefined && url === undefined && !demoKeys) {
      reader.report(`${name}: applies to bearer tokens; set AUTH_JWKS_FILE or AUTH_JWKS_URL too`);
    }
  }
  if (disabled && configured.length > 0) reader.report(`AUTH_DISABLED: contradicts ${configured.join(', ')}; set one or the other`);
  if (!demo && !disabled && configured.length === 0 && credentialVariables.length > 0) {
    reader.report(`${credentialVariables.join(', ')}: vendor credentials with no authentication would let anyone who reaches the port read and spend them; ${CREDENTIAL_HINT}`);
  }
  const mode = disabled ? 'disabled' : configured.length > 0 ? 'on' : 'off';
  return {
    auth: {
      mode,
      ...(jwksFile === undefined ? {} : { jwksFile }),
      ...(url === undefined ? {} : { jwksUrl: url }),
      ...(issuer === undefined ? {} : { issuer }),
      ...(audience === undefined ? {} : { audience }),
      clockToleranceSeconds,
      verifiedTokens,
      ...(apiKeysFile === undefined ? {} : { apiKeysFile }),
      demoKeys,
    },
    exposure: { graphiql, introspection },
  };
}
