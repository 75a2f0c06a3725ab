import type { AlertEvent } from '../../usage/alert-evaluation.js';
import { AlertQueryInvalidError } from './alert-errors.js';
import type { AlertEventQuery, AlertEventStore, StoredAlertEvent } from './alert-types.js';

/**
 * The alert event store as the evaluator uses it: the contract's event store (alert-types.ts) plus
 * the evaluator's state, kept beside the events so that a restart, or another instance taking the
 * lead, carries on where the last evaluation left off.
 */

/** The evaluator's state: plain JSON data whose shape the evaluator owns and checks when it loads it. */
export type AlertEvaluatorState = Readonly<Record<string, unknown>>;

export interface AlertStore extends AlertEventStore {
  /** `file` (DATA_DIR/alerts) or `postgres` (with `DATABASE_URL`). */
  readonly backend: 'file' | 'postgres';
  /** Which of `events` are stored already, as {@link eventIdentity} strings. */
  stored(events: readonly AlertEvent[]): Promise<Set<string>>;
  /** The state last saved; null before the first save. */
  loadState(): Promise<AlertEvaluatorState | null>;
  /** Replaces the state; resolves once it is durable. */
  saveState(state: AlertEvaluatorState): Promise<void>;
  /**
   * Drops the events recorded before `before` (ms since the epoch), except those of an alert still
   * firing: the firing set survives whole. Cursors are never reused: a page after a dropped cursor
   * starts at the oldest event kept. The (key, kind) of a dropped event may be recorded again,
   * which is harmless: every key names a period, and a dropped event's period ended long ago.
   */
  prune(before: number): Promise<void>;
}

/** What the store keeps each event once under: its key and kind. */
export function eventIdentity(event: Pick<AlertEvent, 'key' | 'kind'>): string {
  return `${event.kind}\u0000${event.key}`;
}

/** Most events one page may hold. */
export const MAX_PAGE = 1000;

/** The cursor a query pages after, as a sequence number (0: from the oldest); AlertQueryInvalidError for one no store gives. */
export function checkedQuery(query: AlertEventQuery): { after: number; first: number } {
  if (!Number.isSafeInteger(query.first) || query.first < 1 || query.first > MAX_PAGE) {
    throw new AlertQueryInvalidError(`first must be a whole number from 1 to ${MAX_PAGE} (got ${String(query.first)})`);
  }
  if (query.after === null) return { after: 0, first: query.first };
  if (!/^\d{1,16}$/.test(query.after) || !Number.isSafeInteger(Number(query.after))) {
    throw new AlertQueryInvalidError('after is not a cursor of an alert event');
  }
  return { after: Number(query.after), first: query.first };
}

/** The FIRED events no RESOLVED event of the same key follows, in store order. */
export function firingOf(events: Iterable<StoredAlertEvent>): StoredAlertEvent[] {
  const fired = new Map<string, StoredAlertEvent>();
  for (const event of events) {
    if (event.kind === 'FIRED') fired.set(event.key, event);
    else fired.delete(event.key);
  }
  return [...fired.values()].sort((a, b) => Number(a.cursor) - Number(b.cursor));
}
