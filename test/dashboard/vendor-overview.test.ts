import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtDashboard, launchBrowser, seriousAxeViolations, watchContext, type PageWatch } from '../support/browser.js';
import { postQuery, startDemoProcess, type DemoProcess } from '../support/demo-process.js';
import { eventually } from '../support/eventually.js';
import { CARD_QUERY, cardMismatches, countOf, readCards } from './vendor-cards.js';

/**
 * The vendor views in demo mode, in headless Chromium: every number of every card against the
 * API's answer, the vendor detail's tables and charts against the API, CSV against its table,
 * URL state, both themes' accessibility, and nothing from another host or against the CSP.
 * The vendor cache lasts longer than a test here, so the page and the test read the same answer.
 */
let gateway: DemoProcess;
let browser: Browser;

beforeAll(async () => {
  const [dir, launched] = await Promise.all([builtDashboard(), launchBrowser()]);
  browser = launched;
  gateway = await startDemoProcess({ DASHBOARD_DIR: dir, UPSTREAM_CACHE_TTL_SECONDS: '600' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
});

async function open(path: string): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> {
  const context = await browser.newContext({ colorScheme: 'light' });
  const watch = await watchContext(context, gateway.origin);
  const page = await context.newPage();
  await page.goto(`${gateway.origin}${path}`);
  return { context, page, watch };
}

function expectClean(watch: PageWatch) {
  expect(watch.foreignRequests).toEqual([]);
  expect(watch.cspViolations).toEqual([]);
  expect(watch.consoleErrors).toEqual([]);
}

/** axe in the page's theme, then in the other one. */
async function axeInBothThemes(page: Page): Promise<void> {
  expect(await seriousAxeViolations(page)).toEqual([]);
  const before = await page.evaluate(() => document.documentElement.dataset.theme);
  await page.getByTestId('theme-toggle').click();
  await page.waitForFunction((theme) => document.documentElement.dataset.theme !== theme, before);
  expect(await seriousAxeViolations(page)).toEqual([]);
}

describe('overview in demo mode', () => {
  it('shows on every vendor card exactly the numbers the API answers (0 mismatches)', async () => {
    const { context, page, watch } = await open('/dashboard/');
    await page.locator('[data-testid^="vendor-card-"]').nth(3).waitFor();
    await page.locator('[data-testid^="quota-"]').first().waitFor();
    const cards = await readCards(page);
    const startedAt = Date.now();
    const answer = await postQuery(gateway, CARD_QUERY);
    const slack = Math.ceil((Date.now() - startedAt) / 1000) + 2;
    const accounts = answer.body.data.accounts;
    expect(accounts).toHaveLength(4);
    expect(cardMismatches(cards, accounts, slack)).toEqual([]);
    // Every vendor answered, and the comparison covered quotas and the rate limit, not only empties.
    expect(accounts.filter((entry: any) => entry.error === null)).toHaveLength(4);
    expect(Object.values(cards).reduce((sum, card) => sum + Object.keys(card.quotas).length, 0)).toBeGreaterThanOrEqual(3);
    expect(cards.ANYLAYER?.fields['rateLimit.remaining']).toMatch(/^\d/);
    // A gauge per quota carries its numbers, with the default rules' marks at 80 % and 100 %.
    const gauge = page.getByTestId('vendor-card-SHARPE').locator('[data-testid="quota-monthly_requests"] rect.used');
    const sharpe = accounts.find((entry: any) => entry.provider.kind === 'SHARPE').account.quotas[0];
    expect(await gauge.getAttribute('data-value')).toBe(String(sharpe.used));
    expect(await gauge.getAttribute('data-limit')).toBe(String(sharpe.limit));
    expect(await page.getByTestId('vendor-card-SHARPE').locator('line.threshold').evaluateAll((lines) => lines.map((line) => line.getAttribute('data-percent')))).toEqual(['80', '100']);
    expectClean(watch);
    await context.close();
  }, 60_000);

  it('has no serious accessibility violation in either theme, and links each card to its vendor', async () => {
    const { context, page, watch } = await open('/dashboard/?range=30d');
    await page.getByTestId('vendor-card-FARADAY').locator('[data-field="fetchedAt"]').waitFor();
    await axeInBothThemes(page);
    await page.getByTestId('vendor-link-FARADAY').click();
    await page.getByTestId('vendor-detail').waitFor();
    expect(new URL(page.url()).pathname).toBe('/dashboard/vendor');
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ vendor: 'FARADAY', range: '30d' });
    expectClean(watch);
    await context.close();
  }, 60_000);
  it("shows each quota's forecast as the API gives it: its status, and for a projection the band and the reset", async () => {
    // Forecasts need the demo's seeded history, which arrives at the first sampling tick.
    const forecastsQuery = '{ accounts { provider { kind } account { quotas { name resetsAt forecast { status earliest latest exhaustsAt } } } } }';
    await eventually(async () => (await postQuery(gateway, forecastsQuery)).body.data.accounts.some((entry: any) => entry.account?.quotas.some((quota: any) => quota.forecast?.status === 'OK')), {
      withinMs: 60_000,
      what: 'a quota with a projection',
    });
    const { context, page, watch } = await open('/dashboard/');
    // A sampling tick between the page's read and the test's moves the projection: compare a page
    // read between two equal answers of the API.
    let accounts: any[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = JSON.stringify((await postQuery(gateway, forecastsQuery)).body.data.accounts);
      await page.reload();
      await page.locator('[data-testid="forecast"]').first().waitFor();
      const after = JSON.stringify((await postQuery(gateway, forecastsQuery)).body.data.accounts);
      accounts = JSON.parse(after);
      if (before === after) break;
    }
    let projections = 0;
    for (const entry of accounts) {
      for (const quota of entry.account?.quotas ?? []) {
        const block = page.getByTestId(`vendor-card-${entry.provider.kind}`).getByTestId(`quota-${quota.name}`);
        expect(await block.getByTestId('forecast').getAttribute('data-status')).toBe(quota.forecast?.status ?? 'NONE');
        const band = block.locator('[data-testid="forecast-band"] rect.band');
        if (quota.forecast?.status !== 'OK') {
          expect(await band.count()).toBe(0);
          continue;
        }
        projections++;
        expect(await band.getAttribute('data-earliest')).toBe(quota.forecast.earliest);
        expect(await band.getAttribute('data-latest')).toBe(quota.forecast.latest);
        const reset = block.locator('[data-testid="forecast-band"] line.reset');
        if (quota.resetsAt === null) expect(await reset.count()).toBe(0);
        else expect(await reset.getAttribute('data-at')).toBe(quota.resetsAt);
        expect(await block.getByTestId('forecast').textContent()).toContain(`${quota.forecast.exhaustsAt.slice(0, 10)} ${quota.forecast.exhaustsAt.slice(11, 16)} UTC`);
      }
    }
    expect(projections).toBeGreaterThan(0);
    await axeInBothThemes(page);
    expectClean(watch);
    await context.close();
  }, 90_000);
});

