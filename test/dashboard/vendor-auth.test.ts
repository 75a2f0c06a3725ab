import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtDashboard, launchBrowser, seriousAxeViolations, watchContext, type PageWatch } from '../support/browser.js';
import { startDemoProcess, type DemoProcess } from '../support/demo-process.js';
import { graphqlRequest } from '../support/graphql-request.js';
import { apiKeyEntry, AUDIENCE, ISSUER, makeTestKeys, type TestKeys } from '../support/jwt.js';
import { cardMismatches, readCards } from './vendor-cards.js';

/**
 * The vendor views against a gateway with authentication on and persisted documents only, in
 * headless Chromium: a credential typed into the sign-in form (a JWT or an API key) opens the
 * overview, whose every number equals the API's answer to the same persisted document sent with
 * the same credential; a missing or refused credential shows the form and no data; a
 * `partners:self` token sees no vendor card.
 */
const MANIFEST: Record<string, string> = JSON.parse(readFileSync(fileURLToPath(new URL('../../dashboard/src/gql/persisted-documents.json', import.meta.url)), 'utf8'));
const OVERVIEW_ID = Object.entries(MANIFEST).find(([, text]) => text.startsWith('query Overview'))![0];
const API_KEY = { name: 'dashboard-test', key: 'dk_live_0123456789abcdef0123456789abcdef', scopes: ['usage:read'] };

let gateway: DemoProcess;
let browser: Browser;
let keys: TestKeys;

beforeAll(async () => {
  keys = await makeTestKeys();
  const keysFile = join(keys.jwksFile, '..', 'api-keys.json');
  writeFileSync(keysFile, JSON.stringify([apiKeyEntry(API_KEY)]));
  // The deployment's own manifest holds none of the dashboard's documents: the gateway trusts those itself.
  const manifestFile = join(keys.jwksFile, '..', 'persisted-documents.json');
  writeFileSync(manifestFile, '{}');
  const [dir, launched] = await Promise.all([builtDashboard(), launchBrowser()]);
  browser = launched;
  gateway = await startDemoProcess({
    DASHBOARD_DIR: dir,
    AUTH_JWKS_FILE: keys.jwksFile,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    AUTH_API_KEYS_FILE: keysFile,
    PERSISTED_OPERATIONS: 'only',
    PERSISTED_OPERATIONS_FILE: manifestFile,
    UPSTREAM_CACHE_TTL_SECONDS: '600',
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
  await keys?.cleanup();
});

/** A fresh context at the overview, signed in through the form with `credential` (none: left signed out). */
async function signedIn(credential: string | null): Promise<{ page: Page; watch: PageWatch; close: () => Promise<void> }> {
  const context = await browser.newContext();
  const watch = await watchContext(context, gateway.origin);
  const page = await context.newPage();
  await page.goto(`${gateway.origin}/dashboard/`);
  await page.getByTestId('sign-in').waitFor();
  // The browser logs the expected refusal of the first, credential-less request; count only what follows.
  watch.consoleErrors.length = 0;
  if (credential !== null) {
    await page.getByLabel('Token or API key').fill(credential);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  return { page, watch, close: () => context.close() };
}

/** The overview document, by its id, with the credential's header, as the dashboard sends it. */
async function overviewAnswer(headers: Record<string, string>) {
  return graphqlRequest(globalThis, { url: gateway.url, documentId: OVERVIEW_ID, headers });
}

describe('dashboard with authentication on', () => {
  it('shows the sign-in form and no data without a credential or with a refused one', async () => {
    const { page, watch, close } = await signedIn(null);
    expect(await page.locator('[data-testid^="vendor-card-"]').count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.getByLabel('Token or API key').fill(await keys.signWithOtherKey({ sub: 'intruder', scope: 'usage:read' }));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('sign-in-reason').waitFor();
    await page.getByTestId('sign-in').waitFor();
    expect(await page.locator('[data-testid^="vendor-card-"]').count()).toBe(0);
    expect(await page.locator('[data-field]').count()).toBe(0);
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
    await close();
  }, 60_000);

  it('signed in with a usage:read token, every number on every card equals the API answer for that token', async () => {
    const token = await keys.sign({ sub: 'dashboard-viewer', scope: 'usage:read' });
    const { page, watch, close } = await signedIn(token);
    await page.locator('[data-testid^="vendor-card-"]').nth(3).waitFor();
    await page.locator('[data-testid^="quota-"]').first().waitFor();
    const cards = await readCards(page);
    const startedAt = Date.now();
    const answer = await overviewAnswer({ authorization: `Bearer ${token}` });
    const slack = Math.ceil((Date.now() - startedAt) / 1000) + 2;
    expect(answer.status).toBe(200);
    expect(answer.body.data.accounts).toHaveLength(4);
    expect(cardMismatches(cards, answer.body.data.accounts, slack)).toEqual([]);

    // The token stays in this tab's session storage, never in the URL or local storage.
    expect(page.url()).not.toContain(token);
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }))).not.toContain(token);

    // The vendor detail and the live alerts feed work with persisted documents only.
    await page.getByTestId('vendor-link-SHARPE').click();
    await page.getByTestId('vendor-detail').waitFor();
    await page.getByTestId('nav-alerts').click();
    await page.locator('[data-testid="live-status"][data-state="live"]').waitFor({ timeout: 30_000 });
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
    expect(watch.consoleErrors).toEqual([]);
    await close();
  }, 90_000);

  it('signed in with an API key, the cards equal the API answer for that key', async () => {
    const { page, watch, close } = await signedIn(API_KEY.key);
    await page.locator('[data-testid^="vendor-card-"]').nth(3).waitFor();
    await page.locator('[data-testid^="quota-"]').first().waitFor();
    const cards = await readCards(page);
    const startedAt = Date.now();
    const answer = await overviewAnswer({ 'x-api-key': API_KEY.key });
    expect(cardMismatches(cards, answer.body.data.accounts, Math.ceil((Date.now() - startedAt) / 1000) + 2)).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
    await close();
  }, 60_000);

  it('a partners:self token sees no vendor card and no vendor detail', async () => {
    const { page, close } = await signedIn(await keys.sign({ sub: '12345678901234567890', scope: 'partners:self' }));
    await page.locator('main[data-view]').waitFor();
    expect(await page.getByTestId('nav-overview').count()).toBe(0);
    expect(await page.locator('[data-testid^="vendor-card-"]').count()).toBe(0);
    await page.goto(`${gateway.origin}/dashboard/vendor?vendor=SHARPE`);
    await page.locator('main[data-view]').waitFor();
    expect(await page.locator('main').getAttribute('data-view')).not.toBe('vendor');
    expect(await page.getByTestId('vendor-detail').count()).toBe(0);
    expect(await page.locator('[data-testid^="vendor-card-"]').count()).toBe(0);
    await close();
  }, 60_000);
});
