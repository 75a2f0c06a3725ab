import { requireLedger, type GatewayContext } from '../context.js';
import type { ConfiguredProvider } from '../providers/registry.js';
import { accountCallsOf } from '../providers/vendor-module.js';
import { forbiddenPartner, forbiddenScope, mayReadPartner } from './access.js';
import { accountResultOf } from './account.js';
import { builder } from './builder.js';
import { asNode, NodeRef, notANodeId, parseNodeId } from './node-id.js';
import { vendorCalls, type PricingContext } from '../edge/field-marks/vendor-call-pricing.js';

/** The configured vendor whose id (or account's key) is `id`. */
function configured(context: PricingContext, id: string): ConfiguredProvider | undefined {
  return context.registry.list().find((provider) => provider.id === id);
}

/** The rule of `providers`, `account` and `accounts`, for objects reached by id. */
function requireUsageRead(context: GatewayContext): void {
  if (!context.caller.scopes.has('usage:read')) throw forbiddenScope('usage:read');
}

builder.queryFields((t) => ({
  node: t.field({
    type: NodeRef,
    nullable: true,
    description:
      'The object with this `id` (Relay object identification), to refetch it: null when it no longer exists (a vendor no longer configured, a partner user the ledger has not counted). Reading it needs what reading it elsewhere needs: `usage:read` for providers and accounts, `partners:read` (or `partners:self` for the caller\'s own sub) for partner users.',
    args: { id: t.arg.id({ required: true, description: 'An `id` the gateway served.' }) },
    extensions: vendorCalls(({ id }, context) => {
      const parsed = typeof id === 'string' ? parseNodeId(id) : null;
      if (parsed === null || parsed.type === 'PartnerUser') return [];
      const provider = configured(context, parsed.key);
      return provider === undefined ? [] : accountCallsOf(provider.vendor);
    }),
    resolve: async (_root, { id }, context) => {
      const provider = configured(context, id);
      if (provider !== undefined) {
        requireUsageRead(context);
        return asNode('Provider', provider);
      }
      const parsed = parseNodeId(id);
      if (parsed === null) throw notANodeId();
      switch (parsed.type) {
        case 'PartnerUser': {
          if (!mayReadPartner(context.caller, parsed.key)) throw forbiddenPartner();
          requireLedger(context.registry, context.ledger);
          const user = await context.loaders.partnerUser.load(parsed.key);
          return user === null ? null : asNode('PartnerUser', user);
        }
        case 'Account':
        case 'AccountResult': {
          requireUsageRead(context);
          const vendor = configured(context, parsed.key);
          if (vendor === undefined) return null;
          // A vendor failure fails the field, as `account` does; `AccountResult` reports it inside.
          return parsed.type === 'Account'
            ? asNode('Account', await context.loaders.account.load(vendor.id))
            : asNode('AccountResult', accountResultOf(vendor.id, context));
        }
      }
    },
  }),
}));
