import { describe, expect, it } from 'vitest';
import { gatewayEndpoints, startBanner } from '../../src/common/start-banner.js';

describe('the start banner', () => {
  const graphql = 'http://127.0.0.1:4000/graphql';

  it('lists GraphiQL, GraphQL, metrics and both probes as absolute URLs', () => {
    const endpoints = gatewayEndpoints(graphql, 'http://127.0.0.1:4000/metrics', true);
    expect(endpoints).toEqual({
      graphql,
      graphiql: graphql,
      dashboard: null,
      metrics: 'http://127.0.0.1:4000/metrics',
      ready: 'http://127.0.0.1:4000/ready',
      live: 'http://127.0.0.1:4000/health',
    });
    const banner = startBanner(endpoints, { demo: true });
    expect(banner).toContain('demo mode');
    expect(banner).toMatch(/GraphiQL +http:\/\/127\.0\.0\.1:4000\/graphql +\(open in a browser\)/);
    expect(banner).toMatch(/Metrics +http:\/\/127\.0\.0\.1:4000\/metrics\n/);
    expect(banner).toMatch(/Ready +http:\/\/127\.0\.0\.1:4000\/ready\n/);
    expect(banner).toMatch(/Live +http:\/\/127\.0\.0\.1:4000\/health\n/);
    expect(banner.endsWith('\n')).toBe(true);
  });

  it('names the dashboard first when one is served', () => {
    const endpoints = gatewayEndpoints(graphql, 'http://127.0.0.1:4000/metrics', true, '/dashboard/');
    expect(endpoints.dashboard).toBe('http://127.0.0.1:4000/dashboard/');
    const banner = startBanner(endpoints, { demo: true });
    expect(banner).toMatch(/\n {2}Dashboard +http:\/\/127\.0\.0\.1:4000\/dashboard\/ +\(open in a browser\)\n {2}GraphiQL/);
  });

  it('leaves GraphiQL out when it is off, and names a separate metrics port', () => {
    const banner = startBanner(gatewayEndpoints(graphql, 'http://127.0.0.1:9464/metrics', false), { demo: false });
    expect(banner).not.toContain('GraphiQL');
    expect(banner).not.toContain('demo mode');
    expect(banner).toContain('http://127.0.0.1:9464/metrics');
  });
});
