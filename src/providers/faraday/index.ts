import { FARADAY_DEMO_CREDENTIAL, startFaradaySimulator } from '../../simulators/faraday.js';
import { vendorCallKey } from '../request-loaders.js';
import { defineVendor } from '../vendor-module.js';
import { FaradayClient } from './client.js';

/**
 * Faraday (docs/vendors/faraday.md): named limits and account usage metrics, two calls per account.
 * Faraday documents no limit for either endpoint: 60 a minute, a conservative guess to raise by
 * configuration.
 */
export const faradayVendor = defineVendor({
  id: 'FARADAY',
  key: 'faraday',
  name: 'Faraday',
  env: { credential: 'FARADAY_API_KEY', baseUrl: 'FARADAY_BASE_URL' },
  defaultBaseUrl: 'https://api.faraday.ai',
  rateLimitPerMinute: { default: 60, demo: 600 },
  settings: {},
  demoCredential: FARADAY_DEMO_CREDENTIAL,
  createClient: (options) => new FaradayClient(options),
  startSimulator: (options) => startFaradaySimulator(options),
  accountCalls: [vendorCallKey('FARADAY', 'limits'), vendorCallKey('FARADAY', 'usage')],
});
