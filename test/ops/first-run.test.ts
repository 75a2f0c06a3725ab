import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/common/logger.js';
import { loadConfig } from '../../src/config/index.js';
import { startGateway, type RunningGateway } from '../../src/server.js';
import { bundled } from '../support/bundle.js';

/** What a person sees on `npm start`: a banner at a terminal, JSON otherwise, and a root path that leads somewhere. */

// A built dashboard, so that what is tested does not depend on whether this checkout ran `npm run build`.
const dashboardDir = mkdtempSync(join(tmpdir(), 'gateway-first-run-dashboard-'));
writeFileSync(join(dashboardDir, 'index.html'), '<!doctype html><title>Usage dashboard</title>');
afterAll(() => rmSync(dashboardDir, { recursive: true, force: true }));

let running: { gateway: RunningGateway; dataDir: string } | undefined;
afterEach(async () => {
  if (running) {
    await running.gateway.close();
    rmSync(running.dataDir, { recursive: true, force: true });
  }
  running = undefined;
});

async function start(env: Record<string, string>, stderrIsTerminal: boolean) {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-first-run-'));
  const lines: string[] = [];
  const banners: string[] = [];
  const config = loadConfig({ GATEWAY_DEMO: '1', PORT: '0', DATA_DIR: dataDir, DASHBOARD_DIR: dashboardDir, ...env });
  const gateway = await startGateway(config, {
    logger: createLogger({ write: (line) => lines.push(line) }),
    stderrIsTerminal,
    writeBanner: (text) => banners.push(text),
  });
  running = { gateway, dataDir };
  return { gateway, lines, banners };
}

describe('the first run', () => {
  it('at a terminal (LOG_FORMAT=auto), prints the banner once with the URLs', async () => {
    const { gateway, banners } = await start({}, true);
    expect(banners).toHaveLength(1);
    const origin = new URL(gateway.url).origin;
    expect(banners[0]).toContain(`Dashboard  ${origin}/dashboard/`);
    expect(banners[0]).toContain(`GraphiQL   ${gateway.url}`);
    expect(banners[0]).toContain(`${origin}/metrics`);
    expect(banners[0]).toContain(`${origin}/ready`);
    expect(banners[0]).toContain(`${origin}/health`);
  });

  it('not at a terminal, or with LOG_FORMAT=json, prints no banner; the listening line carries the URLs', async () => {
    for (const [env, terminal] of [[{}, false], [{ LOG_FORMAT: 'json' }, true]] as const) {
      const { gateway, lines, banners } = await start(env, terminal);
      expect(banners).toEqual([]);
      const listening = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.message === 'gateway listening')!;
      const origin = new URL(gateway.url).origin;
      expect(listening.endpoints).toEqual({ graphql: gateway.url, graphiql: gateway.url, dashboard: `${origin}/dashboard/`, metrics: `${origin}/metrics`, ready: `${origin}/ready`, live: `${origin}/health` });
      await running!.gateway.close();
      rmSync(running!.dataDir, { recursive: true, force: true });
      running = undefined;
    }
  });

  it('LOG_FORMAT=pretty prints the banner even when stderr is not a terminal', async () => {
    const { banners } = await start({ LOG_FORMAT: 'pretty' }, false);
    expect(banners).toHaveLength(1);
  });

  it('with DASHBOARD=0: no dashboard in the banner or the listening line, and a browser at / goes to GraphiQL', async () => {
    const { gateway, lines, banners } = await start({ DASHBOARD: '0' }, true);
    expect(banners[0]).not.toContain('Dashboard');
    const listening = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.message === 'gateway listening')!;
    expect((listening.endpoints as Record<string, unknown>).dashboard).toBeNull();
    const origin = new URL(gateway.url).origin;
    const browser = await fetch(`${origin}/`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(new URL(browser.headers.get('location')!, origin).href).toBe(gateway.url);
    expect((await fetch(`${origin}/dashboard/`)).status).toBe(404);
  });

  it('GET / over HTTP: a browser is redirected to the dashboard, curl reads the endpoints', async () => {
    const { gateway } = await start({}, false);
    const origin = new URL(gateway.url).origin;
    const browser = await fetch(`${origin}/`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(browser.status).toBe(302);
    expect(new URL(browser.headers.get('location')!, origin).href).toBe(`${origin}/dashboard/`);
    expect((await fetch(`${origin}/dashboard/`)).status).toBe(200);
    const curl = await fetch(`${origin}/`, { headers: { accept: '*/*' } });
    expect(curl.status).toBe(200);
    expect(((await curl.json()) as { endpoints: { graphql: string } }).endpoints.graphql).toBe('/graphql');
    // The Host check of a loopback bind applies to / as to /graphql.
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${origin}/`, { headers: { host: 'rebound.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('as `npm start` runs it with LOG_FORMAT=pretty: readable lines, the banner, and a readable shutdown line; no JSON', { timeout: 60_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gateway-first-run-'));
    const root = fileURLToPath(new URL('../..', import.meta.url));
    // Plain node on the bundled gateway, as `npm start` runs dist/main.js.
    const child = spawn(process.execPath, [await bundled('src/main.ts')], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', DATA_DIR: dataDir, GATEWAY_DEMO: '1', LOG_FORMAT: 'pretty' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner within 45 s:\n${stderr}`)), 45_000);
        child.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (stderr.includes('Ctrl-C stops it.')) {
            clearTimeout(timer);
            resolve();
          }
        });
        void exited.then((code) => reject(new Error(`exited with ${code}:\n${stderr}`)));
      });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
    const lines = stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines.filter((line) => line.startsWith('{'))).toEqual([]);
    expect(stderr).toMatch(/^INFO {2}\d\d:\d\d:\d\d\.\d{3} gateway listening url=http:\/\/127\.0\.0\.1:\d+\/graphql /m);
    expect(stderr).toMatch(/^ {2}GraphiQL +http:\/\/127\.0\.0\.1:\d+\/graphql/m);
    expect(stderr).toMatch(/^INFO {2}\d\d:\d\d:\d\d\.\d{3} SIGTERM: shutting down$/m);
  });
});
