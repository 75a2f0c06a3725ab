import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtDashboard, launchBrowser, watchContext } from '../support/browser.js';
import { postQuery, simAdmin, startDemoProcess, type DemoProcess } from '../support/demo-process.js';
import { eventually } from '../support/eventually.js';
import { countOf } from './vendor-cards.js';

/**
 * The overview when a vendor's numbers are extreme or the vendor fails, in headless Chromium: a
 * counter of 2^53 − 1 shown digit for digit, a counter past it refused by the gateway and shown as
 * that refusal, and a failing Sharpe shown as its error (or its stale value) beside three cards
 * that still render. The vendor cache lasts a second, so each change reaches the page at once.
 */
let gateway: DemoProcess;
let browser: Browser;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

beforeAll(async () => {
  const [dir, launched] = await Promise.all([builtDashboard(), launchBrowser()]);
  browser = launched;
  gateway = await startDemoProcess({ DASHBOARD_DIR: dir, UPSTREAM_CACHE_TTL_SECONDS: '1' });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
});

const SHARPE_QUOTA = '{ account(provider: SHARPE) { stale quotas { name used limit remaining utilization } } }';

async function overview(): Promise<{ page: Page; done: () => Promise<void>; watch: Awaited<ReturnType<typeof watchContext>> }> {
  const context = await browser.newContext();
  const watch = await watchContext(context, gateway.origin);
  const page = await context.newPage();
  await page.goto(`${gateway.origin}/dashboard/`);
  await page.locator('[data-testid^="vendor-card-"]').nth(3).waitFor();
  return {
    page,
    watch,
    done: async () => {
      expect(watch.foreignRequests).toEqual([]);
      expect(watch.cspViolations).toEqual([]);
      await context.close();
    },
  };
}

describe('extreme counters', () => {
  it('shows a quota of 2^53 − 1 used of 2^53 − 1 digit for digit', async () => {
    await simAdmin(gateway, 'SHARPE', 'POST', '/__sim/usage', { quota: 'monthly_requests', used: MAX_SAFE, limit: MAX_SAFE, perMinute: 0 });
    await eventually(async () => (await postQuery(gateway, SHARPE_QUOTA)).body.data?.account?.quotas[0]?.used === MAX_SAFE, { withinMs: 20_000, what: 'Sharpe at 2^53 − 1' });
    const { page, done } = await overview();
    const quota = page.getByTestId('vendor-card-SHARPE').getByTestId('quota-monthly_requests');
    expect(countOf(await quota.locator('[data-field="used"]').textContent() ?? undefined)).toBe('9007199254740991');
    expect(countOf(await quota.locator('[data-field="limit"]').textContent() ?? undefined)).toBe('9007199254740991');
    expect(countOf(await quota.locator('[data-field="remaining"]').textContent() ?? undefined)).toBe('0');
    expect(await quota.locator('[data-field="utilization"]').textContent()).toBe('100%');
    expect(await quota.locator('rect.used').getAttribute('data-value')).toBe('9007199254740991');
    await done();
  }, 60_000);

  it('shows the refusal when the vendor counts past 2^53 − 1, and the other cards as usual', async () => {
    // Without a pace of its own the counter keeps the vendor's pace from 2^53 − 1: past it within seconds.
    await simAdmin(gateway, 'SHARPE', 'POST', '/__sim/usage', { quota: 'monthly_requests', used: MAX_SAFE, limit: MAX_SAFE });
    await eventually(
      async () => {
        const entry = (await postQuery(gateway, '{ accounts { provider { kind } error { code } account { stale staleReason { code } } } }')).body.data.accounts.find((item: any) => item.provider.kind === 'SHARPE');
        return entry.error?.code === 'UPSTREAM_BAD_RESPONSE' || entry.account?.staleReason?.code === 'UPSTREAM_BAD_RESPONSE';
      },
      { withinMs: 30_000, what: 'Sharpe refused past 2^53 − 1' },
    );
    const { page, done } = await overview();
    const card = page.getByTestId('vendor-card-SHARPE');
    await card.locator('[data-testid="vendor-error"], [data-testid="stale"]').first().waitFor();
    expect(await card.locator('[data-testid="vendor-error"], [data-testid="stale"]').first().textContent()).toContain('UPSTREAM_BAD_RESPONSE');
    // Never a rounded counter past 2^53 − 1.
    for (const text of await card.locator('[data-field="used"]').allTextContents()) expect(Number(countOf(text))).toBeLessThanOrEqual(MAX_SAFE);
    for (const kind of ['ARRAYS', 'ANYLAYER', 'FARADAY']) expect(await page.getByTestId(`vendor-card-${kind}`).getByTestId('vendor-error').count()).toBe(0);
    await done();
  }, 60_000);
});

describe('a failing vendor', () => {
  it('with Sharpe failing, its card shows the error or its stale value, and the other three render', async () => {
    await simAdmin(gateway, 'SHARPE', 'POST', '/__sim/usage', { quota: 'monthly_requests', used: 1000, limit: 1_000_000, perMinute: 0 });
    await eventually(async () => (await postQuery(gateway, SHARPE_QUOTA)).body.data?.account?.quotas[0]?.used === 1000, { withinMs: 20_000, what: 'Sharpe answering again' });
    await simAdmin(gateway, 'SHARPE', 'PUT', '/__sim/fault', { fault: { mode: 'status', status: 503 } });
    await eventually(async () => (await postQuery(gateway, SHARPE_QUOTA)).body.data?.account?.stale !== false, { withinMs: 20_000, what: 'Sharpe failing' });
    try {
      const { page, done } = await overview();
      const card = page.getByTestId('vendor-card-SHARPE');
      const trouble = card.locator('[data-testid="vendor-error"], [data-testid="stale"]').first();
      await trouble.waitFor();
      expect(await trouble.textContent()).toMatch(/UPSTREAM_UNAVAILABLE/);
      if ((await card.getByTestId('stale').count()) > 0) {
        // The stale value is the last good one.
        expect(countOf((await card.getByTestId('quota-monthly_requests').locator('[data-field="used"]').textContent()) ?? undefined)).toBe('1000');
      }
      for (const kind of ['ARRAYS', 'ANYLAYER', 'FARADAY']) {
        const other = page.getByTestId(`vendor-card-${kind}`);
        expect(await other.getByTestId('vendor-error').count()).toBe(0);
        expect(await other.locator('[data-field="fetchedAt"]').textContent()).toMatch(/^\d{4}-\d{2}-\d{2} /);
      }
      await done();
    } finally {
      await simAdmin(gateway, 'SHARPE', 'DELETE', '/__sim/fault');
    }
  }, 60_000);
});
