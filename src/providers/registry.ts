import { UpstreamHttp } from '../upstream/http.js';
import type { ResilientUpstream } from '../upstream/resilient-upstream.js';
import type { ChannelHealth } from '../upstream/vendor-channel.js';
import type { ProviderId } from '../usage/model.js';
import type { VendorClient } from './provider.js';
import type { AnyVendorModule, ClientOf } from './vendor-module.js';
import { VENDORS } from './vendors.js';

/** A vendor the gateway is configured to read, with the client that reads it. */
export interface ConfiguredProvider {
  id: ProviderId;
  name: string;
  /** Origin the gateway calls (scheme, host, port); never carries a credential. */
  origin: string;
  /** True when this vendor is one of the built-in simulators (demo mode). */
  simulated: boolean;
  /** The vendor's module: what it is and how its account is read. */
  vendor: AnyVendorModule;
  client: VendorClient;
  /** Breaker, budgets, last error and last success of this vendor's channel; null without one. */
  health(): ChannelHealth | null;
}

export interface ProviderRegistry {
  /** The configured vendors, in the vendor table's order. */
  list(): readonly ConfiguredProvider[];
  get(id: ProviderId): ConfiguredProvider | undefined;
  /** The client of one vendor module, typed as that vendor's; undefined when it is not configured. */
  clientOf<M extends AnyVendorModule>(vendor: M): ClientOf<M> | undefined;
  /** Every configured credential, so logs and errors can be redacted of them. */
  secrets(): readonly string[];
}

export interface ProviderSetting {
  baseUrl: string;
  credential: string;
  simulated: boolean;
}

/**
 * Builds one client per configured vendor over the shared upstream layer: normally a
 * ResilientUpstream (one channel per vendor and credential); a bare UpstreamHttp gives clients
 * that call once and keep nothing, and report no health. `vendors` is the table the settings'
 * ids come from (default `VENDORS`); an id outside it is a programming error.
 */
export function createProviderRegistry(
  settings: Partial<Record<ProviderId, ProviderSetting>>,
  upstream: ResilientUpstream | UpstreamHttp,
  vendors: readonly AnyVendorModule[] = VENDORS,
): ProviderRegistry {
  for (const id of Object.keys(settings)) {
    if (!vendors.some((vendor) => vendor.id === id)) throw new Error(`no vendor module for provider ${id}`);
  }
  const providers = new Map<ProviderId, ConfiguredProvider>();
  for (const vendor of vendors) {
    const setting = settings[vendor.id];
    if (setting === undefined) continue;
    const channel = upstream instanceof UpstreamHttp ? undefined : upstream.channel(vendor.id, setting.credential);
    const via = upstream instanceof UpstreamHttp ? { http: upstream } : { channel };
    providers.set(vendor.id, {
      id: vendor.id,
      name: vendor.name,
      origin: new URL(setting.baseUrl).origin,
      simulated: setting.simulated,
      vendor,
      client: vendor.createClient({ baseUrl: setting.baseUrl, credential: setting.credential, ...via }),
      health: () => channel?.health() ?? null,
    });
  }
  const list = [...providers.values()];
  const secrets = list.map((provider) => settings[provider.id]!.credential);
  return {
    list: () => list,
    get: (id) => providers.get(id),
    clientOf: <M extends AnyVendorModule>(vendor: M) => {
      const provider = providers.get(vendor.id);
      return provider?.vendor === vendor ? (provider.client as ClientOf<M>) : undefined;
    },
    secrets: () => secrets,
  };
}
