import { startSimulators, type RunningSimulators, type StartSimulatorsOptions } from '../simulators/index.js';
import type { AnyVendorModule, SimulatorsOf } from './vendor-module.js';
import { VENDORS, type BuiltInVendors } from './vendors.js';

/** The simulators of a vendor table, by each module's `key` (`sims.sharpe`). */
export type VendorSimulators<Vendors extends readonly AnyVendorModule[] = BuiltInVendors> = RunningSimulators<SimulatorsOf<Vendors>>;

/** Starts every vendor's simulator of `vendors` (default `VENDORS`) on its own loopback port. */
export function startVendorSimulators<const Vendors extends readonly AnyVendorModule[] = BuiltInVendors>(
  options: StartSimulatorsOptions = {},
  vendors: Vendors = VENDORS as unknown as Vendors,
): Promise<VendorSimulators<Vendors>> {
  return startSimulators<SimulatorsOf<Vendors>>(vendors, options);
}
