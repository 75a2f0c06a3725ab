/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Whether an event opens or closes an alert. */
export type AlertEventKind =
  /** The threshold was crossed: the alert is firing. It fires once per period and limit. */
  | 'FIRED'
  /** The alert went back to OK; `reason` says why. */
  | 'RESOLVED';

/** Why a firing alert resolved. */
export type AlertResolveReason =
  /** The limit was raised above the usage: the threshold is armed again against the new limit. */
  | 'LIMIT_RAISED'
  /** The quota's period ended (its counter reset): the threshold is armed again for the new period. */
  | 'PERIOD_RESET'
  /** The forecast no longer says the quota runs out before its reset. */
  | 'PROJECTION_CLEARED'
  /** The counter fell below the threshold within the period (a correction by the vendor). */
  | 'USAGE_FELL';

/** What a threshold rule watches. */
export type AlertRuleKind =
  /** A counter reaches `value`, whatever the limit. */
  | 'ABSOLUTE'
  /** One partner user's calls on one UTC day, as the partner ledger counts them, reach `calls`. */
  | 'PARTNER_DAILY_CALLS'
  /** The forecast says the quota runs out before its counter resets, on two evaluations in a row. */
  | 'PROJECTED_EXHAUSTION'
  /** Usage reaches `percent` % of a quota's limit. */
  | 'UTILIZATION';

/** What a forecast can say: a projection (`OK`), or why there is none. */
export type ForecastStatus =
  /** The last sample is at or past the limit. The burn rate is still given. */
  | 'EXHAUSTED'
  /** No usage at all in the last 24 hours: at this pace the quota does not run out. */
  | 'NOT_BURNING'
  /** Too few samples of the current period in the last 24 hours (fewer than 4), or the reset time the last sample announced has passed and nothing of the new period has been sampled yet. */
  | 'NOT_ENOUGH_DATA'
  /** Nothing to run out of: no limit (a period counter, or a quota without one). The burn rate is still given when there are enough samples. */
  | 'NO_LIMIT'
  /** A projection: the burn rate, its band and when the quota runs out at each. */
  | 'OK';

/** Order of `partnerUsers`: counters heaviest first (ties by sub), or by sub. */
export type PartnerUserOrder =
  /** Most calls first. */
  | 'CALLS'
  /** Most discoveries first. */
  | 'DISCOVERIES'
  /** By sub in UTF-16 code-unit order, as strings: `100003` sorts before `12…`, and ids are never compared as numbers. */
  | 'SUB'
  /** Most tweets first. */
  | 'TWEETS';

/** Why a vendor could not answer. */
export type ProviderErrorCode =
  /** An unexpected failure of the gateway while reading the vendor; operators find it in the logs. */
  | 'INTERNAL_SERVER_ERROR'
  /** The vendor is not configured on this gateway (no credential). */
  | 'PROVIDER_NOT_CONFIGURED'
  /** The vendor refused the gateway's configured credential. */
  | 'UPSTREAM_AUTH_FAILED'
  /** The vendor rejected the gateway's request; `fieldErrors` and `hint` carry its reasons. */
  | 'UPSTREAM_BAD_REQUEST'
  /** The vendor's answer broke its contract (shape, size or redirect); `fieldErrors` say where. */
  | 'UPSTREAM_BAD_RESPONSE'
  /** The call was abandoned because nobody waits for its answer any more. */
  | 'UPSTREAM_CANCELLED'
  /** The vendor answered that what was asked for does not exist. */
  | 'UPSTREAM_NOT_FOUND'
  /** The vendor's rate limit, or the gateway's budget for it, is spent; `retryAfterSeconds` says when to ask again. */
  | 'UPSTREAM_RATE_LIMITED'
  /** The vendor did not answer within the gateway's deadline. */
  | 'UPSTREAM_TIMEOUT'
  /** The vendor could not be reached, answered with a server error, or its circuit breaker is open. */
  | 'UPSTREAM_UNAVAILABLE';

/** A vendor the gateway knows how to read. */
export type ProviderId =
  /** Anylayer: API-key analytics (requests, errors, latency, rate limit, alerts). */
  | 'ANYLAYER'
  /** Arrays: per-user partner usage (calls, discoveries, tweets) from its usage stream. */
  | 'ARRAYS'
  /** Faraday: named account limits and monthly usage counters. */
  | 'FARADAY'
  /** Sharpe: plan, rate limit, monthly quota and last-24-hour endpoint usage. */
  | 'SHARPE';

/** The kind of span a `UsageWindow` is. */
export type UsageWindowKind =
  /** Everything the vendor has recorded. */
  | 'ALL_TIME'
  /** The trailing 24 hours before the vendor answered. */
  | 'LAST_24_HOURS'
  /** The stream entries between two cursors (Arrays). */
  | 'STREAM_WINDOW'
  /** A timeframe the caller chose (Anylayer `timeframe`). */
  | 'TIMEFRAME';

