import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, runMigrations } from '../../src/ledger/postgres/migrations.js';
import { PgLedgerStore } from '../../src/ledger/postgres/pg-store.js';
import { postgresInstalled, postgresSuite, startPostgres, type PostgresServer } from '../support/postgres-server.js';

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const applied = (url: string) =>
  withClient(url, async (client) => (await client.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version')).rows);

describe.skipIf(!postgresInstalled)(postgresSuite('the ledger schema migrations against a real PostgreSQL server'), () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres('migrations');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('are plain SQL files numbered from 001', async () => {
    const migrations = await loadMigrations();
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(migrations[0]).toMatchObject({ version: 1, name: 'ledger', sql: expect.stringContaining('CREATE TABLE ledger_state') });
  });

  it('apply on a fresh database, and a second start applies nothing and changes nothing', async () => {
    const url = await server.createDatabase('fresh');
    const all = await loadMigrations();
    expect(await withClient(url, (client) => runMigrations(client))).toEqual(all.map((m) => m.version));
    const first = await applied(url);
    expect(first.map((row) => row.version)).toEqual(all.map((m) => m.version));
    expect(await withClient(url, (client) => runMigrations(client))).toEqual([]);
    expect(await applied(url)).toEqual(first);
  });

  it('run once when several instances start together: every start succeeds, each file is applied once', async () => {
    const url = await server.createDatabase('racing');
    const results = await Promise.all(Array.from({ length: 4 }, () => withClient(url, (client) => runMigrations(client))));
    expect(results.flat().sort()).toEqual((await loadMigrations()).map((m) => m.version));
    expect(results.filter((versions) => versions.length > 0)).toHaveLength(1);
    // And whole stores opening together on another fresh database: one ledger, one state row.
    const storesUrl = await server.createDatabase('racing_stores');
    const stores = await Promise.all(Array.from({ length: 3 }, () => PgLedgerStore.open({ url: storesUrl, password: null })));
    await Promise.all(stores.map((store) => store.close()));
    expect((await applied(storesUrl)).length).toBe((await loadMigrations()).length);
    expect(await withClient(storesUrl, async (client) => (await client.query('SELECT count(*)::int AS n FROM ledger_state')).rows[0].n)).toBe(1);
  });

  it('leave a failing migration wholly unapplied, and refuse a database newer than the gateway', async () => {
    const url = await server.createDatabase('failing');
    const good = await loadMigrations();
    const broken = [...good, { version: good.length + 1, name: 'broken', sql: 'CREATE TABLE half_done (x int); SELECT * FROM no_such_table' }];
    await expect(withClient(url, (client) => runMigrations(client, undefined, broken))).rejects.toThrow(/no_such_table/);
    // One transaction: not even the good files before it were kept.
    await expect(applied(url)).rejects.toThrow(/schema_migrations/);
    expect(await withClient(url, (client) => runMigrations(client))).toEqual(good.map((m) => m.version));
    await withClient(url, (client) => client.query("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')"));
    await expect(withClient(url, (client) => runMigrations(client))).rejects.toThrow(/schema version 999, newer than this gateway knows/);
  });
});
