import type { ChannelEvents } from './channel-events.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { Clock } from '../common/clock.js';
import { UpstreamRateLimitedError, UpstreamUnavailableError, type UpstreamError } from './errors.js';
import { failureTraits } from './failures.js';
import type { UpstreamResponse } from './http.js';
import type { RequestPriority, VendorRateBudget } from './rate-budget.js';

/** Leave to send one attempt; a probe must be settled or released, or the breaker stays half open. */
export interface Permit {
  probe: boolean;
}

/** What an {@link Admission} is built from. */
export interface AdmissionOptions {
  /** Vendor name for errors, e.g. `SHARPE`. */
  provider: string;
  breaker: CircuitBreaker;
  rateBudget: VendorRateBudget;
  clock: Clock;
  events: ChannelEvents;
}

/**
 * Whether an attempt may be sent to the vendor: its circuit breaker lets it through and its rate
 * budget has a slot before the call's deadline (which the caller checks has not passed). Also where attempts' outcomes and the vendor's
 * rate signals come back to, since they change the next answer.
 */
export class Admission {
  constructor(private readonly options: AdmissionOptions) {}

  /**
   * Waits until this attempt may be sent. Otherwise fails at once, with the previous attempt's
   * error when this would have been a retry (it says more than "no room"). `caller` is whose
   * request this is, for the share of the budget one caller may use (null: nobody's).
   */
  async admit(deadlineAt: number, previous: UpstreamError | null, priority: RequestPriority = 'foreground', caller: string | null = null): Promise<Permit> {
    const { provider, breaker, rateBudget, clock } = this.options;
    let now = clock.now();
    const permit = breaker.acquire(now);
    if (!permit.allowed) {
      throw (
        previous ??
        new UpstreamUnavailableError(`${provider} is failing: its circuit breaker is open, so the gateway answers without calling it`, {
          provider,
          retryAfterSeconds: Math.max(1, Math.ceil(permit.retryAfterMs / 1000)),
        })
      );
    }
    for (;;) {
      const acquired = rateBudget.tryAcquire(now, priority, caller);
      // The embedded budget answers at once; only a shared one (Redis) costs an await.
      const waitMs = typeof acquired === 'number' ? acquired : await acquired;
      if (waitMs === 0) return { probe: permit.probe };
      if (now + waitMs >= deadlineAt) {
        breaker.release(permit.probe);
        const limit = rateBudget.limit;
        const share = caller === null || priority === 'background' ? '' : ` (at most ${rateBudget.callerLimit} of them for one caller)`;
        this.options.events.emit({ type: 'rate-budget-spent', limitPerMinute: limit, waitMs });
        throw (
          previous ??
          new UpstreamRateLimitedError(
            `${provider}: the gateway's budget of ${limit} requests a minute for this vendor${share} is spent (or the vendor asked to wait); not sent`,
            { provider, retryAfterSeconds: Math.ceil(waitMs / 1000) },
          )
        );
      }
      await clock.sleep(waitMs);
      now = clock.now();
    }
  }

  /** Hands back a permit whose attempt never reached the vendor. */
  release(permit: Permit): void {
    this.options.breaker.release(permit.probe);
  }

  /** An attempt's outcome, for the breaker: only failures that say the vendor is unwell count against it. */
  settle(now: number, permit: Permit, failure: UpstreamError | null): void {
    const { breaker, events } = this.options;
    const before = breaker.snapshot(now).state;
    breaker.record(now, failure !== null && failureTraits(failure.code).tripsBreaker, permit.probe);
    const after = breaker.snapshot(now);
    if (after.state !== before) events.emit({ type: 'breaker-changed', state: after.state, calls: after.calls, failures: after.failures });
  }

  /** Rate-limit headers and 429s tighten the budget for every later request. */
  observeResponse(now: number, response: UpstreamResponse): void {
    this.options.rateBudget.observeHeaders(now, response.headers);
    if (response.status === 429) this.options.rateBudget.observeRateLimited(now, response.retryAfterSeconds);
  }

  /** The vendor's own statement of its per-minute limit, read from a value it sent. */
  observeReportedLimit(perMinute: number): void {
    this.options.rateBudget.observeLimit(perMinute);
  }
}
