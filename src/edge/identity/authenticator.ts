/**
 * The caller of a request, from its credential: a bearer JWT verified against a JWKS (file or URL)
 * or an API key looked up by hash. Knows nothing of GraphQL: the edge turns an AuthenticationError
 * into a 401 and logs its reason.
 */

import { isScope, type Caller } from '../../common/caller.js';
import { findApiKey, parseApiKeys, type ApiKeyEntry } from './api-keys.js';
import { AuthConfigError, AuthenticationError } from './errors.js';
import { parseJwks, type KeySet } from './jwks.js';
import { createJwtVerifier, type JwtVerifier } from './jwt-verifier.js';
import type { KeySource } from './key-source.js';
import type { IdentityLogger } from './logger.js';
import { createRemoteKeySet } from './remote-jwks.js';
import { openWatchedFile, type WatchedFile } from './watched-file.js';

/** Options of the authenticator. At least one of jwksFile, jwksUrl and apiKeysFile is required. */
/** Reads a request header by lower-case name: a fetch `Headers`, or the hot path's view of node's headers. */
export interface HeaderReader {
  get(name: string): string | null;
}

export interface AuthenticatorOptions {
  /** `AUTH_JWKS_FILE`: a JWKS JSON file of the public keys tokens are signed with. Default: none. Not with jwksUrl. */
  jwksFile?: string;
  /** `AUTH_JWKS_URL`: the identity provider's JWKS, fetched, cached, refreshed on an unknown kid. https, or http on loopback only. Default: none. */
  jwksUrl?: string;
  /** `AUTH_ISSUER`: the `iss` every token must carry. Default: not checked. */
  issuer?: string;
  /** `AUTH_AUDIENCE`: a value every token's `aud` must hold. Default: not checked. */
  audience?: string;
  /** `AUTH_CLOCK_TOLERANCE_SECONDS`: leeway on `exp` and `nbf` for clocks out of step. Default 30. */
  clockToleranceSeconds?: number;
  /** `AUTH_VERIFIED_TOKENS`: verified tokens remembered until they expire or the keys change (see `createJwtVerifier`). Default 10,000; 0 verifies every request. */
  verifiedTokens?: number;
  /** `AUTH_API_KEYS_FILE`: a JSON array of `{ name, sha256 (hex of the key), scopes: string[] }`. Default: none. */
  apiKeysFile?: string;
  /** Deadline of one JWKS fetch, body included, in ms. Default 5000. */
  jwksTimeoutMs?: number;
  /** Least time between two JWKS fetches, in ms, so a flood of bogus kids cannot hammer the provider. Default 30000. */
  jwksCooldownMs?: number;
  /** Age after which fetched keys are fetched again before use, so a withdrawn key stops verifying, in ms. Default 600000. */
  jwksMaxAgeMs?: number;
  /** How often the files are polled for a change, in ms. Default 1000. */
  filePollIntervalMs?: number;
  /** Quiet time after a file change before it is read, in ms. Default 200. */
  fileDebounceMs?: number;
  /** Where file loads, JWKS fetches and their failures are told; per-request refusals are the caller's to log. */
  logger: IdentityLogger;
  /** The clock, in ms since the epoch; tests pass a fake one. Default Date.now. */
  now?: () => number;
}

export interface Authenticator {
  /** The caller of a request from its headers: `Authorization: Bearer <jwt>` or `X-Api-Key: <key>`. Throws AuthenticationError. Both headers at once: refused ('both-credentials'). */
  authenticate(headers: Headers): Promise<Caller>;
  /**
   * The caller of a bearer token verified before, with current keys (see `AUTH_VERIFIED_TOKENS`),
   * at once; null for anything else, which `authenticate` then decides. Lets a remembered token's
   * request go on without waiting for a promise.
   */
  remembered(headers: HeaderReader): Caller | null;
  /** Re-reads the files (JWKS file, API keys file) now; the server calls it on SIGHUP. A file that became invalid keeps the previous good content and logs an error (never empties the key set by accident). */
  reload(): Promise<void>;
  /** Stops file watching. */
  close(): Promise<void>;
}

// RFC 6750's b64token after the case-insensitive scheme; anything else is not a bearer credential.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Reads and checks the configured files (and fetches the JWKS URL once, a failure there only
 * warns: the provider may be back by the first request), then returns the authenticator. Throws
 * AuthConfigError naming the variable when a file is missing or invalid.
 */
