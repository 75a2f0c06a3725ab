import { randomUUID } from 'node:crypto';
import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import type { Clock } from '../../../common/clock.js';
import { ATTEMPT_DEADLINE_MS, nextAttempt, type NextAttempt } from '../../../common/delivery-schedule.js';
import type { Logger } from '../../../common/logger.js';
import type { AlertEvent } from '../../../usage/alert-evaluation.js';
import type { AlertSink, WebhookEndpointState } from '../alert-types.js';
import { displayUrl, type WebhookEndpoint } from './endpoints.js';
import { WebhookEndpointUnknownError } from './errors.js';
import { FINISHED_RETENTION_MS, type NewWebhookMessage, type PendingSummary, type WebhookMessage, type WebhookOutbox } from './outbox-types.js';
import { alertPayload, testPayload, webhookId } from './payload.js';

/**
 * The webhook delivery worker: the alert sink the evaluator enqueues into, and the loop that sends
 * what the outbox holds, signed anew on every attempt, on the schedule of delivery-schedule.ts.
 * At least once: a message leaves the outbox only when the receiver answered 2xx or its last
 * attempt failed. Nothing secret reaches a log line, an error or the endpoint state: the state's
 * URL has no query string, and a receiver's answer is reduced to its status code (a receiver that
 * echoes the request would otherwise hand its signature back out).
 */

/** Timers the worker waits with; injected so tests decide when time passes. */
export interface WebhookTimers {
  /** Calls `run` once after `ms`; returns what cancels it. */
  set(ms: number, run: () => void): () => void;
}

