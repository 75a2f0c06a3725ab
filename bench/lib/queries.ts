import { DEFAULT_API_KEY_USAGE_QUERY } from '../../src/usage/model.js';
import { queryParameters } from '../../src/providers/anylayer/client.js';
import { ARRAYS_ACCOUNT_PAGE } from '../../src/providers/arrays/index.js';
import type { Vendor } from './simulators.js';

/** The warm overview and the cold fan-out: the README's overview over every vendor, for our schema (ours, Apollo). */
export const OVERVIEW_QUERY = `{
  accounts {
    provider { id simulated }
    error { code message httpStatus retryAfterSeconds upstreamRequestId }
    account { quotas { name used limit utilization } alerts { severity message } fetchedAt }
  }
}`;

/**
 * The partnerUsage page: one Arrays page of 5000 stream entries, every user in it. Our `first` counts edges
 * (users), so ours asks for exactly the users of that page (`users`, read off the simulator),
 * read with one vendor call of 5000 entries; the Apollo peer's `first` counts entries, as ours
 * once did. Same vendor call, same edges: checked equal before load.
 */
export const ourPartnerUsageQuery = (users: number) => `{
  partnerUsage(first: ${users}, entriesPerVendorCall: 5000) {
    edges { node { sub calls discoveries tweets byEndpoint { endpoint calls } } }
    pageInfo { endCursor hasNextPage }
  }
}`;

export const APOLLO_PARTNER_USAGE_QUERY = `{
  partnerUsage(first: 5000) {
    edges { node { sub calls discoveries tweets byEndpoint { endpoint calls } } }
    pageInfo { endCursor hasNextPage }
  }
}`;

const anylayerArgs = Object.entries(queryParameters(DEFAULT_API_KEY_USAGE_QUERY))
  .map(([name, value]) => `${name}: ${JSON.stringify(value)}`)
  .join(', ');

/**
 * The overview through Mesh: the same five vendor calls with the same parameters as our gateway,
 * selecting the raw vendor fields our overview is built from (Mesh has no unified model).
 */
export const MESH_OVERVIEW_QUERY = `{
  sharpeUsage { data { plan { tier rpm monthly_limit } rate_limit { requests_per_minute } quota { used limit remaining resets_at } } meta { request_id } }
  faradayUsages { name description limit usage }
  faradayAccountUsage { id started_at finished_at }
  anylayerUsage(${anylayerArgs}) { data { usage { total_requests failed_requests } rate_limit { tier requests_per_minute remaining reset_at } alerts { severity message } } }
  arraysPartnerUsage(from_id: "${ARRAYS_ACCOUNT_PAGE.fromCursor}", count: "${ARRAYS_ACCOUNT_PAGE.count}") { data { sub calls discoveries tweets } pagination { next_cursor has_more } }
}`;

export const MESH_PARTNER_USAGE_QUERY = `{
  arraysPartnerUsage(from_id: "0", count: "5000") { data { sub calls discoveries tweets by_endpoint } pagination { next_cursor has_more } }
}`;

export const HELLO_QUERY = '{ hello }';

/** The _entities batch: what a federation router sends for partner users, with `representations` as a variable. */
export const ENTITIES_QUERY = 'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on PartnerUser { sub calls discoveries tweets } } }';

/** The vendor calls behind one overview, with our gateway's parameters. */
export const VENDOR_OVERVIEW_CALLS: readonly (readonly [Vendor, string])[] = [
  ['arrays', `/v1/partner/usage?from_id=${ARRAYS_ACCOUNT_PAGE.fromCursor}&count=${ARRAYS_ACCOUNT_PAGE.count}`],
  ['anylayer', `/v1/developer/usage?${new URLSearchParams(queryParameters(DEFAULT_API_KEY_USAGE_QUERY)).toString()}`],
  ['sharpe', '/v1/usage'],
  ['faraday', '/v1/usages'],
  ['faraday', '/v1/accounts/current/usage'],
];

/** The JSON body of a POST /graphql. */
export function graphqlBody(query: string): string {
  return JSON.stringify({ query });
}
