import type { Logger } from '../../common/logger.js';
import type { LedgerDatabase } from '../../ledger/postgres/connection.js';
import type { AlertStore } from './alert-store.js';
import { FileAlertStore } from './file-alert-store.js';
import { PgAlertStore } from './postgres-alert-store.js';

/** Where alert events live: beside the usage history. */
export interface AlertStoreLocation {
  /** `DATA_DIR`: the embedded store's `alerts/` folder is made in it. */
  dataDir: string;
  /** `DATABASE_URL` (and its password, for redaction): the events live in PostgreSQL; null: the embedded store. */
  database: LedgerDatabase | null;
  /** Default: no logging. */
  logger?: Logger;
}

/** PostgreSQL when a database is configured (the fleet shares it), else the embedded files in DATA_DIR, as for the history. */
export async function openAlertStore(location: AlertStoreLocation): Promise<AlertStore> {
  const { dataDir, database, logger } = location;
  if (database !== null) return PgAlertStore.open({ ...database, ...(logger === undefined ? {} : { logger }) });
  return FileAlertStore.open({ dataDir, ...(logger === undefined ? {} : { logger }) });
}