export type AlertEventFieldsFragment = { id: string, key: string, kind: AlertEventKind, ruleId: string, provider: ProviderId, series: string, threshold: number | null, limit: number | null, period: number, value: number, reason: AlertResolveReason | null, at: string, cursor: string };

export type AlertsFeedQueryVariables = Exact<{ [key: string]: never; }>;


export type AlertsFeedQuery = { firingAlerts: Array<{ id: string, key: string, kind: AlertEventKind, ruleId: string, provider: ProviderId, series: string, threshold: number | null, limit: number | null, period: number, value: number, reason: AlertResolveReason | null, at: string, cursor: string }>, alertRules: Array<{ id: string, kind: AlertRuleKind, percent: number | null, provider: string | null, quota: string | null }> };

export type AlertEventsAfterQueryVariables = Exact<{
  after?: string | null | undefined;
}>;


export type AlertEventsAfterQuery = { alertEvents: { endCursor: string | null, hasMore: boolean, events: Array<{ id: string, key: string, kind: AlertEventKind, ruleId: string, provider: ProviderId, series: string, threshold: number | null, limit: number | null, period: number, value: number, reason: AlertResolveReason | null, at: string, cursor: string }> } };

export type AlertEventsLiveSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type AlertEventsLiveSubscription = { alertEvents: { firing: Array<{ id: string, key: string, kind: AlertEventKind, ruleId: string, provider: ProviderId, series: string, threshold: number | null, limit: number | null, period: number, value: number, reason: AlertResolveReason | null, at: string, cursor: string }> | null, event: { id: string, key: string, kind: AlertEventKind, ruleId: string, provider: ProviderId, series: string, threshold: number | null, limit: number | null, period: number, value: number, reason: AlertResolveReason | null, at: string, cursor: string } | null } };

export type MyUsageQueryVariables = Exact<{
  since?: string | null | undefined;
  until?: string | null | undefined;
}>;


export type MyUsageQuery = { me: { id: string, sub: string, calls: number, discoveries: number, tweets: number, firstSeenAt: string | null, lastSeenAt: string | null, byEndpoint: Array<{ endpoint: string, calls: number, discoveries: number, tweets: number }>, daily: Array<{ date: string, start: string, calls: number, discoveries: number, tweets: number }> } | null };

export type OverviewQueryVariables = Exact<{ [key: string]: never; }>;


export type OverviewQuery = { accounts: Array<{ id: string, provider: { id: string, kind: ProviderId, name: string, simulated: boolean }, error: { code: ProviderErrorCode, message: string, httpStatus: number | null, retryAfterSeconds: number | null, at: string | null } | null, account: { id: string, fetchedAt: string, ageSeconds: number, stale: boolean, staleReason: { code: ProviderErrorCode, message: string, httpStatus: number | null, retryAfterSeconds: number | null } | null, plan: { tier: string | null, monthlyLimit: number | null, requestsPerMinute: number | null } | null, rateLimit: { requestsPerMinute: number | null, remaining: number | null, resetsAt: string | null, tier: string | null } | null, quotas: Array<{ name: string, description: string | null, used: number, limit: number | null, remaining: number | null, utilization: number | null, resetsAt: string | null, forecast: { status: ForecastStatus, exhaustsAt: string | null, earliest: string | null, latest: string | null, exhaustsBeforeReset: boolean | null, burnRatePerHour: number | null, confidence: number, sampleCount: number } | null }> } | null }> | null, alertRules: Array<{ id: string, kind: AlertRuleKind, percent: number | null, provider: string | null, quota: string | null, series: string | null }> };

export type PartnerUserDetailFragment = { id: string, sub: string, calls: number, discoveries: number, tweets: number, firstSeenAt: string | null, lastSeenAt: string | null, byEndpoint: Array<{ endpoint: string, calls: number, discoveries: number, tweets: number }>, daily: Array<{ date: string, start: string, calls: number, discoveries: number, tweets: number }> };

export type PartnerUserQueryVariables = Exact<{
  sub: string;
  since?: string | null | undefined;
  until?: string | null | undefined;
}>;


export type PartnerUserQuery = { partnerUser: { id: string, sub: string, calls: number, discoveries: number, tweets: number, firstSeenAt: string | null, lastSeenAt: string | null, byEndpoint: Array<{ endpoint: string, calls: number, discoveries: number, tweets: number }>, daily: Array<{ date: string, start: string, calls: number, discoveries: number, tweets: number }> } | null };

export type PartnerUsersQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
  orderBy: PartnerUserOrder;
  since?: string | null | undefined;
  until?: string | null | undefined;
}>;


export type PartnerUsersQuery = { partnerUsers: { totalCount: number, pageInfo: { endCursor: string | null, hasNextPage: boolean, hasPreviousPage: boolean }, edges: Array<{ cursor: string, calls: number, discoveries: number, tweets: number, node: { id: string, sub: string, lastSeenAt: string | null } }> } | null };

