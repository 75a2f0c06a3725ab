import type { PartnerEndpointUsage, PartnerUsageCounts } from '../usage/model.js';
import type { FollowerStatus } from './follower.js';
import type { LedgerStore } from './store.js';

/** One partner user's exact totals over every stream entry the ledger has ingested. */
export interface PartnerUserTotals extends PartnerUsageCounts {
  /** Exactly as Arrays sent it; never parsed as a number. */
  sub: string;
  byEndpoint: PartnerEndpointUsage[];
  /** Time (from the stream ids) of the first and last entry counted for this user. */
  firstSeenAt: Date | null;
  lastSeenAt: Date | null;
}

/**
 * The read side of the ledger that the schema and federation need. `getUsers` is one ledger read
 * however many subs it is given; the result is aligned with `subs`, null for a sub never seen.
 */
export interface LedgerReader {
  getUsers(subs: readonly string[]): Promise<(PartnerUserTotals | null)[]>;
}

/**
 * The partner ledger as the rest of the gateway sees it, whichever store keeps it (files in
 * `DATA_DIR` or PostgreSQL): its totals and what its follower is doing.
 */
export interface PartnerLedger {
  readonly store: LedgerStore;
  status(): FollowerStatus;
}

/** A partner ledger its starter holds, and so may stop. */
export interface RunningPartnerLedger extends PartnerLedger {
  /** Stops the follower (a commit in flight finishes), writes a snapshot and releases the lock. */
  close(): Promise<void>;
}
