import type { FollowerStatus } from './follower.js';
import type { LedgerStore } from './store.js';

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
