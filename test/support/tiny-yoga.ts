import { createSchema, createYoga, type Plugin } from 'graphql-yoga';

/**
 * A yoga over a few-field schema with only the plugins under test, the way graphql-yoga tests its
 * own plugins: requests go through `yoga.fetch`, and `resolverCalls()` counts what executed.
 * The schema has lists, an argument, and nesting, enough for depth, aliases and cost.
 */
export function tinyYoga(plugins: Plugin[] = []) {
  let resolverCalls = 0;
  const account = (id: string) => {
    resolverCalls += 1;
    return { id, name: `account ${id}` };
  };
  const schema = createSchema({
    typeDefs: /* GraphQL */ `
      type Query {
        accounts: [Account!]!
        account(id: ID!): Account
      }
      type Account {
        id: ID!
        name: String!
        parent: Account
      }
    `,
    resolvers: {
      Query: {
        accounts: () => [account('1'), account('2')],
        account: (_: unknown, { id }: { id: string }) => account(id),
      },
      Account: {
        parent: ({ id }: { id: string }) => account(`${id}.parent`),
      },
    },
  });
  const yoga = createYoga({ schema, plugins, logging: false });
  return { yoga, resolverCalls: () => resolverCalls };
}
