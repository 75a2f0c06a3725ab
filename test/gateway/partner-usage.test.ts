import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseAfter } from '../../src/providers/arrays/edge-pager.js';
import { PARTNER_USAGE_MAX_VENDOR_CALLS } from '../../src/schema/partner-usage.js';
import { sumStream } from '../../src/simulators/arrays.js';
import { MemoryCache, type CacheEntry, type CacheWriteOptions, type UpstreamCache } from '../../src/upstream/cache.js';
import { startHarness, type Harness } from '../support/harness.js';
import { expectExactlyTheVendorRows, totalsOf, vendorPage, type Edge } from '../support/partner-usage.js';

const PAGE = /* GraphQL */ `
  query Page($first: Int, $after: String, $entries: Int) {
    partnerUsage(first: $first, after: $after, entriesPerVendorCall: $entries) {
      edges { cursor node { sub calls discoveries tweets byEndpoint { endpoint calls discoveries tweets } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      windows { fromCursor nextCursor hasMore users upstreamRequestId }
    }
  }
`;

/** Follows `endCursor` until `hasNextPage` is false; every answer checked for errors and its vendor-call bound. */
async function pageAll(harness: Harness, variables: Record<string, unknown>, after: string | null = null) {
  const edges: Edge[] = [];
  let requests = 0;
  for (;;) {
    const before = harness.sims.arrays.hits();
    const { body } = await harness.query<any>(PAGE, { ...variables, after });
    expect(body.errors).toBeUndefined();
    requests += 1;
    const connection = body.data.partnerUsage;
    // (4) The field's vendor calls: within its bound, and within the estimate made before it ran.
    const sent = harness.sims.arrays.hits() - before;
    const { estimated, actual } = (body.extensions as any).cost.vendorCalls;
    expect(connection.windows.length).toBeLessThanOrEqual(PARTNER_USAGE_MAX_VENDOR_CALLS);
    expect(estimated).toBeLessThanOrEqual(PARTNER_USAGE_MAX_VENDOR_CALLS);
    expect(actual).toBe(sent);
    expect(sent).toBeLessThanOrEqual(estimated);
    if (variables['first'] !== undefined) expect(connection.edges.length).toBeLessThanOrEqual(variables['first'] as number);
    expect(connection.pageInfo.startCursor).toBe(connection.edges[0]?.cursor ?? null);
    expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)?.cursor ?? null);
    expect(connection.pageInfo.hasPreviousPage).toBe(after !== null && after !== '0');
    edges.push(...connection.edges);
    if (!connection.pageInfo.hasNextPage) return { edges, requests };
    // Progress: a page that says more follows always has an edge to continue from.
    expect(connection.edges.length).toBeGreaterThan(0);
    after = connection.pageInfo.endCursor;
  }
}

describe('partnerUsage: paging the whole stream', () => {
  let harness: Harness;
  beforeAll(async () => {
    // 3500 entries: three full vendor pages of 1000 and a head page of 500.
    harness = await startHarness({ simulators: { arrays: { entries: 3500, subs: 300 } } });
  });
  afterAll(async () => {
    await harness.close();
  });

  it.each([[1], [7], [173], [1000], [undefined]])('first: %s collects exactly the vendor rows, each once, with distinct cursors', async (first) => {
    const { edges, requests } = await pageAll(harness, first === undefined ? {} : { first });
    expect(new Set(edges.map((edge) => edge.cursor)).size).toBe(edges.length);
    for (const { node } of edges) expect(typeof node.sub).toBe('string');
    await expectExactlyTheVendorRows(harness.sims.arrays, edges);
    const expected = sumStream(harness.sims.arrays);
    expect(totalsOf(edges)).toEqual(expected);
    if (first !== undefined) expect(requests).toBeGreaterThanOrEqual(Math.ceil(edges.length / first));
  });

  it('reads with other vendor page sizes and still adds up to the stream', async () => {
    const { edges } = await pageAll(harness, { first: 300, entries: 37 });
    await expectExactlyTheVendorRows(harness.sims.arrays, edges);
    expect(totalsOf(edges)).toEqual(sumStream(harness.sims.arrays));
  });

  it('starts after a raw stream position', async () => {
    const position = harness.sims.arrays.entry(1999).id;
    const { edges } = await pageAll(harness, { first: 500 }, position);
    await expectExactlyTheVendorRows(harness.sims.arrays, edges, position);
    const all = sumStream(harness.sims.arrays);
    const head = sumStream(harness.sims.arrays, 2000);
    const rest = totalsOf(edges);
    for (const [sub, total] of all) {
      const before = head.get(sub) ?? { calls: 0, discoveries: 0, tweets: 0 };
      const after = rest.get(sub) ?? { calls: 0, discoveries: 0, tweets: 0 };
      expect({ calls: before.calls + after.calls, discoveries: before.discoveries + after.discoveries, tweets: before.tweets + after.tweets }).toEqual(total);
    }
  });
});

