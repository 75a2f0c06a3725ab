import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtDashboard, launchBrowser, seriousAxeViolations, watchContext } from '../support/browser.js';
import { startDemoProcess, type DemoProcess } from '../support/demo-process.js';

/** The dashboard in demo mode, in headless Chromium: it renders a card per vendor within its CSP, from this origin only. */
let gateway: DemoProcess;
let browser: Browser;

beforeAll(async () => {
  const [dir, launched] = await Promise.all([builtDashboard(), launchBrowser()]);
  browser = launched;
  gateway = await startDemoProcess({ DASHBOARD_DIR: dir });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
});

describe('dashboard in demo mode', () => {
  it('renders a card per vendor with the CSP header, no foreign request and no CSP violation', async () => {
    const context = await browser.newContext();
    const watch = await watchContext(context, gateway.origin);
    const page = await context.newPage();
    const response = await page.goto(`${gateway.origin}/dashboard/`);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
    await page.getByTestId('vendor-card-SHARPE').waitFor();
    expect(await page.locator('[data-testid^="vendor-card-"]').count()).toBe(4);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.cspViolations).toEqual([]);
    expect(watch.consoleErrors).toEqual([]);
    await context.close();
  });
});
