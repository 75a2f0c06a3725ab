import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FileHistoryStore } from '../../src/monitoring/file-history-store.js';
import { openHistoryStore } from '../../src/monitoring/open-history-store.js';
import { HISTORY_LEADER_LOCK_KEY, historyDatabaseError, PgHistoryStore } from '../../src/monitoring/postgres-history-store.js';
import { postgresInstalled, postgresSuite, startPostgres, type PostgresServer } from '../support/postgres-server.js';
import { FIVE_MINUTES, keyOf, samplesFrom, tempDataDir } from './support.js';

/**
 * Several instances on one PostgreSQL history: concurrent appends of the same samples record each
 * once, one instance leads at a time and another takes over when it goes; the database's own
 * conditions (a full disk, read-only, refused grants) keep their names, and never a password.
 */

const JAN_1 = Date.UTC(2026, 0, 1);
const NOW = Date.UTC(2026, 11, 31);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('PostgreSQL errors as history conditions', () => {
  it('maps SQLSTATEs to the named conditions and redacts the URL and password', () => {
    const database = { url: 'postgres://gw:s3cret-pw@db.internal:5432/usage', password: 's3cret-pw' };
    const fail = (code: string) => Object.assign(new Error(`failure talking to postgres://gw:s3cret-pw@db.internal:5432/usage with s3cret-pw`), { code });
    for (const [sqlstate, code] of [
      ['53100', 'HISTORY_DISK_FULL'],
      ['25006', 'HISTORY_READ_ONLY'],
      ['42501', 'HISTORY_PERMISSION_DENIED'],
      ['08006', 'HISTORY_UNAVAILABLE'],
    ] as const) {
      const error = historyDatabaseError(fail(sqlstate), database, 'appending');
      expect(error.code).toBe(code);
      expect(error.message).toContain(sqlstate);
      expect(error.message).not.toContain('s3cret-pw');
      expect(error.message).not.toContain('db.internal');
    }
  });
});

describe.skipIf(!postgresInstalled)(postgresSuite('PgHistoryStore: several instances on one PostgreSQL'), () => {
  let server: PostgresServer;
  let databases = 0;
  beforeAll(async () => {
    server = await startPostgres('history');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  async function open(url: string): Promise<PgHistoryStore> {
    const store = await PgHistoryStore.open({ url, password: null, now: () => NOW });
    cleanups.push(() => store.close());
    return store;
  }

  async function count(url: string): Promise<{ rows: number; distinct: number }> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ rows: string; distinct: string }>(
        'SELECT count(*) AS rows, count(DISTINCT (provider, series, at)) AS distinct FROM usage_history',
      );
      return { rows: Number(rows[0]!.rows), distinct: Number(rows[0]!.distinct) };
    } finally {
      await client.end();
    }
  }

  it('two instances appending the same samples at once record each once', async () => {
    const url = await server.createDatabase(`fleet_${++databases}`);
    const [a, b] = await Promise.all([open(url), open(url)]);
    const want = new Map<string, number>();
    for (let round = 0; round < 5; round++) {
      const batch = [
        ...samplesFrom('arrays', 'quota:monthly_requests', JAN_1 + round * 500 * FIVE_MINUTES, 1000),
        ...samplesFrom('sharpe', 'rateLimit:remaining', JAN_1 + round * 500 * FIVE_MINUTES, 1000),
      ];
      for (const sample of batch) want.set(keyOf(sample), sample.used);
      // The same samples in other orders: each instance as its own sampler would have batched them.
      await Promise.all([a.append(batch), b.append([...batch].reverse()), a.append(batch.slice(500)), b.append(batch.slice(0, 1500))]);
    }
    expect(await count(url)).toEqual({ rows: want.size, distinct: want.size });
    const read = await b.read({ provider: 'arrays', series: 'quota:monthly_requests' });
    expect(read).toHaveLength(3000);
    expect(read.every((sample) => want.get(keyOf(sample)) === sample.used)).toBe(true);
  });

  it('one of two instances racing for the lead wins; the other leads once the leader closes or its connection dies', async () => {
    const url = await server.createDatabase(`lead_${++databases}`);
    const [a, b, c] = await Promise.all([open(url), open(url), open(url)]);
    const won = await Promise.all([a.tryLead(), b.tryLead()]);
    expect(won.filter(Boolean)).toHaveLength(1);
    const [leader, follower] = won[0] ? [a, b] : [b, a];
    expect(leader.isLeader).toBe(true);
    expect(await follower.tryLead()).toBe(false);
    // Not the ledger's leader lock: the history's lead is a key of its own.
    expect(HISTORY_LEADER_LOCK_KEY).not.toBe((await import('../../src/ledger/postgres/connection.js')).LEADER_LOCK_KEY);

    await leader.close();
    expect(await follower.tryLead()).toBe(true);

    // The leader's connection killed (a network cut, a crash of its host): the lock goes with it.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    cleanups.push(() => admin.end());
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE '%history leader'`);
    await expect.poll(() => follower.isLeader, { timeout: 10_000 }).toBe(false);
    expect(await c.tryLead()).toBe(true);
    expect(await follower.tryLead()).toBe(false);
  });

  it('answers and reports a database that went away, and recovers when it is back', async () => {
    const url = await server.createDatabase(`down_${++databases}`);
    const store = await open(url);
    await store.append(samplesFrom('p', 's', JAN_1, 3));
    await server.stop('fast');
    try {
      await expect(store.append(samplesFrom('p', 's', JAN_1 + 3 * FIVE_MINUTES, 3))).rejects.toMatchObject({ code: 'HISTORY_UNAVAILABLE' });
      expect(store.status()).toMatchObject({ backend: 'postgres', condition: 'HISTORY_UNAVAILABLE' });
    } finally {
      await server.start();
    }
    await expect.poll(async () => store.append(samplesFrom('p', 's', JAN_1 + 3 * FIVE_MINUTES, 3)).then(() => true, () => false), { timeout: 10_000 }).toBe(true);
    expect(store.status().condition).toBe('ok');
    expect(await store.read({ provider: 'p', series: 's' })).toHaveLength(6);
  });

  it('openHistoryStore picks PostgreSQL with a database, the embedded files without', async () => {
    const url = await server.createDatabase(`chooser_${++databases}`);
    const { dir, cleanup } = await tempDataDir();
    cleanups.push(cleanup);
    const shared = await openHistoryStore({ dataDir: dir, database: { url, password: null } });
    cleanups.push(() => shared.close());
    expect(shared).toBeInstanceOf(PgHistoryStore);
    expect(shared.status().backend).toBe('postgres');
    const embedded = await openHistoryStore({ dataDir: dir, database: null });
    cleanups.push(() => embedded.close());
    expect(embedded).toBeInstanceOf(FileHistoryStore);
    expect(embedded.status().backend).toBe('file');
  });
});
