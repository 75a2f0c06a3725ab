import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/common/logger.js';
import { GatewayMetrics } from '../../src/observability/metrics.js';
import { VENDORS } from '../../src/providers/vendors.js';
import { GRAPHIQL_DEFAULT_QUERY } from '../../src/schema/graphiql-query.js';
import { startGateway, type RunningGateway } from '../../src/server.js';

const PROMTOOL = '/usr/bin/promtool';

/** Said in the test's name where `binary` is missing, so that a skip says why. */
function skipReason(binary: string): string {
  return existsSync(binary) ? '' : ` (skipped: ${binary} missing; install Debian's prometheus package)`;
}

/** Starts the demo gateway (simulated vendors, ledger in a temporary DATA_DIR) with `env` over it. */
async function startDemo(env: Record<string, string> = {}): Promise<{ gateway: RunningGateway; dispose(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-metrics-'));
  const config = loadConfig({ GATEWAY_DEMO: '1', PORT: '0', DATA_DIR: dataDir, ...env });
  const gateway = await startGateway(config, { logger: createLogger({ level: 'silent' }) });
  return {
    gateway,
    async dispose() {
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function overview(url: string): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: GRAPHIQL_DEFAULT_QUERY }) });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { data?: { accounts?: unknown[] } };
  expect(body.data?.accounts).toHaveLength(VENDORS.length);
}

/** A GET with a `Host` header of our choosing (fetch will not send one it did not derive). */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { host } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

/** Runs `command` with `input` on stdin; its exit code and output, killed after `timeoutMs`. */
function run(command: string, args: string[], input: string, timeoutMs = 10_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(input);
  });
}

describe('metrics on the public port', () => {
  let demo: Awaited<ReturnType<typeof startDemo>>;
  let exposition: string;

  beforeAll(async () => {
    demo = await startDemo();
    await overview(demo.gateway.url);
    const response = await fetch(demo.gateway.metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    exposition = await response.text();
  }, 30_000);
  afterAll(() => demo?.dispose());

  it('after one overview query, has a vendor-call series, a duration histogram and the gauges of every vendor', () => {
    for (const { id } of VENDORS) {
      expect(exposition).toMatch(new RegExp(`^usage_gateway_vendor_requests_total\\{vendor="${id}",outcome="success",status="200"\\} [1-9]`, 'm'));
      expect(exposition).toMatch(new RegExp(`^usage_gateway_vendor_request_duration_seconds_count\\{vendor="${id}",outcome="success"\\} [1-9]`, 'm'));
      expect(exposition).toMatch(new RegExp(`^usage_gateway_vendor_cache_requests_total\\{vendor="${id}",result="miss"\\} [1-9]`, 'm'));
      expect(exposition).toContain(`usage_gateway_vendor_breaker_state{vendor="${id}"} 0`);
      expect(exposition).toMatch(new RegExp(`^usage_gateway_vendor_rate_budget_remaining\\{vendor="${id}"\\} \\d`, 'm'));
    }
    expect(exposition).toMatch(/^usage_gateway_graphql_requests_total\{operation_name="Overview",operation_type="query"\} 1$/m);
    expect(exposition).toMatch(/^usage_gateway_graphql_request_duration_seconds_count\{operation_name="Overview",operation_type="query"\} 1$/m);
    expect(exposition).toMatch(/^usage_gateway_process_resident_memory_bytes \d/m);
    expect(exposition).toMatch(/^usage_gateway_ledger_commits_total \d/m);
  });

  it('counts a validation error by operation and code', async () => {
    const response = await fetch(demo.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query Broken { nope }' }) });
    expect(((await response.json()) as { errors?: unknown[] }).errors).toHaveLength(1);
    const text = await (await fetch(demo.gateway.metricsUrl)).text();
    expect(text).toContain('usage_gateway_graphql_errors_total{operation_name="Broken",code="GRAPHQL_VALIDATION_FAILED",phase="validate"} 1');
  });

  it('holds no vendor credential', () => {
    expect(exposition).not.toMatch(/sk_|api[_-]?key=|bearer/i);
  });

  it.skipIf(!existsSync(PROMTOOL))(`passes promtool check metrics${skipReason(PROMTOOL)}`, async () => {
    const { code, output } = await run(PROMTOOL, ['check', 'metrics'], exposition);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('answers /metrics whatever the Host, while /graphql refuses a foreign one', async () => {
    const graphql = new URL(demo.gateway.url);
    graphql.search = '?query=%7B__typename%7D';
    expect(await getWithHost(graphql.href, 'attacker.example')).toBe(403);
    expect(await getWithHost(demo.gateway.metricsUrl, 'attacker.example')).toBe(200);
  });
});

describe('METRICS_PORT', () => {
  it('serves /metrics on its own listener and not on the public port', async () => {
    const demo = await startDemo({ METRICS_PORT: '0' });
    try {
      const { url, metricsUrl } = demo.gateway;
      expect(new URL(metricsUrl).port).not.toBe(new URL(url).port);
      expect((await fetch(new URL('/metrics', url))).status).toBe(404);
      const response = await fetch(metricsUrl);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('usage_gateway_vendor_breaker_state');
      expect((await fetch(new URL('/graphql', metricsUrl))).status).toBe(404);
    } finally {
      await demo.dispose();
    }
  }, 30_000);
});

describe('caller rate-limit refusals', () => {
  it('are counted by caller, never by address, and /metrics itself is not limited', async () => {
    const demo = await startDemo({ CALLER_RATE_LIMIT_PER_MINUTE: '1' });
    try {
      const ask = () => fetch(demo.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
      expect((await ask()).status).toBe(200);
      expect((await ask()).status).toBe(429);
      for (let i = 0; i < 3; i += 1) expect((await fetch(demo.gateway.metricsUrl)).status).toBe(200);
      const text = await (await fetch(demo.gateway.metricsUrl)).text();
      expect(text).toContain('usage_gateway_caller_rate_limited_total{caller="anonymous"} 1');
      expect(text).not.toContain('127.0.0.1');
    } finally {
      await demo.dispose();
    }
  }, 30_000);
});

describe('label cardinality', () => {
  it('keeps the first distinct callers and counts the rest as other', async () => {
    const metrics = new GatewayMetrics({ maxLabelValues: 2, processMetrics: false });
    for (const name of ['a', 'b', 'c', 'd', 'a']) metrics.callerRefused({ kind: 'api-key', name, sub: null, scopes: new Set() } as never);
    const { body } = await metrics.exposition();
    expect(body).toContain('usage_gateway_caller_rate_limited_total{caller="api-key:a"} 2');
    expect(body).toContain('usage_gateway_caller_rate_limited_total{caller="api-key:b"} 1');
    expect(body).toContain('usage_gateway_caller_rate_limited_total{caller="other"} 2');
  });

  it('builds several gateways registries side by side', async () => {
    const first = new GatewayMetrics();
    const second = new GatewayMetrics();
    expect((await first.exposition()).body).toContain('usage_gateway_process_cpu_seconds_total');
    expect((await second.exposition()).body).toContain('usage_gateway_process_cpu_seconds_total');
  });
});
