import pg from 'pg';
import type { Logger } from '../../common/logger.js';
import { clientConfig, redactDatabase, type LedgerDatabase } from '../../ledger/postgres/connection.js';
import type { AlertEvent } from '../../usage/alert-evaluation.js';
import { AlertStoreUnavailableError } from './alert-errors.js';
import { checkedQuery, eventIdentity, type AlertEvaluatorState, type AlertStore } from './alert-store.js';
import type { AlertEventPage, AlertEventQuery, StoredAlertEvent } from './alert-types.js';

/** `pg_advisory_xact_lock` key of the alert tables' migrations ("usgwalmg"). */
export const ALERT_MIGRATION_LOCK_KEY = '8463221887192558951';
/** `pg_advisory_xact_lock` key held while events are recorded ("usgwalrc"): sequence numbers then follow commit order. */
export const ALERT_RECORD_LOCK_KEY = '8463221887192560227';

interface AlertMigration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The unique (key, kind) constraint is what makes two evaluators harmless: each event is inserted
 * by exactly one of them. An event is kept whole as JSON beside the columns it is looked up by.
 */
export const ALERT_MIGRATIONS: readonly AlertMigration[] = [
  {
    version: 1,
    name: 'alert_events',
    sql: `
      CREATE TABLE alert_events (
        seq bigserial PRIMARY KEY,
        key text COLLATE "C" NOT NULL,
        kind text NOT NULL CHECK (kind IN ('FIRED', 'RESOLVED')),
        provider text COLLATE "C" NOT NULL,
        recorded_at bigint NOT NULL,
        event jsonb NOT NULL,
        UNIQUE (key, kind)
      );
      CREATE TABLE alert_evaluator_state (
        id smallint PRIMARY KEY CHECK (id = 1),
        state jsonb NOT NULL,
        saved_at bigint NOT NULL
      )`,
  },
];

/** Options of the PostgreSQL alert store. */
export interface PgAlertStoreOptions extends LedgerDatabase {
  /** When an event is recorded, ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Default: no logging. */
  logger?: Logger;
}

/**
 * The shared alert store: events in `alert_events`, read by every instance, the evaluator's state
 * in `alert_evaluator_state`. A `record` is one transaction (`ON CONFLICT (key, kind) DO NOTHING`)
 * under a transaction-scoped advisory lock, so that two evaluators never record one event twice
 * and cursors grow in the order events become visible.
 */
export class PgAlertStore implements AlertStore {
  readonly backend = 'postgres';
  private closed = false;
  private readonly now: () => number;

  private constructor(
    private readonly options: PgAlertStoreOptions,
    private readonly pool: pg.Pool,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Migrates the alert tables; throws AlertStoreUnavailableError when the database cannot be reached. */
  static async open(options: PgAlertStoreOptions): Promise<PgAlertStore> {
    const pool = new pg.Pool({ ...clientConfig(options, 'alerts'), max: 3, idleTimeoutMillis: 10_000 });
    // Without a listener an idle client's error (a server restart) would crash the process.
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      try {
        await migrate(client, options.logger);
      } finally {
        client.release();
      }
      return new PgAlertStore(options, pool);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw databaseError(error, options, 'opening the alert store');
    }
  }

