import type DataLoader from 'dataloader';
import { ANYLAYER_DEMO_CREDENTIAL, startAnylayerSimulator } from '../../simulators/anylayer/server.js';
import { DEFAULT_API_KEY_USAGE_QUERY, type ApiKeyUsage, type ApiKeyUsageQuery, type Fresh } from '../../usage/model.js';
import { callLoader, vendorCallKey } from '../request-loaders.js';
import { defineVendor } from '../vendor-module.js';
import { AnylayerClient } from './client.js';
import { accountOfApiKeyUsage } from './to-usage.js';

/** The per-request loaders of Anylayer calls. */
export interface AnylayerLoaders {
  apiKeyUsage: DataLoader<ApiKeyUsageQuery, Fresh<ApiKeyUsage>, string>;
}

const ID = 'ANYLAYER';

/** The call of one analytics query (see `vendorCallKey`). */
export function apiKeyUsageCall(query: ApiKeyUsageQuery): string {
  return vendorCallKey(ID, 'apiKeyUsage', query);
}

/**
 * Anylayer (docs/vendors/anylayer.md): API key analytics. Its account is a view of the default analytics
 * query, read through the same loader as `apiKeyUsage`, so both in one operation share one call.
 * It publishes no production base URL, and documents 60 calls a minute on its free tier.
 */
export const anylayerVendor = defineVendor({
  id: ID,
  key: 'anylayer',
  name: 'Anylayer',
  env: { credential: 'ANYLAYER_API_KEY', baseUrl: 'ANYLAYER_BASE_URL' },
  defaultBaseUrl: null,
  rateLimitPerMinute: { default: 60, demo: 600 },
  settings: {},
  demoCredential: ANYLAYER_DEMO_CREDENTIAL,
  createClient: (options) => new AnylayerClient(options),
  startSimulator: (options) => startAnylayerSimulator(options),
  createLoaders: (client): AnylayerLoaders => ({
    apiKeyUsage: callLoader((query: ApiKeyUsageQuery) => client.fetchApiKeyUsage(query)),
  }),
  account: async ({ apiKeyUsage }) => accountOfApiKeyUsage(await apiKeyUsage.load(DEFAULT_API_KEY_USAGE_QUERY)),
  accountCalls: [apiKeyUsageCall(DEFAULT_API_KEY_USAGE_QUERY)],
});
