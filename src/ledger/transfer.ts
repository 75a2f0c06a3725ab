import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { isCursor } from './stream-cursor.js';
import { FileLedgerStore, LEDGER_FILES } from './file-store.js';
import { dedicatedClient, LEADER_LOCK_KEY, LEDGER_CHANNEL, type LedgerDatabase } from './postgres/connection.js';
import { runMigrations } from './postgres/migrations.js';
import { readTotals, readTotalsWithin } from './postgres/totals.js';
import { writeSnapshot } from './snapshot.js';
import { LedgerIndex, type IndexHeader, type UserRow } from './user-totals-index.js';

/**
 * `npm run ledger -- export|import`: a ledger as one stream in the file snapshot's format (a JSON
 * header line, one line per user, a trailer with the CRC-32 of everything before it), so an export
 * is also a valid `ledger.snapshot`. Both directions stream: the PostgreSQL side a batch of users at
 * a time; the file side holds the ledger in memory as the file store itself does. An import is
 * checked before it counts: the trailer's CRC, every row's shape, and totals per user, endpoint and
 * day read back from the target equal to those of the input; otherwise nothing is written.
 */

const FORMAT = 'partner-usage-ledger-snapshot';
const VERSION = 1;

/** Totals of a ledger, order-free: counts and sums, and a digest over every user, endpoint and day row. */
export interface LedgerCheck {
  users: number;
  endpointRows: number;
  dayRows: number;
  calls: number;
  discoveries: number;
  tweets: number;
  /** A multiset hash (sum mod 2^128 of SHA-256 prefixes) of every (sub, totals, first/last), (sub, endpoint, counters) and (sub, day, counters). */
  digest: string;
}

class Checker {
  private readonly check = { users: 0, endpointRows: 0, dayRows: 0, calls: 0, discoveries: 0, tweets: 0 };
  private sum = 0n;

  add([sub, calls, discoveries, tweets, firstMs, lastMs, endpoints, days]: UserRow, endpointNames: readonly string[]): void {
    const c = this.check;
    c.users += 1;
    c.calls += calls;
    c.discoveries += discoveries;
    c.tweets += tweets;
    this.hash(['u', sub, calls, discoveries, tweets, firstMs, lastMs]);
    for (let at = 0; at < endpoints.length; at += 4) {
      c.endpointRows += 1;
      this.hash(['e', sub, endpointNames[endpoints[at]!]!, endpoints[at + 1]!, endpoints[at + 2]!, endpoints[at + 3]!]);
    }
    for (let at = 0; at < days.length; at += 4) {
      c.dayRows += 1;
      this.hash(['d', sub, days[at]!, days[at + 1]!, days[at + 2]!, days[at + 3]!]);
    }
  }

  result(): LedgerCheck {
    return { ...this.check, digest: this.sum.toString(16).padStart(32, '0') };
  }

  private hash(tuple: (string | number)[]): void {
    const bytes = createHash('sha256').update(JSON.stringify(tuple)).digest();
    this.sum = (this.sum + BigInt(`0x${bytes.subarray(0, 16).toString('hex')}`)) & ((1n << 128n) - 1n);
  }
}

/** Where a ledger is: the files of `DATA_DIR`, or the database of `DATABASE_URL`. */
export type LedgerLocation = { kind: 'file'; dir: string } | { kind: 'postgres'; database: LedgerDatabase };

/** Raised for input or a target that an import refuses; nothing was written. */
export class LedgerTransferError extends Error {
  override readonly name = 'LedgerTransferError';
}

class StreamWriter {
  private crc = 0;
  private chunk = '';
  constructor(private readonly out: Writable) {}
  async line(value: unknown): Promise<void> {
    this.chunk += `${JSON.stringify(value)}\n`;
    if (this.chunk.length >= 1 << 16) await this.flush();
  }
  async flush(): Promise<void> {
    const bytes = Buffer.from(this.chunk, 'utf8');
    this.chunk = '';
    this.crc = crc32(bytes, this.crc);
    if (!this.out.write(bytes)) await once(this.out, 'drain');
  }
  async end(): Promise<void> {
    await this.flush();
    if (!this.out.write(`${JSON.stringify({ end: true, crc32: this.crc })}\n`)) await once(this.out, 'drain');
  }
}

