import { accountCallsOf, type AnyVendorModule } from '../providers/vendor-module.js';

/** Most of a vendor's default rate budget that sampling may spend: the rest is the queries'. */
export const SAMPLING_BUDGET_SHARE = 0.05;

/** Shortest interval `HISTORY_SAMPLE_INTERVAL_SECONDS` accepts, and the demo's step. */
export const MIN_SAMPLE_INTERVAL_SECONDS = 10;

/**
 * The default sampling interval, in seconds: the shortest that keeps every vendor's sampling at
 * or under {@link SAMPLING_BUDGET_SHARE} of its budget, given that one tick reads the vendor's
 * account (`accountCalls` calls). Against real vendors, in whole minutes of their default budgets
 * (an interval an operator reads at a glance); in demo mode, in steps of ten seconds of the
 * simulators' budgets, so that a fresh demo shows history within minutes.
 */
export function defaultSampleIntervalSeconds(vendors: readonly Pick<AnyVendorModule, 'id' | 'accountCalls' | 'rateLimitPerMinute'>[], demo = false): number {
  const step = demo ? MIN_SAMPLE_INTERVAL_SECONDS : 60;
  let seconds = step;
  for (const vendor of vendors) {
    const callsPerTick = accountCallsOf(vendor).length;
    const budgetPerMinute = demo ? vendor.rateLimitPerMinute.demo : vendor.rateLimitPerMinute.default;
    // callsPerTick × (60 / interval) ≤ share × budget, so interval ≥ 60 × callsPerTick / (share × budget).
    const shortest = (60 * callsPerTick) / (SAMPLING_BUDGET_SHARE * budgetPerMinute);
    seconds = Math.max(seconds, Math.ceil(shortest / step - 1e-9) * step);
  }
  return seconds;
}
