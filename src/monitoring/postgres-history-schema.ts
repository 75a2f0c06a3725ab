import type pg from 'pg';
import type { Logger } from '../common/logger.js';

/**
 * The history's tables in the shared PostgreSQL database. Versioned like the ledger's schema but
 * recorded apart (`usage_history_migrations`) under a lock of its own, so the two evolve
 * independently in one database and neither refuses the other's newer versions.
 */

/** `pg_advisory_xact_lock` key of the history's migrations ("usgwhmig"). */
export const HISTORY_MIGRATION_LOCK_KEY = '8463221887310063975';

interface HistoryMigration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Times are ms since the epoch as bigint, as the samples carry them (no time-zone arithmetic on
 * the way in or out); counters are checked to stay within 2^53 - 1 so they read back exact.
 * The primary key is the sample's identity: a retried or doubled append records it once.
 */
export const HISTORY_MIGRATIONS: readonly HistoryMigration[] = [
  {
    version: 1,
    name: 'usage_history',
    sql: `
      CREATE TABLE usage_history (
        provider text COLLATE "C" NOT NULL,
        series text COLLATE "C" NOT NULL,
        at bigint NOT NULL CHECK (at BETWEEN 0 AND 9007199254740991),
        used bigint NOT NULL CHECK (used BETWEEN -9007199254740991 AND 9007199254740991),
        lim bigint CHECK (lim BETWEEN -9007199254740991 AND 9007199254740991),
        resets_at bigint CHECK (resets_at BETWEEN 0 AND 9007199254740991),
        PRIMARY KEY (provider, series, at)
      )`,
  },
];

/** Applies the history's pending migrations on `client` (outside any transaction); the versions applied now. */
export async function migrateHistorySchema(client: pg.ClientBase, logger?: Logger): Promise<number[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [HISTORY_MIGRATION_LOCK_KEY]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS usage_history_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM usage_history_migrations');
    const applied = new Set(rows.map((row) => row.version));
    const newest = Math.max(...HISTORY_MIGRATIONS.map((migration) => migration.version));
    const unknown = [...applied].filter((version) => version > newest);
    if (unknown.length > 0) {
      throw new Error(`the usage history in this database has schema version ${Math.max(...unknown)}, newer than this gateway knows (${newest}); run a newer gateway`);
    }
    const pending = HISTORY_MIGRATIONS.filter((migration) => !applied.has(migration.version));
    for (const migration of pending) {
      await client.query(migration.sql);
      await client.query('INSERT INTO usage_history_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
    await client.query('COMMIT');
    if (pending.length > 0) logger?.info('usage history: database schema migrated', { applied: pending.map((m) => `${m.version}_${m.name}`) });
    return pending.map((migration) => migration.version);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
