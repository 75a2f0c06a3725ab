/**
 * How long usage history is kept. Samples carry their own period and increment, so dropping the
 * oldest never changes what the remaining ones say.
 */

import type { PeriodedSample } from './history.js';

const DAY_MS = 24 * 60 * 60_000;

/**
 * Default age past which samples are dropped: 400 days, a year plus a month, so a full year back
 * from any day (and the same month last year) is always whole.
 */
export const DEFAULT_RETENTION_MS = 400 * DAY_MS;

/** The oldest instant still kept at `now` (epoch ms). `retentionMs` defaults to `DEFAULT_RETENTION_MS`. */
export function retentionCutoff(now: number, retentionMs: number = DEFAULT_RETENTION_MS): number {
  return now - retentionMs;
}

/** The samples (oldest first) not yet past retention at `now`. `retentionMs` defaults to `DEFAULT_RETENTION_MS`. */
export function retainedSamples<T extends PeriodedSample>(samples: readonly T[], now: number, retentionMs: number = DEFAULT_RETENTION_MS): T[] {
  const cutoff = retentionCutoff(now, retentionMs);
  const first = samples.findIndex((sample) => sample.at >= cutoff);
  return first === -1 ? [] : samples.slice(first);
}
