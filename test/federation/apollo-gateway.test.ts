import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_FILE } from '../../scripts/print-schema.js';
import { withoutSecurityDirectives } from '../../src/schema/security-directives.js';
import { composeSupergraph, expectCrossSubgraphQuery, postGraphQL, startFederationFixture, type FederationFixture } from './supergraph.js';
import { startUsersSubgraph } from './users-subgraph.js';

describe('@apollo/gateway and the default SDL', () => {
  it('refuses a supergraph composed from it: @authenticated and @requiresScopes are for: SECURITY, which it cannot enforce', async () => {
    // The default SDL, @authenticated and @requiresScopes included, is the printed file (the Hive
    // Gateway test shows the running subgraph serves exactly it).
    const printed = readFileSync(SCHEMA_FILE, 'utf8');
    expect(printed).toMatch(/@authenticated/);
    const users = await startUsersSubgraph([]);
    try {
      const supergraphSdl = composeSupergraph([
        { name: 'users', url: users.url, sdl: users.sdl },
        { name: 'usage', url: 'http://127.0.0.1:4000/graphql', sdl: printed },
      ]);
      const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl }) });
      const refusal = await server.start().then(
        () => null,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      expect(refusal).toContain('feature https://specs.apollo.dev/authenticated/v0.1 is for: SECURITY but is unsupported');
      expect(refusal).toContain('feature https://specs.apollo.dev/requiresScopes/v0.1 is for: SECURITY but is unsupported');
    } finally {
      await users.close();
    }
  });
});

describe('federated with @apollo/gateway over real HTTP, FEDERATION_AUTH_DIRECTIVES=0', () => {
  let fixture: FederationFixture;
  let server: ApolloServer;
  let gatewayUrl: string;

  beforeAll(async () => {
    // @apollo/gateway refuses a supergraph that uses @authenticated/@requiresScopes (it cannot
    // enforce them), so our subgraph leaves them out of its SDL here; its own checks stay.
    fixture = await startFederationFixture({ FEDERATION_AUTH_DIRECTIVES: '0' });
    server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: fixture.supergraphSdl }) });
    ({ url: gatewayUrl } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } }));
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    await fixture?.close();
  });

  it('serves _service { sdl } equal to schema.graphql without its authorization directives', () => {
    const printed = readFileSync(SCHEMA_FILE, 'utf8');
    expect(printed).toContain('@requiresScopes(scopes: [["usage:read"]])');
    expect(fixture.usage.sdl).not.toMatch(/@authenticated|@requiresScopes/);
    expect(fixture.usage.sdl).toBe(withoutSecurityDirectives(printed));
  });

  it('answers a query across both subgraphs with the ledger totals', async () => {
    await expectCrossSubgraphQuery(gatewayUrl, fixture, expect);
  });

  it('resolves PartnerUser and Provider from the usage subgraph', async () => {
    const [first] = fixture.heavy;
    const { data, errors } = await postGraphQL(gatewayUrl, `query ($sub: PartnerSub!) { partnerUser(sub: $sub) { sub calls } providers { id } }`, {
      sub: first!.sub,
    });
    expect(errors).toBeUndefined();
    expect(data.partnerUser).toEqual({ sub: first!.sub, calls: first!.calls });
    expect(data.providers.map((provider: { id: string }) => provider.id)).toEqual(['ARRAYS', 'ANYLAYER', 'SHARPE', 'FARADAY']);
  });
});
