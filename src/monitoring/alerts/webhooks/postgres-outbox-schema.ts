import type pg from 'pg';
import type { Logger } from '../../../common/logger.js';

/**
 * The webhook outbox's tables in the shared PostgreSQL database, versioned like the history's
 * schema and recorded apart (`alert_webhook_migrations`) under a lock of its own, so each part
 * evolves independently in one database.
 */

/** `pg_advisory_xact_lock` key of the outbox's migrations ("usgwwhmg"). */
export const OUTBOX_MIGRATION_LOCK_KEY = '8463221887377975911';

interface OutboxMigration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The primary key (endpoint, webhook-id) is the message's identity: an enqueue repeated by a
 * replay or a second evaluator records it once. Times are epoch ms as bigint, as in the history.
 */
export const OUTBOX_MIGRATIONS: readonly OutboxMigration[] = [
  {
    version: 1,
    name: 'alert_webhook_outbox',
    sql: `
      CREATE TABLE alert_webhook_outbox (
        endpoint_id text COLLATE "C" NOT NULL,
        webhook_id text COLLATE "C" NOT NULL,
        type text NOT NULL,
        body text NOT NULL,
        created_at bigint NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'delivered', 'given-up')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at bigint NOT NULL,
        claimed_until bigint,
        PRIMARY KEY (endpoint_id, webhook_id)
      );
      CREATE INDEX alert_webhook_outbox_due ON alert_webhook_outbox (next_attempt_at) WHERE status = 'pending';
      CREATE TABLE alert_webhook_disabled (
        endpoint_id text COLLATE "C" PRIMARY KEY,
        url text NOT NULL,
        disabled_at bigint NOT NULL
      )`,
  },
];

/** Applies the outbox's pending migrations on `client` (outside any transaction); the versions applied now. */
export async function migrateOutboxSchema(client: pg.ClientBase, logger?: Logger): Promise<number[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [OUTBOX_MIGRATION_LOCK_KEY]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS alert_webhook_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM alert_webhook_migrations');
    const applied = new Set(rows.map((row) => row.version));
    const newest = Math.max(...OUTBOX_MIGRATIONS.map((migration) => migration.version));
    const unknown = [...applied].filter((version) => version > newest);
    if (unknown.length > 0) {
      throw new Error(`the webhook outbox in this database has schema version ${Math.max(...unknown)}, newer than this gateway knows (${newest}); run a newer gateway`);
    }
    const pending = OUTBOX_MIGRATIONS.filter((migration) => !applied.has(migration.version));
    for (const migration of pending) {
      await client.query(migration.sql);
      await client.query('INSERT INTO alert_webhook_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
    await client.query('COMMIT');
    if (pending.length > 0) logger?.info('webhook outbox: database schema migrated', { applied: pending.map((m) => `${m.version}_${m.name}`) });
    return pending.map((migration) => migration.version);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
