import type { Logger } from '../common/logger.js';
import type { ConfiguredProvider } from '../providers/registry.js';
import { UPSTREAM_FAILURES, type UpstreamErrorCode } from '../providers/errors.js';
import type { ChannelHealth } from '../providers/errors.js';
import type { ProviderId } from '../usage/model.js';
import type { EnumRef } from '@pothos/core';
import { forbiddenScope, requireScopes } from './access.js';
import { builder } from './builder.js';
import { cacheMark } from '../edge/field-marks/cache-marks.js';
import { NodeRef } from './node-id.js';
import { describeProviderError, type ProviderErrorInfo } from './errors.js';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/**
 * The `ProviderId` enum: one value per module of the vendor table the schema is built for, so it
 * is defined by `buildSchema` ({@link defineProviderIdEnum}), not here. Pothos looks a type up
 * by its name when it builds the schema, so fields can name this one before its values exist.
 */
export const ProviderIdEnum = 'ProviderId' as unknown as EnumRef<Types, ProviderId, ProviderId>;

/** What each built-in vendor's `ProviderId` value stands for; another vendor table's ids get a generic line. */
const PROVIDER_ID_DESCRIPTIONS: Partial<Record<ProviderId, string>> = {
  ARRAYS: 'Arrays: per-user partner usage (calls, discoveries, tweets) from its usage stream.',
  ANYLAYER: 'Anylayer: API-key analytics (requests, errors, latency, rate limit, alerts).',
  SHARPE: 'Sharpe: plan, rate limit, monthly quota and last-24-hour endpoint usage.',
  FARADAY: 'Faraday: named account limits and monthly usage counters.',
};

/** Defines {@link ProviderIdEnum} with the given vendor ids, once per schema build. */
export function defineProviderIdEnum(ids: readonly ProviderId[]): void {
  builder.enumType('ProviderId', {
    description: 'A vendor the gateway knows how to read.',
    values: Object.fromEntries(
      ids.map((id) => [id, { value: id, description: PROVIDER_ID_DESCRIPTIONS[id] ?? `The vendor ${id}.` }]),
    ),
  });
}

const FieldErrorRef = builder.objectRef<{ field: string; reason: string }>('VendorFieldError').implement({
  description: "One complaint of the vendor about a field or parameter of the gateway's request (Arrays `details`, Faraday `validationErrors`).",
  fields: (t) => ({
    field: t.exposeString('field', { description: 'The field or parameter the vendor complained about, as the vendor names it.' }),
    reason: t.exposeString('reason', { description: "What is wrong with it, in the vendor's words." }),
  }),
});

/** Codes a `ProviderError` can carry: every upstream failure, and the two that are not the vendor's. */
const PROVIDER_ERROR_CODES = {
  ...Object.fromEntries(Object.entries(UPSTREAM_FAILURES).map(([code, { description }]) => [code, { description }])),
  PROVIDER_NOT_CONFIGURED: { description: 'The vendor is not configured on this gateway (no credential).' },
  INTERNAL_SERVER_ERROR: { description: 'An unexpected failure of the gateway while reading the vendor; operators find it in the logs.' },
} as Record<UpstreamErrorCode | 'PROVIDER_NOT_CONFIGURED' | 'INTERNAL_SERVER_ERROR', { description: string }>;

type ProviderErrorCode = keyof typeof PROVIDER_ERROR_CODES;

const ProviderErrorCodeEnum = builder.enumType('ProviderErrorCode', {
  description: 'Why a vendor could not answer.',
  values: PROVIDER_ERROR_CODES,
});

