import { SlidingWindow } from '../upstream/sliding-window.js';

/** The caller rate limit's window, ms: a sliding minute. */
export const CALLER_WINDOW_MS = 60_000;

/**
 * Where the caller rate limit counts each caller's requests over the sliding minute. The
 * embedded default is {@link MemoryCallerWindows}; a shared store (Redis) counts for every
 * gateway instance at once, and may answer asynchronously.
 */
export interface CallerWindows {
  /**
   * Counts one request of `key` when fewer than `perMinute` were counted over the last minute and
   * returns 0; otherwise counts nothing and returns ms until the oldest counted one leaves.
   */
  take(key: string, now: number, perMinute: number): number | Promise<number>;
}

/** Options of {@link MemoryCallerWindows}. */
export interface MemoryCallerWindowsOptions {
  /** Most callers tracked at once; the least recently seen are forgotten first. Default 10000. */
  maxCallers?: number;
}

/** The embedded default: one sliding window per caller in this process's memory, LRU-bounded. */
export class MemoryCallerWindows implements CallerWindows {
  private readonly windows = new Map<string, SlidingWindow<'request'>>();
  private readonly maxCallers: number;

  constructor(options: MemoryCallerWindowsOptions = {}) {
    this.maxCallers = options.maxCallers ?? 10_000;
  }

  take(key: string, now: number, perMinute: number): number {
    const { windows } = this;
    let window = windows.get(key);
    if (window === undefined) {
      window = new SlidingWindow(CALLER_WINDOW_MS);
      if (windows.size >= this.maxCallers) windows.delete(windows.keys().next().value!);
    } else {
      windows.delete(key);
    }
    windows.set(key, window);
    if (window.count(now) < perMinute) {
      window.record(now, 'request');
      return 0;
    }
    const oldest = window.oldest(now) ?? now;
    return Math.max(1, oldest + CALLER_WINDOW_MS - now);
  }
}
