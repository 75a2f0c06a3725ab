import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/common/logger.js';
import { startVendorSimulators, type VendorSimulators } from '../../src/providers/vendor-simulators.js';
import { VENDORS } from '../../src/providers/vendors.js';
import { startGateway, type RunningGateway } from '../../src/server.js';

/**
 * The edge against abuse, over real HTTP on loopback: a gateway as `npm start` runs it against
 * real vendors (here the simulators, in this process so their hits can be counted), with
 * authentication by API keys, a listed browser origin and a small per-caller rate limit.
 */

const ORIGIN = 'https://app.example';
const KEYS = {
  alice: 'ugw_alice_key_0b9f3c6d2e1a7f48',
  bob: 'ugw_bob_key_5e2d8a1c9b3f6e07',
  carol: 'ugw_carol_key_7a4e1d9c3b8f2e65',
  dave: 'ugw_dave_key_2c8f5b1e9d7a3e40',
};
const RATE_LIMIT = 40;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let sims: VendorSimulators;
let gateway: RunningGateway;
let dir: string;
let port: number;

const CONFIGURED = VENDORS.filter((vendor) => vendor.startService === undefined);
const vendorCalls = () => VENDORS.reduce((sum, { key }) => sum + sims[key].hits(), 0);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): any;
}

/** A raw HTTP request, so that `Host` and the body's framing are ours to choose. */
function send(options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const { method = 'POST', path = '/graphql', headers = {}, body, chunked = false } = options;
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    if (body !== undefined) {
      if (!chunked) req.setHeader('content-length', Buffer.byteLength(body));
      req.write(body);
    }
    req.end();
  });
}

const graphql = (query: string, key: string = KEYS.alice, headers: Record<string, string> = {}) =>
  send({ headers: { 'content-type': 'application/json', 'x-api-key': key, ...headers }, body: JSON.stringify({ query }) });

