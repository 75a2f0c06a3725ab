import { parse } from 'graphql';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { context, propagation, trace } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/context.js';
import { estimateVendorCalls } from '../../src/edge/demand-control.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { usesIncrementalDelivery } from '../../src/execution/incremental-delivery.js';
import { createLogger } from '../../src/common/logger.js';
import { GatewayMetrics } from '../../src/observability/metrics.js';
import { buildSchema } from '../../src/schema/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startTestAuth, type TestAuth } from '../support/jwt.js';
import { assemble, readParts, type IncrementalPart } from '../support/multipart.js';

/**
 * `@defer` and `@stream` through the whole gateway: multipart answers whose parts follow the
 * vendors' own pace, masked errors and scope refusals inside deferred fragments, demand control,
 * the response cache, the access log, metrics and tracing with an answer in parts.
 */

const OVERVIEW_DEFERRED = '{ accounts { provider { id } ... on AccountResult @defer { account { plan { tier } } error { code } } } }';
const OVERVIEW_PLAIN = '{ accounts { provider { id } account { plan { tier } } error { code } } }';
const MULTIPART = 'multipart/mixed';

const exporter = new InMemorySpanExporter();
const tracerProvider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

let harness: Harness;

async function post(yoga: Gateway, query: string, headers: Record<string, string> = {}): Promise<Response> {
  return yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: MULTIPART, ...headers },
    body: JSON.stringify({ query }),
  });
}

/** Every part of a multipart answer, checked to be one. */
async function partsOf(response: Response): Promise<IncrementalPart[]> {
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed/);
  return readParts(response).rest();
}

const pathsOf = (part: IncrementalPart) => (part.incremental ?? []).map((entry) => entry.path.join('.'));

