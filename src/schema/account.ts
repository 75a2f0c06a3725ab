import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { ConfiguredProvider } from '../providers/registry.js';
import { accountCallsOf, type AnyVendorModule } from '../providers/vendor-module.js';
import { VENDORS } from '../providers/vendors.js';
import { quotaAlerts } from '../usage/alerts.js';
import type { AccountUsage, Fresh, ProviderId } from '../usage/model.js';
import { builder } from './builder.js';
import { describeProviderError, type ProviderErrorInfo } from './errors.js';
import { requireScopes } from './access.js';
import { cacheMark } from '../edge/field-marks/cache-marks.js';
import { vendorCalls } from '../edge/field-marks/vendor-call-pricing.js';
import { NodeRef, nodeIdOf } from './node-id.js';
import { valueField, VendorAnswerRef } from './freshness.js';
import { ProviderErrorRef, ProviderIdEnum, ProviderRef } from './provider.js';
import {
  EndpointUsageRef,
  MetricPeriodsRef,
  PlanRef,
  QuotaRef,
  RateLimitRef,
  UsageAlertRef,
  UsageSnapshotRef,
  UsageTotalsRef,
} from './usage-types.js';

/** Accounts exist only for configured vendors, so a missing one is a bug, not a user error. */
function configuredProvider(context: GatewayContext, id: ProviderId): ConfiguredProvider {
  const provider = context.registry.get(id);
  if (!provider) throw new Error(`no configured provider ${id} for an account`);
  return provider;
}

const account = valueField<AccountUsage>();

export const AccountRef = builder.objectRef<Fresh<AccountUsage>>('Account').implement({
  description: "One vendor's account usage in the unified vocabulary.",
  interfaces: [VendorAnswerRef, NodeRef],
  fields: (t) => ({
    id: t.id({ description: 'The id of this vendor\'s account, for client caches and `node(id:)`.', resolve: ({ value }) => nodeIdOf('Account', value.provider) }),
    provider: t.field({
      type: ProviderRef,
      description: 'The vendor this account belongs to.',
      resolve: ({ value }, _args, context) => configuredProvider(context, value.provider),
    }),
    plan: t.field({
      type: PlanRef,
      nullable: true,
      description: 'The plan the vendor advertises (Sharpe, Anylayer); null when the vendor reports none.',
      resolve: account('plan'),
    }),
    rateLimit: t.field({
      type: RateLimitRef,
      nullable: true,
      description: 'The request rate limit the vendor enforces (Sharpe, Anylayer); null when the vendor reports none.',
      resolve: account('rateLimit'),
    }),
    quotas: t.field({
      type: [QuotaRef],
      description: "The vendor's allowances and their use (Sharpe's monthly requests, Faraday's named limits), sorted by name; empty when it reports none.",
      resolve: ({ value }) => value.quotas.map((quota) => ({ ...quota, provider: value.provider })),
    }),
    endpoints: t.field({
      type: [EndpointUsageRef],
      description: "Requests per endpoint, each over its `window` (Sharpe and Anylayer: the last 24 hours; Arrays: the stream's first page); empty for Faraday.",
      resolve: account('endpoints'),
    }),
    periods: t.field({
      type: [MetricPeriodsRef],
      description: "Counters over the vendor's monthly periods (Faraday only); empty for the other vendors.",
      resolve: ({ value }) => value.periods.map((counter) => ({ ...counter, provider: value.provider })),
    }),
    alerts: t.field({
      type: [UsageAlertRef],
      description: "The vendor's alerts, then the gateway's (quotas at 90 % and 100 %).",
      resolve: ({ value }) => [...value.alerts, ...quotaAlerts(value.quotas)],
    }),
    totals: t.field({
      type: UsageTotalsRef,
      nullable: true,
      description: 'Requests over a window across all endpoints; null when the vendor reports no totals (Faraday).',
      resolve: account('totals'),
    }),
    recordedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the vendor produced this answer, as the vendor says.',
      resolve: account('recordedAt'),
    }),
    snapshot: t.field({
      type: UsageSnapshotRef,
      nullable: true,
      description: "The vendor's recording of these counts (Faraday only); null for the other vendors.",
      resolve: account('snapshot'),
    }),
    upstreamElapsedMs: t.float({
      nullable: true,
      description: 'How long the vendor says it took to answer, ms (Sharpe only); null for the other vendors.',
      resolve: account('upstreamElapsedMs'),
    }),
    upstreamRequestId: t.string({
      nullable: true,
      description: "The vendor's request id, to quote to the vendor's support.",
      resolve: account('upstreamRequestId'),
    }),
  }),
});

interface AccountOutcome {
  account: Fresh<AccountUsage> | null;
  error: ProviderErrorInfo | null;
}

/**
 * One entry of `accounts`. Its outcome never rejects, so the list answers at once and each entry's
 * `account` and `error` wait for their own vendor only: under `@defer` a fast vendor's entry is
 * sent before a slow one's.
 */
export interface AccountResultModel {
  provider: ProviderId;
  outcome(): Promise<AccountOutcome>;
}

