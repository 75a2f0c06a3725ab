import { networkInterfaces } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client, request } from 'undici';
import { adoptSimulatorAdminToken, isLoopbackAddress, isLoopbackHostHeader, SIMULATOR_ADMIN_HEADER, simulatorAdminToken } from '../../src/simulators/http-server.js';
import { startVendorSimulators } from '../../src/providers/vendor-simulators.js';
import { InvalidFaultError, type SimulatorHandle } from '../../src/simulators/index.js';
import { ANYLAYER_DEMO_CREDENTIAL, startAnylayerSimulator } from '../../src/simulators/anylayer/server.js';
import { ARRAYS_DEMO_CREDENTIAL, startArraysSimulator } from '../../src/simulators/arrays.js';
import { FARADAY_DEMO_CREDENTIAL, startFaradaySimulator } from '../../src/simulators/faraday.js';
import { SHARPE_DEMO_CREDENTIAL, startSharpeSimulator } from '../../src/simulators/sharpe.js';
import { bearer, get, type Reply } from '../support/http-get.js';

/** Faraday's /v1/usages body carries no request id, so a normal answer is byte-for-byte repeatable. */
let sim: SimulatorHandle;
const PATH = '/v1/usages';

function usages(s: SimulatorHandle = sim): Promise<Reply> {
  return get(`${s.baseUrl}${PATH}`, bearer(s.credential));
}

const ADMIN = { [SIMULATOR_ADMIN_HEADER]: simulatorAdminToken() };

async function admin(method: string, path: string, body?: unknown, headers: Record<string, string> = ADMIN): Promise<Reply> {
  const response = await request(`${sim.baseUrl}${path}`, {
    method: method as 'GET',
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: () => JSON.parse(text) };
}

function settledWithin<T>(promise: Promise<T>, ms: number): Promise<'pending' | 'settled'> {
  return Promise.race([
    promise.then(
      () => 'settled' as const,
      () => 'settled' as const,
    ),
    new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms)),
  ]);
}

beforeAll(async () => {
  sim = await startFaradaySimulator();
});
afterEach(() => {
  sim.setFault(null);
});
afterAll(async () => {
  await sim.close();
});

