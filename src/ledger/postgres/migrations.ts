import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Logger } from '../../common/logger.js';
import { MIGRATION_LOCK_KEY } from './connection.js';

/**
 * Versioned schema migrations: plain SQL files `NNN_name.sql` in `migrations/`, applied in order,
 * each recorded in `schema_migrations`. All pending ones run in one transaction under a
 * transaction-level advisory lock, so instances starting together apply each file once: the
 * second waits for the first, then finds nothing to do.
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/** The folder beside this module under tsx; beside the sources when bundled into dist/. */
function migrationsDir(): string {
  const candidates = [new URL('./migrations/', import.meta.url), new URL('../src/ledger/postgres/migrations/', import.meta.url)];
  const found = candidates.map((url) => fileURLToPath(url)).find((dir) => existsSync(dir));
  if (found === undefined) throw new Error('the ledger\'s SQL migrations (src/ledger/postgres/migrations) are missing from this installation');
  return found;
}

export async function loadMigrations(dir: string = migrationsDir()): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => FILE.test(file)).sort();
  return Promise.all(
    files.map(async (file) => {
      const [, version, name] = FILE.exec(file)!;
      return { version: Number(version), name: name!, sql: await readFile(`${dir}/${file}`, 'utf8') };
    }),
  );
}

/** Applies the pending migrations on `client` (outside any transaction); the versions applied now. */
export async function runMigrations(client: pg.ClientBase, logger?: Logger, migrations?: Migration[]): Promise<number[]> {
  const all = migrations ?? (await loadMigrations());
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    const applied = new Set(rows.map((row) => row.version));
    const newest = Math.max(0, ...all.map((migration) => migration.version));
    const unknown = [...applied].filter((version) => version > newest);
    if (unknown.length > 0) {
      throw new Error(`the ledger database has schema version ${Math.max(...unknown)}, newer than this gateway knows (${newest}); run a newer gateway`);
    }
    const pending = all.filter((migration) => !applied.has(migration.version));
    for (const migration of pending) {
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
    await client.query('COMMIT');
    if (pending.length > 0) logger?.info('partner ledger: database schema migrated', { applied: pending.map((m) => `${m.version}_${m.name}`) });
    return pending.map((migration) => migration.version);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
