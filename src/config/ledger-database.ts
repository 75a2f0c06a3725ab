import { z } from 'zod';
import { integerIn } from '../common/env-values.js';
import type { EnvironmentReader } from './environment-reader.js';

/** The variables of the shared PostgreSQL ledger; `DATABASE_URL` is never quoted in an error. */
export const LEDGER_DATABASE_SECRET_VARIABLES = ['DATABASE_URL'] as const;

/**
 * Where the partner ledger lives when several gateway instances share it. Without `DATABASE_URL`
 * the ledger is the embedded file store in `DATA_DIR`, exactly as before.
 */
export interface LedgerDatabaseConfig {
  /** `DATABASE_URL`: `postgres://user:password@host:port/database`; quoted nowhere. */
  url: string;
  /** The URL's password, decoded (redacted from every log line); null when the URL has none. */
  password: string | null;
  /**
   * `LEDGER_LEADER_TAKEOVER_SECONDS` (2 to 600), default 15: once the instance following the
   * stream dies, another one follows within this long. Instances that do not lead try to take
   * the lead five times per period.
   */
  leaderTakeoverSeconds: number;
}

const databaseUrl = z
  .string()
  .trim()
  .refine((value) => URL.canParse(value) && /^postgres(ql)?:$/.test(new URL(value).protocol), 'expected a postgres:// or postgresql:// URL')
  .refine((value) => !URL.canParse(value) || new URL(value).hostname !== '' || new URL(value).searchParams.has('host'), 'expected a host (postgres://user:password@host:5432/database)')
  .refine((value) => !URL.canParse(value) || /^\/[^/]+$/.test(new URL(value).pathname), 'expected a database name after the host (postgres://user:password@host:5432/database)')
  .refine((value) => {
    if (!URL.canParse(value)) return true;
    try {
      decodeURIComponent(new URL(value).password);
      decodeURIComponent(new URL(value).username);
      return true;
    } catch {
      return false;
    }
  }, 'expected a percent-encoded user and password')
  .optional();

/** Reads `DATABASE_URL` and `LEDGER_LEADER_TAKEOVER_SECONDS`; null without a database (the file ledger). */
export function readLedgerDatabaseConfig(reader: EnvironmentReader): LedgerDatabaseConfig | null {
  const url = reader.read('DATABASE_URL', databaseUrl);
  // Validated whether or not a database is set: a typo should not wait for the day it matters.
  const leaderTakeoverSeconds = reader.read('LEDGER_LEADER_TAKEOVER_SECONDS', integerIn(2, 600, 15));
  if (url === undefined) return null;
  const parsed = new URL(url);
  const password = parsed.password === '' ? (parsed.searchParams.get('password') ?? null) : decodeURIComponent(parsed.password);
  return { url, password, leaderTakeoverSeconds };
}
