/**
 * The webhook outbox: every message to send, durable before the evaluator goes on, kept until it
 * is delivered or given up. One message per (endpoint, webhook-id): enqueueing it again, after a
 * crash or from a second evaluator, changes nothing. A message being attempted is claimed for a
 * while (a lease), so that two workers on one shared outbox do not send it at once, and a worker
 * that dies mid-attempt leaves it due again once the lease ends.
 */

import type { WebhookEventType } from './payload.js';

/** A message to enqueue. */
export interface NewWebhookMessage {
  endpointId: string;
  webhookId: string;
  type: WebhookEventType;
  /** The exact body sent on every attempt. */
  body: string;
  /** When it was enqueued (epoch ms): the outbox lag counts from here. */
  createdAt: number;
}

export type WebhookMessageStatus = 'pending' | 'delivered' | 'given-up';

/** A message as the outbox holds it. */
export interface WebhookMessage extends NewWebhookMessage {
  status: WebhookMessageStatus;
  /** Attempts begun so far (a claim counts one, whether or not it finished). */
  attempts: number;
  /** When it is due next (epoch ms). */
  nextAttemptAt: number;
  /** While an attempt holds it: the end of that attempt's lease (epoch ms); null otherwise. */
  claimedUntil: number | null;
}

/** Pending messages of one endpoint. */
export interface PendingSummary {
  count: number;
  /** `createdAt` of the oldest. */
  oldestCreatedAt: number;
}

export interface WebhookOutbox {
  readonly backend: 'file' | 'postgres';
  /** Records each message unless one with its (endpoint, webhook-id) exists; resolves once durable. */
  enqueue(messages: readonly NewWebhookMessage[]): Promise<void>;
  /** Pending messages of the `endpoints` due at `now` and not claimed, oldest due first, at most `limit`. */
  due(now: number, limit: number, endpoints: ReadonlySet<string>): Promise<WebhookMessage[]>;
  /**
   * Claims a due message for one attempt: counts the attempt and holds the message until
   * `leaseUntil`. Resolves with the message as claimed, or null when it is no longer due (another
   * worker claimed or finished it).
   */
  claim(endpointId: string, webhookId: string, now: number, leaseUntil: number): Promise<WebhookMessage | null>;
  /** Ends a claim: the message is due again at `at`. */
  reschedule(endpointId: string, webhookId: string, at: number): Promise<void>;
  /** Ends a message: delivered, or given up after its last attempt. */
  finish(endpointId: string, webhookId: string, status: 'delivered' | 'given-up', at: number): Promise<void>;
  /** Pending messages by endpoint. */
  pending(): Promise<Map<string, PendingSummary>>;
  /** The earliest `nextAttemptAt` (or claim end) of a pending message of the `endpoints`; null: none. */
  nextDue(endpoints: ReadonlySet<string>): Promise<number | null>;
  /** Endpoints disabled by a 410, with the URL they had then (a new URL re-enables one). */
  disabledEndpoints(): Promise<Map<string, { url: string; at: number }>>;
  /** Disables an endpoint (`url` its URL now), or re-enables it (null). */
  setDisabled(endpointId: string, disabled: { url: string; at: number } | null): Promise<void>;
  /**
   * Forgets finished messages older than `before`. Until then a finished message still makes a
   * second enqueue of it a no-op: a replay shortly after delivery sends nothing again.
   */
  prune(before: number): Promise<void>;
  close(): Promise<void>;
}

/** How long finished messages are remembered, so a late replay of their events enqueues nothing. Seven days. */
export const FINISHED_RETENTION_MS = 7 * 86_400_000;
