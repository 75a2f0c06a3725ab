/**
 * The contracts between the parts of threshold alerting: the evaluator decides events (from
 * src/usage/alert-evaluation.ts), the event store keeps each once, the webhook outbox delivers them,
 * and the feed pushes them to subscribers (on every instance of a fleet). The GraphQL schema reads
 * alerting only through {@link AlertingReadModel}.
 */

import type { AlertEvent } from '../../usage/alert-evaluation.js';
import type { AlertRule } from '../../usage/alert-rules.js';

/** An alert event as stored: the evaluation's event and its place in the store's order. */
export interface StoredAlertEvent extends AlertEvent {
  /**
   * Opaque and increasing: the event's position in the store's order, as a decimal string (a
   * 53-bit-safe sequence number). A query pages after it; a subscriber resumes after it.
   */
  cursor: string;
  /** When the store recorded it (epoch ms). */
  recordedAt: number;
}

/** One page of stored events, oldest first. */
export interface AlertEventPage {
  events: StoredAlertEvent[];
  /** Whether events follow the page's last one. */
  hasMore: boolean;
}

/** What {@link AlertEventStore.list} pages through. */
export interface AlertEventQuery {
  /** Events after this cursor; null from the oldest kept. */
  after: string | null;
  /** At most this many (1 to 1000). */
  first: number;
  /** Only this vendor's events. */
  provider?: string;
}

/**
 * Where alert events are kept: one event per (key, kind), whoever records it and however often.
 * Embedded files by default, PostgreSQL on a fleet (the same places as the usage history).
 */
export interface AlertEventStore {
  /**
   * Records each event unless one with the same (key, kind) is stored, and resolves with those
   * newly recorded, in input order, once durable. Safe to retry and safe from two instances at
   * once: each (key, kind) is recorded by exactly one of them.
   */
  record(events: readonly AlertEvent[]): Promise<StoredAlertEvent[]>;
  /** Stored events after a cursor, oldest first. */
  list(query: AlertEventQuery): Promise<AlertEventPage>;
  /** The FIRED events that no RESOLVED event of the same key follows: what is firing now, by cursor. */
  firing(): Promise<StoredAlertEvent[]>;
  close(): Promise<void>;
}

/**
 * Where recorded events go next, called by the evaluator after recording and before saving its
 * state. `enqueue` resolves once the events are durable in the outbox; it is idempotent per (event
 * key, kind, endpoint), so a replay after a crash or a second evaluator enqueues nothing twice.
 */
export interface AlertSink {
  enqueue(events: readonly AlertEvent[]): Promise<void>;
}

/**
 * Alert events pushed to subscribers. With shared state (Redis) an event published on one instance
 * reaches the subscribers of every instance, once; without it, those of this instance.
 */
export interface AlertFeed {
  /** Publishes events just recorded (by this instance). */
  publish(events: readonly StoredAlertEvent[]): void;
  /** Calls `listener` with every event published from now on; returns the unsubscribe. */
  subscribe(listener: (event: StoredAlertEvent) => void): () => void;
  close(): Promise<void>;
}

/** One webhook endpoint's delivery state, as `ops:read` callers and the metrics see it. */
export interface WebhookEndpointState {
  /** The endpoint's id in the rules file. */
  id: string;
  /** The URL without its query string or user info (neither may carry a secret out). */
  url: string;
  /** Disabled after the receiver answered 410 Gone; re-enabled when the rules file names it again with a new URL. */
  disabled: boolean;
  lastSuccessAt: number | null;
  lastError: { code: string; message: string; at: number } | null;
  /** Deliveries waiting in the outbox. */
  pending: number;
}

/** What the GraphQL schema may read of alerting, and the one thing it may do (a test event). */
export interface AlertingReadModel {
  /** The rules in force (the last good rules file, or the defaults). */
  rules(): readonly AlertRule[];
  firing(): Promise<StoredAlertEvent[]>;
  events(query: AlertEventQuery): Promise<AlertEventPage>;
  /** Events as they are recorded (on any instance of a fleet). */
  feed: AlertFeed;
  webhookEndpoints(): WebhookEndpointState[];
  /**
   * Signs and enqueues a test event for one endpoint; resolves with its `webhook-id`. Rejects with
   * an error whose `code` is `WEBHOOK_ENDPOINT_UNKNOWN` when no endpoint has that id.
   */
  sendTestEvent(endpointId: string): Promise<{ webhookId: string }>;
}
