import { startSimulators } from '../../src/simulators/index.js';
import { announceListening, exitWithParent } from '../lib/announce.js';

/**
 * The four vendor simulators in one process of their own, so that their CPU is not the load
 * generator's. The harness drives faults and reads hits through their loopback admin routes.
 */
const sims = await startSimulators();
const vendors = Object.fromEntries(
  (['arrays', 'anylayer', 'sharpe', 'faraday'] as const).map((name) => [name, { baseUrl: sims[name].baseUrl, credential: sims[name].credential }]),
);
exitWithParent(() => sims.close());
announceListening(sims.sharpe.baseUrl, { vendors });
