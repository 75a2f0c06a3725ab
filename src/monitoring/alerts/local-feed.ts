import type { AlertFeed, StoredAlertEvent } from './alert-types.js';

/** What {@link LocalAlertFeed} reports: a listener that threw (the others still hear the event). */
export interface LocalAlertFeedOptions {
  /** Called when a listener throws; the event still reaches every other listener. Default: ignored. */
  onListenerError?: (error: unknown) => void;
}

/**
 * The feed of one instance: an event published here reaches this process's subscribers, in the
 * order published, each once. What a fleet uses under the Redis feed, and alone without Redis.
 */
export class LocalAlertFeed implements AlertFeed {
  private readonly listeners = new Set<(event: StoredAlertEvent) => void>();
  private closed = false;

  constructor(private readonly options: LocalAlertFeedOptions = {}) {}

  publish(events: readonly StoredAlertEvent[]): void {
    if (this.closed) return;
    for (const event of events) this.deliver(event);
  }

  /**
   * Hands `event` to every listener present now. Kept separate from `publish` so that the Redis
   * feed delivers what arrives from the channel without publishing it back.
   */
  deliver(event: StoredAlertEvent): void {
    // A snapshot: a listener that unsubscribes (or subscribes) while hearing it changes nobody else's turn.
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        // One broken subscriber must not cost the others their event.
        this.options.onListenerError?.(error);
      }
    }
  }

  subscribe(listener: (event: StoredAlertEvent) => void): () => void {
    // A distinct wrapper per call: the same function subscribed twice hears each event twice and unsubscribes once each.
    const entry = (event: StoredAlertEvent) => listener(event);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** How many listeners are subscribed (the metrics and tests read it). */
  get size(): number {
    return this.listeners.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
  }
}
