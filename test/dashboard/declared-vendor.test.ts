import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtDashboard, launchBrowser, seriousAxeViolations, watchContext } from '../support/browser.js';
import { postQuery, startDemoProcess, type DemoProcess } from '../support/demo-process.js';
import { CARD_QUERY, cardMismatches, readCards } from './vendor-cards.js';

/**
 * A vendor declared in a file (`VENDOR_FILES`) is a vendor like the built-in ones to the dashboard
 * too: its own card and detail, with the API's numbers, although the dashboard's generated types
 * name only the built-in vendors.
 */
const SHARPE_FILE = fileURLToPath(new URL('../../examples/vendors/sharpe.yaml', import.meta.url));

let gateway: DemoProcess;
let browser: Browser;

beforeAll(async () => {
  const [dir, launched] = await Promise.all([builtDashboard(), launchBrowser()]);
  browser = launched;
  gateway = await startDemoProcess({ DASHBOARD_DIR: dir, VENDOR_FILES: SHARPE_FILE, UPSTREAM_CACHE_TTL_SECONDS: '600' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
});

describe('a declared vendor on the dashboard', () => {
  it('gets a card whose numbers equal the API answer, beside the built-in vendors, and a detail page', async () => {
    const context = await browser.newContext({ colorScheme: 'light' });
    const watch = await watchContext(context, gateway.origin);
    const page = await context.newPage();
    await page.goto(`${gateway.origin}/dashboard/`);
    const card = page.getByTestId('vendor-card-SHARPE_FILE');
    await card.locator('[data-testid^="quota-"]').first().waitFor();
    await page.locator('[data-testid^="vendor-card-"]').nth(4).waitFor();
    const cards = await readCards(page);
    const startedAt = Date.now();
    const accounts = (await postQuery(gateway, CARD_QUERY)).body.data.accounts;
    const slack = Math.ceil((Date.now() - startedAt) / 1000) + 2;
    expect(accounts.map((entry: any) => entry.provider.kind)).toContain('SHARPE_FILE');
    expect(accounts.find((entry: any) => entry.provider.kind === 'SHARPE_FILE').error).toBeNull();
    expect(cardMismatches(cards, accounts, slack)).toEqual([]);
    expect(Object.keys(cards.SHARPE_FILE?.quotas ?? {})).not.toHaveLength(0);

    await card.getByRole('link', { name: 'Sharpe (declared)' }).click();
    await page.getByTestId('vendor-detail').waitFor();
    expect(await page.getByTestId('vendor-detail').getAttribute('data-vendor')).toBe('SHARPE_FILE');
    expect(await page.title()).toBe('Sharpe (declared) · Vendor · Usage dashboard');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
    expect(watch.consoleErrors).toEqual([]);
    await context.close();
  }, 90_000);
});
