import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/common/logger.js';
import { hostRule } from '../../src/edge/browser-rules.js';
import { createGateway, type GatewayDeps } from '../../src/gateway.js';
import { GatewayMetrics } from '../../src/observability/metrics.js';
import { startHarness, type Harness } from '../support/harness.js';

/** `GET /`: a browser goes to the dashboard (GraphiQL without one), anything else reads where the endpoints are. */
describe('the root path', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness.close();
  });

  const gateway = (deps: Partial<GatewayDeps> = {}) =>
    createGateway({ registry: harness.registry, logger: createLogger({ level: 'silent' }), metrics: new GatewayMetrics(), ...deps });
  const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

  it('redirects a browser to GraphiQL when no dashboard is served', async () => {
    const response = await gateway().fetch('http://127.0.0.1:4000/', { headers: { accept: BROWSER_ACCEPT }, redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/graphql');
    // Where it leads is GraphiQL itself.
    const graphiql = await gateway().fetch('http://127.0.0.1:4000/graphql', { headers: { accept: BROWSER_ACCEPT } });
    expect(graphiql.status).toBe(200);
    expect(await graphiql.text()).toContain('<title>Usage gateway</title>');
  });

  it('lists the endpoints as JSON for anything else (curl, a script)', async () => {
    const response = await gateway().fetch('http://127.0.0.1:4000/', { headers: { accept: '*/*' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual({
      service: 'usage-gateway',
      endpoints: { graphql: '/graphql', dashboard: null, ready: '/ready', live: '/health', metrics: '/metrics' },
    });
  });

  it('answers HEAD with the same status and no body', async () => {
    const response = await gateway().fetch('http://127.0.0.1:4000/', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    const browser = await gateway().fetch('http://127.0.0.1:4000/', { method: 'HEAD', headers: { accept: BROWSER_ACCEPT }, redirect: 'manual' });
    expect(browser.status).toBe(302);
  });

  it('sends no browser to a GraphiQL that is off, and lists no metrics served elsewhere', async () => {
    const response = await gateway({ graphiql: false, metricsEndpoint: false }).fetch('http://127.0.0.1:4000/', { headers: { accept: BROWSER_ACCEPT }, redirect: 'manual' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { endpoints: unknown }).endpoints).toEqual({ graphql: '/graphql', dashboard: null, ready: '/ready', live: '/health', metrics: null });
  });

  it('keeps the Host check: a foreign Host gets 403 HOST_NOT_ALLOWED, not the index', async () => {
    const yoga = gateway({ edge: { allowsHost: hostRule(null, true) } });
    for (const accept of ['*/*', BROWSER_ACCEPT]) {
      const refused = await yoga.fetch('http://127.0.0.1:4000/', { headers: { host: 'attacker.example', accept }, redirect: 'manual' });
      expect(refused.status).toBe(403);
      expect(JSON.stringify(await refused.json())).toContain('HOST_NOT_ALLOWED');
    }
    expect((await yoga.fetch('http://127.0.0.1:4000/', { headers: { host: '127.0.0.1:4000' } })).status).toBe(200);
  });

  describe('with a built dashboard', () => {
    const dir = mkdtempSync(join(tmpdir(), 'root-index-dashboard-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Usage dashboard</title>');
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('redirects a browser to the dashboard, and lists it in the index', async () => {
      const yoga = gateway({ dashboardDir: dir });
      const response = await yoga.fetch('http://127.0.0.1:4000/', { headers: { accept: BROWSER_ACCEPT }, redirect: 'manual' });
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe('/dashboard/');
      expect((await yoga.fetch('http://127.0.0.1:4000/dashboard/', { headers: { accept: BROWSER_ACCEPT } })).status).toBe(200);
      const index = await yoga.fetch('http://127.0.0.1:4000/', { headers: { accept: '*/*' } });
      expect(((await index.json()) as { endpoints: unknown }).endpoints).toEqual({ graphql: '/graphql', dashboard: '/dashboard/', ready: '/ready', live: '/health', metrics: '/metrics' });
    });

    it('even with GraphiQL off', async () => {
      const response = await gateway({ dashboardDir: dir, graphiql: false }).fetch('http://127.0.0.1:4000/', { headers: { accept: BROWSER_ACCEPT }, redirect: 'manual' });
      expect(response.headers.get('location')).toBe('/dashboard/');
    });

    it('GraphiQL links to the dashboard from its logo; without a dashboard it does not', async () => {
      const withDashboard = await (await gateway({ dashboardDir: dir }).fetch('http://127.0.0.1:4000/graphql', { headers: { accept: BROWSER_ACCEPT } })).text();
      expect(withDashboard).toContain('<title>Usage gateway</title>');
      expect(withDashboard).toContain('"logo":"<a href=\\"/dashboard/\\"');
      const without = await (await gateway().fetch('http://127.0.0.1:4000/graphql', { headers: { accept: BROWSER_ACCEPT } })).text();
      expect(without).not.toContain('/dashboard/');
    });

    it('a dashboard that is not built is not where a browser goes', async () => {
      const response = await gateway({ dashboardDir: join(dir, 'missing') }).fetch('http://127.0.0.1:4000/', { headers: { accept: BROWSER_ACCEPT }, redirect: 'manual' });
      expect(response.headers.get('location')).toBe('/graphql');
    });
  });

  it('answers other methods and paths as before', async () => {
    expect((await gateway().fetch('http://127.0.0.1:4000/', { method: 'POST' })).status).toBe(404);
    expect((await gateway().fetch('http://127.0.0.1:4000/elsewhere')).status).toBe(404);
  });
});
