import type { GraphQLSchema } from 'graphql';
import { GRAPHQL_NAME } from '../graphql-name.js';
import { builder } from './builder.js';
import './scalars.js';
import './provider.js';
import './usage-types.js';
import './account.js';
import './partner-usage.js';
import './partner-user.js';
import './partner-ledger.js';
import './api-key-usage.js';
import { addFederatedUser, DEFAULT_FEDERATED_USER, type FederatedUserNaming } from './federation.js';

export { DEFAULT_FEDERATED_USER, type FederatedUserNaming } from './federation.js';

let built: { naming: FederatedUserNaming; schema: GraphQLSchema } | undefined;

/**
 * The Federation v2 subgraph schema (`@link`, `_service`, `_entities`); Pothos sorts it, so its
 * printed SDL is stable. The host graph's user type is configuration, and Pothos types are
 * registered once per process, so a process builds one schema: asking again with the same naming
 * returns it, with another naming is a programming error.
 */
export function buildSchema(naming: FederatedUserNaming = DEFAULT_FEDERATED_USER): GraphQLSchema {
  if (built) {
    if (built.naming.typeName === naming.typeName && built.naming.keyField === naming.keyField) return built.schema;
    throw new Error(`the schema was already built with ${built.naming.typeName}.${built.naming.keyField}; one naming per process`);
  }
  for (const name of [naming.typeName, naming.keyField]) {
    if (!GRAPHQL_NAME.test(name)) throw new Error(`${JSON.stringify(name)} is not a GraphQL name`);
  }
  addFederatedUser(naming);
  const schema = builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' });
  built = { naming, schema };
  return schema;
}
