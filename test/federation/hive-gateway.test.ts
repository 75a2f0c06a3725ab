import { createGatewayRuntime, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_FILE } from '../../scripts/print-schema.js';
import { expectCrossSubgraphQuery, postGraphQL, startFederationFixture, type FederationFixture } from './supergraph.js';

describe("federated with Hive Gateway's runtime over real HTTP, default SDL (FEDERATION_AUTH_DIRECTIVES unset)", () => {
  let fixture: FederationFixture;
  let gateway: GatewayRuntime;
  let server: Server;
  let gatewayUrl: string;

  beforeAll(async () => {
    fixture = await startFederationFixture();
    gateway = createGatewayRuntime({ supergraph: fixture.supergraphSdl, logging: false });
    server = createServer(gateway);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  }, 90_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server?.close(() => resolve());
      server?.closeAllConnections();
    });
    await gateway?.dispose();
    await fixture?.close();
  });

  it('composes our SDL as printed, @authenticated and @requiresScopes included, and the supergraph keeps them', () => {
    expect(fixture.usage.sdl).toBe(readFileSync(SCHEMA_FILE, 'utf8'));
    const accounts = fixture.supergraphSdl.split('\n').find((line) => line.trim().startsWith('accounts:'));
    expect(accounts).toContain('@requiresScopes(scopes: [["usage:read"]])');
  });

  it('answers a query across both subgraphs with the ledger totals', async () => {
    await expectCrossSubgraphQuery(gatewayUrl, fixture, expect);
  });

  it('answers partnerUsage for a list of users: non-null for exactly as many as the ledger knows', async () => {
    const { data, errors } = await postGraphQL(gatewayUrl, '{ users { id partnerUsage { sub } } }');
    expect(errors).toBeUndefined();
    expect(data.users.filter((user: { partnerUsage: unknown }) => user.partnerUsage !== null)).toHaveLength(fixture.heavy.length);
  });
});