describe('fault modes', () => {
  it('latency: answers normally after the delay', async () => {
    const normal = (await usages()).text;
    sim.setFault({ fault: { mode: 'latency', ms: 300 } });
    const start = performance.now();
    const reply = await usages();
    expect(performance.now() - start).toBeGreaterThanOrEqual(290);
    expect(reply.status).toBe(200);
    expect(reply.text).toBe(normal);
  });

  it('hang: holds the request until the fault is cleared, then answers normally', async () => {
    sim.setFault({ fault: { mode: 'hang' } });
    const pending = usages();
    expect(await settledWithin(pending, 300)).toBe('pending');
    sim.setFault(null);
    const reply = await pending;
    expect(reply.status).toBe(200);
    expect(reply.json()[0].name).toBe('cohort.max_count');
  });

  it('hang: close() ends hung requests and keep-alive sockets promptly', async () => {
    const s = await startSharpeSimulator();
    const client = new Client(new URL(s.baseUrl).origin);
    const idle = await client.request({ method: 'GET', path: '/api/v1/usage', headers: bearer(s.credential) });
    await idle.body.dump();
    s.setFault({ fault: { mode: 'hang' } });
    const hung = get(`${s.baseUrl}/v1/usage`, bearer(s.credential));
    expect(await settledWithin(hung, 200)).toBe('pending');
    const start = performance.now();
    await s.close();
    expect(performance.now() - start).toBeLessThan(1000);
    await expect(hung).rejects.toThrow();
    await client.close();
    await expect(get(`${s.baseUrl}/v1/usage`, bearer(s.credential))).rejects.toThrow();
  });

  it('status: sends the vendor error body, for the next `count` requests only', async () => {
    sim.setFault({ fault: { mode: 'status', status: 503 }, count: 2 });
    for (let i = 0; i < 2; i++) {
      const reply = await usages();
      expect(reply.status).toBe(503);
      expect(reply.json()).toMatchObject({ error: 'INTERNAL_SERVER_ERROR', validationErrors: [] });
    }
    expect((await usages()).status).toBe(200);
  });

  it.each(['7', 'Wed, 21 Oct 2026 07:28:00 GMT'])('rate-limit: 429 with Retry-After %j verbatim', async (retryAfter) => {
    sim.setFault({ fault: { mode: 'rate-limit', retryAfter } });
    const reply = await usages();
    expect(reply.status).toBe(429);
    expect(reply.headers['retry-after']).toBe(retryAfter);
    expect(reply.json()).toMatchObject({ error: 'MAX_RESOURCES_REACHED', validationErrors: [] });
  });

  it('malformed-json: 200 with a JSON content type and a body that does not parse', async () => {
    sim.setFault({ fault: { mode: 'malformed-json' } });
    const reply = await usages();
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.text.length).toBeGreaterThan(10);
    expect(() => JSON.parse(reply.text)).toThrow(SyntaxError);
  });

  it('html: 200 with an HTML page', async () => {
    sim.setFault({ fault: { mode: 'html' } });
    const reply = await usages();
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/html/);
    expect(reply.text).toMatch(/^<!DOCTYPE html>/);
  });

  it('truncated: 200, a prefix of the normal body, then the connection drops', async () => {
    const normal = (await usages()).text;
    sim.setFault({ fault: { mode: 'truncated' } });
    const response = await request(`${sim.baseUrl}${PATH}`, { headers: bearer(sim.credential) });
    expect(response.statusCode).toBe(200);
    expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(normal));
    let received = '';
    let failure: unknown = null;
    try {
      for await (const chunk of response.body) received += String(chunk);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(Error);
    expect(received.length).toBeGreaterThan(0);
    expect(received.length).toBeLessThan(normal.length);
    expect(normal.startsWith(received)).toBe(true);
  });

  it('reset: destroys the socket without an answer', async () => {
    sim.setFault({ fault: { mode: 'reset' }, count: 1 });
    await expect(usages()).rejects.toThrow();
    expect((await usages()).status).toBe(200);
  });

  it('rejects invalid settings from code', () => {
    expect(() => sim.setFault({ fault: { mode: 'status', status: 200 } })).toThrow(InvalidFaultError);
    expect(() => sim.setFault({ fault: { mode: 'latency', ms: -1 } })).toThrow(InvalidFaultError);
    expect(() => sim.setFault({ fault: { mode: 'explode' } as never })).toThrow(InvalidFaultError);
    expect(() => sim.setFault({ fault: { mode: 'reset' }, count: 0 })).toThrow(InvalidFaultError);
  });
});

