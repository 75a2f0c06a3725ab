import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtDashboard, launchBrowser, seriousAxeViolations, watchContext, type PageWatch } from '../support/browser.js';
import { startDemoProcess, type DemoProcess } from '../support/demo-process.js';
import { ask, BROWSER_NOW, countOf, dayBounds, downloadCsv, instantText, ledgerCaughtUp, tableCells, tableHeaders } from '../support/partner-dashboard.js';

/**
 * The partner views in demo mode, in headless Chromium: the users list and a user's daily bars
 * show exactly what the API answers for the same range, order and page, and the URL carries the view.
 */
let gateway: DemoProcess;
let browser: Browser;

const WEEK = dayBounds(7);

const USERS = `query($after: String, $orderBy: PartnerUserOrder!, $since: Date!, $until: Date!) {
  partnerUsers(first: 25, after: $after, orderBy: $orderBy, since: $since, until: $until) {
    totalCount pageInfo { endCursor hasNextPage } edges { calls discoveries tweets node { sub lastSeenAt } }
  }
}`;
const USER = `query($sub: PartnerSub!, $since: Date!, $until: Date!) {
  partnerUser(sub: $sub) { sub calls discoveries tweets firstSeenAt lastSeenAt byEndpoint { endpoint calls discoveries tweets } daily(since: $since, until: $until) { date calls discoveries tweets } }
}`;

interface UsersPage {
  totalCount: number;
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
  edges: Array<{ calls: number; discoveries: number; tweets: number; node: { sub: string; lastSeenAt: string | null } }>;
}

async function usersFromApi(orderBy: string, after: string | null = null): Promise<UsersPage> {
  return (await ask<{ partnerUsers: UsersPage }>(gateway.url, USERS, { orderBy, after, ...WEEK })).partnerUsers;
}

/** The users table as the API page says it must read. */
function expectedRows(page: UsersPage): string[][] {
  return page.edges.map((edge) => [edge.node.sub, ...[edge.calls, edge.discoveries, edge.tweets].map((value) => value.toLocaleString('en-US')), instantText(edge.node.lastSeenAt)]);
}

async function freshContext(): Promise<{ context: BrowserContext; watch: PageWatch; page: Page }> {
  const context = await browser.newContext({ acceptDownloads: true });
  await context.clock.setFixedTime(BROWSER_NOW);
  const watch = await watchContext(context, gateway.origin);
  const page = await context.newPage();
  return { context, watch, page };
}

/** Waits for the users table to show the rows of `api`, then returns them. */
async function shownUsers(page: Page, api: UsersPage): Promise<string[][]> {
  await page.getByTestId('partner-users').locator('tbody tr').nth(api.edges.length - 1).waitFor();
  await expect.poll(async () => (await tableCells(page, 'partner-users'))[0]?.[0]).toBe(api.edges[0]?.node.sub);
  return tableCells(page, 'partner-users');
}

async function expectClean(page: Page, watch: PageWatch): Promise<void> {
  for (const theme of ['first', 'toggled']) {
    expect(await seriousAxeViolations(page), `axe, ${theme} theme`).toEqual([]);
    if (theme === 'first') await page.getByTestId('theme-toggle').click();
  }
  expect(watch.foreignRequests).toEqual([]);
  expect(watch.cspViolations).toEqual([]);
  expect(watch.consoleErrors).toEqual([]);
}

beforeAll(async () => {
  const [dir, launched] = await Promise.all([builtDashboard(), launchBrowser()]);
  browser = launched;
  gateway = await startDemoProcess({ DASHBOARD_DIR: dir });
  await ledgerCaughtUp(gateway.url);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
});

