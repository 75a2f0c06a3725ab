import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LedgerConflictError } from '../../src/ledger/errors.js';
import { FileLedgerStore } from '../../src/ledger/file-store.js';
import { PgLedgerStore } from '../../src/ledger/postgres/pg-store.js';
import type { LedgerCommit, LedgerStore } from '../../src/ledger/store.js';
import type { PartnerUsage } from '../../src/usage/model.js';
import { postgresInstalled, postgresSuite, startPostgres, type PostgresServer } from '../support/postgres-server.js';
import { openLeadingStore } from './pg-support.js';
import { tempDir } from '../support/temp-dir.js';
import { eventually } from '../support/eventually.js';

/**
 * What every LedgerStore must do, run against the file store and the PostgreSQL store alike:
 * commit and read back, the cursor guard, orders (SUB in UTF-16 code-unit order, 20-digit
 * near-twins), keyset pages, day ranges and daily series, counters past 2^31 and up to 2^53 - 1.
 */

const NOV_1 = Date.UTC(2026, 10, 1);
const HOUR = 3_600_000;
const DAY = 86_400_000;

function user(sub: string, calls: number, tweets = 0, endpoint = '/v1/x/search'): PartnerUsage {
  return { sub, calls, discoveries: 0, tweets, byEndpoint: [{ endpoint, calls, discoveries: 0, tweets }] };
}

function page(i: number, users: PartnerUsage[]): LedgerCommit {
  return { cursorBefore: i === 0 ? '0' : `${NOV_1 + (i - 1) * HOUR}-0`, cursorAfter: `${NOV_1 + i * HOUR}-0`, entries: 10, users };
}

interface Subject {
  /** A store that may commit. */
  writer(): Promise<LedgerStore>;
  /** Another view of the same ledger (a restart, another instance): what it sees once consistent. */
  reader(): Promise<LedgerStore>;
  /** Resolves once `reader` sees `writer`'s commits. */
  settle(reader: LedgerStore, writer: LedgerStore): Promise<void>;
}

