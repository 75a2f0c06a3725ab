import { GraphQLError, GraphQLScalarType } from 'graphql';

/**
 * What the peers that answer in our schema's shape (Apollo Server, Mercurius) share: their SDL
 * for the overview and the partner stream, its scalars, and the rules that turn vendor JSON into
 * it. One copy, so two peers cannot drift apart on the answer the harness compares with ours.
 */
export const OUR_SHAPE_TYPE_DEFS = /* GraphQL */ `
  "Counters pass 2^31, so they cannot be Int."
  scalar SafeInt
  scalar DateTime
  enum ProviderId { ARRAYS ANYLAYER SHARPE FARADAY }

  type Query {
    accounts: [AccountResult!]!
    partnerUsage(first: Int = 1000, after: String = "0"): PartnerUsageConnection
  }
  type Provider { id: ProviderId! simulated: Boolean! }
  type ProviderError { code: String! message: String! httpStatus: Int retryAfterSeconds: Int upstreamRequestId: String }
  type AccountResult { provider: Provider! account: Account error: ProviderError }
  type Quota { name: String! used: SafeInt! limit: SafeInt utilization: Float }
  type UsageAlert { severity: String! message: String! }
  type Account { quotas: [Quota!]! alerts: [UsageAlert!]! fetchedAt: DateTime! }

  type EndpointCalls { endpoint: String! calls: SafeInt! }
  type PartnerUsage { sub: ID! calls: SafeInt! discoveries: SafeInt! tweets: SafeInt! byEndpoint: [EndpointCalls!]! }
  type PartnerUsageEdge { cursor: String! node: PartnerUsage! }
  type PageInfo { endCursor: String! hasNextPage: Boolean! }
  type PartnerUsageConnection { edges: [PartnerUsageEdge!]! pageInfo: PageInfo! }
`;

export interface SharpeUsage {
  data: { quota: { used: number; limit: number } };
}
export interface FaradayLimit {
  name: string;
  limit: number;
  usage: number;
}
export interface AnylayerUsage {
  data: { alerts: { severity: string; message: string }[] };
}
export interface ArraysPage {
  data: { sub: string; calls: number; discoveries: number; tweets: number; by_endpoint: Record<string, { calls: number }> }[];
  pagination?: { next_cursor: string; has_more: boolean } | null;
}

export interface Quota {
  name: string;
  used: number;
  limit: number | null;
}
export interface Account {
  quotas: Quota[];
  vendorAlerts: { severity: string; message: string }[];
  fetchedAt: Date;
}

/** The four vendors, in the order our overview lists them. */
export const VENDOR_NAMES = ['arrays', 'anylayer', 'sharpe', 'faraday'] as const;
export type VendorName = (typeof VENDOR_NAMES)[number];

/** The vendor reads an account needs, however a peer performs them. */
export interface VendorReads {
  arraysPage(fromId: string, count: number): Promise<ArraysPage>;
  anylayerUsage(): Promise<AnylayerUsage>;
  sharpeUsage(): Promise<SharpeUsage>;
  faradayLimits(): Promise<FaradayLimit[]>;
  faradayAccountUsage(): Promise<unknown>;
}

/** The query string of Anylayer's usage read, the same parameters our gateway sends. */
export const ANYLAYER_USAGE_PARAMS: Record<string, string> = {
  timeframe: '24h',
  granularity: 'hour',
  include_breakdown: 'true',
  include_errors: 'true',
  include_latency: 'true',
  sort_by: 'requests',
  order: 'desc',
  limit: '100',
  offset: '0',
};

export const utilization = (quota: Quota) => (quota.limit === null || quota.limit <= 0 ? null : quota.used / quota.limit);