describe('vendor detail in demo mode', () => {
  it('lists the endpoints the API lists, and its CSV holds exactly the table rows', async () => {
    const { context, page, watch } = await open('/dashboard/vendor?vendor=SHARPE&range=7d');
    const table = page.getByTestId('endpoints');
    await table.locator('tbody tr').first().waitFor();
    const endpoints = (await postQuery(gateway, '{ account(provider: SHARPE) { endpoints { path method requests errors errorRate window { label } } } }')).body.data.account.endpoints;
    expect(endpoints.length).toBeGreaterThan(0);
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(rows.map((row) => [row[0], countOf(row[2]), countOf(row[3]), row[6]])).toEqual(endpoints.map((endpoint: any) => [endpoint.path, String(endpoint.requests), endpoint.errors === null ? null : String(endpoint.errors), endpoint.window.label]));

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('endpoints-csv').click()]);
    const csv = (await readFile((await download.path())!, 'utf8')).trimEnd().split('\r\n').map((line) => line.split(','));
    const headers = await table.locator('thead th').allTextContents();
    expect(csv[0]).toEqual(headers);
    expect(csv.slice(1).map((row) => [row[0], row[2], row[3], row[6]])).toEqual(rows.map((row) => [row[0], countOf(row[2]) ?? '', countOf(row[3]) ?? '', row[6]]));
    expectClean(watch);
    await context.close();
  }, 60_000);

  it('charts each quota history point by point as the API tells it, with the same numbers in its table', async () => {
    // The demo's past is seeded at its first sampling tick, an interval after the start.
    await eventually(async () => (await postQuery(gateway, '{ account(provider: SHARPE) { quotas { history { at } } } }')).body.data.account.quotas[0].history.length > 10, {
      withinMs: 60_000,
      what: 'a seeded Sharpe history',
    });
    const { context, page, watch } = await open('/dashboard/vendor?vendor=SHARPE&range=7d');
    const chart = page.getByTestId('history-0-chart');
    await chart.locator('circle').first().waitFor({ state: 'attached' });
    const points = await chart.locator('circle').evaluateAll((circles) => circles.map((circle) => ({ at: circle.getAttribute('data-at')!, value: circle.getAttribute('data-value')!, title: circle.querySelector('title')?.textContent ?? '' })));
    expect(points.length).toBeGreaterThan(10);
    // The last bucket may still be filling; every earlier one is settled.
    const since = points[0]!.at;
    const until = points.at(-1)!.at;
    const history = (await postQuery(gateway, `{ account(provider: SHARPE) { quotas { name history(since: "${since}", until: "${until}") { at used } } } }`)).body.data.account.quotas[0].history;
    expect(points.slice(0, -1).map((point) => [point.at, point.value])).toEqual(history.map((point: any) => [point.at, String(point.used)]));
    for (const point of points) expect(countOf(point.title.split(': ').at(-1))).toBe(point.value);
    const tableRows = await page.getByTestId('history-0-table').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.querySelector('time')?.getAttribute('datetime'), tr.querySelector('[data-field="used"]')?.textContent ?? '']));
    expect(tableRows.map(([at, used]) => [at, countOf(used ?? undefined)])).toEqual(points.map((point) => [point.at, point.value]));
    expectClean(watch);
    await context.close();
  }, 60_000);

  it("never shows one vendor's detail under another's name while the new vendor's answer is on its way", async () => {
    const { context, page, watch } = await open('/dashboard/vendor?vendor=FARADAY&range=7d');
    await page.getByTestId('vendor-detail').waitFor();
    // Sharpe's answer is held until the page has been read, so the wait cannot be too short on a slow machine.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let heldRequests = 0;
    await page.route('**/graphql', async (route) => {
      const body = route.request().postDataJSON() as { variables?: { provider?: string } } | null;
      if (body?.variables?.provider === 'SHARPE') {
        heldRequests++;
        await held;
      }
      await route.continue();
    });
    await page.getByTestId('vendor-tab-SHARPE').click();
    await page.waitForURL((url) => url.searchParams.get('vendor') === 'SHARPE');
    await eventually(async () => heldRequests === 1, { withinMs: 10_000, what: "Sharpe's detail requested" });
    expect(await page.getByTestId('loading').count()).toBe(1);
    expect(await page.getByTestId('vendor-detail').count()).toBe(0);
    release();
    await page.locator('[data-testid="vendor-detail"][data-vendor="SHARPE"]').waitFor();
    const api = (await postQuery(gateway, '{ account(provider: SHARPE) { endpoints { path } } }')).body.data.account.endpoints;
    const rows = page.getByTestId('endpoints').locator('tbody tr');
    expect(await rows.count()).toBe(Math.max(api.length, 1));
    if (api.length > 0) expect(await rows.first().locator('td').first().textContent()).toBe(api[0].path);
    expectClean(watch);
    await context.close();
  }, 60_000);

  it('keeps vendor and range in the URL: the picker changes it, and the URL opened in a fresh context shows the same view', async () => {
    const { context, page, watch } = await open('/dashboard/vendor?vendor=FARADAY&range=7d');
    await page.getByTestId('vendor-detail').waitFor();
    await page.getByLabel('Time range').selectOption('30d');
    await page.waitForURL((url) => url.searchParams.get('range') === '30d');
    const shared = page.url();
    await page.getByTestId('periods').locator('tbody tr').first().waitFor();
    const periods = await page.getByTestId('periods').locator('tbody tr').count();
    await axeInBothThemes(page);
    expectClean(watch);
    await context.close();

    const fresh = await open(new URL(shared).pathname + new URL(shared).search);
    await fresh.page.getByTestId('vendor-detail').waitFor();
    expect(await fresh.page.getByTestId('vendor-detail').getAttribute('data-vendor')).toBe('FARADAY');
    expect(await fresh.page.getByLabel('Time range').inputValue()).toBe('30d');
    expect(await fresh.page.title()).toBe('Faraday · Vendor · Usage dashboard');
    expect(await fresh.page.getByTestId('periods').locator('tbody tr').count()).toBe(periods);
    const api = (await postQuery(gateway, '{ account(provider: FARADAY) { periods { metric monthToDate } } }')).body.data.account.periods;
    expect(periods).toBe(api.length);
    expectClean(fresh.watch);
    await fresh.context.close();
  }, 90_000);
});
