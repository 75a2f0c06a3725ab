import type pg from 'pg';
import { dedicatedClient, LEADER_LOCK_KEY } from '../../src/ledger/postgres/connection.js';
import { PgLedgerStore, type PgLedgerStoreOptions } from '../../src/ledger/postgres/pg-store.js';

/** A PostgreSQL store that leads: it holds the leader lock on a connection of its own, as the elected instance does. */
export async function openLeadingStore(url: string, options: Partial<PgLedgerStoreOptions> = {}): Promise<{ store: PgLedgerStore; lock: pg.Client; close(): Promise<void> }> {
  const store = await PgLedgerStore.open({ url, password: null, ...options });
  const lock = dedicatedClient({ url, password: null }, 'test leader', () => undefined);
  await lock.connect();
  const { rows } = await lock.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [LEADER_LOCK_KEY]);
  if (rows[0]?.got !== true) throw new Error('the leader lock is held elsewhere');
  store.lead(lock);
  return {
    store,
    lock,
    async close() {
      await store.close();
      await lock.end().catch(() => undefined);
    },
  };
}
