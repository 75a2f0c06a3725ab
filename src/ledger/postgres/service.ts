import { hostname } from 'node:os';
import type pg from 'pg';
import type { Logger } from '../../common/logger.js';
import { LedgerFollower, type FollowerStatus, type LedgerErrorInfo, type LedgerFollowerOptions, type LedgerObserver, type PageSource } from '../follower.js';
import type { RunningPartnerLedger } from '../partner-ledger.js';
import { closeQuietly, dedicatedClient, LEADER_LOCK_KEY, storeError, type LedgerDatabase } from './connection.js';
import { PgLedgerStore } from './pg-store.js';

/** Options of the partner ledger in PostgreSQL. */
export interface PostgresPartnerLedgerOptions {
  database: LedgerDatabase;
  /** `LEDGER_LEADER_TAKEOVER_SECONDS`: another instance follows within this long of the leader's death. */
  leaderTakeoverSeconds: number;
  /** `ARRAYS_START_CURSOR`: where a new ledger starts. */
  startCursor: string;
  /** `ARRAYS_POLL_INTERVAL_MS`. */
  pollIntervalMs: number;
  source: PageSource;
  logger: Logger;
  observer?: LedgerObserver;
  /** More follower settings (page size, backoff). Default: the follower's defaults. */
  follower?: Omit<LedgerFollowerOptions, 'source' | 'store' | 'logger' | 'pollIntervalMs' | 'observer'>;
  /** The replica's refresh interval without notifications, ms. Default: the store's (1000). */
  refreshMs?: number;
}

/** Attempts to take the lead per takeover period: the wait after a leader's death is at most a fifth of it, plus the attempt. */
const ATTEMPTS_PER_TAKEOVER = 5;

/**
 * Opens the shared ledger and takes part in the election of the one instance that follows the
 * stream: every instance answers reads from its replica; the one whose dedicated connection holds
 * `pg_try_advisory_lock(LEADER_LOCK_KEY)` runs the follower and commits on that connection. Its
 * connection breaking (its process dying, the server restarting, a partition the keepalives or the
 * heartbeat notice) releases the lock server-side and stops its follower here at once; the others
 * try for the lock every fifth of the takeover time.
 */
export async function startPostgresPartnerLedger(options: PostgresPartnerLedgerOptions): Promise<RunningPartnerLedger> {
  const store = await PgLedgerStore.open({ ...options.database, startCursor: options.startCursor, logger: options.logger, refreshMs: options.refreshMs });
  const leadership = new Leadership(options, store);
  await leadership.tick();
  leadership.start();
  options.logger.info('partner ledger: in PostgreSQL (DATABASE_URL)', {
    leading: store.writable,
    leaderTakeoverSeconds: options.leaderTakeoverSeconds,
    position: await store.position(),
  });
  return {
    store,
    status: () => leadership.status(),
    async close() {
      await leadership.stop();
      await store.close();
    },
  };
}

interface Published {
  status: FollowerStatus;
  ageMs: number;
}

