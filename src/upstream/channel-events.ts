import type { CircuitState } from './circuit-breaker.js';
import type { UpstreamError } from './errors.js';
import type { RetryDecision } from './retry-policy.js';

/**
 * What happens inside a channel, as its layers report it. Health and logging listen; the layers
 * know neither.
 */
export type ChannelEvent =
  /**
   * An attempt reached the vendor and its answer was accepted; `status` is the HTTP status and
   * `durationMs` how long the attempt took on the wire (absent from callers that do not time it).
   */
  | { type: 'attempt-succeeded'; at: number; status?: number; durationMs?: number }
  /**
   * An attempt failed: the vendor's answer meant an error, or the transport failed (`status` null:
   * no response). `durationMs` as for a success.
   */
  | { type: 'attempt-failed'; error: UpstreamError; at: number; status?: number | null; durationMs?: number }
  /** The failed attempt is tried again after `delayMs`; `retry` counts from 1. */
  | { type: 'retrying'; error: UpstreamError; retry: number; delayMs: number }
  /** The failed attempt is final, for `reason`; the call fails with `error`. */
  | { type: 'not-retrying'; error: UpstreamError; reason: Extract<RetryDecision, { retry: false }>['reason'] }
  /** The breaker moved to `state` on an attempt's outcome. */
  | { type: 'breaker-changed'; state: CircuitState; calls: number; failures: number }
  /** No rate-budget slot frees up before the deadline: the request is not sent. */
  | { type: 'rate-budget-spent'; limitPerMinute: number; waitMs: number }
  /** The vendor failed with `error` and the cached answer of `path`, `ageSeconds` old, was served. */
  | { type: 'served-stale'; path: string; error: UpstreamError; ageSeconds: number }
  /** A foreground call was answered from a fresh cache entry, without asking the vendor. */
  | { type: 'cache-hit' }
  /** A foreground call found no fresh entry (a store that fails reports `cache-failed` instead). */
  | { type: 'cache-miss' }
  /** The cache store failed; the call went on as if it had missed (read) or kept nothing (write). */
  | { type: 'cache-failed'; operation: 'read' | 'write'; error: unknown };

export type ChannelListener = (event: ChannelEvent) => void;

/** A channel's listeners, called in the order they were added, at the moment each event happens. */
export class ChannelEvents {
  private readonly listeners: ChannelListener[] = [];

  on(listener: ChannelListener): void {
    this.listeners.push(listener);
  }

  emit(event: ChannelEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