  async record(events: readonly AlertEvent[]): Promise<StoredAlertEvent[]> {
    if (events.length === 0) return [];
    const recordedAt = this.now();
    return this.transaction('recording alert events', async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [ALERT_RECORD_LOCK_KEY]);
      const fresh: StoredAlertEvent[] = [];
      for (const event of events) {
        const { rows } = await client.query<{ seq: string }>(
          `INSERT INTO alert_events (key, kind, provider, recorded_at, event) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (key, kind) DO NOTHING RETURNING seq`,
          [event.key, event.kind, event.provider, recordedAt, JSON.stringify(event)],
        );
        const seq = rows[0]?.seq;
        if (seq !== undefined) fresh.push({ ...event, cursor: String(seq), recordedAt });
      }
      return fresh;
    });
  }

  async stored(events: readonly AlertEvent[]): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const rows = await this.query<{ key: string; kind: string }>(
      'looking up alert events',
      'SELECT key, kind FROM alert_events WHERE (key, kind) IN (SELECT * FROM unnest($1::text[], $2::text[]))',
      [events.map((event) => event.key), events.map((event) => event.kind)],
    );
    return new Set(rows.map((row) => eventIdentity({ key: row.key, kind: row.kind as AlertEvent['kind'] })));
  }

  async list(query: AlertEventQuery): Promise<AlertEventPage> {
    const { after, first } = checkedQuery(query);
    const rows = await this.query<EventRow>(
      'listing alert events',
      `SELECT seq, recorded_at, event FROM alert_events WHERE seq > $1 AND ($2::text IS NULL OR provider = $2) ORDER BY seq LIMIT $3`,
      [after, query.provider ?? null, first + 1],
    );
    return { events: rows.slice(0, first).map(storedOf), hasMore: rows.length > first };
  }

  async firing(): Promise<StoredAlertEvent[]> {
    const rows = await this.query<EventRow>(
      'listing firing alerts',
      `SELECT f.seq, f.recorded_at, f.event FROM alert_events f
       WHERE f.kind = 'FIRED' AND NOT EXISTS (SELECT 1 FROM alert_events r WHERE r.key = f.key AND r.kind = 'RESOLVED')
       ORDER BY f.seq`,
      [],
    );
    return rows.map(storedOf);
  }

  async loadState(): Promise<AlertEvaluatorState | null> {
    const rows = await this.query<{ state: AlertEvaluatorState }>('reading the alert evaluator state', 'SELECT state FROM alert_evaluator_state WHERE id = 1', []);
    return rows[0]?.state ?? null;
  }

  async saveState(state: AlertEvaluatorState): Promise<void> {
    await this.query(
      'saving the alert evaluator state',
      `INSERT INTO alert_evaluator_state (id, state, saved_at) VALUES (1, $1, $2)
       ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, saved_at = EXCLUDED.saved_at`,
      [JSON.stringify(state), this.now()],
    );
  }

  async prune(before: number): Promise<void> {
    // One statement: a RESOLVED event recorded meanwhile is either seen (its FIRED event may go) or
    // not (the FIRED event stays until the next prune).
    await this.query(
      'pruning alert events',
      `DELETE FROM alert_events e WHERE e.recorded_at < $1
       AND NOT (e.kind = 'FIRED' AND NOT EXISTS (SELECT 1 FROM alert_events r WHERE r.key = e.key AND r.kind = 'RESOLVED'))`,
      [before],
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end().catch(() => undefined);
  }

  private async query<Row extends object>(doing: string, text: string, values: unknown[]): Promise<Row[]> {
    if (this.closed) throw new AlertStoreUnavailableError('the alert store is closed');
    try {
      return (await this.pool.query<Row>(text, values)).rows;
    } catch (error) {
      throw databaseError(error, this.options, doing);
    }
  }

  private async transaction<T>(doing: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.closed) throw new AlertStoreUnavailableError('the alert store is closed');
    let client: pg.PoolClient | null = null;
    try {
      client = await this.pool.connect();
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client?.query('ROLLBACK').catch(() => undefined);
      throw databaseError(error, this.options, doing);
    } finally {
      client?.release();
    }
  }
}

interface EventRow {
  seq: string;
  recorded_at: string;
  event: AlertEvent;
}

function storedOf(row: EventRow): StoredAlertEvent {
  return { ...row.event, cursor: String(row.seq), recordedAt: Number(row.recorded_at) };
}

async function migrate(client: pg.ClientBase, logger?: Logger): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [ALERT_MIGRATION_LOCK_KEY]);
    await client.query('CREATE TABLE IF NOT EXISTS alert_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM alert_migrations');
    const applied = new Set(rows.map((row) => row.version));
    const newest = Math.max(...ALERT_MIGRATIONS.map((migration) => migration.version));
    const unknown = [...applied].filter((version) => version > newest);
    if (unknown.length > 0) {
      throw new Error(`the alert tables in this database have schema version ${Math.max(...unknown)}, newer than this gateway knows (${newest}); run a newer gateway`);
    }
    const pending = ALERT_MIGRATIONS.filter((migration) => !applied.has(migration.version));
    for (const migration of pending) {
      await client.query(migration.sql);
      await client.query('INSERT INTO alert_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
    await client.query('COMMIT');
    if (pending.length > 0) logger?.info('alerts: database schema migrated', { applied: pending.map((m) => `${m.version}_${m.name}`) });
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** A database failure as an AlertStoreUnavailableError whose message is redacted of the URL and password. */
function databaseError(error: unknown, database: LedgerDatabase, doing: string): AlertStoreUnavailableError {
  if (error instanceof AlertStoreUnavailableError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  return new AlertStoreUnavailableError(redactDatabase(`${doing}: ${error instanceof Error ? error.message : String(error)}${typeof code === 'string' ? ` (${code})` : ''}`, database));
}
