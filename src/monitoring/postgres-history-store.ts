import pg from 'pg';
import { clientConfig, closeQuietly, dedicatedClient, redactDatabase, type LedgerDatabase } from '../ledger/postgres/connection.js';
import type { Logger } from '../common/logger.js';
import {
  HistoryDiskFullError,
  HistoryPermissionDeniedError,
  HistoryReadOnlyError,
  HistoryUnavailableError,
  isHistoryError,
  type HistoryError,
} from './history-errors.js';
import { compareNames } from './history-index.js';
import { retentionCutoff } from './history-settings.js';
import { migrateHistorySchema } from './postgres-history-schema.js';
import { checkSamples, utcDayStart, type HistoryQuery, type HistoryStatus, type HistoryStore, type SeriesKey, type UsageSample } from './history-types.js';

/** `pg_try_advisory_lock` key of the instance that samples ("usgwhist"); not the ledger's. */
export const HISTORY_LEADER_LOCK_KEY = '8463221887309804404';

/** Options of the PostgreSQL history store. */
export interface PgHistoryStoreOptions extends LedgerDatabase {
  /** `HISTORY_RETENTION_DAYS`: the leader deletes older days' samples. Default 400. */
  retentionDays?: number;
  /** Milliseconds since the epoch, for retention. Default `Date.now`. */
  now?: () => number;
  /** Default: no logging. */
  logger?: Logger;
}

/** Rows per INSERT: a year of one series is a few statements, each well under PostgreSQL's parameter limits. */
const INSERT_ROWS = 20_000;
const RETENTION_EVERY_MS = 3_600_000;

/**
 * The shared history store: samples live in `usage_history`, every instance reads it directly,
 * and the leader (an advisory lock on a connection of its own) samples. An append is one
 * transaction: `ON CONFLICT DO NOTHING` on the primary key records a sample once however many
 * instances or retries write it; it resolves once committed.
 */
export class PgHistoryStore implements HistoryStore {
  private leader: pg.Client | null = null;
  private condition: HistoryStatus['condition'] = 'ok';
  private lastError: HistoryStatus['lastError'] = null;
  private lastRetention = -Infinity;
  private closed = false;
  private leading: Promise<boolean> | null = null;
  private readonly now: () => number;

  private constructor(
    private readonly options: PgHistoryStoreOptions,
    private readonly pool: pg.Pool,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Migrates the history's schema; throws (HistoryUnavailableError) when the database cannot be reached. */
  static async open(options: PgHistoryStoreOptions): Promise<PgHistoryStore> {
    const pool = new pg.Pool({ ...clientConfig(options, 'history'), max: 3, idleTimeoutMillis: 10_000 });
    // Without a listener an idle client's error (a server restart) would crash the process.
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      try {
        await migrateHistorySchema(client, options.logger);
      } finally {
        client.release();
      }
      return new PgHistoryStore(options, pool);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw historyDatabaseError(error, options, 'opening the usage history database');
    }
  }

  get isLeader(): boolean {
    return this.leader !== null && !this.closed;
  }

  status(): HistoryStatus {
    return { backend: 'postgres', condition: this.condition, lastError: this.lastError, leader: this.isLeader };
  }

  tryLead(): Promise<boolean> {
    // One attempt at a time: a second one while the first holds the lock would be refused by it.
    if (this.leading === null) this.leading = this.lead().finally(() => (this.leading = null));
    return this.leading;
  }

