import { afterEach, describe, expect, it } from 'vitest';
import { parseAfter } from '../../src/providers/arrays/edge-pager.js';
import { compareCursors } from '../../src/ledger/stream-cursor.js';
import { sumStream } from '../../src/simulators/arrays.js';
import { startHarness, type Harness } from '../support/harness.js';
import { totalsOf, type Edge } from '../support/partner-usage.js';

/**
 * What paging `partnerUsage` costs in Arrays calls, counted by the simulator: paging through N
 * stream entries takes about N / 1000 calls (Arrays' page) plus a small constant, whatever
 * `first`, while the stream grows during the paging, at the head included. The windows tile the
 * stream, every cursor is distinct and the rows add up to the stream's totals per user exactly.
 * (Windows read at the head have grown since, so they cannot be read again to compare row by row.)
 */

const PAGE = /* GraphQL */ `
  query Page($first: Int, $after: String) {
    partnerUsage(first: $first, after: $after) {
      edges { cursor node { sub calls discoveries tweets } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

/**
 * The constant: each time paging reaches the head, one read of it, whose rows the gateway keeps for
 * the cursors into it; and each time the client gets through those rows, one read of what arrived
 * meanwhile, which no pager can spare (those entries did not exist at the read before), the last of
 * them finding nothing new. Here the head is reached twice and the stream grows 5 entries every 25
 * pages, so the slowest client (`first: 1`, one user a page) catches up three times after each
 * arrival: 7, and fewer for larger `first` (measured: 7, 4, 4, 2 for first 1, 2, 3, 100). The run is
 * deterministic (seeded simulator, no clock). Re-reading the head as smaller settled windows took
 * 28, 22, 18 and 12 more, and a window of `first` entries per head page 671 for `first: 3`.
 */
const HEAD_CALLS = 7;

/** The windows the edges came from, in stream order, each starting where the one before ended, from `0` to `last`. */
function expectWindowsTile(edges: Edge[], last: string): void {
  const windows = new Map<string, { fromCursor: string; windowEnd: string }>();
  for (const { cursor } of edges) {
    const start = parseAfter(cursor);
    if (start.kind !== 'edge') throw new Error(`not an edge cursor: ${cursor}`);
    windows.set(`${start.edge.fromCursor}/${start.edge.count}`, start.edge);
  }
  let position = '0';
  for (const window of [...windows.values()].sort((a, b) => compareCursors(a.fromCursor, b.fromCursor))) {
    expect(window.fromCursor).toBe(position);
    position = window.windowEnd;
  }
  expect(position).toBe(last);
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('partnerUsage: vendor calls when paging through a growing stream', () => {
  it.each([1, 2, 3, 100])('first: %i costs about one call per 1000 entries', async (first) => {
    // Settled windows stay in the vendor answer cache for the whole test, however slow the machine:
    // what is counted is the pager's reads, not the cache's expiry.
    harness = await startHarness({ simulators: { arrays: { entries: 3500, subs: 500 } }, policies: { ARRAYS: { cacheTtlMs: 600_000 } } });
    const sim = harness.sims.arrays;
    const edges: Edge[] = [];
    let after: string | null = null;
    let pages = 0;
    let headsReached = 0;
    const before = sim.hits();
    for (;;) {
      const { body }: { body: any } = await harness.query<any>(PAGE, { first, after });
      expect(body.errors).toBeUndefined();
      pages += 1;
      const connection: any = body.data.partnerUsage;
      edges.push(...connection.edges);
      if (connection.pageInfo.endCursor !== null) after = connection.pageInfo.endCursor;
      if (!connection.pageInfo.hasNextPage) {
        headsReached += 1;
        if (headsReached === 2) break;
        // Following the stream: more arrives, and the client goes on from its last endCursor.
        sim.append(700);
      }
      // The stream grows while it is paged: early on, and a few entries now and then, also
      // while the pages are at its head.
      if (pages === 3) sim.append(1000);
      if (pages % 25 === 0) sim.append(5);
    }
    const calls = sim.hits() - before;
    const entries = sim.length;
    expect(entries).toBeGreaterThanOrEqual(5200);
    expect(calls).toBeLessThanOrEqual(Math.ceil(entries / 1000) + HEAD_CALLS);
    expect(new Set(edges.map((edge) => edge.cursor)).size).toBe(edges.length);
    expectWindowsTile(edges, sim.entry(entries - 1).id);
    expect(totalsOf(edges)).toEqual(sumStream(sim));
  }, 120_000);
});