class Leadership {
  private readonly instance = `${hostname()}:${process.pid}`;
  private readonly retryMs: number;
  /** The connection that asks for the lock and, once it has it, holds it and commits. */
  private candidate: pg.Client | null = null;
  private follower: LedgerFollower | null = null;
  /** This instance's own failure to take part (database unreachable, leadership lost). */
  private failure: { error: LedgerErrorInfo; count: number } | null = null;
  private published: Published | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly options: PostgresPartnerLedgerOptions,
    private readonly store: PgLedgerStore,
  ) {
    this.retryMs = Math.max(200, Math.floor((options.leaderTakeoverSeconds * 1000) / ATTEMPTS_PER_TAKEOVER));
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.retryMs);
    this.timer.unref();
  }

  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.ticking ??= (this.follower === null ? this.tryToLead().then(() => this.readPublished()) : this.heartbeat()).finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  status(): FollowerStatus {
    if (this.follower !== null) return this.follower.status();
    // Not leading: the leader's own words, as fresh as its last heartbeat; this instance's trouble first.
    const leader = this.published !== null && this.published.ageMs < 2 * this.options.leaderTakeoverSeconds * 1000 ? this.published.status : null;
    const own = this.failure ?? this.store.readFailure;
    return {
      following: false,
      caughtUp: leader?.caughtUp ?? false,
      headCursor: leader?.headCursor ?? null,
      lastPollAt: leader?.lastPollAt ?? null,
      lastError: own?.error ?? leader?.lastError ?? null,
      consecutiveFailures: own?.count ?? leader?.consecutiveFailures ?? 0,
      stalled: leader?.stalled ?? false,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    await this.ticking?.catch(() => undefined);
    const follower = this.follower;
    this.follower = null;
    await follower?.stop();
    this.store.abdicate();
    const client = this.candidate;
    this.candidate = null;
    // Ending the session releases the advisory lock: another instance leads at its next attempt.
    await closeQuietly(client);
  }

  private fail(error: unknown, doing: string): void {
    const failed = storeError(error, this.options.database, doing);
    if (this.failure === null) this.options.logger.warn('partner ledger: cannot take part in the leader election; retrying', { error: failed, retryInMs: this.retryMs });
    this.failure = { error: { code: 'LEDGER_STORE_UNAVAILABLE', message: failed.message, at: new Date() }, count: (this.failure?.count ?? 0) + 1 };
  }

  private async tryToLead(): Promise<void> {
    try {
      if (this.candidate === null) {
        const client = dedicatedClient(this.options.database, 'leader', (error) => this.broken(client, error));
        await client.connect();
        // The server drops the session of a leader whose host vanished (no FIN) within about two
        // thirds of the takeover time, releasing the lock; over a Unix socket these do nothing.
        const takeover = this.options.leaderTakeoverSeconds;
        await client.query(
          `SET tcp_keepalives_idle = ${Math.max(1, Math.floor(takeover / 3))}; SET tcp_keepalives_interval = ${Math.max(1, Math.floor(takeover / 9))}; SET tcp_keepalives_count = 3`,
        );
        if (this.stopped) {
          await closeQuietly(client);
          return;
        }
        this.candidate = client;
      }
      const client = this.candidate;
      const { rows } = await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [LEADER_LOCK_KEY]);
      this.failure = null;
      if (rows[0]?.got !== true || this.stopped || this.candidate !== client) return;
      // Whatever the previous leader committed last is in the replica before the follower reads its cursor.
      await this.store.refresh();
      this.store.lead(client);
      const follower = new LedgerFollower({
        ...this.options.follower,
        source: this.options.source,
        store: this.store,
        logger: this.options.logger,
        pollIntervalMs: this.options.pollIntervalMs,
        observer: this.options.observer,
      });
      this.follower = follower;
      follower.start();
      this.options.logger.info('partner ledger: this instance leads; following the Arrays stream', { instance: this.instance, position: await this.store.position() });
      await this.publish();
    } catch (error) {
      const client = this.candidate;
      this.candidate = null;
      if (this.follower !== null) this.lose(error);
      await closeQuietly(client);
      this.fail(error, 'taking the lead');
    }
  }

  /** The leader's connection is alive (or it is dropped), and its status is in `ledger_leader` for the others. */
  private async heartbeat(): Promise<void> {
    const client = this.candidate;
    try {
      await withTimeout(this.publish(), 2 * this.retryMs, 'the leader connection did not answer its heartbeat');
    } catch (error) {
      if (client !== null) this.broken(client, error);
    }
  }

  private publish(): Promise<unknown> {
    const status = this.follower?.status();
    if (status === undefined) return Promise.resolve();
    return this.store.onLeaderConnection((client) =>
      client.query(
        `INSERT INTO ledger_leader (id, instance, status, heartbeat_at) VALUES (1, $1, $2, now())
         ON CONFLICT (id) DO UPDATE SET instance = EXCLUDED.instance, status = EXCLUDED.status, heartbeat_at = EXCLUDED.heartbeat_at`,
        [this.instance, JSON.stringify(status)],
      ),
    );
  }

  private async readPublished(): Promise<void> {
    if (this.follower !== null || this.stopped) return;
    try {
      const { rows } = await this.store.reads.query<{ status: Record<string, unknown>; age_ms: number }>(
        'SELECT status, (extract(epoch FROM now() - heartbeat_at) * 1000)::bigint AS age_ms FROM ledger_leader WHERE id = 1',
      );
      const row = rows[0];
      this.published = row === undefined ? null : { status: revive(row.status), ageMs: row.age_ms };
    } catch {
      // The replica's refresh reports the database's trouble.
    }
  }

  /** The lock's connection failed or ended: the server has let go of the lock, so this instance stops committing now. */
  private broken(client: pg.Client, error: unknown): void {
    if (client !== this.candidate) return;
    this.candidate = null;
    if (this.follower !== null) this.lose(error);
    void closeQuietly(client);
  }

  private lose(error: unknown): void {
    this.store.abdicate();
    const follower = this.follower!;
    this.follower = null;
    void follower.stop();
    const failed = storeError(error, this.options.database, 'the leader connection broke');
    this.options.logger.error('partner ledger: lost the lead (its database connection broke); stopped following, retrying for the lead', { error: failed });
    this.failure = { error: { code: 'LEDGER_STORE_UNAVAILABLE', message: failed.message, at: new Date() }, count: 1 };
  }
}

function revive(status: Record<string, unknown>): FollowerStatus {
  const date = (value: unknown) => (typeof value === 'string' ? new Date(value) : null);
  const error = status.lastError as { code: string; message: string; at: string } | null;
  return {
    following: true,
    caughtUp: status.caughtUp === true,
    headCursor: typeof status.headCursor === 'string' ? status.headCursor : null,
    lastPollAt: date(status.lastPollAt),
    lastError: error === null || error === undefined ? null : { code: error.code, message: error.message, at: new Date(error.at) },
    consecutiveFailures: typeof status.consecutiveFailures === 'number' ? status.consecutiveFailures : 0,
    stalled: status.stalled === true,
  };
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
