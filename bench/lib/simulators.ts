import type { Service } from './processes.js';

export const VENDORS = ['arrays', 'anylayer', 'sharpe', 'faraday'] as const;
export type Vendor = (typeof VENDORS)[number];

export interface VendorEndpoint {
  baseUrl: string;
  credential: string;
}

/**
 * A set of vendor simulators driven through their admin routes (`/__sim/*`, loopback only): the
 * harness's own process of them, or those a demo-mode gateway started (admin routes need no credential).
 */
export class SimulatorsClient {
  constructor(readonly vendors: Record<Vendor, VendorEndpoint>) {}

  /** The simulators of the bench's own simulator process, from its announcement. */
  static of(service: Service): SimulatorsClient {
    return new SimulatorsClient(service.announcement.vendors as Record<Vendor, VendorEndpoint>);
  }

  /** Environment that points a gateway (ours or a peer) at the simulators, demo mode off. */
  gatewayEnv(): Record<string, string> {
    const { arrays, anylayer, sharpe, faraday } = this.vendors;
    return {
      GATEWAY_DEMO: '0',
      ARRAYS_BASE_URL: arrays.baseUrl,
      ARRAYS_SERVICE_TOKEN: arrays.credential,
      ANYLAYER_BASE_URL: anylayer.baseUrl,
      ANYLAYER_API_KEY: anylayer.credential,
      SHARPE_BASE_URL: sharpe.baseUrl,
      SHARPE_API_KEY: sharpe.credential,
      FARADAY_BASE_URL: faraday.baseUrl,
      FARADAY_API_KEY: faraday.credential,
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
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    if (!response.ok) throw new Error(`simulator ${vendor} ${method} ${path}: HTTP ${response.status}`);
    return response.status === 204 ? null : response.json();
  }
}
