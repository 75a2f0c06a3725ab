import type { GraphQLField } from 'graphql';
import type { ProviderRegistry } from '../../providers/registry.js';

/**
 * A field's price in vendor calls, which demand control reads from the schema (the field's GraphQL
 * `extensions`) instead of knowing field names: given the field's arguments (variables and
 * defaults applied) and the request's context, the distinct vendor calls resolving it can cause,
 * each named with `vendorCallKey`, so that calls the request's DataLoaders would make once have
 * one name. No name for a call that cannot happen (its vendor not configured, an argument the
 * resolver refuses before calling). A field without a price costs no vendor call itself.
 */
export type VendorCallPricing = (args: Record<string, unknown>, context: PricingContext) => Iterable<string>;

/**
 * What a price may read of the request's context: which vendors are configured, nothing more.
 * Demand control hands it the request's context as this, so it needs no more of the context either.
 */
export interface PricingContext {
  readonly registry: Pick<ProviderRegistry, 'get' | 'list'>;
}

const KEY = 'vendorCalls';

/** The `extensions` that put `pricing` on a field. */
export function vendorCalls(pricing: VendorCallPricing): { [KEY]: VendorCallPricing } {
  return { [KEY]: pricing };
}

/** The price a field carries, if any. */
export function vendorCallPricingOf(field: Pick<GraphQLField<unknown, unknown>, 'extensions'> | null | undefined): VendorCallPricing | undefined {
  return field?.extensions[KEY] as VendorCallPricing | undefined;
}