export const ProviderErrorRef = builder.objectRef<ProviderErrorInfo>('ProviderError').implement({
  description: 'Why a vendor could not answer: a stable code, a message, and what the vendor said about it.',
  fields: (t) => ({
    code: t.field({
      type: ProviderErrorCodeEnum,
      description: 'What failed; the same code as `extensions.code` of the error when the failure nulls a field.',
      // describeProviderError only passes codes a client may see; a code outside the enum would be a bug.
      resolve: ({ code }) => (Object.hasOwn(PROVIDER_ERROR_CODES, code) ? (code as ProviderErrorCode) : 'INTERNAL_SERVER_ERROR'),
    }),
    message: t.exposeString('message', { description: 'What went wrong, for people; credentials are redacted.' }),
    httpStatus: t.exposeInt('httpStatus', { nullable: true, description: "The vendor's HTTP status; null when it did not answer." }),
    retryAfterSeconds: t.exposeInt('retryAfterSeconds', {
      nullable: true,
      description: 'Seconds to wait before asking again (the vendor\'s Retry-After); null when nobody said.',
    }),
    upstreamRequestId: t.exposeString('upstreamRequestId', {
      nullable: true,
      description: "The vendor's request or error id, for the vendor's support.",
    }),
    vendorCode: t.exposeString('vendorCode', {
      nullable: true,
      description: "The vendor's own error code, e.g. Faraday `EXPIRED_API_KEY`; null when it sent none.",
    }),
    hint: t.exposeString('hint', { nullable: true, description: "The vendor's advice on the failure (Arrays `hint`); null when it gave none." }),
    docsUrl: t.exposeString('docsUrl', { nullable: true, description: "The vendor's documentation link for the failure (Arrays `docs_url`); null when it gave none." }),
    examples: t.field({
      type: ['String'],
      description: "Example requests the vendor offers with its advice (Arrays `examples`); empty when it gave none.",
      resolve: (error) => [...error.examples],
    }),
    suggestions: t.field({
      type: ['String'],
      description: 'What the vendor suggests doing instead (Arrays `suggestions`); empty when it made none.',
      resolve: (error) => [...error.suggestions],
    }),
    fieldErrors: t.field({
      type: [FieldErrorRef],
      description: "The vendor's complaints about single fields of the request; empty when it made none.",
      resolve: (error) => [...error.fieldErrors],
    }),
    at: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the gateway saw this failure; set on `Provider.health.lastError`.',
      resolve: (error) => error.at ?? null,
    }),
  }),
});


const CircuitStateEnum = builder.enumType('CircuitState', {
  description: 'Circuit breaker state of one vendor credential.',
  values: {
    CLOSED: { description: 'Calls go to the vendor; failures are being counted.' },
    OPEN: { description: 'The vendor failed too often: calls fail at once with UPSTREAM_UNAVAILABLE, none is sent.' },
    HALF_OPEN: { description: 'The open period is over: the next call is a probe whose outcome closes or reopens the breaker.' },
  } as const,
});

const RateBudgetRef = builder.objectRef<ChannelHealth['rateBudget']>('VendorRateBudget').implement({
  description: 'How many requests a minute the gateway sends this vendor, and how many it has sent in the last one.',
  fields: (t) => ({
    limitPerMinute: t.exposeInt('limitPerMinute', { description: 'The limit in force: configured, or lower when the vendor reported lower.' }),
    configuredLimitPerMinute: t.exposeInt('configuredLimitPerMinute', { description: "Requests per minute the gateway's configuration allows for this vendor." }),
    reportedLimitPerMinute: t.exposeInt('reportedLimitPerMinute', { nullable: true, description: 'What the vendor last reported (body or headers).' }),
    usedLastMinute: t.exposeInt('used', { description: 'Requests sent in the last 60 seconds.' }),
    remaining: t.exposeInt('remaining', { description: 'Requests the gateway may still send now: `limitPerMinute` less `usedLastMinute`, never below 0.' }),
    pausedUntil: t.expose('pausedUntil', {
      type: 'DateTime',
      nullable: true,
      description: 'Nothing is sent before this time: the vendor asked to wait (429 Retry-After, or a spent limit).',
    }),
  }),
});

const RetryBudgetRef = builder.objectRef<ChannelHealth['retryBudget']>('VendorRetryBudget').implement({
  description: 'Retries to this vendor over the last minute, kept to a share of all its requests.',
  fields: (t) => ({
    maxRatio: t.exposeFloat('ratio', { description: 'Largest share of requests that may be retries.' }),
    requestsLastMinute: t.exposeInt('requests', { description: 'Requests sent, retries included.' }),
    retriesLastMinute: t.exposeInt('retries', { description: 'Retries sent in the last 60 seconds.' }),
  }),
});

