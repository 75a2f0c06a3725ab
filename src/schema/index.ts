import type { GraphQLSchema } from 'graphql';
import type { AnyVendorModule } from '../providers/vendor-module.js';
import { VENDORS } from '../providers/vendors.js';
import { GRAPHQL_NAME } from '../common/graphql-name.js';
import { builder } from './builder.js';
import { serveSdlWithoutSecurityDirectives } from './security-directives.js';
import './scalars.js';
import { defineProviderIdEnum } from './provider.js';
import './usage-types.js';
import { priceAccountFieldsFor, type PricedVendor } from './account.js';
import './partner-usage.js';
import './partner-user.js';
import './partner-ledger.js';
import './api-key-usage.js';
import './alerts.js';
import './node-query.js';
import { addFederatedUser, DEFAULT_FEDERATED_USER, type FederatedUserNaming } from './federation.js';

export { DEFAULT_FEDERATED_USER, type FederatedUserNaming } from './federation.js';

/** How the subgraph presents itself. */
export interface SchemaOptions {
  /**
   * Whether `_service { sdl }` carries `@authenticated` and `@requiresScopes`, so that a router
   * can refuse before calling us. `FEDERATION_AUTH_DIRECTIVES`, default true; false for routers
   * that refuse them (`@apollo/gateway`). Our own checks stay either way.
   */
  authDirectives?: boolean;
}

let built: { shape: string; schema: GraphQLSchema } | undefined;

/**
 * The Federation v2 subgraph schema (`@link`, `_service`, `_entities`); Pothos sorts it, so its
 * printed SDL is stable. The host graph's user type and the vendor table (the `ProviderId` enum)
 * are inputs. The schema files register their types on one module-level Pothos builder when
 * imported (Pothos's own layout, `examples/complex-app`); a builder cannot forget types, so a
 * process builds one schema: asking again with the same inputs returns it, with other inputs is a
 * programming error. (One builder per call would mean every schema file exporting a function
 * that takes the builder and returns its refs, for a second schema no deployment needs: tests
 * that need another get their own process, which vitest gives each test file.)
 */
export function buildSchema(
  naming: FederatedUserNaming = DEFAULT_FEDERATED_USER,
  vendors: readonly PricedVendor[] = VENDORS,
  options: SchemaOptions = {},
): GraphQLSchema {
  const { authDirectives = true } = options;
  const shape = `${naming.typeName}.${naming.keyField} over ${vendors.map((vendor) => vendor.id).join(', ')}${authDirectives ? '' : ' without @authenticated/@requiresScopes'}`;
  if (built) {
    if (built.shape === shape) return built.schema;
    throw new Error(`the schema was already built with ${built.shape}, not ${shape}; one schema per process`);
  }
  for (const name of [naming.typeName, naming.keyField]) {
    if (!GRAPHQL_NAME.test(name)) throw new Error(`${JSON.stringify(name)} is not a GraphQL name`);
  }
  defineProviderIdEnum(vendors.map((vendor) => vendor.id));
  priceAccountFieldsFor(vendors);
  addFederatedUser(naming);
  const schema = builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.9' });
  if (!authDirectives) serveSdlWithoutSecurityDirectives(schema);
  built = { shape, schema };
  return schema;
}
