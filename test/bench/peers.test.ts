import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../../bench/lib/load.js';
import { PEER_CACHE_TTL_MS, PEERS, peerEnv } from '../../bench/lib/peers.js';
import { findPeer, peerPairLines } from '../../bench/lib/report.js';
import { PEER_RESPONSE_CACHE_TTL_ENV, PeerCacheTtlError, peerResponseCacheTtlMs } from '../../bench/peers/response-cache-ttl.js';
import { DEFAULT_POLICY } from '../../src/upstream/policy.js';

const row = (target: string, cleanPerSecond: number, calls?: number) => ({
  target,
  requestsPerSecond: cleanPerSecond,
  cleanPerSecond,
  errorAnswers: 0,
  latencyMs: { p50: 1, p99: 2, mean: 1 },
  requests: cleanPerSecond,
  failures: 0,
  durationSeconds: 1,
  peakRssMiB: null,
  ...(calls === undefined ? {} : { upstreamCallsPerQuery: { arrays: 0, anylayer: 0, sharpe: 0, faraday: calls, total: calls } }),
}) satisfies LoadResult & { target: string };

describe('findPeer', () => {
  // The order the warm overview runs them in: cached peers first, whose names start like the as-shipped ones.
  const rows = [
    row('ours', 9000),
    row(PEERS.apollo.targets.cached, 3000),
    row(PEERS.mesh.targets.cached, 1500),
    row(PEERS.mercurius.targets.cached, 4000),
    row(PEERS.apollo.targets['as-shipped'], 2),
    row(PEERS.mesh.targets['as-shipped'], 1),
  ];

  it('tells a cached peer from the same peer as shipped, whichever ran first', () => {
    expect(findPeer(rows, 'apollo', 'as-shipped')?.cleanPerSecond).toBe(2);
    expect(findPeer(rows, 'apollo', 'cached')?.cleanPerSecond).toBe(3000);
    expect(findPeer(rows, 'mesh', 'as-shipped')?.cleanPerSecond).toBe(1);
    expect(findPeer(rows, 'mesh', 'cached')?.cleanPerSecond).toBe(1500);
    expect(findPeer(rows, 'mercurius', 'cached')?.cleanPerSecond).toBe(4000);
    expect(findPeer(rows, 'mercurius', 'as-shipped')).toBeUndefined();
    expect(findPeer([...rows].reverse(), 'apollo', 'cached')?.cleanPerSecond).toBe(3000);
  });

  it('finds nothing when the row is absent, rather than a neighbour', () => {
    expect(findPeer(rows.filter((r) => r.target !== PEERS.mesh.targets.cached), 'mesh', 'cached')).toBeUndefined();
  });
});

describe('peerPairLines', () => {
  it('gives each peer with both rows its cached ÷ as-shipped and ours ÷ each, on clean answers', () => {
    const ours = row('ours', 9000, 0);
    const lines = peerPairLines([ours, row(PEERS.apollo.targets.cached, 3000, 0), row(PEERS.apollo.targets['as-shipped'], 2, 5)], ours);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('Apollo Server');
    expect(lines[1]).toContain('cached ÷ as shipped 1500.00×');
    expect(lines[1]).toContain('ours ÷ cached 3.00×');
    expect(lines[1]).toContain('ours ÷ as shipped 4500.00×');
    expect(lines[1]).toContain('vendor calls per query 0 cached vs 5 as shipped');
  });

  it('adds nothing for a peer missing one of its rows', () => {
    const ours = row('ours', 9000);
    expect(peerPairLines([ours, row(PEERS.mesh.targets['as-shipped'], 1)], ours)).toEqual([]);
  });
});

describe('the cached peers’ TTL', () => {
  it('is our default upstream cache TTL, handed to the peer through its switch', () => {
    expect(PEER_CACHE_TTL_MS).toBe(DEFAULT_POLICY.cacheTtlMs);
    expect(peerResponseCacheTtlMs(peerEnv('cached'))).toBe(DEFAULT_POLICY.cacheTtlMs);
    expect(peerResponseCacheTtlMs(peerEnv('as-shipped'))).toBeNull();
  });

  it('is off when unset or empty', () => {
    expect(peerResponseCacheTtlMs({})).toBeNull();
    expect(peerResponseCacheTtlMs({ [PEER_RESPONSE_CACHE_TTL_ENV]: '' })).toBeNull();
  });

  it.each(['0', '1500', '-1000', '30s', '3e4'])('refuses %j: not a positive whole number of seconds in ms', (value) => {
    const read = () => peerResponseCacheTtlMs({ [PEER_RESPONSE_CACHE_TTL_ENV]: value });
    expect(read).toThrow(PeerCacheTtlError);
    expect(read).toThrow(PEER_RESPONSE_CACHE_TTL_ENV);
  });
});
