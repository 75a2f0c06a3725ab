import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FileHistoryStore } from '../../src/monitoring/file-history-store.js';
import type { HistoryStore, UsageSample } from '../../src/monitoring/history-types.js';
import { PgHistoryStore } from '../../src/monitoring/postgres-history-store.js';
import { postgresInstalled, postgresSuite, startPostgres, type PostgresServer } from '../support/postgres-server.js';
import { DAY, FIVE_MINUTES, YEAR_OF_SAMPLES, keyOf, quotaSample, samplesFrom, tempDataDir } from './support.js';

/**
 * What every HistoryStore must do, run against the embedded file store and the PostgreSQL store
 * alike: ordered range reads, idempotent appends, series listing, retention in whole UTC days,
 * counters up to 2^53 - 1 exact, a year of five-minute samples in one read, and one leader.
 */

const JAN_1 = Date.UTC(2026, 0, 1);
/** The stores' clock: retention (400 days by default) keeps everything these tests write. */
const NOW = Date.UTC(2026, 11, 31);

interface Subject {
  /** A store that leads (writes). */
  writer(): Promise<HistoryStore>;
  /** Another instance on the same history (a restart, another gateway of the fleet). */
  other(): Promise<HistoryStore>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function contract(name: string, subject: () => Subject) {
  describe(name, () => {
    it('reads a series back in time order whatever the order of the appends, by half-open ranges, on another instance too', async () => {
      const s = subject();
      const store = await s.writer();
      const times = [5, 1, 3, 0, 4, 2].map((i) => JAN_1 + i * FIVE_MINUTES);
      await store.append(times.slice(0, 3).map((at) => quotaSample('arrays', 'quota:monthly_requests', at)));
      await store.append(times.slice(3).map((at) => quotaSample('arrays', 'quota:monthly_requests', at)));
      await store.append([quotaSample('arrays', 'rateLimit:remaining', JAN_1)]);
      const other = await s.other();
      for (const view of [store, other]) {
        const all = await view.read({ provider: 'arrays', series: 'quota:monthly_requests' });
        expect(all.map((sample) => (sample.at - JAN_1) / FIVE_MINUTES)).toEqual([0, 1, 2, 3, 4, 5]);
        expect(all[2]).toEqual(quotaSample('arrays', 'quota:monthly_requests', JAN_1 + 2 * FIVE_MINUTES));
        const middle = await view.read({ provider: 'arrays', series: 'quota:monthly_requests', since: JAN_1 + FIVE_MINUTES, until: JAN_1 + 4 * FIVE_MINUTES });
        expect(middle.map((sample) => (sample.at - JAN_1) / FIVE_MINUTES)).toEqual([1, 2, 3]);
        expect(await view.read({ provider: 'arrays', series: 'quota:monthly_requests', since: JAN_1 + 6 * FIVE_MINUTES })).toEqual([]);
        expect(await view.read({ provider: 'arrays', series: 'nothing' })).toEqual([]);
        expect(await view.read({ provider: 'other', series: 'quota:monthly_requests' })).toEqual([]);
      }
    });

    it('records a sample once: a retried batch, duplicates inside a batch and a second instance change nothing', async () => {
      const s = subject();
      const store = await s.writer();
      const batch = samplesFrom('arrays', 'quota:monthly_requests', JAN_1, 50);
      await store.append(batch);
      await store.append(batch);
      // The same keys with other values: the first recorded value stays.
      await store.append([...batch.slice(10, 20).map((sample) => ({ ...sample, used: -1 })), batch[0]!, batch[0]!]);
      const fresh = quotaSample('arrays', 'quota:monthly_requests', JAN_1 + 50 * FIVE_MINUTES);
      await store.append([fresh, fresh, { ...fresh, used: 7 }]);
      const other = await s.other();
      for (const view of [store, other]) {
        const read = await view.read({ provider: 'arrays', series: 'quota:monthly_requests' });
        expect(read).toEqual([...batch, fresh]);
      }
    });

    it('lists the series held, ordered, for one provider or all', async () => {
      const s = subject();
      const store = await s.writer();
      expect(await store.series()).toEqual([]);
      await store.append([
        quotaSample('zeta', 'quota:b', JAN_1),
        quotaSample('arrays', 'rateLimit:remaining', JAN_1),
        quotaSample('arrays', 'period:calls:monthToDate', JAN_1),
        quotaSample('zeta', 'quota:a', JAN_1 + 1),
        quotaSample('arrays', 'rateLimit:remaining', JAN_1 + 1),
      ]);
      const other = await s.other();
      for (const view of [store, other]) {
        expect(await view.series()).toEqual([
          { provider: 'arrays', series: 'period:calls:monthToDate' },
          { provider: 'arrays', series: 'rateLimit:remaining' },
          { provider: 'zeta', series: 'quota:a' },
          { provider: 'zeta', series: 'quota:b' },
        ]);
        expect(await view.series('zeta')).toEqual([
          { provider: 'zeta', series: 'quota:a' },
          { provider: 'zeta', series: 'quota:b' },
        ]);
        expect(await view.series('nobody')).toEqual([]);
      }
    });

    it('prunes whole UTC days that end before the cutoff, keeps the day the cutoff falls in, and drops series left empty', async () => {
      const s = subject();
      const store = await s.writer();
      await store.append([
        quotaSample('arrays', 'old-only', JAN_1 + 3_600_000),
        quotaSample('arrays', 'quota:x', JAN_1),
        quotaSample('arrays', 'quota:x', JAN_1 + DAY - 1),
        quotaSample('arrays', 'quota:x', JAN_1 + DAY),
        quotaSample('arrays', 'quota:x', JAN_1 + DAY + 20 * 3_600_000),
        quotaSample('arrays', 'quota:x', JAN_1 + 2 * DAY),
      ]);
      await store.prune(JAN_1 + DAY + 12 * 3_600_000);
      const other = await s.other();
      for (const view of [store, other]) {
        expect((await view.read({ provider: 'arrays', series: 'quota:x' })).map((sample) => sample.at)).toEqual([
          JAN_1 + DAY,
          JAN_1 + DAY + 20 * 3_600_000,
          JAN_1 + 2 * DAY,
        ]);
        expect(await view.series()).toEqual([{ provider: 'arrays', series: 'quota:x' }]);
      }
      // A cutoff on a midnight drops the day before it whole, and nothing of the day it starts.
      await store.prune(JAN_1 + 2 * DAY);
      expect((await store.read({ provider: 'arrays', series: 'quota:x' })).map((sample) => sample.at)).toEqual([JAN_1 + 2 * DAY]);
    });

    it('keeps counters up to 2^53 - 1, negative ones and nulls exact, through another instance', async () => {
      const s = subject();
      const store = await s.writer();
      const max = Number.MAX_SAFE_INTEGER;
      const samples: UsageSample[] = [
        { provider: 'p', series: 's', at: JAN_1, used: max, limit: max, resetsAt: max },
        { provider: 'p', series: 's', at: JAN_1 + 1, used: -max, limit: null, resetsAt: null },
        { provider: 'p', series: 's', at: JAN_1 + 2, used: 2 ** 31 + 1, limit: 2 ** 40 + 3, resetsAt: null },
        { provider: 'p', series: 's', at: JAN_1 + 3, used: 0, limit: 0, resetsAt: JAN_1 },
      ];
      await store.append(samples);
      const other = await s.other();
      for (const view of [store, other]) expect(await view.read({ provider: 'p', series: 's' })).toEqual(samples);
    });

    it('refuses a batch holding a sample it cannot keep exactly, writing none of it', async () => {
      const store = await subject().writer();
      const good = quotaSample('p', 's', JAN_1);
      for (const bad of [{ ...good, at: JAN_1 + 0.5 }, { ...good, used: 2 ** 53 }, { ...good, limit: Number.NaN }, { ...good, series: '' }]) {
        await expect(store.append([good, bad])).rejects.toMatchObject({ code: 'HISTORY_BAD_SAMPLE' });
      }
      expect(await store.read({ provider: 'p', series: 's' })).toEqual([]);
      expect(store.status().condition).toBe('ok');
    });

    it('answers a year of five-minute samples of a series in one read, exactly, next to another series', async () => {
      const s = subject();
      const store = await s.writer();
      const batch = 10_080; // five weeks
      for (const series of ['quota:monthly_requests', 'rateLimit:remaining']) {
        for (let from = 0; from < YEAR_OF_SAMPLES; from += batch) {
          await store.append(samplesFrom('arrays', series, JAN_1 + from * FIVE_MINUTES, Math.min(batch, YEAR_OF_SAMPLES - from)));
        }
      }
      const other = await s.other();
      for (const view of [store, other]) {
        const year = await view.read({ provider: 'arrays', series: 'quota:monthly_requests', since: JAN_1, until: JAN_1 + 365 * DAY });
        expect(year.length).toBe(YEAR_OF_SAMPLES);
        expect(year[0]).toEqual(quotaSample('arrays', 'quota:monthly_requests', JAN_1));
        expect(year[YEAR_OF_SAMPLES - 1]).toEqual(quotaSample('arrays', 'quota:monthly_requests', JAN_1 + (YEAR_OF_SAMPLES - 1) * FIVE_MINUTES));
        let ordered = true;
        for (let i = 1; i < year.length; i++) ordered &&= year[i]!.at - year[i - 1]!.at === FIVE_MINUTES;
        expect(ordered).toBe(true);
        expect(new Set(year.map(keyOf)).size).toBe(YEAR_OF_SAMPLES);
      }
    }, 120_000);

    it('lets one instance lead at a time; once the leader closes, another leads', async () => {
      const s = subject();
      const first = await s.writer();
      const second = await s.other();
      expect(first.isLeader).toBe(true);
      expect(await second.tryLead()).toBe(false);
      expect(second.isLeader).toBe(false);
      expect(await first.tryLead()).toBe(true);
      expect(first.status().leader).toBe(true);
      await first.close();
      expect(first.isLeader).toBe(false);
      // Two attempts at once from one instance: one attempt, and both see it win.
      expect(await Promise.all([second.tryLead(), second.tryLead()])).toEqual([true, true]);
      expect(second.status()).toMatchObject({ leader: true, condition: 'ok' });
    });
  });
}

contract('FileHistoryStore (the HistoryStore contract)', () => {
  let dataDir = '';
  const open = async () => {
    // The shortest lock timing proper-lockfile allows: a refusal of a live holder comes within a second.
    const store = await FileHistoryStore.open({ dataDir, now: () => NOW, lock: { staleMs: 2000, updateMs: 1000 } });
    cleanups.push(() => store.close());
    return store;
  };
  return {
    async writer() {
      const made = await tempDataDir();
      dataDir = made.dir;
      cleanups.push(made.cleanup);
      const store = await open();
      expect(await store.tryLead()).toBe(true);
      return store;
    },
    other: open,
  };
});

describe.skipIf(!postgresInstalled)(postgresSuite('PgHistoryStore against a real PostgreSQL server'), () => {
  let server: PostgresServer;
  let databases = 0;
  beforeAll(async () => {
    server = await startPostgres('history');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  contract('PgHistoryStore (the HistoryStore contract)', () => {
    let url = '';
    const open = async () => {
      const store = await PgHistoryStore.open({ url, password: null, now: () => NOW });
      cleanups.push(() => store.close());
      return store;
    };
    return {
      async writer() {
        url = await server.createDatabase(`contract_${++databases}`);
        const store = await open();
        expect(await store.tryLead()).toBe(true);
        return store;
      },
      other: open,
    };
  });
});
