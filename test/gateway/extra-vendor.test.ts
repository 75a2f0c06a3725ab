import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/common/logger.js';
import { VENDORS } from '../../src/providers/vendors.js';
import { startGateway, type RunningGateway } from '../../src/server.js';
import { startHarness, type Harness } from '../support/harness.js';
import { tallyVendor } from '../support/tally/index.js';
import { tallyQuota } from '../support/tally/simulator.js';

/**
 * A fifth vendor defined only under test/ (contract, client, simulator, module) and registered by
 * adding its module to the vendor table: nothing in src/ names it.
 */
const WITH_TALLY = [...VENDORS, tallyVendor] as const;

describe('a vendor module registered through the vendor table', () => {
  let harness: Harness<typeof WITH_TALLY> | undefined;
  let running: RunningGateway | undefined;
  afterEach(async () => {
    await harness?.close();
    await running?.close();
    harness = running = undefined;
  });

  it('is queried end to end: its account, its accounts entry and its provider, with one vendor call', async () => {
    harness = await startHarness({ vendors: WITH_TALLY });
    const { body } = await harness.query<any>(`{
      account(provider: TALLY) { provider { id name simulated } quotas { name used limit remaining } }
      accounts { provider { id } account { quotas { used } } error { code } }
      providers { id }
    }`);
    expect(body.errors).toBeUndefined();
    const quota = tallyQuota(42);
    expect(body.data.account).toEqual({
      provider: { id: 'TALLY', name: 'Tally', simulated: true },
      quotas: [{ name: quota.name, used: quota.used, limit: quota.limit, remaining: quota.limit - quota.used }],
    });
    expect(body.data.accounts.map((entry: any) => entry.provider.id)).toEqual(['ARRAYS', 'ANYLAYER', 'SHARPE', 'FARADAY', 'TALLY']);
    expect(body.data.accounts.at(-1)).toEqual({ provider: { id: 'TALLY' }, account: { quotas: [{ used: quota.used }] }, error: null });
    expect(body.data.providers.map((provider: any) => provider.id)).toContain('TALLY');
    // `account` and `accounts` asked for the same account: one call.
    expect(harness.sims.tally.hits('/v2/quota')).toBe(1);
  });

  it('is configured from its own variables, with its own rate limit and the shared policy variables', () => {
    const config = loadConfig(
      { TALLY_API_KEY: 'tally_real_key_0123', TALLY_BASE_URL: 'https://tally.test/', TALLY_TIMEOUT_MS: '6000', AUTH_DISABLED: '1' },
      WITH_TALLY,
    );
    expect(config.demo).toBe(false);
    expect(config.vendors).toEqual({ TALLY: { baseUrl: 'https://tally.test/', credential: 'tally_real_key_0123' } });
    expect(config.upstream.policies.TALLY).toMatchObject({ rateLimitPerMinute: 20, timeoutMs: 6000 });
    expect(() => loadConfig({ TALLY_API_KEY: 'tally_real_key_0123' }, WITH_TALLY)).toThrow(
      'TALLY_BASE_URL: required when TALLY_API_KEY is set (the vendor publishes no default base URL)',
    );
  });

  it('gets a simulator in demo mode and answers over real HTTP', async () => {
    const dataDir = `/tmp/extra-vendor-${process.pid}`;
    running = await startGateway(loadConfig({ GATEWAY_DEMO: '1', PORT: '0', DATA_DIR: dataDir }, WITH_TALLY), {
      vendors: WITH_TALLY,
      logger: createLogger({ level: 'silent' }),
    });
    const response = await fetch(running.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ account(provider: TALLY) { quotas { used } provider { simulated } } }' }),
    });
    const body = (await response.json()) as any;
    // A vendor module without `accountCalls` costs one call per account.
    expect(body).toEqual({
      data: { account: { quotas: [{ used: tallyQuota(42).used }], provider: { simulated: true } } },
      extensions: { cost: { vendorCalls: { estimated: 1, actual: 1 } } },
    });
  });
});
