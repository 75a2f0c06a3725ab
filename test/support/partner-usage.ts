import { expect } from 'vitest';
import { parseAfter } from '../../src/providers/arrays/edge-pager.js';
import { compareCursors } from '../../src/ledger/stream-cursor.js';
import type { ArraysSimulatorHandle } from '../../src/simulators/arrays.js';

/** What the partnerUsage tests compare: edges against the Arrays simulator's own pages. */

export interface Row {
  sub: string;
  calls: number;
  discoveries: number;
  tweets: number;
}

export interface Edge {
  cursor: string;
  node: Row;
}

/** One vendor page read straight from the simulator, bypassing the gateway. */
export async function vendorPage(sim: ArraysSimulatorHandle, fromId: string, count: number): Promise<{ rows: Row[]; nextCursor: string; hasMore: boolean }> {
  const response = await fetch(`${sim.baseUrl}/v1/partner/usage?from_id=${fromId}&count=${count}`, { headers: { 'x-service-token': sim.credential } });
  const body = (await response.json()) as { data: Row[]; pagination: { next_cursor: string; has_more: boolean } };
  return {
    rows: body.data.map(({ sub, calls, discoveries, tweets }) => ({ sub, calls, discoveries, tweets })),
    nextCursor: body.pagination.next_cursor,
    hasMore: body.pagination.has_more,
  };
}

/**
 * The rows the vendor has for the windows `edges` came from, each window read straight from the
 * simulator; and a check that those windows tile the stream from `0` to its last entry.
 */
export async function expectExactlyTheVendorRows(sim: ArraysSimulatorHandle, edges: Edge[], from = '0', to = sim.entry(sim.length - 1).id) {
  const byWindow = new Map<string, { fromCursor: string; count: number; windowEnd: string; rows: Row[] }>();
  for (const { cursor, node } of edges) {
    const start = parseAfter(cursor);
    if (start.kind !== 'edge') throw new Error(`not an edge cursor: ${cursor}`);
    const { fromCursor, count, windowEnd } = start.edge;
    const key = `${fromCursor}/${count}`;
    const window = byWindow.get(key) ?? { fromCursor, count, windowEnd, rows: [] };
    expect(window.windowEnd).toBe(windowEnd);
    const { sub, calls, discoveries, tweets } = node;
    window.rows.push({ sub, calls, discoveries, tweets });
    byWindow.set(key, window);
  }
  const windows = [...byWindow.values()].sort((a, b) => compareCursors(a.fromCursor, b.fromCursor));
  let position = from;
  for (const window of windows) {
    // No window overlaps another and none is missing: each starts where the previous one ended.
    expect(window.fromCursor).toBe(position);
    const page = await vendorPage(sim, window.fromCursor, window.count);
    expect(page.nextCursor).toBe(window.windowEnd);
    // The same rows, the same number of times, in the vendor's order.
    expect(window.rows).toEqual(page.rows);
    position = window.windowEnd;
  }
  expect(position).toBe(to);
}

export function totalsOf(edges: Edge[]): Map<string, { calls: number; discoveries: number; tweets: number }> {
  const totals = new Map<string, { calls: number; discoveries: number; tweets: number }>();
  for (const { node } of edges) {
    const sum = totals.get(node.sub) ?? { calls: 0, discoveries: 0, tweets: 0 };
    sum.calls += node.calls;
    sum.discoveries += node.discoveries;
    sum.tweets += node.tweets;
    totals.set(node.sub, sum);
  }
  return totals;
}

