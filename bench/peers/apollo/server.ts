import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import { startStandaloneServer } from '@apollo/server/standalone';
import responseCachePlugin from '@apollo/server-plugin-response-cache';
import { RESTDataSource, type AugmentedRequest } from '@apollo/datasource-rest';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import { GraphQLError, GraphQLScalarType } from 'graphql';
import { announceListening, exitWithParent } from '../../lib/announce.js';
import { peerResponseCacheTtlMs } from '../response-cache-ttl.js';

/**
 * The Apollo Server peer, built the way its documentation shows: Apollo Server 5, one
 * `RESTDataSource` per vendor created per request (sharing the server's cache), its own SDL for
 * the overview and the partner stream, and resolvers that map vendor JSON to that shape. Nothing
 * of our gateway is reused. Vendor base URLs and credentials come from the same variables as our
 * gateway's.
 *
 * As shipped (`PEER_RESPONSE_CACHE_TTL_MS` unset): no cache of its own. datasource-rest's HTTP
 * cache only keeps what a vendor's Cache-Control allows (the vendors send none: nothing), so its
 * deduplication of identical GETs within one request is all there is.
 *
 * Cached (`PEER_RESPONSE_CACHE_TTL_MS` set), as the docs recommend for data that is the same for
 * every caller for a while, both for that TTL:
 * - the full-response cache, `@apollo/server-plugin-response-cache`, with the cache-control
 *   plugin's `defaultMaxAge` as the cache hint of every root and object field (without a hint,
 *   maxAge is 0 and the response cache stores nothing); no `sessionId`, because the peer serves
 *   the one set of vendor credentials of its environment: every answer is PUBLIC. It stores no
 *   answer with GraphQL errors, but a vendor failure here is data (an `error` entry), which it does
 *   store: the harness runs this peer while every vendor answers cleanly.
 * - datasource-rest's HTTP cache with `cacheOptions.ttl`, which stores every 2xx vendor answer for
 *   that long whatever its headers say (what a vendor sending no Cache-Control needs), so a response
 *   cache miss (another query, another page) still reuses the vendor calls.
 */
const typeDefs = /* GraphQL */ `
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

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required for the Apollo peer`);
  return value;
}

/** Null as shipped; in the cached peer, how long both caches keep an answer. */
const cacheTtlMs = peerResponseCacheTtlMs();
/** datasource-rest's `ttl` and Apollo's `maxAge` are both in seconds. */
const cacheTtlSeconds = cacheTtlMs === null ? null : cacheTtlMs / 1000;

/** Bearer-token vendors; Arrays overrides the header. */
class VendorAPI extends RESTDataSource {
  constructor(
    override baseURL: string,
    protected readonly credential: string,
    cache: KeyValueCache,
  ) {
    super({ cache });
  }

  protected override willSendRequest(_path: string, request: AugmentedRequest): void {
    request.headers['authorization'] = `Bearer ${this.credential}`;
  }

  /** The same deadline our gateway gives a vendor by default. */
  protected read<T>(path: string, params?: Record<string, string>): Promise<T> {
    return super.get<T>(path, { params, signal: AbortSignal.timeout(8000), ...(cacheTtlSeconds === null ? {} : { cacheOptions: { ttl: cacheTtlSeconds } }) });
  }
}

interface SharpeUsage {
  data: { quota: { used: number; limit: number } };
}
interface FaradayLimit {
  name: string;
  limit: number;
  usage: number;
}
interface AnylayerUsage {
  data: { alerts: { severity: string; message: string }[] };
}
interface ArraysPage {
  data: { sub: string; calls: number; discoveries: number; tweets: number; by_endpoint: Record<string, { calls: number }> }[];
  pagination?: { next_cursor: string; has_more: boolean } | null;
}

class SharpeAPI extends VendorAPI {
  usage = () => this.read<SharpeUsage>('v1/usage');
}
class FaradayAPI extends VendorAPI {
  limits = () => this.read<FaradayLimit[]>('v1/usages');
  accountUsage = () => this.read<unknown>('v1/accounts/current/usage');
}
class AnylayerAPI extends VendorAPI {
  usage = () =>
    this.read<AnylayerUsage>('v1/developer/usage', {
      timeframe: '24h',
      granularity: 'hour',
      include_breakdown: 'true',
      include_errors: 'true',
      include_latency: 'true',
      sort_by: 'requests',
      order: 'desc',
      limit: '100',
      offset: '0',
    });
}
class ArraysAPI extends VendorAPI {
  protected override willSendRequest(_path: string, request: AugmentedRequest): void {
    request.headers['x-service-token'] = this.credential;
  }
  page = (fromId: string, count: number) => this.read<ArraysPage>('v1/partner/usage', { from_id: fromId, count: String(count) });
}

interface DataSources {
  arrays: ArraysAPI;
  anylayer: AnylayerAPI;
  sharpe: SharpeAPI;
  faraday: FaradayAPI;
}
interface Context {
  dataSources: DataSources;
}

