import { DEFAULT_POLICY } from '../../src/upstream/policy.js';
import { PEER_RESPONSE_CACHE_TTL_ENV } from '../peers/response-cache-ttl.js';

/** A peer gateway the bench compares ours with. */
export type PeerFamily = 'apollo' | 'mesh' | 'mercurius';
/** As its package ships it, or with its own caches on as its docs recommend (same server file). */
export type PeerConfiguration = 'as-shipped' | 'cached';

/** Each peer's server file and the target name of its rows in each configuration. */
export const PEERS: Record<PeerFamily, { label: string; script: string; targets: Record<PeerConfiguration, string> }> = {
  apollo: {
    label: 'Apollo Server',
    script: 'bench/peers/apollo/server.ts',
    targets: { 'as-shipped': 'Apollo Server 5 + datasource-rest', cached: 'Apollo Server 5 + response cache + datasource-rest cache' },
  },
  mesh: {
    label: 'GraphQL Mesh',
    script: 'bench/peers/mesh/server.ts',
    targets: { 'as-shipped': 'GraphQL Mesh (Hive Gateway runtime)', cached: 'GraphQL Mesh (Hive Gateway runtime) + response cache' },
  },
  mercurius: {
    label: 'Mercurius',
    script: 'bench/peers/mercurius/server.ts',
    targets: { 'as-shipped': 'Mercurius 16 on Fastify 5 + graphql-jit', cached: 'Mercurius 16 on Fastify 5 + graphql-jit + mercurius-cache' },
  },
};

/**
 * How long a cached peer keeps an answer: our gateway's default upstream cache TTL, which its
 * warm rows run with (the bench sets no `UPSTREAM_CACHE_TTL_SECONDS` for them).
 */
export const PEER_CACHE_TTL_MS = DEFAULT_POLICY.cacheTtlMs;

/** The environment that switches a peer's server file to `configuration`. */
export function peerEnv(configuration: PeerConfiguration): Record<string, string> {
  return configuration === 'cached' ? { [PEER_RESPONSE_CACHE_TTL_ENV]: String(PEER_CACHE_TTL_MS) } : {};
}