/** Alerts at 90 % and 100 % of a quota, the same rule and wording as our gateway's. */
export function quotaAlerts(quotas: Quota[]) {
  return quotas.flatMap((quota) => {
    const share = utilization(quota);
    if (share === null || share < 0.9) return [];
    const percent = Math.round(share * 100);
    return [{ severity: share >= 1 ? 'CRITICAL' : 'WARNING', message: `${quota.name}: ${quota.used} of ${quota.limit} used (${percent}%)` }];
  });
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Each vendor's account from its reads. */
export const accountOf: Record<VendorName, (reads: VendorReads) => Promise<Account>> = {
  arrays: async (reads) => {
    await reads.arraysPage('0', 1000);
    return { quotas: [], vendorAlerts: [], fetchedAt: new Date() };
  },
  anylayer: async (reads) => {
    const body = await reads.anylayerUsage();
    return { quotas: [], vendorAlerts: body.data.alerts.map((a) => ({ severity: a.severity.toUpperCase(), message: a.message })), fetchedAt: new Date() };
  },
  sharpe: async (reads) => {
    const { quota } = (await reads.sharpeUsage()).data;
    return { quotas: [{ name: 'monthly_requests', used: quota.used, limit: quota.limit }], vendorAlerts: [], fetchedAt: new Date() };
  },
  faraday: async (reads) => {
    // An account is both endpoints, as in our gateway (its periods come from the second one).
    const [limits] = await Promise.all([reads.faradayLimits(), reads.faradayAccountUsage()]);
    const quotas = limits.map((item) => ({ name: item.name, used: item.usage, limit: item.limit })).sort(byName);
    return { quotas, vendorAlerts: [], fetchedAt: new Date() };
  },
};

/** What a failing vendor's entry says, from the HTTP status it answered (null: no answer at all). */
export function providerError(error: unknown, httpStatus: number | null) {
  const code =
    httpStatus === null
      ? 'UPSTREAM_UNAVAILABLE'
      : httpStatus === 429
        ? 'UPSTREAM_RATE_LIMITED'
        : httpStatus === 401 || httpStatus === 403
          ? 'UPSTREAM_AUTH_FAILED'
          : httpStatus >= 500
            ? 'UPSTREAM_UNAVAILABLE'
            : 'UPSTREAM_BAD_REQUEST';
  return { code, message: error instanceof Error ? error.message : String(error), httpStatus, retryAfterSeconds: null, upstreamRequestId: null };
}

/** The overview: every vendor's account or its error entry, never a GraphQL error. */
export function accounts(reads: VendorReads, statusOf: (error: unknown) => number | null) {
  return Promise.all(
    VENDOR_NAMES.map(async (vendor) => {
      const provider = { id: vendor.toUpperCase(), simulated: false };
      try {
        return { provider, account: await accountOf[vendor](reads), error: null };
      } catch (error) {
        return { provider, account: null, error: providerError(error, statusOf(error)) };
      }
    }),
  );
}

/** `partnerUsage`: Arrays pages of at most 5000 entries until `first` entries or the stream's end. */
export async function partnerUsage(reads: VendorReads, args: { first: number; after: string }) {
  const edges: { cursor: string; node: ArraysPage['data'][number] }[] = [];
  let cursor = args.after;
  let hasNextPage = true;
  for (let remaining = args.first; remaining > 0 && hasNextPage; remaining -= 5000) {
    const page = await reads.arraysPage(cursor, Math.min(5000, remaining));
    const next = page.pagination?.next_cursor ?? cursor;
    for (const node of page.data) edges.push({ cursor: next, node });
    hasNextPage = page.pagination?.has_more ?? false;
    if (next === cursor) break;
    cursor = next;
  }
  return { edges, pageInfo: { endCursor: cursor, hasNextPage } };
}

/** The resolvers below Query, and the scalars, that every our-shape peer uses as they are. */
export const typeResolvers = {
  SafeInt: new GraphQLScalarType({
    name: 'SafeInt',
    serialize: (value) => {
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
      throw new GraphQLError(`SafeInt cannot represent ${String(value)}`);
    },
  }),
  // A cache may hand back a Date it stored or the ISO text it turned that Date into.
  DateTime: new GraphQLScalarType({ name: 'DateTime', serialize: (value) => (value instanceof Date ? value.toISOString() : String(value)) }),
  Account: {
    alerts: (account: Account) => [...account.vendorAlerts, ...quotaAlerts(account.quotas)],
  },
  Quota: { utilization },
  PartnerUsage: {
    byEndpoint: (usage: ArraysPage['data'][number]) =>
      Object.keys(usage.by_endpoint)
        .sort()
        .map((endpoint) => ({ endpoint, calls: usage.by_endpoint[endpoint]!.calls })),
  },
};

/** A loop, not `/\/+$/`, whose backtracking is quadratic in a run of slashes not at the end. */
export function withoutTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x2f) end -= 1;
  return text.slice(0, end);
}

/** A required variable of the peer's environment (the same names as our gateway's). */
export function requiredEnv(name: string, peer: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required for the ${peer} peer`);
  return value;
}
