import { quotaAlerts } from '../usage/alerts.js';
import type { AccountUsage, ProviderId } from '../usage/model.js';
import { builder } from './builder.js';
import { describeProviderError, type ProviderErrorInfo } from './errors.js';
import { ProviderIdEnum, ProviderRef } from './provider.js';
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

export const AccountRef = builder.objectRef<AccountUsage>('Account').implement({
  description: "One vendor's account usage in the unified vocabulary.",
  fields: (t) => ({
    provider: t.field({
      type: ProviderRef,
      resolve: (account, _args, context) => {
        const provider = context.registry.get(account.provider);
        if (!provider) throw new Error(`account of unconfigured provider ${account.provider}`);
        return provider;
      },
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
  }),
});

const FieldErrorRef = builder.objectRef<{ field: string; reason: string }>('VendorFieldError').implement({
  fields: (t) => ({ field: t.exposeString('field'), reason: t.exposeString('reason') }),
});

export const ProviderErrorRef = builder.objectRef<ProviderErrorInfo>('ProviderError').implement({
  description: 'Why a vendor could not answer. `code` is one of the UPSTREAM_* codes or PROVIDER_NOT_CONFIGURED.',
  fields: (t) => ({
    code: t.exposeString('code'),
    message: t.exposeString('message'),
    httpStatus: t.exposeInt('httpStatus', { nullable: true }),
    retryAfterSeconds: t.exposeInt('retryAfterSeconds', { nullable: true }),
    upstreamRequestId: t.exposeString('upstreamRequestId', {
      nullable: true,
      description: "The vendor's request or error id, for the vendor's support.",
    }),
    vendorCode: t.exposeString('vendorCode', { nullable: true }),
    hint: t.exposeString('hint', { nullable: true }),
    docsUrl: t.exposeString('docsUrl', { nullable: true }),
    fieldErrors: t.field({ type: [FieldErrorRef], resolve: (error) => [...error.fieldErrors] }),
  }),
});

interface AccountResultModel {
  provider: ProviderId;
  account: AccountUsage | null;
  error: ProviderErrorInfo | null;
}

const AccountResultRef = builder.objectRef<AccountResultModel>('AccountResult').implement({
  description: 'One entry per configured vendor: its account, or the error that kept it from answering.',
  fields: (t) => ({
    provider: t.field({
      type: ProviderRef,
      resolve: (result, _args, context) => {
        const provider = context.registry.get(result.provider);
        if (!provider) throw new Error(`result of unconfigured provider ${result.provider}`);
        return provider;
      },
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
            return { provider: id, account: await context.loaders.account.load(id), error: null };
          } catch (error) {
            return { provider: id, account: null, error: describeProviderError(error, id, context.logger) };
          }
        }),
      ),
  }),
}));
