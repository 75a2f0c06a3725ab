import { anylayerVendor } from './anylayer/index.js';
import { arraysVendor } from './arrays/index.js';
import { faradayVendor } from './faraday/index.js';
import { sharpeVendor } from './sharpe/index.js';

/**
 * Every vendor the gateway can read, in the order it lists them. Registry, configuration,
 * server, simulators, the test harness and the benchmark iterate over this table; a new vendor
 * is a folder under `src/providers/` exporting its module, and one line here.
 */
export const VENDORS = [arraysVendor, anylayerVendor, sharpeVendor, faradayVendor] as const;

/** The built-in vendor table's type, whose simulators the harness names (`sims.sharpe`). */
export type BuiltInVendors = typeof VENDORS;
