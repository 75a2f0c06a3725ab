import type { PartnerEndpointUsage, PartnerUsageCounts } from '../usage/model.js';

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
