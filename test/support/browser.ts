import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDashboard } from '../../scripts/build.mjs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);

/** Debian's Chromium, which `.ci/run` installs when missing; never a browser download. */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless Chromium for one test file; close it in `afterAll`. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container: Chromium's sandbox needs user namespaces it may not have. /dev/shm is small there.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--no-default-browser-check'],
  });
}

let dashboard: Promise<string> | null = null;

/**
 * The dashboard built from `dashboard/` (as `npm run build` builds it) into a temporary folder, once
 * per test file; serve it with `DASHBOARD_DIR`. The folder goes when the test process exits.
 */
export function builtDashboard(): Promise<string> {
  dashboard ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-test-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    await buildDashboard(dir);
    return dir;
  })();
  return dashboard;
}

/** What a page did besides rendering: every request, those to another origin, CSP violations, console errors. */
export interface PageWatch {
  requests: string[];
  foreignRequests: string[];
  cspViolations: string[];
  consoleErrors: string[];
}

/**
 * Watches `context`'s pages: each request's URL (a request to any origin but `origin` is foreign),
 * every `securitypolicyviolation` event (recorded by a script Chromium injects before the page's
 * own, which the CSP does not govern), and console errors.
 */
export async function watchContext(context: BrowserContext, origin: string): Promise<PageWatch> {
  const watch: PageWatch = { requests: [], foreignRequests: [], cspViolations: [], consoleErrors: [] };
  context.on('request', (request) => {
    const url = request.url();
    watch.requests.push(url);
    if (!url.startsWith(`${origin}/`) && !url.startsWith('blob:') && !url.startsWith('data:')) watch.foreignRequests.push(url);
  });
  await context.exposeBinding('__reportCspViolation', (_source, text: string) => {
    watch.cspViolations.push(text);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as unknown as { __reportCspViolation(text: string): void }).__reportCspViolation(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  context.on('page', (page) => watchConsole(page, watch));
  return watch;
}

function watchConsole(page: Page, watch: PageWatch): void {
  page.on('console', (message) => {
    if (message.type() === 'error') watch.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => watch.consoleErrors.push(String(error)));
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** One accessibility violation axe-core found. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * axe-core's violations of serious or critical impact on the page as it is now (WCAG 2.x A and AA
 * rules). axe is evaluated through the DevTools protocol, which the page's CSP does not govern.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] });
    return result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, help: violation.help, targets: violation.nodes.map((node) => node.target.join(' ')) }));
  });
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}