interface Quota {
  name: string;
  used: number;
  limit: number | null;
}
interface Account {
  quotas: Quota[];
  vendorAlerts: { severity: string; message: string }[];
  fetchedAt: Date;
}

const utilization = (quota: Quota) => (quota.limit === null || quota.limit <= 0 ? null : quota.used / quota.limit);

/** Alerts at 90 % and 100 % of a quota, the same rule and wording as our gateway's. */
function quotaAlerts(quotas: Quota[]) {
  return quotas.flatMap((quota) => {
    const share = utilization(quota);
    if (share === null || share < 0.9) return [];
    const percent = Math.round(share * 100);
    return [{ severity: share >= 1 ? 'CRITICAL' : 'WARNING', message: `${quota.name}: ${quota.used} of ${quota.limit} used (${percent}%)` }];
  });
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

const accountOf: Record<keyof DataSources, (sources: DataSources) => Promise<Account>> = {
  arrays: async ({ arrays }) => {
    await arrays.page('0', 1000);
    return { quotas: [], vendorAlerts: [], fetchedAt: new Date() };
  },
  anylayer: async ({ anylayer }) => {
    const body = await anylayer.usage();
    return { quotas: [], vendorAlerts: body.data.alerts.map((a) => ({ severity: a.severity.toUpperCase(), message: a.message })), fetchedAt: new Date() };
  },
  sharpe: async ({ sharpe }) => {
    const { quota } = (await sharpe.usage()).data;
    return { quotas: [{ name: 'monthly_requests', used: quota.used, limit: quota.limit }], vendorAlerts: [], fetchedAt: new Date() };
  },
  faraday: async ({ faraday }) => {
    // An account is both endpoints, as in our gateway (its periods come from the second one).
    const [limits] = await Promise.all([faraday.limits(), faraday.accountUsage()]);
    const quotas = limits.map((item) => ({ name: item.name, used: item.usage, limit: item.limit })).sort(byName);
    return { quotas, vendorAlerts: [], fetchedAt: new Date() };
  },
};

/** What a failing vendor's entry says: datasource-rest throws a GraphQLError carrying the status. */
function providerError(error: unknown) {
  const status = (error as GraphQLError).extensions?.['response'] as { status?: number } | undefined;
  const httpStatus = status?.status ?? null;
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

const resolvers = {
  SafeInt: new GraphQLScalarType({
    name: 'SafeInt',
    serialize: (value) => {
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
      throw new GraphQLError(`SafeInt cannot represent ${String(value)}`);
    },
  }),
  DateTime: new GraphQLScalarType({ name: 'DateTime', serialize: (value) => (value as Date).toISOString() }),
  Query: {
    accounts: (_root: unknown, _args: unknown, { dataSources }: Context) =>
      Promise.all(
        (Object.keys(accountOf) as (keyof DataSources)[]).map(async (vendor) => {
          const provider = { id: vendor.toUpperCase(), simulated: false };
          try {
            return { provider, account: await accountOf[vendor](dataSources), error: null };
          } catch (error) {
            return { provider, account: null, error: providerError(error) };
          }
        }),
      ),
    partnerUsage: async (_root: unknown, args: { first: number; after: string }, { dataSources }: Context) => {
      const edges: { cursor: string; node: ArraysPage['data'][number] }[] = [];
      let cursor = args.after;
      let hasNextPage = true;
      for (let remaining = args.first; remaining > 0 && hasNextPage; remaining -= 5000) {
        const page = await dataSources.arrays.page(cursor, Math.min(5000, remaining));
        const next = page.pagination?.next_cursor ?? cursor;
        for (const node of page.data) edges.push({ cursor: next, node });
        hasNextPage = page.pagination?.has_more ?? false;
        if (next === cursor) break;
        cursor = next;
      }
      return { edges, pageInfo: { endCursor: cursor, hasNextPage } };
    },
  },
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
function withoutTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x2f) end -= 1;
  return text.slice(0, end);
}

const server = new ApolloServer<Context>({
  typeDefs,
  resolvers,
  ...(cacheTtlSeconds === null ? {} : { plugins: [ApolloServerPluginCacheControl({ defaultMaxAge: cacheTtlSeconds }), responseCachePlugin<Context>()] }),
});
const { url } = await startStandaloneServer(server, {
  listen: { port: 0, host: '127.0.0.1' },
  context: async () => {
    const { cache } = server;
    const base = (name: string) => `${withoutTrailingSlashes(env(name))}/`;
    return {
      dataSources: {
        arrays: new ArraysAPI(base('ARRAYS_BASE_URL'), env('ARRAYS_SERVICE_TOKEN'), cache),
        anylayer: new AnylayerAPI(base('ANYLAYER_BASE_URL'), env('ANYLAYER_API_KEY'), cache),
        sharpe: new SharpeAPI(base('SHARPE_BASE_URL'), env('SHARPE_API_KEY'), cache),
        faraday: new FaradayAPI(base('FARADAY_BASE_URL'), env('FARADAY_API_KEY'), cache),
      },
    };
  },
});
exitWithParent(() => server.stop());
announceListening(url);
