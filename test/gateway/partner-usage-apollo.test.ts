import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloClient, gql, HttpLink, InMemoryCache, type TypedDocumentNode } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sumStream } from '../../src/simulators/arrays.js';
import { startHarness, type Harness } from '../support/harness.js';
import { expectExactlyTheVendorRows, totalsOf, type Edge } from '../support/partner-usage.js';

/**
 * A real client over real HTTP: Apollo Client 4's `relayStylePagination()` merges pages by edge
 * cursor (`fetchMore({ after })` finds the edge whose cursor is `after` and appends after it). With
 * one cursor shared by every edge of a vendor page it merged pages of 173 and 182 edges into 183;
 * with a cursor per edge the cache holds exactly the vendor's rows.
 */

interface Connection<Node> {
  edges: { cursor: string; node: Node }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const PARTNER_USAGE: TypedDocumentNode<{ partnerUsage: Connection<Edge['node']> }, { first: number; after?: string | null }> = gql`
  query PartnerUsage($first: Int!, $after: String) {
    partnerUsage(first: $first, after: $after) {
      edges { cursor node { sub calls discoveries tweets } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`;

interface PartnerUserNode {
  sub: string;
  calls: number;
  discoveries: number;
  tweets: number;
}

const PARTNER_USERS: TypedDocumentNode<{ partnerUsers: Connection<PartnerUserNode> & { totalCount: number } }, { first: number; after?: string | null; orderBy: string }> = gql`
  query PartnerUsers($first: Int!, $after: String, $orderBy: PartnerUserOrder) {
    partnerUsers(first: $first, after: $after, orderBy: $orderBy) {
      edges { cursor node { sub calls discoveries tweets } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      totalCount
    }
  }
`;

function clientOf(uri: string): ApolloClient {
  return new ApolloClient({
    link: new HttpLink({ uri }),
    cache: new InMemoryCache({
      typePolicies: {
        Query: {
          fields: {
            partnerUsage: relayStylePagination(),
            partnerUsers: relayStylePagination(['orderBy', 'since', 'until']),
          },
        },
      },
    }),
  });
}

/**
 * Pages with `fetchMore({ after: endCursor })` until `hasNextPage` is false, as a list view does;
 * returns the list as the cache holds it (read through the field policy) and the pages fetched.
 */
async function pageWithApollo<Data extends Record<string, Connection<unknown>>>(
  client: ApolloClient,
  query: TypedDocumentNode<Data, any>,
  field: keyof Data,
  variables: Record<string, unknown>,
): Promise<{ list: Connection<unknown>; fetched: number }> {
  const observable = client.watchQuery({ query, variables });
  const subscription = observable.subscribe(() => {});
  const cached = () => client.readQuery({ query, variables })![field]!;
  try {
    expect((await observable.refetch()).error).toBeUndefined();
    let fetched = 1;
    const after = new Set<string | null>();
    for (;;) {
      const { pageInfo } = cached();
      if (!pageInfo.hasNextPage) return { list: cached(), fetched };
      // Each page continues from a new place, or this would loop.
      expect(after.has(pageInfo.endCursor)).toBe(false);
      after.add(pageInfo.endCursor);
      expect((await observable.fetchMore({ variables: { after: pageInfo.endCursor } })).error).toBeUndefined();
      fetched += 1;
    }
  } finally {
    subscription.unsubscribe();
  }
}

describe('Apollo Client relayStylePagination over a real gateway', () => {
  let harness: Harness;
  let server: Server;
  let uri: string;

  beforeAll(async () => {
    harness = await startHarness({ simulators: { arrays: { entries: 6000, subs: 500 } }, services: true });
    server = createServer(harness.yoga);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await harness.close();
  });

  it.each([[173], [1000]])('partnerUsage, first: %s: the cached edges are exactly the vendor rows, none lost, none repeated', async (first) => {
    const { list, fetched } = await pageWithApollo(clientOf(uri), PARTNER_USAGE, 'partnerUsage', { first });
    const edges = list.edges as Edge[];
    expect(fetched).toBeGreaterThan(2);
    expect(new Set(edges.map((edge) => edge.cursor)).size).toBe(edges.length);
    await expectExactlyTheVendorRows(harness.sims.arrays, edges);
    expect(totalsOf(edges)).toEqual(sumStream(harness.sims.arrays));
  });

  it.each([['CALLS'], ['SUB']])('partnerUsers, orderBy: %s: the cached list is exactly the ledger users, each once', async (orderBy) => {
    const { list, fetched } = await pageWithApollo(clientOf(uri), PARTNER_USERS, 'partnerUsers', { first: 37, orderBy });
    const nodes = list.edges.map((edge) => edge.node as PartnerUserNode);
    expect(fetched).toBeGreaterThan(2);
    const expected = sumStream(harness.sims.arrays);
    expect(nodes).toHaveLength(expected.size);
    expect(new Map(nodes.map(({ sub, calls, discoveries, tweets }) => [sub, { calls, discoveries, tweets }]))).toEqual(expected);
  });
});
