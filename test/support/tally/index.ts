import { defineVendor } from '../../../src/providers/vendor-module.js';
import { TallyClient } from './client.js';
import { startTallySimulator, TALLY_DEMO_CREDENTIAL } from './simulator.js';

/** The test-only vendor module: everything the gateway needs of Tally, registered by adding it to the vendor table. */
export const tallyVendor = defineVendor({
  id: 'TALLY',
  key: 'tally',
  name: 'Tally',
  env: { credential: 'TALLY_API_KEY', baseUrl: 'TALLY_BASE_URL' },
  defaultBaseUrl: null,
  rateLimitPerMinute: { default: 20, demo: 200 },
  settings: {},
  demoCredential: TALLY_DEMO_CREDENTIAL,
  createClient: (options) => new TallyClient(options),
  startSimulator: (options) => startTallySimulator(options),
});
