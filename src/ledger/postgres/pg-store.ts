import type pg from 'pg';
import type { Logger } from '../../common/logger.js';
import { ARRAYS_STREAM_START } from '../stream-cursor.js';
import { LedgerConflictError, LedgerReadOnlyError } from '../errors.js';
import type { LedgerErrorInfo } from '../follower.js';
import { decodeRecord, encodeRecord } from '../journal.js';
import type { DailyQuery, DailyUsage, LedgerCommit, LedgerPosition, LedgerStats, LedgerStore, ListUsersQuery, UserList } from '../store.js';
import type { PartnerUserTotals } from '../types.js';
import { LedgerIndex } from '../user-totals-index.js';
import { closeQuietly, dedicatedClient, LEDGER_CHANNEL, ledgerPool, storeError, type LedgerDatabase } from './connection.js';
import { runMigrations } from './migrations.js';
import { addPage, readTotals } from './totals.js';

/** Options of the PostgreSQL ledger store. */
export interface PgLedgerStoreOptions extends LedgerDatabase {
  /** Cursor a new ledger starts after (`ARRAYS_START_CURSOR`). Default `0`. An existing ledger keeps its own. */
  startCursor?: string;
  /**
   * How often the read replica asks for commits it was not notified of, ms (a LISTEN connection
   * being re-made, a notification lost with it). Default 1000: reads trail the leader's commits
   * by at most about this long even without notifications.
   */
  refreshMs?: number;
  /** Commits kept in `ledger_pages` for replicas to apply; one further behind reloads the totals. Default 10000. */
  pageRetention?: number;
  /** Default: no logging. */
  logger?: Logger;
}

const DEFAULTS = { refreshMs: 1000, pageRetention: 10_000 };
/** Commits applied from `ledger_pages` per round trip of a refresh. */
const REFRESH_BATCH = 500;

/**
 * The shared ledger store: the totals live in PostgreSQL, every instance answers reads from an
 * in-memory replica of them (the same LedgerIndex the file store serves from, so orders, ranges
 * and daily series are the file store's exactly), and one instance at a time commits.
 *
 * A commit is one transaction on the leader's own connection (the one holding the advisory lock):
 * it locks `ledger_state`, refuses a `cursorBefore` that is not the committed cursor
 * (LedgerConflictError), adds the page to the totals tables, appends its journal record to
 * `ledger_pages` and notifies `usage_gateway_ledger`. Replicas apply the new records in seq order
 * when notified, and every `refreshMs` regardless.
 */
export class PgLedgerStore implements LedgerStore {
  readonly stats: LedgerStats = { reads: 0, commits: 0 };
  private leader: pg.Client | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private listener: pg.Client | null = null;
  private listening = false;
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private closed = false;
  /** The last failure to reach the database from this instance's replica; null once a refresh succeeds. */
  private failure: { error: LedgerErrorInfo; count: number } | null = null;

  private constructor(
    private readonly options: PgLedgerStoreOptions & typeof DEFAULTS,
    private readonly pool: pg.Pool,
    private index: LedgerIndex,
  ) {}

  /**
   * Migrates the schema, creates the ledger's state row when new, and loads the replica; throws
   * (LedgerStoreUnavailableError) when the database cannot be reached.
   */
  static async open(options: PgLedgerStoreOptions): Promise<PgLedgerStore> {
    const settings = { ...DEFAULTS, ...options };
    const pool = ledgerPool(settings);
    try {
      const client = await pool.connect();
      try {
        await runMigrations(client, options.logger);
        const start = options.startCursor ?? ARRAYS_STREAM_START;
        await client.query(
          `INSERT INTO ledger_state (id, start_cursor, cursor, seq, entries, pages) VALUES (1, $1, $1, 0, 0, 0)
           ON CONFLICT (id) DO UPDATE SET start_cursor = $1, cursor = $1 WHERE ledger_state.pages = 0`,
          [start],
        );
      } finally {
        client.release();
      }
      const store = new PgLedgerStore(settings, pool, await loadIndex(pool));
      const { startCursor } = store.index;
      if (store.index.pages > 0 && options.startCursor !== undefined && startCursor !== options.startCursor) {
        options.logger?.warn('partner ledger: ARRAYS_START_CURSOR differs from the existing ledger\'s start; resuming the existing ledger', {
          ledgerStart: startCursor,
          configured: options.startCursor,
        });
      }
      store.timer = setInterval(() => store.tick(), settings.refreshMs);
      store.timer.unref();
      await store.listen();
      return store;
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw storeError(error, settings, 'opening the ledger database');
    }
  }

