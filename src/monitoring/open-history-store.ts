import type { LedgerDatabase } from '../ledger/postgres/connection.js';
import type { Logger } from '../common/logger.js';
import { FileHistoryStore } from './file-history-store.js';
import type { HistoryStore } from './history-types.js';
import { PgHistoryStore } from './postgres-history-store.js';

/** Where the usage history lives. */
export interface HistoryStoreLocation {
  /** `DATA_DIR`: the embedded store's `history/` folder is made in it. */
  dataDir: string;
  /** `DATABASE_URL` (and its password, for redaction): the history lives in PostgreSQL; null: the embedded store. */
  database: LedgerDatabase | null;
  /** `HISTORY_RETENTION_DAYS`. Default 400. */
  retentionDays?: number;
  /** Default: no logging. */
  logger?: Logger;
}

/** PostgreSQL when a database is configured (the fleet shares it), else the embedded files in DATA_DIR. */
export async function openHistoryStore(location: HistoryStoreLocation): Promise<HistoryStore> {
  const { dataDir, database, retentionDays, logger } = location;
  if (database !== null) return PgHistoryStore.open({ ...database, retentionDays, logger });
  return FileHistoryStore.open({ dataDir, retentionDays, logger });
}
