import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { untilLogLine } from '../support/processes.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const work = mkdtempSync(join(tmpdir(), 'gateway-prod-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of the tracked files only: what a fresh clone has, no node_modules, no dist/. */
async function cloneTrackedFiles(to: string): Promise<void> {
  const { stdout } = await run('git', ['ls-files', '-z'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  for (const file of stdout.split('\0').filter(Boolean)) {
    // A file deleted in the working tree but not yet in the index is not part of the checkout.
    if (!existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(to, file));
  }
}

async function npm(args: string[], cwd: string): Promise<void> {
  // A registry that cannot be reached fails here, on purpose: the sequence is what we ship.
  await run(NPM, args, { cwd, env: { ...process.env, npm_config_update_notifier: 'false' }, maxBuffer: 64 * 1024 * 1024 });
}

describe('the production sequence (npm ci && npm run build && npm prune --omit=dev && node dist/main.js)', () => {
  it('serves the demo from a pruned install of a fresh copy', { timeout: 300_000 }, async () => {
    const repo = join(work, 'repo');
    await cloneTrackedFiles(repo);
    await npm(['ci', '--no-audit', '--no-fund'], repo);
    await npm(['run', 'build'], repo);
    await npm(['prune', '--omit=dev', '--no-audit', '--no-fund'], repo);
    // The point of pruning: none of the development tools is left to be loaded by accident.
    for (const tool of ['tsx', 'esbuild', 'vitest', 'typescript']) {
      expect(existsSync(join(repo, 'node_modules', tool)), tool).toBe(false);
    }

    const dataDir = join(work, 'data');
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: repo,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const started = await untilLogLine(child);
      const url = String(started.line.url);
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ providers { id simulated } }' }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as any;
      expect(body.errors).toBeUndefined();
      expect(body.data.providers.map((p: any) => [p.id, p.simulated])).toEqual([
        ['ARRAYS', true],
        ['ANYLAYER', true],
        ['SHARPE', true],
        ['FARADAY', true],
      ]);
      // GraphiQL's renderer is imported lazily: it must be there in a pruned install too.
      const page = await fetch(url, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('GraphiQL');
      // The dashboard built by `npm run build` is served from dist/dashboard, its script with it.
      const origin = new URL(url).origin;
      const dashboard = await fetch(`${origin}/dashboard/`);
      expect(dashboard.status).toBe(200);
      expect(dashboard.headers.get('content-security-policy')).toContain("default-src 'self'");
      const script = /src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(await dashboard.text())?.[1];
      expect(script).toBeDefined();
      const asset = await fetch(`${origin}${script}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(started.lines().some((line) => String(line.message).startsWith('the dashboard is not built'))).toBe(false);

      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code, started.stderr()).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
