import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'undici';
import { type SimulatorHandle } from '../../src/simulators/index.js';
import { SHARPE_DEMO_CREDENTIAL, startSharpeSimulator } from '../../src/simulators/sharpe.js';
import { bearer, get, type Reply } from '../support/http-get.js';

let sim: SimulatorHandle;

function usage(headers: Record<string, string> = bearer(sim.credential), s = sim): Promise<Reply> {
  return get(`${s.baseUrl}/v1/usage`, headers);
}

function withoutRequestId(body: any): any {
  return { ...body, meta: { ...body.meta, request_id: undefined } };
}

const REQUEST_ID = /^req_[0-9a-f]{16}$/;

beforeAll(async () => {
  sim = await startSharpeSimulator();
});
afterAll(async () => {
  await sim.close();
});

describe('Sharpe simulator: body', () => {
  it('serves /api/v1/usage with the documented shape, self-disagreement included', async () => {
    expect(sim.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
    expect(sim.credential).toBe(SHARPE_DEMO_CREDENTIAL);
    expect(sim.credential).toMatch(/^sk_live_sim_/);
    const reply = await usage();
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    const body = reply.json();
    expect(Object.keys(body)).toEqual(['data', 'meta']);
    expect(Object.keys(body.data)).toEqual(['plan', 'rate_limit', 'quota', 'last_24h']);
    const { plan, rate_limit, quota, last_24h } = body.data;
    expect(Object.keys(plan)).toEqual(['tier', 'rpm', 'monthly_limit']);
    expect(['free', 'analyst', 'pro', 'enterprise']).toContain(plan.tier);
    expect(Object.keys(rate_limit)).toEqual(['requests_per_minute']);
    expect(rate_limit.requests_per_minute).toBeGreaterThanOrEqual(500);
    expect(plan.rpm).not.toBe(rate_limit.requests_per_minute);
    expect(plan.monthly_limit).not.toBe(quota.limit);
    expect(Object.keys(quota)).toEqual(['used', 'limit', 'remaining', 'resets_at']);
    expect(quota.remaining).toBe(quota.limit - quota.used);
    expect(quota.resets_at).toBe('2026-12-01T00:00:00Z');
    expect(Object.keys(last_24h)).toEqual(['total_requests', 'by_endpoint']);
    const endpoints = Object.entries(last_24h.by_endpoint) as [string, any][];
    expect(endpoints.length).toBeGreaterThanOrEqual(4);
    expect(endpoints.map(([path]) => path)).toContain('/api/v1/funding/rates');
    for (const [path, stats] of endpoints) {
      expect(path).toMatch(/^\/api\/v1\//);
      expect(Object.keys(stats)).toEqual(['count', 'avg_response_ms', 'errors']);
      expect(Number.isInteger(stats.count)).toBe(true);
      expect(stats.errors).toBeLessThanOrEqual(stats.count);
    }
    expect(endpoints.reduce((s, [, e]) => s + e.count, 0)).toBe(last_24h.total_requests);
    expect(Object.keys(body.meta)).toEqual(['request_id', 'timestamp', 'elapsed_ms']);
    expect(body.meta.request_id).toMatch(REQUEST_ID);
    expect(body.meta.timestamp).toBe('2026-11-20T12:00:05Z');
  });

  it('is deterministic per seed and credential except for request ids, which are unique', async () => {
    const twin = await startSharpeSimulator();
    const other = await startSharpeSimulator({ credentials: ['sk_live_sim_other_customer_77'] });
    try {
      const a = (await usage()).json();
      const b = (await usage(bearer(twin.credential), twin)).json();
      expect(a.meta.request_id).not.toBe(b.meta.request_id);
      expect(withoutRequestId(b)).toEqual(withoutRequestId(a));
      const c = (await usage(bearer(other.credential), other)).json();
      expect(c.data.quota.used).not.toBe(a.data.quota.used);
      expect(c.data.last_24h.total_requests).not.toBe(a.data.last_24h.total_requests);
    } finally {
      await Promise.all([twin.close(), other.close()]);
    }
  });
});

describe('Sharpe simulator: errors', () => {
  it.each([
    ['no header', {}, 'Missing API key. Send Authorization: Bearer <key>.'],
    ['a wrong key', bearer('sk_live_sim_wrong'), 'Invalid or missing API key.'],
    ['a key without the Bearer scheme', { authorization: SHARPE_DEMO_CREDENTIAL }, 'Invalid or missing API key.'],
  ])('answers 401 for %s', async (_label, headers, message) => {
    const reply = await usage(headers);
    expect(reply.status).toBe(401);
    expect(reply.json()).toEqual({
      error: { code: 'UNAUTHORIZED', message },
      meta: { request_id: expect.stringMatching(REQUEST_ID) },
    });
  });

  it('answers 403 INSUFFICIENT_SCOPE for an accepted key without usage:read', async () => {
    const s = await startSharpeSimulator({ credentials: ['sk_live_noscope_4a1b2c3d4e5f'] });
    try {
      const reply = await usage(bearer(s.credential), s);
      expect(reply.status).toBe(403);
      expect(reply.json()).toEqual({
        error: { code: 'INSUFFICIENT_SCOPE', message: "This API key lacks the 'usage:read' scope required by GET /v1/usage." },
        meta: { request_id: expect.stringMatching(REQUEST_ID) },
      });
    } finally {
      await s.close();
    }
  });

  it('answers 404 in its own error shape for other paths', async () => {
    const reply = await get(`${sim.baseUrl}/v1/usages`, bearer(sim.credential));
    expect(reply.status).toBe(404);
    expect(reply.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'Not Found' }, meta: { request_id: expect.stringMatching(REQUEST_ID) } });
  });

  it('enforces rate_limit.requests_per_minute per credential with 429 and Retry-After', async () => {
    const s = await startSharpeSimulator({ credentials: ['sk_live_sim_ratelimit_a', 'sk_live_sim_ratelimit_b'] });
    const origin = new URL(s.baseUrl).origin;
    const client = new Client(origin, { pipelining: 10 });
    try {
      const first = (await usage(bearer('sk_live_sim_ratelimit_a'), s)).json();
      const limit: number = first.data.rate_limit.requests_per_minute;
      const statuses = await Promise.all(
        Array.from({ length: limit - 1 }, async () => {
          const r = await client.request({ method: 'GET', path: '/api/v1/usage', headers: bearer('sk_live_sim_ratelimit_a') });
          await r.body.dump();
          return r.statusCode;
        }),
      );
      expect(statuses.every((status) => status === 200)).toBe(true);
      const limited = await usage(bearer('sk_live_sim_ratelimit_a'), s);
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(limited.json()).toEqual({
        error: { code: 'RATE_LIMITED', message: `Rate limit of ${limit} requests per minute exceeded.` },
        meta: { request_id: expect.stringMatching(REQUEST_ID) },
      });
      expect((await usage(bearer('sk_live_sim_ratelimit_b'), s)).status).toBe(200);
    } finally {
      await client.close();
      await s.close();
    }
  });
});

describe('Sharpe simulator: drift', () => {
  it('renames quota.used to quota.consumed and retypes plan.rpm to a string', async () => {
    sim.setFault({ fault: { mode: 'drift' }, count: 1 });
    const drifted = (await usage()).json();
    const normal = (await usage()).json();
    expect(drifted.data.quota).not.toHaveProperty('used');
    expect(drifted.data.quota.consumed).toBe(normal.data.quota.used);
    expect(drifted.data.plan.rpm).toBe(String(normal.data.plan.rpm));
    expect(typeof normal.data.plan.rpm).toBe('number');
  });
});
