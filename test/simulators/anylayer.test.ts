import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatorHandle } from '../../src/simulators/index.js';
import { anylayerKeyIds, startAnylayerSimulator } from '../../src/simulators/anylayer/server.js';
import { bearer, get, type Reply } from '../support/http-get.js';
import { bigIntegers } from '../support/json-values.js';

let sim: SimulatorHandle;

function usage(query = '', headers: Record<string, string> = bearer(sim.credential), s = sim): Promise<Reply> {
  return get(`${s.baseUrl}/v1/developer/usage${query}`, headers);
}

async function ok(query = ''): Promise<any> {
  const reply = await usage(query);
  expect(reply.status).toBe(200);
  return reply.json();
}

beforeAll(async () => {
  sim = await startAnylayerSimulator();
});
afterAll(async () => {
  await sim.close();
});

describe('Anylayer simulator: authentication', () => {
  it.each([
    ['no header', {}],
    ['a wrong key', bearer('al_live_sim_not_a_real_key')],
    ['another scheme', { authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` }],
  ])('answers 401 UNAUTHORIZED for %s', async (_label, headers) => {
    const reply = await usage('', headers);
    expect(reply.status).toBe(401);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.json()).toEqual({ success: false, error: { code: 'UNAUTHORIZED', message: 'Invalid or missing API key.' } });
  });
});

describe('Anylayer simulator: parameters', () => {
  it.each([
    ['timeframe=2h', 'INVALID_TIMEFRAME', "Invalid timeframe '2h'. Supported timeframes: 1h, 24h, 7d, 30d, 90d, 1y, all."],
    ['timeframe=', 'INVALID_TIMEFRAME', "Invalid timeframe ''. Supported timeframes: 1h, 24h, 7d, 30d, 90d, 1y, all."],
    ['granularity=second', 'INVALID_GRANULARITY', "Invalid granularity 'second'. Supported granularities: minute, hour, day, week, month."],
    ['include_breakdown=yes', 'INVALID_PARAMETER', "Invalid include_breakdown 'yes': must be 'true' or 'false'."],
    ['include_errors=1', 'INVALID_PARAMETER', "Invalid include_errors '1': must be 'true' or 'false'."],
    ['include_latency=False', 'INVALID_PARAMETER', "Invalid include_latency 'False': must be 'true' or 'false'."],
    ['sort_by=name', 'INVALID_PARAMETER', "Invalid sort_by 'name': must be one of requests, errors, latency, timestamp."],
    ['order=up', 'INVALID_PARAMETER', "Invalid order 'up': must be 'desc' or 'asc'."],
    ['limit=0', 'INVALID_PARAMETER', "Invalid limit '0': must be an integer between 1 and 1000."],
    ['limit=1001', 'INVALID_PARAMETER', "Invalid limit '1001': must be an integer between 1 and 1000."],
    ['limit=ten', 'INVALID_PARAMETER', "Invalid limit 'ten': must be an integer between 1 and 1000."],
    ['offset=-1', 'INVALID_PARAMETER', "Invalid offset '-1': must be a non-negative integer."],
    ['offset=2.5', 'INVALID_PARAMETER', "Invalid offset '2.5': must be a non-negative integer."],
    ['key_id=', 'INVALID_PARAMETER', 'Invalid key_id: must not be empty.'],
  ])('rejects %s with 400 %s', async (query, code, message) => {
    const reply = await usage(`?${query}`);
    expect(reply.status).toBe(400);
    expect(reply.json()).toEqual({ success: false, error: { code, message } });
  });

  it('accepts every documented enum value and the limit and offset bounds', async () => {
    for (const timeframe of ['1h', '24h', '7d', '30d', '90d', '1y', 'all']) expect((await usage(`?timeframe=${timeframe}&granularity=day`)).status).toBe(200);
    for (const granularity of ['minute', 'hour', 'day', 'week', 'month']) expect((await usage(`?granularity=${granularity}`)).status).toBe(200);
    for (const sortBy of ['requests', 'errors', 'latency', 'timestamp']) expect((await usage(`?sort_by=${sortBy}&order=asc`)).status).toBe(200);
    expect((await ok('?limit=1000&offset=0')).pagination).toEqual({ limit: 1000, offset: 0, total: 24, has_more: false });
    expect((await ok('?limit=1&offset=99999')).data.time_series).toEqual([]);
  });

  it('answers 404 NO_USAGE_DATA for a key id it does not know', async () => {
    const reply = await usage('?key_id=key_live_000000000000000000000000&timeframe=7d');
    expect(reply.status).toBe(404);
    expect(reply.json()).toEqual({
      success: false,
      error: { code: 'NO_USAGE_DATA', message: "No usage data found for key 'key_live_000000000000000000000000' in timeframe 7d." },
    });
  });
});

describe('Anylayer simulator: body', () => {
  it('has the assumed shape with the documented defaults (24h by hour, requests desc, limit 100)', async () => {
    const body = await ok();
    expect(Object.keys(body)).toEqual(['success', 'data', 'pagination', 'timestamp']);
    expect(body.success).toBe(true);
    expect(body.timestamp).toBe('2026-11-20T12:00:00.000Z');
    expect(Object.keys(body.data)).toEqual(['usage', 'time_series', 'endpoints', 'errors', 'rate_limit', 'alerts']);
    expect(Object.keys(body.data.usage)).toEqual(['total_requests', 'successful_requests', 'failed_requests', 'avg_latency_ms', 'p95_latency_ms']);
    const u = body.data.usage;
    expect(u.successful_requests + u.failed_requests).toBe(u.total_requests);
    expect(u.p95_latency_ms).toBeGreaterThan(u.avg_latency_ms);
    expect(body.pagination).toEqual({ limit: 100, offset: 0, total: 24, has_more: false });
    const points = body.data.time_series;
    expect(points).toHaveLength(24);
    expect(Object.keys(points[0])).toEqual(['timestamp', 'requests', 'errors', 'avg_latency_ms']);
    for (let i = 1; i < points.length; i++) expect(points[i].requests).toBeLessThanOrEqual(points[i - 1].requests);
    expect(points.reduce((s: number, p: any) => s + p.requests, 0)).toBe(u.total_requests);
    expect(points.reduce((s: number, p: any) => s + p.errors, 0)).toBe(u.failed_requests);
    const stamps = points.map((p: any) => Date.parse(p.timestamp)).sort((a: number, b: number) => a - b);
    expect(new Date(stamps[0]).toISOString()).toBe('2026-11-19T12:00:00.000Z');
    expect(new Date(stamps[23]).toISOString()).toBe('2026-11-20T11:00:00.000Z');
    for (const e of body.data.endpoints) expect(Object.keys(e)).toEqual(['endpoint', 'method', 'requests', 'errors', 'avg_latency_ms']);
    expect(body.data.endpoints.length).toBeGreaterThanOrEqual(4);
    expect(body.data.endpoints.reduce((s: number, e: any) => s + e.requests, 0)).toBe(u.total_requests);
    const errors = body.data.errors;
    expect(errors.total).toBe(u.failed_requests);
    expect(errors.rate).toBeCloseTo(u.failed_requests / u.total_requests, 3);
    expect(Object.keys(errors.by_status)).toEqual(['400', '401', '404', '429', '500', '502', '503', '504']);
    expect(Object.values(errors.by_status).reduce((s: number, n: any) => s + n, 0)).toBe(errors.total);
    expect(Object.values(errors.by_type).reduce((s: number, n: any) => s + n, 0)).toBe(errors.total);
    expect(body.data.rate_limit).toEqual({
      tier: expect.stringMatching(/^(starter|professional|enterprise)$/),
      requests_per_minute: expect.any(Number),
      remaining: expect.any(Number),
      reset_at: '2026-11-20T12:01:00.000Z',
    });
    expect(body.data.alerts.length).toBeGreaterThanOrEqual(1);
    for (const alert of body.data.alerts) {
      expect(Object.keys(alert)).toEqual(['type', 'severity', 'message', 'recommendation']);
      expect(['info', 'warning', 'critical']).toContain(alert.severity);
    }
  });

  it('leaves out the parts switched off, rather than sending them empty', async () => {
    const body = await ok('?include_breakdown=false&include_errors=false&include_latency=false');
    expect(Object.keys(body.data)).toEqual(['usage', 'time_series', 'rate_limit', 'alerts']);
    expect(Object.keys(body.data.usage)).toEqual(['total_requests', 'successful_requests', 'failed_requests']);
    expect(Object.keys(body.data.time_series[0])).toEqual(['timestamp', 'requests', 'errors']);
    const onlyLatencyOff = await ok('?include_latency=false');
    expect(Object.keys(onlyLatencyOff.data.endpoints[0])).toEqual(['endpoint', 'method', 'requests', 'errors']);
    expect(onlyLatencyOff.data.errors.total).toBe(body.data.usage.failed_requests);
    expect((await ok('?include_breakdown=false')).data).toHaveProperty('errors');
    expect((await ok('?include_errors=false')).data).toHaveProperty('endpoints');
    expect((await ok('?include_breakdown=true&include_errors=true&include_latency=true')).data).toEqual((await ok()).data);
  });

  it.each([
    ['1h', 'minute', 60],
    ['24h', 'minute', 1440],
    ['7d', 'hour', 168],
    ['7d', 'day', 7],
    ['30d', 'week', 5],
    ['90d', 'month', 3],
    ['1y', 'month', 13],
    ['1h', 'day', 1],
    ['all', 'day', 730],
    ['all', 'minute', 100_000],
  ])('makes %s by %s into %i points', async (timeframe, granularity, points) => {
    const body = await ok(`?timeframe=${timeframe}&granularity=${granularity}&sort_by=timestamp&order=asc&limit=1000`);
    expect(body.pagination.total).toBe(points);
    expect(body.data.time_series).toHaveLength(Math.min(points, 1000));
    if (points <= 1000) {
      expect(body.data.time_series.reduce((s: number, p: any) => s + p.requests, 0)).toBe(body.data.usage.total_requests);
    }
  });

  it('reports counters past 2^31 for 1y and all, as exact safe integers', async () => {
    for (const timeframe of ['1y', 'all']) {
      const reply = await usage(`?timeframe=${timeframe}&granularity=month`);
      const total = reply.json().data.usage.total_requests;
      expect(total).toBeGreaterThan(2 ** 31);
      expect(Number.isSafeInteger(total)).toBe(true);
      expect(bigIntegers(reply.text)).toContain(BigInt(total));
    }
    const week = (await ok('?timeframe=7d')).data.usage.total_requests;
    expect(week).toBeLessThan(2 ** 31);
  });
});

describe('Anylayer simulator: sorting and paging', () => {
  it('orders points and endpoints by sort_by and order', async () => {
    const asc = await ok('?timeframe=7d&sort_by=timestamp&order=asc&limit=1000');
    const times = asc.data.time_series.map((p: any) => Date.parse(p.timestamp));
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(3_600_000);
    const names = asc.data.endpoints.map((e: any) => e.endpoint);
    expect(names).toEqual([...names].sort());
    const desc = await ok('?timeframe=7d&sort_by=timestamp&limit=1000');
    expect(desc.data.time_series).toEqual([...asc.data.time_series].reverse());
    for (const [field, key] of [['errors', 'errors'], ['latency', 'avg_latency_ms'], ['requests', 'requests']] as const) {
      const up = await ok(`?timeframe=7d&sort_by=${field}&order=asc&limit=1000`);
      const values = up.data.time_series.map((p: any) => p[key]);
      expect(values).toEqual([...values].sort((a: number, b: number) => a - b));
      const endpointValues = up.data.endpoints.map((e: any) => e[key]);
      expect(endpointValues).toEqual([...endpointValues].sort((a: number, b: number) => a - b));
      const down = await ok(`?timeframe=7d&sort_by=${field}&limit=1000`);
      expect(down.data.time_series[0][key]).toBe(Math.max(...values));
    }
  });

  it('pages the points with limit and offset', async () => {
    const all = await ok('?timeframe=7d&sort_by=timestamp&order=asc&limit=1000');
    const pages: any[] = [];
    for (let offset = 0; ; offset += 50) {
      const page = await ok(`?timeframe=7d&sort_by=timestamp&order=asc&limit=50&offset=${offset}`);
      expect(page.pagination).toEqual({ limit: 50, offset, total: 168, has_more: offset + 50 < 168 });
      pages.push(...page.data.time_series);
      if (!page.pagination.has_more) break;
    }
    expect(pages).toEqual(all.data.time_series);
    const tail = await ok('?limit=5&offset=20');
    expect(tail.data.time_series).toHaveLength(4);
    expect(tail.pagination).toEqual({ limit: 5, offset: 20, total: 24, has_more: false });
  });
});

describe('Anylayer simulator: keys and determinism', () => {
  it('knows 3-4 key ids per credential whose usage adds up to the account total', async () => {
    const ids = anylayerKeyIds(sim.credential);
    expect(ids.length).toBeGreaterThanOrEqual(3);
    expect(ids.length).toBeLessThanOrEqual(4);
    for (const id of ids) expect(id).toMatch(/^key_live_[0-9a-f]{24}$/);
    const total = (await ok('?timeframe=30d')).data.usage.total_requests;
    let sum = 0;
    for (const id of ids) {
      const one = (await ok(`?timeframe=30d&key_id=${id}`)).data.usage.total_requests;
      expect(one).toBeLessThan(total);
      sum += one;
    }
    expect(sum).toBe(total);
    expect(anylayerKeyIds('al_live_sim_someone_else_0001')).not.toEqual(ids);
  });

  it('answers the same for the same seed and credential, differently otherwise', async () => {
    const twin = await startAnylayerSimulator();
    const other = await startAnylayerSimulator({ credentials: ['al_live_sim_someone_else_0001'] });
    const reseeded = await startAnylayerSimulator({ seed: 1 });
    try {
      const query = '?timeframe=30d&granularity=day';
      const mine = (await usage(query)).text;
      expect((await usage(query, bearer(twin.credential), twin)).text).toBe(mine);
      expect((await usage(query)).text).toBe(mine);
      const theirs = (await usage(query, bearer(other.credential), other)).json();
      expect(theirs.data.usage.total_requests).not.toBe(JSON.parse(mine).data.usage.total_requests);
      const reseededBody = (await usage(query, bearer(reseeded.credential), reseeded)).json();
      expect(reseededBody.data.usage.total_requests).not.toBe(JSON.parse(mine).data.usage.total_requests);
      expect((await usage(query, bearer(sim.credential), other)).status).toBe(401);
    } finally {
      await Promise.all([twin.close(), other.close(), reseeded.close()]);
    }
  });
});

describe('Anylayer simulator: drift', () => {
  it('renames usage.total_requests and retypes pagination.total', async () => {
    sim.setFault({ fault: { mode: 'drift' } });
    const drifted = await ok();
    sim.setFault(null);
    const normal = await ok();
    expect(drifted.data.usage).not.toHaveProperty('total_requests');
    expect(drifted.data.usage.requests_total).toBe(normal.data.usage.total_requests);
    expect(drifted.pagination.total).toBe('24');
    expect(normal.pagination.total).toBe(24);
  });
});
