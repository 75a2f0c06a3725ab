import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES, ruleApplies, validateRules, type AlertRule, type AlertRuleSelector } from '../../src/usage/alert-rules.js';

describe('DEFAULT_RULES', () => {
  it('are 80 % and 100 % of every quota and exhaustion projected before the reset, and valid', () => {
    expect(DEFAULT_RULES).toEqual([
      { id: 'utilization-80', kind: 'UTILIZATION', percent: 80 },
      { id: 'utilization-100', kind: 'UTILIZATION', percent: 100 },
      { id: 'projected-exhaustion', kind: 'PROJECTED_EXHAUSTION' },
    ]);
    expect(validateRules(DEFAULT_RULES)).toEqual({ rules: DEFAULT_RULES, problems: [] });
    expect(Object.isFrozen(DEFAULT_RULES)).toBe(true);
  });
});

describe('ruleApplies', () => {
  const rule = (selector: AlertRuleSelector): AlertRule => ({ id: 'r', kind: 'ABSOLUTE', value: 1, ...selector });
  const everyQuota = DEFAULT_RULES[0]!;

  it('without a selector: every quota of every vendor, nothing else', () => {
    expect(ruleApplies(everyQuota, 'SHARPE', 'quota:monthly_requests')).toBe(true);
    expect(ruleApplies(everyQuota, 'FARADAY', 'quota:cohort.max_count')).toBe(true);
    expect(ruleApplies(everyQuota, 'SHARPE', 'rateLimit:remaining')).toBe(false);
    expect(ruleApplies(everyQuota, 'FARADAY', 'period:lookups')).toBe(false);
  });

  it('with selectors: only that vendor, that quota, that series', () => {
    expect(ruleApplies(rule({ provider: 'SHARPE' }), 'ARRAYS', 'quota:monthly_requests')).toBe(false);
    expect(ruleApplies(rule({ quota: 'monthly_requests' }), 'ARRAYS', 'quota:monthly_requests')).toBe(true);
    expect(ruleApplies(rule({ quota: 'monthly_requests' }), 'ARRAYS', 'quota:daily_requests')).toBe(false);
    expect(ruleApplies(rule({ series: 'period:lookups' }), 'FARADAY', 'period:lookups')).toBe(true);
    expect(ruleApplies(rule({ series: 'period:lookups' }), 'FARADAY', 'quota:lookups')).toBe(false);
  });
});

describe('validateRules', () => {
  it('keeps every valid kind with its selectors', () => {
    const input = [
      { id: 'u', kind: 'UTILIZATION', percent: 90, provider: 'SHARPE', quota: 'monthly_requests' },
      { id: 'over', kind: 'UTILIZATION', percent: 120 },
      { id: 'a', kind: 'ABSOLUTE', value: 1_000_000, series: 'period:lookups' },
      { id: 'p', kind: 'PROJECTED_EXHAUSTION', provider: 'ARRAYS' },
      { id: 'c', kind: 'PARTNER_DAILY_CALLS', calls: 5000 },
    ];
    expect(validateRules(input)).toEqual({ rules: input, problems: [] });
  });

  it('refuses what is not a list', () => {
    expect(validateRules({ id: 'u' })).toEqual({ rules: [], problems: ['rules must be a list'] });
    expect(validateRules(null)).toEqual({ rules: [], problems: ['rules must be a list'] });
  });

  it('names each bad entry by position and id, says what is wrong, and keeps the good ones', () => {
    const good = { id: 'fine', kind: 'UTILIZATION', percent: 75 };
    const { rules, problems } = validateRules([
      'utilization 80',
      { id: 'no-kind', percent: 80 },
      { id: 'bad-kind', kind: 'PERCENT', percent: 80 },
      { id: 'zero', kind: 'UTILIZATION', percent: 0 },
      { id: 'text', kind: 'UTILIZATION', percent: '80' },
      { id: 'missing', kind: 'ABSOLUTE' },
      { id: 'fraction', kind: 'PARTNER_DAILY_CALLS', calls: 2.5 },
      { kind: 'PROJECTED_EXHAUSTION' },
      { id: '  ', kind: 'PROJECTED_EXHAUSTION' },
      { id: 'typo', kind: 'UTILIZATION', percnt: 80 },
      { id: 'both', kind: 'ABSOLUTE', value: 5, quota: 'q', series: 'quota:q' },
      { id: 'partner-quota', kind: 'PARTNER_DAILY_CALLS', calls: 5, quota: 'q' },
      { id: 'infinite', kind: 'UTILIZATION', percent: Infinity },
      good,
      { id: 'fine', kind: 'ABSOLUTE', value: 10 },
    ]);
    expect(rules).toEqual([good]);
    expect(problems).toEqual([
      'rules[0]: must be an object',
      'rules[1] (id "no-kind"): kind must be one of UTILIZATION, ABSOLUTE, PROJECTED_EXHAUSTION, PARTNER_DAILY_CALLS',
      'rules[2] (id "bad-kind"): kind must be one of UTILIZATION, ABSOLUTE, PROJECTED_EXHAUSTION, PARTNER_DAILY_CALLS',
      'rules[3] (id "zero"): percent must be a positive number',
      'rules[4] (id "text"): percent must be a finite number',
      'rules[5] (id "missing"): value is required',
      'rules[6] (id "fraction"): calls must be a whole number from 1 to 2^53 - 1',
      'rules[7]: id is required',
      'rules[8] (id "  "): id must be a non-empty string',
      'rules[9] (id "typo"): percent is required',
      'rules[9] (id "typo"): unknown field percnt',
      'rules[10] (id "both"): give quota or series, not both',
      'rules[11] (id "partner-quota"): unknown field quota',
      'rules[12] (id "infinite"): percent must be a finite number',
      'rules[14] (id "fine"): id is already used by rules[13]',
    ]);
  });
});
