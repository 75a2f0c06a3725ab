import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getComposedSchemaFromConfig } from '@graphql-mesh/compose-cli';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import LocalforageCache from '@graphql-mesh/cache-localforage';
import { announceListening, exitWithParent } from '../../lib/announce.js';
import { peerResponseCacheTtlMs } from '../response-cache-ttl.js';
import { composeConfig } from './mesh.config.js';

/**
 * The GraphQL Mesh peer: the composed supergraph of the OpenAPI sources served by Mesh's own
 * runtime (the Hive Gateway runtime, which `mesh-serve` became), with its defaults.
 *
 * Cached (`PEER_RESPONSE_CACHE_TTL_MS` set): the gateway's response caching as its docs show it,
 * `responseCaching: { session: () => null }` (one global cache: the peer serves the one set of
 * vendor credentials of its environment) with that `ttl` (ms) for every query, over the cache
 * storage the Hive Gateway CLI uses when none is configured (LocalForage, which in Node is an
 * in-memory LRU). The OpenAPI subgraphs carry no `@cacheControl` hints and the vendors send no
 * Cache-Control, so the global `ttl` is what applies; answers with GraphQL errors (a vendor's 429
 * passed on) are not cached.
 */
type ComposeLogger = Parameters<typeof getComposedSchemaFromConfig>[1];
const quiet: ComposeLogger = {
  log: () => {},
  debug: () => {},
  info: () => {},
  warn: (...args: unknown[]) => console.error(...args),
  error: (...args: unknown[]) => console.error(...args),
  child: () => quiet,
} as ComposeLogger;
const supergraph = await getComposedSchemaFromConfig(composeConfig, quiet);
const cacheTtlMs = peerResponseCacheTtlMs();
const gateway = createGatewayRuntime({
  supergraph,
  logging: 'error',
  ...(cacheTtlMs === null ? {} : { cache: new LocalforageCache(), responseCaching: { session: () => null, ttl: cacheTtlMs } }),
});
const server = createServer(gateway);
server.listen(0, '127.0.0.1', () => {
  announceListening(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
});
exitWithParent(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await gateway.dispose();
});
