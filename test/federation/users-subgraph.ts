import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';

/**
 * The host graph's own `users` subgraph, as a company would run it: it owns `User { id name }`.
 * A test fixture, served over real HTTP on loopback so the gateways talk to it as to any subgraph.
 */
export interface UsersSubgraph {
  url: string;
  sdl: string;
  close(): Promise<void>;
}

export async function startUsersSubgraph(
  users: readonly { id: string; name: string }[],
  naming: { typeName?: string; keyField?: string } = {},
): Promise<UsersSubgraph> {
  const typeName = naming.typeName ?? 'User';
  const key = naming.keyField ?? 'id';
  const sdl = `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
    type ${typeName} @key(fields: "${key}") { ${key}: ID! name: String! }
    type Query { users: [${typeName}!]! }
  `;
  const byKey = new Map(users.map((user) => [user.id, user]));
  const schema = buildSubgraphSchema({
    typeDefs: parse(sdl),
    resolvers: {
      Query: { users: () => users.map((user) => ({ [key]: user.id, name: user.name })) },
      [typeName]: {
        __resolveReference: (reference: Record<string, string>) => {
          const user = byKey.get(reference[key]!);
          return user ? { [key]: user.id, name: user.name } : null;
        },
      },
    } as never,
  });
  const server: Server = createServer(createYoga({ schema, logging: false, graphiql: false }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    sdl,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