beforeAll(async () => {
  tracerProvider.register();
  // Vendor answers are not cached upstream (nor served stale): every request asks the vendors, so
  // their pace and their failures show.
  harness = await startHarness({ policy: { cacheTtlMs: 0, staleIfErrorMs: 0 } });
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await tracerProvider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

afterEach(() => {
  for (const sim of [harness.sims.arrays, harness.sims.anylayer, harness.sims.sharpe, harness.sims.faraday]) sim.setFault(null);
});

describe('@defer and @stream', () => {
  it('accepts @defer and @stream in validation (graphql-js alone says "Unknown directive")', async () => {
    const parts = await partsOf(await post(harness.yoga, '{ streamed: providers @stream { id } ... @defer { providers { name } } }'));
    expect(parts.flatMap((part) => [...(part.errors ?? []), ...(part.incremental ?? []).flatMap((entry) => entry.errors ?? [])])).toEqual([]);
    expect(parts.length).toBeGreaterThan(1);
  });

  it('streams each vendor entry as its vendor answers: a slow vendor’s deferred part comes after every fast one', async () => {
    // 1.5 s against vendors that answer in milliseconds: no loaded machine blurs this order.
    harness.sims.sharpe.setFault({ fault: { mode: 'latency', ms: 1500 } });
    const parts = await partsOf(await post(harness.yoga, OVERVIEW_DEFERRED));

    const [initial, ...later] = parts;
    expect(initial!.hasNext).toBe(true);
    const entries = (initial!.data as { accounts: { provider: { id: string } }[] }).accounts;
    expect(entries.map((entry) => Object.keys(entry))).toEqual(entries.map(() => ['provider']));
    const sharpe = `accounts.${entries.findIndex((entry) => entry.provider.id === 'SHARPE')}`;
    expect(sharpe).not.toBe('accounts.-1');

    // Sharpe alone in the last part; every other vendor's entry arrived before it.
    expect(pathsOf(later.at(-1)!)).toEqual([sharpe]);
    expect(later.at(-1)!.hasNext).toBe(false);
    const earlier = later.slice(0, -1).flatMap(pathsOf).sort();
    expect(earlier).toEqual(entries.map((_, i) => `accounts.${i}`).filter((path) => path !== sharpe).sort());

    // The parts add up to the answer without @defer.
    const plain = await harness.query(OVERVIEW_PLAIN);
    expect(assemble(parts)).toEqual(plain.body.data);
  });

  it('streams a list with @stream: initialCount items first, the rest as items at their index', async () => {
    const parts = await partsOf(await post(harness.yoga, '{ providers @stream(initialCount: 1) { id name } }'));
    expect((parts[0]!.data as { providers: unknown[] }).providers).toHaveLength(1);
    const streamed = parts.slice(1).flatMap((part) => part.incremental ?? []);
    expect(streamed.length).toBeGreaterThan(0);
    for (const entry of streamed) expect(entry.items).toBeDefined();
    expect(streamed.map((entry) => entry.path)).toEqual(streamed.map((_, i) => ['providers', i + 1]));
    const plain = await harness.query('{ providers { id name } }');
    expect(assemble(parts)).toEqual(plain.body.data);
  });

  it('keeps a plain query on graphql-js: response keys in query order, whatever resolves first', async () => {
    // `account` resolves last; graphql-tools' executor would write `providers` first.
    harness.sims.sharpe.setFault({ fault: { mode: 'latency', ms: 200 } });
    const document = '{ account(provider: SHARPE) { plan { tier } } providers { id } }';
    expect(usesIncrementalDelivery(parse(document))).toBe(false);
    const { body } = await harness.query(document);
    expect(body.errors).toBeUndefined();
    expect(Object.keys(body.data!)).toEqual(['account', 'providers']);
  });

  it('decides per document, @defer(if: false) included', () => {
    expect(usesIncrementalDelivery(parse(OVERVIEW_DEFERRED))).toBe(true);
    expect(usesIncrementalDelivery(parse('query { providers @stream(if: false) { id } }'))).toBe(true);
    expect(usesIncrementalDelivery(parse('{ providers { id ... @include(if: true) { name } } }'))).toBe(false);
  });

  it('gives a vendor failure inside a deferred fragment extensions.code and provider, and no credential', async () => {
    // The vendor quotes the credential it received back in its error message.
    harness.sims.sharpe.setFault({ fault: { mode: 'echo', status: 503, at: 'middle' } });
    const response = await post(harness.yoga, '{ providers { id } ... @defer { account(provider: SHARPE) { plan { tier } } } }');
    const text = await response.clone().text();
    expect(text).not.toContain(harness.sims.sharpe.credential);
    const parts = await partsOf(response);
    const deferred = parts.slice(1).flatMap((part) => part.incremental ?? []);
    expect(deferred).toHaveLength(1);
    expect(deferred[0]!.data).toEqual({ account: null });
    expect(deferred[0]!.errors).toHaveLength(1);
    expect(deferred[0]!.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', provider: 'SHARPE' });
    expect(deferred[0]!.errors![0]!.path).toEqual(['account']);
  });

  it('reports a vendor failure of a deferred accounts entry in the entry, as without @defer', async () => {
    harness.sims.sharpe.setFault({ fault: { mode: 'status', status: 503 } });
    const parts = await partsOf(await post(harness.yoga, OVERVIEW_DEFERRED));
    const plain = await harness.query(OVERVIEW_PLAIN);
    expect(assemble(parts)).toEqual(plain.body.data);
    const entries = (assemble(parts) as { accounts: { provider: { id: string }; error: { code: string } | null }[] }).accounts;
    expect(entries.find((entry) => entry.provider.id === 'SHARPE')?.error?.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('counts deferred fields in the vendor-call estimate, and states the cost in the last part', async () => {
    const schema = buildSchema();
    const ctx = createContext(harness.registry, createLogger({ level: 'silent' }));
    const deferred = estimateVendorCalls(schema, parse(OVERVIEW_DEFERRED), undefined, {}, ctx);
    expect(deferred).toBe(estimateVendorCalls(schema, parse(OVERVIEW_PLAIN), undefined, {}, ctx));
    expect(deferred).toBeGreaterThan(4);

    const parts = await partsOf(await post(harness.yoga, OVERVIEW_DEFERRED));
    expect(parts.slice(0, -1).every((part) => part.extensions?.['cost'] === undefined)).toBe(true);
    const cost = parts.at(-1)!.extensions?.['cost'] as { vendorCalls: { estimated: number; actual: number } };
    expect(cost.vendorCalls.estimated).toBe(deferred);
    // Upstream caching is off: every estimated call was made, and counted once all parts were sent.
    expect(cost.vendorCalls.actual).toBeGreaterThanOrEqual(deferred);
  });

  it('refuses a deferred operation over the vendor-call limit before any vendor call', async () => {
    const yoga = createGateway({ registry: harness.registry, logger: createLogger({ level: 'silent' }), maxVendorCallsPerOperation: 2 });
    const before = harness.vendorCalls();
    const response = await post(yoga, OVERVIEW_DEFERRED, { accept: 'application/json' });
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors.map((error) => error.extensions.code)).toEqual(['OPERATION_TOO_EXPENSIVE']);
    expect(harness.vendorCalls()).toBe(before);
  });

  it('counts @defer under MAX_DIRECTIVES like any directive', async () => {
    const yoga = createGateway({
      registry: harness.registry,
      logger: createLogger({ level: 'silent' }),
      edge: { operationLimits: { depth: 12, aliases: 30, tokens: 8000, directives: 1, cost: 5_000_000 } },
    });
    const response = await post(yoga, '{ providers { id ... @defer { name } ... @defer { simulated } } }', { accept: 'application/json' });
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('writes one access line per streamed request, once its last part is sent, with its status and vendor calls', async () => {
    const requestId = 'defer-access-line-1';
    const parts = await partsOf(await post(harness.yoga, OVERVIEW_DEFERRED, { 'x-request-id': requestId }));
    const cost = parts.at(-1)!.extensions?.['cost'] as { vendorCalls: { actual: number } };
    const lines = harness.logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line['message'] === 'request' && line['requestId'] === requestId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', status: 200, path: '/graphql', vendorCalls: cost.vendorCalls.actual });
  });

  it('writes the access line when a client leaves a streamed answer early', async () => {
    harness.sims.sharpe.setFault({ fault: { mode: 'latency', ms: 1000 } });
    const requestId = 'defer-access-line-cancelled';
    const response = await post(harness.yoga, OVERVIEW_DEFERRED, { 'x-request-id': requestId });
    const reader = readParts(response);
    expect((await reader.next())?.hasNext).toBe(true);
    await response.body!.cancel();
    const lines = harness.logs.filter((line) => line.includes(`"requestId":"${requestId}"`) && line.includes('"message":"request"'));
    expect(lines).toHaveLength(1);
  });

  it('serves a streamed answer with metrics and tracing on, and counts and traces it', async () => {
    exporter.reset();
    const metrics = new GatewayMetrics({ processMetrics: false });
    const yoga = createGateway({ registry: harness.registry, logger: createLogger({ level: 'silent' }), metrics });
    const parts = await partsOf(await post(yoga, `query DeferredOverview ${OVERVIEW_DEFERRED}`));
    expect(parts.at(-1)!.hasNext).toBe(false);
    const exposition = await (await yoga.fetch('http://yoga/metrics')).text();
    expect(exposition).toMatch(/graphql_requests_total\{[^}]*operation_name="DeferredOverview"[^}]*\} 1/);
    await tracerProvider.forceFlush();
    expect(exporter.getFinishedSpans().map((span) => span.name)).toContain('POST /graphql');
  });
});

describe('@defer with the response cache on', () => {
  let cached: Harness;
  beforeAll(async () => {
    cached = await startHarness({ policy: { cacheTtlMs: 0 }, responseCacheTtlMs: 60_000 });
  }, 60_000);
  afterAll(async () => {
    await cached?.close();
  });

  it('answers a deferred query in parts every time, executing it each time, and still caches a plain one', async () => {
    const first = await partsOf(await post(cached.yoga, OVERVIEW_DEFERRED));
    const callsAfterFirst = cached.vendorCalls();
    const second = await partsOf(await post(cached.yoga, OVERVIEW_DEFERRED));
    expect(second.length).toBeGreaterThan(1);
    expect(assemble(second)).toEqual(assemble(first));
    expect(cached.vendorCalls()).toBeGreaterThan(callsAfterFirst);

    const plainFirst = await cached.query(OVERVIEW_PLAIN);
    const callsAfterPlain = cached.vendorCalls();
    const plainSecond = await cached.query(OVERVIEW_PLAIN);
    expect(plainSecond.body.data).toEqual(plainFirst.body.data);
    expect(cached.vendorCalls()).toBe(callsAfterPlain);
    expect(plainSecond.body.extensions?.['cost']).toEqual({ vendorCalls: { estimated: 0, actual: 0 } });
    expect(assemble(first)).toEqual(plainFirst.body.data);
  });

  it('answers a deferred query for a client that accepts only JSON with 406, not from the cache', async () => {
    const response = await post(cached.yoga, OVERVIEW_DEFERRED, { accept: 'application/json' });
    await response.text();
    expect(response.status).not.toBe(200);
  });
});

describe('@defer and scopes', () => {
  let auth: TestAuth;
  let scoped: Harness;
  const KEY = 'ugw_defer_scopes_key_5d1e';
  beforeAll(async () => {
    auth = await startTestAuth([{ name: 'dashboard', key: KEY, scopes: ['usage:read'] }], createLogger({ level: 'silent' }));
    scoped = await startHarness({ authenticator: auth.authenticator, responseCacheTtlMs: 60_000 });
  }, 60_000);
  afterAll(async () => {
    await scoped?.close();
    await auth?.close();
  });

  it('refuses a field inside a deferred fragment with FORBIDDEN in its part, the rest answered', async () => {
    const parts = await partsOf(await post(scoped.yoga, '{ providers { id ... @defer { health { state } } } }', { 'x-api-key': KEY }));
    expect(parts[0]!.errors).toBeUndefined();
    const deferred = parts.slice(1).flatMap((part) => part.incremental ?? []);
    expect(deferred.length).toBeGreaterThan(0);
    for (const entry of deferred) {
      expect(entry.data).toEqual({ health: null });
      expect(entry.errors?.map((error) => error.extensions?.['code'])).toEqual(['FORBIDDEN']);
    }
  });
});
