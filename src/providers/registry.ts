import { UpstreamHttp } from '../upstream/http.js';
import type { ResilientUpstream } from '../upstream/resilient-upstream.js';
import type { ChannelHealth } from '../upstream/vendor-channel.js';
import { PROVIDER_IDS, type ProviderId } from '../usage/model.js';
import { AnylayerClient } from './anylayer/client.js';
import { ArraysClient } from './arrays/client.js';
import { FaradayClient } from './faraday/client.js';
import type { AnylayerClientApi, ArraysClientApi, VendorClient } from './provider.js';
import { SharpeClient } from './sharpe/client.js';

export const PROVIDER_NAMES: Record<ProviderId, string> = {
  ARRAYS: 'Arrays',
  ANYLAYER: 'Anylayer',
  SHARPE: 'Sharpe',
  FARADAY: 'Faraday',
};

/** A vendor the gateway is configured to read, with the client that reads it. */
export interface ConfiguredProvider {
  id: ProviderId;
  name: string;
  /** Origin the gateway calls (scheme, host, port); never carries a credential. */
  origin: string;
  /** True when this vendor is one of the built-in simulators (demo mode). */
  simulated: boolean;
  client: VendorClient;
  /** Breaker, budgets, last error and last success of this vendor's channel; null without one. */
  health(): ChannelHealth | null;
}

export interface ProviderRegistry {
  list(): readonly ConfiguredProvider[];
  get(id: ProviderId): ConfiguredProvider | undefined;
  arrays(): ArraysClientApi | undefined;
  anylayer(): AnylayerClientApi | undefined;
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
 * that call once and keep nothing, and report no health.
 */
export function createProviderRegistry(
  settings: Partial<Record<ProviderId, ProviderSetting>>,
  upstream: ResilientUpstream | UpstreamHttp,
): ProviderRegistry {
  const providers = new Map<ProviderId, ConfiguredProvider>();
  let arrays: ArraysClientApi | undefined;
  let anylayer: AnylayerClientApi | undefined;
  for (const [id, setting] of Object.entries(settings) as [ProviderId, ProviderSetting][]) {
    const channel = upstream instanceof UpstreamHttp ? undefined : upstream.channel(id, setting.credential);
    const via = upstream instanceof UpstreamHttp ? { http: upstream } : { channel };
    const options = { baseUrl: setting.baseUrl, credential: setting.credential, ...via };
    let client: VendorClient;
    if (id === 'ARRAYS') client = arrays = new ArraysClient(options);
    else if (id === 'ANYLAYER') client = anylayer = new AnylayerClient(options);
    else if (id === 'SHARPE') client = new SharpeClient(options);
    else client = new FaradayClient(options);
    providers.set(id, {
      id,
      name: PROVIDER_NAMES[id],
      origin: new URL(setting.baseUrl).origin,
      simulated: setting.simulated,
      client,
      health: () => channel?.health() ?? null,
    });
  }
  const secrets = Object.values(settings).map((setting) => setting.credential);
  return {
    list: () => PROVIDER_IDS.flatMap((id) => providers.get(id) ?? []),
    get: (id) => providers.get(id),
    arrays: () => arrays,
    anylayer: () => anylayer,
    secrets: () => secrets,
  };
}