describe('vendor error bodies under faults', () => {
  it.each([
    ['ARRAYS', () => startArraysSimulator(), '/v1/partner/usage', { 'x-service-token': ARRAYS_DEMO_CREDENTIAL }],
    ['ANYLAYER', () => startAnylayerSimulator(), '/v1/developer/usage', bearer(ANYLAYER_DEMO_CREDENTIAL)],
    ['SHARPE', () => startSharpeSimulator(), '/v1/usage', bearer(SHARPE_DEMO_CREDENTIAL)],
    ['FARADAY', () => startFaradaySimulator(), '/v1/usages', bearer(FARADAY_DEMO_CREDENTIAL)],
  ] as const)('%s: 500/502/503/504 and 429 use the vendor shape', async (provider, start, path, headers) => {
    const s = await start();
    try {
      expect(s.provider).toBe(provider);
      const shapes: unknown[] = [];
      for (const status of [500, 502, 503, 504]) {
        s.setFault({ fault: { mode: 'status', status }, count: 1 });
        const reply = await get(`${s.baseUrl}${path}`, headers);
        expect(reply.status).toBe(status);
        expect(reply.headers['content-type']).toMatch(/^application\/json/);
        shapes.push(Object.keys(reply.json()));
      }
      s.setFault({ fault: { mode: 'rate-limit', retryAfter: '30' }, count: 1 });
      const limited = await get(`${s.baseUrl}${path}`, headers);
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBe('30');
      shapes.push(Object.keys(limited.json()));
      const expected = {
        ARRAYS: ['success', 'data', 'error', 'request_id'],
        ANYLAYER: ['success', 'error'],
        SHARPE: ['error', 'meta'],
        FARADAY: ['error', 'id', 'message', 'validationErrors'],
      }[provider];
      for (const keys of shapes) expect(keys).toEqual(expected);
      const body = limited.json();
      const code = { ARRAYS: body.error?.code, ANYLAYER: body.error?.code, SHARPE: body.error?.code, FARADAY: body.error }[provider];
      expect(code).toBe({ ARRAYS: 'RATE_LIMITED', ANYLAYER: 'RATE_LIMIT_EXCEEDED', SHARPE: 'RATE_LIMITED', FARADAY: 'MAX_RESOURCES_REACHED' }[provider]);
      expect((await get(`${s.baseUrl}${path}`, headers)).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('admin routes', () => {
  it('switch faults over HTTP', async () => {
    expect((await admin('PUT', '/__sim/fault', { fault: { mode: 'status', status: 504 }, count: 1 })).status).toBe(204);
    expect((await admin('GET', '/__sim/fault')).json()).toEqual({ fault: { mode: 'status', status: 504 }, remaining: 1 });
    expect((await usages()).status).toBe(504);
    expect((await usages()).status).toBe(200);
    expect((await admin('PUT', '/__sim/fault', { fault: { mode: 'html' } })).status).toBe(204);
    expect((await usages()).headers['content-type']).toMatch(/^text\/html/);
    expect((await admin('DELETE', '/__sim/fault')).status).toBe(204);
    expect((await admin('GET', '/__sim/fault')).json()).toEqual({ fault: null, remaining: null });
    expect((await usages()).status).toBe(200);
  });

  it('refuse invalid fault settings with 400', async () => {
    for (const body of ['not json', { fault: { mode: 'nope' } }, { fault: { mode: 'latency' } }, { fault: { mode: 'rate-limit', retryAfter: '' } }, []]) {
      const reply = await admin('PUT', '/__sim/fault', body);
      expect(reply.status).toBe(400);
      expect(typeof reply.json().error).toBe('string');
    }
    expect((await usages()).status).toBe(200);
    expect((await admin('POST', '/__sim/fault', {})).status).toBe(404);
  });

  it('count vendor hits per path, leaving admin requests out', async () => {
    sim.resetHits();
    await usages();
    await usages();
    await get(`${sim.baseUrl}/v1/accounts/current/usage`, bearer(sim.credential));
    await get(`${sim.baseUrl}/v1/nowhere`);
    await admin('GET', '/__sim/hits');
    expect(sim.hits()).toBe(4);
    expect(sim.hits('/v1/usages')).toBe(2);
    expect(sim.hits('/v1/nowhere')).toBe(1);
    expect(sim.hits('/v1/other')).toBe(0);
    expect((await admin('GET', '/__sim/hits')).json()).toEqual({
      total: 4,
      byPath: { '/v1/usages': 2, '/v1/accounts/current/usage': 1, '/v1/nowhere': 1 },
    });
    sim.setFault({ fault: { mode: 'reset' }, count: 1 });
    await expect(usages()).rejects.toThrow();
    expect(sim.hits('/v1/usages')).toBe(3);
    expect((await admin('DELETE', '/__sim/hits')).status).toBe(204);
    expect(sim.hits()).toBe(0);
  });

  it('accept loopback peers only', async () => {
    for (const address of ['127.0.0.1', '127.10.20.30', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(address)).toBe(true);
    for (const address of [undefined, '10.0.0.1', '192.168.1.127', '::ffff:10.1.2.3', '::2', 'fe80::1']) expect(isLoopbackAddress(address)).toBe(false);
  });

  it('need the per-process admin token: none or a wrong one is 401, and nothing changes', async () => {
    const token = simulatorAdminToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(simulatorAdminToken()).toBe(token);
    for (const headers of [{} as Record<string, string>, { [SIMULATOR_ADMIN_HEADER]: '' }, { [SIMULATOR_ADMIN_HEADER]: `${token}x` }, { [SIMULATOR_ADMIN_HEADER]: token.slice(1) }]) {
      const refused = await admin('PUT', '/__sim/fault', { fault: { mode: 'status', status: 503 } }, headers);
      expect(refused.status, JSON.stringify(headers)).toBe(401);
      expect(refused.json()).toEqual({ error: `simulator admin routes need the ${SIMULATOR_ADMIN_HEADER} header of this process` });
      expect(refused.text).not.toContain(token);
      expect((await admin('GET', '/__sim/hits', undefined, headers)).status).toBe(401);
    }
    expect((await usages()).status).toBe(200);
  });

  it('keep their admin token once made: adopting it again is allowed, another or a short one is refused', () => {
    const token = simulatorAdminToken();
    adoptSimulatorAdminToken(token);
    expect(simulatorAdminToken()).toBe(token);
    expect(() => adoptSimulatorAdminToken(`${token}x`)).toThrow('already has another simulator admin token');
    expect(() => adoptSimulatorAdminToken('short')).toThrow(RangeError);
    expect(simulatorAdminToken()).toBe(token);
  });

  it('answer a loopback Host only (DNS rebinding): another Host is 403 even with the token', async () => {
    for (const host of ['127.0.0.1', '127.0.0.1:8080', 'localhost', 'localhost:1', '[::1]', '[::1]:443']) expect(isLoopbackHostHeader(host), host).toBe(true);
    for (const host of [undefined, '', 'evil.example', 'evil.example:80', '127.0.0.1.evil.example', 'localhost.evil.example', '10.0.0.1', '[::2]']) {
      expect(isLoopbackHostHeader(host), String(host)).toBe(false);
    }
    const port = new URL(sim.baseUrl).port;
    const refused = await get(`http://127.0.0.1:${port}/__sim/hits`, { ...ADMIN, host: `evil.example:${port}` });
    expect(refused.status).toBe(403);
    expect(refused.json()).toEqual({ error: 'simulator admin routes answer a loopback Host only' });
    expect((await get(`http://127.0.0.1:${port}/__sim/hits`, { ...ADMIN, host: `localhost:${port}` })).status).toBe(200);
  });

  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;
  it.skipIf(external === undefined)('refuse a non-loopback client with 403 while vendor routes still answer', async () => {
    const s = await startFaradaySimulator({ host: '0.0.0.0' });
    try {
      const port = new URL(s.baseUrl).port;
      const refused = await get(`http://${external}:${port}/__sim/hits`, ADMIN);
      expect(refused.status).toBe(403);
      expect(refused.json()).toEqual({ error: 'simulator admin routes accept loopback clients only' });
      expect((await get(`http://${external}:${port}/v1/usages`, bearer(s.credential))).status).toBe(200);
      expect((await get(`http://127.0.0.1:${port}/__sim/hits`, ADMIN)).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('connections and startVendorSimulators', () => {
  it('keeps connections alive', async () => {
    const client = new Client(new URL(sim.baseUrl).origin);
    const sockets = new Set<unknown>();
    client.on('connect', (_origin, targets) => sockets.add(targets));
    try {
      for (let i = 0; i < 3; i++) {
        const r = await client.request({ method: 'GET', path: PATH, headers: bearer(sim.credential) });
        expect(r.headers.connection).toBe('keep-alive');
        await r.body.dump();
      }
      expect(sockets.size).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('startVendorSimulators starts all four with their demo credentials and closes them', async () => {
    const all = await startVendorSimulators({ seed: 42, each: { arrays: { entries: 500 } } });
    try {
      expect(all.arrays.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
      expect(all.sharpe.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
      expect(all.anylayer.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(all.faraday.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(all.arrays.length).toBe(500);
      expect([all.arrays, all.anylayer, all.sharpe, all.faraday].map((s) => s.credential)).toEqual([
        ARRAYS_DEMO_CREDENTIAL,
        ANYLAYER_DEMO_CREDENTIAL,
        SHARPE_DEMO_CREDENTIAL,
        FARADAY_DEMO_CREDENTIAL,
      ]);
      for (const credential of [ARRAYS_DEMO_CREDENTIAL, ANYLAYER_DEMO_CREDENTIAL, SHARPE_DEMO_CREDENTIAL, FARADAY_DEMO_CREDENTIAL]) expect(credential.length).toBeGreaterThanOrEqual(16);
      expect((await get(`${all.arrays.baseUrl}/v1/partner/usage`, { 'x-service-token': all.arrays.credential })).status).toBe(200);
      expect((await get(`${all.anylayer.baseUrl}/v1/developer/usage`, bearer(all.anylayer.credential))).status).toBe(200);
      expect((await get(`${all.sharpe.baseUrl}/v1/usage`, bearer(all.sharpe.credential))).status).toBe(200);
      expect((await get(`${all.faraday.baseUrl}/v1/accounts/current/usage`, bearer(all.faraday.credential))).status).toBe(200);
      expect(all.sharpe.hits('/api/v1/usage')).toBe(1);
    } finally {
      await all.close();
    }
    await expect(get(`${all.sharpe.baseUrl}/v1/usage`)).rejects.toThrow();
  });
});