function contract(name: string, subject: () => Subject) {
  describe(name, () => {
    it('keeps the cursor and the totals it produced, for another view of the ledger too', async () => {
      const s = subject();
      const store = await s.writer();
      await store.commit(page(0, [user('a', 1, 5), user('b', 2)]));
      await store.commit(page(1, [user('a', 3, 1, '/v1/x/user')]));
      const other = await s.reader();
      await s.settle(other, store);
      for (const view of [store, other]) {
        expect(await view.position()).toMatchObject({ startCursor: '0', cursor: page(1, []).cursorAfter, entries: 20, pages: 2, users: 2 });
        const [a, b, nobody] = await view.getUsers(['a', 'b', 'c']);
        expect(a).toMatchObject({ sub: 'a', calls: 4, tweets: 6, firstSeenAt: new Date(NOV_1), lastSeenAt: new Date(NOV_1 + HOUR) });
        expect(a!.byEndpoint.map((e) => [e.endpoint, e.calls])).toEqual([['/v1/x/search', 1], ['/v1/x/user', 3]]);
        expect(b).toMatchObject({ calls: 2 });
        expect(nobody).toBeNull();
      }
    });

    it('refuses a commit that does not start at the committed cursor, and one that would pass 2^53 - 1, leaving no trace', async () => {
      const store = await subject().writer();
      await store.commit(page(0, [user('a', Number.MAX_SAFE_INTEGER - 1)]));
      await expect(store.commit(page(2, [user('b', 1)]))).rejects.toBeInstanceOf(LedgerConflictError);
      await expect(store.commit(page(2, [user('b', 1)]))).rejects.toMatchObject({ code: 'LEDGER_CONFLICT' });
      await expect(store.commit(page(1, [user('b', 1), user('a', 5)]))).rejects.toMatchObject({ code: 'LEDGER_BAD_PAGE' });
      expect(await store.position()).toMatchObject({ pages: 1, users: 1 });
      expect(await store.getUsers(['a', 'b'])).toMatchObject([{ calls: Number.MAX_SAFE_INTEGER - 1 }, null]);
      await store.commit(page(1, [user('b', 1)]));
      expect(await store.position()).toMatchObject({ pages: 2, users: 2 });
    });

    it('keeps counters past 2^31 exact, through a second view', async () => {
      const s = subject();
      const store = await s.writer();
      const big = 2 ** 31 + 7;
      await store.commit(page(0, [user('a', big, 2 ** 40)]));
      await store.commit(page(1, [user('a', big)]));
      const other = await s.reader();
      await s.settle(other, store);
      for (const view of [store, other]) {
        const [a] = await view.getUsers(['a']);
        expect(a).toMatchObject({ calls: 2 * big, tweets: 2 ** 40 });
        expect(a!.byEndpoint[0]).toMatchObject({ calls: 2 * big });
        expect((await view.getDaily([{ sub: 'a', sinceDay: null, untilDay: null }]))[0]).toEqual([{ day: NOV_1 / DAY, calls: 2 * big, discoveries: 0, tweets: 2 ** 40 }]);
      }
    });

    it('lists users in each order with exact 20-digit near-twins, pages by cursor, and sums day ranges', async () => {
      const s = subject();
      const store = await s.writer();
      const twinA = '12345678901234567890';
      const twinB = '12345678901234567891';
      await store.commit(page(0, [user(twinB, 5, 1), user(twinA, 5, 2), user('100003', 2, 9)]));
      // A second day: only twinA and 100003 use it.
      await store.commit({ cursorBefore: page(0, []).cursorAfter, cursorAfter: `${NOV_1 + 30 * HOUR}-0`, entries: 1, users: [user(twinA, 1), user('100003', 7)] });
      const other = await s.reader();
      await s.settle(other, store);
      for (const view of [store, other]) {
        const subs = async (orderBy: 'CALLS' | 'TWEETS' | 'SUB', range: { sinceDay: number | null; untilDay: number | null } | null = null) =>
          (await view.listUsers({ orderBy, first: 10, after: null, range })).users.map((u) => [u.user.sub, u.counts.calls]);
        expect(await subs('SUB')).toEqual([['100003', 9], [twinA, 6], [twinB, 5]]);
        expect(await subs('CALLS')).toEqual([['100003', 9], [twinA, 6], [twinB, 5]]);
        expect(await subs('TWEETS')).toEqual([['100003', 9], [twinA, 6], [twinB, 5]]);
        const day1 = NOV_1 / DAY;
        expect(await subs('CALLS', { sinceDay: day1, untilDay: day1 + 1 })).toEqual([[twinA, 5], [twinB, 5], ['100003', 2]]);
        expect(await subs('CALLS', { sinceDay: day1 + 1, untilDay: null })).toEqual([['100003', 7], [twinA, 1]]);
        const first = await view.listUsers({ orderBy: 'CALLS', first: 1, after: null, range: null });
        expect(first).toMatchObject({ totalCount: 3, hasNextPage: true });
        const rest = await view.listUsers({ orderBy: 'CALLS', first: 5, after: first.users[0]!.position, range: null });
        expect(rest.users.map((u) => u.user.sub)).toEqual([twinA, twinB]);
        expect(rest.hasNextPage).toBe(false);
        // Dense daily series, zero days included, UTC days.
        const [series] = await view.getDaily([{ sub: twinB, sinceDay: day1 - 1, untilDay: day1 + 2 }]);
        expect(series!.map((d) => [d.day - day1, d.calls])).toEqual([[-1, 0], [0, 5], [1, 0]]);
      }
    });

    it('orders SUB by UTF-16 code units, non-ASCII subs included (not by UTF-8 bytes)', async () => {
      const s = subject();
      const store = await s.writer();
      // By code units: 'a' < 'é' (U+00E9) < U+10000 (surrogates D800 DC00) < U+FFFF. By UTF-8 bytes U+FFFF (EF BF BF) would sort before U+10000 (F0 …).
      const subs = ['\uFFFF', '\u{10000}', 'é', 'a'];
      await store.commit(page(0, subs.map((sub) => user(sub, 1))));
      const other = await s.reader();
      await s.settle(other, store);
      for (const view of [store, other]) {
        const listed = (await view.listUsers({ orderBy: 'SUB', first: 10, after: null, range: null })).users.map((u) => u.user.sub);
        expect(listed).toEqual(['a', 'é', '\u{10000}', '\uFFFF']);
        expect(listed).toEqual([...subs].sort());
      }
    });
  });
}

contract('FileLedgerStore (the LedgerStore contract)', () => {
  let dir = '';
  // Cleanups run last first: each store closes before its directory goes.
  const opened = (store: LedgerStore) => {
    afterEachCleanup.push(() => store.close());
    return store;
  };
  return {
    async writer() {
      const made = await tempDir('ledger-test-');
      dir = made.dir;
      afterEachCleanup.push(made.cleanup);
      return opened(await FileLedgerStore.open({ dir }));
    },
    async reader() {
      return opened(await FileLedgerStore.open({ dir, readOnly: true }));
    },
    // A read-only file store sees the ledger as it was when it opened, which is after the writer's commits here.
    settle: async () => undefined,
  };
});

const afterEachCleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of afterEachCleanup.splice(0).reverse()) await cleanup();
});

