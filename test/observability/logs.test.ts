import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { Authenticator } from '../../src/edge/identity/authenticator.js';
import { createLogger } from '../../src/common/logger.js';
import { startGateway, type RunningGateway } from '../../src/server.js';
import { REDACTED } from '../../src/common/redact.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startTestAuth, type TestAuth, type TestKeys } from '../support/jwt.js';
import { graphqlRequest } from '../support/graphql-request.js';

/**
 * Request-scoped logs: one access line per request, an `x-request-id` echoed and carried by every
 * line of its request (the channel's included), and no credential in any line.
 */

const API_KEY = 'ugw_logs_key_8c2e4a6f1b3d5e79';
/** The credential of a vendor that fails and quotes the key it received back in its error body. */
const VENDOR_KEY = 'sk_vendor_echo_"quo\\te_71c3e5a9';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type Line = Record<string, unknown> & { level: string; message: string; requestId?: string };

let harness: Harness;
let keys: TestKeys;
let auth: TestAuth;
let authenticator: Authenticator;
let dir: string;
let apiKeysFile: string;
let echoingVendor: Server;

const parsed = (logs: readonly string[]): Line[] => logs.map((line) => JSON.parse(line) as Line);
const accessLines = (logs: readonly string[], requestId: string) =>
  parsed(logs).filter((line) => line.message === 'request' && line.requestId === requestId);

async function ask(query: string, headers: Record<string, string> = {}) {
  const { status, headers: answered } = await graphqlRequest(harness.yoga, { query, headers });
  return { status, requestId: answered.get('x-request-id') };
}

beforeAll(async () => {
  auth = await startTestAuth([{ name: 'dashboard', key: API_KEY, scopes: ['usage:read'] }], createLogger({ level: 'silent' }));
  ({ keys, authenticator, dir, apiKeysFile } = auth);
  echoingVendor = createServer((req, res) => {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `internal error; request headers were ${JSON.stringify(req.headers)}` }));
  });
  await new Promise<void>((resolve) => echoingVendor.listen(0, '127.0.0.1', resolve));
  harness = await startHarness({
    authenticator,
    credentials: { SHARPE: VENDOR_KEY },
    baseUrls: { SHARPE: `http://127.0.0.1:${(echoingVendor.address() as AddressInfo).port}` },
    // One failed call opens the breaker: a warn line from the channel, within the request.
    policies: { SHARPE: { maxRetries: 0, breaker: { minimumCalls: 1, failureRateThreshold: 0.1, windowMs: 60_000, openMs: 60_000 } } },
  });
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await new Promise((resolve) => echoingVendor?.close(resolve));
  await auth?.close();
});

describe('request-scoped logs through yoga.fetch', () => {
  it('writes one access line per request, with the API key name as caller, and echoes the x-request-id', async () => {
    const { status, requestId } = await ask('query Plans { account(provider: ANYLAYER) { plan { tier } } }', { 'x-api-key': API_KEY, 'x-request-id': 'router-req-1' });
    expect(status).toBe(200);
    expect(requestId).toBe('router-req-1');
    const lines = accessLines(harness.logs, 'router-req-1');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      method: 'POST',
      path: '/graphql',
      operationName: 'Plans',
      status: 200,
      vendorCalls: 1,
      cacheHits: 0,
      caller: 'dashboard',
    });
    expect(lines[0]!.durationMs).toEqual(expect.any(Number));
    expect(lines[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(harness.logs.join('')).not.toContain(API_KEY);
  });

  it('counts the vendor answers served from the cache: the same query again is one hit and no vendor call', async () => {
    await ask('query Warm { account(provider: ANYLAYER) { plan { tier } } }', { 'x-api-key': API_KEY, 'x-request-id': 'warm-1' });
    await ask('query Warm { account(provider: ANYLAYER) { plan { tier } } }', { 'x-api-key': API_KEY, 'x-request-id': 'warm-2' });
    expect(accessLines(harness.logs, 'warm-2')[0]).toMatchObject({ vendorCalls: 0, cacheHits: 1 });
  });

  it('names an operation from its document when the request does not', async () => {
    const { requestId } = await ask('query FromDocument { providers { id } }', { 'x-api-key': API_KEY });
    expect(accessLines(harness.logs, requestId!)[0]).toMatchObject({ operationName: 'FromDocument', vendorCalls: 0 });
  });

  it('generates a UUID when the request has no id, and replaces one that is too long or not printable ASCII', async () => {
    const absent = await ask('{ providers { id } }', { 'x-api-key': API_KEY });
    expect(absent.requestId).toMatch(UUID);
    expect(accessLines(harness.logs, absent.requestId!)).toHaveLength(1);
    for (const invalid of ['x'.repeat(129), 'caf\u00e9']) {
      const replaced = await ask('{ providers { id } }', { 'x-api-key': API_KEY, 'x-request-id': invalid });
      expect(replaced.requestId).toMatch(UUID);
      expect(harness.logs.join('')).not.toContain(invalid);
    }
    expect((await ask('{ providers { id } }', { 'x-api-key': API_KEY, 'x-request-id': 'y'.repeat(128) })).requestId).toBe('y'.repeat(128));
  });

  it("names a JWT caller by its sub and never logs the token", async () => {
    const token = await keys.sign({ sub: 'partner-42', scope: 'usage:read' });
    const { requestId } = await ask('{ providers { id } }', { authorization: `Bearer ${token}`, 'x-request-id': 'jwt-req' });
    expect(requestId).toBe('jwt-req');
    expect(accessLines(harness.logs, 'jwt-req')[0]).toMatchObject({ caller: 'partner-42', status: 200 });
    expect(harness.logs.join('')).not.toContain(token);
    expect(harness.logs.join('')).not.toContain(token.split('.')[2]);
  });

  it('gives a refusal at the identity edge (401) its id and its access line, without the credential sent', async () => {
    const wrongKey = 'ugw_wrong_key_0f9e8d7c6b5a4321';
    const { status, requestId } = await ask('{ providers { id } }', { 'x-api-key': wrongKey, 'x-request-id': 'refused-req' });
    expect([status, requestId]).toEqual([401, 'refused-req']);
    const lines = parsed(harness.logs).filter((line) => line.requestId === 'refused-req');
    expect(lines.map((line) => line.message)).toEqual(['request refused: not authenticated', 'request']);
    expect(lines[1]).toMatchObject({ status: 401, caller: null, vendorCalls: 0, operationName: null });
    expect(harness.logs.join('')).not.toContain(wrongKey);
  });

  it('carries the id on every line of the request, a vendor failure from the channel included, with the echoed vendor key redacted', async () => {
    const { status, requestId } = await ask('{ account(provider: SHARPE) { plan { tier } } }', { 'x-api-key': API_KEY, 'x-request-id': 'vendor-fails' });
    expect([status, requestId]).toEqual([200, 'vendor-fails']);
    const lines = parsed(harness.logs).filter((line) => line.requestId === 'vendor-fails');
    expect(lines.find((line) => line.level === 'warn')).toMatchObject({ message: 'circuit breaker opened: calls to this vendor fail fast', provider: 'SHARPE' });
    expect(lines.at(-1)).toMatchObject({ message: 'request', vendorCalls: 1 });
    // Every line written while the request was served carries its id: none is left without one.
    const untagged = parsed(harness.logs).filter((line) => line.requestId === undefined && String(line.provider) === 'SHARPE');
    expect(untagged).toEqual([]);
    const all = harness.logs.join('');
    expect(all).not.toContain(VENDOR_KEY);
    expect(all).not.toContain(JSON.stringify(VENDOR_KEY).slice(1, -1));
  });

  it('redacts a credential with `"` and `\\` that a client put in its x-request-id, in every line', async () => {
    const { requestId } = await ask('{ account(provider: SHARPE) { plan { tier } } }', { 'x-api-key': API_KEY, 'x-request-id': VENDOR_KEY });
    expect(requestId).toBe(VENDOR_KEY);
    const mine = parsed(harness.logs).filter((line) => line.requestId === REDACTED);
    expect(mine.length).toBeGreaterThan(0);
    expect(harness.logs.join('')).not.toContain(JSON.stringify(VENDOR_KEY).slice(1, -1));
  });
});

