import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import { startStandaloneServer } from '@apollo/server/standalone';
import responseCachePlugin from '@apollo/server-plugin-response-cache';
import { RESTDataSource, type AugmentedRequest } from '@apollo/datasource-rest';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { GraphQLError } from 'graphql';
import { announceListening, exitWithParent } from '../../lib/announce.js';
import {
  accounts,
  ANYLAYER_USAGE_PARAMS,
  OUR_SHAPE_TYPE_DEFS,
  partnerUsage,
  requiredEnv,
  typeResolvers,
  withoutTrailingSlashes,
  type AnylayerUsage,
  type ArraysPage,
  type FaradayLimit,
  type SharpeUsage,
  type VendorReads,
} from '../our-shape.js';
import { peerResponseCacheTtlMs } from '../response-cache-ttl.js';

/**
 * The Apollo Server peer, built the way its documentation shows: Apollo Server 5, one
 * `RESTDataSource` per vendor created per request (sharing the server's cache), an SDL of its own
 * for the overview and the partner stream, and resolvers that map vendor JSON to that shape (both
 * in ../our-shape.ts, which the Mercurius peer shares). Nothing of our gateway is reused. Vendor
 * base URLs and credentials come from the same variables as our gateway's.
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

class SharpeAPI extends VendorAPI {
  usage = () => this.read<SharpeUsage>('v1/usage');
}
class FaradayAPI extends VendorAPI {
  limits = () => this.read<FaradayLimit[]>('v1/usages');
  accountUsage = () => this.read<unknown>('v1/accounts/current/usage');
}
class AnylayerAPI extends VendorAPI {
  usage = () => this.read<AnylayerUsage>('v1/developer/usage', ANYLAYER_USAGE_PARAMS);
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

/** The shared account rules read through this request's data sources. */
const readsOf = ({ arrays, anylayer, sharpe, faraday }: DataSources): VendorReads => ({
  arraysPage: arrays.page,
  anylayerUsage: anylayer.usage,
  sharpeUsage: sharpe.usage,
  faradayLimits: faraday.limits,
  faradayAccountUsage: faraday.accountUsage,
});

/** datasource-rest throws a GraphQLError carrying the vendor's status. */
const statusOf = (error: unknown) => ((error as GraphQLError).extensions?.['response'] as { status?: number } | undefined)?.status ?? null;

const resolvers = {
  ...typeResolvers,
  Query: {
    accounts: (_root: unknown, _args: unknown, { dataSources }: Context) => accounts(readsOf(dataSources), statusOf),
    partnerUsage: (_root: unknown, args: { first: number; after: string }, { dataSources }: Context) => partnerUsage(readsOf(dataSources), args),
  },
};

const env = (name: string) => requiredEnv(name, 'Apollo');

const server = new ApolloServer<Context>({
  typeDefs: OUR_SHAPE_TYPE_DEFS,
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
