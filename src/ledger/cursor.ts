/**
 * Arrays stream cursors (CONTRACTS.md §1): `0` for the beginning, otherwise Redis-stream-like ids
 * `<unix-ms>-<seq>`. The ledger orders them and reads the millisecond part as the entry's time;
 * everything else about them stays opaque. BigInt keeps 20-digit parts exact.
 */

export const STREAM_START = '0';
export const DAY_MS = 86_400_000;

/** A cursor the ledger accepts in configuration and arguments. */
export const CURSOR_PATTERN = /^(0|\d{1,16}-\d{1,20})$/;

interface ParsedCursor {
  ms: bigint;
  seq: bigint;
}

/** The parts of a cursor; null for `0`; undefined for anything that is not a stream id. */
function parse(cursor: string): ParsedCursor | null | undefined {
  if (cursor === STREAM_START) return null;
  const match = /^(\d{1,16})-(\d{1,20})$/.exec(cursor);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  return { ms: BigInt(match[1]), seq: BigInt(match[2]) };
}

export function isCursor(cursor: string): boolean {
  return parse(cursor) !== undefined && cursorMs(cursor) !== undefined;
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
 * for a string that is not a cursor or whose time a Date cannot hold.
 */
export function cursorMs(cursor: string): number | null | undefined {
  const parsed = parse(cursor);
  if (parsed === undefined || parsed === null) return parsed;
  const ms = Number(parsed.ms);
  return ms <= 8.64e15 ? ms : undefined;
}

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
