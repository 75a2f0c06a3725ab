import { afterEach, describe, expect, it } from 'vitest';
import { postQuery, startDemoProcess, type DemoProcess } from '../support/demo-process.js';
import { subscribeSse } from '../support/sse.js';

/**
 * The demo's first alert, as a newcomer sees it: `npm start` in demo mode, a subscription opened
 * over SSE (GraphiQL's transport), and Sharpe's monthly quota crossing the default 80 % a few
 * readings later. Sampling is every 10 s (the shortest allowed) and the vendor cache 5 s, so the
 * first readings come quickly; the bound is generous for a loaded machine.
 */

let gateway: DemoProcess | null = null;
afterEach(async () => {
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
  gateway = null;
});

const SUBSCRIPTION = `subscription {
  alertEvents {
    firing { ruleId provider series }
    event { kind ruleId provider series threshold limit value }
  }
}`;

describe('demo mode', () => {
  it('shows an alert firing on a subscription within its first readings, and lists it as firing', async () => {
    gateway = await startDemoProcess({ HISTORY_SAMPLE_INTERVAL_SECONDS: '10', UPSTREAM_CACHE_TTL_SECONDS: '5' });
    const { response, events } = await subscribeSse(globalThis, SUBSCRIPTION, {}, gateway.url);
    expect(response.status).toBe(200);
    // The first message is the firing set, empty at the start.
    const first = await events.next();
    expect(first?.data?.alertEvents).toEqual({ firing: [], event: null });
    const fired = await Promise.race([
      events.next(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no alert within 120 s; gateway log:\n${gateway?.stderr()}`)), 120_000)),
    ]);
    expect(fired?.data?.alertEvents.event).toEqual({
      kind: 'FIRED',
      ruleId: 'utilization-80',
      provider: 'SHARPE',
      series: 'quota:monthly_requests',
      threshold: 80,
      limit: 100_000,
      value: expect.any(Number),
    });
    expect(fired?.data?.alertEvents.event.value).toBeGreaterThanOrEqual(80_000);
    await events.cancel();
    const firing = await postQuery(gateway, '{ firingAlerts { kind ruleId provider series } }');
    // The climb may also project exhaustion before the reset: that rule fires beside it.
    expect(firing.body.data?.firingAlerts).toContainEqual({ kind: 'FIRED', ruleId: 'utilization-80', provider: 'SHARPE', series: 'quota:monthly_requests' });
  }, 180_000);
});
