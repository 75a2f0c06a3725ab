import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sumStream } from '../../src/simulators/arrays.js';
import { startHarness, type Harness } from '../support/harness.js';

const PAGE = /* GraphQL */ `
  query Page($first: Int, $after: String) {
    partnerUsage(first: $first, after: $after) {
      edges { cursor node { sub calls discoveries tweets byEndpoint { endpoint calls discoveries tweets } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      windows { fromCursor nextCursor hasMore users upstreamRequestId }
    }
  }
`;

describe('partnerUsage', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ simulators: { arrays: { entries: 12_000, subs: 700 } } });
  });
  afterAll(async () => {
    await harness.close();
  });
  beforeEach(() => harness.sims.arrays.resetHits());

  it('chains vendor pages past 5000 and, followed to the end, sums exactly to the stream', async () => {
    const totals = new Map<string, { calls: number; discoveries: number; tweets: number }>();
    let after = '0';
    let requests = 0;
    for (;;) {
      const { body } = await harness.query<any>(PAGE, { first: 7000, after });
      expect(body.errors).toBeUndefined();
      requests += 1;
      for (const { node } of body.data.partnerUsage.edges) {
        const sum = totals.get(node.sub) ?? { calls: 0, discoveries: 0, tweets: 0 };
        sum.calls += node.calls;
        sum.discoveries += node.discoveries;
        sum.tweets += node.tweets;
        totals.set(node.sub, sum);
        expect(typeof node.sub).toBe('string');
      }
      if (!body.data.partnerUsage.pageInfo.hasNextPage) break;
      after = body.data.partnerUsage.pageInfo.endCursor;
    }
    expect(requests).toBe(2);
    // 12,000 entries = 5000 + 2000 in the first operation, 5000 in the second: three vendor calls.
    expect(harness.sims.arrays.hits()).toBe(3);
    const expected = sumStream(harness.sims.arrays);
    expect(totals.size).toBe(expected.size);
    for (const [sub, sum] of expected) expect(totals.get(sub)).toEqual(sum);
  });

  it('keeps 20-digit subs exact: the response text carries them as strings', async () => {
    const { body, text } = await harness.query<any>(PAGE, { first: 5000 });
    const subs: string[] = body.data.partnerUsage.edges.map((edge: any) => edge.node.sub);
    const long = subs.filter((sub) => sub.length === 20);
    expect(long.length).toBeGreaterThan(0);
    for (const sub of long.slice(0, 20)) expect(text).toContain(`"sub":"${sub}"`);
    expect(long.some((sub) => BigInt(sub) > BigInt(Number.MAX_SAFE_INTEGER))).toBe(true);
  });

  it('pageInfo and windows describe the vendor cursors', async () => {
    const { body } = await harness.query<any>(PAGE, { first: 10 });
    const connection = body.data.partnerUsage;
    expect(connection.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, startCursor: '0' });
    expect(connection.pageInfo.endCursor).toBe(harness.sims.arrays.entry(9).id);
    expect(connection.windows).toHaveLength(1);
    expect(connection.windows[0]).toMatchObject({ fromCursor: '0', nextCursor: harness.sims.arrays.entry(9).id, hasMore: true });
    for (const edge of connection.edges) expect(edge.cursor).toBe(connection.pageInfo.endCursor);
  });

  it.each([
    [{ first: 0 }, /first must be between 1 and 50000/],
    [{ first: 50_001 }, /first must be between 1 and 50000/],
    [{ after: 'not-a-cursor' }, /after must be 0 or a stream cursor/],
  ])('rejects %j before any vendor call', async (variables, message) => {
    const { body } = await harness.query<any>(PAGE, variables);
    expect(body.data.partnerUsage).toBeNull();
    expect(body.errors![0]!.message).toMatch(message);
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', provider: 'ARRAYS' });
    expect(harness.sims.arrays.hits()).toBe(0);
  });
});
