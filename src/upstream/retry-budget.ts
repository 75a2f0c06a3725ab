import { SlidingWindow } from './sliding-window.js';

/** Options of a vendor's {@link RetryBudget}. */
export interface RetryBudgetOptions {
  /** Largest share of the vendor's requests in the window that may be retries. Default 0.2. */
  ratio?: number;
  /** Length of the sliding window, ms. Default 60000. */
  windowMs?: number;
}

export interface RetryBudgetSnapshot {
  ratio: number;
  /** Requests sent to the vendor in the window, retries included. */
  requests: number;
  retries: number;
}

/**
 * Keeps retries to a share of a vendor's requests over a sliding window, so a failing vendor
 * sees at most `1 + ratio` times the traffic it would see without retries. Strict: with few
 * requests in the window there is room for few retries (none for the very first call).
 */
export class RetryBudget {
  readonly ratio: number;
  private readonly window: SlidingWindow<'first' | 'retry'>;

  constructor(options: RetryBudgetOptions = {}) {
    this.ratio = options.ratio ?? 0.2;
    this.window = new SlidingWindow(options.windowMs ?? 60_000);
  }

  /** Counts a first attempt. */
  recordRequest(now: number): void {
    this.window.record(now, 'first');
  }

  /** Whether one more retry keeps retries within `ratio` of all requests, that retry included. */
  canRetry(now: number): boolean {
    const retries = this.window.count(now, 'retry');
    const requests = this.window.count(now);
    return retries + 1 <= this.ratio * (requests + 1);
  }

  /** Counts a retry that is about to be sent. */
  recordRetry(now: number): void {
    this.window.record(now, 'retry');
  }

  snapshot(now: number): RetryBudgetSnapshot {
    return { ratio: this.ratio, requests: this.window.count(now), retries: this.window.count(now, 'retry') };
  }
}