/** Node's timers, unref'd: a pending retry does not keep the process alive. */
export const systemTimers: WebhookTimers = {
  set(ms, run) {
    const timer = setTimeout(run, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** How one attempt ended, as the metrics count it. */
export type WebhookAttemptOutcome = 'delivered' | 'http_error' | 'network_error' | 'gone';

/** What the worker reports, for metrics (the worker itself imports no metrics). */
export interface WebhookDeliveryObserver {
  /** After every attempt. */
  attempted?(endpointId: string, outcome: WebhookAttemptOutcome): void;
  /** A message given up: its last attempt failed. */
  givenUp?(endpointId: string): void;
}

/** Options of {@link createWebhookDelivery}. */
export interface WebhookDeliveryOptions {
  /** Where messages wait: `openWebhookOutbox`. Closed by the caller, after the worker. */
  outbox: WebhookOutbox;
  /** The endpoints of the rules file (`validateWebhookEndpoints`); replaced with `setEndpoints` on reload. */
  endpoints: readonly WebhookEndpoint[];
  /** Time and jitter. Default the system clock. */
  clock?: Pick<Clock, 'now' | 'random'>;
  /** Default Node's timers (unref'd). */
  timers?: WebhookTimers;
  /** Default: no logging. */
  logger?: Logger;
  /** Default: none. */
  observer?: WebhookDeliveryObserver;
  /**
   * How often the outbox is looked at when nothing is due sooner, ms: what another instance
   * enqueued (a test event) is sent within this. Default 5000.
   */
  pollMs?: number;
  /** Attempts in flight at once. Default 4. */
  concurrency?: number;
  /** One attempt's deadline, connection to response, ms. Default `ATTEMPT_DEADLINE_MS` (15 s). */
  attemptDeadlineMs?: number;
  /** The HTTP client's dispatcher. Default an agent of the worker's own, closed with it. */
  dispatcher?: Dispatcher;
}

/** The worker: the evaluator's sink and the read model's webhook part. */
export interface WebhookDelivery extends AlertSink {
  /** Each configured endpoint's delivery state, for `ops:read` and the metrics. */
  webhookEndpoints(): WebhookEndpointState[];
  /** Enqueues a test event (`alert.test`) for one endpoint; rejects with WebhookEndpointUnknownError (`WEBHOOK_ENDPOINT_UNKNOWN`). */
  sendTestEvent(endpointId: string): Promise<{ webhookId: string }>;
  /** The endpoints of a reloaded rules file. A disabled endpoint given a new URL is enabled again. */
  setEndpoints(endpoints: readonly WebhookEndpoint[]): Promise<void>;
  /** Loads the outbox's state and starts sending (with `deliver` false: only keeps the state fresh, for an instance that does not lead). */
  start(options?: { deliver?: boolean }): Promise<void>;
  /** Sends every message due now, and resolves when those attempts ended; the number of attempts made. */
  runDue(): Promise<number>;
  /** Age of the oldest pending message, seconds; 0 when none. */
  outboxLagSeconds(): number;
  /** Stops sending: waits for the attempts in flight, cancels the timers. Does not close the outbox. */
  close(): Promise<void>;
}

/** A claim outlives its attempt's deadline by this, so a slow answer is not raced by another worker. */
const LEASE_MARGIN_MS = 5_000;
const PRUNE_EVERY_MS = 3_600_000;
const USER_AGENT = 'usage-gateway-webhooks';

/** The answer to one attempt, or how it failed without one. */
type AttemptResult = { status: number; retryAfter: string | null } | { networkError: 'timeout' | 'connection'; cause: string };

interface EndpointRecord {
  lastSuccessAt: number | null;
  lastError: { code: string; message: string; at: number } | null;
}

export function createWebhookDelivery(options: WebhookDeliveryOptions): WebhookDelivery {
  const { outbox, logger, observer = {} } = options;
  const clock = options.clock ?? { now: () => Date.now(), random: () => Math.random() };
  const timers = options.timers ?? systemTimers;
  const pollMs = options.pollMs ?? 5_000;
  const concurrency = options.concurrency ?? 4;
  const deadlineMs = options.attemptDeadlineMs ?? ATTEMPT_DEADLINE_MS;
  const ownDispatcher = options.dispatcher === undefined ? new Agent({ connect: { timeout: deadlineMs }, keepAliveTimeout: 4_000 }) : null;
  const dispatcher = options.dispatcher ?? ownDispatcher!;

  let endpoints = new Map(options.endpoints.map((endpoint) => [endpoint.id, endpoint]));
  let disabled = new Map<string, { url: string; at: number }>();
  let pending = new Map<string, PendingSummary>();
  const records = new Map<string, EndpointRecord>();
  let delivering = false;
  let closed = false;
  let cancelTimer: (() => void) | null = null;
  let pass: Promise<number> | null = null;
  let again = false;
  let lastPrune = -Infinity;

  const record = (id: string): EndpointRecord => {
    let current = records.get(id);
    if (current === undefined) records.set(id, (current = { lastSuccessAt: null, lastError: null }));
    return current;
  };

  /** The endpoints whose messages may be sent now: configured and not disabled. */
  const sendable = () => new Set([...endpoints.keys()].filter((id) => !disabled.has(id)));

  async function refresh(): Promise<void> {
    disabled = await outbox.disabledEndpoints();
    pending = await outbox.pending();
  }

  /** Enables again the disabled endpoints whose configured URL changed since the 410. */
  async function reenableMoved(): Promise<void> {
    for (const [id, gone] of disabled) {
      const endpoint = endpoints.get(id);
      if (endpoint === undefined || endpoint.url === gone.url) continue;
      await outbox.setDisabled(id, null);
      disabled.delete(id);
      logger?.info('webhooks: endpoint enabled again: the rules file gives it a new URL', { endpoint: id });
    }
  }

  async function post(endpoint: WebhookEndpoint, message: WebhookMessage, attemptAt: number): Promise<AttemptResult> {
    const headers = endpoint.signer.sign({ id: message.webhookId, attemptAt, body: message.body });
    const controller = new AbortController();
    const cancel = timers.set(deadlineMs, () => controller.abort());
    try {
      const response = await request(endpoint.url, {
        method: 'POST',
        dispatcher,
        signal: controller.signal,
        headers: { ...headers, 'content-type': 'application/json', 'user-agent': USER_AGENT },
        body: message.body,
      });
      // The answer's body is never read into anything: a receiver may echo the request in it.
      await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      const retryAfter = response.headers['retry-after'];
      return { status: response.statusCode, retryAfter: typeof retryAfter === 'string' ? retryAfter : null };
    } catch (error) {
      if (controller.signal.aborted) return { networkError: 'timeout', cause: 'deadline' };
      const code = error instanceof undiciErrors.UndiciError ? error.code : (error as NodeJS.ErrnoException | null)?.code;
      return { networkError: 'connection', cause: typeof code === 'string' ? code : 'unknown' };
    } finally {
      cancel();
    }
  }

  /** What the state and the logs say of a failed attempt: a code and the status or the kind of failure, nothing the receiver sent. */
  function failure(result: AttemptResult): { code: string; message: string } {
    if ('networkError' in result) {
      return result.networkError === 'timeout'
        ? { code: 'WEBHOOK_TIMEOUT', message: `no answer within ${deadlineMs / 1000} s` }
        : { code: 'WEBHOOK_CONNECTION_FAILED', message: `the connection failed (${result.cause})` };
    }
    if (result.status === 410) return { code: 'WEBHOOK_ENDPOINT_GONE', message: 'the receiver answered 410 Gone; the endpoint is disabled until the rules file gives it a new URL' };
    if (result.status >= 300 && result.status < 400) {
      return { code: 'WEBHOOK_REDIRECT_REFUSED', message: `the receiver answered ${result.status}, a redirect, which is not followed: configure the final URL` };
    }
    return { code: 'WEBHOOK_HTTP_ERROR', message: `the receiver answered ${result.status}` };
  }

  async function attempt(message: WebhookMessage): Promise<boolean> {
    const endpoint = endpoints.get(message.endpointId);
    if (endpoint === undefined || disabled.has(endpoint.id)) return false;
    const startedAt = clock.now();
    const claimed = await outbox.claim(message.endpointId, message.webhookId, startedAt, startedAt + deadlineMs + LEASE_MARGIN_MS);
    if (claimed === null) return false;
    const result = await post(endpoint, claimed, startedAt);
    const endedAt = clock.now();
    const decision: NextAttempt = nextAttempt(
      'networkError' in result
        ? { attempt: claimed.attempts, networkError: true, now: endedAt, random: () => clock.random() }
        : { attempt: claimed.attempts, status: result.status, retryAfter: result.retryAfter, now: endedAt, random: () => clock.random() },
    );
    const state = record(endpoint.id);
    const fields = { endpoint: endpoint.id, webhookId: claimed.webhookId, attempt: claimed.attempts };
    if (decision.kind === 'delivered') {
      await outbox.finish(endpoint.id, claimed.webhookId, 'delivered', endedAt);
      state.lastSuccessAt = endedAt;
      observer.attempted?.(endpoint.id, 'delivered');
      return true;
    }
    const { code, message: text } = failure(result);
    state.lastError = { code, message: text, at: endedAt };
    if (decision.kind === 'disable') {
      const gone = { url: endpoint.url, at: endedAt };
      await outbox.setDisabled(endpoint.id, gone);
      disabled.set(endpoint.id, gone);
      // Kept, not sent: should the endpoint come back under a new URL, nothing is lost.
      await outbox.reschedule(endpoint.id, claimed.webhookId, endedAt);
      observer.attempted?.(endpoint.id, 'gone');
      logger?.warn('webhooks: endpoint disabled: the receiver answered 410 Gone; its pending messages are kept', fields);
      return true;
    }
    observer.attempted?.(endpoint.id, 'networkError' in result ? 'network_error' : 'http_error');
    if (decision.kind === 'retry') {
      await outbox.reschedule(endpoint.id, claimed.webhookId, decision.at);
      logger?.info('webhooks: delivery attempt failed; retried later', { ...fields, code, reason: text, retryAt: new Date(decision.at).toISOString() });
    } else {
      await outbox.finish(endpoint.id, claimed.webhookId, 'given-up', endedAt);
      observer.givenUp?.(endpoint.id);
      logger?.warn('webhooks: message given up: its last attempt failed', { ...fields, code, reason: text });
    }
    return true;
  }

  async function runPass(): Promise<number> {
    let attempts = 0;
    const batchSize = concurrency * 8;
    for (;;) {
      const due = await outbox.due(clock.now(), batchSize, sendable());
      let next = 0;
      const workers = Array.from({ length: Math.min(concurrency, due.length) }, async () => {
        while (next < due.length && !closed) {
          const message = due[next++]!;
          try {
            if (await attempt(message)) attempts += 1;
          } catch (error) {
            logger?.error('webhooks: the outbox refused a delivery step; retried on the next pass', {
              endpoint: message.endpointId,
              webhookId: message.webhookId,
              code: (error as { code?: unknown }).code,
              error: error instanceof Error ? error.message : String(error),
            });
          }
        }
      });
      await Promise.all(workers);
      if (due.length < batchSize || closed) break;
    }
    const now = clock.now();
    if (now - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = now;
      await outbox.prune(now - FINISHED_RETENTION_MS);
    }
    await refresh();
    return attempts;
  }

  function runDue(): Promise<number> {
    if (pass !== null) {
      // One pass at a time; a wake during it runs another right after, so nothing enqueued meanwhile waits a poll.
      again = true;
      return pass;
    }
    pass = (async () => {
      try {
        return await runPass();
      } finally {
        pass = null;
      }
    })();
    return pass;
  }

  /** Runs a pass now (when delivering) and arms the timer for the next due message or the poll. */
  function wake(): void {
    if (closed) return;
    cancelTimer?.();
    cancelTimer = null;
    const work = delivering ? runDue() : refresh().then(() => 0);
    void work
      .catch((error: unknown) => {
        logger?.error('webhooks: a delivery pass failed; retried on the next poll', { code: (error as { code?: unknown }).code, error: error instanceof Error ? error.message : String(error) });
      })
      .then(async () => {
        if (closed) return;
        if (again) {
          again = false;
          wake();
          return;
        }
        const nextAt = delivering ? await outbox.nextDue(sendable()).catch(() => null) : null;
        const wait = nextAt === null ? pollMs : Math.min(pollMs, Math.max(0, nextAt - clock.now()));
        if (!closed && cancelTimer === null) cancelTimer = timers.set(wait, wake);
      });
  }

  async function enqueueMessages(messages: NewWebhookMessage[]): Promise<void> {
    await outbox.enqueue(messages);
    pending = await outbox.pending();
    wake();
  }

  return {
    async enqueue(events: readonly AlertEvent[]) {
      const createdAt = clock.now();
      const messages: NewWebhookMessage[] = [];
      for (const event of events) {
        const payload = alertPayload(event);
        const body = JSON.stringify(payload);
        for (const endpoint of endpoints.values()) {
          if (endpoint.rules !== null && !endpoint.rules.includes(event.ruleId)) continue;
          messages.push({ endpointId: endpoint.id, webhookId: webhookId(endpoint.id, event.key, event.kind), type: payload.type, body, createdAt });
        }
      }
      if (messages.length > 0) await enqueueMessages(messages);
    },

    webhookEndpoints() {
      return [...endpoints.values()].map((endpoint) => {
        const state = records.get(endpoint.id);
        return {
          id: endpoint.id,
          url: displayUrl(endpoint.url),
          disabled: disabled.has(endpoint.id),
          lastSuccessAt: state?.lastSuccessAt ?? null,
          lastError: state?.lastError === null || state?.lastError === undefined ? null : { ...state.lastError },
          pending: pending.get(endpoint.id)?.count ?? 0,
        };
      });
    },

    async sendTestEvent(endpointId: string) {
      if (!endpoints.has(endpointId)) throw new WebhookEndpointUnknownError(endpointId);
      const createdAt = clock.now();
      const id = webhookId(endpointId, `test:${randomUUID()}`, 'TEST');
      await enqueueMessages([{ endpointId, webhookId: id, type: 'alert.test', body: JSON.stringify(testPayload(endpointId, createdAt)), createdAt }]);
      return { webhookId: id };
    },

    async setEndpoints(next: readonly WebhookEndpoint[]) {
      endpoints = new Map(next.map((endpoint) => [endpoint.id, endpoint]));
      await reenableMoved();
      wake();
    },

    async start(startOptions = {}) {
      delivering = startOptions.deliver ?? true;
      await refresh();
      if (delivering) await reenableMoved();
      wake();
    },

    runDue,

    outboxLagSeconds() {
      let oldest: number | null = null;
      for (const summary of pending.values()) oldest = oldest === null ? summary.oldestCreatedAt : Math.min(oldest, summary.oldestCreatedAt);
      return oldest === null ? 0 : Math.max(0, clock.now() - oldest) / 1000;
    },

    async close() {
      closed = true;
      cancelTimer?.();
      cancelTimer = null;
      await pass?.catch(() => undefined);
      await ownDispatcher?.close().catch(() => undefined);
    },
  };
}
