/**
 * Relay edges over the Arrays stream (docs/vendors/arrays.md): one edge per row (one user in one vendor
 * page), each with a cursor of its own from which the next page continues exactly.
 *
 * A vendor page is a window of stream entries, `(fromCursor, count)`, aggregated per user; its
 * window end is the page's `nextCursor`. An edge cursor names its row by the window it came from
 * and its index there, so continuing after it re-reads that window (settled history: the vendor
 * answer cache often has it) and resumes at the next index; after a window's last row it simply
 * continues at the window end. Re-reading a window gives the same rows, except at the head of the
 * stream, where a window that processed fewer than `count` entries grows as entries arrive. The
 * rows a head window had when it was read never change, though: the vendor answer cache keeps it
 * under its last entry (`through`), and a cursor into it says so, so paging on through it reads
 * that, not the vendor. Paging through N entries thus costs one vendor call per window, about
 * N / count, at the head too, whatever `first`. A cursor into the middle of a head window that the
 * cache no longer has and that has grown since is refused with PartnerUsageCursorStaleError, never
 * answered with shifted rows.
 */
import type { Fresh, PartnerUsage, PartnerUsagePage } from '../../usage/model.js';
import { ARRAYS_MAX_COUNT, ARRAYS_STREAM_START, compareCursors, isCursor } from '../../ledger/index.js';

/** One vendor page of the stream: entries after `fromCursor`, at most `count`. */
export interface PartnerPageKey {
  fromCursor: string;
  count: number;
  /** The page as it was when it was the stream's head and ended at this cursor (see the module comment). */
  through?: string;
}

/** Where a `partnerUsage` page starts: after a raw stream position, or after one edge. */
export type PartnerEdgeStart =
  | { kind: 'position'; cursor: string }
  | { kind: 'edge'; cursor: string; edge: EdgePosition };

/** An edge's place: the vendor window it came from and its row index there. */
export interface EdgePosition {
  /** The window's exclusive start (the vendor call's `from_id`). */
  fromCursor: string;
  /** The vendor call's `count`. */
  count: number;
  /** The window's end: the page's `nextCursor`, the last entry it processed. */
  windowEnd: string;
  /** This row's index in the page. */
  index: number;
  /** Rows the page had. */
  rows: number;
  /** Whether the window was the stream's head when read (it may have grown since). */
  head: boolean;
}

/** An `after` the gateway cannot page from: malformed, or another list's cursor. */
export class PartnerCursorError extends Error {
  override readonly name = 'PartnerCursorError';
}

/**
 * A cursor into the middle of a head window that has grown since it was read: its rows are not
 * where they were. Restart from `restartAfter`, the window's start, and replace that page's rows.
 */
export class PartnerUsageCursorStaleError extends Error {
  override readonly name = 'PartnerUsageCursorStaleError';
  readonly code = 'PARTNER_USAGE_CURSOR_STALE';
  readonly provider = 'ARRAYS';

  constructor(
    readonly restartAfter: string,
    readonly windowEnd: string,
    readonly nowEnd: string,
  ) {
    super(
      `This cursor points into a page at the head of the Arrays stream that has grown since it was read (its window ended at ${windowEnd}, now at ${nowEnd}), so the rows after it moved. Page again with after: "${restartAfter}" (the page's start, also in extensions.restartAfter) and replace the rows you kept from that page.`,
    );
  }
}

/** Marks our cursors apart from every other list's (partnerUsers' start with an orderBy). */
const TAG = 'arrays.partnerUsage.1';

/** Ends the parts of a cursor into a window that was the stream's head when read. */
const HEAD_MARK = 'head';