describe('partner users in demo mode', () => {
  it("opens on all time by default, so a stream that stopped days ago still lists its users, and a user's bars are its own days", async () => {
    // The browser's real clock: the demo stream ended before today, and the default view must not be empty.
    const context = await browser.newContext();
    const watch = await watchContext(context, gateway.origin);
    const page = await context.newPage();
    await page.goto(`${gateway.origin}/dashboard/partners`);
    const allTime = (
      await ask<{ partnerUsers: UsersPage }>(
        gateway.url,
        `{ partnerUsers(first: 25, orderBy: CALLS) { totalCount pageInfo { endCursor hasNextPage } edges { calls discoveries tweets node { sub lastSeenAt } } } }`,
      )
    ).partnerUsers;
    expect(allTime.totalCount).toBeGreaterThan(0);
    expect(await shownUsers(page, allTime)).toEqual(expectedRows(allTime));
    expect(countOf(await page.locator('[data-field="totalCount"]').textContent())).toBe(allTime.totalCount);
    expect(await page.getByTestId('range-select').inputValue()).toBe('all');

    const sub = allTime.edges[0]!.node.sub;
    await page.getByTestId('partner-users').getByRole('link', { name: sub, exact: true }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('user')).toBe(sub);
    const own = (await ask<{ partnerUser: { daily: Array<{ date: string; calls: number }> } }>(gateway.url, `query($sub: PartnerSub!) { partnerUser(sub: $sub) { daily { date calls } } }`, { sub })).partnerUser.daily;
    expect(own.length).toBeGreaterThan(0);
    const bars = page.getByTestId('daily-chart').locator('rect[data-date]');
    await expect.poll(() => bars.count()).toBe(own.length);
    const shown = await bars.evaluateAll((rects) => rects.map((rect) => ({ date: rect.getAttribute('data-date'), calls: Number(rect.getAttribute('data-value')) })));
    expect(shown).toEqual(own);
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
    expect(watch.consoleErrors).toEqual([]);
    await context.close();
  }, 120_000);

  it('shows the page of partnerUsers the URL names: range, order and cursor; Next and First page move through the connection', async () => {
    const { context, watch, page } = await freshContext();
    await page.goto(`${gateway.origin}/dashboard/partners?range=7d`);
    const byCalls = await usersFromApi('CALLS');
    expect(byCalls.edges).toHaveLength(25);
    expect(await shownUsers(page, byCalls)).toEqual(expectedRows(byCalls));
    expect(countOf(await page.locator('[data-field="totalCount"]').textContent())).toBe(byCalls.totalCount);

    await page.getByTestId('sort-select').selectOption('DISCOVERIES');
    await expect.poll(() => new URL(page.url()).searchParams.get('sort')).toBe('DISCOVERIES');
    const byDiscoveries = await usersFromApi('DISCOVERIES');
    expect(await shownUsers(page, byDiscoveries)).toEqual(expectedRows(byDiscoveries));

    await page.getByTestId('next-page').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('after')).toBe(byDiscoveries.pageInfo.endCursor);
    const second = await usersFromApi('DISCOVERIES', byDiscoveries.pageInfo.endCursor);
    expect(second.edges[0]!.node.sub).not.toBe(byDiscoveries.edges[0]!.node.sub);
    expect(await shownUsers(page, second)).toEqual(expectedRows(second));

    // The URL alone reopens the same page in a context that shares nothing with this one.
    const shared = await freshContext();
    await shared.page.goto(page.url());
    expect(await shownUsers(shared.page, second)).toEqual(expectedRows(second));
    expect(await shared.page.getByTestId('sort-select').inputValue()).toBe('DISCOVERIES');
    expect(await shared.page.getByTestId('range-select').inputValue()).toBe('7d');
    await shared.context.close();

    await page.getByTestId('first-page').click();
    await expect.poll(() => new URL(page.url()).searchParams.has('after')).toBe(false);
    expect(await shownUsers(page, byDiscoveries)).toEqual(expectedRows(byDiscoveries));
    await expectClean(page, watch);
    await context.close();
  }, 120_000);

  it('exports the users table as a CSV of exactly its rows, raw numbers and ids as sent', async () => {
    const { context, page } = await freshContext();
    await page.goto(`${gateway.origin}/dashboard/partners?range=7d&sort=TWEETS`);
    const api = await usersFromApi('TWEETS');
    const shown = await shownUsers(page, api);
    const csv = await downloadCsv(page, 'partner-users');
    expect(csv[0]).toEqual(await tableHeaders(page, 'partner-users'));
    expect(csv.slice(1)).toHaveLength(shown.length);
    expect(csv.slice(1).map(([sub, calls, discoveries, tweets, lastSeen]) => [sub, ...[calls, discoveries, tweets].map((value) => Number(value).toLocaleString('en-US')), instantText(lastSeen || null)])).toEqual(shown);
    expect(csv.slice(1).map((row) => row[0])).toEqual(api.edges.map((edge) => edge.node.sub));
    await context.close();
  }, 60_000);
});

