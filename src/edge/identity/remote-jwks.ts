/**
 * The JWKS of an identity provider, fetched from AUTH_JWKS_URL and cached. Our own fetch rather
 * than jose's createRemoteJWKSet, whose cooldown starts at the last *successful* fetch: with the
 * provider down, every token with an unknown kid would fetch again. Here every fetch, good or bad,
 * starts the cooldown, so a flood of bogus kids costs the provider one request per cooldown.
 */

import { parseJwks, type KeySet } from './jwks.js';
import type { KeySource, RefreshOutcome } from './key-source.js';
import type { IdentityLogger } from './logger.js';

/** Options of a remote key set. */
export interface RemoteKeySetOptions {
  /** The JWKS URL (AUTH_JWKS_URL), already checked to be http(s). */
  url: URL;
  /** Deadline of one fetch, body included, in ms. */
  timeoutMs: number;
  /** Least time between the starts of two fetches, in ms. */
  cooldownMs: number;
  /** Age after which held keys are fetched again before use, so a key the provider withdrew stops verifying, in ms. */
  maxAgeMs: number;
  /** The clock the cooldown and the keys' age are measured on, in ms. */
  now: () => number;
  /** Where fetches (info) and failed fetches (warn) are told. */
  logger: IdentityLogger;
}

export function createRemoteKeySet(options: RemoteKeySetOptions): KeySource {
  const { url, timeoutMs, cooldownMs, maxAgeMs, now, logger } = options;
  // Origin and path only: a query or user-info part may hold a credential of the provider.
  const where = `${url.origin}${url.pathname}`;
  let keys: KeySet | null = null;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<boolean> | null = null;

  const fetchKeys = async (): Promise<boolean> => {
    try {
      const response = await fetch(url, {
        // A redirect would let whoever controls the first host choose the keys we trust.
        redirect: 'manual',
        headers: { accept: 'application/jwk-set+json, application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new Error(`answered HTTP ${response.status}`);
      }
      keys = parseAnswer(await response.text());
      fetchedAt = now();
      logger.info('JWKS fetched', { url: where, keys: keys.size });
      return true;
    } catch (error) {
      logger.warn('JWKS fetch failed', { url: where, problem: describeFailure(error, timeoutMs) });
      return false;
    }
  };

  // Joins a fetch in flight; otherwise starts one if the cooldown has passed. Null: not allowed now.
  const fetchOnce = (): Promise<boolean> | null => {
    if (pending) return pending;
    if (now() - attemptedAt < cooldownMs) return null;
    attemptedAt = now();
    pending = fetchKeys().finally(() => {
      pending = null;
    });
    return pending;
  };

  return {
    async current() {
      if (keys === null || now() - fetchedAt >= maxAgeMs) {
        // A failed fetch of stale keys keeps them: refusing every token while the provider is down
        // would turn its outage into ours, and the keys were good a moment ago.
        await fetchOnce();
      }
      return keys;
    },
    peek() {
      return keys !== null && now() - fetchedAt < maxAgeMs ? keys : null;
    },
    async refresh(): Promise<RefreshOutcome> {
      const attempt = fetchOnce();
      if (attempt === null) return 'not-now';
      return (await attempt) ? 'refreshed' : 'failed';
    },
  };
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
  if (cause?.code) return `cannot be reached (${cause.code})`;
  return error instanceof Error ? error.message : 'unknown error';
}

function parseAnswer(text: string): KeySet {
  try {
    return parseJwks(text);
  } catch (error) {
    throw new Error(`the answer ${(error as Error).message}`);
  }
}