describe('partnerUsage: pages, cursors and vendor calls', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ simulators: { arrays: { entries: 12_000, subs: 700 } } });
  });
  afterAll(async () => {
    await harness.close();
  });
  beforeEach(() => harness.sims.arrays.resetHits());

  it('first counts edges: ten users from the first vendor page, one call, shared with account', async () => {
    const { body } = await harness.query<any>(`{ account(provider: ARRAYS) { fetchedAt } partnerUsage(first: 10) { edges { cursor node { sub } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } windows { fromCursor nextCursor hasMore users } } }`);
    expect(body.errors).toBeUndefined();
    const connection = body.data.partnerUsage;
    expect(connection.edges).toHaveLength(10);
    const page = await vendorPage(harness.sims.arrays, '0', 1000);
    expect(connection.edges.map((edge: Edge) => edge.node.sub)).toEqual(page.rows.slice(0, 10).map((row) => row.sub));
    expect(connection.windows).toEqual([{ fromCursor: '0', nextCursor: harness.sims.arrays.entry(999).id, hasMore: true, users: page.rows.length }]);
    expect(connection.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: connection.edges[0].cursor,
      endCursor: connection.edges[9].cursor,
    });
    expect(new Set(connection.edges.map((edge: Edge) => edge.cursor)).size).toBe(10);
    // One vendor call for both fields (and the direct read above).
    expect(harness.sims.arrays.hits()).toBe(2);
    expect((body.extensions as any).cost.vendorCalls).toEqual({ estimated: PARTNER_USAGE_MAX_VENDOR_CALLS, actual: 1 });
  });

  it('continues from a middle edge of a settled page at the next row, from the vendor answer cache', async () => {
    const ten = await harness.query<any>(PAGE, { first: 10 });
    const edges: Edge[] = ten.body.data.partnerUsage.edges;
    harness.sims.arrays.resetHits();
    const next = await harness.query<any>(PAGE, { first: 3, after: edges[4]!.cursor });
    expect(next.body.data.partnerUsage.edges).toEqual(edges.slice(5, 8));
    expect(next.body.data.partnerUsage.pageInfo.hasPreviousPage).toBe(true);
    expect(harness.sims.arrays.hits()).toBe(0);
  });

  it('stops at its vendor-call bound with fewer edges, and says more follow', async () => {
    const { body } = await harness.query<any>(PAGE, { first: 5000 });
    expect(body.errors).toBeUndefined();
    const connection = body.data.partnerUsage;
    expect(connection.windows).toHaveLength(PARTNER_USAGE_MAX_VENDOR_CALLS);
    expect(connection.edges.length).toBeLessThan(5000);
    expect(connection.edges.length).toBe(connection.windows.reduce((sum: number, window: { users: number }) => sum + window.users, 0));
    expect(connection.pageInfo.hasNextPage).toBe(true);
    // The first page may come from the vendor answer cache (an earlier test read it).
    expect((body.extensions as any).cost.vendorCalls).toEqual({ estimated: PARTNER_USAGE_MAX_VENDOR_CALLS, actual: harness.sims.arrays.hits() });
    expect(harness.sims.arrays.hits()).toBeGreaterThanOrEqual(PARTNER_USAGE_MAX_VENDOR_CALLS - 1);
  });

  it('keeps 20-digit subs exact: the response text carries them as strings', async () => {
    const { body, text } = await harness.query<any>(PAGE, { first: 2000 });
    const subs: string[] = body.data.partnerUsage.edges.map((edge: any) => edge.node.sub);
    const long = subs.filter((sub) => sub.length === 20);
    expect(long.length).toBeGreaterThan(0);
    for (const sub of long.slice(0, 20)) expect(text).toContain(`"sub":"${sub}"`);
    expect(long.some((sub) => BigInt(sub) > BigInt(Number.MAX_SAFE_INTEGER))).toBe(true);
  });

  const base64url = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  const own = (parts: unknown[]) => base64url(['arrays.partnerUsage.1', ...parts]);

  it.each([
    ['first: 0', { first: 0 }, /first must be between 1 and 5000 \(edges\); got 0/],
    ['first: 5001', { first: 5001 }, /first must be between 1 and 5000 \(edges\); got 5001/],
    ['entriesPerVendorCall: 0', { entries: 0 }, /entriesPerVendorCall must be between 1 and 5000/],
    ['entriesPerVendorCall: 5001', { entries: 5001 }, /entriesPerVendorCall must be between 1 and 5000/],
    ['a string that is no cursor', { after: 'not-a-cursor' }, /after must be an edge cursor or pageInfo.endCursor of partnerUsage, or a stream position/],
    ['a non-canonical stream id', { after: '01-0' }, /after must be an edge cursor/],
    ['base64url of something else', { after: base64url({ offset: 10 }) }, /after must be an edge cursor/],
    ['a partnerUsers cursor', { after: base64url(['CALLS', null, null, 12, '1234567890123456789']) }, /after is a cursor of partnerUsers/],
    ['an index past its rows', { after: own(['0', 1000, '1-0', 7, 7]) }, /after must be an edge cursor/],
    ['a window that ends before it starts', { after: own(['5-0', 1000, '1-0', 0, 3]) }, /after must be an edge cursor/],
    ['a count Arrays refuses', { after: own(['0', 9000, '1-0', 0, 3]) }, /after must be an edge cursor/],
  ])('refuses %s with BAD_USER_INPUT before any vendor call', async (_name, variables, message) => {
    const { body } = await harness.query<any>(PAGE, variables);
    expect(body.data.partnerUsage).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]!.message).toMatch(message);
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', provider: 'ARRAYS' });
    expect((body.extensions as any).cost.vendorCalls).toEqual({ estimated: 0, actual: 0 });
    expect(harness.sims.arrays.hits()).toBe(0);
  });

  it('a real cursor with one character changed is refused, not read', async () => {
    const { body } = await harness.query<any>(PAGE, { first: 3 });
    const cursor: string = body.data.partnerUsage.edges[1].cursor;
    const tampered = `${cursor.slice(0, -1)}${cursor.endsWith('A') ? 'B' : 'A'}`;
    const refused = await harness.query<any>(PAGE, { after: tampered });
    expect(refused.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

/** The vendor answer cache of a gateway that can lose what it kept, as another instance of a fleet has never had it. */
class ForgetfulCache implements UpstreamCache {
  private kept = new MemoryCache();
  forget(): void {
    this.kept = new MemoryCache();
  }
  get(key: string, now: number): Promise<CacheEntry | undefined> {
    return this.kept.get(key, now);
  }
  set(key: string, entry: CacheEntry, options: CacheWriteOptions): Promise<void> {
    return this.kept.set(key, entry, options);
  }
}

describe('partnerUsage at the head of a growing stream', () => {
  let harness: Harness;
  let cache: ForgetfulCache;
  beforeEach(async () => {
    cache = new ForgetfulCache();
    // Two full vendor pages of 1000 entries and a head page of 500.
    harness = await startHarness({ simulators: { arrays: { entries: 2500, subs: 300 } }, cache });
  });
  afterEach(async () => {
    await harness.close();
  });

  /** The edges of `edges` from the vendor window starting after `fromCursor`. */
  const fromWindow = (edges: Edge[], fromCursor: string) =>
    edges.filter((edge) => (parseAfter(edge.cursor) as { edge: { fromCursor: string } }).edge.fromCursor === fromCursor);

  it('cuts a head page to first in one vendor call; its cursors stay valid when the head grows, read from the page as it was', async () => {
    const sim = harness.sims.arrays;
    const headStart = sim.entry(1999).id;
    const headPage = await vendorPage(sim, headStart, 1000);
    expect(headPage.rows.length).toBeGreaterThan(10);
    const before = sim.hits();
    const { body } = await harness.query<any>(PAGE, { first: 10, after: headStart });
    const connection = body.data.partnerUsage;
    // The head page (500 entries, more than 10 users): one vendor call, its first 10 rows.
    expect(sim.hits() - before).toBe(1);
    expect(connection.windows.map((window: any) => [window.fromCursor, window.nextCursor, window.hasMore])).toEqual([[headStart, sim.entry(2499).id, false]]);
    const rowOf = ({ node: { sub, calls, discoveries, tweets } }: Edge) => ({ sub, calls, discoveries, tweets });
    expect(connection.edges.map(rowOf)).toEqual(headPage.rows.slice(0, 10));
    expect(connection.pageInfo.hasNextPage).toBe(true);
    sim.append(300);
    // The rest of that page as it was read, from the vendor answer cache: no vendor call.
    const kept = await harness.query<any>(PAGE, { first: headPage.rows.length - 10, after: connection.edges[9].cursor });
    expect(sim.hits() - before).toBe(1);
    expect(kept.body.data.partnerUsage.edges.map(rowOf)).toEqual(headPage.rows.slice(10));
    const rest = await pageAll(harness, { first: 7 }, connection.edges[9].cursor);
    expect(rest.edges.slice(0, headPage.rows.length - 10)).toEqual(kept.body.data.partnerUsage.edges);
    // And from its end, on to the grown head, exactly: the windows tile the grown stream.
    expect(new Set([...connection.edges, ...rest.edges].map((edge: Edge) => edge.cursor)).size).toBe(connection.edges.length + rest.edges.length);
    expect(totalsOf([...connection.edges, ...rest.edges])).toEqual(totalsOf((await pageAll(harness, { first: 5000 }, headStart)).edges));
    const windowEnds = new Set([...connection.edges, ...rest.edges].map((edge: Edge) => (parseAfter(edge.cursor) as { edge: { windowEnd: string } }).edge.windowEnd));
    expect(windowEnds.has(sim.entry(2499).id)).toBe(true);
    expect(windowEnds.has(sim.entry(sim.length - 1).id)).toBe(true);
  });

  it('pages to the head; after an append the endCursor continues exactly, and a middle cursor of the grown head page is refused as stale', async () => {
    const sim = harness.sims.arrays;
    const before = await pageAll(harness, { first: 5000 });
    await expectExactlyTheVendorRows(sim, before.edges);
    const headStart = sim.entry(1999).id;
    const head = fromWindow(before.edges, headStart);
    expect(head.length).toBeGreaterThan(2);
    // The head page was not cut: it is the last window, whole.
    expect(before.edges.slice(-head.length)).toEqual(head);
    const endCursor = before.edges.at(-1)!.cursor;
    const middle = head[Math.floor(head.length / 2)]!;

    // Before the stream grows, a middle cursor of the head page continues exactly.
    const unchanged = await harness.query<any>(PAGE, { first: 5000, after: middle.cursor });
    expect(unchanged.body.data.partnerUsage.edges).toEqual(head.slice(head.indexOf(middle) + 1));
    expect(unchanged.body.data.partnerUsage.pageInfo.hasNextPage).toBe(false);
    // At the head with nothing new: no edges; the client polls again later with the endCursor it had.
    const idle = await harness.query<any>(PAGE, { after: endCursor });
    expect(idle.body.data.partnerUsage).toMatchObject({ edges: [], pageInfo: { hasNextPage: false, startCursor: null, endCursor: null } });

    sim.append(1200);
    const continued = await pageAll(harness, { first: 5000 }, endCursor);
    expect(continued.edges.length).toBeGreaterThan(0);
    await expectExactlyTheVendorRows(sim, continued.edges, sim.entry(2499).id);
    // Everything before plus everything after is the grown stream, exactly, every cursor distinct.
    expect(totalsOf([...before.edges, ...continued.edges])).toEqual(sumStream(sim));
    expect(new Set([...before.edges, ...continued.edges].map((edge) => edge.cursor)).size).toBe(before.edges.length + continued.edges.length);

    // The gateway still has the head page as it read it: the middle cursor continues exactly.
    const rest = head.slice(head.indexOf(middle) + 1);
    const kept = await harness.query<any>(PAGE, { first: rest.length, after: middle.cursor });
    expect(kept.body.data.partnerUsage.edges).toEqual(rest);
    // A gateway that does not have it (another instance, or after its cache let it go) cannot
    // tell where the rows after that cursor were in the grown page.
    cache.forget();
    const stale = await harness.query<any>(PAGE, { after: middle.cursor });
    expect(stale.body.data.partnerUsage).toBeNull();
    const [error] = stale.body.errors!;
    expect(error!.extensions).toEqual({ code: 'PARTNER_USAGE_CURSOR_STALE', provider: 'ARRAYS', restartAfter: headStart });
    expect(error!.message).toMatch(/grown since it was read.*Page again with after: "/);
    // The advice works: from the page's start, the grown head window and on, exactly.
    const restarted = await pageAll(harness, { first: 5000 }, headStart);
    await expectExactlyTheVendorRows(sim, restarted.edges, headStart);
  });
});
