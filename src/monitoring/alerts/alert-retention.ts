import type { Logger } from '../../common/logger.js';
import { DAY_MS } from '../history-types.js';
import { retentionCutoff } from '../history-settings.js';
import type { AlertStore } from './alert-store.js';

/** Options of {@link createAlertRetention}. */
export interface AlertRetentionOptions {
  store: Pick<AlertStore, 'prune'>;
  /** `HISTORY_RETENTION_DAYS`: events are kept as long as the usage history they were decided on. */
  retentionDays: number;
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /** How often a prune is due, ms. Default one day. */
  everyMs?: number;
  /** Where a failed prune is reported. Default: silent. */
  logger?: Logger;
}

export interface AlertRetention {
  /**
   * Prunes when the last prune (or none yet) is `everyMs` old. Never rejects: a failed prune is
   * logged and tried again when next due, since old events cost room, not correctness.
   */
  pruneIfDue(): Promise<void>;
}

/** Retention of alert events, run by the instance that evaluates (as the history's leader runs its own). */
export function createAlertRetention(options: AlertRetentionOptions): AlertRetention {
  const now = options.now ?? Date.now;
  const everyMs = options.everyMs ?? DAY_MS;
  let lastPrune = -Infinity;
  return {
    async pruneIfDue() {
      const at = now();
      if (at - lastPrune < everyMs) return;
      lastPrune = at;
      try {
        await options.store.prune(retentionCutoff(at, options.retentionDays));
      } catch (error) {
        options.logger?.warn('alerts: pruning old alert events failed; it is retried in a day', {
          condition: (error as { code?: unknown } | null)?.code ?? 'ALERT_STORE_UNAVAILABLE',
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    },
  };
}
