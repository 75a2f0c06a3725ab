import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OPERATION_LIMITS } from '../../src/edge/operation-limits.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { DAY_MS } from '../../src/ledger/utc-day.js';
import type { RunningPartnerLedger } from '../../src/ledger/index.js';
import { createLogger } from '../../src/common/logger.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { type SimulatorHandle } from '../../src/simulators/index.js';
import { type ArraysSimulatorHandle } from '../../src/simulators/arrays.js';
import { startSharpeSimulator } from '../../src/simulators/sharpe.js';
import { UpstreamHttp } from '../../src/upstream/http.js';
import { startLedgerGateway, type LedgerGateway } from './ledger-gateway.js';
import { replayStream, type ExpectedUser } from './stream-replay.fixtures.js';
import { graphqlRequest } from '../support/graphql-request.js';

const logger = createLogger({ level: 'silent' });

async function post(yoga: Gateway, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  return (await graphqlRequest(yoga, { query, variables })).body;
}

const USER = /* GraphQL */ `
  query User($sub: PartnerSub!, $since: Date, $until: Date) {
    partnerUser(sub: $sub) {
      sub calls discoveries tweets firstSeenAt lastSeenAt
      byEndpoint { endpoint calls discoveries tweets }
      daily(since: $since, until: $until) { date start calls discoveries tweets }
    }
  }
`;

