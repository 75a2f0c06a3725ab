import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { announceListening, exitWithParent } from '../lib/announce.js';

/** The floor of the framework: graphql-yoga's hello world, same version and defaults as ours. */
const yoga = createYoga({
  schema: createSchema({ typeDefs: 'type Query { hello: String! }', resolvers: { Query: { hello: () => 'world' } } }),
  logging: false,
  graphiql: false,
  landingPage: false,
});
const server = createServer(yoga);
server.listen(0, '127.0.0.1', () => {
  announceListening(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
});
exitWithParent(() => new Promise((resolve) => server.close(() => resolve())));
