import pg from 'pg';
import { redactOccurrences } from '../../common/redact.js';
import { LedgerStoreUnavailableError, isLedgerError } from '../errors.js';

/**
 * How the ledger talks to PostgreSQL: every client and pool is made here, with the same type
 * parsing (bigint as exact JS numbers) and the same rule for errors (no URL, no password).
 */

/** Where the ledger's database is and how to name its password in redactions. */
export interface LedgerDatabase {
  /** `DATABASE_URL`. */
  url: string;
  /** The URL's password, redacted from every message the ledger keeps or logs; null: none. */
  password: string | null;
}

/** Channel of the commit notifications; the payload is the commit's seq. */
export const LEDGER_CHANNEL = 'usage_gateway_ledger';
/** `pg_try_advisory_lock` key of the instance that follows the stream ("usgwlead"). */
export const LEADER_LOCK_KEY = '8463212404236953956';
/** `pg_advisory_xact_lock` key of the schema migrations ("usgwmigr"). */
export const MIGRATION_LOCK_KEY = '8463212404237085042';

const INT8_OID = 20;

/** bigint columns hold counters kept below 2^53 (CHECK constraints), so a JS number is exact; anything else is refused, never rounded. */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`bigint ${text} from the ledger database is beyond 2^53 - 1`);
  return value;
}

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Options shared by every connection of the ledger: short connect timeout, TCP keepalive, a name in pg_stat_activity. */
export function clientConfig(database: LedgerDatabase, role: string): pg.ClientConfig {
  return {
    connectionString: database.url,
    types,
    application_name: `usage-gateway ledger ${role}`,
    connectionTimeoutMillis: 5000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 1000,
  };
}

/** A connection of its own (the leader's lock, LISTEN); `onBroken` hears it fail or end, once. */
export function dedicatedClient(database: LedgerDatabase, role: string, onBroken: (error: unknown) => void): pg.Client {
  const client = new pg.Client(clientConfig(database, role));
  let broken = false;
  const fail = (error: unknown) => {
    if (broken) return;
    broken = true;
    onBroken(error);
  };
  client.on('error', fail);
  client.on('end', () => fail(new Error('the connection to the ledger database ended')));
  return client;
}

/** The pool of short reads (replica refreshes, status); an idle client's failure is only logged by the next query. */
export function ledgerPool(database: LedgerDatabase, max = 3): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(database, 'reads'), max, idleTimeoutMillis: 10_000 });
  // Without a listener an idle client's error (a server restart) would crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/** The message of `error` with the database password removed; safe for logs and `lastError`. */
export function redactDatabase(text: string, database: LedgerDatabase): string {
  const secrets = [database.url, ...(database.password === null ? [] : [database.password, encodeURIComponent(database.password)])];
  return redactOccurrences(text, secrets);
}

/**
 * A ledger error as is (a conflict, a bad page); anything else (a refused connection, a server
 * restart, a failed statement) as LedgerStoreUnavailableError, its message redacted, the driver's
 * error kept out of it (its fields may quote connection parameters).
 */
export function storeError(error: unknown, database: LedgerDatabase, doing: string): Error {
  if (isLedgerError(error)) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return new LedgerStoreUnavailableError(redactDatabase(`${doing}: ${message}${typeof code === 'string' ? ` (${code})` : ''}`, database));
}

/** Closes a client without waiting on a connection that may be gone. */
export async function closeQuietly(client: pg.Client | null): Promise<void> {
  if (client === null) return;
  await Promise.race([client.end().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
}
