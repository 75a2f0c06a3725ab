import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtDashboard, launchBrowser, seriousAxeViolations, watchContext, type PageWatch } from '../support/browser.js';
import { startDemoProcess, type DemoProcess } from '../support/demo-process.js';
import { eventually } from '../support/eventually.js';
import { apiKeyEntry, AUDIENCE, ISSUER, makeTestKeys, type TestKeys } from '../support/jwt.js';
import { ask, BROWSER_NOW, dayBounds, everySub, ledgerCaughtUp } from '../support/partner-dashboard.js';

/**
 * The dashboard against a gateway with authentication on, in headless Chromium: no credential or a
 * refused one shows the sign-in form and no data; an end user's `partners:self` token sees its own
 * usage and nothing of anyone else; the credential lives in session storage only.
 */
let gateway: DemoProcess;
let browser: Browser;
let keys: TestKeys;
let dir: string;

const READER = { name: 'reader', key: 'dashboard-test-reader-7f3c2a91', scopes: ['usage:read', 'partners:read', 'ops:read'] };
const readerHeaders = { 'x-api-key': READER.key };
const CREDENTIAL_KEY = 'usage-dashboard.credential';

/** The test's own user (the heaviest of the week, a 20-digit sub) and every other sub the ledger counted. */
let own: string;
let others: Set<string>;

interface Recorded {
  url: string;
  status: number;
  text: string;
}

/** A context at the fixed browser time that records every response body it receives. */
async function freshContext(): Promise<{ context: BrowserContext; page: Page; watch: PageWatch; responses: () => Promise<Recorded[]> }> {
  const context = await browser.newContext();
  await context.clock.setFixedTime(BROWSER_NOW);
  const watch = await watchContext(context, gateway.origin);
  const pending: Array<Promise<Recorded | null>> = [];
  context.on('response', (response) => {
    pending.push(
      response.text().then(
        (text) => ({ url: response.url(), status: response.status(), text }),
        () => null,
      ),
    );
  });
  const page = await context.newPage();
  return { context, page, watch, responses: async () => (await Promise.all(pending)).filter((entry): entry is Recorded => entry !== null) };
}

async function signIn(page: Page, credential: string): Promise<void> {
  await page.getByTestId('sign-in').waitFor();
  await page.getByLabel('Token or API key').fill(credential);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Every string in a JSON value (a sub is always a string; counters are numbers and may equal a short sub by chance). */
function leaves(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(leaves);
  if (typeof value === 'object') return Object.values(value).flatMap(leaves);
  return [];
}

/** The other users' subs found in the responses: as a JSON value, or (20 digits, never a chance match) anywhere in the text. */
function otherSubsIn(responses: readonly Recorded[]): string[] {
  const found = new Set<string>();
  for (const { text } of responses) {
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // Not JSON (the page, its scripts): only the text search applies.
    }
    for (const leaf of leaves(json)) if (others.has(leaf)) found.add(leaf);
    for (const match of text.matchAll(/\d{20}/g)) if (others.has(match[0])) found.add(match[0]);
  }
  return [...found];
}

/** Nothing a person could read as usage: no vendor card, no table, no chart, and no GraphQL answer with data. */
async function expectNoData(page: Page, responses: readonly Recorded[]): Promise<void> {
  expect(await page.locator('[data-testid^="vendor-card-"], table, svg[data-testid], [data-testid="my-usage"]').count()).toBe(0);
  const answers = responses.filter((response) => new URL(response.url).pathname === '/graphql');
  expect(answers.length).toBeGreaterThan(0);
  for (const answer of answers) {
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text).data ?? null).toBeNull();
  }
}

async function expectAccessibleInBothThemes(page: Page): Promise<void> {
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.getByTestId('theme-toggle').click();
  expect(await seriousAxeViolations(page)).toEqual([]);
}

/** Where the page keeps the credential: session storage, never local storage. */
function storage(page: Page): Promise<{ session: string | null; local: string }> {
  return page.evaluate((key) => ({ session: sessionStorage.getItem(key), local: JSON.stringify({ ...localStorage }) }), CREDENTIAL_KEY);
}

/** The page's own refusals (the browser logs each 401 it receives) are expected here; nothing else is. */
function unexpectedConsoleErrors(watch: PageWatch): string[] {
  return watch.consoleErrors.filter((text) => !/status of 401/.test(text));
}

