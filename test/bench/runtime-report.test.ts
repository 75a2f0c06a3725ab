import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../../bench/lib/load.js';
import { PEERS } from '../../bench/lib/peers.js';
import { fastestPeerLine, runtimeLines } from '../../bench/lib/report.js';

const row = (target: string, requestsPerSecond: number, calls?: number) => ({
  target,
  requestsPerSecond,
  cleanPerSecond: requestsPerSecond,
  errorAnswers: 0,
  latencyMs: { p50: 1, p99: 2, mean: 1 },
  requests: requestsPerSecond,
  failures: 0,
  durationSeconds: 1,
  peakRssMiB: null,
  ...(calls === undefined ? {} : { upstreamCallsPerQuery: { arrays: 0, anylayer: 0, sharpe: 0, faraday: calls, total: calls } }),
}) satisfies LoadResult & { target: string };

const mercurius = PEERS.mercurius.targets.cached;
const apollo = PEERS.apollo.targets.cached;
const bare = 'bare node:http (ceiling)';

describe('fastestPeerLine', () => {
  it('gives ours ÷ Mercurius cached on clean answers, with both sides’ vendor calls', () => {
    const ours = row('ours', 9000, 0);
    const [line] = fastestPeerLine([ours, row(apollo, 3000), row(mercurius, 4500, 0)], ours);
    expect(line).toContain('ours ÷ Mercurius cached 2.00×');
    expect(line).toContain('4500 clean answers/s');
    expect(line).toContain('vendor calls per query 0 (ours 0)');
  });

  it('adds nothing when Mercurius did not run', () => {
    const ours = row('ours', 9000);
    expect(fastestPeerLine([ours, row(apollo, 3000)], ours)).toEqual([]);
  });
});

describe('runtimeLines', () => {
  const node20 = [row('ours', 4000), row(apollo, 2000), row(mercurius, 5000), row(bare, 40_000), row('graphql-yoga hello world (floor)', 9000)];

  it('says how to run it when Node 24 did not run', () => {
    const lines = runtimeLines(node20, undefined, 'v20.20.2');
    expect(lines[0]).toContain('npm run bench -- --node24');
  });

  it('pairs each Node 24 row with its Node 20 row by name, whatever the order, with both runtimes’ ratios and ceiling shares', () => {
    const node24 = { node: 'v24.11.1', results: [row('ours', 6000), row(bare, 50_000), row(mercurius, 4000), row(apollo, 3000)] };
    const lines = runtimeLines(node20, node24, 'v20.20.2');
    expect(lines[0]).toContain('Node v20.20.2 and on Node v24.11.1');
    const tableRow = (target: string) => lines.find((line) => line.startsWith(`| ${target} |`));
    expect(lines.find((line) => line.startsWith('| **ours** |'))).toBe('| **ours** | 4000 | 6000 | 1.50× | — | — |');
    expect(tableRow(mercurius)).toBe(`| ${mercurius} | 5000 | 4000 | 0.80× | 0.80× | 1.50× |`);
    expect(tableRow(apollo)).toBe(`| ${apollo} | 2000 | 3000 | 1.50× | 2.00× | 2.00× |`);
    expect(tableRow(bare)).toBe(`| ${bare} | 40000 | 50000 | 1.25× | 0.10× | 0.12× |`);
    // Only the rows that ran on both: the yoga floor ran on Node 20 alone.
    expect(lines.filter((line) => line.startsWith('| ') && !line.startsWith('| target') && !line.startsWith('| ---'))).toHaveLength(4);
    expect(lines).toContain('Ours as a share of the bare node:http ceiling: 10 % on Node v20.20.2, 12 % on Node v24.11.1.');
  });
});
