import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { watchPath } from '../../common/file-watch.js';
import type { Logger } from '../../common/logger.js';
import { DEFAULT_RULES, validateRules, type AlertRule } from '../../usage/alert-rules.js';
import { AlertRulesInvalidError } from './alert-errors.js';
import { validateWebhookEndpoints, type WebhookEndpoint } from './webhooks/endpoints.js';

/** Where the secrets a rules file's webhooks name are read: the process environment, or a test's. */
export type VariableLookup = (name: string) => string | undefined;

const processVariables: VariableLookup = (name) => process.env[name];

/**
 * The alert rules file (`ALERT_RULES`): YAML (JSON is YAML too) with two top-level keys, `rules`
 * (validated here) and `webhooks` (the endpoints webhook delivery validates). Read at start, where a
 * bad file stops the start, and re-read on change and SIGHUP, where a bad file is logged and the last
 * good one stays in force: a half-saved edit must not silence every alert.
 */

/** The rules in force and where they come from. */
export interface AlertRulesSource {
  /** The rules file; null when none is configured (the defaults apply). */
  path: string | null;
  rules: readonly AlertRule[];
  /** The file's webhook endpoints, validated, with their signers (secrets read from the variables each names). */
  webhooks: readonly WebhookEndpoint[];
}

/** The rules when no file is configured: `DEFAULT_RULES`, no webhook. */
export const DEFAULT_RULES_SOURCE: AlertRulesSource = Object.freeze({ path: null, rules: DEFAULT_RULES, webhooks: [] });

const TOP_LEVEL_KEYS = new Set(['rules', 'webhooks']);

/**
 * Parses a rules file's text. Every problem is one line naming the file and, where the YAML parser
 * knows it, the line: `rules.yaml:7: rules[2] (id "x"): percent must be a positive number`. A file
 * without `rules` keeps the defaults (a file may name webhooks only); `rules: []` means none.
 */
export function parseRulesFile(text: string, path: string, variables: VariableLookup = processVariables): { source: AlertRulesSource; problems: string[] } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (offset: number | undefined): string => (offset === undefined ? path : `${path}:${lineCounter.linePos(offset).line}`);
  const problems = document.errors.map((error) => `${at(error.pos[0])}: ${firstLine(error.message)}`);
  if (problems.length > 0) return { source: { path, rules: [], webhooks: [] }, problems };
  const root = document.contents;
  if (root === null || !isMap(root)) {
    return { source: { path, rules: [], webhooks: [] }, problems: [`${path}: must be a mapping with the keys rules and webhooks`] };
  }
  for (const pair of root.items) {
    const keyNode = pair.key as YamlNode | null;
    const key = (keyNode as { value?: unknown } | null)?.value;
    if (typeof key !== 'string' || !TOP_LEVEL_KEYS.has(key)) {
      problems.push(`${at(keyNode?.range?.[0])}: unknown top-level key ${JSON.stringify(String(key))} (expected rules, webhooks)`);
    }
  }
  const json = document.toJS() as Record<string, unknown>;
  let rules: readonly AlertRule[] = DEFAULT_RULES;
  if (json.rules !== undefined) {
    const validated = validateRules(json.rules);
    rules = validated.rules;
    const rulesNode = root.get('rules', true) as YamlNode | undefined;
    for (const problem of validated.problems) {
      const index = /^rules\[(\d+)\]/.exec(problem)?.[1];
      const item = index !== undefined && isSeq(rulesNode) ? (rulesNode.items[Number(index)] as YamlNode | undefined) : undefined;
      const offset = item?.range?.[0] ?? rulesNode?.range?.[0];
      problems.push(`${at(offset)}: ${problem}`);
    }
  }
  const env = new Proxy({} as Record<string, string | undefined>, { get: (_target, name) => (typeof name === 'string' ? variables(name) : undefined) });
  const webhooks = validateWebhookEndpoints(json.webhooks, env, rules.map((rule) => rule.id));
  const webhooksNode = root.get('webhooks', true) as YamlNode | undefined;
  for (const problem of webhooks.problems) {
    const index = /^webhooks\[(\d+)\]/.exec(problem)?.[1];
    const item = index !== undefined && isSeq(webhooksNode) ? (webhooksNode.items[Number(index)] as YamlNode | undefined) : undefined;
    problems.push(`${at(item?.range?.[0] ?? webhooksNode?.range?.[0])}: ${problem}`);
  }
  return { source: { path, rules, webhooks: webhooks.endpoints }, problems };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function unreadable(path: string, error: unknown): AlertRulesInvalidError {
  const code = (error as NodeJS.ErrnoException).code;
  return new AlertRulesInvalidError(path, [code === 'ENOENT' ? `${path}: does not exist` : `${path}: cannot be read (${code ?? 'unknown error'})`]);
}