  private async lead(): Promise<boolean> {
    if (this.closed) return false;
    if (this.leader !== null) return true;
    const client = dedicatedClient(this.options, 'history leader', (error) => {
      if (this.leader !== client) return;
      this.leader = null;
      this.options.logger?.warn('usage history: lost the leader connection; another instance may sample now', {
        error: redactDatabase(error instanceof Error ? error.message : String(error), this.options),
      });
    });
    try {
      await client.connect();
      const { rows } = await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [HISTORY_LEADER_LOCK_KEY]);
      if (rows[0]?.got !== true || this.closed) {
        await closeQuietly(client);
        return false;
      }
    } catch (error) {
      await closeQuietly(client);
      throw this.failed(historyDatabaseError(error, this.options, 'taking the usage history lead'));
    }
    this.leader = client;
    await this.applyRetention();
    return true;
  }

  async append(samples: readonly UsageSample[]): Promise<void> {
    checkSamples(samples);
    if (this.closed) throw new HistoryUnavailableError('the history store is closed');
    if (samples.length === 0) return;
    // One order for every writer: two instances inserting the same keys take the row locks in the same order, never a deadlock.
    const sorted = [...samples].sort((a, b) => compareNames(a.provider, b.provider) || compareNames(a.series, b.series) || a.at - b.at);
    await this.transaction('appending samples to the usage history', async (client) => {
      for (let from = 0; from < sorted.length; from += INSERT_ROWS) {
        const rows = sorted.slice(from, from + INSERT_ROWS);
        await client.query(
          `INSERT INTO usage_history (provider, series, at, used, lim, resets_at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
           ON CONFLICT DO NOTHING`,
          [
            rows.map((s) => s.provider),
            rows.map((s) => s.series),
            rows.map((s) => s.at),
            rows.map((s) => s.used),
            rows.map((s) => s.limit),
            rows.map((s) => s.resetsAt),
          ],
        );
      }
    });
    if (this.isLeader && this.now() - this.lastRetention >= RETENTION_EVERY_MS) await this.applyRetention();
  }

  async read(query: HistoryQuery): Promise<UsageSample[]> {
    const { provider, series } = query;
    const result = await this.query<[number, number, number | null, number | null]>(
      'reading the usage history',
      `SELECT at, used, lim, resets_at FROM usage_history
       WHERE provider = $1 AND series = $2 AND at >= $3 AND at < $4 ORDER BY at`,
      [provider, series, query.since ?? 0, query.until ?? Number.MAX_SAFE_INTEGER],
    );
    return result.map(([at, used, limit, resetsAt]) => ({ provider, series, at, used, limit, resetsAt }));
  }

  async series(provider?: string): Promise<SeriesKey[]> {
    // The distinct keys by skipping along the primary key, one index probe a series rather than a scan of every sample.
    const filter = provider === undefined ? '' : 'AND provider = $1';
    const rows = await this.query<[string, string]>(
      'listing the usage history series',
      `WITH RECURSIVE keys AS (
         (SELECT provider, series FROM usage_history WHERE true ${filter} ORDER BY provider, series LIMIT 1)
         UNION ALL
         SELECT next.provider, next.series FROM keys, LATERAL (
           SELECT h.provider, h.series FROM usage_history h
           WHERE (h.provider, h.series) > (keys.provider, keys.series) ${filter.replace('provider', 'h.provider')}
           ORDER BY h.provider, h.series LIMIT 1
         ) next
       )
       SELECT provider, series FROM keys`,
      provider === undefined ? [] : [provider],
    );
    return rows.map(([p, s]) => ({ provider: p, series: s })).sort((a, b) => compareNames(a.provider, b.provider) || compareNames(a.series, b.series));
  }

  async prune(before: number): Promise<void> {
    await this.query('pruning the usage history', 'DELETE FROM usage_history WHERE at < $1', [utcDayStart(before)]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const leader = this.leader;
    this.leader = null;
    // Ending the connection releases the advisory lock with it.
    await closeQuietly(leader);
    await this.pool.end().catch(() => undefined);
  }

  private async query<Row extends unknown[]>(doing: string, text: string, values: unknown[]): Promise<Row[]> {
    if (this.closed) throw new HistoryUnavailableError('the history store is closed');
    try {
      const result = await this.pool.query<Row>({ text, values, rowMode: 'array' });
      this.condition = 'ok';
      return result.rows;
    } catch (error) {
      throw this.failed(historyDatabaseError(error, this.options, doing));
    }
  }

  private async transaction(doing: string, work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    let client: pg.PoolClient | null = null;
    try {
      client = await this.pool.connect();
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
      this.condition = 'ok';
    } catch (error) {
      await client?.query('ROLLBACK').catch(() => undefined);
      throw this.failed(historyDatabaseError(error, this.options, doing));
    } finally {
      client?.release();
    }
  }

  private async applyRetention(): Promise<void> {
    this.lastRetention = this.now();
    await this.prune(retentionCutoff(this.lastRetention, this.options.retentionDays ?? 400)).catch((error: unknown) => {
      this.options.logger?.warn('usage history: retention failed; it is retried within the hour', { error });
    });
  }

  private failed(error: HistoryError): HistoryError {
    if (error.code !== 'HISTORY_BAD_SAMPLE' && error.code !== 'HISTORY_NOT_LEADER') this.condition = error.code;
    this.lastError = { code: error.code, message: error.message, at: this.now() };
    return error;
  }
}

/**
 * A database failure as the history error a caller can act on, by SQLSTATE; its message names the
 * server's error and is redacted of the URL and password, the driver's error kept out of it.
 */
export function historyDatabaseError(error: unknown, database: LedgerDatabase, doing: string): HistoryError {
  if (isHistoryError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = redactDatabase(`${doing}: ${error instanceof Error ? error.message : String(error)}${typeof code === 'string' ? ` (${code})` : ''}`, database);
  switch (code) {
    case '53100':
      return new HistoryDiskFullError(message);
    case '25006':
      return new HistoryReadOnlyError(message);
    case '42501':
      return new HistoryPermissionDeniedError(message);
    default:
      return new HistoryUnavailableError(message);
  }
}
