import { z } from 'zod';
import { AlertRulesInvalidError } from '../monitoring/alerts/alert-errors.js';
import { DEFAULT_RULES_SOURCE, readRulesFileSync, type AlertRulesSource } from '../monitoring/alerts/rules-file.js';
import type { EnvironmentReader } from './environment-reader.js';

/** Threshold alerting. It runs whenever usage history runs: it evaluates the sampled history. */
export interface AlertsConfig {
  /**
   * `ALERT_RULES`: path of the rules file (YAML or JSON: `rules` and `webhooks`). Default none: the
   * default rules (80 % and 100 % of every quota, exhaustion projected before the reset) and no
   * webhook.
   */
  rulesFile: string | null;
  /** The rules as read at start (the defaults without a file); a bad file is a configuration problem. */
  rules: AlertRulesSource;
}

const path = z.string().trim().optional();

/** Reads `ALERT_RULES`, and the file once, so that a bad file stops the start with every problem listed. */
export function readAlertsConfig(reader: EnvironmentReader): AlertsConfig {
  const rulesFile = reader.read('ALERT_RULES', path) ?? null;
  if (rulesFile === null) return { rulesFile, rules: DEFAULT_RULES_SOURCE };
  try {
    return { rulesFile, rules: readRulesFileSync(rulesFile, (name) => reader.raw(name)) };
  } catch (error) {
    if (!(error instanceof AlertRulesInvalidError)) throw error;
    for (const problem of error.problems) reader.report(`ALERT_RULES: ${problem}`);
    return { rulesFile, rules: { ...DEFAULT_RULES_SOURCE, path: rulesFile } };
  }
}
