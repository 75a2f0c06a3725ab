import { cursorMs } from './stream-cursor.js';

/**
 * The ledger keeps usage per UTC day of the stream: an entry's day is the day of its cursor's
 * millisecond part.
 */

/** Milliseconds in a UTC day (no leap seconds in Unix time). */
export const DAY_MS = 86_400_000;

/** UTC day number (days since 1970-01-01) of a time in ms. */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** UTC day number of a cursor's entry; null for `0`. The cursor must satisfy `isCursor`. */
export function cursorDay(cursor: string): number | null {
  const ms = cursorMs(cursor);
  if (ms === undefined) throw new TypeError(`not a stream cursor: ${cursor}`);
  return ms === null ? null : dayOf(ms);
}