export async function createAuthenticator(options: AuthenticatorOptions): Promise<Authenticator> {
  const now = options.now ?? Date.now;
  const { logger } = options;
  if (options.jwksFile === undefined && options.jwksUrl === undefined && options.apiKeysFile === undefined) {
    throw new AuthConfigError('AUTH_JWKS_FILE', 'set it, AUTH_JWKS_URL or AUTH_API_KEYS_FILE: an authenticator needs a credential source');
  }
  if (options.jwksFile !== undefined && options.jwksUrl !== undefined) {
    throw new AuthConfigError('AUTH_JWKS_URL', 'set AUTH_JWKS_FILE or AUTH_JWKS_URL, not both: one source of trusted keys');
  }
  const clockToleranceSeconds = options.clockToleranceSeconds ?? 30;
  if (!Number.isFinite(clockToleranceSeconds) || clockToleranceSeconds < 0) {
    throw new AuthConfigError('AUTH_CLOCK_TOLERANCE_SECONDS', 'must be a number of seconds, 0 or more');
  }
  const jwksUrl = options.jwksUrl === undefined ? undefined : checkJwksUrl(options.jwksUrl);

  const files: WatchedFile<unknown>[] = [];
  const watch = async <T>(variable: string, path: string, parse: (text: string) => T, describe: (value: T) => Record<string, unknown>) => {
    const file = await openWatchedFile({
      path,
      variable,
      parse,
      describe,
      logger,
      pollIntervalMs: options.filePollIntervalMs ?? 1000,
      debounceMs: options.fileDebounceMs ?? 200,
    });
    files.push(file);
    return file;
  };
  const close = async () => {
    await Promise.all(files.map((file) => file.close()));
  };

  let verifyJwt: JwtVerifier | null = null;
  let apiKeys: WatchedFile<ApiKeyEntry[]> | null = null;
  try {
    let keys: KeySource | null = null;
    if (options.jwksFile !== undefined) {
      const file = await watch('AUTH_JWKS_FILE', options.jwksFile, parseJwks, (set: KeySet) => ({ keys: set.size }));
      keys = { current: async () => file.current, peek: () => file.current, refresh: async () => 'not-now' };
    }
    if (jwksUrl !== undefined) {
      const remote = createRemoteKeySet({
        url: jwksUrl,
        timeoutMs: options.jwksTimeoutMs ?? 5000,
        cooldownMs: options.jwksCooldownMs ?? 30_000,
        maxAgeMs: options.jwksMaxAgeMs ?? 600_000,
        now,
        logger,
      });
      await remote.refresh();
      keys = remote;
    }
    if (keys !== null) {
      verifyJwt = createJwtVerifier({ keys, issuer: options.issuer, audience: options.audience, clockToleranceSeconds, now, logger, ...(options.verifiedTokens === undefined ? {} : { verifiedTokens: options.verifiedTokens }) });
    }
    if (options.apiKeysFile !== undefined) {
      apiKeys = await watch('AUTH_API_KEYS_FILE', options.apiKeysFile, parseApiKeys, describeApiKeys);
    }
  } catch (error) {
    await close();
    throw error;
  }

  return {
    remembered(headers) {
      if (verifyJwt === null || headers.get('x-api-key') !== null) return null;
      const authorization = headers.get('authorization');
      const token = authorization === null ? undefined : BEARER.exec(authorization)?.[1];
      return token === undefined ? null : verifyJwt.remembered(token);
    },
    async authenticate(headers) {
      const authorization = headers.get('authorization');
      const apiKey = headers.get('x-api-key');
      // Two credentials could name two callers; picking one would be a guess.
      if (authorization !== null && apiKey !== null) {
        throw new AuthenticationError('both-credentials', 'Send either a bearer token or an API key, not both');
      }
      if (authorization !== null) {
        const token = BEARER.exec(authorization)?.[1];
        if (token === undefined) throw new AuthenticationError('malformed');
        // No JWKS configured: no key can vouch for any token.
        if (verifyJwt === null) throw new AuthenticationError('unknown-key');
        return verifyJwt(token);
      }
      if (apiKey !== null) {
        if (apiKey === '') throw new AuthenticationError('malformed');
        const entry = apiKeys === null ? null : findApiKey(apiKeys.current, apiKey);
        if (entry === null) throw new AuthenticationError('unknown-api-key');
        return { kind: 'api-key', name: entry.name, sub: null, scopes: entry.scopes };
      }
      throw new AuthenticationError('missing');
    },
    async reload() {
      await Promise.all(files.map((file) => file.reload()));
    },
    close,
  };
}

function checkJwksUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AuthConfigError('AUTH_JWKS_URL', 'is not a URL');
  }
  // Over plain http anyone on the path could hand us their own key; loopback has no such path.
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new AuthConfigError('AUTH_JWKS_URL', 'must be an https URL (http only on 127.0.0.1, [::1] or localhost)');
  }
  return url;
}

function describeApiKeys(entries: ApiKeyEntry[]): Record<string, unknown> {
  // A scope no rule knows is harmless but usually a typo ("partner:read"), so the log names it.
  const unknownScopes = [...new Set(entries.flatMap((entry) => [...entry.scopes].filter((scope) => !isScope(scope))))];
  return { keys: entries.length, names: entries.map((entry) => entry.name), ...(unknownScopes.length > 0 ? { unknownScopes } : {}) };
}
