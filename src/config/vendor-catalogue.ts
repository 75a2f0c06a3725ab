import type { AnyVendorModule } from '../providers/vendor-module.js';
import type { ProviderId } from '../usage/model.js';
import { credential, optionalFlag, optionalIntegerIn, vendorBaseUrl } from '../common/env-values.js';
import type { EnvironmentReader } from './environment-reader.js';

/** Where a vendor lives and how to authenticate; enabled when its credential is set. */
export interface VendorConfig {
  baseUrl: string;
  credential: string;
}

/**
 * Per-vendor policy variables, `<VENDOR>_<suffix>`, each falling back to `UPSTREAM_<suffix>` (or
 * for the rate limit, to the vendor module's own default), with the range each accepts.
 */
export const VENDOR_POLICY_VARIABLES = {
  CONNECT_TIMEOUT_MS: [10, 60_000],
  HEADERS_TIMEOUT_MS: [100, 120_000],
  TIMEOUT_MS: [100, 120_000],
  RATE_LIMIT_PER_MINUTE: [1, 100_000],
  CACHE_TTL_SECONDS: [0, 86_400],
} as const satisfies Record<string, readonly [number, number]>;

export type VendorPolicySuffix = keyof typeof VENDOR_POLICY_VARIABLES;

/** What the environment says of each vendor of the table. */
export interface VendorCatalogue {
  /** Vendors whose credential is set, with their base URL. */
  configured: Record<ProviderId, VendorConfig>;
  /** Each vendor's own variables (e.g. `ARRAYS_START_CURSOR`), parsed, by vendor id. */
  settings: Record<ProviderId, Record<string, unknown>>;
  /** The `<VENDOR>_<suffix>` policy variables that are set, by vendor id. */
  policyOverrides: Record<ProviderId, Partial<Record<VendorPolicySuffix, number>>>;
}

/** Names of every credential variable of the table: their values are never quoted. */
export function credentialVariables(vendors: readonly AnyVendorModule[]): Set<string> {
  return new Set(vendors.map((vendor) => vendor.env.credential));
}

/**
 * Reads every vendor's variables from the environment. `ALLOW_INSECURE_VENDOR_URLS=1` (default
 * off) admits plain http base URLs to hosts other than loopback.
 */
export function readVendorCatalogue(reader: EnvironmentReader, vendors: readonly AnyVendorModule[]): VendorCatalogue {
  const catalogue: VendorCatalogue = { configured: {}, settings: {}, policyOverrides: {} };
  const baseUrl = vendorBaseUrl(reader.read('ALLOW_INSECURE_VENDOR_URLS', optionalFlag) ?? false);
  for (const vendor of vendors) {
    const url = reader.read(vendor.env.baseUrl, baseUrl) ?? vendor.defaultBaseUrl;
    const secret = reader.read(vendor.env.credential, credential);
    if (secret !== undefined) {
      if (url === null) {
        reader.report(`${vendor.env.baseUrl}: required when ${vendor.env.credential} is set (the vendor publishes no default base URL)`);
      } else {
        catalogue.configured[vendor.id] = { baseUrl: url, credential: secret };
      }
    }
    const overrides: Partial<Record<VendorPolicySuffix, number>> = {};
    for (const [suffix, [min, max]] of Object.entries(VENDOR_POLICY_VARIABLES) as [VendorPolicySuffix, readonly [number, number]][]) {
      const value = reader.read(`${vendor.id}_${suffix}`, optionalIntegerIn(min, max));
      if (value !== undefined) overrides[suffix] = value;
    }
    catalogue.policyOverrides[vendor.id] = overrides;
    catalogue.settings[vendor.id] = Object.fromEntries(
      Object.entries(vendor.settings as Record<string, Parameters<EnvironmentReader['read']>[1]>).map(([name, schema]) => [name, reader.read(name, schema)]),
    );
  }
  return catalogue;
}
