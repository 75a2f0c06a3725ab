import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AlertFeed, StoredAlertEvent } from '../monitoring/alerts/alert-types.js';
import { LocalAlertFeed } from '../monitoring/alerts/local-feed.js';
import type { RedisConnection, SharedStateLogger } from './redis-connection.js';

/** What {@link RedisAlertFeed} is built from. */
export interface RedisAlertFeedOptions {
  /** The fleet's connection: publishes go through it, and its key prefix names the channel. */
  connection: RedisConnection;
  logger: SharedStateLogger;
  /** This instance's name on the channel, so that it skips its own messages. Default: a random UUID. */
  instanceId?: string;
}

/** One message on the channel: the events one instance recorded, and which instance that was. */
interface FeedMessage {
  origin: string;
  events: StoredAlertEvent[];
}

/**
 * Alert events across a fleet over Redis pub/sub. An event published on one instance reaches that
 * instance's subscribers at once, from memory, and every other instance's through the channel; each
 * instance skips its own messages, so every subscriber hears each event exactly once, whether or
 * not this instance's own subscription is up at that moment.
 *
 * Pub/sub keeps nothing: while Redis is unreachable, events reach only the subscribers of the
 * instance that recorded them (one warning per outage says so), and a subscriber elsewhere catches
 * up with `alertEvents(after:)`, which reads the event store. The subscribing connection is a
 * connection of its own, because a Redis connection in subscriber mode runs no other command.
 */
export class RedisAlertFeed implements AlertFeed {
  private readonly local: LocalAlertFeed;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly origin: string;
  private warned = false;
  private closed = false;

  constructor(private readonly options: RedisAlertFeedOptions) {
    const { connection, logger } = options;
    this.origin = options.instanceId ?? randomUUID();
    this.channel = connection.key('alerts', 'events');
    this.local = new LocalAlertFeed({ onListenerError: (error) => logger.warn('alert feed: a subscriber failed on an event', { error: errorName(error) }) });
    // Queued while (re)connecting: SUBSCRIBE is sent again on every reconnection, never lost to a closed socket.
    this.subscriber = connection.client.duplicate({ lazyConnect: true, enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.subscriber.on('error', () => {
      // The fleet connection says Redis is unreachable (once per outage); a second line would add nothing.
    });
    this.subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.receive(text);
    });
    void this.subscriber.connect().catch(() => undefined);
    this.subscriber.subscribe(this.channel).catch(() => undefined);
    connection.onTurn((shared) => {
      if (shared) this.warned = false;
    });
  }

  publish(events: readonly StoredAlertEvent[]): void {
    if (this.closed || events.length === 0) return;
    this.local.publish(events);
    const message: FeedMessage = { origin: this.origin, events: [...events] };
    this.options.connection.client.publish(this.channel, JSON.stringify(message)).catch((error: unknown) => {
      this.options.connection.failed(error);
      if (this.warned) return;
      this.warned = true;
      this.options.logger.warn("alert feed: Redis unreachable, alert events reach only this instance's subscribers until it answers (others catch up with alertEvents(after:))", {
        events: events.length,
      });
    });
  }

  subscribe(listener: (event: StoredAlertEvent) => void): () => void {
    return this.local.subscribe(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.local.close();
    try {
      if (this.subscriber.status === 'ready') await this.subscriber.quit();
      else this.subscriber.disconnect();
    } catch {
      this.subscriber.disconnect();
    }
  }

  private receive(text: string): void {
    let message: FeedMessage;
    try {
      message = JSON.parse(text) as FeedMessage;
    } catch {
      this.options.logger.warn('alert feed: a message on the channel was not JSON; ignored', { channel: this.channel });
      return;
    }
    if (message.origin === this.origin || !Array.isArray(message.events)) return;
    for (const event of message.events) this.local.deliver(event);
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
