import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, ISSUER, makeTestKeys, type TestKeys } from '../support/jwt.js';
import { postGraphQL, startFederationFixture, UNKNOWN_SUB, type FederationFixture } from './supergraph.js';

/**
 * A router in front of us forwards the end user's `Authorization` header, and our subgraph checks
 * it like any caller's: through @apollo/gateway, a `partners:self` user sees only their own
 * `User.partnerUsage`.
 */
interface RouterContext {
  authorization?: string;
}

describe('a token forwarded by @apollo/gateway', () => {
  let keys: TestKeys;
  let fixture: FederationFixture;
  let server: ApolloServer<RouterContext>;
  let gatewayUrl: string;

  beforeAll(async () => {
    keys = await makeTestKeys();
    const operator = { authorization: `Bearer ${await keys.sign({ sub: 'fixture', scope: 'partners:read ops:read' })}` };
    fixture = await startFederationFixture(
      { AUTH_JWKS_FILE: keys.jwksFile, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE, FEDERATION_AUTH_DIRECTIVES: '0' },
      operator,
    );
    const gateway = new ApolloGateway({
      supergraphSdl: fixture.supergraphSdl,
      buildService: ({ url }) =>
        new RemoteGraphQLDataSource<RouterContext>({
          url,
          willSendRequest({ request, context }) {
            if (context.authorization !== undefined) request.http?.headers.set('authorization', context.authorization);
          },
        }),
    });
    server = new ApolloServer<RouterContext>({ gateway });
    ({ url: gatewayUrl } = await startStandaloneServer(server, {
      listen: { port: 0, host: '127.0.0.1' },
      context: async ({ req }) => (req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }),
    }));
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    await fixture?.close();
    await keys?.cleanup();
  });

  const asUser = async (sub: string, scope: string) => ({ authorization: `Bearer ${await keys.sign({ sub, scope })}` });

  it('partners:self sees its own User.partnerUsage, every other user refused with FORBIDDEN', async () => {
    const me = fixture.heavy[0]!;
    const { data, errors } = await postGraphQL(gatewayUrl, '{ users { id partnerUsage { calls } } }', undefined, await asUser(me.sub, 'partners:self'));
    expect(data.users).toEqual([
      { id: me.sub, partnerUsage: { calls: me.calls } },
      ...fixture.heavy.slice(1).map((user) => ({ id: user.sub, partnerUsage: null })),
      { id: UNKNOWN_SUB, partnerUsage: null },
    ]);
    // The three other users (the unknown one included) are refused, not merely empty.
    expect(errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
  });

  it('partners:read sees every user; no token is refused by the subgraph', async () => {
    const { data, errors } = await postGraphQL(gatewayUrl, '{ users { id partnerUsage { calls } } }', undefined, await asUser('ops', 'partners:read'));
    expect(errors).toBeUndefined();
    expect(data.users.map((user: { partnerUsage: { calls: number } | null }) => user.partnerUsage?.calls ?? null)).toEqual([
      ...fixture.heavy.map((user) => user.calls),
      null,
    ]);
    const anonymous = await postGraphQL(gatewayUrl, '{ users { id partnerUsage { calls } } }');
    expect(anonymous.data?.users.every((user: { partnerUsage: unknown }) => user.partnerUsage === null)).toBe(true);
    expect(anonymous.errors?.length).toBeGreaterThan(0);
  });
});
