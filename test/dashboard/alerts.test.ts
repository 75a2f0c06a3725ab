import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtDashboard, launchBrowser, seriousAxeViolations, watchContext, type PageWatch } from '../support/browser.js';
import { postQuery, simAdmin, startDemoProcess, type DemoProcess } from '../support/demo-process.js';
import { eventually } from '../support/eventually.js';
import { startDroppingProxy, type DroppingProxy } from './dropping-proxy.js';

/**
 * The alerts page against a demo gateway whose request deadline is 2 s: an alert the gateway fires
 * appears without a reload on the stream opened before it, long after that deadline; after the
 * stream drops, the page reconnects and shows what fired meanwhile exactly once. Sharpe's quota is
 * set by the simulator's admin route, and the gateway samples every 10 s.
 */
let gateway: DemoProcess;
let browser: Browser;
let proxy: DroppingProxy;
const LIMIT = 1_000_000;
const DEADLINE_MS = 2000;

beforeAll(async () => {
  const [dir, launched] = await Promise.all([builtDashboard(), launchBrowser()]);
  browser = launched;
  gateway = await startDemoProcess({
    DASHBOARD_DIR: dir,
    HISTORY_SAMPLE_INTERVAL_SECONDS: '10',
    UPSTREAM_CACHE_TTL_SECONDS: '1',
    GATEWAY_REQUEST_TIMEOUT_MS: String(DEADLINE_MS),
    UPSTREAM_TIMEOUT_MS: '1500',
    UPSTREAM_CONNECT_TIMEOUT_MS: '500',
    UPSTREAM_HEADERS_TIMEOUT_MS: '1400',
  });
  proxy = await startDroppingProxy(gateway.origin);
  // Far below every threshold, and still: nothing fires until a test moves it.
  await simAdmin(gateway, 'SHARPE', 'POST', '/__sim/usage', { quota: 'monthly_requests', used: 1000, limit: LIMIT, perMinute: 0 });
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await browser?.close();
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
});

interface Opened {
  context: BrowserContext;
  page: Page;
  watch: PageWatch;
  /** Subscription requests the page made (each one a stream). */
  streams: string[];
}

async function openAlerts(origin = gateway.origin): Promise<Opened> {
  const context = await browser.newContext({ colorScheme: 'light' });
  const watch = await watchContext(context, origin);
  const streams: string[] = [];
  context.on('request', (request) => {
    if ((request.headers().accept ?? '').includes('text/event-stream')) streams.push(request.url());
  });
  const page = await context.newPage();
  await page.goto(`${origin}/dashboard/alerts`);
  await page.locator('[data-testid="live-status"][data-state="live"]').waitFor({ timeout: 30_000 });
  return { context, page, watch, streams };
}

/** The feed's events as (key, kind), in the page's order. */
function feedEvents(page: Page): Promise<Array<{ key: string; kind: string }>> {
  return page.getByTestId('alert-event').evaluateAll((items) => items.map((item) => ({ key: item.getAttribute('data-key')!, kind: item.getAttribute('data-kind')! })));
}

async function recordedEvents(): Promise<Array<{ key: string; kind: string; ruleId: string; provider: string; value: number }>> {
  const body = (await postQuery(gateway, '{ alertEvents(first: 500) { events { key kind ruleId provider value } } }')).body;
  return body.data.alertEvents.events;
}

