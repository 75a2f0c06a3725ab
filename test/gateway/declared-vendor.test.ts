import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/common/logger.js';
import { declaredVendor } from '../../src/providers/declared/declared-vendor.js';
import { compileVendorFile } from '../../src/providers/declared/load-vendor-file.js';
import { loadVendorFiles, VendorFilesError } from '../../src/providers/declared/vendor-files.js';
import { VENDORS } from '../../src/providers/vendors.js';
import { callsOfEveryAccount, mostCallsPerAccount } from '../../src/schema/account.js';
import { startGateway, type RunningGateway } from '../../src/server.js';
import { startHarness, type Harness } from '../support/harness.js';
import { SHARPE_FILE_PATH, SHARPE_FILE_TEXT } from '../providers/declared/fixtures.js';

const declaredSharpe = declaredVendor(compileVendorFile(SHARPE_FILE_TEXT, 'sharpe.yaml'));
const WITH_DECLARED = [...VENDORS, declaredSharpe] as const;

describe('a vendor declared in a file, in the vendor table', () => {
  let harness: Harness<typeof WITH_DECLARED> | undefined;
  let running: RunningGateway | undefined;
  afterEach(async () => {
    await harness?.close();
    await running?.close();
    harness = running = undefined;
  });

  it('answers account, accounts and providers like a built-in vendor, with one vendor call', async () => {
    harness = await startHarness({ vendors: WITH_DECLARED });
    const { body } = await harness.query<any>(`{
      account(provider: SHARPE_FILE) { provider { id name simulated } plan { tier requestsPerMinute monthlyLimit } quotas { name used limit } endpoints { path requests } }
      accounts { provider { id } error { code } }
      providers { id name }
    }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.account).toEqual({
      provider: { id: 'SHARPE_FILE', name: 'Sharpe (declared)', simulated: true },
      plan: { tier: 'pro', requestsPerMinute: 30, monthlyLimit: 10000 },
      quotas: [{ name: 'monthly_requests', used: 120000, limit: 500000 }],
      endpoints: [
        { path: '/v1/assets', requests: 200 },
        { path: '/v1/signals', requests: 1000 },
      ],
    });
    expect(body.data.accounts.at(-1)).toEqual({ provider: { id: 'SHARPE_FILE' }, error: null });
    expect(body.data.providers.map((provider: any) => provider.id)).toEqual(['ARRAYS', 'ANYLAYER', 'SHARPE', 'FARADAY', 'SHARPE_FILE']);
    expect(harness.sims.sharpe_file.hits('/api/v1/usage')).toBe(1);
  });

  it('is priced in the SDL\'s demand-control weights like a built-in vendor', async () => {
    // The file's one call is a call no built-in vendor makes: every account together costs one more.
    expect(callsOfEveryAccount(WITH_DECLARED)).toBe(callsOfEveryAccount(VENDORS) + 1);
    expect(mostCallsPerAccount([...VENDORS, { id: 'WIDE', accountCalls: ['WIDE:a', 'WIDE:b', 'WIDE:c'] }])).toBe(3);
    harness = await startHarness({ vendors: WITH_DECLARED });
    const { body } = await harness.query<any>('{ _service { sdl } }');
    const sdl: string = body.data._service.sdl;
    const accounts = sdl.split('\n').find((line) => line.trimStart().startsWith('accounts'));
    expect(accounts).toContain(`@cost(weight: ${callsOfEveryAccount(WITH_DECLARED)})`);
    expect(accounts).toContain(`@listSize(assumedSize: ${WITH_DECLARED.length}`);
    expect(sdl).toMatch(new RegExp(`\\n  account\\([^)]*\\): Account [^\\n]*@cost\\(weight: ${mostCallsPerAccount(WITH_DECLARED)}\\)`));
  });

  it('reports a vendor failure as a typed error of its entry only', async () => {
    harness = await startHarness({ vendors: WITH_DECLARED });
    harness.sims.sharpe_file.setFault({ fault: { mode: 'status', status: 401 } });
    const { body } = await harness.query<any>('{ accounts { provider { id } account { plan { tier } } error { code httpStatus } } }');
    const entries = Object.fromEntries(body.data.accounts.map((entry: any) => [entry.provider.id, entry]));
    expect(entries.SHARPE_FILE.error).toEqual({ code: 'UPSTREAM_AUTH_FAILED', httpStatus: 401 });
    expect(entries.SHARPE.error).toBeNull();
  });

  it('is configured from its own variables, its rate limit from the file', () => {
    const config = loadConfig({ SHARPE_FILE_API_KEY: 'sk_real_key_0123456789', AUTH_DISABLED: '1' }, WITH_DECLARED);
    expect(config.vendors).toEqual({ SHARPE_FILE: { baseUrl: 'https://www.sharpe.ai/api', credential: 'sk_real_key_0123456789' } });
    expect(config.upstream.policies.SHARPE_FILE).toMatchObject({ rateLimitPerMinute: 30 });
  });

  it('is read from VENDOR_FILES (files or folders) and served in demo mode over real HTTP', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'vendor-files-'));
    writeFileSync(join(folder, 'acme.yaml'), SHARPE_FILE_TEXT.replace('id: SHARPE_FILE', 'id: ACME_FILE'));
    writeFileSync(join(folder, 'notes.txt'), 'not a vendor file');
    expect((await loadVendorFiles(`${SHARPE_FILE_PATH}, ${folder}`, VENDORS)).map((vendor) => vendor.id)).toEqual(['SHARPE_FILE', 'ACME_FILE']);
    // One schema per process: the same table as this file's other tests.
    const declared = await loadVendorFiles(SHARPE_FILE_PATH, VENDORS);
    const vendors = [...VENDORS, ...declared];
    running = await startGateway(loadConfig({ GATEWAY_DEMO: '1', PORT: '0', DATA_DIR: join(folder, 'data') }, vendors), { vendors, logger: createLogger({ level: 'silent' }) });
    const response = await fetch(running.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ account(provider: SHARPE_FILE) { quotas { used } provider { simulated } } }' }),
    });
    expect(await response.json()).toMatchObject({ data: { account: { quotas: [{ used: 120000 }], provider: { simulated: true } } } });
    // Its channel's health and metrics, like a built-in vendor's.
    const health = await fetch(running.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ providers { id health { callsInWindow failuresInWindow lastSuccessAt } } }' }),
    });
    const providers = ((await health.json()) as { data: { providers: { id: string; health: { callsInWindow: number; failuresInWindow: number; lastSuccessAt: string | null } }[] } }).data.providers;
    expect(providers.find((provider) => provider.id === 'SHARPE_FILE')?.health).toMatchObject({ callsInWindow: 1, failuresInWindow: 0, lastSuccessAt: expect.any(String) });
    const metrics = await (await fetch(running.metricsUrl)).text();
    expect(metrics).toContain('usage_gateway_vendor_requests_total{vendor="SHARPE_FILE",outcome="success",status="200"} 1');
  });

  it('stops the start on a mistake in any file, naming every one, and on an id already taken', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'vendor-files-'));
    writeFileSync(join(folder, 'a.yaml'), SHARPE_FILE_TEXT.replace('tier: usage.data.plan.tier', 'tier: usage.data.plan.teir'));
    writeFileSync(join(folder, 'b.json'), '{ "id": "B" }');
    const failure = await loadVendorFiles(folder, VENDORS).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(VendorFilesError);
    const message = (failure as Error).message;
    expect(message).toContain(`${join(folder, 'a.yaml')}:24:11: no example has member "teir" at usage.data.plan; model field account.plan.tier; vendor path usage.data.plan.teir; did you mean usage.data.plan.tier?`);
    expect(message).toContain(`${join(folder, 'b.json')}:1:`);
    await expect(loadVendorFiles(SHARPE_FILE_PATH, [{ id: 'SHARPE_FILE' }])).rejects.toThrow('id SHARPE_FILE is already another vendor\'s');
  });
});
