import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installOpenTelemetrySpans } from '../../src/observability/tracer.js';
import { MemoryCache } from '../../src/upstream/cache.js';
import { errorForStatus } from '../../src/upstream/errors.js';
import type { UpstreamRequest, UpstreamResponse } from '../../src/upstream/http.js';
import { resolvePolicy } from '../../src/upstream/policy.js';
import { VendorChannel, type ChannelCall } from '../../src/upstream/vendor-channel.js';
import { FakeClock } from '../support/fake-clock.js';

const CREDENTIAL = 'sk_test_traced_credential_42';
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

/** Answers each attempt with the next status of `statuses`, then 200. */
function transport(statuses: number[]) {
  return {
    async get(_request: UpstreamRequest): Promise<UpstreamResponse> {
      const status = statuses.shift() ?? 200;
      return { status, headers: {}, text: '{"n":1}', retryAfterSeconds: null };
    },
  };
}

const call: ChannelCall<{ n: number }> = {
  url: new URL('http://vendor.test:8080/v1/usage?token=not-in-a-span'),
  headers: { authorization: `Bearer ${CREDENTIAL}` },
  interpret: (response) => {
    if (response.status !== 200) throw errorForStatus({ provider: 'X', httpStatus: response.status, message: 'no', retryAfterSeconds: null });
    return JSON.parse(response.text) as { n: number };
  },
};

describe('vendor-call spans of a channel', () => {
  beforeAll(() => {
    provider.register();
    installOpenTelemetrySpans();
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });
  afterEach(() => exporter.reset());

  it('a call that retried: one call span (miss), a client span per attempt with its number, status and backoff; then a hit with no attempt', async () => {
    const clock = new FakeClock();
    const policy = resolvePolicy({ retryBudgetRatio: 1, rateLimitPerMinute: 1000 });
    const channel = new VendorChannel({ provider: 'X', credential: CREDENTIAL, http: transport([503]), policy, clock, cache: new MemoryCache() });
    await channel.fetch(call);
    await channel.fetch(call);

    const spans = exporter.getFinishedSpans();
    const calls = spans.filter((span) => span.name === 'vendor X');
    expect(calls.map((span) => span.attributes['gateway.cache.result'])).toEqual(['miss', 'hit']);
    const [miss, hit] = calls;
    const attempts = spans.filter((span) => span.kind === SpanKind.CLIENT);
    expect(attempts.every((span) => span.parentSpanContext?.spanId === miss!.spanContext().spanId)).toBe(true);
    expect(spans.some((span) => span.parentSpanContext?.spanId === hit!.spanContext().spanId)).toBe(false);
    expect(attempts.map((span) => span.attributes)).toEqual([
      expect.objectContaining({ 'gateway.vendor.attempt': 1, 'gateway.vendor.retry_wait_ms': 0, 'http.response.status_code': 503, 'error.type': 'UPSTREAM_UNAVAILABLE' }),
      expect.objectContaining({ 'gateway.vendor.attempt': 2, 'http.request.resend_count': 1, 'gateway.vendor.retry_wait_ms': 50, 'http.response.status_code': 200 }),
    ]);
    expect(attempts[0]!.attributes).not.toHaveProperty('http.request.resend_count');
    expect(attempts.map((span) => span.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.UNSET]);
    expect(attempts[0]!.attributes).toMatchObject({ 'server.address': 'vendor.test', 'server.port': 8080, 'url.path': '/v1/usage', 'gateway.vendor.rate_budget_wait_ms': 0 });
    expect(JSON.stringify(spans.map((span) => [span.name, span.attributes, span.status, span.events]))).not.toMatch(/not-in-a-span|sk_test_traced/);
  });

  it('a call that failed: the call span failed with the error code, never its message', async () => {
    const clock = new FakeClock();
    const policy = resolvePolicy({ retryBudgetRatio: 1, rateLimitPerMinute: 1000, maxRetries: 0 });
    const channel = new VendorChannel({ provider: 'X', credential: CREDENTIAL, http: transport([401]), policy, clock, cache: new MemoryCache() });
    await expect(channel.fetch(call)).rejects.toMatchObject({ code: 'UPSTREAM_AUTH_FAILED' });
    const failed = exporter.getFinishedSpans().find((span) => span.name === 'vendor X')!;
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'UPSTREAM_AUTH_FAILED' });
    expect(failed.attributes).toMatchObject({ 'gateway.cache.result': 'miss', 'error.type': 'UPSTREAM_AUTH_FAILED' });
  });
});
