import pg from 'pg';
import type { Logger } from '../../../common/logger.js';
import { clientConfig, redactDatabase, type LedgerDatabase } from '../../../ledger/postgres/connection.js';
import { WebhookOutboxUnavailableError } from './errors.js';
import type { NewWebhookMessage, PendingSummary, WebhookMessage, WebhookOutbox } from './outbox-types.js';
import { migrateOutboxSchema } from './postgres-outbox-schema.js';

/** Options of the PostgreSQL outbox. */
export interface PgWebhookOutboxOptions extends LedgerDatabase {
  /** Default: no logging. */
  logger?: Logger;
}

const COLUMNS = 'endpoint_id, webhook_id, type, body, created_at, status, attempts, next_attempt_at, claimed_until';
type Row = [string, string, WebhookMessage['type'], string, number, WebhookMessage['status'], number, number, number | null];

function messageOf([endpointId, webhookId, type, body, createdAt, status, attempts, nextAttemptAt, claimedUntil]: Row): WebhookMessage {
  return { endpointId, webhookId, type, body, createdAt, status, attempts, nextAttemptAt, claimedUntil };
}

/**
 * The shared outbox: messages live in `alert_webhook_outbox`, every instance may enqueue (a test
 * event), and each statement is its own transaction, committed before it resolves. Enqueue is
 * `ON CONFLICT DO NOTHING` on the primary key; a claim is a conditional UPDATE, so of two workers
 * claiming one message exactly one gets it.
 */
export class PgWebhookOutbox implements WebhookOutbox {
  readonly backend = 'postgres';
  private closed = false;

  private constructor(
    private readonly options: PgWebhookOutboxOptions,
    private readonly pool: pg.Pool,
  ) {}

