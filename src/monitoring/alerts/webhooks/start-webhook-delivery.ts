import type { Logger } from '../../../common/logger.js';
import type { LedgerDatabase } from '../../../ledger/postgres/connection.js';
import { createWebhookDelivery, type WebhookDelivery, type WebhookDeliveryObserver } from './delivery.js';
import type { WebhookEndpoint } from './endpoints.js';
import { openWebhookOutbox } from './open-outbox.js';

/** Options of {@link startWebhookDelivery}. */
export interface StartWebhookDeliveryOptions {
  /** `DATA_DIR`: the embedded outbox lives in its `alerts/outbox/` folder. */
  dataDir: string;
  /** `DATABASE_URL` and its password: the outbox lives in PostgreSQL, shared by the fleet; null: the embedded files. */
  database: LedgerDatabase | null;
  /** The endpoints of the rules file (`validateWebhookEndpoints`); a reload passes new ones to `setEndpoints`. */
  endpoints: readonly WebhookEndpoint[];
  /**
   * Whether this instance sends (the one that evaluates alerts: the leader on a fleet). The others
   * only enqueue test events and show the shared outbox's state. Default true. With the embedded
   * outbox only the sending instance may open it (it takes the outbox's lock).
   */
  deliver?: boolean;
  /** Default: no logging. */
  logger?: Logger;
  /** Attempts and give-ups, for metrics. Default: none. */
  observer?: WebhookDeliveryObserver;
}

/** The running delivery and what stops it. */
export interface RunningWebhookDelivery {
  delivery: WebhookDelivery;
  /** Stops sending (waiting for attempts in flight), then closes the outbox. */
  stop(): Promise<void>;
}

/**
 * Opens the outbox where the usage history would live (PostgreSQL with a database, else DATA_DIR),
 * makes the worker and starts it. `delivery` is the evaluator's AlertSink and gives the read
 * model `webhookEndpoints()` and `sendTestEvent()`; `delivery.outboxLagSeconds()` feeds the lag
 * gauge.
 */
export async function startWebhookDelivery(options: StartWebhookDeliveryOptions): Promise<RunningWebhookDelivery> {
  const outbox = await openWebhookOutbox({ dataDir: options.dataDir, database: options.database, logger: options.logger });
  const delivery = createWebhookDelivery({ outbox, endpoints: options.endpoints, logger: options.logger, observer: options.observer });
  try {
    await delivery.start({ deliver: options.deliver ?? true });
  } catch (error) {
    await delivery.close();
    await outbox.close();
    throw error;
  }
  return {
    delivery,
    async stop() {
      await delivery.close();
      await outbox.close();
    },
  };
}
