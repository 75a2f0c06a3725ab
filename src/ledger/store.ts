import type { PartnerUsageCounts } from '../usage/model.js';
import type { PartnerUsageRows } from '../usage/packed-partner-usage.js';
import type { LedgerReader, PartnerUserTotals } from './types.js';

/**
 * Where the ledger keeps its totals. The file store (journal + snapshot under DATA_DIR) is the
 * default; a store shared by several gateway instances implements the same interface, with
 * `commit` as one transaction guarded by `cursorBefore`.
 */

/** One stream page to count, every entry of it within one UTC day. */
export interface LedgerCommit {
  /** The committed cursor the page was read from; a commit from any other cursor is refused. */
  cursorBefore: string;
  /** The page's next cursor: the id of its last entry, a `<unix-ms>-<seq>` stream id. */
  cursorAfter: string;
  /** Stream entries the page processed, exactly. */
  entries: number;
  /** Per-user usage of the page, as Arrays aggregated it: an array, or packed as the follower reads it. */
  users: PartnerUsageRows;
}

/** How far the ledger has counted. */
export interface LedgerPosition {
  /** The cursor the ledger started from (`ARRAYS_START_CURSOR` when it was created). */
  startCursor: string;
  /** Every stream entry after `startCursor` through this cursor is counted, each exactly once. */
  cursor: string;
  entries: number;
  pages: number;
  users: number;
  lastCommitAt: Date | null;
}

/** A user's counters on one UTC day. */
export interface DailyUsage extends PartnerUsageCounts {
  /** Days since 1970-01-01, UTC. */
  day: number;
}

/** A span of whole UTC days, `sinceDay` inclusive, `untilDay` exclusive; null: unbounded. */
export interface DayRange {
  sinceDay: number | null;
  untilDay: number | null;
}

export interface DailyQuery extends DayRange {
  sub: string;
}

export const PARTNER_USER_ORDERS = ['CALLS', 'TWEETS', 'DISCOVERIES', 'SUB'] as const;
export type PartnerUserOrder = (typeof PARTNER_USER_ORDERS)[number];

/** Keyset position in a user list: the sort value and the sub of the last user seen. */
export interface UserListPosition {
  value: number;
  sub: string;
}

export interface ListUsersQuery {
  /** Counters sort heaviest first, ties by sub; `SUB` sorts by code-unit string order. */
  orderBy: PartnerUserOrder;
  first: number;
  after: UserListPosition | null;
  /** Count only these days; users without usage in them are left out. Null: all time. */
  range: DayRange | null;
}

export interface ListedUser {
  user: PartnerUserTotals;
  /** The user's counters within the query's range (all time without one). */
  counts: PartnerUsageCounts;
  position: UserListPosition;
}

export interface UserList {
  users: ListedUser[];
  /** Users that match the query's range, on every page. */
  totalCount: number;
  hasNextPage: boolean;
}

/** Counters of reads and commits, so tests and the federation work can see batching at work. */
export interface LedgerStats {
  /** Read calls answered (`getUsers`, `getDaily`, `listUsers`, `position`), however many users each covered. */
  reads: number;
  commits: number;
}

export interface LedgerStore extends LedgerReader {
  readonly stats: LedgerStats;
  /** False when another process holds the writer lock: reads work, `commit` throws. */
  readonly writable: boolean;
  position(): Promise<LedgerPosition>;
  /**
   * Counts one page durably and atomically with its cursor: when the promise resolves, the page is
   * counted and survives a crash; when it rejects, nothing of it is. Commits must not overlap.
   */
  commit(commit: LedgerCommit): Promise<void>;
  /** Dense daily series (zero days included), aligned with `queries`; null for an unknown sub. */
  getDaily(queries: readonly DailyQuery[]): Promise<(DailyUsage[] | null)[]>;
  listUsers(query: ListUsersQuery): Promise<UserList>;
  /** Waits for a commit in flight, writes a final snapshot when writable, releases the lock. */
  close(): Promise<void>;
}