/** Writes the ledger at `from` to `out`; its check. */
export async function exportLedger(from: LedgerLocation, out: Writable): Promise<LedgerCheck> {
  const writer = new StreamWriter(out);
  const checker = new Checker();
  let names: readonly string[] = [];
  const onHeader = async (header: IndexHeader, users: number) => {
    names = header.endpoints;
    await writer.line({ format: FORMAT, version: VERSION, ...header, users });
  };
  const onRow = async (row: UserRow) => {
    checker.add(row, names);
    await writer.line(row);
  };
  if (from.kind === 'file') {
    const store = await FileLedgerStore.open({ dir: from.dir, readOnly: true });
    try {
      const { header, users, rows } = store.contents();
      await onHeader(header, users);
      for (const row of rows()) await onRow(row);
    } finally {
      await store.close();
    }
  } else {
    const client = dedicatedClient(from.database, 'export', () => undefined);
    await client.connect();
    try {
      await readTotals(client, onHeader, onRow);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  await writer.end();
  return checker.result();
}

interface ParsedInput {
  header: IndexHeader & { users: number };
  rows: AsyncGenerator<UserRow>;
  /** After `rows` is done: the input's check (its trailer verified). */
  check(): LedgerCheck;
}

const isCounter = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

function parseInput(input: Readable): Promise<ParsedInput> {
  const lines = createInterface({ input, crlfDelay: Infinity })[Symbol.asyncIterator]();
  let crc = 0;
  let lineNo = 0;
  const bad = (why: string) => new LedgerTransferError(`input line ${lineNo}: ${why}; nothing was imported`);
  const next = async (): Promise<string | null> => {
    const { value, done } = await lines.next();
    if (done) return null;
    lineNo += 1;
    return value as string;
  };
  const json = (text: string) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw bad('not JSON');
    }
  };
  return (async () => {
    const first = await next();
    if (first === null) throw new LedgerTransferError('the input is empty; nothing was imported');
    crc = crc32(Buffer.from(`${first}\n`, 'utf8'), crc);
    const header = json(first) as IndexHeader & { format?: unknown; version?: unknown; users: number };
    if (header.format !== FORMAT || header.version !== VERSION) throw bad(`not a version ${VERSION} ledger export`);
    if (!isCursor(header.startCursor) || !isCursor(header.cursor) || ![header.seq, header.entries, header.pages, header.users].every(isCounter)) throw bad('a header with a bad position');
    if (!Array.isArray(header.endpoints) || !header.endpoints.every((name) => typeof name === 'string')) throw bad('a header with bad endpoint names');
    const checker = new Checker();
    let ended = false;
    async function* rows(): AsyncGenerator<UserRow> {
      for (;;) {
        const text = await next();
        if (text === null) throw new LedgerTransferError('the input ends before its trailer (truncated?); nothing was imported');
        const value = json(text);
        if (!Array.isArray(value)) {
          const trailer = value as { end?: unknown; crc32?: unknown };
          if (trailer.end !== true || trailer.crc32 !== crc) throw bad('a trailer whose CRC-32 does not match the lines before it');
          if ((await next()) !== null) throw bad('data after the trailer');
          if (checker.result().users !== header.users) throw bad(`${checker.result().users} users where the header says ${header.users}`);
          ended = true;
          return;
        }
        crc = crc32(Buffer.from(`${text}\n`, 'utf8'), crc);
        const [sub, calls, discoveries, tweets, firstMs, lastMs, endpoints, days] = value as UserRow;
        const quads = (list: unknown, check: (quad: number[]) => boolean) =>
          Array.isArray(list) && list.length % 4 === 0 && list.every((n) => Number.isSafeInteger(n)) && Array.from({ length: list.length / 4 }, (_, i) => list.slice(4 * i, 4 * i + 4)).every(check);
        if (
          value.length !== 8 ||
          typeof sub !== 'string' ||
          ![calls, discoveries, tweets].every(isCounter) ||
          !Number.isSafeInteger(firstMs) ||
          !Number.isSafeInteger(lastMs) ||
          !quads(endpoints, ([id, ...c]) => id! >= 0 && id! < header.endpoints.length && c.every(isCounter)) ||
          !quads(days, ([, ...c]) => c.every(isCounter))
        ) {
          throw bad('not a user row [sub, calls, discoveries, tweets, firstMs, lastMs, [endpoint id, counters…], [day, counters…]]');
        }
        // A sub twice is refused by the database's key, or shows as a user count the check does not match.
        checker.add(value as UserRow, header.endpoints);
        yield value as UserRow;
      }
    }
    return {
      header,
      rows: rows(),
      check: () => {
        if (!ended) throw new Error('the input was not read to its end');
        return checker.result();
      },
    };
  })();
}

export interface ImportResult {
  input: LedgerCheck;
  ledger: LedgerCheck;
}

/**
 * Imports the stream on `input` into `to`, refusing a non-empty target unless `replace`. Resolves
 * once the target holds exactly the input (checks equal); rejects with nothing written otherwise.
 */
export async function importLedger(to: LedgerLocation, input: Readable, options: { replace?: boolean } = {}): Promise<ImportResult> {
  const parsed = await parseInput(input);
  return to.kind === 'file' ? importIntoFiles(to.dir, parsed, options.replace === true) : importIntoPostgres(to.database, parsed, options.replace === true);
}

const notEmpty = (what: string) =>
  new LedgerTransferError(`the target ${what} already holds a ledger; pass --replace to overwrite it (its current totals are then lost: export them first)`);

function sameCheck(input: LedgerCheck, ledger: LedgerCheck): void {
  if (JSON.stringify(input) !== JSON.stringify(ledger)) {
    throw new LedgerTransferError(`the imported totals differ from the input (input ${JSON.stringify(input)}, ledger ${JSON.stringify(ledger)}); nothing was imported`);
  }
}

