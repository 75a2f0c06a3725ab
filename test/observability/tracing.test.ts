import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxyTracer, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/common/logger.js';
import { startGateway, type RunningGateway } from '../../src/server.js';
import { eventually } from '../support/eventually.js';

/** A span as OTLP/HTTP JSON carries it, its attributes flattened. */
interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  status: { code?: number } | undefined;
  serviceName: string | undefined;
}

/** OTLP's SpanKind numbers (SPAN_KIND_INTERNAL = 1, …). */
const KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
}

function flatten(attributes: { key: string; value: OtlpValue }[] | undefined): Record<string, string | number | boolean> {
  const flat: Record<string, string | number | boolean> = {};
  for (const { key, value } of attributes ?? []) {
    flat[key] = value.stringValue ?? (value.intValue === undefined ? undefined : Number(value.intValue)) ?? value.boolValue ?? value.doubleValue ?? '';
  }
  return flat;
}

/** A loopback OTLP/HTTP collector keeping every span POSTed to /v1/traces. */
async function startReceiver(): Promise<{ server: Server; endpoint: string; spans: ReceivedSpan[]; posts: () => number }> {
  const spans: ReceivedSpan[] = [];
  let posts = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      posts += 1;
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !String(req.headers['content-type']).includes('application/json')) {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as any;
      for (const resourceSpans of body.resourceSpans ?? []) {
        const serviceName = flatten(resourceSpans.resource?.attributes)['service.name'] as string | undefined;
        for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
          for (const span of scopeSpans.spans ?? []) {
            spans.push({
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId || undefined,
              name: span.name,
              kind: span.kind,
              attributes: flatten(span.attributes),
              status: span.status,
              serviceName,
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, endpoint: `http://127.0.0.1:${port}`, spans, posts: () => posts };
}

/** The accounts part of GraphiQL's default query: cold, five vendor calls (Faraday's account takes two). */
const OVERVIEW = 'query Overview { accounts { provider { id } account { fetchedAt } } }';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';

describe('OpenTelemetry tracing', () => {
  let running: RunningGateway | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await running?.close();
    await new Promise((resolve) => receiver?.server.close(resolve) ?? resolve(undefined));
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    running = receiver = dataDir = undefined;
    vi.restoreAllMocks();
  });

  async function start(env: Record<string, string>): Promise<RunningGateway> {
    dataDir = await mkdtemp(join(tmpdir(), 'tracing-'));
    running = await startGateway(loadConfig({ GATEWAY_DEMO: '1', PORT: '0', DATA_DIR: dataDir, ...env }), { logger: createLogger({ level: 'silent' }) });
    return running;
  }

  async function overview(url: string): Promise<any> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01` },
      body: JSON.stringify({ query: OVERVIEW }),
    });
    expect(response.status).toBe(200);
    return response.json();
  }

  it("exports one overview query as one trace under the caller's traceparent, with a span per vendor call", async () => {
    receiver = await startReceiver();
    const gateway = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_SERVICE_NAME: 'gateway-under-test' });
    const body = await overview(gateway.url);
    expect(body.errors).toBeUndefined();
    const vendorCalls = body.extensions.cost.vendorCalls.actual as number;
    expect(vendorCalls).toBe(5);

    const spans = receiver.spans;
    const inTrace = () => spans.filter((span) => span.traceId === TRACE_ID);
    await eventually(() => inTrace().filter((span) => span.kind === KIND.CLIENT).length >= vendorCalls && inTrace().some((span) => span.kind === KIND.SERVER), { withinMs: 15_000, everyMs: 50 });
    const ours = inTrace();
    expect(ours.every((span) => span.serviceName === 'gateway-under-test')).toBe(true);

    const requests = ours.filter((span) => span.kind === KIND.SERVER);
    expect(requests).toHaveLength(1);
    const request = requests[0]!;
    expect(request).toMatchObject({ name: 'POST /graphql', parentSpanId: PARENT_SPAN_ID });
    expect(request.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/graphql', 'url.path': '/graphql', 'http.response.status_code': 200 });

    const operations = ours.filter((span) => span.parentSpanId === request.spanId);
    expect(operations.map((span) => span.name)).toEqual(['query Overview']);
    const operation = operations[0]!;
    expect(operation.attributes).toMatchObject({ 'graphql.operation.type': 'query', 'graphql.operation.name': 'Overview' });

    // Each vendor call: a span under the operation saying how the cache answered, with the attempt it sent under it.
    const calls = ours.filter((span) => span.name.startsWith('vendor '));
    expect(calls.every((span) => span.parentSpanId === operation.spanId)).toBe(true);
    expect(calls.every((span) => span.attributes['gateway.cache.result'] === 'miss')).toBe(true);
    const attempts = ours.filter((span) => span.kind === KIND.CLIENT);
    expect(attempts).toHaveLength(vendorCalls);
    const perVendor: Record<string, number> = {};
    for (const attempt of attempts) {
      const call = calls.find((span) => span.spanId === attempt.parentSpanId);
      expect(call, `the call span of ${attempt.name}`).toBeDefined();
      expect(call!.attributes['gateway.vendor']).toBe(attempt.attributes['gateway.vendor']);
      expect(attempt.name).toBe(`GET ${String(attempt.attributes['gateway.vendor'])}`);
      expect(attempt.attributes).toMatchObject({
        'http.request.method': 'GET',
        'http.response.status_code': 200,
        'gateway.vendor.attempt': 1,
        'gateway.vendor.retry_wait_ms': 0,
        'gateway.vendor.priority': 'foreground',
        'server.address': '127.0.0.1',
      });
      expect(attempt.attributes['gateway.vendor.rate_budget_wait_ms']).toBeGreaterThanOrEqual(0);
      expect(String(attempt.attributes['url.path'])).not.toContain('?');
      const vendor = String(attempt.attributes['gateway.vendor']);
      perVendor[vendor] = (perVendor[vendor] ?? 0) + 1;
    }
    expect(perVendor).toEqual({ ARRAYS: 1, ANYLAYER: 1, SHARPE: 1, FARADAY: 2 });
    expect(calls).toHaveLength(vendorCalls);

    // Nothing from the request's headers (the traceparent aside) or a query string reaches a span.
    for (const span of ours) {
      for (const [key, value] of Object.entries(span.attributes)) {
        expect(key).not.toMatch(/header|authorization|token|key/i);
        expect(String(value)).not.toMatch(/\?|application\/json/);
      }
    }

    // The ledger follower's commits are traced too, as traces of their own.
    await eventually(() => spans.some((span) => span.name === 'ledger commit'), { withinMs: 15_000, everyMs: 50 });
    const commit = spans.find((span) => span.name === 'ledger commit')!;
    expect(commit.traceId).not.toBe(TRACE_ID);
    expect(commit.attributes['gateway.ledger.entries']).toBeGreaterThanOrEqual(0);
  });

  it('is off without an endpoint: nothing registered, no span made, nothing sent', async () => {
    receiver = await startReceiver();
    const getTracer = vi.spyOn(ProxyTracerProvider.prototype, 'getTracer');
    const startSpan = vi.spyOn(ProxyTracer.prototype, 'startSpan');
    const startActiveSpan = vi.spyOn(ProxyTracer.prototype, 'startActiveSpan');
    const gateway = await start({ OTEL_BSP_SCHEDULE_DELAY: '100' });
    const provider = trace.getTracerProvider();
    expect(provider).toBeInstanceOf(ProxyTracerProvider);
    expect((provider as ProxyTracerProvider).getDelegateTracer('usage-gateway')).toBeUndefined();
    const body = await overview(gateway.url);
    expect(body.errors).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(getTracer).not.toHaveBeenCalled();
    expect(startSpan).not.toHaveBeenCalled();
    expect(startActiveSpan).not.toHaveBeenCalled();
    expect(receiver.posts()).toBe(0);
  });
});
