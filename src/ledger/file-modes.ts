/**
 * Modes of what the ledger creates: the totals are partner data, so only the gateway's user may
 * read them. Set explicitly, since the usual umask (022) would leave them readable to all.
 */
export const LEDGER_DIR_MODE = 0o700;
export const LEDGER_FILE_MODE = 0o600;