async function importIntoFiles(dir: string, parsed: ParsedInput, replace: boolean): Promise<ImportResult> {
  // Writable: holds the writer lock, so no gateway follows this DATA_DIR meanwhile.
  const store = await FileLedgerStore.open({ dir });
  try {
    const position = await store.position();
    if (!replace && (position.pages > 0 || position.users > 0)) throw notEmpty(`DATA_DIR ${dir}`);
    const { header } = parsed;
    const index = LedgerIndex.fromHeader(header);
    for await (const row of parsed.rows) index.loadRow(row);
    const input = parsed.check();
    const checker = new Checker();
    const names = index.header().endpoints;
    for (const row of index.rows()) checker.add(row, names);
    const ledger = checker.result();
    sameCheck(input, ledger);
    // Past every journal record of the old ledger: recovery skips them even if a crash comes before the truncation.
    index.seq = Math.max(header.seq, store.contents().header.seq) + 1;
    await writeSnapshot(index, join(dir, LEDGER_FILES.snapshotTemp), join(dir, LEDGER_FILES.snapshot));
    await truncate(join(dir, LEDGER_FILES.journal), 0).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    return { input, ledger };
  } finally {
    await store.close();
  }
}

async function importIntoPostgres(database: LedgerDatabase, parsed: ParsedInput, replace: boolean): Promise<ImportResult> {
  const client = dedicatedClient(database, 'import', () => undefined);
  await client.connect();
  try {
    await runMigrations(client);
    await client.query('BEGIN');
    try {
      // The leader's lock, for this transaction: no gateway commits while the ledger is replaced.
      const { rows: locked } = await client.query<{ got: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS got', [LEADER_LOCK_KEY]);
      if (locked[0]?.got !== true) throw new LedgerTransferError('a gateway follows this ledger (it holds the leader lock); stop every gateway on DATABASE_URL first; nothing was imported');
      const { rows: state } = await client.query<{ seq: string; pages: string; users: string }>(
        'SELECT seq::text, pages::text, (SELECT count(*) FROM ledger_users)::text AS users FROM ledger_state WHERE id = 1 FOR UPDATE',
      );
      const current = state[0];
      if (current !== undefined && !replace && (Number(current.pages) > 0 || Number(current.users) > 0)) throw notEmpty('database');
      await client.query('TRUNCATE ledger_user_endpoints, ledger_user_days, ledger_users, ledger_pages');
      const { header } = parsed;
      let batch: UserRow[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        await insertRows(client, batch, header.endpoints);
        batch = [];
      };
      for await (const row of parsed.rows) {
        batch.push(row);
        if (batch.length >= 1000) await flush();
      }
      await flush();
      const input = parsed.check();
      // A seq past every replica's: running instances see commits they cannot chain and reload.
      const seq = Math.max(header.seq, Number(current?.seq ?? 0)) + 1;
      await client.query(
        `INSERT INTO ledger_state (id, start_cursor, cursor, seq, entries, pages, last_commit_ms) VALUES (1, $1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET start_cursor = $1, cursor = $2, seq = $3, entries = $4, pages = $5, last_commit_ms = $6`,
        [header.startCursor, header.cursor, seq, header.entries, header.pages, header.lastCommitAt],
      );
      const checker = new Checker();
      let names: readonly string[] = [];
      await readTotalsWithin(
        client,
        (read) => {
          names = read.endpoints;
        },
        (row) => checker.add(row, names),
      );
      const ledger = checker.result();
      sameCheck(input, ledger);
      await client.query('SELECT pg_notify($1, $2)', [LEDGER_CHANNEL, String(seq)]);
      await client.query('COMMIT');
      return { input, ledger };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function insertRows(client: import('pg').Client, rows: UserRow[], endpoints: readonly string[]): Promise<void> {
  await client.query(
    `INSERT INTO ledger_users (sub, calls, discoveries, tweets, first_ms, last_ms)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])`,
    [0, 1, 2, 3, 4, 5].map((k) => rows.map((row) => row[k])),
  );
  const e: (string | number)[][] = [[], [], [], [], []];
  const d: (string | number)[][] = [[], [], [], [], []];
  for (const [sub, , , , , , byEndpoint, days] of rows) {
    for (let at = 0; at < byEndpoint.length; at += 4) [sub, endpoints[byEndpoint[at]!]!, byEndpoint[at + 1]!, byEndpoint[at + 2]!, byEndpoint[at + 3]!].forEach((v, k) => e[k]!.push(v));
    for (let at = 0; at < days.length; at += 4) [sub, days[at]!, days[at + 1]!, days[at + 2]!, days[at + 3]!].forEach((v, k) => d[k]!.push(v));
  }
  await client.query(
    'INSERT INTO ledger_user_endpoints (sub, endpoint, calls, discoveries, tweets) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[])',
    e,
  );
  await client.query('INSERT INTO ledger_user_days (sub, day, calls, discoveries, tweets) SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[], $5::bigint[])', d);
}
