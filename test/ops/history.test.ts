import { afterEach, describe, expect, it } from 'vitest';
import { startDemoProcess, type DemoProcess } from '../support/demo-process.js';
import { eventually } from '../support/eventually.js';

let gateway: DemoProcess | undefined;
afterEach(async () => {
  if (gateway && gateway.child.exitCode === null) {
    gateway.child.kill('SIGKILL');
    await gateway.exited;
  }
  gateway = undefined;
});

async function metricsOf(process: DemoProcess): Promise<string> {
  return (await fetch(`${process.origin}/metrics`)).text();
}

function samplesCounted(metrics: string, vendor: string): number {
  const line = metrics.split('\n').find((text) => text.startsWith(`usage_gateway_history_samples_total{vendor="${vendor}"}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('usage history in a running demo', { timeout: 90_000 }, () => {
  it('leads from the start (/ready), samples one interval later with a week of past, and counts it in the metrics', async () => {
    gateway = await startDemoProcess();
    const started = gateway;
    const ready = (await (await fetch(`${started.origin}/ready`)).json()) as { components: Record<string, unknown> };
    expect(ready.components).toMatchObject({ history: 'ok', historyRole: 'leader' });
    // The first tick comes one demo interval (10 s) after the start; the bound only guards a stuck test.
    await eventually(async () => samplesCounted(await metricsOf(started), 'SHARPE') >= 1, { withinMs: 60_000, what: 'a Sharpe sample counted in /metrics' });
    const metrics = await metricsOf(started);
    expect(metrics).toContain('usage_gateway_history_up 1');
    expect(samplesCounted(metrics, 'FARADAY')).toBeGreaterThan(0);
    expect(started.stderr()).toContain('"intervalSeconds":10');
    expect(started.stderr()).toContain('demo history: seeded a plausible past');
  });

  it('HISTORY=0 opens no store: /ready says off and no history series is exported', async () => {
    gateway = await startDemoProcess({ HISTORY: '0' });
    const ready = (await (await fetch(`${gateway.origin}/ready`)).json()) as { status: string; components: Record<string, unknown> };
    expect(ready).toEqual({ status: 'ready', components: { config: 'ok', ledger: 'recovered', history: 'off', alerts: 'off', draining: false } });
    expect(await metricsOf(gateway)).not.toContain('usage_gateway_history');
  });
});