export const AccountResultRef = builder.objectRef<AccountResultModel>('AccountResult').implement({
  description:
    "One entry per configured vendor: its account, or the error that kept it from answering; or both, when the vendor failed and its last good account is served stale.",
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.id({ description: 'The id of this vendor\'s entry, for client caches and `node(id:)`.', resolve: (result) => nodeIdOf('AccountResult', result.provider) }),
    provider: t.field({
      type: ProviderRef,
      description: 'The vendor of this entry.',
      resolve: (result, _args, context) => configuredProvider(context, result.provider),
    }),
    account: t.field({
      type: AccountRef,
      nullable: true,
      description: "The vendor's account usage, possibly a stale copy; null when the vendor failed and nothing was cached.",
      extensions: cacheMark('failure-when-null'),
      resolve: async (result) => (await result.outcome()).account,
    }),
    error: t.field({
      type: ProviderErrorRef,
      nullable: true,
      description: 'Why the vendor could not answer just now; null when it answered.',
      extensions: cacheMark('failure-when-set'),
      resolve: async (result) => (await result.outcome()).error,
    }),
  }),
});

/** The vendors an account field prices: what `@cost` and `@listSize` need of each. */
export type PricedVendor = Pick<AnyVendorModule, 'id' | 'accountCalls'>;

/**
 * The vendor table the schema is built for, declared vendors included. Pothos builds fields when
 * the schema is built, so `buildSchema` sets this first and the weights below count every vendor
 * the schema serves, not only the built-in ones.
 */
let pricedVendors: readonly PricedVendor[] = VENDORS;

/** Prices `account` and `accounts` for `vendors`; `buildSchema` calls it before it builds. */
export function priceAccountFieldsFor(vendors: readonly PricedVendor[]): void {
  pricedVendors = vendors;
}

/** Most vendor calls one account costs: the SDL's `@cost` weight of `account`. */
export function mostCallsPerAccount(vendors: readonly PricedVendor[]): number {
  return Math.max(...vendors.map((vendor) => accountCallsOf(vendor).length));
}

/** The vendor calls of every account together: the SDL's `@cost` weight of `accounts`. */
export function callsOfEveryAccount(vendors: readonly PricedVendor[]): number {
  return new Set(vendors.flatMap((vendor) => accountCallsOf(vendor))).size;
}

builder.queryFields((t) => ({
  account: t.field({
    type: AccountRef,
    nullable: true,
    description: "One vendor's account usage. A vendor failure nulls this field with an error carrying `extensions.code` and `extensions.provider`.",
    args: { provider: t.arg({ type: ProviderIdEnum, required: true, description: 'The vendor whose account to read.' }) },
    ...requireScopes('usage:read'),
    cost: mostCallsPerAccount(pricedVendors),
    extensions: {
      ...cacheMark('cacheable-root'),
      ...vendorCalls(({ provider }, context) => {
        const configured = context.registry.get(provider as ProviderId);
        return configured === undefined ? [] : accountCallsOf(configured.vendor);
      }),
    },
    resolve: (_root, { provider }, context) => context.loaders.account.load(provider),
  }),
  accounts: t.field({
    type: [AccountResultRef],
    nullable: true,
    description: 'Every configured vendor, fetched in parallel; a failing vendor is reported in its own entry. Null, with a FORBIDDEN error, for a caller without `usage:read`.',
    ...requireScopes('usage:read'),
    cost: callsOfEveryAccount(pricedVendors),
    listSize: { assumedSize: pricedVendors.length, requireOneSlicingArgument: false },
    extensions: {
      ...cacheMark('cacheable-root'),
      ...vendorCalls((_args, context) => context.registry.list().flatMap(({ vendor }) => accountCallsOf(vendor))),
    },
    // Every vendor is asked at once, as the list answers (asking inside a deferred fragment would
    // serialise vendors behind one another's loaders).
    // Unless nothing asks for them (`accounts { provider { id } }`): then no vendor is called at all.
    resolve: (_root, _args, context, info) => {
      const lazy = !selectsAnyOf(info, ACCOUNT_OUTCOME_FIELDS);
      return context.registry.list().map(({ id }) => accountResultOf(id, context, { lazy }));
    },
  }),
}));

/** The fields of `AccountResult` that need the vendor's answer. */
const ACCOUNT_OUTCOME_FIELDS: ReadonlySet<string> = new Set(['account', 'error']);

/** Whether the field's selection, through fragments (deferred ones too), selects any of `names`. */
function selectsAnyOf(info: GraphQLResolveInfo, names: ReadonlySet<string>): boolean {
  const selects = (selectionSet: SelectionSetNode | undefined): boolean =>
    selectionSet?.selections.some((selection) => {
      switch (selection.kind) {
        case Kind.FIELD:
          return names.has(selection.name.value);
        case Kind.INLINE_FRAGMENT:
          return selects(selection.selectionSet);
        case Kind.FRAGMENT_SPREAD:
          return selects(info.fragments[selection.name.value]?.selectionSet);
      }
    }) ?? false;
  return info.fieldNodes.some((node) => selects(node.selectionSet));
}

/**
 * One vendor's `AccountResult`: its account, its failure, or both when the account is stale. Its
 * call starts now, or with `lazy` when `account` or `error` is first read.
 */
export function accountResultOf(id: ProviderId, context: GatewayContext, { lazy = false } = {}): AccountResultModel {
  let outcome: Promise<AccountOutcome> | undefined;
  const start = () =>
    (outcome ??= context.loaders.account.load(id).then(
      // Stale data comes with the failure that made it stale, beside it.
      (account) => ({
        account,
        error: account.staleReason === null ? null : describeProviderError(account.staleReason, id, context.logger),
      }),
      (error: unknown) => ({ account: null, error: describeProviderError(error, id, context.logger) }),
    ));
  if (!lazy) start();
  return { provider: id, outcome: start };
}
