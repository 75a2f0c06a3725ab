import type { GatewayContext } from '../context.js';
import type { ConfiguredProvider } from '../providers/registry.js';
import { quotaAlerts } from '../usage/alerts.js';
import type { AccountUsage, ProviderId } from '../usage/model.js';
import { builder } from './builder.js';
import { describeProviderError, type ProviderErrorInfo } from './errors.js';
import { ageSeconds, ProviderErrorRef, ProviderIdEnum, ProviderRef, staleReason } from './provider.js';
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

export const AccountRef = builder.objectRef<AccountUsage>('Account').implement({
  description: "One vendor's account usage in the unified vocabulary.",
  fields: (t) => ({
    provider: t.field({
      type: ProviderRef,
      resolve: (account, _args, context) => configuredProvider(context, account.provider),
    }),
    plan: t.expose('plan', { type: PlanRef, nullable: true }),
    rateLimit: t.expose('rateLimit', { type: RateLimitRef, nullable: true }),
    quotas: t.expose('quotas', { type: [QuotaRef] }),
    endpoints: t.expose('endpoints', { type: [EndpointUsageRef] }),
    periods: t.expose('periods', { type: [MetricPeriodsRef] }),
    alerts: t.field({
      type: [UsageAlertRef],
      description: "The vendor's alerts, then the gateway's (quotas at 90 % and 100 %).",
      resolve: (account) => [...account.alerts, ...quotaAlerts(account.quotas)],
    }),
    totals: t.expose('totals', { type: UsageTotalsRef, nullable: true }),
    recordedAt: t.expose('recordedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the vendor produced this answer, as the vendor says.',
    }),
    snapshot: t.expose('snapshot', { type: UsageSnapshotRef, nullable: true }),
    upstreamElapsedMs: t.exposeFloat('upstreamElapsedMs', { nullable: true }),
    upstreamRequestId: t.exposeString('upstreamRequestId', {
      nullable: true,
      description: "The vendor's request id, to quote to the vendor's support.",
    }),
    fetchedAt: t.expose('fetchedAt', { type: 'DateTime', description: 'When the gateway received this from the vendor.' }),
    ageSeconds: t.int({ description: 'Whole seconds since `fetchedAt`: how old this answer is.', resolve: (account) => ageSeconds(account.fetchedAt) }),
    stale: t.boolean({
      description: 'True when the vendor just failed and this is its last good answer from cache; `staleReason` says why.',
      resolve: (account) => account.staleReason !== undefined,
    }),
    staleReason: t.field({
      type: ProviderErrorRef,
      nullable: true,
      description: 'The vendor failure that made the gateway serve this cached answer; null when fresh.',
      resolve: (account, _args, context) => staleReason(account, account.provider, context.logger),
    }),
  }),
});

interface AccountResultModel {
  provider: ProviderId;
  account: AccountUsage | null;
  error: ProviderErrorInfo | null;
}

const AccountResultRef = builder.objectRef<AccountResultModel>('AccountResult').implement({
  description:
    "One entry per configured vendor: its account, or the error that kept it from answering; or both, when the vendor failed and its last good account is served stale.",
  fields: (t) => ({
    provider: t.field({
      type: ProviderRef,
      resolve: (result, _args, context) => configuredProvider(context, result.provider),
    }),
    account: t.expose('account', { type: AccountRef, nullable: true }),
    error: t.expose('error', { type: ProviderErrorRef, nullable: true }),
  }),
});

builder.queryFields((t) => ({
  account: t.field({
    type: AccountRef,
    nullable: true,
    description: "One vendor's account usage. A vendor failure nulls this field with an error carrying `extensions.code` and `extensions.provider`.",
    args: { provider: t.arg({ type: ProviderIdEnum, required: true }) },
    resolve: (_root, { provider }, context) => context.loaders.account.load(provider),
  }),
  accounts: t.field({
    type: [AccountResultRef],
    description: 'Every configured vendor, fetched in parallel; a failing vendor is reported in its own entry.',
    resolve: (_root, _args, context) =>
      Promise.all(
        context.registry.list().map(async ({ id }): Promise<AccountResultModel> => {
          try {
            const account = await context.loaders.account.load(id);
            // Stale data comes with the failure that made it stale, beside it.
            return { provider: id, account, error: staleReason(account, id, context.logger) };
          } catch (error) {
            return { provider: id, account: null, error: describeProviderError(error, id, context.logger) };
          }
        }),
      ),
  }),
}));
