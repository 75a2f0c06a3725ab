import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { postQuery, simAdmin, startDemoProcess, type DemoProcess } from '../support/demo-process.js';

let gateway: DemoProcess | undefined;
afterEach(async () => {
  if (gateway && gateway.child.exitCode === null) {
    gateway.child.kill('SIGKILL');
    await gateway.exited;
  }
  gateway = undefined;
});

describe('/health and /ready', () => {
  it('are 200 in demo mode after start, naming each component, whatever the Host and without credentials', async () => {
    gateway = await startDemoProcess({ AUTH_DEMO: '1', CALLER_RATE_LIMIT_PER_MINUTE: '1' });
    expect((await fetch(`${gateway.origin}/health`)).status).toBe(200);
    for (let i = 0; i < 3; i += 1) {
      // A foreign Host, no token, no CSRF header, over the caller rate limit: a probe passes all of it.
      const ready = await fetch(`${gateway.origin}/ready`, { headers: { host: 'probe.internal' } });
      expect(ready.status).toBe(200);
      expect(ready.headers.get('content-type')).toContain('application/json');
      expect(await ready.json()).toEqual({
        status: 'ready',
        components: {
          config: 'ok',
          ledger: 'recovered',
          history: 'ok',
          historyRole: 'leader',
          alerts: 'ok',
          alertRules: 'default',
          alertsLastEvaluation: 'never',
          draining: false,
        },
      });
    }
    // The same request on /graphql meets the rules /ready is exempt from.
    expect((await postQuery(gateway, '{ __typename }')).status).toBe(401);
  });

  it('turns 503 on SIGTERM while a request in flight still completes, then the process exits 0', async () => {
    // Without the history sampler, whose Sharpe reads would count as the query's below.
    gateway = await startDemoProcess({ HISTORY: '0' });
    const started = gateway;
    await simAdmin(started, 'SHARPE', 'PUT', '/__sim/fault', { fault: { mode: 'latency', ms: 1500 } });
    const inFlight = postQuery(started, '{ account(provider: SHARPE) { fetchedAt } }');
    await eventually(async () => (await simAdmin(started, 'SHARPE', 'GET', '/__sim/hits')).total >= 1, { withinMs: 10_000 });

    started.child.kill('SIGTERM');
    await eventually(async () => (await fetch(`${started.origin}/ready`)).status === 503, { withinMs: 10_000 });
    const ready = await fetch(`${started.origin}/ready`);
    expect(await ready.json()).toEqual({ status: 'not-ready', components: { config: 'ok', ledger: 'recovered', history: 'off', alerts: 'off', draining: true } });
    // Still held by the simulator: the drain waits for it.
    expect(started.child.exitCode).toBeNull();

    const response = await inFlight;
    expect(response.status).toBe(200);
    const body = response.body as any;
    expect(body.errors).toBeUndefined();
    expect(body.data.account.fetchedAt).toBeTruthy();
    expect(await started.exited).toBe(0);
    expect(started.stderr()).toContain('SIGTERM: shutting down');
  });
});
