/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment AlertEventFields on AlertEvent {\n  id\n  key\n  kind\n  ruleId\n  provider\n  series\n  threshold\n  limit\n  period\n  value\n  reason\n  at\n  cursor\n}\n\nquery AlertsFeed {\n  firingAlerts {\n    ...AlertEventFields\n  }\n  alertRules {\n    id\n    kind\n    percent\n    provider\n    quota\n  }\n}\n\nquery AlertEventsAfter($after: String) {\n  alertEvents(after: $after, first: 500) {\n    events {\n      ...AlertEventFields\n    }\n    endCursor\n    hasMore\n  }\n}\n\nsubscription AlertEventsLive {\n  alertEvents {\n    firing {\n      ...AlertEventFields\n    }\n    event {\n      ...AlertEventFields\n    }\n  }\n}": typeof types.AlertEventFieldsFragmentDoc,
    "query MyUsage($since: Date, $until: Date) {\n  me {\n    ...PartnerUserDetail\n  }\n}": typeof types.MyUsageDocument,
    "query Overview {\n  accounts {\n    id\n    provider {\n      id\n      kind\n      name\n      simulated\n    }\n    error {\n      code\n      message\n      httpStatus\n      retryAfterSeconds\n      at\n    }\n    account {\n      id\n      fetchedAt\n      ageSeconds\n      stale\n      staleReason {\n        code\n        message\n        httpStatus\n        retryAfterSeconds\n      }\n      plan {\n        tier\n        monthlyLimit\n        requestsPerMinute\n      }\n      rateLimit {\n        requestsPerMinute\n        remaining\n        resetsAt\n        tier\n      }\n      quotas {\n        name\n        description\n        used\n        limit\n        remaining\n        utilization\n        resetsAt\n        forecast {\n          status\n          exhaustsAt\n          earliest\n          latest\n          exhaustsBeforeReset\n          burnRatePerHour\n          confidence\n          sampleCount\n        }\n      }\n    }\n  }\n  alertRules {\n    id\n    kind\n    percent\n    provider\n    quota\n    series\n  }\n}": typeof types.OverviewDocument,
    "fragment PartnerUserDetail on PartnerUser {\n  id\n  sub\n  calls\n  discoveries\n  tweets\n  firstSeenAt\n  lastSeenAt\n  byEndpoint {\n    endpoint\n    calls\n    discoveries\n    tweets\n  }\n  daily(since: $since, until: $until) {\n    date\n    start\n    calls\n    discoveries\n    tweets\n  }\n}": typeof types.PartnerUserDetailFragmentDoc,
    "query PartnerUser($sub: PartnerSub!, $since: Date, $until: Date) {\n  partnerUser(sub: $sub) {\n    ...PartnerUserDetail\n  }\n}": typeof types.PartnerUserDocument,
    "query PartnerUsers($first: Int!, $after: String, $orderBy: PartnerUserOrder!, $since: Date, $until: Date) {\n  partnerUsers(\n    first: $first\n    after: $after\n    orderBy: $orderBy\n    since: $since\n    until: $until\n  ) {\n    totalCount\n    pageInfo {\n      endCursor\n      hasNextPage\n      hasPreviousPage\n    }\n    edges {\n      cursor\n      calls\n      discoveries\n      tweets\n      node {\n        id\n        sub\n        lastSeenAt\n      }\n    }\n  }\n}": typeof types.PartnerUsersDocument,
    "query Session {\n  providers {\n    id\n    kind\n    name\n    simulated\n  }\n  partnerUsers(first: 1) {\n    totalCount\n  }\n  me {\n    id\n    sub\n  }\n}": typeof types.SessionDocument,
    "query VendorDetail($provider: ProviderId!, $since: DateTime!, $until: DateTime!) {\n  account(provider: $provider) {\n    id\n    fetchedAt\n    ageSeconds\n    stale\n    staleReason {\n      code\n      message\n    }\n    provider {\n      id\n      kind\n      name\n    }\n    quotas {\n      name\n      description\n      used\n      limit\n      utilization\n      resetsAt\n      history(since: $since, until: $until) {\n        at\n        used\n        limit\n        increase\n        max\n        samples\n      }\n    }\n    endpoints {\n      path\n      method\n      requests\n      errors\n      errorRate\n      avgLatencyMs\n      window {\n        label\n        kind\n        start\n        end\n      }\n    }\n    periods {\n      group\n      metric\n      resourceId\n      resourceType\n      monthToDate\n      lastMonth\n      last12Months\n      termPeriodToLastMonth\n      history(since: $since, until: $until) {\n        at\n        used\n        increase\n        max\n        samples\n      }\n    }\n  }\n}": typeof types.VendorDetailDocument,
};
const documents: Documents = {
    "fragment AlertEventFields on AlertEvent {\n  id\n  key\n  kind\n  ruleId\n  provider\n  series\n  threshold\n  limit\n  period\n  value\n  reason\n  at\n  cursor\n}\n\nquery AlertsFeed {\n  firingAlerts {\n    ...AlertEventFields\n  }\n  alertRules {\n    id\n    kind\n    percent\n    provider\n    quota\n  }\n}\n\nquery AlertEventsAfter($after: String) {\n  alertEvents(after: $after, first: 500) {\n    events {\n      ...AlertEventFields\n    }\n    endCursor\n    hasMore\n  }\n}\n\nsubscription AlertEventsLive {\n  alertEvents {\n    firing {\n      ...AlertEventFields\n    }\n    event {\n      ...AlertEventFields\n    }\n  }\n}": types.AlertEventFieldsFragmentDoc,
    "query MyUsage($since: Date, $until: Date) {\n  me {\n    ...PartnerUserDetail\n  }\n}": types.MyUsageDocument,
    "query Overview {\n  accounts {\n    id\n    provider {\n      id\n      kind\n      name\n      simulated\n    }\n    error {\n      code\n      message\n      httpStatus\n      retryAfterSeconds\n      at\n    }\n    account {\n      id\n      fetchedAt\n      ageSeconds\n      stale\n      staleReason {\n        code\n        message\n        httpStatus\n        retryAfterSeconds\n      }\n      plan {\n        tier\n        monthlyLimit\n        requestsPerMinute\n      }\n      rateLimit {\n        requestsPerMinute\n        remaining\n        resetsAt\n        tier\n      }\n      quotas {\n        name\n        description\n        used\n        limit\n        remaining\n        utilization\n        resetsAt\n        forecast {\n          status\n          exhaustsAt\n          earliest\n          latest\n          exhaustsBeforeReset\n          burnRatePerHour\n          confidence\n          sampleCount\n        }\n      }\n    }\n  }\n  alertRules {\n    id\n    kind\n    percent\n    provider\n    quota\n    series\n  }\n}": types.OverviewDocument,
    "fragment PartnerUserDetail on PartnerUser {\n  id\n  sub\n  calls\n  discoveries\n  tweets\n  firstSeenAt\n  lastSeenAt\n  byEndpoint {\n    endpoint\n    calls\n    discoveries\n    tweets\n  }\n  daily(since: $since, until: $until) {\n    date\n    start\n    calls\n    discoveries\n    tweets\n  }\n}": types.PartnerUserDetailFragmentDoc,
    "query PartnerUser($sub: PartnerSub!, $since: Date, $until: Date) {\n  partnerUser(sub: $sub) {\n    ...PartnerUserDetail\n  }\n}": types.PartnerUserDocument,
    "query PartnerUsers($first: Int!, $after: String, $orderBy: PartnerUserOrder!, $since: Date, $until: Date) {\n  partnerUsers(\n    first: $first\n    after: $after\n    orderBy: $orderBy\n    since: $since\n    until: $until\n  ) {\n    totalCount\n    pageInfo {\n      endCursor\n      hasNextPage\n      hasPreviousPage\n    }\n    edges {\n      cursor\n      calls\n      discoveries\n      tweets\n      node {\n        id\n        sub\n        lastSeenAt\n      }\n    }\n  }\n}": types.PartnerUsersDocument,
    "query Session {\n  providers {\n    id\n    kind\n    name\n    simulated\n  }\n  partnerUsers(first: 1) {\n    totalCount\n  }\n  me {\n    id\n    sub\n  }\n}": types.SessionDocument,
    "query VendorDetail($provider: ProviderId!, $since: DateTime!, $until: DateTime!) {\n  account(provider: $provider) {\n    id\n    fetchedAt\n    ageSeconds\n    stale\n    staleReason {\n      code\n      message\n    }\n    provider {\n      id\n      kind\n      name\n    }\n    quotas {\n      name\n      description\n      used\n      limit\n      utilization\n      resetsAt\n      history(since: $since, until: $until) {\n        at\n        used\n        limit\n        increase\n        max\n        samples\n      }\n    }\n    endpoints {\n      path\n      method\n      requests\n      errors\n      errorRate\n      avgLatencyMs\n      window {\n        label\n        kind\n        start\n        end\n      }\n    }\n    periods {\n      group\n      metric\n      resourceId\n      resourceType\n      monthToDate\n      lastMonth\n      last12Months\n      termPeriodToLastMonth\n      history(since: $since, until: $until) {\n        at\n        used\n        increase\n        max\n        samples\n      }\n    }\n  }\n}": types.VendorDetailDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment AlertEventFields on AlertEvent {\n  id\n  key\n  kind\n  ruleId\n  provider\n  series\n  threshold\n  limit\n  period\n  value\n  reason\n  at\n  cursor\n}\n\nquery AlertsFeed {\n  firingAlerts {\n    ...AlertEventFields\n  }\n  alertRules {\n    id\n    kind\n    percent\n    provider\n    quota\n  }\n}\n\nquery AlertEventsAfter($after: String) {\n  alertEvents(after: $after, first: 500) {\n    events {\n      ...AlertEventFields\n    }\n    endCursor\n    hasMore\n  }\n}\n\nsubscription AlertEventsLive {\n  alertEvents {\n    firing {\n      ...AlertEventFields\n    }\n    event {\n      ...AlertEventFields\n    }\n  }\n}"): typeof import('./graphql').AlertEventFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query MyUsage($since: Date, $until: Date) {\n  me {\n    ...PartnerUserDetail\n  }\n}"): typeof import('./graphql').MyUsageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Overview {\n  accounts {\n    id\n    provider {\n      id\n      kind\n      name\n      simulated\n    }\n    error {\n      code\n      message\n      httpStatus\n      retryAfterSeconds\n      at\n    }\n    account {\n      id\n      fetchedAt\n      ageSeconds\n      stale\n      staleReason {\n        code\n        message\n        httpStatus\n        retryAfterSeconds\n      }\n      plan {\n        tier\n        monthlyLimit\n        requestsPerMinute\n      }\n      rateLimit {\n        requestsPerMinute\n        remaining\n        resetsAt\n        tier\n      }\n      quotas {\n        name\n        description\n        used\n        limit\n        remaining\n        utilization\n        resetsAt\n        forecast {\n          status\n          exhaustsAt\n          earliest\n          latest\n          exhaustsBeforeReset\n          burnRatePerHour\n          confidence\n          sampleCount\n        }\n      }\n    }\n  }\n  alertRules {\n    id\n    kind\n    percent\n    provider\n    quota\n    series\n  }\n}"): typeof import('./graphql').OverviewDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment PartnerUserDetail on PartnerUser {\n  id\n  sub\n  calls\n  discoveries\n  tweets\n  firstSeenAt\n  lastSeenAt\n  byEndpoint {\n    endpoint\n    calls\n    discoveries\n    tweets\n  }\n  daily(since: $since, until: $until) {\n    date\n    start\n    calls\n    discoveries\n    tweets\n  }\n}"): typeof import('./graphql').PartnerUserDetailFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PartnerUser($sub: PartnerSub!, $since: Date, $until: Date) {\n  partnerUser(sub: $sub) {\n    ...PartnerUserDetail\n  }\n}"): typeof import('./graphql').PartnerUserDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PartnerUsers($first: Int!, $after: String, $orderBy: PartnerUserOrder!, $since: Date, $until: Date) {\n  partnerUsers(\n    first: $first\n    after: $after\n    orderBy: $orderBy\n    since: $since\n    until: $until\n  ) {\n    totalCount\n    pageInfo {\n      endCursor\n      hasNextPage\n      hasPreviousPage\n    }\n    edges {\n      cursor\n      calls\n      discoveries\n      tweets\n      node {\n        id\n        sub\n        lastSeenAt\n      }\n    }\n  }\n}"): typeof import('./graphql').PartnerUsersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Session {\n  providers {\n    id\n    kind\n    name\n    simulated\n  }\n  partnerUsers(first: 1) {\n    totalCount\n  }\n  me {\n    id\n    sub\n  }\n}"): typeof import('./graphql').SessionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query VendorDetail($provider: ProviderId!, $since: DateTime!, $until: DateTime!) {\n  account(provider: $provider) {\n    id\n    fetchedAt\n    ageSeconds\n    stale\n    staleReason {\n      code\n      message\n    }\n    provider {\n      id\n      kind\n      name\n    }\n    quotas {\n      name\n      description\n      used\n      limit\n      utilization\n      resetsAt\n      history(since: $since, until: $until) {\n        at\n        used\n        limit\n        increase\n        max\n        samples\n      }\n    }\n    endpoints {\n      path\n      method\n      requests\n      errors\n      errorRate\n      avgLatencyMs\n      window {\n        label\n        kind\n        start\n        end\n      }\n    }\n    periods {\n      group\n      metric\n      resourceId\n      resourceType\n      monthToDate\n      lastMonth\n      last12Months\n      termPeriodToLastMonth\n      history(since: $since, until: $until) {\n        at\n        used\n        increase\n        max\n        samples\n      }\n    }\n  }\n}"): typeof import('./graphql').VendorDetailDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
