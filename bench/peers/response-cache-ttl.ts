/**
 * The one switch between a peer as shipped and the same peer with its own caches on, as its docs
 * recommend: `PEER_RESPONSE_CACHE_TTL_MS`. Unset (or empty), the peer caches nothing of its own;
 * set, its response cache (and Apollo's datasource-rest cache of vendor calls) keeps an answer for
 * that long. The harness sets it to our gateway's upstream cache TTL, so both sides cache for the
 * same time.
 */
export const PEER_RESPONSE_CACHE_TTL_ENV = 'PEER_RESPONSE_CACHE_TTL_MS';

/** A `PEER_RESPONSE_CACHE_TTL_MS` that is not a positive whole number of seconds, in ms. */
export class PeerCacheTtlError extends Error {
  readonly code = 'PEER_CACHE_TTL_INVALID';

  constructor(value: string) {
    super(`${PEER_RESPONSE_CACHE_TTL_ENV} must be a positive whole number of seconds in milliseconds (e.g. 30000), not ${JSON.stringify(value)}`);
    this.name = 'PeerCacheTtlError';
  }
}

/**
 * The peer's cache TTL in ms, or null for the as-shipped peer. Whole seconds only: Apollo's cache
 * hints and datasource-rest's TTL are in seconds, and a rounded TTL would not be the same as ours.
 */
export function peerResponseCacheTtlMs(env: NodeJS.ProcessEnv = process.env): number | null {
  const value = env[PEER_RESPONSE_CACHE_TTL_ENV];
  if (value === undefined || value === '') return null;
  const ms = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0 || ms % 1000 !== 0) throw new PeerCacheTtlError(value);
  return ms;
}