describe('request-scoped logs of a refusal by the caller rate limit', () => {
  it('gives a 429 its id and its access line', async () => {
    const limited = await startHarness({ authenticator, edge: { callerRateLimitPerMinute: 1 } });
    try {
      const send = (id: string) =>
        limited.yoga.fetch('http://yoga/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, 'x-request-id': id },
          body: JSON.stringify({ query: '{ providers { id } }' }),
        });
      expect((await send('first')).status).toBe(200);
      const refused = await send('second');
      expect([refused.status, refused.headers.get('x-request-id')]).toEqual([429, 'second']);
      expect(accessLines(limited.logs, 'second')).toEqual([expect.objectContaining({ status: 429, caller: 'dashboard', vendorCalls: 0 })]);
    } finally {
      await limited.close();
    }
  });
});

describe('request-scoped logs through real HTTP', () => {
  let gateway: RunningGateway;
  let port: number;
  const logs: string[] = [];

  beforeAll(async () => {
    const env = { PORT: '0', GATEWAY_DEMO: '1', DATA_DIR: join(dir, 'data'), AUTH_API_KEYS_FILE: apiKeysFile, MAX_REQUEST_BYTES: '1024' };
    gateway = await startGateway(loadConfig(env), { logger: createLogger({ level: 'debug', write: (line) => logs.push(line) }) });
    port = Number(new URL(gateway.url).port);
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
  });

  function post(body: string, headers: Record<string, string>): Promise<{ status: number; requestId: string | undefined }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/graphql?debug=1', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, requestId: res.headers['x-request-id'] as string | undefined }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('writes one access line per request and echoes its id', async () => {
    const { status, requestId } = await post(JSON.stringify({ query: 'query Overview { accounts { provider { id } error { code } } }' }), { 'x-api-key': API_KEY, 'x-request-id': 'http-1' });
    expect([status, requestId]).toEqual([200, 'http-1']);
    const lines = accessLines(logs, 'http-1');
    expect(lines).toEqual([expect.objectContaining({ method: 'POST', path: '/graphql', operationName: 'Overview', status: 200, caller: 'dashboard' })]);
    expect(lines[0]!.vendorCalls).toBeGreaterThan(0);
    expect(logs.join('')).not.toContain(API_KEY);
  });

  it('gives a body over MAX_REQUEST_BYTES (413) a generated id and its access line', async () => {
    const { status, requestId } = await post(JSON.stringify({ query: `{ providers { id } } #${'x'.repeat(2000)}` }), { 'x-api-key': API_KEY });
    expect(status).toBe(413);
    expect(requestId).toMatch(UUID);
    expect(accessLines(logs, requestId!)).toEqual([expect.objectContaining({ status: 413, path: '/graphql', caller: null, vendorCalls: 0 })]);
  });
});