  /** Migrates the outbox's schema; throws WebhookOutboxUnavailableError when the database cannot be reached. */
  static async open(options: PgWebhookOutboxOptions): Promise<PgWebhookOutbox> {
    const pool = new pg.Pool({ ...clientConfig(options, 'webhook outbox'), max: 3, idleTimeoutMillis: 10_000 });
    // Without a listener an idle client's error (a server restart) would crash the process.
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      try {
        await migrateOutboxSchema(client, options.logger);
      } finally {
        client.release();
      }
      return new PgWebhookOutbox(options, pool);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw databaseError(error, options, 'opening the webhook outbox database');
    }
  }

  async enqueue(messages: readonly NewWebhookMessage[]): Promise<void> {
    if (messages.length === 0) return;
    // One order for every writer: two instances inserting the same keys take the row locks in the same order, never a deadlock.
    const sorted = [...messages].sort((a, b) => compare(a.endpointId, b.endpointId) || compare(a.webhookId, b.webhookId));
    await this.query(
      'enqueueing webhook messages',
      `INSERT INTO alert_webhook_outbox (endpoint_id, webhook_id, type, body, created_at, status, attempts, next_attempt_at)
       SELECT e, w, t, b, c, 'pending', 0, c FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) AS x(e, w, t, b, c)
       ON CONFLICT DO NOTHING`,
      [sorted.map((m) => m.endpointId), sorted.map((m) => m.webhookId), sorted.map((m) => m.type), sorted.map((m) => m.body), sorted.map((m) => m.createdAt)],
    );
  }

  async due(now: number, limit: number, endpoints: ReadonlySet<string>): Promise<WebhookMessage[]> {
    const rows = await this.query<Row>(
      'reading due webhook messages',
      `SELECT ${COLUMNS} FROM alert_webhook_outbox
       WHERE status = 'pending' AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1) AND endpoint_id = ANY($3::text[])
       ORDER BY next_attempt_at, created_at LIMIT $2`,
      [now, limit, [...endpoints]],
    );
    return rows.map(messageOf);
  }

  async claim(endpointId: string, webhookId: string, now: number, leaseUntil: number): Promise<WebhookMessage | null> {
    const rows = await this.query<Row>(
      'claiming a webhook message',
      `UPDATE alert_webhook_outbox SET attempts = attempts + 1, claimed_until = $4
       WHERE endpoint_id = $1 AND webhook_id = $2 AND status = 'pending' AND next_attempt_at <= $3 AND (claimed_until IS NULL OR claimed_until <= $3)
       RETURNING ${COLUMNS}`,
      [endpointId, webhookId, now, leaseUntil],
    );
    return rows[0] === undefined ? null : messageOf(rows[0]);
  }

  async reschedule(endpointId: string, webhookId: string, at: number): Promise<void> {
    await this.query(
      'rescheduling a webhook message',
      `UPDATE alert_webhook_outbox SET next_attempt_at = $3, claimed_until = NULL WHERE endpoint_id = $1 AND webhook_id = $2 AND status = 'pending'`,
      [endpointId, webhookId, at],
    );
  }

  async finish(endpointId: string, webhookId: string, status: 'delivered' | 'given-up', at: number): Promise<void> {
    await this.query(
      'finishing a webhook message',
      `UPDATE alert_webhook_outbox SET status = $3, next_attempt_at = $4, claimed_until = NULL WHERE endpoint_id = $1 AND webhook_id = $2`,
      [endpointId, webhookId, status, at],
    );
  }

  async pending(): Promise<Map<string, PendingSummary>> {
    const rows = await this.query<[string, number, number]>(
      'counting pending webhook messages',
      `SELECT endpoint_id, count(*)::bigint, min(created_at) FROM alert_webhook_outbox WHERE status = 'pending' GROUP BY endpoint_id`,
      [],
    );
    return new Map(rows.map(([endpointId, count, oldestCreatedAt]) => [endpointId, { count, oldestCreatedAt }]));
  }

  async nextDue(endpoints: ReadonlySet<string>): Promise<number | null> {
    const rows = await this.query<[number | null]>(
      'reading the next due webhook message',
      `SELECT min(GREATEST(next_attempt_at, COALESCE(claimed_until, 0))) FROM alert_webhook_outbox
       WHERE status = 'pending' AND endpoint_id = ANY($1::text[])`,
      [[...endpoints]],
    );
    return rows[0]?.[0] ?? null;
  }

  async disabledEndpoints(): Promise<Map<string, { url: string; at: number }>> {
    const rows = await this.query<[string, string, number]>('reading disabled webhook endpoints', 'SELECT endpoint_id, url, disabled_at FROM alert_webhook_disabled', []);
    return new Map(rows.map(([id, url, at]) => [id, { url, at }]));
  }

  async setDisabled(endpointId: string, disabled: { url: string; at: number } | null): Promise<void> {
    if (disabled === null) {
      await this.query('re-enabling a webhook endpoint', 'DELETE FROM alert_webhook_disabled WHERE endpoint_id = $1', [endpointId]);
      return;
    }
    await this.query(
      'disabling a webhook endpoint',
      `INSERT INTO alert_webhook_disabled (endpoint_id, url, disabled_at) VALUES ($1, $2, $3)
       ON CONFLICT (endpoint_id) DO UPDATE SET url = EXCLUDED.url, disabled_at = EXCLUDED.disabled_at`,
      [endpointId, disabled.url, disabled.at],
    );
  }

  async prune(before: number): Promise<void> {
    await this.query('pruning finished webhook messages', `DELETE FROM alert_webhook_outbox WHERE status <> 'pending' AND next_attempt_at < $1`, [before]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end().catch(() => undefined);
  }

  private async query<R extends unknown[]>(doing: string, text: string, values: unknown[]): Promise<R[]> {
    if (this.closed) throw new WebhookOutboxUnavailableError('the webhook outbox is closed');
    try {
      return (await this.pool.query<R>({ text, values, rowMode: 'array' })).rows;
    } catch (error) {
      throw databaseError(error, this.options, doing);
    }
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A database failure as WebhookOutboxUnavailableError, its message redacted of the URL and password, the driver's error kept out. */
function databaseError(error: unknown, database: LedgerDatabase, doing: string): WebhookOutboxUnavailableError {
  if (error instanceof WebhookOutboxUnavailableError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  return new WebhookOutboxUnavailableError(
    redactDatabase(`${doing}: ${error instanceof Error ? error.message : String(error)}${typeof code === 'string' ? ` (${code})` : ''}`, database),
  );
}