describe('alerts feed', () => {
  it('shows an alert the gateway fires without a reload, on a stream that outlives the request deadline', async () => {
    const { context, page, watch, streams } = await openAlerts();
    const openedAt = Date.now();
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    expect(await page.getByTestId('alert-event').count()).toBe(0);
    expect(await page.getByTestId('alert-announcement').textContent()).toBe('');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByTestId('theme-toggle').click();
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    expect(await seriousAxeViolations(page)).toEqual([]);

    // Past the request deadline before anything fires: an answer would have been cut off by now.
    await page.waitForTimeout(DEADLINE_MS + 500);
    await simAdmin(gateway, 'SHARPE', 'POST', '/__sim/usage', { quota: 'monthly_requests', used: 850_000, limit: LIMIT, perMinute: 0 });
    const fired = page.locator('[data-testid="alert-event"][data-kind="FIRED"]');
    await fired.first().waitFor({ timeout: 90_000 });
    expect(Date.now() - openedAt).toBeGreaterThan(DEADLINE_MS);

    const recorded = await recordedEvents();
    const eighty = recorded.find((event) => event.ruleId === 'utilization-80' && event.kind === 'FIRED')!;
    expect(eighty).toBeDefined();
    await page.locator(`[data-testid="alert-event"][data-key='${eighty.key}']`).waitFor();
    const item = page.locator(`[data-testid="alert-event"][data-key='${eighty.key}']`);
    expect(await item.getAttribute('data-kind')).toBe('FIRED');
    expect((await item.locator('[data-field="value"]').textContent())?.replace(/,/g, '')).toBe(String(eighty.value));
    // A screen reader hears the live event: the polite announcement names one the feed lists.
    const announcement = page.getByTestId('alert-announcement');
    expect(await announcement.getAttribute('aria-live')).toBe('polite');
    const announcedId = await announcement.getAttribute('data-id');
    expect(announcedId).toBeTruthy();
    const announced = page.locator(`[data-testid="alert-event"][data-id="${announcedId}"]`);
    expect(await announced.count()).toBe(1);
    const announcedText = (await announcement.textContent()) ?? '';
    expect(announcedText).toMatch(/^(Fired|Resolved): /);
    expect(announcedText).toContain((await announced.locator('[data-field="series"]').textContent())!);
    expect(announcedText).toContain(`${await announced.getAttribute('data-kind') === 'FIRED' ? 'Fired' : 'Resolved'}: `);
    // The firing table follows the stream too.
    expect(await page.getByTestId('firing-alerts').locator('tbody').textContent()).toContain('utilization-80');
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(streams).toHaveLength(1);
    expect(await page.getByTestId('live-status').getAttribute('data-state')).toBe('live');
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
    expect(watch.consoleErrors).toEqual([]);
    await context.close();
  }, 150_000);

  it('after a dropped stream reconnects and shows what fired meanwhile, each event once', async () => {
    const { context, page, watch, streams } = await openAlerts(proxy.origin);
    await eventually(async () => (await feedEvents(page)).length === (await recordedEvents()).length, { withinMs: 10_000, what: 'the recorded events listed' });
    const before = (await recordedEvents()).length;

    proxy.drop();
    await page.locator('[data-testid="live-status"][data-state="reconnecting"]').waitFor({ timeout: 30_000 });
    await simAdmin(gateway, 'SHARPE', 'POST', '/__sim/usage', { quota: 'monthly_requests', used: LIMIT, limit: LIMIT, perMinute: 0 });
    await eventually(async () => (await recordedEvents()).some((event) => event.ruleId === 'utilization-100'), { withinMs: 90_000, what: 'utilization-100 recorded' });
    proxy.restore();

    await page.locator('[data-testid="live-status"][data-state="live"]').waitFor({ timeout: 60_000 });
    const recorded = await recordedEvents();
    expect(recorded.length).toBeGreaterThan(before);
    await eventually(async () => (await feedEvents(page)).length >= recorded.length, { withinMs: 20_000, what: 'the missed events listed' });
    const shown = await feedEvents(page);
    // Newest first, each (key, kind) once, exactly the recorded ones.
    expect(new Set(shown.map((event) => `${event.kind} ${event.key}`)).size).toBe(shown.length);
    expect(shown.map((event) => `${event.kind} ${event.key}`).sort()).toEqual(recorded.map((event) => `${event.kind} ${event.key}`).sort());
    expect(streams.length).toBeGreaterThan(1);

    // The vendor filter is URL state over the same stream: each vendor's view holds exactly its events.
    for (const vendor of ['FARADAY', 'SHARPE']) {
      await page.getByLabel('Vendor').selectOption(vendor);
      await page.waitForURL((url) => url.searchParams.get('vendor') === vendor);
      const own = recorded.filter((event) => event.provider === vendor).map((event) => `${event.kind} ${event.key}`);
      expect((await feedEvents(page)).map((event) => `${event.kind} ${event.key}`).sort()).toEqual(own.sort());
    }
    expect(recorded.some((event) => event.provider === 'SHARPE')).toBe(true);
    expect(await page.getByTestId('live-status').getAttribute('data-state')).toBe('live');
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
    await context.close();
  }, 240_000);
});