  /** True while this instance leads: it holds the advisory lock on the connection its commits use. */
  get writable(): boolean {
    return this.leader !== null && !this.closed;
  }

  /** The replica's last failure to reach the database, and how many in a row; null when the last refresh worked. */
  get readFailure(): { error: LedgerErrorInfo; count: number } | null {
    return this.failure;
  }

  /** The pool of short reads, for the leadership's status row. */
  get reads(): pg.Pool {
    return this.pool;
  }

  async position(): Promise<LedgerPosition> {
    this.stats.reads += 1;
    return this.index.position();
  }

  async getUsers(subs: readonly string[]): Promise<(PartnerUserTotals | null)[]> {
    this.stats.reads += 1;
    const { index } = this;
    return subs.map((sub) => index.getUser(sub));
  }

  async getDaily(queries: readonly DailyQuery[]): Promise<(DailyUsage[] | null)[]> {
    this.stats.reads += 1;
    const { index } = this;
    return queries.map((query) => index.daily(query.sub, query));
  }

  async listUsers(query: ListUsersQuery): Promise<UserList> {
    this.stats.reads += 1;
    return this.index.list(query);
  }

  /** Makes `client` (which holds the leader lock) the connection commits use. */
  lead(client: pg.Client): void {
    this.leader = client;
  }

  /** Stops committing at once: the next commit, and one waiting, are refused LEDGER_READ_ONLY. */
  abdicate(): void {
    this.leader = null;
  }

  commit(commit: LedgerCommit): Promise<void> {
    return this.serial(() => this.commitNow(commit));
  }

