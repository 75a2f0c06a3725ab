import type { Logger } from '../../common/logger.js';
import type { LedgerDatabase } from '../../ledger/postgres/connection.js';
import type { AlertRule } from '../../usage/alert-rules.js';
import type { HistoryStore } from '../history-types.js';
import { createAlertRetention } from './alert-retention.js';
import type { AlertStore } from './alert-store.js';
import type { AlertFeed, AlertingReadModel, AlertSink } from './alert-types.js';
import { createAlertEvaluator, type AlertEvaluator, type AlertEvaluatorStatus, type PartnerCallsSource } from './evaluator.js';
import { openAlertStore } from './open-alert-store.js';
import { watchRulesFile, type AlertRulesSource, type WatchedRules } from './rules-file.js';

/** What {@link startAlertingService} needs. */
export interface AlertingServiceOptions {
  /** The rules read at start (`AlertsConfig.rules`); with a path, the file is watched and reloaded. */
  rules: AlertRulesSource;
  history: HistoryStore;
  /** `HISTORY_RETENTION_DAYS`: events recorded longer ago are pruned, except those of alerts still firing. */
  retentionDays: number;
  dataDir: string;
  /** `DATABASE_URL`: events in PostgreSQL beside the history; null: files in DATA_DIR/alerts. */
  database: LedgerDatabase | null;
  ledger?: () => PartnerCallsSource | null;
  /** Default: a sink that delivers nothing. */
  sink?: AlertSink;
  /** Default: a feed that tells nobody. */
  feed?: Pick<AlertFeed, 'publish'>;
  logger?: Logger;
  /** Called with the rules file's new content after each good reload (webhook delivery takes its endpoints). */
  onRulesReload?: (source: AlertRulesSource) => void;
  /** How often the rules file is polled for a change, ms. Default 1000. */
  rulesPollIntervalMs?: number;
  /** Milliseconds since the epoch, for evaluation and retention. Default `Date.now`. */
  now?: () => number;
}

/** The parts of the schema's read model alerting itself answers (the webhooks and the feed come from their own parts). */
export type AlertingQueries = Pick<AlertingReadModel, 'rules' | 'firing' | 'events'>;

/** Alerting as the gateway runs it. */
export interface AlertingService {
  store: AlertStore;
  evaluator: AlertEvaluator;
  queries: AlertingQueries;
  /** The rules in force and where they come from (the last good file, or the defaults). */
  source(): AlertRulesSource;
  /** Re-reads the rules file (SIGHUP); a bad file is logged and changes nothing. */
  reload(): Promise<void>;
  status(): AlertingStatus;
  close(): Promise<void>;
}

export interface AlertingStatus extends AlertEvaluatorStatus {
  /** The rules file in force, or `default`. */
  rulesFrom: string;
  rules: number;
}

/**
 * Opens the alert store beside the history and the evaluator over it, and watches the rules file.
 * Old events are pruned at start and then after the first evaluation a day later, and so on, by the
 * instance leading the history alone: the one that evaluates, the embedded store's one writer.
 */
export async function startAlertingService(options: AlertingServiceOptions): Promise<AlertingService> {
  const { logger } = options;
  const store = await openAlertStore({ dataDir: options.dataDir, database: options.database, ...(logger === undefined ? {} : { logger }) });
  const initial = options.rules;
  const watched: WatchedRules | null =
    initial.path === null
      ? null
      : watchRulesFile({
          initial: { ...initial, path: initial.path },
          ...(logger === undefined ? {} : { logger }),
          ...(options.onRulesReload === undefined ? {} : { onReload: options.onRulesReload }),
          ...(options.rulesPollIntervalMs === undefined ? {} : { pollIntervalMs: options.rulesPollIntervalMs }),
        });
  const source = (): AlertRulesSource => watched?.current() ?? initial;
  const rules = (): readonly AlertRule[] => source().rules;
  const evaluating = createAlertEvaluator({
    store,
    history: options.history,
    ...(options.now === undefined ? {} : { now: options.now }),
    rules,
    ...(options.ledger === undefined ? {} : { ledger: options.ledger }),
    ...(options.sink === undefined ? {} : { sink: options.sink }),
    ...(options.feed === undefined ? {} : { feed: options.feed }),
    ...(logger === undefined ? {} : { logger }),
  });
  const retention = createAlertRetention({
    store,
    retentionDays: options.retentionDays,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(logger === undefined ? {} : { logger }),
  });
  // Not awaited: a large journal must not hold the start up; close waits for it.
  const startPrune = options.history.isLeader ? retention.pruneIfDue() : Promise.resolve();
  const evaluator: AlertEvaluator = {
    evaluate: () => evaluating.evaluate().finally(() => retention.pruneIfDue()),
    status: () => evaluating.status(),
  };
  logger?.info('alerts: evaluating after each history tick', { rulesFrom: initial.path ?? 'default', rules: initial.rules.length, store: store.backend });
  return {
    store,
    evaluator,
    queries: { rules, firing: () => store.firing(), events: (query) => store.list(query) },
    source,
    reload: async () => {
      await watched?.reload();
    },
    status: () => ({ ...evaluator.status(), rulesFrom: source().path ?? 'default', rules: rules().length }),
    async close() {
      await startPrune;
      await watched?.close();
      await store.close();
    },
  };
}
