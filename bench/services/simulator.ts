import { VENDORS } from '../../src/providers/vendors.js';
import { adoptSimulatorAdminToken, simulatorAdminToken } from '../../src/simulators/index.js';
import { announceListening, exitWithParent } from '../lib/announce.js';

/**
 * One vendor's simulator (`BENCH_SIMULATOR`, a vendor key) in a process of its own, answering the
 * admin token `BENCH_SIMULATOR_ADMIN_TOKEN` that its siblings answer too (see `simulators.ts`).
 */
const key = process.env.BENCH_SIMULATOR;
const vendor = VENDORS.find((candidate) => candidate.key === key);
if (vendor === undefined) throw new Error(`BENCH_SIMULATOR must be one of ${VENDORS.map((candidate) => candidate.key).join(', ')}`);
adoptSimulatorAdminToken(process.env.BENCH_SIMULATOR_ADMIN_TOKEN ?? simulatorAdminToken());
const sim = await vendor.startSimulator({});
exitWithParent(() => sim.close());
announceListening(sim.baseUrl, { vendor: vendor.key, credential: sim.credential });
