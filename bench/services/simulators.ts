import { startVendorSimulators } from '../../src/providers/vendor-simulators.js';
import { VENDORS } from '../../src/providers/vendors.js';
import { simulatorAdminToken } from '../../src/simulators/index.js';
import { announceListening, exitWithParent } from '../lib/announce.js';

/**
 * The vendor simulators in one process of their own, so that their CPU is not the load
 * generator's. The harness drives faults and reads hits through their loopback admin routes,
 * with the admin token this process announces.
 */
const sims = await startVendorSimulators();
const vendors = Object.fromEntries(VENDORS.map(({ key }) => [key, { baseUrl: sims[key].baseUrl, credential: sims[key].credential }]));
exitWithParent(() => sims.close());
announceListening(sims.sharpe.baseUrl, { vendors, simulatorAdminToken: simulatorAdminToken() });