/** The cursor of the edge at `index` of the page read as `key`. */
export function encodeEdgeCursor(key: PartnerPageKey, page: PartnerUsagePage, index: number): string {
  const parts: unknown[] = [TAG, key.fromCursor, key.count, page.nextCursor, index, page.entries.length];
  if (!page.hasMore) parts.push(HEAD_MARK);
  // base64url of a JSON array: it starts with `W`, so it never reads as a raw stream cursor (`0`, `<ms>-<seq>`).
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

/** Where `after` (null: the stream start) lets a page start; throws PartnerCursorError. */
export function parseAfter(after: string | null | undefined): PartnerEdgeStart {
  if (after === null || after === undefined) return { kind: 'position', cursor: ARRAYS_STREAM_START };
  if (isCursor(after)) return { kind: 'position', cursor: after };
  const shown = JSON.stringify(after.length > 80 ? `${after.slice(0, 80)}…` : after);
  const malformed = new PartnerCursorError(
    `after must be an edge cursor or pageInfo.endCursor of partnerUsage, or a stream position (0 or like 1732147200000-3); got ${shown}`,
  );
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
  } catch {
    throw malformed;
  }
  // Node's base64url decoder skips what it cannot read; only the canonical spelling is ours.
  if (!Array.isArray(parts) || Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url') !== after) throw malformed;
  if (parts[0] !== TAG) {
    throw parts.length === 5 && typeof parts[0] === 'string'
      ? new PartnerCursorError('after is a cursor of partnerUsers (the ledger list); partnerUsage takes the cursors of its own edges or a stream position')
      : malformed;
  }
  const [, fromCursor, count, windowEnd, index, rows, mark] = parts as unknown[];
  const valid =
    (parts.length === 6 || (parts.length === 7 && mark === HEAD_MARK)) &&
    typeof fromCursor === 'string' &&
    isCursor(fromCursor) &&
    typeof windowEnd === 'string' &&
    isCursor(windowEnd) &&
    // A window with rows processed at least one entry.
    compareCursors(windowEnd, fromCursor) > 0 &&
    isIntegerIn(count, 1, ARRAYS_MAX_COUNT) &&
    isIntegerIn(rows, 1, count) &&
    isIntegerIn(index, 0, rows - 1);
  if (!valid) throw malformed;
  return { kind: 'edge', cursor: after, edge: { fromCursor, count, windowEnd, index, rows, head: mark === HEAD_MARK } };
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** Most vendor calls reading `first` edges may take: each read gives at least one edge, or ends the page at the head. */
export function partnerEdgeCallBudget(first: number, maxCalls: number): number {
  return Math.min(maxCalls, first);
}

/** The vendor call a page starting at `start` makes first. */
export function firstPartnerRead(start: PartnerEdgeStart, entriesPerCall: number): PartnerPageKey {
  if (start.kind === 'position') return { fromCursor: start.cursor, count: entriesPerCall };
  const { edge } = start;
  if (edge.index === edge.rows - 1) return { fromCursor: edge.windowEnd, count: entriesPerCall };
  return edge.head ? { fromCursor: edge.fromCursor, count: edge.count, through: edge.windowEnd } : { fromCursor: edge.fromCursor, count: edge.count };
}

export interface PartnerEdgesRequest {
  start: PartnerEdgeStart;
  /** Most edges to return. */
  first: number;
  /** `count` of each vendor call that reads on through the stream, 1 to ARRAYS_MAX_COUNT. */
  entriesPerCall: number;
  /** Most vendor calls (see partnerEdgeCallBudget). */
  maxCalls: number;
  read(key: PartnerPageKey): Promise<Fresh<PartnerUsagePage>>;
}

export interface PartnerEdge {
  cursor: string;
  node: PartnerUsage;
}

export interface PartnerEdges {
  edges: PartnerEdge[];
  /** Every vendor page read, in order. */
  windows: Fresh<PartnerUsagePage>[];
  /** False only when the last edge is at the head of the stream (as of the last read). */
  hasNextPage: boolean;
}

interface Read extends PartnerPageKey {
  /** Rows of the page already returned before (a continuation from a middle edge). */
  skip: number;
  /** What a re-read window must still be for its rows to be where they were. */
  expect?: { windowEnd: string; rows: number };
}

/** Up to `first` edges after `start`, reading vendor pages in order (see the module comment). */
export async function readPartnerEdges({ start, first, entriesPerCall, maxCalls, read }: PartnerEdgesRequest): Promise<PartnerEdges> {
  const edges: PartnerEdge[] = [];
  const windows: Fresh<PartnerUsagePage>[] = [];
  const firstKey = firstPartnerRead(start, entriesPerCall);
  let next: Read =
    start.kind === 'edge' && start.edge.index < start.edge.rows - 1
      ? { ...firstKey, skip: start.edge.index + 1, expect: { windowEnd: start.edge.windowEnd, rows: start.edge.rows } }
      : { ...firstKey, skip: 0 };
  while (windows.length < maxCalls) {
    const want = first - edges.length;
    const key: PartnerPageKey =
      next.through === undefined ? { fromCursor: next.fromCursor, count: next.count } : { fromCursor: next.fromCursor, count: next.count, through: next.through };
    const answer = await read(key);
    windows.push(answer);
    const page = answer.value;
    if (next.expect !== undefined && (page.nextCursor !== next.expect.windowEnd || page.entries.length !== next.expect.rows)) {
      throw new PartnerUsageCursorStaleError(next.fromCursor, next.expect.windowEnd, page.nextCursor);
    }
    const rows = page.entries.length - next.skip;
    const take = Math.min(rows, want);
    for (let index = next.skip; index < next.skip + take; index++) {
      edges.push({ cursor: encodeEdgeCursor(key, page, index), node: page.entries[index]! });
    }
    if (take < rows) return { edges, windows, hasNextPage: true };
    // A head page as it was read (maybe from the cache) says nothing of the head now: read on.
    if (!page.hasMore && next.through === undefined) return { edges, windows, hasNextPage: false };
    // A cursor that does not move would read the same page forever.
    if (edges.length === first || page.nextCursor === next.fromCursor) break;
    next = { fromCursor: page.nextCursor, count: entriesPerCall, skip: 0 };
  }
  return { edges, windows, hasNextPage: true };
}
