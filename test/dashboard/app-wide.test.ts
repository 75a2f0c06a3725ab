import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtDashboard, launchBrowser, seriousAxeViolations, watchContext, type PageWatch } from '../support/browser.js';
import { postQuery, startDemoProcess, type DemoProcess } from '../support/demo-process.js';
import { eventually } from '../support/eventually.js';

/**
 * Every view of the dashboard, in both themes: no serious or critical accessibility violation, no
 * request to another host, no CSP violation, no console error; the CSP header on every page, the
 * page itself revalidated and its hashed assets immutable, as the browser received them. The views
 * are those the navigation offers (so a new view is covered when it joins the menu) and the two
 * detail views, opened by their shareable URLs.
 */
let gateway: DemoProcess;
let browser: Browser;
let partnerSub: string;

beforeAll(async () => {
  const [dir, launched] = await Promise.all([builtDashboard(), launchBrowser()]);
  browser = launched;
  gateway = await startDemoProcess({ DASHBOARD_DIR: dir });
  // The ledger fills from the simulated stream shortly after the start.
  await eventually(
    async () => {
      const answer = await postQuery(gateway, '{ partnerUsers(first: 1) { edges { node { sub } } } }');
      partnerSub = answer.body.data?.partnerUsers?.edges?.[0]?.node?.sub;
      return typeof partnerSub === 'string';
    },
    { withinMs: 60_000, what: 'a partner user in the ledger' },
  );
}, 120_000);

afterAll(async () => {
  await browser?.close();
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
});

/** Waits until the view has rendered and nothing on it is loading any more. */
async function settled(page: Page): Promise<void> {
  await page.locator('main[data-view]').waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="loading"]').length === 0, undefined, { timeout: 30_000 });
}

/** Every response of the context, for the headers the browser saw. */
function recordResponses(context: BrowserContext): Response[] {
  const responses: Response[] = [];
  context.on('response', (response) => responses.push(response));
  return responses;
}

async function viewUrls(page: Page): Promise<string[]> {
  await page.goto(`${gateway.origin}/dashboard/`);
  await settled(page);
  const nav = await page.locator('nav a[data-testid^="nav-"]').evaluateAll((links) => links.map((link) => (link as HTMLAnchorElement).href));
  const details = [`${gateway.origin}/dashboard/vendor?vendor=SHARPE`, `${gateway.origin}/dashboard/partner?user=${encodeURIComponent(partnerSub)}`];
  return [...new Set([...nav, ...details])];
}

interface ViewProblems {
  axe?: unknown;
  theme?: string;
  csp?: string | null;
  status?: number;
}

async function checkEveryView(colorScheme: 'light' | 'dark'): Promise<{ problems: Record<string, ViewProblems>; watch: PageWatch; responses: Response[]; urls: string[] }> {
  const context = await browser.newContext({ colorScheme });
  const watch = await watchContext(context, gateway.origin);
  const responses = recordResponses(context);
  const page = await context.newPage();
  const urls = await viewUrls(page);
  const problems: Record<string, ViewProblems> = {};
  for (const url of urls) {
    const response = await page.goto(url);
    await settled(page);
    const found: ViewProblems = {};
    if (response?.status() !== 200) found.status = response?.status() ?? 0;
    const csp = response?.headers()['content-security-policy'] ?? null;
    if (csp === null || !csp.includes("default-src 'self'") || !csp.includes("script-src 'self'")) found.csp = csp;
    const theme = await page.evaluate(() => document.documentElement.dataset.theme);
    if (theme !== colorScheme) found.theme = String(theme);
    const violations = await seriousAxeViolations(page);
    if (violations.length > 0) found.axe = violations;
    if (Object.keys(found).length > 0) problems[url.slice(gateway.origin.length)] = found;
  }
  await context.close();
  return { problems, watch, responses, urls };
}

describe('every view of the dashboard', () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    it(`in the ${colorScheme} theme: accessible, from this origin only, within its CSP, without console errors`, { timeout: 180_000 }, async () => {
      const { problems, watch, responses, urls } = await checkEveryView(colorScheme);
      // At least the overview, both detail views and one more view from the menu.
      expect(urls.length).toBeGreaterThanOrEqual(4);
      expect(problems).toEqual({});
      expect(watch.foreignRequests).toEqual([]);
      expect(watch.cspViolations).toEqual([]);
      expect(watch.consoleErrors).toEqual([]);

      const pages = responses.filter((response) => response.request().resourceType() === 'document');
      expect(pages.length).toBeGreaterThanOrEqual(urls.length);
      for (const response of pages) expect(response.headers()['cache-control'], response.url()).toBe('no-cache');
      const assets = responses.filter((response) => new URL(response.url()).pathname.startsWith('/dashboard/assets/'));
      expect(assets.length).toBeGreaterThan(0);
      for (const response of assets) {
        // A page load after the first may take an asset from the memory cache: its headers are those first received.
        expect(response.headers()['cache-control'], response.url()).toBe('public, max-age=31536000, immutable');
        expect(response.headers()['x-content-type-options']).toBe('nosniff');
      }
    });
  }

  it('moves the focus to the new view when a menu link is followed, and leaves it on a select that changes a parameter', { timeout: 60_000 }, async () => {
    const context = await browser.newContext({ colorScheme: 'light' });
    const page = await context.newPage();
    await page.goto(`${gateway.origin}/dashboard/`);
    await settled(page);
    await page.getByTestId('nav-partners').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === '/dashboard/partners');
    await settled(page);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-view'))).toBe('partners');

    const rangeSelect = page.getByTestId('range-select');
    await rangeSelect.focus();
    await rangeSelect.selectOption('30d');
    await page.waitForURL((url) => url.searchParams.get('range') === '30d');
    await settled(page);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('range-select');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await context.close();
  });

  it('switches theme with the toggle, and keeps the choice across a reload', { timeout: 60_000 }, async () => {
    const context = await browser.newContext({ colorScheme: 'light' });
    const page = await context.newPage();
    await page.goto(`${gateway.origin}/dashboard/`);
    await settled(page);
    const toggle = page.getByTestId('theme-toggle');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await toggle.click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.reload();
    await settled(page);
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await context.close();
  });
});
