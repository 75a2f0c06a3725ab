import { createHash } from 'node:crypto';
import { createServer, request, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/common/logger.js';
import { hostRule } from '../../src/edge/browser-rules.js';
import { MemoryCallerWindows } from '../../src/edge/caller-windows.js';
import { createAuthenticator, type Authenticator } from '../../src/edge/identity/authenticator.js';
import { Lifecycle } from '../../src/edge/lifecycle.js';
import { parsePersistedDocuments } from '../../src/edge/persisted-operations.js';
import type { HotPath } from '../../src/edge/hot-path.js';
import { buildGateway } from '../../src/gateway.js';
import { GatewayMetrics } from '../../src/observability/metrics.js';
import { createProviderRegistry, type ProviderSetting } from '../../src/providers/registry.js';
import { VENDORS } from '../../src/providers/vendors.js';
import { gatewayHandler } from '../../src/server.js';
import { startSimulators, type RunningSimulators, type SimulatorHandle } from '../../src/simulators/index.js';
import { resolvePolicy } from '../../src/upstream/policy.js';
import { ResilientUpstream } from '../../src/upstream/resilient-upstream.js';
import { documentationGraphqlBlocks } from '../frontend/readme-blocks.js';
import { FakeClock } from '../support/fake-clock.js';
import { AUDIENCE, ISSUER, makeTestKeys, type TestKeys } from '../support/jwt.js';

/**
 * The hot path answers exactly as the engine would: the same corpus of requests (the README's and
 * docs' queries, persisted and APQ requests, every refusal of the edge) sent over HTTP to a gateway
 * with the hot path and to one without, each request twice (a miss, then a hit), gets the same
 * status, body and headers (less the request id and the date), and the same access lines and hit
 * counts. Each gateway has its own simulators, vendor channels and frozen clocks, so that both see
 * the same data and the same sequence of calls.
 */

const MAX_REQUEST_BYTES = 20_000;
const PER_MINUTE = 120;
const ALLOWED_ORIGIN = 'https://app.example';
const FROZEN_MS = 1_700_000_000_000;
/** A cacheable query of its own per case, so that each case's first sending is a miss. */
const providers = (tag: string) => `query ${tag} { providers { id name } }`;
const PROVIDERS_QUERY = providers('Providers');
const MANIFEST_QUERY = 'query Plans { accounts { provider { id } account { plan { tier } } } }';
const MANIFEST_ID = sha256(MANIFEST_QUERY);
const APQ_QUERY = 'query ApqProviders { providers { id } }';

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

interface Stack {
  url: URL;
  hotPath: HotPath | null;
  logs: string[];
  metrics: GatewayMetrics;
  close(): Promise<void>;
}

async function startStack(keys: TestKeys, hot: boolean): Promise<Stack> {
  // One seed for both gateways' simulators: the same data, the same vendor request ids.
  const simulators = (await startSimulators(VENDORS, { seed: 26 })) as RunningSimulators<Record<string, SimulatorHandle>>;
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', write: (line) => logs.push(line) });
  const clock = new FakeClock(FROZEN_MS);
  const base = resolvePolicy({ timeoutMs: 5000, rateLimitPerMinute: 10_000, callerShareRatio: 1 });
  const upstream = new ResilientUpstream({ policies: Object.fromEntries(VENDORS.map(({ id }) => [id, base])), logger, clock });
  const settings: Record<string, ProviderSetting> = Object.fromEntries(
    VENDORS.map((vendor) => {
      const simulator = simulators[vendor.key]!;
      return [vendor.id, { baseUrl: simulator.baseUrl, credential: simulator.credential, simulated: true }];
    }),
  );
  const authenticator: Authenticator = await createAuthenticator({ jwksFile: keys.jwksFile, issuer: ISSUER, audience: AUDIENCE, logger });
  const windows = new MemoryCallerWindows();
  const metrics = new GatewayMetrics();
  const { yoga, hotPath } = buildGateway({
    registry: createProviderRegistry(settings, upstream, VENDORS),
    logger,
    now: () => FROZEN_MS,
    responseCacheTtlMs: 60_000,
    authenticator,
    metrics,
    edge: {
      corsOrigins: [ALLOWED_ORIGIN],
      allowsHost: hostRule(null, true),
      callerRateLimitPerMinute: PER_MINUTE,
      // A frozen minute, so that both gateways say the same Retry-After.
      callerWindows: { take: (key, _now, perMinute) => windows.take(key, FROZEN_MS, perMinute) },
      persistedOperations: { mode: 'allow', manifest: { current: parsePersistedDocuments(JSON.stringify({ [MANIFEST_ID]: MANIFEST_QUERY })) } },
    },
  });
  const lifecycle = new Lifecycle(() => ({ ready: true, components: {} }));
  const server: Server = createServer(
    gatewayHandler({ yoga, hotPath: hot ? hotPath : null, lifecycle, requestTimeoutMs: 10_000, maxRequestBytes: MAX_REQUEST_BYTES, log: logger }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/graphql`),
    hotPath: hot ? hotPath : null,
    logs,
    metrics,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await authenticator.close();
      await upstream.close();
      await simulators.close();
    },
  };
}

interface Sent {
  method?: string;
  /** Path and query string; default `/graphql`. */
  path?: string;
  headers?: OutgoingHttpHeaders;
  body?: string;
  /** Send the body without a Content-Length. */
  chunked?: boolean;
}

interface Received {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(url: URL, sent: Sent): Promise<Received> {
  return new Promise((resolve, reject) => {
    const headers: OutgoingHttpHeaders = { ...sent.headers };
    if (sent.body !== undefined) headers[sent.chunked ? 'transfer-encoding' : 'content-length'] = sent.chunked ? 'chunked' : String(Buffer.byteLength(sent.body));
    const req = request({ host: url.hostname, port: url.port, path: sent.path ?? url.pathname, method: sent.method ?? 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(sent.body);
  });
}

/** What differs between any two answers: the request id (fresh per request), the date, a vendor's request id; `max-age` within a second. */
function comparable(received: Received): Received {
  const { 'x-request-id': requestId, date: _date, ...headers } = received.headers;
  expect(requestId).toMatch(/^[\x20-\x7e]{1,128}$/);
  // max-age counts down while an answer is cached; the two sends of a pair are compared by expectAlike.
  const cacheControl = headers['cache-control'];
  if (typeof cacheControl === 'string') headers['cache-control'] = cacheControl.replace(/max-age=\d+/, 'max-age=…');
  // A vendor's own request id is fresh per vendor call (of the same length, so lengths still compare).
  return withoutTrace({ ...received, headers, body: received.body.replace(/"upstreamRequestId":"req_[0-9a-f]+"/g, '"upstreamRequestId":"req_…"') });
}

/** The seconds of a `max-age`, or null without one. */
function maxAgeOf(received: Received): number | null {
  const match = /max-age=(\d+)/.exec(String(received.headers['cache-control'] ?? ''));
  return match === null ? null : Number(match[1]);
}

/**
 * The same answer from both gateways: everything but the request id, the date and what differs per
 * execution is equal, and a max-age differs by the seconds that may pass between the two sends on a
 * loaded machine at most.
 */
function expectAlike(hot: Received, engine: Received, what?: string): void {
  expect(comparable(hot), what).toEqual(comparable(engine));
  const [hotAge, engineAge] = [maxAgeOf(hot), maxAgeOf(engine)];
  expect(hotAge === null, what).toBe(engineAge === null);
  if (hotAge !== null && engineAge !== null) expect(Math.abs(hotAge - engineAge), what).toBeLessThanOrEqual(3);
}

/** An inline trace holds timings, which no two executions share (and so does its length). */
function withoutTrace(received: Received): Received {
  const body = received.body.replace(/"ftv1":"[^"]*"/, '"ftv1":"…"');
  if (body === received.body) return received;
  const { 'content-length': _length, ...headers } = received.headers;
  return { ...received, headers, body };
}

/** The access lines, less what differs per request (id, duration, time). */
function accessLines(logs: readonly string[]): unknown[] {
  return logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line['message'] === 'request')
    .map(({ requestId: _id, durationMs: _duration, time: _time, ...line }) => line);
}

// Made before the cases are listed, which carry the tokens.
const keys: TestKeys = await makeTestKeys();
const reader = await keys.sign({ sub: 'reader', scope: 'usage:read partners:read ops:read' });
const flooder = await keys.sign({ sub: 'flooder', scope: 'usage:read' });
let withHotPath: Stack;
let without: Stack;

beforeAll(async () => {
  [withHotPath, without] = await Promise.all([startStack(keys, true), startStack(keys, false)]);
});

afterAll(async () => {
  await Promise.all([withHotPath?.close(), without?.close()]);
  await keys.cleanup();
});

/** A POST of `payload` as JSON by the reader. */
function post(payload: unknown, headers: OutgoingHttpHeaders = {}): Sent {
  return { body: JSON.stringify(payload), headers: { 'content-type': 'application/json', authorization: `Bearer ${reader}`, ...headers } };
}

/** A GET of `query` by the reader. */
function get(params: Record<string, string>, headers: OutgoingHttpHeaders = {}): Sent {
  return { method: 'GET', path: `/graphql?${new URLSearchParams(params)}`, headers: { authorization: `Bearer ${reader}`, ...headers } };
}

/**
 * Each case: what is sent, and how many of its two sendings the hot path must answer (1: a hit
 * it answers; 0: one it leaves to the engine: a refusal, a miss, anything uncertain).
 */
interface Case {
  name: string;
  sent: Sent;
  /** Null: either (a documentation query may be one the cache keeps, or not). */
  hot: readonly [0 | 1, 0 | 1] | null;
}

function corpus(): Case[] {
  const documentation = documentationGraphqlBlocks()
    .filter((block) => block.isOperation)
    .map((block): Case => ({ name: `documentation ${block.name}`, sent: post({ query: block.source }), hot: null }));
  return [
    { name: 'a cacheable query', sent: post({ query: providers('Case1') }), hot: [0, 1] },
    { name: 'with an operation name and variables', sent: post({ query: 'query Named($id: ProviderId!) { account(provider: $id) { plan { tier } } }', operationName: 'Named', variables: { id: 'SHARPE' } }), hot: [0, 1] },
    { name: 'Accept: application/graphql-response+json', sent: post({ query: providers('Case2') }, { accept: 'application/graphql-response+json' }), hot: [0, 1] },
    { name: 'Accept: both JSON types', sent: post({ query: providers('Case3') }, { accept: 'application/graphql-response+json, application/json' }), hot: [0, 1] },
    { name: 'Accept: JSON first, then the GraphQL type', sent: post({ query: providers('JsonFirst') }, { accept: 'application/json, application/graphql-response+json' }), hot: [0, 1] },
    { name: 'Accept: multipart, then JSON', sent: post({ query: providers('MultipartThenJson') }, { accept: 'multipart/mixed, application/json' }), hot: [0, 1] },
    { name: 'Accept: another charset', sent: post({ query: providers('Latin1') }, { accept: 'application/json; charset=latin1' }), hot: [0, 0] },
    { name: 'Accept: */*', sent: post({ query: providers('Case4') }, { accept: '*/*' }), hot: [0, 1] },
    { name: 'Accept: a streamed type only', sent: post({ query: providers('Case5') }, { accept: 'text/event-stream' }), hot: [0, 0] },
    { name: 'Accept: nothing the gateway writes', sent: post({ query: providers('Case6') }, { accept: 'image/png' }), hot: [0, 0] },
    { name: 'GET with a CSRF header', sent: get({ query: providers('Case7') }, { 'x-graphql-yoga-csrf': '1' }), hot: [0, 1] },
    { name: 'GET with Apollo\'s preflight header and variables', sent: get({ query: 'query G($id: ProviderId!) { account(provider: $id) { plan { tier } } }', variables: '{"id":"ARRAYS"}' }, { 'apollo-require-preflight': 'true' }), hot: [0, 1] },
    { name: 'GET without a CSRF header (CSRF)', sent: get({ query: providers('Case8') }), hot: [0, 0] },
    { name: 'POST as text/plain (CSRF)', sent: { ...post({ query: providers('Case9') }), headers: { 'content-type': 'text/plain', authorization: `Bearer ${reader}` } }, hot: [0, 0] },
    { name: 'the GraphiQL page', sent: { method: 'GET', headers: { accept: 'text/html' } }, hot: [0, 0] },
    { name: 'a disallowed Origin', sent: post({ query: providers('Case10') }, { origin: 'https://evil.example' }), hot: [0, 1] },
    { name: 'an allowed Origin (CORS headers)', sent: post({ query: providers('Case11') }, { origin: ALLOWED_ORIGIN }), hot: [0, 0] },
    {
      name: 'a CORS preflight',
      sent: { method: 'OPTIONS', headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' } },
      hot: [0, 0],
    },
    { name: 'a bad Host', sent: post({ query: providers('Case12') }, { host: 'evil.example' }), hot: [0, 0] },
    { name: 'no credential', sent: { ...post({ query: providers('Case13') }), headers: { 'content-type': 'application/json' } }, hot: [0, 0] },
    { name: 'a bad token', sent: post({ query: providers('Case14') }, { authorization: 'Bearer not.a.token' }), hot: [0, 0] },
    { name: 'two credentials', sent: post({ query: providers('Case15') }, { 'x-api-key': 'some-key' }), hot: [0, 0] },
    { name: 'an inline trace', sent: post({ query: providers('Case16') }, { 'apollo-federation-include-trace': 'ftv1' }), hot: [0, 0] },
    { name: 'an unknown parameter', sent: post({ query: providers('Case17'), surprise: 1 }), hot: [0, 0] },
    { name: 'variables of the wrong kind', sent: post({ query: providers('Case18'), variables: [1] }), hot: [0, 0] },
    { name: 'a JSON array (batch)', sent: { ...post([{ query: providers('Case19') }]) }, hot: [0, 0] },
    { name: 'invalid JSON', sent: { ...post({}), body: '{"query": ' }, hot: [0, 0] },
    { name: 'a parse error', sent: post({ query: '{ providers { id ' }), hot: [0, 0] },
    { name: 'a validation error', sent: post({ query: '{ nope }' }), hot: [0, 0] },
    { name: 'a variable of the wrong type', sent: post({ query: 'query V($id: ProviderId!) { account(provider: $id) { plan { tier } } }', variables: { id: 'NOPE' } }), hot: [0, 0] },
    { name: 'a volatile field (not kept)', sent: post({ query: '{ providers { id health { status } } }' }), hot: [0, 0] },
    { name: 'a subscription', sent: post({ query: 'subscription { alertEvents { __typename } }' }), hot: [0, 0] },
    {
      name: '@defer',
      sent: post({ query: '{ providers { id ... @defer { name } } }' }, { accept: 'multipart/mixed' }),
      hot: [0, 0],
    },
    { name: 'a manifest documentId', sent: post({ documentId: MANIFEST_ID }), hot: [0, 1] },
    { name: 'an unknown documentId', sent: post({ documentId: 'f'.repeat(64) }), hot: [0, 0] },
    { name: 'APQ hash before registration', sent: post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(APQ_QUERY) } } }), hot: [0, 0] },
    { name: 'APQ registration', sent: post({ query: APQ_QUERY, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(APQ_QUERY) } } }), hot: [0, 0] },
    { name: 'APQ hash after registration (the registration kept the answer)', sent: post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(APQ_QUERY) } } }), hot: [1, 1] },
    { name: 'APQ hash mismatch', sent: post({ query: providers('Case20'), extensions: { persistedQuery: { version: 1, sha256Hash: sha256('other') } } }), hot: [0, 0] },
    { name: 'an oversized body', sent: post({ query: providers('Case21'), variables: { padding: 'x'.repeat(MAX_REQUEST_BYTES) } }), hot: [0, 0] },
    { name: 'a body without a length', sent: { ...post({ query: providers('Case22') }), chunked: true }, hot: [0, 0] },
    { name: 'an empty body', sent: { ...post({}), body: '' }, hot: [0, 0] },
    ...documentation,
  ];
}

describe('the hot path answers as the engine does', () => {
  const cases = corpus();
  let hitsOfDocumentation = 0;

  it.each(cases.map((entry) => [entry.name, entry] as const))('%s', async (_name, entry) => {
    for (const [index, attempt] of (['first', 'second'] as const).entries()) {
      const servedBefore = withHotPath.hotPath!.served;
      const hot = await send(withHotPath.url, entry.sent);
      const engine = await send(without.url, entry.sent);
      expectAlike(hot, engine, attempt);
      const servedHere = withHotPath.hotPath!.served - servedBefore;
      if (entry.hot !== null) expect(servedHere, `${attempt} answered by the hot path`).toBe(entry.hot[index]);
      else hitsOfDocumentation += servedHere;
    }
  });

  it('answers the documentation\'s cacheable queries on their second sending', () => {
    expect(hitsOfDocumentation).toBeGreaterThanOrEqual(3);
  });

  it('a caller over its limit is refused alike, and the refusal is not served from the cache', async () => {
    const flood = post({ query: PROVIDERS_QUERY }, { authorization: `Bearer ${flooder}` });
    for (let sent = 0; sent < PER_MINUTE; sent += 1) {
      const [hot, engine] = await Promise.all([send(withHotPath.url, flood), send(without.url, flood)]);
      expect(hot.status).toBe(200);
      expectAlike(hot, engine);
    }
    const servedBefore = withHotPath.hotPath!.served;
    const hot = await send(withHotPath.url, flood);
    const engine = await send(without.url, flood);
    expect(hot.status).toBe(429);
    expectAlike(hot, engine);
    expect(withHotPath.hotPath!.served).toBe(servedBefore);
  });

  it('writes the same access lines and counts the same cache hits', async () => {
    expect(accessLines(withHotPath.logs)).toEqual(accessLines(without.logs));
    const hits = async (stack: Stack) => (await stack.metrics.exposition()).body.split('\n').filter((line) => line.startsWith('usage_gateway_graphql_response_cache_hits_total'));
    const counted = await hits(withHotPath);
    expect(counted.length).toBeGreaterThan(0);
    expect(counted).toEqual(await hits(without));
  });
});
