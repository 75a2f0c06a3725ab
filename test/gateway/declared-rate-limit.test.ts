import { afterEach, describe, expect, it } from 'vitest';
import { declaredVendor } from '../../src/providers/declared/declared-vendor.js';
import { compileVendorFile } from '../../src/providers/declared/load-vendor-file.js';
import { VENDORS } from '../../src/providers/vendors.js';
import { startHarness, type Harness } from '../support/harness.js';
import { SHARPE_FILE_TEXT } from '../providers/declared/fixtures.js';

/**
 * A vendor's own rate limit, declared in its file, end to end: the demo simulator built from the
 * file's examples states it, and the gateway's budget for that vendor follows it down.
 */

const IN_BODY = 'usage.data.rate_limit.requests_per_minute';
const inBody = declaredVendor(compileVendorFile(SHARPE_FILE_TEXT, 'sharpe.yaml'));
// The same vendor stating 2700 an hour in an `X-RateLimit-Limit` header instead.
const inHeader = declaredVendor(
  compileVendorFile(
    SHARPE_FILE_TEXT.replace('id: SHARPE_FILE', 'id: SHARPE_HEADERS')
      .replace(`    body: ${IN_BODY}`, '    header: X-RateLimit-Limit\n    windowSeconds: 3600')
      .replace('      usage:\n        body:\n          data:', "      usage:\n        headers: { X-RateLimit-Limit: '2700' }\n        body:\n          data:"),
    'sharpe-headers.yaml',
  ),
);
const WITH_DECLARED = [...VENDORS, inBody, inHeader] as const;

const BUDGETS = '{ providers { id health { rateBudget { limitPerMinute configuredLimitPerMinute reportedLimitPerMinute } } } }';

describe("a declared vendor's own rate limit", () => {
  let harness: Harness<typeof WITH_DECLARED> | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  async function budgets(): Promise<Record<string, unknown>> {
    const { body } = await harness!.query<any>(BUDGETS);
    expect(body.errors).toBeUndefined();
    return Object.fromEntries(body.data.providers.map((provider: any) => [provider.id, provider.health.rateBudget]));
  }

  it('lowers the budget to what the body or the X-RateLimit-Limit header reports, once an answer reported it', async () => {
    harness = await startHarness({ vendors: WITH_DECLARED, policies: { SHARPE_FILE: { rateLimitPerMinute: 600 }, SHARPE_HEADERS: { rateLimitPerMinute: 600 } } });
    const before = await budgets();
    expect(before.SHARPE_FILE).toEqual({ limitPerMinute: 600, configuredLimitPerMinute: 600, reportedLimitPerMinute: null });
    expect(before.SHARPE_HEADERS).toEqual({ limitPerMinute: 600, configuredLimitPerMinute: 600, reportedLimitPerMinute: null });

    const { body } = await harness.query<any>('{ a: account(provider: SHARPE_FILE) { rateLimit { requestsPerMinute } } b: account(provider: SHARPE_HEADERS) { plan { tier } } }');
    expect(body.errors).toBeUndefined();
    expect(body.data.a.rateLimit.requestsPerMinute).toBe(500);

    const after = await budgets();
    // The body's 500 a minute, as the built-in Sharpe module reads it.
    expect(after.SHARPE_FILE).toEqual({ limitPerMinute: 500, configuredLimitPerMinute: 600, reportedLimitPerMinute: 500 });
    // 2700 an hour is 45 a minute.
    expect(after.SHARPE_HEADERS).toEqual({ limitPerMinute: 45, configuredLimitPerMinute: 600, reportedLimitPerMinute: 45 });
  });

  it('never raises the budget above the configured limit', async () => {
    harness = await startHarness({ vendors: WITH_DECLARED, policies: { SHARPE_HEADERS: { rateLimitPerMinute: 30 } } });
    await harness.query('{ account(provider: SHARPE_HEADERS) { plan { tier } } }');
    expect((await budgets()).SHARPE_HEADERS).toEqual({ limitPerMinute: 30, configuredLimitPerMinute: 30, reportedLimitPerMinute: 45 });
  });
});
