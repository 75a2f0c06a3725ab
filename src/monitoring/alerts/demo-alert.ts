/**
 * The demo's first alert: within the first minutes of a demo, one simulated quota crosses the
 * default 80 % threshold, so that a newcomer sees an alert arrive. Sharpe's monthly quota is set
 * just under it at start and climbs one percent of its limit between two fresh readings: the first
 * reading (one sampling interval in) is at about 79.5 %, the second at about 80.5 %, and 100 %
 * follows some twenty readings later, where the quota stops as the vendor's does.
 */

/** The vendor and quota the demo alert is about. */
export const DEMO_ALERT_QUOTA = { provider: 'SHARPE', quota: 'monthly_requests' } as const;

/** The quota's limit during the demo: round numbers read well in GraphiQL. */
const DEMO_LIMIT = 100_000;
/** The climb between two fresh readings, as a share of the limit. */
const SHARE_PER_READING = 0.01;

/**
 * How often the sampler gets a fresh reading of a vendor: every tick, or when the vendor's answers
 * are cached for longer than an interval, the first tick after the cached one expires (a tick that
 * gets the cached answer again records nothing).
 */
export function freshReadingEveryMs(sampleIntervalMs: number, cacheTtlMs: number): number {
  return Math.max(1, Math.ceil(cacheTtlMs / sampleIntervalMs)) * sampleIntervalMs;
}

/**
 * The simulator usage setting (`POST /__sim/usage`) that makes the demo alert: the first reading
 * comes one sampling interval after the start, the next `freshReadingEveryMs` later; the crossing
 * falls halfway between them.
 */
export function demoAlertSetting(sampleIntervalMs: number, cacheTtlMs: number): { quota: string; used: number; limit: number; perMinute: number } {
  const readingEveryMs = freshReadingEveryMs(sampleIntervalMs, cacheTtlMs);
  const perMs = (DEMO_LIMIT * SHARE_PER_READING) / readingEveryMs;
  return {
    quota: DEMO_ALERT_QUOTA.quota,
    used: Math.round(DEMO_LIMIT * 0.8 - perMs * (sampleIntervalMs + readingEveryMs / 2)),
    limit: DEMO_LIMIT,
    perMinute: Math.round(perMs * 60_000),
  };
}