  /** Runs `work` on the leader's connection between commits (never inside one's transaction). */
  onLeaderConnection<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    return this.serial(() => {
      const client = this.leader;
      if (client === null) throw new LedgerReadOnlyError('this instance does not lead the ledger');
      return work(client);
    });
  }

  /** Applies the commits made since the replica's seq (or reloads it); resolves when done. */
  refresh(): Promise<void> {
    if (this.refreshing !== null) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    const run = this.serial(() => this.refreshNow())
      .then(
        () => {
          this.failure = null;
        },
        (error: unknown) => {
          if (this.closed) return;
          const failed = storeError(error, this.options, 'refreshing the ledger replica');
          if (this.failure === null) this.options.logger?.warn('partner ledger: cannot read the ledger database; serving the totals read last', { error: failed });
          this.failure = { error: { code: 'LEDGER_STORE_UNAVAILABLE', message: failed.message, at: new Date() }, count: (this.failure?.count ?? 0) + 1 };
        },
      )
      .finally(() => {
        this.refreshing = null;
        if (this.refreshAgain && !this.closed) {
          this.refreshAgain = false;
          void this.refresh();
        }
      });
    this.refreshing = run;
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    await this.tail.catch(() => undefined);
    this.leader = null;
    const listener = this.listener;
    this.listener = null;
    await closeQuietly(listener);
    await this.pool.end().catch(() => undefined);
  }

  /** Commits, refreshes and leader work run one at a time: the replica never sees half of anything. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async commitNow(commit: LedgerCommit): Promise<void> {
    const client = this.leader;
    if (client === null || this.closed) throw new LedgerReadOnlyError('this instance does not lead the ledger (another one follows the stream), or it is closed');
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ cursor: string; seq: number }>('SELECT cursor, seq FROM ledger_state WHERE id = 1 FOR UPDATE');
      // Whatever the connection's type parsing, seq compares as a number.
      const state = { cursor: rows[0]!.cursor, seq: Number(rows[0]!.seq) };
      // Another leader committed since this replica last looked (a takeover): catch up first, so the
      // checks below see the totals the page will be added to.
      if (state.seq !== this.index.seq) await this.applyPages(client, state.seq);
      if (commit.cursorBefore !== state.cursor) {
        throw new LedgerConflictError(`commit from ${commit.cursorBefore} but the ledger's cursor is ${state.cursor}`);
      }
      this.index.check(commit);
      const committedAt = Date.now();
      const seq = this.index.seq + 1;
      const record = encodeRecord({ seq, committedAt, commit });
      // The tables and the replica get the record as decoded, as every other replica will.
      const page = decodeRecord(record).commit;
      commit = undefined as never;
      await addPage(client, page);
      await client.query(
        `UPDATE ledger_state SET cursor = $1, seq = $2, entries = entries + $3, pages = pages + 1, last_commit_ms = $4,
           start_cursor = CASE WHEN pages = 0 THEN $5 ELSE start_cursor END WHERE id = 1`,
        [page.cursorAfter, seq, page.entries, committedAt, page.cursorBefore],
      );
      await client.query('INSERT INTO ledger_pages (seq, cursor_before, cursor_after, committed_ms, record) VALUES ($1, $2, $3, $4, $5)', [
        seq,
        page.cursorBefore,
        page.cursorAfter,
        committedAt,
        record,
      ]);
      if (seq % 100 === 0) await client.query('DELETE FROM ledger_pages WHERE seq <= $1', [seq - this.options.pageRetention]);
      await client.query('SELECT pg_notify($1, $2)', [LEDGER_CHANNEL, String(seq)]);
      await client.query('COMMIT');
      this.index.apply(page, committedAt);
      this.stats.commits += 1;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      // A COMMIT whose answer was lost may have counted the page: the replica learns which from the
      // database, and the cursor guard refuses the page if the follower offers it again.
      void this.refresh();
      throw storeError(error, this.options, 'committing a page');
    }
  }

  private async refreshNow(): Promise<void> {
    if (this.closed) return;
    await this.applyPages(this.pool, null);
  }

  /**
   * Applies the records after the replica's seq, through `head` (or the newest). When records are
   * missing (pruned) or do not chain (the ledger was replaced by an import), a refresh reloads the
   * totals, and a commit (`head` given, inside its transaction) is refused for the retry.
   */
  private async applyPages(db: pg.Pool | pg.ClientBase, head: number | null): Promise<void> {
    const reload = async (why: string) => {
      if (head !== null) throw new LedgerConflictError(`the replica at commit ${this.index.seq} cannot catch up with commit ${head} (${why}); reloading it`);
      this.options.logger?.info('partner ledger: reloading the replica from the totals tables', { replicaSeq: this.index.seq, why });
      this.index = await loadIndex(this.pool);
    };
    for (;;) {
      const { rows } = await db.query<{ head: number; seq: number | null; record: Buffer | null }>(
        `SELECT s.seq AS head, p.seq, p.record FROM ledger_state s
         LEFT JOIN LATERAL (SELECT seq, record FROM ledger_pages WHERE seq > $1 AND seq <= s.seq ORDER BY seq LIMIT ${REFRESH_BATCH}) p ON true
         WHERE s.id = 1`,
        [this.index.seq],
      );
      const newest = head ?? Number(rows[0]?.head ?? 0);
      if (newest === this.index.seq) return;
      const records = rows.filter((row) => row.seq !== null && Number(row.seq) <= newest);
      const chained = newest > this.index.seq && Number(records[0]?.seq) === this.index.seq + 1;
      if (!chained) return reload(newest < this.index.seq ? 'the ledger was replaced' : 'its commits were pruned');
      for (const row of records) {
        const { seq, committedAt, commit } = decodeRecord(row.record!);
        if (seq !== this.index.seq + 1 || commit.cursorBefore !== this.index.cursor) return reload('its commits do not chain');
        this.index.apply(commit, committedAt);
      }
    }
  }

  private tick(): void {
    if (this.closed) return;
    void this.refresh();
    if (!this.listening) void this.listen();
  }

  /** LISTENs on a connection of its own; a broken one is re-made on the next tick. */
  private async listen(): Promise<void> {
    if (this.listening || this.closed) return;
    this.listening = true;
    const client = dedicatedClient(this.options, 'listen', () => {
      if (this.listener === client) this.listener = null;
      this.listening = false;
      void closeQuietly(client);
    });
    client.on('notification', (message) => {
      if (message.channel === LEDGER_CHANNEL && Number(message.payload) > this.index.seq) void this.refresh();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${LEDGER_CHANNEL}`);
      if (this.closed) throw new Error('closed');
      this.listener = client;
      // Commits made while nobody listened.
      void this.refresh();
    } catch {
      this.listening = false;
      await closeQuietly(client);
    }
  }
}

/** A replica of the whole ledger as of one database snapshot. */
async function loadIndex(pool: pg.Pool): Promise<LedgerIndex> {
  const client = await pool.connect();
  try {
    let index: LedgerIndex | null = null;
    await readTotals(
      client,
      (header) => {
        index = LedgerIndex.fromHeader(header);
      },
      (row) => index!.loadRow(row),
    );
    return index!;
  } finally {
    client.release();
  }
}
