import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VENDORS } from '../../src/providers/vendors.js';
import { simulatorAdminToken } from '../../src/simulators/index.js';
import { announceListening, exitWithParent } from '../lib/announce.js';
import { killAll, startService } from '../lib/processes.js';

/**
 * The vendor simulators, each in a process of its own (`simulator.ts`), so that their CPU is not
 * the load generator's and five simultaneous calls are answered in parallel, as by real vendors:
 * in one process their answers would leave one after another, and no gateway, nor the "five calls
 * at once" baseline, could answer before the last. One admin token for all of them, this
 * process's, through which the harness drives faults and reads hits on their loopback routes.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
const adminToken = simulatorAdminToken();
const started = await Promise.all(
  VENDORS.map((vendor) =>
    startService(`simulator ${vendor.key}`, join(here, 'simulator.ts'), { BENCH_SIMULATOR: vendor.key, BENCH_SIMULATOR_ADMIN_TOKEN: adminToken }),
  ),
);
const vendors = Object.fromEntries(started.map((service) => [service.announcement.vendor as string, { baseUrl: service.url, credential: service.announcement.credential as string }]));
exitWithParent(async () => {
  await Promise.all(started.map((service) => service.stop()));
  killAll();
});
announceListening(vendors.sharpe!.baseUrl, { vendors, simulatorAdminToken: adminToken });
