import { describe, expect, it } from 'vitest';
import { mapAccount, MappingError } from '../../../src/providers/declared/account-mapping.js';
import { dryRun } from '../../../src/providers/declared/dry-run.js';
import { compileVendorFile } from '../../../src/providers/declared/load-vendor-file.js';
import { faradayAccountUsageResponse, faradayUsagesResponse } from '../../../src/providers/faraday/contract.js';
import { faradayToAccountUsage } from '../../../src/providers/faraday/to-usage.js';
import { sharpeUsageResponse } from '../../../src/providers/sharpe/contract.js';
import { sharpeToAccountUsage } from '../../../src/providers/sharpe/to-usage.js';
import { acmeFile, FARADAY_FILE_TEXT, SHARPE_FILE_TEXT } from './fixtures.js';

const acme = compileVendorFile(acmeFile(), 'acme.yaml');
const example = acme.file.examples[0]!.responses.usage!.body as Record<string, unknown>;

describe('the mapping of a declared vendor', () => {
  it('reads counts in strings, epoch times, lists keyed by name, enums with an OTHER fallback', () => {
    const account = mapAccount('ACME', acme.mapping, { usage: example });
    expect(account.plan).toEqual({ tier: 'growth', requestsPerMinute: null, monthlyLimit: null });
    // Sorted by name in code-unit order ("api_calls" < "seats"), whatever the vendor's order.
    expect(account.quotas).toEqual([
      { name: 'api_calls', description: null, used: 9007199254740991, limit: 9007199254740991, remaining: null, resetsAt: new Date('2026-04-01T00:00:00Z') },
      { name: 'seats', description: null, used: 12, limit: 50, remaining: null, resetsAt: new Date('2026-04-01T00:00:00Z') },
    ]);
    expect(account.alerts).toEqual([
      { type: 'HIGH_ERROR_RATE', vendorType: 'errors_high', severity: 'WARNING', message: 'Many errors', recommendation: null, source: 'VENDOR' },
      // A kind and a level the file does not name: OTHER (the vendor's own kind kept) and INFO.
      { type: 'OTHER', vendorType: 'brand_new_kind', severity: 'INFO', message: 'Something new', recommendation: null, source: 'VENDOR' },
    ]);
    expect(account.recordedAt).toEqual(new Date(1772366400000));
  });

  it('refuses a count past 2^53 in a string rather than report a nearby number', () => {
    const limits = { seats: { used: '9007199254740993', max: '50', reset: 1775001600 } };
    expect(() => mapAccount('ACME', acme.mapping, { usage: { ...example, limits } })).toThrow(
      new MappingError('account.quotas[0].used', 'counter exceeds 2^53 - 1 and cannot be represented exactly'),
    );
  });

  it.each([
    ['a count that is not a number', { used: 'twelve', max: '50', reset: 1 }, 'account.quotas[0].used: expected an integer in a string'],
    ['a missing count', { max: '50', reset: 1 }, 'account.quotas[0].used: used is missing'],
    ['a time that is not epoch seconds', { used: '1', max: '50', reset: 'soon' }, 'account.quotas[0].resetsAt: expected a number in a string'],
  ])('a broken answer is a MappingError naming the model field: %s', (_name, seats, message) => {
    expect(() => mapAccount('ACME', acme.mapping, { usage: { ...example, limits: { seats } } })).toThrow(message);
  });

  it('never reads an inherited member', () => {
    const file = compileVendorFile(acmeFile().replace('tier: usage.account.plan', 'tier: { path: usage.account.plan, optional: true }'), 'acme.yaml');
    const account = mapAccount('ACME', file.mapping, { usage: { ...example, account: Object.create({ plan: 'inherited' }) as object } });
    expect(account.plan?.tier).toBeNull();
  });

  it('dry-runs every example against what it expects', () => {
    expect(dryRun(acme).map((outcome) => [outcome.name, outcome.ok])).toEqual([
      ['two quotas', true],
      ['a bad key', true],
    ]);
    const wrong = compileVendorFile(acmeFile().replace('expect: { error: UPSTREAM_AUTH_FAILED }', 'expect: { error: UPSTREAM_NOT_FOUND }'), 'acme.yaml');
    expect(dryRun(wrong)[1]).toMatchObject({ ok: false, produced: { error: 'UPSTREAM_AUTH_FAILED' } });
  });

  it('maps Sharpe\'s body declared as a file exactly as the built-in Sharpe module does', () => {
    const sharpe = compileVendorFile(SHARPE_FILE_TEXT, 'sharpe.yaml');
    const body = sharpe.file.examples[0]!.responses.usage!.body;
    const declared = mapAccount('SHARPE', sharpe.mapping, { usage: body });
    expect(declared).toEqual(sharpeToAccountUsage(sharpeUsageResponse.parse(body)));
    expect(dryRun(sharpe).every((outcome) => outcome.ok)).toBe(true);
  });

  it('maps Faraday\'s two bodies declared as a file exactly as the built-in Faraday module does', () => {
    const faraday = compileVendorFile(FARADAY_FILE_TEXT, 'faraday.yaml');
    const { limits, usage } = faraday.file.examples[0]!.responses;
    const declared = mapAccount('FARADAY', faraday.mapping, { limits: limits!.body, usage: usage!.body });
    expect(declared).toEqual(faradayToAccountUsage(faradayUsagesResponse.parse(limits!.body), faradayAccountUsageResponse.parse(usage!.body)));
    // Usage past a limit leaves nothing remaining rather than a negative count.
    expect(declared.quotas.find((quota) => quota.name === 'outcome.max_count')).toMatchObject({ used: 23, limit: 20, remaining: 0 });
    expect(declared.periods.filter((period) => period.resourceId !== null)).toHaveLength(1);
    expect(dryRun(faraday).every((outcome) => outcome.ok)).toBe(true);
  });
});
