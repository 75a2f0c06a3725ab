import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_FILE } from '../../scripts/print-schema.js';
import { composeSupergraph, postGraphQL, startUsageSubgraph, type UsageSubgraph } from './supergraph.js';
import { startUsersSubgraph, type UsersSubgraph } from './users-subgraph.js';

const UNKNOWN_SUB = '99999999999999999999';

describe('federated with @apollo/gateway over real HTTP', () => {
  let usage: UsageSubgraph;
  let users: UsersSubgraph;
  let server: ApolloServer;
  let gatewayUrl: string;
  let heavy: { sub: string; calls: number; tweets: number; discoveries: number }[];

  beforeAll(async () => {
    usage = await startUsageSubgraph();
    const { data } = await postGraphQL(usage.url, '{ partnerUsers(first: 3, orderBy: CALLS) { edges { node { sub calls tweets discoveries } } } }');
    heavy = data.partnerUsers.edges.map((edge: any) => edge.node);
    users = await startUsersSubgraph([
      ...heavy.map((user, index) => ({ id: user.sub, name: `Heavy user ${index + 1}` })),
      { id: UNKNOWN_SUB, name: 'Never used the partner API' },
    ]);
    const supergraphSdl = composeSupergraph([
      { name: 'users', url: users.url, sdl: users.sdl },
      { name: 'usage', url: usage.url, sdl: usage.sdl },
    ]);
    server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl }) });
    ({ url: gatewayUrl } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } }));
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    await users?.close();
    await usage?.close();
  });

  it('serves _service { sdl } equal to schema.graphql', () => {
    expect(usage.sdl).toBe(readFileSync(SCHEMA_FILE, 'utf8'));
  });

  it('answers a query across both subgraphs with the ledger totals', async () => {
    const { data, errors } = await postGraphQL(gatewayUrl, '{ users { id name partnerUsage { calls tweets discoveries } } }');
    expect(errors).toBeUndefined();
    expect(data.users).toHaveLength(heavy.length + 1);
    for (const [index, user] of heavy.entries()) {
      expect(data.users[index]).toEqual({
        id: user.sub,
        name: `Heavy user ${index + 1}`,
        partnerUsage: { calls: user.calls, tweets: user.tweets, discoveries: user.discoveries },
      });
    }
    expect(data.users.at(-1)).toEqual({ id: UNKNOWN_SUB, name: 'Never used the partner API', partnerUsage: null });
  });

  it('resolves PartnerUser and Provider entities from the usage subgraph', async () => {
    const { data, errors } = await postGraphQL(
      gatewayUrl,
      `query ($sub: ID!) { partnerUser(sub: $sub) { sub calls } providers { id simulated } }`,
      { sub: heavy[0]!.sub },
    );
    expect(errors).toBeUndefined();
    expect(data.partnerUser).toEqual({ sub: heavy[0]!.sub, calls: heavy[0]!.calls });
    expect(data.providers.map((provider: any) => provider.id)).toEqual(['ARRAYS', 'ANYLAYER', 'SHARPE', 'FARADAY']);
  });
});