function checked(text: string, path: string, variables?: VariableLookup): AlertRulesSource {
  const { source, problems } = parseRulesFile(text, path, variables);
  if (problems.length > 0) throw new AlertRulesInvalidError(path, problems);
  return source;
}

/** Reads and validates the file; throws AlertRulesInvalidError listing every problem. */
export async function readRulesFile(path: string, variables?: VariableLookup): Promise<AlertRulesSource> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw unreadable(path, error);
  }
  return checked(text, path, variables);
}

/** {@link readRulesFile} for the configuration, which is read synchronously at start. */
export function readRulesFileSync(path: string, variables?: VariableLookup): AlertRulesSource {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw unreadable(path, error);
  }
  return checked(text, path, variables);
}

/** Options of {@link watchRulesFile}. */
export interface WatchRulesFileOptions {
  /** The rules read at start (by the configuration): in force until a good reload replaces them. */
  initial: AlertRulesSource & { path: string };
  /** Default: silent. */
  logger?: Logger;
  /** Where the webhooks' secret variables are read. Default: the process environment. */
  variables?: VariableLookup;
  /** Called with the new rules after each good reload. */
  onReload?: (source: AlertRulesSource) => void;
  /** How often the file's metadata is polled for a change, ms. Default 1000. */
  pollIntervalMs?: number;
  /** Quiet time after a change before the file is read, ms, so an editor's several writes are read once. Default 200. */
  debounceMs?: number;
}

/** A rules file kept as its last good content. */
export interface WatchedRules {
  current(): AlertRulesSource;
  /** Re-reads the file now (SIGHUP). Resolves true when its rules are now in force, false when it was refused (logged). */
  reload(): Promise<boolean>;
  /** Stops watching; waits for a read in progress. */
  close(): Promise<void>;
}

/**
 * Watches the rules file (by polling its path: see `common/file-watch.ts`) and re-reads it when it
 * changes.
 */
export function watchRulesFile(options: WatchRulesFileOptions): WatchedRules {
  const { initial, logger } = options;
  const path = initial.path;
  let current: AlertRulesSource = initial;
  // Reads run one after another so that a slow read can never overwrite a newer one.
  let queue: Promise<boolean> = Promise.resolve(true);

  const reload = (): Promise<boolean> => {
    queue = queue.then(async () => {
      try {
        current = await readRulesFile(path, options.variables);
      } catch (error) {
        const problems = error instanceof AlertRulesInvalidError ? error.problems : [String(error)];
        logger?.warn('alert rules file refused: the last good rules stay in force', { variable: 'ALERT_RULES', path, problems });
        return false;
      }
      logger?.info('alert rules file reloaded', { variable: 'ALERT_RULES', path, rules: current.rules.length });
      options.onReload?.(current);
      return true;
    });
    return queue;
  };

  const stopWatching = watchPath(path, options, () => void reload());

  return {
    current: () => current,
    reload,
    async close() {
      stopWatching();
      await queue;
    },
  };
}
