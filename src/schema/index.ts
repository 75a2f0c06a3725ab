import type { GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './provider.js';
import './usage-types.js';
import './account.js';
import './partner-usage.js';
import './partner-user.js';
import './partner-ledger.js';
import './api-key-usage.js';

/**
 * The Federation v2 subgraph schema (`@link`, `_service`, `_entities`). Pothos sorts it
 * lexicographically, so its printed SDL is stable.
 */
export const schema: GraphQLSchema = builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' });