describe('a partner user in demo mode', () => {
  it('draws a bar per day of the range, days without usage included, each equal to daily; the 20-digit sub reads exactly', async () => {
    const top = (await usersFromApi('CALLS')).edges[0]!.node.sub;
    expect(top).toMatch(/^\d{20}$/);
    expect(BigInt(top) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    const { context, watch, page } = await freshContext();

    // From the list, as a user gets there.
    await page.goto(`${gateway.origin}/dashboard/partners?range=7d`);
    await page.getByTestId('partner-users').getByRole('link', { name: top, exact: true }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('user')).toBe(top);
    await page.getByTestId('daily-chart').waitFor();

    const user = (await ask(gateway.url, USER, { sub: top, ...WEEK })).partnerUser;
    expect(user.daily).toHaveLength(7);
    expect(user.daily.some((day: { calls: number }) => day.calls === 0)).toBe(true);
    expect(user.daily.some((day: { calls: number }) => day.calls > 0)).toBe(true);

    const bars = () =>
      page.getByTestId('daily-chart').evaluate((svg) =>
        [...svg.querySelectorAll('rect[data-value]')].map((rect) => ({ date: rect.getAttribute('data-date'), value: Number(rect.getAttribute('data-value')), title: rect.querySelector('title')?.textContent })),
      );
    expect(await bars()).toEqual(user.daily.map((day: { date: string; calls: number }) => ({ date: day.date, value: day.calls, title: `${day.date}: ${day.calls.toLocaleString('en-US')} calls` })));
    expect(await tableCells(page, 'daily-table')).toEqual(
      user.daily.map((day: { date: string; calls: number; discoveries: number; tweets: number }) => [day.date, ...[day.calls, day.discoveries, day.tweets].map((value) => value.toLocaleString('en-US'))]),
    );
    expect(await tableCells(page, 'partner-endpoints')).toEqual(
      user.byEndpoint.map((row: { endpoint: string; calls: number; discoveries: number; tweets: number }) => [row.endpoint, ...[row.calls, row.discoveries, row.tweets].map((value) => value.toLocaleString('en-US'))]),
    );
    const totals = page.getByTestId('partner-totals');
    expect(await totals.locator('[data-field="sub"]').textContent()).toBe(top);
    for (const field of ['calls', 'discoveries', 'tweets'] as const) expect(countOf(await totals.locator(`[data-field="${field}"]`).textContent())).toBe(user[field]);
    expect(await totals.locator('[data-field="firstSeenAt"]').textContent()).toBe(instantText(user.firstSeenAt));
    expect(await totals.locator('[data-field="lastSeenAt"]').textContent()).toBe(instantText(user.lastSeenAt));
    expect(countOf(await page.locator('[data-field="rangeTotal"]').textContent())).toBe(user.daily.reduce((sum: number, day: { calls: number }) => sum + day.calls, 0));

    // Another counter, from the select: the same days, the tweets.
    await page.getByTestId('metric-select').selectOption('tweets');
    await expect.poll(async () => (await bars()).map((bar) => bar.value)).toEqual(user.daily.map((day: { tweets: number }) => day.tweets));
    expect(new URL(page.url()).searchParams.get('metric')).toBe('tweets');

    // The detail's URL (user, range, counter) opens the same view in a fresh context.
    const shared = await freshContext();
    await shared.page.goto(page.url());
    await shared.page.getByTestId('daily-chart').waitFor();
    expect(await shared.page.getByTestId('daily-chart').evaluate((svg) => [...svg.querySelectorAll('rect[data-value]')].map((rect) => Number(rect.getAttribute('data-value'))))).toEqual(
      user.daily.map((day: { tweets: number }) => day.tweets),
    );
    await shared.context.close();

    const csv = await downloadCsv(page, 'daily-table');
    expect(csv.slice(1)).toEqual(user.daily.map((day: { date: string; calls: number; discoveries: number; tweets: number }) => [day.date, String(day.calls), String(day.discoveries), String(day.tweets)]));
    await expectClean(page, watch);
    await context.close();
  }, 120_000);
});
