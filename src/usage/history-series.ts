/**
 * The names of the usage-history series: how the sampler files each vendor counter and how the
 * schema finds it again. One definition, so that both always agree on every character.
 */

/** The series of a quota: `quota:<name>`, e.g. `quota:monthly_requests` or `quota:cohort.max_count`. */
export function quotaSeries(name: string): string {
  return `quota:${name}`;
}

/**
 * The series of a period counter's month-to-date count: `period:<metric>`, or for a per-resource
 * breakdown `period:<metric>:<resourceId>` (e.g. `period:lookup_api_requests.successful`).
 */
export function periodSeries(metric: string, resourceId: string | null): string {
  return resourceId === null ? `period:${metric}` : `period:${metric}:${resourceId}`;
}

/** The series of a rate limit's remaining calls in its window, for vendors that report it. */
export const RATE_LIMIT_REMAINING_SERIES = 'rateLimit:remaining';
