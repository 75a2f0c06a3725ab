import { VENDORS as VENDOR_MODULES, type BuiltInVendors } from '../../src/providers/vendors.js';
import { SIMULATOR_ADMIN_HEADER } from '../../src/simulators/index.js';
import type { Service } from './processes.js';

/** The vendors' keys (`sharpe`), from the gateway's own vendor table. */
export const VENDORS = VENDOR_MODULES.map((vendor) => vendor.key);
export type Vendor = BuiltInVendors[number]['key'];

export interface VendorEndpoint {
  baseUrl: string;
  credential: string;
}

/**
 * A set of vendor simulators driven through their admin routes (`/__sim/*`, loopback only, with the
 * admin token of the process that runs them): the harness's own process of them, or those a
 * demo-mode gateway started.
 */
export class SimulatorsClient {
  constructor(
    readonly vendors: Record<Vendor, VendorEndpoint>,
    private readonly adminToken: string,
  ) {}

  /** The simulators of the bench's own simulator process, from its announcement. */
  static of(service: Service): SimulatorsClient {
    return new SimulatorsClient(service.announcement.vendors as Record<Vendor, VendorEndpoint>, service.announcement.simulatorAdminToken as string);
  }

  /** The admin token a demo-mode gateway logged in its "demo mode" line. */
  static demoAdminToken(service: Service): string {
    for (const line of service.stderr) {
      if (!line.includes('"message":"demo mode')) continue;
      const token = (JSON.parse(line) as { simulatorAdminToken?: unknown }).simulatorAdminToken;
      if (typeof token === 'string') return token;
    }
    throw new Error(`${service.name} logged no simulator admin token`);
  }

  /** Environment that points a gateway (ours or a peer) at the simulators, demo mode off. */
  gatewayEnv(): Record<string, string> {
    return {
      GATEWAY_DEMO: '0',
      // Real-vendor configuration refuses to start unauthenticated unless told; these rows
      // measure the gateway without authentication, as every peer runs.
      AUTH_DISABLED: '1',
      ...Object.fromEntries(
        VENDOR_MODULES.flatMap(({ key, env }) => [
          [env.baseUrl, this.vendors[key].baseUrl],
          [env.credential, this.vendors[key].credential],
        ]),
      ),
    };
  }

  /** Vendor HTTP calls received since the last reset, per vendor. */
  async hits(): Promise<Record<Vendor, number>> {
    const entries = await Promise.all(
      VENDORS.map(async (vendor) => [vendor, ((await this.admin(vendor, 'GET', '/__sim/hits')) as { total: number }).total] as const),
    );
    return Object.fromEntries(entries) as Record<Vendor, number>;
  }

  async resetHits(): Promise<void> {
    await Promise.all(VENDORS.map((vendor) => this.admin(vendor, 'DELETE', '/__sim/hits')));
  }

  /** Every vendor answers `ms` later than usual (null: no added latency). */
  async setLatency(ms: number | null): Promise<void> {
    await Promise.all(
      VENDORS.map((vendor) =>
        ms === null
          ? this.admin(vendor, 'DELETE', '/__sim/fault')
          : this.admin(vendor, 'PUT', '/__sim/fault', { fault: { mode: 'latency', ms } }),
      ),
    );
  }

  private async admin(vendor: Vendor, method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(new URL(path, this.vendors[vendor].baseUrl), {
      method,
      headers: { [SIMULATOR_ADMIN_HEADER]: this.adminToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`simulator ${vendor} ${method} ${path}: HTTP ${response.status}`);
    return response.status === 204 ? null : response.json();
  }
}
