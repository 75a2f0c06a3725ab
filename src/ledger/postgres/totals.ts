import type pg from 'pg';
import { cursorMs } from '../stream-cursor.js';
import type { LedgerCommit } from '../store.js';
import type { IndexHeader, UserRow } from '../user-totals-index.js';
import { dayOf } from '../utc-day.js';

/**
 * The ledger's totals tables: writing one page's deltas, and reading everything back in the shape
 * of a file snapshot (header, then one row per user), which both the read replicas and
 * `npm run ledger -- export` consume.
 */

interface Counters {
  calls: number;
  discoveries: number;
  tweets: number;
}

function add(map: Map<string, Counters>, key: string, row: Counters): void {
  const sum = map.get(key);
  if (sum === undefined) map.set(key, { calls: row.calls, discoveries: row.discoveries, tweets: row.tweets });
  else {
    sum.calls += row.calls;
    sum.discoveries += row.discoveries;
    sum.tweets += row.tweets;
  }
}

const columns = (map: Map<string, Counters>) => {
  const values = [...map.values()];
  return [values.map((v) => v.calls), values.map((v) => v.discoveries), values.map((v) => v.tweets)];
};

/**
 * Adds a checked page to the totals tables, in the caller's transaction. A sub (or sub and
 * endpoint) twice on a page is summed first, as the in-memory index sums it, since one INSERT …
 * ON CONFLICT may not touch a row twice.
 */
export async function addPage(client: pg.ClientBase, commit: LedgerCommit): Promise<void> {
  const ms = cursorMs(commit.cursorAfter) as number;
  const users = new Map<string, Counters>();
  const endpoints = new Map<string, Counters>();
  const endpointKeys: [string, string][] = [];
  for (const user of commit.users) {
    add(users, user.sub, user);
    for (const endpoint of user.byEndpoint) {
      const key = `${user.sub}\0${endpoint.endpoint}`;
      if (!endpoints.has(key)) endpointKeys.push([user.sub, endpoint.endpoint]);
      add(endpoints, key, endpoint);
    }
  }
  const subs = [...users.keys()];
  await client.query(
    `INSERT INTO ledger_users (sub, calls, discoveries, tweets, first_ms, last_ms)
     SELECT s, c, d, t, $5, $5 FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) AS u(s, c, d, t)
     ON CONFLICT (sub) DO UPDATE SET calls = ledger_users.calls + EXCLUDED.calls, discoveries = ledger_users.discoveries + EXCLUDED.discoveries,
       tweets = ledger_users.tweets + EXCLUDED.tweets, last_ms = EXCLUDED.last_ms`,
    [subs, ...columns(users), ms],
  );
  await client.query(
    `INSERT INTO ledger_user_days (sub, day, calls, discoveries, tweets)
     SELECT s, $5, c, d, t FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) AS u(s, c, d, t)
     ON CONFLICT (sub, day) DO UPDATE SET calls = ledger_user_days.calls + EXCLUDED.calls, discoveries = ledger_user_days.discoveries + EXCLUDED.discoveries,
       tweets = ledger_user_days.tweets + EXCLUDED.tweets`,
    [subs, ...columns(users), dayOf(ms)],
  );
  if (endpointKeys.length === 0) return;
  await client.query(
    `INSERT INTO ledger_user_endpoints (sub, endpoint, calls, discoveries, tweets)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[])
     ON CONFLICT (sub, endpoint) DO UPDATE SET calls = ledger_user_endpoints.calls + EXCLUDED.calls,
       discoveries = ledger_user_endpoints.discoveries + EXCLUDED.discoveries, tweets = ledger_user_endpoints.tweets + EXCLUDED.tweets`,
    [endpointKeys.map(([sub]) => sub), endpointKeys.map(([, endpoint]) => endpoint), ...columns(endpoints)],
  );
}

/** Users fetched per round trip while reading the totals: bounds the memory a read holds. */
const BATCH = 2000;

/** The ledger's position row, as a snapshot header has it. */
export async function readHeader(client: pg.ClientBase): Promise<Omit<IndexHeader, 'endpoints'> | null> {
  const { rows } = await client.query<{ start_cursor: string; cursor: string; seq: number; entries: number; pages: number; last_commit_ms: number | null }>(
    'SELECT start_cursor, cursor, seq, entries, pages, last_commit_ms FROM ledger_state WHERE id = 1',
  );
  const row = rows[0];
  if (row === undefined) return null;
  return { seq: row.seq, startCursor: row.start_cursor, cursor: row.cursor, entries: row.entries, pages: row.pages, lastCommitAt: row.last_commit_ms };
}

/**
 * Reads the whole ledger as of one snapshot of the database (the caller's client, outside a
 * transaction): `onHeader` once, then `onRow` per user in sub order, `BATCH` users at a time.
 */
export async function readTotals(
  client: pg.ClientBase,
  onHeader: (header: IndexHeader, users: number) => void | Promise<void>,
  onRow: (row: UserRow) => void | Promise<void>,
): Promise<IndexHeader> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const header = await readTotalsWithin(client, onHeader, onRow);
    await client.query('COMMIT');
    return header;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** As `readTotals`, inside the caller's open transaction (an import checks what it wrote before committing). */
export async function readTotalsWithin(
  client: pg.ClientBase,
  onHeader: (header: IndexHeader, users: number) => void | Promise<void>,
  onRow: (row: UserRow) => void | Promise<void>,
): Promise<IndexHeader> {
  {
    const position = await readHeader(client);
    if (position === null) throw new Error('the ledger database has no ledger_state row');
    const endpoints = (await client.query<{ endpoint: string }>('SELECT DISTINCT endpoint FROM ledger_user_endpoints ORDER BY endpoint')).rows.map((row) => row.endpoint);
    const ids = new Map(endpoints.map((name, id) => [name, id]));
    const { rows: counted } = await client.query<{ users: number }>('SELECT count(*)::bigint AS users FROM ledger_users');
    const header: IndexHeader = { ...position, endpoints };
    await onHeader(header, counted[0]!.users);
    await client.query(`DECLARE ledger_rows NO SCROLL CURSOR FOR
      SELECT u.sub, u.calls, u.discoveries, u.tweets, u.first_ms, u.last_ms,
        COALESCE((SELECT json_agg(json_build_array(e.endpoint, e.calls, e.discoveries, e.tweets)) FROM ledger_user_endpoints e WHERE e.sub = u.sub), '[]') AS endpoints,
        COALESCE((SELECT json_agg(json_build_array(d.day, d.calls, d.discoveries, d.tweets) ORDER BY d.day) FROM ledger_user_days d WHERE d.sub = u.sub), '[]') AS days
      FROM ledger_users u ORDER BY u.sub`);
    for (;;) {
      const { rows } = await client.query<{
        sub: string;
        calls: number;
        discoveries: number;
        tweets: number;
        first_ms: number;
        last_ms: number;
        endpoints: [string, number, number, number][];
        days: [number, number, number, number][];
      }>(`FETCH ${BATCH} FROM ledger_rows`);
      for (const row of rows) {
        const flatEndpoints = row.endpoints.flatMap(([name, c, d, t]) => [ids.get(name)!, c, d, t]);
        await onRow([row.sub, row.calls, row.discoveries, row.tweets, row.first_ms, row.last_ms, flatEndpoints, row.days.flat()]);
      }
      if (rows.length < BATCH) break;
    }
    await client.query('CLOSE ledger_rows');
    return header;
  }
}
