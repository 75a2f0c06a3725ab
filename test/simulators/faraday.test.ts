import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatorHandle } from '../../src/simulators/index.js';
import { FARADAY_DEMO_CREDENTIAL, startFaradaySimulator } from '../../src/simulators/faraday.js';
import { bearer, get, type Reply } from '../support/http-get.js';
import { UUID, bigIntegers } from '../support/json-values.js';

const EXPIRED = 'fdy_expired_5c2d8e1f0a9b';
let sim: SimulatorHandle;

function call(path: string, headers: Record<string, string> = bearer(sim.credential), s = sim): Promise<Reply> {
  return get(`${s.baseUrl}${path}`, headers);
}

const TERM = ['last_month', 'month_to_date', 'term_period_to_last_month'];
const YEAR = ['last_12_months', 'last_month', 'month_to_date'];

beforeAll(async () => {
  sim = await startFaradaySimulator({ credentials: [FARADAY_DEMO_CREDENTIAL, EXPIRED] });
});
afterAll(async () => {
  await sim.close();
});

describe('Faraday simulator: /v1/usages', () => {
  it('lists 5-8 named limits like the vendor example, one past 2^31', async () => {
    expect(sim.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const reply = await call('/v1/usages');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    const limits = reply.json();
    expect(limits.length).toBeGreaterThanOrEqual(5);
    expect(limits.length).toBeLessThanOrEqual(8);
    for (const limit of limits) {
      expect(Object.keys(limit)).toEqual(['description', 'limit', 'name', 'usage']);
      expect(limit.name).toMatch(/^[a-z_]+\.[a-z_]+$/);
      expect(Number.isSafeInteger(limit.usage)).toBe(true);
    }
    expect(limits[0]).toMatchObject({ name: 'cohort.max_count', description: 'Number of known contacts (KCs) allowed', limit: 10 });
    expect(new Set(limits.map((l: any) => l.name)).size).toBe(limits.length);
    expect(bigIntegers(reply.text).length).toBeGreaterThanOrEqual(2);
  });
});

describe('Faraday simulator: /v1/accounts/current/usage', () => {
  it('reproduces the example shape, Periods asymmetry included', async () => {
    const reply = await call('/v1/accounts/current/usage');
    expect(reply.status).toBe(200);
    const body = reply.json();
    expect(Object.keys(body)).toEqual(['batch_deployments', 'finished_at', 'id', 'lookup_api_requests', 'started_at']);
    expect(body.id).toMatch(UUID);
    expect(Date.parse(body.started_at)).toBeLessThan(Date.parse(body.finished_at));
    expect(body.finished_at).toMatch(/^2026-11-20T\d\d:\d\d:00Z$/);
    const batch = body.batch_deployments;
    expect(Object.keys(batch)).toEqual(['consumer_data', 'identity_data', 'predictive_data', 'unknown_contact_addresses', 'unknown_contact_email_hashes']);
    for (const name of ['consumer_data', 'identity_data', 'unknown_contact_addresses', 'unknown_contact_email_hashes']) {
      expect(Object.keys(batch[name])).toEqual(TERM);
    }
    expect(Object.keys(batch.predictive_data)).toEqual([...YEAR, 'resources']);
    expect(batch.predictive_data.resources.length).toBeGreaterThanOrEqual(2);
    for (const resource of batch.predictive_data.resources) {
      expect(Object.keys(resource)).toEqual([...YEAR, 'resource_id', 'resource_type']);
      expect(resource.resource_id).toMatch(UUID);
    }
    const lookups = body.lookup_api_requests;
    expect(Object.keys(lookups)).toEqual(['requests', 'successful', 'successful_consumer_data', 'successful_identity_data', 'successful_prediction_data']);
    for (const periods of Object.values(lookups) as any[]) {
      expect(Object.keys(periods)).toEqual(TERM);
      for (const key of TERM) expect(Object.keys(periods[key])).toEqual(['count']);
    }
    for (const key of TERM) {
      expect(lookups.successful[key].count).toBeLessThanOrEqual(lookups.requests[key].count);
      const parts = lookups.successful_consumer_data[key].count + lookups.successful_identity_data[key].count + lookups.successful_prediction_data[key].count;
      expect(parts).toBeLessThanOrEqual(lookups.successful[key].count);
    }
    expect(lookups.requests.term_period_to_last_month.count).toBeGreaterThan(2 ** 31);
    expect(batch.predictive_data.last_12_months.count).toBeGreaterThan(2 ** 31);
    expect(Number.isSafeInteger(batch.predictive_data.last_12_months.count)).toBe(true);
    expect(Number.isSafeInteger(lookups.requests.term_period_to_last_month.count)).toBe(true);
    expect(bigIntegers(reply.text)).toContain(BigInt(lookups.requests.term_period_to_last_month.count));
  });

  it('is deterministic per seed and credential', async () => {
    const twin = await startFaradaySimulator();
    const other = await startFaradaySimulator({ credentials: ['fdy_sim_other_account_31'] });
    try {
      for (const path of ['/v1/usages', '/v1/accounts/current/usage']) {
        const mine = (await call(path)).text;
        expect((await call(path, bearer(twin.credential), twin)).text).toBe(mine);
        expect((await call(path, bearer(other.credential), other)).text).not.toBe(mine);
      }
    } finally {
      await Promise.all([twin.close(), other.close()]);
    }
  });
});

describe('Faraday simulator: errors', () => {
  async function expectError(reply: Reply, status: number, error: string, message: string): Promise<void> {
    expect(reply.status).toBe(status);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.json()).toEqual({ error, id: expect.stringMatching(UUID), message, validationErrors: [] });
  }

  it.each(['/v1/usages', '/v1/accounts/current/usage'])('refuses bad credentials on %s with Faraday codes', async (path) => {
    await expectError(await call(path, {}), 401, 'MISSING_API_KEY', 'No API key was supplied.');
    const malformed = "The Authorization header must have the form 'Bearer <api key>'.";
    await expectError(await call(path, { authorization: `Token ${sim.credential}` }), 401, 'MALFORMED_API_KEY', malformed);
    await expectError(await call(path, { authorization: 'Bearer' }), 401, 'MALFORMED_API_KEY', malformed);
    await expectError(await call(path, { authorization: `Bearer ${sim.credential} extra` }), 401, 'MALFORMED_API_KEY', malformed);
    await expectError(await call(path, bearer('fdy_sim_unknown_key_0000')), 401, 'INVALID_AUTHORIZATION', 'The API key is not valid.');
    await expectError(await call(path, bearer(EXPIRED)), 401, 'EXPIRED_API_KEY', 'The API key has expired.');
    await expectError(await call(path, bearer('fdy_forbidden_7e6d5c4b')), 403, 'FORBIDDEN', 'You do not have permission to access the specified resource.');
  });

  it('treats an unknown expired-looking key as invalid, and an unknown path as NOT_FOUND', async () => {
    await expectError(await call('/v1/usages', bearer('fdy_expired_not_registered')), 401, 'INVALID_AUTHORIZATION', 'The API key is not valid.');
    await expectError(await call('/v1/accounts/current/usages'), 404, 'NOT_FOUND', 'The requested resource was not found.');
  });

  it('never echoes the key in an error', async () => {
    for (const headers of [bearer('fdy_sim_secret_value_123'), { authorization: 'Token fdy_sim_secret_value_123' }]) {
      expect((await call('/v1/usages', headers)).text).not.toContain('fdy_sim_secret_value_123');
    }
  });

  it('answers INTERNAL_SERVER_ERROR for 5xx faults', async () => {
    sim.setFault({ fault: { mode: 'status', status: 502 }, count: 1 });
    await expectError(await call('/v1/usages'), 502, 'INTERNAL_SERVER_ERROR', 'An internal server error occurred.');
    expect((await call('/v1/usages')).status).toBe(200);
  });
});

describe('Faraday simulator: drift', () => {
  it('renames usage to used and retypes limit on /v1/usages', async () => {
    const normal = (await call('/v1/usages')).json();
    sim.setFault({ fault: { mode: 'drift' }, count: 2 });
    const drifted = (await call('/v1/usages')).json();
    expect(drifted[0]).not.toHaveProperty('usage');
    expect(drifted[0].used).toBe(normal[0].usage);
    expect(drifted[0].limit).toBe(String(normal[0].limit));
    const account = (await call('/v1/accounts/current/usage')).json();
    expect(account.lookup_api_requests).not.toHaveProperty('requests');
    expect(account.lookup_api_requests).toHaveProperty('request_count');
    expect(typeof account.finished_at).toBe('number');
    expect(typeof (await call('/v1/accounts/current/usage')).json().finished_at).toBe('string');
  });
});
