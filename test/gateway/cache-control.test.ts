import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway.js';
import { createLogger } from '../../src/common/logger.js';
import { GatewayMetrics } from '../../src/observability/metrics.js';
import { graphqlRequest, type FetchTarget } from '../support/graphql-request.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startTestAuth, type TestAuth } from '../support/jwt.js';

/**
 * HTTP caching headers on the whole gateway: `no-store` on every GraphQL answer (executed,
 * refused, malformed, streamed) but one the response cache served; pages that are no GraphQL
 * answer keep their own headers. The plugin's own rules are in test/edge/cache-control.test.ts.
 */

const QUERY = '{ providers { id name } }';
const TTL_MS = 10_000;
const KEY = 'ugw_cache_control_key_6a3f';
const logger = createLogger({ level: 'silent' });

let harness: Harness;
let auth: TestAuth;

const post = (yoga: FetchTarget, headers: Record<string, string> = {}, query = QUERY) => graphqlRequest(yoga, { query, headers });

beforeAll(async () => {
  harness = await startHarness();
  auth = await startTestAuth([{ name: 'dashboard', key: KEY, scopes: ['usage:read'] }], logger);
}, 60_000);
afterAll(async () => {
  await harness?.close();
  await auth?.close();
});

describe('Cache-Control of the gateway\'s answers', () => {
  it('is no-store on every answer of the gateway: executed, refused, malformed, streamed; Vary: Accept', async () => {
    const answers = [
      await post(harness.yoga),
      await post(harness.yoga, {}, '{ nope }'),
      await post(harness.yoga, {}, '{ '),
      await post(harness.yoga, { accept: 'multipart/mixed' }, '{ providers { id ... @defer { name } } }'),
      await graphqlRequest(harness.yoga, { method: 'GET', query: QUERY, headers: { accept: 'application/json' } }),
    ];
    for (const answer of answers) {
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.headers.get('vary')).toContain('Accept');
    }
  });

  it('with authentication on: a refusal is no-store, a cached answer private', async () => {
    const yoga = createGateway({ registry: harness.registry, logger, authenticator: auth.authenticator, responseCacheTtlMs: TTL_MS });
    const refused = await post(yoga, { 'x-api-key': 'ugw_not_a_key_at_all_0000' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    expect((await post(yoga, { 'x-api-key': KEY })).headers.get('cache-control')).toBe('no-store');
    const cached = await post(yoga, { 'x-api-key': KEY });
    const match = /^private, max-age=(\d+)$/.exec(cached.headers.get('cache-control') ?? '');
    expect(match).not.toBeNull();
    expect(Number(match![1])).toBeLessThanOrEqual(TTL_MS / 1000);
    expect(cached.headers.get('vary')?.split(', ')).toEqual(expect.arrayContaining(['Accept', 'Authorization', 'X-API-Key']));
  });

  it('leaves GraphiQL’s page and /metrics their own headers', async () => {
    const metrics = new GatewayMetrics({ processMetrics: false });
    const yoga = createGateway({ registry: harness.registry, logger, metrics });
    const page = await yoga.fetch('http://yoga/graphql', { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).not.toBe('no-store');
    const scrape = await yoga.fetch('http://yoga/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('vary')).toBeNull();
  });
});