describe.skipIf(!postgresInstalled)(postgresSuite('PgLedgerStore against a real PostgreSQL server'), () => {
  let server: PostgresServer;
  let databases = 0;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  contract('PgLedgerStore (the LedgerStore contract)', () => {
    let url = '';
    return {
      async writer() {
        url = await server.createDatabase(`contract_${++databases}`);
        const leading = await openLeadingStore(url);
        afterEachCleanup.push(() => leading.close());
        return leading.store;
      },
      async reader() {
        const store = await PgLedgerStore.open({ url, password: null });
        afterEachCleanup.push(() => store.close());
        return store;
      },
      async settle(reader, writer) {
        const want = (await writer.position()).pages;
        await eventually(async () => (await reader.position()).pages === want, { withinMs: 5000, everyMs: 10, what: 'the replica to catch up' });
      },
    };
  });

  it('stores bigint counters in the database exactly, and a second leader\'s late commit is refused by the cursor guard', async () => {
    const url = await server.createDatabase(`guard_${++databases}`);
    const first = await openLeadingStore(url);
    afterEachCleanup.push(() => first.close());
    await first.store.commit(page(0, [user('a', 2 ** 31 + 1)]));
    const raw = new pg.Client({ connectionString: url });
    await raw.connect();
    try {
      const { rows } = await raw.query<{ calls: string }>('SELECT calls::text AS calls FROM ledger_users WHERE sub = $1', ['a']);
      expect(rows).toEqual([{ calls: String(2 ** 31 + 1) }]);
    } finally {
      await raw.end();
    }
    // A deposed leader that still believes it leads (its replica never saw the new commit): the
    // database refuses its page, LEDGER_CONFLICT, and counts nothing twice.
    const stale = await PgLedgerStore.open({ url, password: null, refreshMs: 60_000 });
    afterEachCleanup.push(() => stale.close());
    await first.store.commit(page(1, [user('a', 1)]));
    const staleLock = new pg.Client({ connectionString: url });
    await staleLock.connect();
    afterEachCleanup.push(() => staleLock.end());
    stale.lead(staleLock);
    // It catches its replica up inside the transaction, so its page from the old cursor conflicts.
    await expect(stale.commit(page(1, [user('a', 100)]))).rejects.toMatchObject({ code: 'LEDGER_CONFLICT' });
    await first.store.commit(page(2, [user('a', 1)]));
    expect((await first.store.getUsers(['a']))[0]?.calls).toBe(2 ** 31 + 3);
  });

  it('brings a replica within 2 s of each commit (LISTEN/NOTIFY); measured', async () => {
    const url = await server.createDatabase(`notify_${++databases}`);
    const writer = await openLeadingStore(url);
    afterEachCleanup.push(() => writer.close());
    // A poll far slower than the bound: only the notification can meet it.
    const reader = await PgLedgerStore.open({ url, password: null, refreshMs: 60_000 });
    afterEachCleanup.push(() => reader.close());
    const delays: number[] = [];
    for (let i = 0; i < 20; i++) {
      await writer.store.commit(page(i, [user(`u${i % 3}`, i + 1)]));
      const committed = performance.now();
      await eventually(async () => (await reader.position()).pages === i + 1, { withinMs: 2000, everyMs: 10, what: `the replica to see commit ${i + 1} within 2 s` });
      delays.push(performance.now() - committed);
    }
    delays.sort((a, b) => a - b);
    console.log(`replica delay after commit over 20 commits: median ${delays[10]!.toFixed(1)} ms, max ${delays[19]!.toFixed(1)} ms`);
    expect((await reader.getUsers(['u0']))[0]?.calls).toBe((await writer.store.getUsers(['u0']))[0]?.calls);
  });

  it('reloads a replica whose missing commits were pruned, and serves the last good totals while the database is down', async () => {
    const url = await server.createDatabase(`prune_${++databases}`);
    const writer = await openLeadingStore(url, { pageRetention: 1 });
    afterEachCleanup.push(() => writer.close());
    const reader = await PgLedgerStore.open({ url, password: null, refreshMs: 60_000 });
    afterEachCleanup.push(() => reader.close());
    // Deaf to notifications: it falls behind by more than the one retained commit.
    (reader as unknown as { refresh: () => Promise<void> }).refresh = async () => undefined;
    for (let i = 0; i < 101; i++) await writer.store.commit(page(i, [user('a', 1)]));
    delete (reader as unknown as { refresh?: unknown }).refresh;
    await reader.refresh();
    expect(await reader.position()).toMatchObject({ pages: 101 });
    expect((await reader.getUsers(['a']))[0]?.calls).toBe(101);

    await server.stop();
    try {
      await reader.refresh();
      expect(reader.readFailure?.error).toMatchObject({ code: 'LEDGER_STORE_UNAVAILABLE' });
      expect((await reader.getUsers(['a']))[0]?.calls).toBe(101);
      // A leader whose database is gone commits nothing, with a coded error.
      await expect(writer.store.commit(page(101, [user('a', 1)]))).rejects.toMatchObject({ code: 'LEDGER_STORE_UNAVAILABLE' });
    } finally {
      await server.start();
    }
    await eventually(async () => {
      await reader.refresh();
      return reader.readFailure === null;
    }, { withinMs: 10_000, everyMs: 10, what: 'the replica to recover' });
    expect(await reader.position()).toMatchObject({ pages: 101 });
  });
});
