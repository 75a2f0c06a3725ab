import Fastify, { type FastifyPluginAsync } from 'fastify';
import mercurius from 'mercurius';
import mercuriusCacheModule, { type MercuriusCacheOptions } from 'mercurius-cache';
import { request } from 'undici';
import { announceListening, exitWithParent } from '../../lib/announce.js';
import {
  accounts,
  ANYLAYER_USAGE_PARAMS,
  OUR_SHAPE_TYPE_DEFS,
  partnerUsage,
  requiredEnv,
  typeResolvers,
  withoutTrailingSlashes,
  type VendorReads,
} from '../our-shape.js';
import { peerResponseCacheTtlMs } from '../response-cache-ttl.js';

/**
 * The Mercurius peer, the fastest Node GraphQL server a performance-minded user would pick: Fastify
 * 5 with Mercurius, built the way their documentation shows, with graphql-jit on (`jit: 1`: an
 * operation is compiled from its first execution on). It serves the same SDL and the same
 * vendor-JSON rules as the Apollo peer (../our-shape.ts), reading the vendors with undici, the
 * HTTP client of the Fastify ecosystem. Nothing of our gateway is reused; vendor base URLs and
 * credentials come from the same variables as our gateway's.
 *
 * As shipped (`PEER_RESPONSE_CACHE_TTL_MS` unset): no cache, every query reads every vendor.
 * Cached (set): `mercurius-cache` as its README shows, a `policy` naming the two root fields and a
 * `ttl` of that many seconds, so a warm query runs the compiled operation over the cached root
 * value without a vendor call. Like Apollo's response cache, it keeps a vendor failure that is
 * data (an `error` entry): the harness runs this peer while every vendor answers cleanly.
 */

/** A vendor's non-2xx answer; its status picks the error entry's code. */
class VendorStatusError extends Error {
  readonly code = 'PEER_VENDOR_STATUS';

  constructor(
    readonly status: number,
    url: string,
  ) {
    super(`${url} answered ${status}`);
    this.name = 'VendorStatusError';
  }
}

const env = (name: string) => requiredEnv(name, 'Mercurius');

/** A GET with the same deadline our gateway gives a vendor by default. */
async function getJson<T>(base: string, path: string, headers: Record<string, string>, params?: Record<string, string>): Promise<T> {
  const url = `${base}/${path}${params === undefined ? '' : `?${new URLSearchParams(params).toString()}`}`;
  const response = await request(url, { headers, signal: AbortSignal.timeout(8000) });
  if (response.statusCode < 200 || response.statusCode > 299) {
    await response.body.dump();
    throw new VendorStatusError(response.statusCode, `${base}/${path}`);
  }
  return (await response.body.json()) as T;
}

/** The vendor reads, with each vendor's credential in the header its API expects. */
function vendorReads(): VendorReads {
  const vendor = (name: string, credentialVariable: string, header: (credential: string) => Record<string, string>) => {
    const base = withoutTrailingSlashes(env(`${name}_BASE_URL`));
    const headers = header(env(credentialVariable));
    return <T>(path: string, params?: Record<string, string>) => getJson<T>(base, path, headers, params);
  };
  const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });
  const arrays = vendor('ARRAYS', 'ARRAYS_SERVICE_TOKEN', (credential) => ({ 'x-service-token': credential }));
  const anylayer = vendor('ANYLAYER', 'ANYLAYER_API_KEY', bearer);
  const sharpe = vendor('SHARPE', 'SHARPE_API_KEY', bearer);
  const faraday = vendor('FARADAY', 'FARADAY_API_KEY', bearer);
  return {
    arraysPage: (fromId, count) => arrays('v1/partner/usage', { from_id: fromId, count: String(count) }),
    anylayerUsage: () => anylayer('v1/developer/usage', ANYLAYER_USAGE_PARAMS),
    sharpeUsage: () => sharpe('v1/usage'),
    faradayLimits: () => faraday('v1/usages'),
    faradayAccountUsage: () => faraday('v1/accounts/current/usage'),
  };
}

/**
 * The plugin itself: mercurius-cache is CommonJS (`module.exports = plugin`), so an ESM default
 * import is the plugin, while its typings declare it as `.default` of that import.
 */
const mercuriusCache = mercuriusCacheModule as unknown as FastifyPluginAsync<MercuriusCacheOptions>;

const reads = vendorReads();
const statusOf = (error: unknown) => (error instanceof VendorStatusError ? error.status : null);

/** Null as shipped; in the cached peer, how long mercurius-cache keeps a root field's value. */
const cacheTtlMs = peerResponseCacheTtlMs();

const app = Fastify({ logger: false });
await app.register(mercurius, {
  schema: OUR_SHAPE_TYPE_DEFS,
  resolvers: {
    ...typeResolvers,
    Query: {
      accounts: () => accounts(reads, statusOf),
      partnerUsage: (_root: unknown, args: { first: number; after: string }) => partnerUsage(reads, args),
    },
  },
  jit: 1,
});
if (cacheTtlMs !== null) {
  await app.register(mercuriusCache, { ttl: cacheTtlMs / 1000, policy: { Query: { accounts: true, partnerUsage: true } } });
}
const address = await app.listen({ port: 0, host: '127.0.0.1' });
exitWithParent(() => app.close());
announceListening(`${address}/graphql`);
