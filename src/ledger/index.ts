/**
 * The ledger's public entry: what a vendor module may use to start and feed a partner ledger.
 * Everything else under `ledger/` is internal to it (the schema and the entry read its stores
 * and errors directly, being above it; vendor modules see only this file).
 */
export { startPartnerLedger, type LedgerDatabaseSettings, type PartnerLedgerOptions } from './service.js';
export type { LedgerObserver, PageSource } from './follower.js';
export type { PartnerLedger, RunningPartnerLedger } from './partner-ledger.js';
export { ARRAYS_DEFAULT_COUNT, ARRAYS_MAX_COUNT, ARRAYS_STREAM_START, CURSOR_PATTERN, compareCursors, cursorMs, cursorTime, isCursor } from './stream-cursor.js';
