import type { ChannelEvent, ChannelListener } from './channel-events.js';
import type { CircuitBreaker, CircuitState } from './circuit-breaker.js';
import type { UpstreamError } from './errors.js';
import type { VendorRateBudget } from './rate-budget.js';
import type { RetryBudget } from './retry-budget.js';

/** A channel's state for `providers { health }`. */
export interface ChannelHealth {
  breaker: {
    state: CircuitState;
    calls: number;
    failures: number;
    failureRate: number | null;
    openUntil: Date | null;
  };
  lastError: { error: UpstreamError; at: Date } | null;
  lastSuccessAt: Date | null;
  rateBudget: {
    limitPerMinute: number;
    configuredLimitPerMinute: number;
    reportedLimitPerMinute: number | null;
    used: number;
    remaining: number;
    pausedUntil: Date | null;
  };
  retryBudget: { ratio: number; requests: number; retries: number };
}

/** The parts of a channel whose state its health shows. */
export interface HealthSources {
  breaker: CircuitBreaker;
  rateBudget: VendorRateBudget;
  retryBudget: RetryBudget;
}

/**
 * A channel's health: the last failure and the last success of its attempts, learnt from its
 * events, beside the breaker's and the budgets' own state.
 */
export class HealthRecorder {
  private lastError: { error: UpstreamError; at: number } | null = null;
  private lastSuccessAt: number | null = null;

  constructor(private readonly sources: HealthSources) {}

  readonly listener: ChannelListener = (event: ChannelEvent) => {
    if (event.type === 'attempt-succeeded') this.lastSuccessAt = event.at;
    else if (event.type === 'attempt-failed') this.lastError = { error: event.error, at: event.at };
  };

  snapshot(now: number): ChannelHealth {
    const breaker = this.sources.breaker.snapshot(now);
    const rate = this.sources.rateBudget.snapshot(now);
    return {
      breaker: { ...breaker, openUntil: dateOrNull(breaker.openUntil) },
      lastError: this.lastError === null ? null : { error: this.lastError.error, at: new Date(this.lastError.at) },
      lastSuccessAt: dateOrNull(this.lastSuccessAt),
      rateBudget: { ...rate, pausedUntil: dateOrNull(rate.pausedUntil) },
      retryBudget: this.sources.retryBudget.snapshot(now),
    };
  }
}

function dateOrNull(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}
