import type { Logger } from '../../../common/logger.js';
import type { LedgerLockOptions } from '../../../ledger/lock.js';
import type { LedgerDatabase } from '../../../ledger/postgres/connection.js';
import { FileWebhookOutbox } from './file-outbox.js';
import type { WebhookOutbox } from './outbox-types.js';
import { PgWebhookOutbox } from './postgres-outbox.js';

/** Where the webhook outbox lives. */
export interface WebhookOutboxLocation {
  /** `DATA_DIR`: the embedded outbox's `alerts/outbox/` folder is made in it. */
  dataDir: string;
  /** `DATABASE_URL` (and its password, for redaction): the outbox lives in PostgreSQL; null: the embedded files. */
  database: LedgerDatabase | null;
  /** The embedded outbox's owner lock timing. Default: stale after 10 s, refreshed every 2 s. */
  lock?: LedgerLockOptions;
  /** Default: no logging. */
  logger?: Logger;
}

/** PostgreSQL when a database is configured (the fleet shares it), else the embedded files in DATA_DIR. */
export async function openWebhookOutbox(location: WebhookOutboxLocation): Promise<WebhookOutbox> {
  const { dataDir, database, lock, logger } = location;
  if (database !== null) return PgWebhookOutbox.open({ ...database, logger });
  return FileWebhookOutbox.open({ dataDir, lock, logger });
}
