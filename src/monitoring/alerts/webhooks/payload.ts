import { createHash } from 'node:crypto';
import type { AlertEvent } from '../../../usage/alert-evaluation.js';

/**
 * The body of a webhook and its `webhook-id`. The body follows the Standard Webhooks payload
 * shape (`type`, `timestamp`, `data`); it is serialised once, when the delivery is enqueued, and
 * the same bytes are sent on every attempt.
 */

export type WebhookEventType = 'alert.fired' | 'alert.resolved' | 'alert.test';

/** A counter as JSON: a number while it is a safe integer (every parser reads it exactly), else its decimal text. */
export type JsonCounter = number | string;

/** `data` of `alert.fired` and `alert.resolved`. */
export interface AlertWebhookData {
  /** The alert's stable key: the same for its fired and its resolved event. */
  key: string;
  kind: 'FIRED' | 'RESOLVED';
  ruleId: string;
  provider: string;
  series: string;
  /** The rule's threshold in its own unit (percent, counter value, daily calls); null for a projection. */
  threshold: number | null;
  /** The period the alert fired in: the quota period's index in the usage history, or a UTC day number (days since the epoch) for partner daily calls. */
  period: number;
  limit: JsonCounter | null;
  value: JsonCounter;
  /** Present on resolved events only. */
  reason?: string;
  /** When the evaluation decided the event (ISO 8601). */
  at: string;
}

/** `data` of `alert.test`. */
export interface TestWebhookData {
  endpointId: string;
  message: string;
}

export interface WebhookPayload<Data = AlertWebhookData | TestWebhookData> {
  type: WebhookEventType;
  /** When the event happened (ISO 8601): the evaluation's time, or when the test was asked for. */
  timestamp: string;
  data: Data;
}

/**
 * A counter exact in JSON: numbers beyond 2^53 - 1 would be rounded by many receivers' parsers. A
 * larger whole number is written with every digit of the value held (not JavaScript's shortest
 * form, which ends in zeros); a fraction as JavaScript prints it.
 */
export function jsonCounter(value: number): JsonCounter {
  if (Number.isSafeInteger(value)) return value;
  return Number.isInteger(value) ? BigInt(value).toString() : String(value);
}

/** The payload of an alert event. */
export function alertPayload(event: AlertEvent): WebhookPayload<AlertWebhookData> {
  const data: AlertWebhookData = {
    key: event.key,
    kind: event.kind,
    ruleId: event.ruleId,
    provider: event.provider,
    series: event.series,
    threshold: event.threshold,
    period: event.period,
    limit: event.limit === null ? null : jsonCounter(event.limit),
    value: jsonCounter(event.value),
    ...(event.reason === undefined ? {} : { reason: event.reason }),
    at: new Date(event.at).toISOString(),
  };
  return { type: event.kind === 'FIRED' ? 'alert.fired' : 'alert.resolved', timestamp: data.at, data };
}

/** The payload of a test event for one endpoint. */
export function testPayload(endpointId: string, at: number): WebhookPayload<TestWebhookData> {
  return {
    type: 'alert.test',
    timestamp: new Date(at).toISOString(),
    data: { endpointId, message: 'A test event from the usage gateway: this endpoint receives and verifies its alert webhooks.' },
  };
}

/**
 * The `webhook-id` of one message: derived from (endpoint, event key, kind) alone, so a replay
 * after a crash, a retry or a second evaluator gives the same id, and a receiver deduplicating on
 * it processes the alert once. A hash, since the key is JSON text the header may not carry; the
 * endpoint is part of it so two endpoints of one receiver see two messages.
 */
export function webhookId(endpointId: string, key: string, kind: string): string {
  const digest = createHash('sha256').update(JSON.stringify([endpointId, key, kind])).digest('base64url');
  return `msg_${digest.slice(0, 32)}`;
}
