import { SHARPE_DEMO_CREDENTIAL, startSharpeSimulator } from '../../simulators/sharpe.js';
import { defineVendor } from '../vendor-module.js';
import { SharpeClient } from './client.js';

/**
 * Sharpe (docs/vendors/sharpe.md): plan, quota and the last 24 hours from one call. Sharpe documents
 * no limit for the endpoint; its own example's lowest figure (free plan, 30 rpm) is the safe
 * start, and the effective limit it reports in every answer lowers the budget further. Its
 * simulator enforces 600 a minute.
 */
export const sharpeVendor = defineVendor({
  id: 'SHARPE',
  key: 'sharpe',
  name: 'Sharpe',
  env: { credential: 'SHARPE_API_KEY', baseUrl: 'SHARPE_BASE_URL' },
  defaultBaseUrl: 'https://www.sharpe.ai/api',
  rateLimitPerMinute: { default: 30, demo: 600 },
  settings: {},
  demoCredential: SHARPE_DEMO_CREDENTIAL,
  createClient: (options) => new SharpeClient(options),
  startSimulator: (options) => startSharpeSimulator(options),
});