beforeAll(async () => {
  keys = await makeTestKeys();
  dir = await mkdtemp(join(tmpdir(), 'dashboard-auth-'));
  const apiKeysFile = join(dir, 'api-keys.json');
  await writeFile(apiKeysFile, JSON.stringify([apiKeyEntry(READER)]));
  const [dashboard, launched] = await Promise.all([builtDashboard(), launchBrowser()]);
  browser = launched;
  gateway = await startDemoProcess({
    DASHBOARD_DIR: dashboard,
    AUTH_JWKS_FILE: keys.jwksFile,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    AUTH_API_KEYS_FILE: apiKeysFile,
    // An expired token is refused at its `exp`, not 30 s later.
    AUTH_CLOCK_TOLERANCE_SECONDS: '0',
  });
  await ledgerCaughtUp(gateway.url, readerHeaders);
  const week = await ask(gateway.url, 'query($since: Date!, $until: Date!) { partnerUsers(first: 1, since: $since, until: $until) { edges { node { sub } } } }', dayBounds(7), readerHeaders);
  own = week.partnerUsers.edges[0].node.sub;
  const subs = await everySub(gateway.url, readerHeaders);
  others = new Set(subs.filter((sub) => sub !== own));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
  await keys?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('dashboard with authentication on', () => {
  it('without a credential shows the sign-in form and no data, accessibly in both themes', async () => {
    const { context, page, watch, responses } = await freshContext();
    const response = await page.goto(`${gateway.origin}/dashboard/partners?range=7d`);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
    await page.getByTestId('sign-in').waitFor();
    await expectNoData(page, await responses());
    await expectAccessibleInBothThemes(page);
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
    expect(unexpectedConsoleErrors(watch)).toEqual([]);
    await context.close();
  }, 60_000);

  it('a browser that refuses session storage is told why signing in cannot work, and the credential is kept nowhere', async () => {
    const { context, page, watch, responses } = await freshContext();
    await context.addInitScript(() => {
      Object.defineProperty(window, 'sessionStorage', {
        get() {
          throw new DOMException('The operation is insecure.', 'SecurityError');
        },
      });
    });
    await page.goto(`${gateway.origin}/dashboard/`);
    await page.getByTestId('sign-in').waitFor();
    expect(await page.title()).toBe('Sign in · Usage dashboard');
    const token = await keys.sign({ sub: 'nobody', scope: 'usage:read' });
    const before = (await responses()).length;
    await signIn(page, token);
    await page.getByTestId('sign-in-storage-refused').waitFor();
    await page.getByTestId('sign-in').waitFor();
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(token);
    // Nothing was sent with the credential: it was never kept, so no request could carry it.
    expect((await responses()).slice(before).filter((entry) => new URL(entry.url).pathname === '/graphql')).toEqual([]);
    expect(watch.requests.some((url) => url.includes(token))).toBe(false);
    expect(unexpectedConsoleErrors(watch)).toEqual([]);
    await context.close();
  }, 60_000);

  it('a wrong API key, or a token signed by another key, brings the form back with the reason and no data, and is not kept', async () => {
    const { context, page, responses } = await freshContext();
    await page.goto(`${gateway.origin}/dashboard/`);
    for (const credential of ['not-a-key-of-this-gateway', await keys.signWithOtherKey({ sub: own, scope: 'partners:read usage:read' })]) {
      const before = (await responses()).length;
      await signIn(page, credential);
      await eventually(async () => (await responses()).slice(before).some((entry) => new URL(entry.url).pathname === '/graphql'), { what: 'the sign-in request' });
      await page.getByTestId('sign-in-reason').waitFor();
      await page.getByTestId('sign-in').waitFor();
      await expectNoData(page, await responses());
      expect(await storage(page)).toEqual({ session: null, local: expect.not.stringContaining(credential) });
    }
    await context.close();
  }, 60_000);

  it("a partners:self token shows exactly its own user, no vendor card, and no other user's id in any response", async () => {
    const token = await keys.sign({ sub: own, scope: 'partners:self' });
    const { context, page, watch, responses } = await freshContext();
    await page.goto(`${gateway.origin}/dashboard/`);
    await signIn(page, token);
    const mine = page.getByTestId('my-usage');
    await mine.getByTestId('daily-chart').waitFor();
    expect(await mine.locator('[data-field="sub"]').textContent()).toBe(own);
    expect(own).toMatch(/^\d{20}$/);
    expect(await page.locator('[data-testid^="vendor-card-"]').count()).toBe(0);
    expect(await page.locator('[data-testid="nav-overview"], [data-testid="nav-partners"]').count()).toBe(0);

    // The default range is all time: `daily` without bounds, the user's own days.
    const { partnerUser } = await ask(gateway.url, 'query($sub: PartnerSub!) { partnerUser(sub: $sub) { daily { date calls } } }', { sub: own }, readerHeaders);
    expect(partnerUser.daily.length).toBeGreaterThan(7);
    const bars = await mine.getByTestId('daily-chart').evaluate((svg) => [...svg.querySelectorAll('rect[data-value]')].map((rect) => ({ date: rect.getAttribute('data-date'), value: Number(rect.getAttribute('data-value')) })));
    expect(bars).toEqual(partnerUser.daily.map((day: { date: string; calls: number }) => ({ date: day.date, value: day.calls })));

    // Kept in this tab's session storage: a reload keeps the session, and no URL ever carried it.
    expect(await storage(page)).toEqual({ session: token, local: expect.not.stringContaining(token) });
    // Another user's page, asked for by URL, is not this caller's to open: it gets its own usage.
    const other = [...others][0]!;
    await page.goto(`${gateway.origin}/dashboard/partner?user=${other}&range=7d`);
    await page.getByTestId('my-usage').getByTestId('daily-chart').waitFor();
    expect(await page.getByTestId('my-usage').locator('[data-field="sub"]').textContent()).toBe(own);
    await page.goto(`${gateway.origin}/dashboard/partners?range=30d`);
    await page.getByTestId('my-usage').getByTestId('daily-chart').waitFor();
    expect(await page.locator('rect[data-value]').count()).toBe(30);
    await expectAccessibleInBothThemes(page);

    const recorded = await responses();
    expect(recorded.filter((entry) => new URL(entry.url).pathname === '/graphql').length).toBeGreaterThan(2);
    expect(otherSubsIn(recorded)).toEqual([]);
    expect(watch.requests.filter((url) => url.includes(token))).toEqual([]);
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
    expect(unexpectedConsoleErrors(watch)).toEqual([]);

    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-in').waitFor();
    expect((await storage(page)).session).toBeNull();
    await context.close();
  }, 120_000);

  it('an API key that reads partners opens the users list; the key travels in a header only and sign-out forgets it', async () => {
    const { context, page, watch } = await freshContext();
    await page.goto(`${gateway.origin}/dashboard/partners?range=7d`);
    await signIn(page, READER.key);
    await page.getByTestId('partner-users').locator('tbody tr').first().waitFor();
    expect(await page.getByTestId('partner-users').locator('[data-field="sub"]').first().textContent()).toBe(own);
    expect(await storage(page)).toEqual({ session: READER.key, local: expect.not.stringContaining(READER.key) });
    expect(watch.requests.filter((url) => url.includes(READER.key))).toEqual([]);
    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-in').waitFor();
    expect(await storage(page)).toEqual({ session: null, local: expect.not.stringContaining(READER.key) });
    await page.reload();
    await page.getByTestId('sign-in').waitFor();
    expect(await page.locator('table').count()).toBe(0);
    await context.close();
  }, 60_000);

  it('a token that expires mid-session returns to the sign-in form at the next request and is forgotten', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 20;
    const token = await keys.sign({ sub: own, scope: 'partners:self', exp: expiresAt });
    const { context, page } = await freshContext();
    await page.goto(`${gateway.origin}/dashboard/me?range=7d`);
    await signIn(page, token);
    await page.getByTestId('my-usage').getByTestId('daily-chart').waitFor();
    await eventually(() => Date.now() > expiresAt * 1000 + 1000, { withinMs: 30_000, everyMs: 250, what: 'the token to expire' });
    await page.getByTestId('range-select').selectOption('30d');
    await page.getByTestId('sign-in-reason').waitFor();
    expect(await page.locator('[data-testid="my-usage"], table, svg[data-testid]').count()).toBe(0);
    expect((await storage(page)).session).toBeNull();
    await context.close();
  }, 60_000);
});
