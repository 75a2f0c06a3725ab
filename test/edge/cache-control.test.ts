import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/context.js';
import { createCacheControl } from '../../src/edge/cache-control.js';
import { createGateway } from '../../src/gateway.js';
import { createLogger } from '../../src/common/logger.js';
import { GatewayMetrics } from '../../src/observability/metrics.js';
import { useResponseCache } from '../../src/edge/response-cache.js';
import { buildSchema } from '../../src/schema/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startTestAuth, type TestAuth } from '../support/jwt.js';

/**
 * HTTP caching headers: `no-store` on every GraphQL answer but one the response cache served,
 * which may be kept for the rest of its TTL (`private` with authentication on); pages that are
 * no GraphQL answer keep their own headers.
 */

const QUERY = '{ providers { id name } }';
const TTL_MS = 10_000;
const KEY = 'ugw_cache_control_key_6a3f';
const logger = createLogger({ level: 'silent' });

let harness: Harness;
let auth: TestAuth;

const post = (yoga: { fetch(url: string, init: RequestInit): Promise<Response> | Response }, headers: Record<string, string> = {}, query = QUERY) =>
  Promise.resolve(yoga.fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) }));

beforeAll(async () => {
  harness = await startHarness();
  auth = await startTestAuth([{ name: 'dashboard', key: KEY, scopes: ['usage:read'] }], logger);
}, 60_000);
afterAll(async () => {
  await harness?.close();
  await auth?.close();
});

/** A yoga with the response cache on a clock the test moves. */
function cachedYoga(authenticated: boolean) {
  let now = 1_000_000;
  const cacheControl = createCacheControl({ graphqlEndpoint: '/graphql', authenticated });
  const yoga = createYoga({
    schema: buildSchema(),
    logging: false,
    context: () => createContext(harness.registry, logger),
    plugins: [cacheControl.plugin, useResponseCache({ ttlMs: TTL_MS, now: () => now, onHit: cacheControl.servedFromCache })],
  });
  return { yoga, advance: (ms: number) => (now += ms) };
}

describe('Cache-Control of GraphQL answers', () => {
  it('is no-store for an executed answer, and max-age of the remaining TTL, whole seconds rounded down, for a cached one', async () => {
    const { yoga, advance } = cachedYoga(false);
    const executed = await post(yoga);
    expect(executed.headers.get('cache-control')).toBe('no-store');
    advance(2_500);
    expect((await post(yoga)).headers.get('cache-control')).toBe('public, max-age=7');
    advance(7_499);
    expect((await post(yoga)).headers.get('cache-control')).toBe('public, max-age=0');
    advance(1);
    // Expired: executed again, and stored again.
    expect((await post(yoga)).headers.get('cache-control')).toBe('no-store');
    advance(1);
    expect((await post(yoga)).headers.get('cache-control')).toBe('public, max-age=9');
  });

  it('is private, varying on the credential headers, when authentication is on', async () => {
    const { yoga, advance } = cachedYoga(true);
    await post(yoga);
    advance(1_000);
    const cached = await post(yoga);
    expect(cached.headers.get('cache-control')).toBe('private, max-age=9');
    expect(cached.headers.get('vary')?.split(', ')).toEqual(expect.arrayContaining(['Accept', 'Authorization', 'X-API-Key']));
  });

  it('is no-store on every answer of the gateway: executed, refused, malformed, streamed; Vary: Accept', async () => {
    const answers = [
      await post(harness.yoga),
      await post(harness.yoga, {}, '{ nope }'),
      await post(harness.yoga, {}, '{ '),
      await post(harness.yoga, { accept: 'multipart/mixed' }, '{ providers { id ... @defer { name } } }'),
      await harness.yoga.fetch(`http://yoga/graphql?query=${encodeURIComponent(QUERY)}`, { headers: { accept: 'application/json' } }),
    ];
    for (const answer of answers) {
      await answer.text();
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
