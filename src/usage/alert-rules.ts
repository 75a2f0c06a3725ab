/**
 * Threshold alert rules: what the alert evaluation watches, the rules that apply when an operator
 * has configured none, and the checks a configured list must pass.
 */

import { z } from 'zod';
import type { ProviderId } from './model.js';
import { quotaSeries } from './history-series.js';

/**
 * Which series a rule watches. Without `quota` or `series` a quota rule applies to every quota
 * (`quota:<name>` series) and never to period counters or the rate limit's remaining calls, whose
 * `limit` is no allowance to be used up.
 */
export interface AlertRuleSelector {
  /** Only this vendor's series; default every vendor. */
  provider?: ProviderId;
  /** Only this quota (its name, e.g. `monthly_requests`); default every quota. */
  quota?: string;
  /** Only this history series, exactly (e.g. `period:lookup_api_requests.successful`); default every quota. */
  series?: string;
}

/** Fires when usage reaches `percent` % of the quota's limit (100 is the limit itself; more is allowed). */
export interface UtilizationRule extends AlertRuleSelector {
  id: string;
  kind: 'UTILIZATION';
  percent: number;
}

/** Fires when the counter reaches `value`, whatever the limit. */
export interface AbsoluteRule extends AlertRuleSelector {
  id: string;
  kind: 'ABSOLUTE';
  value: number;
}

/**
 * Fires when the forecast says the quota runs out before its counter resets, on two evaluations of
 * new samples in a row: one noisy reading is not enough.
 */
export interface ProjectedExhaustionRule extends AlertRuleSelector {
  id: string;
  kind: 'PROJECTED_EXHAUSTION';
}

/** Fires when one partner user's calls on one UTC day, as the partner ledger counts them, reach `calls`. */
export interface PartnerDailyCallsRule {
  id: string;
  kind: 'PARTNER_DAILY_CALLS';
  calls: number;
  /** Only this vendor's ledger; default any. */
  provider?: ProviderId;
}

export type QuotaAlertRule = UtilizationRule | AbsoluteRule | ProjectedExhaustionRule;
export type AlertRule = QuotaAlertRule | PartnerDailyCallsRule;
export type AlertRuleKind = AlertRule['kind'];

/** The rules used when none are configured: 80 % and 100 % of every quota, and exhaustion projected before the reset. */
export const DEFAULT_RULES: readonly AlertRule[] = Object.freeze([
  { id: 'utilization-80', kind: 'UTILIZATION', percent: 80 },
  { id: 'utilization-100', kind: 'UTILIZATION', percent: 100 },
  { id: 'projected-exhaustion', kind: 'PROJECTED_EXHAUSTION' },
]);

/** Whether a quota rule with this selector watches `series` of `provider`. */
export function ruleApplies(rule: AlertRuleSelector, provider: ProviderId, series: string): boolean {
  if (rule.provider !== undefined && rule.provider !== provider) return false;
  if (rule.quota !== undefined) return series === quotaSeries(rule.quota);
  if (rule.series !== undefined) return series === rule.series;
  return series.startsWith(quotaSeries(''));
}

const name = z.string().trim().min(1, 'must be a non-empty string');
const selector = { provider: name.optional(), quota: name.optional(), series: name.optional() };
const positive = z.number('must be a finite number').refine((n) => Number.isFinite(n) && n > 0, 'must be a positive number');
const positiveCount = z
  .number('must be a number')
  .refine((n) => Number.isSafeInteger(n) && n > 0, 'must be a whole number from 1 to 2^53 - 1');

const ruleSchema = z
  .discriminatedUnion(
    'kind',
    [
      z.strictObject({ id: name, kind: z.literal('UTILIZATION'), percent: positive, ...selector }),
      z.strictObject({ id: name, kind: z.literal('ABSOLUTE'), value: positiveCount, ...selector }),
      z.strictObject({ id: name, kind: z.literal('PROJECTED_EXHAUSTION'), ...selector }),
      z.strictObject({ id: name, kind: z.literal('PARTNER_DAILY_CALLS'), calls: positiveCount, provider: name.optional() }),
    ],
    { error: 'must be one of UTILIZATION, ABSOLUTE, PROJECTED_EXHAUSTION, PARTNER_DAILY_CALLS' },
  )
  .refine((rule) => !('quota' in rule && 'series' in rule && rule.quota !== undefined && rule.series !== undefined), {
    message: 'give quota or series, not both',
  });

function describeIssue(issue: z.core.$ZodIssue, entry: object): string {
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  const field = issue.path[0];
  if (issue.code === 'invalid_type' && typeof field === 'string' && (entry as Record<string, unknown>)[field] === undefined) return `${field} is required`;
  return issue.path.length > 0 ? `${issue.path.join('.')} ${issue.message}` : issue.message;
}

/**
 * The valid rules of a configured list, and one message per problem naming the entry by position
 * (and id when it has one). An entry with a problem is left out; the others are kept, so one typo
 * does not silence every alert. Ids must be unique: they are part of every alert's key.
 */
export function validateRules(input: unknown): { rules: AlertRule[]; problems: string[] } {
  if (!Array.isArray(input)) return { rules: [], problems: ['rules must be a list'] };
  const rules: AlertRule[] = [];
  const problems: string[] = [];
  const firstIndexOfId = new Map<string, number>();
  input.forEach((entry: unknown, index) => {
    const id = typeof entry === 'object' && entry !== null && typeof (entry as { id?: unknown }).id === 'string' ? (entry as { id: string }).id : null;
    const where = id === null ? `rules[${index}]` : `rules[${index}] (id "${id}")`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${where}: must be an object`);
      return;
    }
    const parsed = ruleSchema.safeParse(entry);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${where}: ${describeIssue(issue, entry)}`);
      return;
    }
    const rule = parsed.data as AlertRule;
    const earlier = firstIndexOfId.get(rule.id);
    if (earlier !== undefined) {
      problems.push(`${where}: id is already used by rules[${earlier}]`);
      return;
    }
    firstIndexOfId.set(rule.id, index);
    rules.push(rule);
  });
  return { rules, problems };
}
