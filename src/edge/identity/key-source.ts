import type { KeySet } from './jwks.js';

/** What a token naming an unknown key made the source do. */
export type RefreshOutcome = 'refreshed' | 'failed' | 'not-now';

/** Where verification keys come from: a file, or an identity provider's JWKS URL. */
export interface KeySource {
  /** The keys to verify with now; null when none could be obtained. */
  current(): Promise<KeySet | null>;
  /** The keys `current()` would give without fetching anything first; null when it would fetch (none yet, or too old). */
  peek(): KeySet | null;
  /**
   * Called when a token names a key the current set lacks, in case the issuer rotated: 'refreshed'
   * when a newer set was fetched, 'failed' when fetching failed, 'not-now' when this source does not
   * refresh per token (a file) or its cooldown forbids it.
   */
  refresh(): Promise<RefreshOutcome>;
}
