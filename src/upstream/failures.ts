/**
 * What each kind of upstream failure means to the gateway: the one table the retry policy, the
 * circuit breaker and the cache's stale-if-error read. A new code is a new row here, and the
 * compiler then asks for its error class (`errors.ts`) and nothing else.
 */

/** The traits of one failure code. */
export interface FailureTraits {
  /**
   * The vendor statuses after which another attempt may get a different answer; `null` stands
   * for "no answer at all" (the connection failed). Any other status, or none, is final.
   */
  readonly retriedAfter: ReadonlySet<number | null>;
  /** Whether it counts as the vendor being unhealthy in the circuit breaker's window. */
  readonly tripsBreaker: boolean;
  /** Whether the last good answer (within `staleIfErrorMs`) is served instead, marked stale. */
  readonly servesStale: boolean;
  /** What the code means to a client: the description of its value in the schema's error-code enums. */
  readonly description: string;
}

const NEVER: ReadonlySet<number | null> = new Set();

export const UPSTREAM_FAILURES = {
  // A timeout means the vendor is slow: another attempt would wait again on a vendor already
  // struggling, with the deadline mostly spent. Slowness is ill health, and says nothing against
  // the last answer.
  UPSTREAM_TIMEOUT: { retriedAfter: NEVER, tripsBreaker: true, servesStale: true, description: "The vendor did not answer within the gateway's deadline." },
  // A refused or reset connection and 502/503/504 are transient. A 500 or 501 is the vendor's
  // own bug, and would come back the same.
  UPSTREAM_UNAVAILABLE: { retriedAfter: new Set([null, 502, 503, 504]), tripsBreaker: true, servesStale: true, description: 'The vendor could not be reached, answered with a server error, or its circuit breaker is open.' },
  // "Later", not "no": the vendor is healthy, we are over its limit (or our own budget for it).
  UPSTREAM_RATE_LIMITED: { retriedAfter: new Set([429]), tripsBreaker: false, servesStale: true, description: "The vendor's rate limit, or the gateway's budget for it, is spent; `retryAfterSeconds` says when to ask again." },
  // The vendor judged the credential: asking again gets the same answer at the cost of its rate
  // limit, and a revoked credential must stop seeing data, cached or not.
  UPSTREAM_AUTH_FAILED: { retriedAfter: NEVER, tripsBreaker: false, servesStale: false, description: "The vendor refused the gateway's configured credential." },
  // A broken contract (or an oversized or redirected body) comes back the same; it is ill health,
  // and the last answer that kept the contract is better than none.
  UPSTREAM_BAD_RESPONSE: { retriedAfter: NEVER, tripsBreaker: true, servesStale: true, description: "The vendor's answer broke its contract (shape, size or redirect); `fieldErrors` say where." },
  // A definite answer about the thing asked for: neither ill health nor a reason for old data.
  UPSTREAM_NOT_FOUND: { retriedAfter: NEVER, tripsBreaker: false, servesStale: false, description: 'The vendor answered that what was asked for does not exist.' },
  // Our request is wrong (a gateway bug or a contract change): the same request fails the same way.
  UPSTREAM_BAD_REQUEST: { retriedAfter: NEVER, tripsBreaker: false, servesStale: false, description: "The vendor rejected the gateway's request; `fieldErrors` and `hint` carry its reasons." },
  // Nobody waits for the answer any more: the request was answered without it. The vendor did
  // nothing wrong, and there is no one to serve a stale answer to.
  UPSTREAM_CANCELLED: { retriedAfter: NEVER, tripsBreaker: false, servesStale: false, description: 'The call was abandoned because nobody waits for its answer any more.' },
} as const satisfies Record<string, FailureTraits>;

/** The stable codes of upstream failures, as clients see them in `extensions.code`. */
export type UpstreamErrorCode = keyof typeof UPSTREAM_FAILURES;

export function failureTraits(code: UpstreamErrorCode): FailureTraits {
  return UPSTREAM_FAILURES[code];
}