const USERS = /* GraphQL */ `
  query Users($first: Int, $after: String, $orderBy: PartnerUserOrder, $since: Date, $until: Date) {
    partnerUsers(first: $first, after: $after, orderBy: $orderBy, since: $since, until: $until) {
      totalCount
      edges { cursor calls discoveries tweets node { sub calls } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

type Field = 'calls' | 'discoveries' | 'tweets';

describe('partner ledger schema', () => {
  let fixture: LedgerGateway;
  let sim: ArraysSimulatorHandle;
  let http: UpstreamHttp;
  let ledger: RunningPartnerLedger;
  let yoga: Gateway;
  let expected: Map<string, ExpectedUser>;

  beforeAll(async () => {
    // 200 aliased lookups in one operation is over the default alias limit; an operator raises it for such batches.
    fixture = await startLedgerGateway({ entries: 5000, subs: 400 }, { edge: { operationLimits: { ...DEFAULT_OPERATION_LIMITS, aliases: 200 } } });
    ({ sim, http, ledger, yoga } = fixture);
    expected = replayStream(sim);
  });
  afterAll(async () => {
    await fixture.close();
  });

  /** Every sub in the order a partnerUsers order must produce, with its counter. */
  function expectedOrder(orderBy: 'CALLS' | 'TWEETS' | 'DISCOVERIES' | 'SUB', counts: (user: ExpectedUser) => Record<Field, number> | null = (u) => u) {
    const field = orderBy.toLowerCase() as Field;
    const rows = [...expected].flatMap(([sub, user]) => {
      const c = counts(user);
      return c === null ? [] : [{ sub, value: orderBy === 'SUB' ? 0 : c[field], counts: c }];
    });
    return rows.sort((a, b) => (a.value !== b.value ? b.value - a.value : a.sub < b.sub ? -1 : a.sub > b.sub ? 1 : 0));
  }

  it('partnerUser answers exact totals, endpoints and a daily series; null for an unknown sub', async () => {
    const [sub, want] = [...expected].find(([, u]) => u.daily.size >= 3)!;
    const body = await post(yoga, USER, { sub });
    expect(body.errors).toBeUndefined();
    const user = body.data.partnerUser;
    expect(user).toMatchObject({ sub, calls: want.calls, discoveries: want.discoveries, tweets: want.tweets });
    expect(user.byEndpoint.map((e: any) => e.endpoint)).toEqual([...want.byEndpoint.keys()].sort());
    const nonZero = user.daily.filter((d: any) => d.calls > 0);
    expect(nonZero.map((d: any) => [d.date, d.calls])).toEqual(
      [...want.daily].sort(([a], [b]) => a - b).map(([day, c]) => [new Date(day * DAY_MS).toISOString().slice(0, 10), c.calls]),
    );
    expect(user.daily[0].start).toBe(user.firstSeenAt.slice(0, 10) + 'T00:00:00.000Z');
    expect((await post(yoga, USER, { sub: '99999999999999999999' })).data.partnerUser).toBeNull();
  });

  it('daily(since, until) is dense over exactly the days asked for, zero days included', async () => {
    const [sub, want] = [...expected].find(([, u]) => u.daily.size >= 2)!;
    const firstDay = Math.min(...want.daily.keys());
    const since = new Date((firstDay - 2) * DAY_MS).toISOString().slice(0, 10);
    const until = new Date((firstDay + 5) * DAY_MS).toISOString().slice(0, 10);
    const { data } = await post(yoga, USER, { sub, since, until });
    expect(data.partnerUser.daily).toHaveLength(7);
    expect(data.partnerUser.daily[0]).toMatchObject({ date: since, start: `${since}T00:00:00.000Z` });
    data.partnerUser.daily.forEach((d: any, i: number) => expect(d.calls).toBe(want.daily.get(firstDay - 2 + i)?.calls ?? 0));
  });

  it('N partnerUser lookups in one operation cost one ledger read', async () => {
    const subs = [...expected.keys()].slice(0, 200);
    const query = `{ ${subs.map((sub, i) => `u${i}: partnerUser(sub: "${sub}") { sub calls daily { calls } }`).join(' ')} }`;
    const before = ledger.store.stats.reads;
    const body = await post(yoga, query);
    expect(body.errors).toBeUndefined();
    subs.forEach((sub, i) => expect(body.data[`u${i}`]).toMatchObject({ sub, calls: expected.get(sub)!.calls }));
    // One read for the 200 users, one for their 200 daily series.
    expect(ledger.store.stats.reads - before).toBe(2);
  });

  it.each(['CALLS', 'TWEETS', 'DISCOVERIES', 'SUB'] as const)('partnerUsers(orderBy: %s) pages through every user in order', async (orderBy) => {
    const seen: { sub: string; value: number }[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const body: any = await post(yoga, USERS, { first: 60, after, orderBy });
      expect(body.errors).toBeUndefined();
      const connection = body.data.partnerUsers;
      expect(connection.totalCount).toBe(expected.size);
      for (const edge of connection.edges) seen.push({ sub: edge.node.sub, value: orderBy === 'SUB' ? 0 : edge[orderBy.toLowerCase()] });
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(expectedOrder(orderBy).map(({ sub, value }) => ({ sub, value })));
    if (orderBy === 'SUB') {
      // The simulator's near-twins: 20-digit subs one last digit apart stay two users, in string order.
      const twins = seen.filter((row, i) => i > 0 && row.sub.length === 20 && row.sub.slice(0, 19) === seen[i - 1]!.sub.slice(0, 19));
      expect(twins.length).toBeGreaterThan(0);
      for (const twin of twins) expect(seen.filter((row) => row.sub === twin.sub)).toHaveLength(1);
    }
  });

  it('partnerUsers(since, until) counts and orders by those UTC days only', async () => {
    const days = [...new Set([...expected.values()].flatMap((u) => [...u.daily.keys()]))].sort((a, b) => a - b);
    const [from, to] = [days[3]!, days[10]!];
    const inRange = (user: ExpectedUser) => {
      const c = { calls: 0, discoveries: 0, tweets: 0 };
      let any = false;
      for (const [day, d] of user.daily) {
        if (day < from || day >= to) continue;
        any = true;
        c.calls += d.calls;
        c.discoveries += d.discoveries;
        c.tweets += d.tweets;
      }
      return any ? c : null;
    };
    const want = expectedOrder('TWEETS', inRange);
    const body = await post(yoga, USERS, { first: 1000, orderBy: 'TWEETS', since: new Date(from * DAY_MS).toISOString().slice(0, 10), until: new Date(to * DAY_MS).toISOString().slice(0, 10) });
    expect(body.errors).toBeUndefined();
    expect(body.data.partnerUsers.totalCount).toBe(want.length);
    expect(want.length).toBeLessThan(expected.size);
    expect(body.data.partnerUsers.edges.map((e: any) => ({ sub: e.node.sub, calls: e.calls, discoveries: e.discoveries, tweets: e.tweets }))).toEqual(
      want.map(({ sub, counts }) => ({ sub, ...counts })),
    );
  });

  it('partnerLedger reports position and health', async () => {
    const body = await post(yoga, '{ partnerLedger { startCursor cursor cursorTime entriesIngested pagesIngested users following caughtUp headCursor lagMs lastPollAt lastCommitAt lastError { code } consecutiveFailures } }');
    expect(body.errors).toBeUndefined();
    const last = sim.entry(sim.length - 1).id;
    expect(body.data.partnerLedger).toMatchObject({
      startCursor: '0',
      cursor: last,
      cursorTime: new Date(Number(last.split('-')[0])).toISOString(),
      entriesIngested: 5000,
      users: expected.size,
      following: true,
      caughtUp: true,
      headCursor: last,
      lagMs: 0,
      lastError: null,
      consecutiveFailures: 0,
    });
    expect(body.data.partnerLedger.pagesIngested).toBeGreaterThanOrEqual(30);
    expect(Date.parse(body.data.partnerLedger.lastPollAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  // The last row is refused only after the sub is looked up (its range is checked against the user), so
  // it is the one row that may read the ledger first; every other row must not.
  it.each([
    [USERS, { first: 0 }, /first must be between 1 and 1000/, true],
    [USERS, { first: 1001 }, /first must be between 1 and 1000/, true],
    [USERS, { after: 'garbage' }, /not a cursor of partnerUsers/, true],
    [USERS, { since: '2026-11-01T00:00:00Z' }, /Date must be a calendar day written YYYY-MM-DD/, true],
    [USERS, { since: '2026-02-30' }, /Date must be a calendar day/, true],
    [USERS, { since: '2026-11-02', until: '2026-11-01' }, /since must be before until/, true],
    [USER, { sub: '' }, /PartnerSub must be 1 to 256 characters/, true],
    [USER, { sub: 12345678901234567890 }, /PartnerSub must be a string/, true],
    [USER, { sub: 'a known sub', since: '2024-01-01', until: '2026-01-01' }, /at most 366 days/, false],
  ])('refuses bad arguments with BAD_USER_INPUT, all but the known-sub range before reading the ledger: %#', async (query, variables, message, beforeReading) => {
    const before = ledger.store.stats.reads;
    const known = 'sub' in variables && variables.sub === 'a known sub' ? { sub: [...expected.keys()][0] } : {};
    const body = await post(yoga, query, { ...variables, ...known });
    expect(body.errors[0].message).toMatch(message);
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    if (beforeReading) expect(ledger.store.stats.reads).toBe(before);
  });

  it('refuses a sub written as a number literal: it would already be rounded', async () => {
    const before = ledger.store.stats.reads;
    const body = await post(yoga, '{ partnerUser(sub: 12345678901234567890) { calls } }');
    expect(body.errors[0].message).toMatch(/PartnerSub must be a string literal/);
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(ledger.store.stats.reads).toBe(before);
  });

  it('refuses a cursor issued for another order', async () => {
    const { data } = await post(yoga, USERS, { first: 1, orderBy: 'CALLS' });
    const body = await post(yoga, USERS, { first: 1, orderBy: 'SUB', after: data.partnerUsers.pageInfo.endCursor });
    expect(body.errors[0]).toMatchObject({ message: expect.stringMatching(/another orderBy/), extensions: { code: 'BAD_USER_INPUT' } });
  });

  describe('without Arrays configured', () => {
    let sharpe: SimulatorHandle;
    afterAll(async () => sharpe?.close());

    it('partnerUser, partnerUsers and partnerLedger answer PROVIDER_NOT_CONFIGURED', async () => {
      sharpe = await startSharpeSimulator();
      const registry = createProviderRegistry({ SHARPE: { baseUrl: sharpe.baseUrl, credential: sharpe.credential, simulated: true } }, http);
      const bare = createGateway({ registry, logger });
      const body = await post(bare, '{ partnerUser(sub: "1") { calls } partnerUsers { totalCount } partnerLedger { cursor } }');
      expect(body.data).toEqual({ partnerUser: null, partnerUsers: null, partnerLedger: null });
      expect(body.errors.map((e: any) => [e.path[0], e.extensions.code, e.extensions.provider])).toEqual(
        expect.arrayContaining([
          ['partnerUser', 'PROVIDER_NOT_CONFIGURED', 'ARRAYS'],
          ['partnerUsers', 'PROVIDER_NOT_CONFIGURED', 'ARRAYS'],
          ['partnerLedger', 'PROVIDER_NOT_CONFIGURED', 'ARRAYS'],
        ]),
      );
    });
  });
});