export type SessionQueryVariables = Exact<{ [key: string]: never; }>;


export type SessionQuery = { providers: Array<{ id: string, kind: ProviderId, name: string, simulated: boolean }> | null, partnerUsers: { totalCount: number } | null, me: { id: string, sub: string } | null };

export type VendorDetailQueryVariables = Exact<{
  provider: ProviderId;
  since: string;
  until: string;
}>;


export type VendorDetailQuery = { account: { id: string, fetchedAt: string, ageSeconds: number, stale: boolean, staleReason: { code: ProviderErrorCode, message: string } | null, provider: { id: string, kind: ProviderId, name: string }, quotas: Array<{ name: string, description: string | null, used: number, limit: number | null, utilization: number | null, resetsAt: string | null, history: Array<{ at: string, used: number, limit: number | null, increase: number, max: number, samples: number }> | null }>, endpoints: Array<{ path: string, method: string | null, requests: number, errors: number | null, errorRate: number | null, avgLatencyMs: number | null, window: { label: string, kind: UsageWindowKind, start: string | null, end: string | null } }>, periods: Array<{ group: string, metric: string, resourceId: string | null, resourceType: string | null, monthToDate: number | null, lastMonth: number | null, last12Months: number | null, termPeriodToLastMonth: number | null, history: Array<{ at: string, used: number, increase: number, max: number, samples: number }> | null }> } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const AlertEventFieldsFragmentDoc = new TypedDocumentString(`
    fragment AlertEventFields on AlertEvent {
  id
  key
  kind
  ruleId
  provider
  series
  threshold
  limit
  period
  value
  reason
  at
  cursor
}
    `, {"fragmentName":"AlertEventFields"}) as unknown as TypedDocumentString<AlertEventFieldsFragment, unknown>;
export const PartnerUserDetailFragmentDoc = new TypedDocumentString(`
    fragment PartnerUserDetail on PartnerUser {
  id
  sub
  calls
  discoveries
  tweets
  firstSeenAt
  lastSeenAt
  byEndpoint {
    endpoint
    calls
    discoveries
    tweets
  }
  daily(since: $since, until: $until) {
    date
    start
    calls
    discoveries
    tweets
  }
}
    `, {"fragmentName":"PartnerUserDetail"}) as unknown as TypedDocumentString<PartnerUserDetailFragment, unknown>;
export const AlertsFeedDocument = {"__meta__":{"hash":"2556e44610710215905dc6303dde55445798617d1057ac403e30b49f33100155"}} as unknown as TypedDocumentString<AlertsFeedQuery, AlertsFeedQueryVariables>;
export const AlertEventsAfterDocument = {"__meta__":{"hash":"0dea4386d273bfb4ecba5952f4a0c0f58c13e80644bbaba1ab3bf435271e3b52"}} as unknown as TypedDocumentString<AlertEventsAfterQuery, AlertEventsAfterQueryVariables>;
export const AlertEventsLiveDocument = {"__meta__":{"hash":"dae85512cec3444cd64416825125317feaf0c36ddb4abed82efe9ba60ff7edab"}} as unknown as TypedDocumentString<AlertEventsLiveSubscription, AlertEventsLiveSubscriptionVariables>;
export const MyUsageDocument = {"__meta__":{"hash":"5600f7bc28ee2fca94abed0a97920f5b9a87e565aeb43774e7e669a7eeab0db2"}} as unknown as TypedDocumentString<MyUsageQuery, MyUsageQueryVariables>;
export const OverviewDocument = {"__meta__":{"hash":"7120e631b97bed35072771bf2eff74ee3abddbbf857bfea94850bf71d3a8b968"}} as unknown as TypedDocumentString<OverviewQuery, OverviewQueryVariables>;
export const PartnerUserDocument = {"__meta__":{"hash":"4074a91d64ea1c215d13e7b5889fcda22da07672707042f50b74256bcb821bcd"}} as unknown as TypedDocumentString<PartnerUserQuery, PartnerUserQueryVariables>;
export const PartnerUsersDocument = {"__meta__":{"hash":"e6f49bdd5d4c1a920898e1372df9d0d3a324e2402b5b1a5c1400e3451a488879"}} as unknown as TypedDocumentString<PartnerUsersQuery, PartnerUsersQueryVariables>;
export const SessionDocument = {"__meta__":{"hash":"3f0b87e14b3be1c4bd5bf516debae61bdcd5383c90f6bd2d2a484e4830bff4f0"}} as unknown as TypedDocumentString<SessionQuery, SessionQueryVariables>;
export const VendorDetailDocument = {"__meta__":{"hash":"d974fdd4ddeab5bd4869f954c29d3ce120b7cb18a3a96a130e4642faf830058d"}} as unknown as TypedDocumentString<VendorDetailQuery, VendorDetailQueryVariables>;
