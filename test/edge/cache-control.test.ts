import { GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { createCacheControl } from '../../src/edge/cache-control.js';
import { useResponseCache } from '../../src/edge/response-cache.js';
import { cacheMark } from '../../src/edge/field-marks/cache-marks.js';
import { graphqlRequest } from '../support/graphql-request.js';

/**
 * HTTP caching headers: `no-store` on every GraphQL answer but one the response cache served,
 * which may be kept for the rest of its TTL (`private` with authentication on).
 */

const QUERY = '{ providers { id name } }';
const TTL_MS = 10_000;

/** One cacheable root field, as the gateway's schema marks its vendor-backed ones. */
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      providers: {
        type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(new GraphQLObjectType({ name: 'Provider', fields: { id: { type: GraphQLString }, name: { type: GraphQLString } } })))),
        extensions: cacheMark('cacheable-root'),
        resolve: () => [{ id: 'SHARPE', name: 'Sharpe' }],
      },
    },
  }),
});

/** A yoga with the cache-control plugin and the response cache on a clock the test moves. */
function cachedYoga(authenticated: boolean) {
  let now = 1_000_000;
  const cacheControl = createCacheControl({ graphqlEndpoint: '/graphql', authenticated });
  const yoga = createYoga({
    schema,
    logging: false,
    plugins: [cacheControl.plugin, useResponseCache({ ttlMs: TTL_MS, now: () => now, onHit: cacheControl.servedFromCache })],
  });
  return { yoga, advance: (ms: number) => (now += ms) };
}

const post = (yoga: ReturnType<typeof cachedYoga>['yoga']) => graphqlRequest(yoga, { query: QUERY });

describe('Cache-Control of GraphQL answers', () => {
  it('is no-store for an executed answer, and max-age of the remaining TTL, whole seconds rounded down, for a cached one', async () => {
    const { yoga, advance } = cachedYoga(false);
    const executed = await post(yoga);
    expect(executed.body).toEqual({ data: { providers: [{ id: 'SHARPE', name: 'Sharpe' }] } });
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
});