interface HealthModel {
  provider: ProviderId;
  health: ChannelHealth;
}

const ProviderHealthRef = builder.objectRef<HealthModel>('ProviderHealth').implement({
  description: "The gateway's view of one vendor: circuit breaker, budgets, last error, last success.",
  fields: (t) => ({
    state: t.field({ type: CircuitStateEnum, description: "The circuit breaker's state.", resolve: ({ health }) => health.breaker.state }),
    callsInWindow: t.int({ description: 'Calls counted by the breaker in its window.', resolve: ({ health }) => health.breaker.calls }),
    failuresInWindow: t.int({ description: 'Failed calls counted by the breaker in its window.', resolve: ({ health }) => health.breaker.failures }),
    failureRate: t.float({
      nullable: true,
      description: 'failuresInWindow / callsInWindow; null with no calls.',
      resolve: ({ health }) => health.breaker.failureRate,
    }),
    openUntil: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When an OPEN breaker lets a probe through.',
      resolve: ({ health }) => health.breaker.openUntil,
    }),
    lastError: t.field({
      type: ProviderErrorRef,
      nullable: true,
      description: 'The last failure of a call to this vendor, with `at`.',
      resolve: ({ provider, health }, _args, context) =>
        health.lastError === null
          ? null
          : { ...describeProviderError(health.lastError.error, provider, context.logger), at: health.lastError.at },
    }),
    lastSuccessAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When a call to this vendor last succeeded; null when none has since the gateway started.',
      resolve: ({ health }) => health.lastSuccessAt,
    }),
    rateBudget: t.field({ type: RateBudgetRef, description: "The gateway's own request rate limit for this vendor.", resolve: ({ health }) => health.rateBudget }),
    retryBudget: t.field({ type: RetryBudgetRef, description: 'How many of its requests to this vendor the gateway may retry.', resolve: ({ health }) => health.retryBudget }),
  }),
});

export const ProviderRef = builder.objectRef<ConfiguredProvider>('Provider').implement({
  description: 'A vendor configured on this gateway.',
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.id({
      description: 'The vendor\'s id, one of the `ProviderId` values (e.g. `ARRAYS`): also its `Node` id and its federation key.',
      resolve: (provider) => provider.id,
    }),
    kind: t.field({
      type: ProviderIdEnum,
      description: 'Which vendor this is, as the `ProviderId` enum (the same value as `id`), e.g. to pass to `account(provider:)`.',
      resolve: (provider) => provider.id,
    }),
    name: t.exposeString('name', { description: 'Display name of the vendor.' }),
    origin: t.exposeString('origin', {
      nullable: true,
      description: 'Scheme, host and port the gateway calls. Needs `ops:read`.',
      ...requireScopes('ops:read'),
    }),
    simulated: t.exposeBoolean('simulated', {
      description: 'True when the vendor is the built-in simulator (demo mode), not the real service.',
    }),
    health: t.field({
      type: ProviderHealthRef,
      nullable: true,
      description: "Circuit breaker, rate and retry budgets, last error and last success of the gateway's calls to this vendor. Needs `ops:read`.",
      ...requireScopes('ops:read'),
      // It counts calls: a reused answer would no longer be true.
      extensions: cacheMark('volatile'),
      resolve: (provider) => {
        const health = provider.health();
        return health === null ? null : { provider: provider.id, health };
      },
    }),
  }),
});

builder.asEntity(ProviderRef, {
  key: builder.selection<{ id: ProviderId }>('id'),
  resolveReference: (reference, context) => {
    // `_entities` is not wrapped by scope-auth: the same rule as `providers`, checked here.
    if (!context.caller.scopes.has('usage:read')) throw forbiddenScope('usage:read');
    return context.registry.get(reference.id) ?? null;
  },
});

builder.queryFields((t) => ({
  providers: t.field({
    type: [ProviderRef],
    nullable: true,
    description: 'The vendors configured on this gateway, simulated or real. Null, with a FORBIDDEN error, for a caller without `usage:read`.',
    ...requireScopes('usage:read'),
    extensions: cacheMark('cacheable-root'),
    resolve: (_root, _args, context) => context.registry.list(),
  }),
}));