beforeAll(async () => {
  sims = await startVendorSimulators();
  dir = await mkdtemp(join(tmpdir(), 'security-edge-'));
  const keysFile = join(dir, 'api-keys.json');
  await writeFile(
    keysFile,
    JSON.stringify([
      { name: 'alice', sha256: sha256(KEYS.alice), scopes: ['usage:read'] },
      { name: 'bob', sha256: sha256(KEYS.bob), scopes: ['usage:read'] },
      { name: 'carol', sha256: sha256(KEYS.carol), scopes: ['usage:read'] },
      { name: 'dave', sha256: sha256(KEYS.dave), scopes: ['usage:read'] },
    ]),
  );
  const env: Record<string, string> = {
    PORT: '0',
    DATA_DIR: join(dir, 'data'),
    AUTH_API_KEYS_FILE: keysFile,
    CORS_ORIGINS: `${ORIGIN},https://admin.example`,
    CALLER_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
    // Every vendor but the one with a background service, so that every vendor call counted is a request's.
    ...Object.fromEntries(CONFIGURED.flatMap(({ key, env: names }) => [
      [names.baseUrl, sims[key].baseUrl],
      [names.credential, sims[key].credential],
    ])),
  };
  gateway = await startGateway(loadConfig(env), { logger: createLogger({ level: 'silent' }) });
  port = Number(new URL(gateway.url).port);
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await sims?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('browser rules', () => {
  it('a listed origin gets its own origin back, a max-age and no credentials; an unlisted one gets no CORS header at all', async () => {
    const preflight = (origin: string) =>
      send({ method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-api-key' } });
    const listed = await preflight(ORIGIN);
    expect(listed.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(listed.headers['access-control-max-age']).toBe('600');
    expect(listed.headers['access-control-allow-credentials']).toBeUndefined();
    expect(String(listed.headers['access-control-allow-headers'])).toContain('x-api-key');
    const evil = await preflight('https://evil.example');
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    expect(evil.headers['access-control-allow-credentials']).toBeUndefined();
    const before = vendorCalls();
    const post = await graphql('{ providers { id } }', KEYS.alice, { origin: 'https://evil.example' });
    expect(post.headers['access-control-allow-origin']).toBeUndefined();
    expect(vendorCalls() - before).toBe(0);
  });

  it('a form-encoded cross-site POST and a GET without a CSRF header are refused; JSON POSTs and GETs with the header pass', async () => {
    const before = vendorCalls();
    const form = await send({
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-api-key': KEYS.alice },
      body: `query=${encodeURIComponent('{ accounts { provider { id } } }')}`,
    });
    expect(form.status).toBe(403);
    const get = await send({ method: 'GET', path: `/graphql?query=${encodeURIComponent('{ accounts { provider { id } } }')}`, headers: { 'x-api-key': KEYS.alice } });
    expect(get.status).toBe(403);
    expect(get.json().errors[0].message).toMatch(/CSRF/);
    expect(vendorCalls() - before).toBe(0);
    const allowed = await send({
      method: 'GET',
      path: `/graphql?query=${encodeURIComponent('{ providers { id } }')}`,
      headers: { 'x-api-key': KEYS.bob, 'apollo-require-preflight': 'true' },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.json().data.providers).toHaveLength(CONFIGURED.length);
  });

  it('a foreign Host (DNS rebinding) is refused; loopback names are answered', async () => {
    const foreign = await send({ headers: { host: 'evil.example', 'content-type': 'application/json', 'x-api-key': KEYS.bob }, body: '{"query":"{ providers { id } }"}' });
    expect(foreign.status).toBe(403);
    expect(foreign.json().errors[0].extensions.code).toBe('HOST_NOT_ALLOWED');
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
      const answer = await send({ headers: { host, 'content-type': 'application/json', 'x-api-key': KEYS.bob }, body: '{"query":"{ __typename }"}' });
      expect(answer.status).toBe(200);
    }
  });
});

describe('request limits', () => {
  it('a body over MAX_REQUEST_BYTES is answered 413 before it is read, a chunked one 411', async () => {
    const before = vendorCalls();
    const big = await send({ headers: { 'content-type': 'application/json', 'x-api-key': KEYS.bob }, body: JSON.stringify({ query: `{ __typename }`, pad: 'x'.repeat(2 * 1024 * 1024) }) });
    expect(big.status).toBe(413);
    expect(big.json().errors[0].extensions.code).toBe('REQUEST_TOO_LARGE');
    const chunked = await send({ headers: { 'content-type': 'application/json', 'x-api-key': KEYS.bob }, body: '{"query":"{ __typename }"}', chunked: true });
    expect(chunked.status).toBe(411);
    expect(vendorCalls() - before).toBe(0);
  });

  it('alias, depth, token and directive bombs: refused in the validation or parse phase, no vendor call, memory bounded', async () => {
    const nested = (depth: number): string => (depth === 0 ? 'name' : `ofType { ${nested(depth - 1)} }`);
    const bombs = [
      `{ ${Array.from({ length: 61 }, (_, i) => `k${i}: apiKeyUsage(input: { limit: ${i + 1} }) { totals { requests } }`).join(' ')} }`,
      `{ ${Array.from({ length: 9000 }, (_, i) => `a${i}: __typename`).join(' ')} }`,
      `{ __typename ${'@skip(if: false) '.repeat(60)} }`,
      `{ __type(name: "Account") { fields { type { ${nested(15)} } } } }`,
    ];
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const before = vendorCalls();
    for (const bomb of bombs) {
      const answer = await graphql(bomb, KEYS.bob);
      const body = answer.json();
      expect(body.data, bomb.slice(0, 60)).toBeUndefined();
      expect(['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED']).toContain(body.errors[0].extensions.code);
    }
    expect(vendorCalls() - before).toBe(0);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
  });
});

describe('demand control', () => {
  const overBudget = `{ ${Array.from({ length: 11 }, (_, i) => `k${i}: apiKeyUsage(input: { limit: ${i + 1} }) { totals { requests } }`).join(' ')} }`;

  it('an operation over the vendor-call budget is refused with its estimate and the limit, at no vendor call', async () => {
    const before = vendorCalls();
    const body = (await graphql(overBudget, KEYS.alice)).json();
    expect(body.data).toBeUndefined();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions).toMatchObject({ code: 'OPERATION_TOO_EXPENSIVE', estimatedVendorCalls: 11, maxVendorCallsPerOperation: 10 });
    expect(body.extensions.cost).toEqual({ vendorCalls: { estimated: 11, actual: 0 } });
    expect(vendorCalls() - before).toBe(0);
  });

  it('20 concurrent over-budget operations: all refused, no vendor call', async () => {
    const before = vendorCalls();
    const answers = await Promise.all(Array.from({ length: 20 }, () => graphql(overBudget, KEYS.bob)));
    expect(answers.map((answer) => answer.json().errors[0].extensions.code)).toEqual(Array(20).fill('OPERATION_TOO_EXPENSIVE'));
    expect(vendorCalls() - before).toBe(0);
  });
});

describe('per-caller rate limit', () => {
  it('one caller past its limit gets 429 with Retry-After while another still gets through', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMIT + 2; i += 1) statuses.push((await graphql('{ __typename }', KEYS.carol)).status);
    const over = await graphql('{ __typename }', KEYS.carol);
    expect(statuses.slice(0, RATE_LIMIT)).toEqual(Array(RATE_LIMIT).fill(200));
    expect(statuses.slice(RATE_LIMIT)).toEqual([429, 429]);
    expect(over.status).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(over.json().errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
    const other = await graphql('{ __typename }', KEYS.dave);
    expect(other.status).toBe(200);
    // Probes are never counted or refused.
    expect((await send({ method: 'GET', path: '/health', headers: { host: 'probe.internal' } })).status).toBe(200);
  });
});
