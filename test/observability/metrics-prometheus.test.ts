import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/common/logger.js';
import { VENDORS } from '../../src/providers/vendors.js';
import { GRAPHIQL_DEFAULT_QUERY } from '../../src/schema/graphiql-query.js';
import { startGateway } from '../../src/server.js';
import { freePort } from '../support/free-port.js';

const PROMETHEUS = '/usr/bin/prometheus';
const SKIP_REASON = existsSync(PROMETHEUS) ? '' : ` (skipped: ${PROMETHEUS} missing; install Debian's prometheus package)`;

/** Stops `child` with SIGTERM, SIGKILL after `graceMs`. */
async function stop(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

describe('a real Prometheus server', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it.skipIf(!existsSync(PROMETHEUS))(`scrapes the gateway and answers a vendor-call series through its HTTP API${SKIP_REASON}`, async () => {
    const work = mkdtempSync(join(tmpdir(), 'gateway-prometheus-'));
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
    const config = loadConfig({ GATEWAY_DEMO: '1', PORT: '0', METRICS_PORT: '0', DATA_DIR: join(work, 'data') });
    const gateway = await startGateway(config, { logger: createLogger({ level: 'silent' }) });
    cleanups.push(() => gateway.close());
    const answered = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: GRAPHIQL_DEFAULT_QUERY }) });
    expect(answered.status).toBe(200);

    const target = new URL(gateway.metricsUrl);
    const configFile = join(work, 'prometheus.yml');
    writeFileSync(
      configFile,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: usage_gateway',
        `    metrics_path: ${target.pathname}`,
        '    static_configs:',
        `      - targets: ['${target.host}']`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    let output = '';
    const prometheus = spawn(
      PROMETHEUS,
      [`--config.file=${configFile}`, `--storage.tsdb.path=${join(work, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    prometheus.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    cleanups.push(() => stop(prometheus));

    const query = `usage_gateway_vendor_requests_total{job="usage_gateway",outcome="success"}`;
    const api = `http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(query)}`;
    const deadline = Date.now() + 30_000;
    let vendors: string[] = [];
    while (Date.now() < deadline && vendors.length < VENDORS.length) {
      if (prometheus.exitCode !== null) throw new Error(`prometheus exited with ${prometheus.exitCode}:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      const response = await fetch(api).catch(() => null);
      if (response?.status !== 200) continue;
      const body = (await response.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      vendors = [...new Set(body.data.result.filter((series) => Number(series.value[1]) > 0).map((series) => series.metric.vendor!))].sort();
    }
    expect(vendors, `Prometheus did not return the series within 30 s:\n${output.slice(-2000)}`).toEqual(VENDORS.map((vendor) => vendor.id).sort());
    await stop(prometheus);
  }, 60_000);
});
