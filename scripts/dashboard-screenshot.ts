/**
 * Writes the README's picture of the dashboard: builds the dashboard, starts a demo gateway on a
 * free loopback port, opens the overview in Debian's headless Chromium (light theme, 1280×800),
 * waits for every vendor card, and saves the screenshot.
 *
 *   npm run dashboard:screenshot [-- --out <file.png>]
 *
 * Default output: docs/images/dashboard-overview.png. Nothing leaves this machine: the vendors are
 * the built-in simulators and the browser is /usr/bin/chromium.
 */

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { buildDashboard } from './build.mjs';
import { createLogger } from '../src/common/logger.js';
import { loadConfig } from '../src/config/index.js';
import { startGateway } from '../src/server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const VIEWPORT = { width: 1280, height: 800 };
const VENDOR_CARDS = 4;

const { values } = parseArgs({ options: { out: { type: 'string', default: join(ROOT, 'docs', 'images', 'dashboard-overview.png') } } });
const out = resolve(values.out!);

const work = mkdtempSync(join(tmpdir(), 'dashboard-screenshot-'));
const dashboardDir = join(work, 'dashboard');
try {
  await buildDashboard(dashboardDir);
  const config = loadConfig({ GATEWAY_DEMO: '1', HOST: '127.0.0.1', PORT: '0', DATA_DIR: join(work, 'data'), DASHBOARD_DIR: dashboardDir, LOG_FORMAT: 'json' });
  const gateway = await startGateway(config, { logger: createLogger({ level: 'warn' }) });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container: Chromium's sandbox needs user namespaces it may not have. /dev/shm is small there.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--no-default-browser-check'],
  });
  try {
    const context = await browser.newContext({ viewport: VIEWPORT, colorScheme: 'light', deviceScaleFactor: 1, reducedMotion: 'reduce' });
    const page = await context.newPage();
    await page.goto(new URL('/dashboard/', gateway.url).href);
    await page.waitForFunction((cards) => document.querySelectorAll('[data-testid^="vendor-card-"]').length === cards, VENDOR_CARDS, { timeout: 60_000 });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="loading"]').length === 0, undefined, { timeout: 60_000 });
    // The picture should show a forecast band: the demo samples every 10 s and forecasts from the
    // second sample on, so reload until one is drawn (or take the picture without it after a minute).
    for (let attempt = 0; attempt < 12 && (await page.locator('[data-testid="forecast-band"]').count()) === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      await page.reload();
      await page.waitForFunction((cards) => document.querySelectorAll('[data-testid^="vendor-card-"]').length === cards, VENDOR_CARDS, { timeout: 60_000 });
    }
    mkdirSync(dirname(out), { recursive: true });
    await page.screenshot({ path: out, type: 'png' });
    await context.close();
  } finally {
    await browser.close();
    await gateway.close();
  }
  process.stdout.write(`${out}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
