import { SlidingWindow } from './sliding-window.js';

/** Options of a {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Share of failed calls in the window at or above which the breaker opens. Default 0.5. */
  failureRateThreshold?: number;
  /** Fewest calls in the window before the rate counts; fewer never open it. Default 20. */
  minimumCalls?: number;
  /** Length of the sliding window, ms. Default 10000. */
  windowMs?: number;
  /** How long it stays open before one probe may pass, ms. Default 30000. */
  openMs?: number;
}

export type CircuitState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export type CircuitPermit =
  | { allowed: true; probe: boolean }
  /** Refused: no call may be made; `retryAfterMs` until a probe may pass. */
  | { allowed: false; retryAfterMs: number };

export interface CircuitSnapshot {
  state: CircuitState;
  calls: number;
  failures: number;
  /** failures / calls in the window; null with no calls. */
  failureRate: number | null;
  /** When an open breaker lets a probe through; null unless OPEN. */
  openUntil: number | null;
}

/**
 * A breaker for one (vendor, credential). CLOSED counts outcomes over a sliding window and opens
 * when enough of them failed; OPEN refuses every call without touching the vendor; after `openMs`
 * the next call is the one probe (HALF_OPEN) while others are still refused, and its outcome
 * closes the breaker or opens it again.
 */
export class CircuitBreaker {
  private readonly failureRateThreshold: number;
  private readonly minimumCalls: number;
  private readonly openMs: number;
  private readonly window: SlidingWindow<'success' | 'failure'>;
  private state: 'CLOSED' | 'OPEN' = 'CLOSED';
  private openedUntil = 0;
  private probeInFlight = false;

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureRateThreshold = options.failureRateThreshold ?? 0.5;
    this.minimumCalls = options.minimumCalls ?? 20;
    this.openMs = options.openMs ?? 30_000;
    this.window = new SlidingWindow(options.windowMs ?? 10_000);
  }

  /** Asks to make one upstream call. A permit with `probe: true` must be settled by `record` or `release`. */
  acquire(now: number): CircuitPermit {
    if (this.state === 'CLOSED') return { allowed: true, probe: false };
    if (now < this.openedUntil) return { allowed: false, retryAfterMs: this.openedUntil - now };
    // Half open: one probe decides; the rest keep failing fast until it has.
    if (this.probeInFlight) return { allowed: false, retryAfterMs: 0 };
    this.probeInFlight = true;
    return { allowed: true, probe: true };
  }

  /** Hands back a probe permit that was never used (the call stopped before reaching the vendor). */
  release(probe: boolean): void {
    if (probe) this.probeInFlight = false;
  }

  /** The outcome of a permitted call. */
  record(now: number, failed: boolean, probe: boolean): void {
    if (probe) {
      this.probeInFlight = false;
      if (failed) {
        this.openedUntil = now + this.openMs;
      } else {
        // A fresh window: the failures that opened it say nothing about the vendor now.
        this.state = 'CLOSED';
        this.window.clear();
      }
      return;
    }
    // Calls that were already in flight when the breaker opened do not reset its timer.
    if (this.state === 'OPEN') return;
    this.window.record(now, failed ? 'failure' : 'success');
    const calls = this.window.count(now);
    if (calls >= this.minimumCalls && this.window.count(now, 'failure') / calls >= this.failureRateThreshold) {
      this.state = 'OPEN';
      this.openedUntil = now + this.openMs;
    }
  }

  snapshot(now: number): CircuitSnapshot {
    const calls = this.window.count(now);
    const failures = this.window.count(now, 'failure');
    const state: CircuitState = this.state === 'CLOSED' ? 'CLOSED' : now < this.openedUntil ? 'OPEN' : 'HALF_OPEN';
    return {
      state,
      calls,
      failures,
      failureRate: calls === 0 ? null : failures / calls,
      openUntil: state === 'OPEN' ? this.openedUntil : null,
    };
  }
}
