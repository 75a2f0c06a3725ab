import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtDashboard, launchBrowser, watchContext } from '../support/browser.js';
import { startDemoProcess, type DemoProcess } from '../support/demo-process.js';
import { eventually } from '../support/eventually.js';

/**
 * A deployment that runs only trusted documents (`PERSISTED_OPERATIONS=only` with its own manifest
 * file) still serves the dashboard, whose documents the gateway trusts from its build, while a
 * document of the caller's own is refused and the file's manifest still reloads.
 */
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const PROVIDERS = 'query Providers { providers { id } }';
const PLAN = 'query Plan { account(provider: SHARPE) { plan { tier } } }';

let gateway: DemoProcess;
let browser: Browser;
let dashboard: string;
const work = mkdtempSync(join(tmpdir(), 'persisted-only-'));
const manifest = join(work, 'persisted-operations.json');

beforeAll(async () => {
  writeFileSync(manifest, JSON.stringify({ [sha256(PROVIDERS)]: PROVIDERS }));
  const [dir, launched] = await Promise.all([builtDashboard(), launchBrowser()]);
  dashboard = dir;
  browser = launched;
  gateway = await startDemoProcess({ DASHBOARD_DIR: dir, PERSISTED_OPERATIONS: 'only', PERSISTED_OPERATIONS_FILE: manifest });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
  rmSync(work, { recursive: true, force: true });
});

const post = async (body: unknown) => {
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: Array<{ extensions?: { code?: string } }> } };
};

describe('the dashboard with PERSISTED_OPERATIONS=only', () => {
  it('renders the overview in Chromium, every request by id, with no CSP violation', async () => {
    const context = await browser.newContext();
    const watch = await watchContext(context, gateway.origin);
    const bodies: string[] = [];
    context.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/graphql')) bodies.push(request.postData() ?? '');
    });
    const page = await context.newPage();
    await page.goto(`${gateway.origin}/dashboard/`);
    await page.getByTestId('vendor-card-SHARPE').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid^="vendor-card-"]').count()).toBe(4);
    expect(await page.getByTestId('failure').count()).toBe(0);
    expect(bodies.length).toBeGreaterThan(0);
    for (const body of bodies) {
      const sent = JSON.parse(body) as Record<string, unknown>;
      expect(sent.documentId).toMatch(/^[0-9a-f]{64}$/);
      expect(sent.query).toBeUndefined();
    }
    expect(watch.cspViolations).toEqual([]);
    expect(watch.foreignRequests).toEqual([]);
    expect(watch.consoleErrors).toEqual([]);
    await context.close();
  });

  it("refuses a document of the caller's own, and serves the file's and the dashboard's by id", async () => {
    const own = await post({ query: '{ providers { id } }' });
    expect(own.status).toBe(400);
    expect(own.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');
    const fromFile = await post({ documentId: sha256(PROVIDERS) });
    expect(fromFile.status).toBe(200);
    expect(fromFile.body.data.providers).toHaveLength(4);
    const dashboardIds = Object.keys(JSON.parse(readFileSync(join(dashboard, 'persisted-documents.json'), 'utf8')) as Record<string, string>);
    expect(dashboardIds.length).toBeGreaterThan(0);
    for (const id of dashboardIds) {
      const answer = await post({ documentId: id, variables: {} });
      expect(answer.body.errors?.map((error) => error.extensions?.code) ?? []).not.toContain('PERSISTED_QUERY_NOT_FOUND');
    }
  });

  it("reloads the file's manifest beside the dashboard's documents, which stay trusted", async () => {
    writeFileSync(manifest, JSON.stringify({ [sha256(PLAN)]: PLAN }));
    gateway.child.kill('SIGHUP');
    await eventually(async () => Boolean((await post({ documentId: sha256(PLAN) })).body.data?.account?.plan), { what: 'the reloaded manifest' });
    expect((await post({ documentId: sha256(PROVIDERS) })).body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${gateway.origin}/dashboard/`);
    await page.getByTestId('vendor-card-FARADAY').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid^="vendor-card-"]').count()).toBe(4);
    await context.close();
  });
});
