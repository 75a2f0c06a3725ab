import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runLoad, type LoadResult } from '../../bench/lib/load.js';
import type { Service } from '../../bench/lib/processes.js';
import { medianRun, overheadPercent, shapeOf } from '../../bench/scenarios/edge-auth.js';

const run = (requestsPerSecond: number, p50: number): LoadResult => ({
  requestsPerSecond,
  cleanPerSecond: requestsPerSecond,
  errorAnswers: 0,
  latencyMs: { p50, p99: p50 * 2, mean: p50 },
  requests: requestsPerSecond,
  failures: 0,
  durationSeconds: 1,
  peakRssMiB: null,
});

describe('the edge-auth scenario', () => {
  const closers: (() => void)[] = [];
  afterEach(() => closers.splice(0).forEach((close) => close()));

  it('reports the median run whole and the throughput lost in percent', () => {
    const median = medianRun([run(900, 3), run(1000, 2), run(800, 4)]);
    expect(median.requestsPerSecond).toBe(900);
    expect(median.latencyMs.p50).toBe(3);
    expect(overheadPercent(1000, 920)).toBe(8);
    expect(overheadPercent(1000, 1050)).toBe(-5);
    expect(overheadPercent(0, 10)).toBeNaN();
  });

  it('compares overviews by providers, quota names and alert severities, not by the counters', () => {
    const overview = (used: number, quota = 'monthly_requests', error: unknown = null) =>
      JSON.stringify({ data: { accounts: [{ provider: { id: 'SHARPE' }, error, account: { quotas: [{ name: quota, used }], alerts: [{ severity: 'INFO' }] } }] } });
    expect(shapeOf(overview(10))).toBe(shapeOf(overview(11)));
    expect(shapeOf(overview(10))).not.toBe(shapeOf(overview(10, 'daily_requests')));
    expect(shapeOf(overview(10))).not.toBe(shapeOf(overview(10, 'monthly_requests', { code: 'UPSTREAM_RATE_LIMITED' })));
  });

  it('sends the next token on every request of a load run', async () => {
    const seen: string[] = [];
    const bodies = new Set<string>();
    const contentTypes = new Set<string>();
    const server = createServer((request, response) => {
      seen.push(request.headers.authorization ?? 'none');
      contentTypes.add(request.headers['content-type'] ?? 'none');
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        bodies.add(`${request.method} ${body}`);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{}}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => server.close());
    const target = { name: 'recorder', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, rssMiB: () => null } as unknown as Service;
    const tokens = ['a', 'b', 'c', 'd', 'e'];
    const result = await runLoad(target, { body: '{"query":"{ a }"}', connections: 2, durationSeconds: 20, amount: 50, headerSets: tokens.map((token) => ({ authorization: `Bearer ${token}` })) });
    expect(result.requests).toBe(50);
    expect(seen).toHaveLength(50);
    // The rest of the request as runLoad sends it without per-request headers.
    expect([...bodies]).toEqual(['POST {"query":"{ a }"}']);
    expect([...contentTypes]).toEqual(['application/json']);
    expect(new Set(seen)).toEqual(new Set(tokens.map((token) => `Bearer ${token}`)));
    // Each token as often as the others, give or take the last partial cycle: one per request, not one per connection.
    for (const token of tokens) expect(seen.filter((header) => header === `Bearer ${token}`).length).toBeGreaterThanOrEqual(9);
  });
});
