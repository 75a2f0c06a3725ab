/**
 * The grammar of Arrays' partner usage stream (docs/vendors/arrays.md#stream-semantics): its cursors, where it starts and
 * how much one call may read. Config, the schema, the client and the ledger all take it from here,
 * so a cursor one of them accepts is never refused by another. It lives in the ledger, the lowest
 * of them; the Arrays module takes it through the ledger's public entry (`index.ts`).
 *
 * A cursor is `0` (the beginning) or a Redis stream id `<unix-ms>-<seq>`, each part written the way
 * Redis writes it: a decimal without leading zeros. Only the canonical spelling is accepted because
 * cursors are compared as strings (the ledger's committed cursor, cache keys, "the cursor did not
 * move"): `01-0` and `1-0` would be one entry under two names. `seq` is Redis' unsigned 64-bit
 * counter. `<unix-ms>` must be a time a `Date` can hold, because the contract lets us read it as
 * the entry's time and the ledger buckets entries by it: Redis would take larger ones, but no
 * stream of real entries has them.
 */

/** The cursor of the beginning of the stream, as `from_id`: `0`. */
export const ARRAYS_STREAM_START = '0';

/** Largest `count` (stream entries per call) Arrays accepts: 5000. */
export const ARRAYS_MAX_COUNT = 5000;

/** Arrays' own default `count`: 1000. */
export const ARRAYS_DEFAULT_COUNT = 1000;

/** Latest time a `Date` can hold, ms since the epoch (ECMA-262's time value limit). */
const MAX_TIME_MS = 8_640_000_000_000_000n;
/** Largest Redis stream sequence number: 2^64 - 1. */
const MAX_SEQ = 2n ** 64n - 1n;

/**
 * Source of a pattern matching the canonical decimals from 0 to `max`: every shorter number, then
 * the numbers of `max`'s length that share a prefix with it and are smaller at the next digit.
 * A regular expression, not a parse, because config validates with zod's `.regex`.
 */
function decimalUpTo(max: bigint): string {
  const digits = max.toString();
  const alternatives = ['0'];
  if (digits.length > 1) alternatives.push(`[1-9]\\d{0,${digits.length - 2}}`);
  for (let at = 0; at < digits.length; at++) {
    const lowest = at === 0 ? 1 : 0;
    const digit = Number(digits[at]);
    if (digit <= lowest) continue;
    const rest = digits.length - at - 1;
    alternatives.push(`${digits.slice(0, at)}[${lowest}-${digit - 1}]${rest > 0 ? `\\d{${rest}}` : ''}`);
  }
  alternatives.push(digits);
  return alternatives.join('|');
}

/** Every cursor the gateway accepts: `0`, or `<unix-ms>-<seq>` in canonical decimals within range. */
export const CURSOR_PATTERN = new RegExp(`^(?:0|(${decimalUpTo(MAX_TIME_MS)})-(${decimalUpTo(MAX_SEQ)}))$`);

/** Whether `cursor` is one of the stream's cursors (see CURSOR_PATTERN). */
export function isCursor(cursor: string): boolean {
  return CURSOR_PATTERN.test(cursor);
}

interface ParsedCursor {
  ms: bigint;
  seq: bigint;
}

/** The parts of a cursor; null for `0`; undefined for anything that is not a cursor. */
function parse(cursor: string): ParsedCursor | null | undefined {
  if (cursor === ARRAYS_STREAM_START) return null;
  const match = CURSOR_PATTERN.exec(cursor);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  // BigInt: a sequence number can exceed 2^53.
  return { ms: BigInt(match[1]), seq: BigInt(match[2]) };
}

/**
 * Negative, zero or positive as `a` is before, equal to or after `b` in the stream.
 * Both must satisfy `isCursor`.
 */
export function compareCursors(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  if (x === undefined || y === undefined) throw new TypeError(`not a stream cursor: ${x === undefined ? a : b}`);
  if (x === null || y === null) return x === y ? 0 : x === null ? -1 : 1;
  if (x.ms !== y.ms) return x.ms < y.ms ? -1 : 1;
  return x.seq === y.seq ? 0 : x.seq < y.seq ? -1 : 1;
}

/**
 * The entry time of a cursor in ms since the epoch; null for `0`, which is not a time; undefined
 * for a string that is not a cursor.
 */
export function cursorMs(cursor: string): number | null | undefined {
  const parsed = parse(cursor);
  return parsed === undefined || parsed === null ? parsed : Number(parsed.ms);
}

/** The entry time of a cursor; null for `0` and for anything that is not a cursor. */
export function cursorTime(cursor: string): Date | null {
  const ms = cursorMs(cursor);
  return ms === null || ms === undefined ? null : new Date(ms);
}
