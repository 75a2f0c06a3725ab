import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventIdentity, type AlertStore } from '../../../src/monitoring/alerts/alert-store.js';
import { ALERT_FILES, FileAlertStore } from '../../../src/monitoring/alerts/file-alert-store.js';
import { PgAlertStore } from '../../../src/monitoring/alerts/postgres-alert-store.js';
import { alertKey, type AlertEvent } from '../../../src/usage/alert-evaluation.js';
import { postgresInstalled, postgresSuite, startPostgres, type PostgresServer } from '../../support/postgres-server.js';
import { tempDataDir } from '../support.js';

/**
 * What every alert store must do, against the embedded files and PostgreSQL alike: one event per
 * (key, kind) whoever records it, pages after a cursor, the firing set, the evaluator's state, and
 * retention that keeps what is firing and never gives a cursor twice.
 * Two writers at once are a PostgreSQL matter: the embedded store's one writer is the instance
 * leading the usage history (its lock guards DATA_DIR).
 */

const NOW = Date.UTC(2026, 4, 1);
const DAY = 86_400_000;
/** When the stores opened below record an event; tests of retention move it. */
let now = NOW;

function event(threshold: number, kind: AlertEvent['kind'] = 'FIRED', provider = 'SHARPE'): AlertEvent {
  return {
    key: alertKey(`utilization-${threshold}`, 'quota:monthly_requests', threshold, 0, 1000),
    ruleId: `utilization-${threshold}`,
    provider: provider as AlertEvent['provider'],
    series: 'quota:monthly_requests',
    threshold,
    period: 0,
    limit: 1000,
    kind,
    ...(kind === 'RESOLVED' ? { reason: 'PERIOD_RESET' as const } : {}),
    at: NOW,
    value: threshold * 10,
  };
}

interface Subject {
  /** A fresh store. */
  first(): Promise<AlertStore>;
  /** Another instance on the same store (a restart, another gateway of the fleet). */
  other(): Promise<AlertStore>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  now = NOW;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function contract(name: string, subject: () => Subject) {
  describe(name, () => {
    it('records an event once per (key, kind): a retry, a duplicate in the batch and another instance record nothing again', async () => {
      const s = subject();
      const store = await s.first();
      const recorded = await store.record([event(80), event(100), event(80)]);
      expect(recorded.map((e) => e.threshold)).toEqual([80, 100]);
      expect(Number(recorded[1]!.cursor)).toBeGreaterThan(Number(recorded[0]!.cursor));
      expect(recorded[0]).toMatchObject({ ...event(80), recordedAt: NOW });
      expect(await store.record([event(80), event(100)])).toEqual([]);
      const other = await s.other();
      expect(await other.record([event(100), event(80, 'RESOLVED')])).toMatchObject([{ threshold: 80, kind: 'RESOLVED' }]);
      for (const view of [store, other]) {
        const page = await view.list({ after: null, first: 10 });
        expect(page.events.map((e) => [e.threshold, e.kind])).toEqual([
          [80, 'FIRED'],
          [100, 'FIRED'],
          [80, 'RESOLVED'],
        ]);
        expect(await view.stored([event(80), event(100, 'RESOLVED')])).toEqual(new Set([eventIdentity(event(80))]));
      }
    });

    it('pages after a cursor, oldest first, by provider, and refuses a cursor or size it never gives', async () => {
      const store = await subject().first();
      await store.record([event(10), event(20, 'FIRED', 'FARADAY'), event(30), event(40), event(50, 'FIRED', 'FARADAY')]);
      const first = await store.list({ after: null, first: 2 });
      expect(first.events.map((e) => e.threshold)).toEqual([10, 20]);
      expect(first.hasMore).toBe(true);
      const rest = await store.list({ after: first.events[1]!.cursor, first: 10 });
      expect(rest).toMatchObject({ hasMore: false });
      expect(rest.events.map((e) => e.threshold)).toEqual([30, 40, 50]);
      const faraday = await store.list({ after: null, first: 10, provider: 'FARADAY' });
      expect(faraday.events.map((e) => e.threshold)).toEqual([20, 50]);
      expect(await store.list({ after: rest.events[2]!.cursor, first: 1 })).toEqual({ events: [], hasMore: false });
      for (const bad of [{ after: 'x', first: 1 }, { after: null, first: 0 }, { after: null, first: 1001 }, { after: '-1', first: 5 }]) {
        await expect(store.list(bad)).rejects.toMatchObject({ code: 'ALERT_QUERY_INVALID' });
      }
    });

    it('says what is firing: the FIRED events no RESOLVED event of their key follows', async () => {
      const s = subject();
      const store = await s.first();
      expect(await store.firing()).toEqual([]);
      await store.record([event(80), event(90), event(100)]);
      await store.record([event(90, 'RESOLVED')]);
      const other = await s.other();
      for (const view of [store, other]) expect((await view.firing()).map((e) => e.threshold)).toEqual([80, 100]);
    });

    it("keeps the evaluator's state, replaced by each save, for another instance too", async () => {
      const s = subject();
      const store = await s.first();
      expect(await store.loadState()).toBeNull();
      await store.saveState({ version: 1, big: Number.MAX_SAFE_INTEGER, nested: { a: [1, 'b', null] } });
      await store.saveState({ version: 1, second: true });
      expect(await store.loadState()).toEqual({ version: 1, second: true });
      expect(await (await s.other()).loadState()).toEqual({ version: 1, second: true });
    });

    it('prunes the events recorded before a time except those of alerts still firing; a page after a pruned cursor starts at the oldest kept', async () => {
      const s = subject();
      const store = await s.first();
      const reader = await s.other();
      const old = await store.record([event(10), event(20), event(30), event(10, 'RESOLVED')]);
      now = NOW + 2 * DAY;
      await store.record([event(20, 'RESOLVED'), event(40)]);
      const [fired10, fired20] = old;
      // The reader has read them all before the prune.
      expect((await reader.list({ after: null, first: 10 })).events.length).toBe(6);
      await store.prune(NOW + DAY);
      const expected = [
        [30, 'FIRED'],
        [20, 'RESOLVED'],
        [40, 'FIRED'],
      ];
      for (const view of [store, reader, await s.other()]) {
        expect((await view.list({ after: null, first: 10 })).events.map((e) => [e.threshold, e.kind])).toEqual(expected);
        expect((await view.list({ after: fired10!.cursor, first: 10 })).events.map((e) => [e.threshold, e.kind])).toEqual(expected);
        expect((await view.list({ after: fired20!.cursor, first: 1 })).events.map((e) => [e.threshold, e.kind])).toEqual([[30, 'FIRED']]);
        expect((await view.firing()).map((e) => e.threshold)).toEqual([30, 40]);
        expect(await view.stored([event(30), event(20, 'RESOLVED'), event(10)])).toEqual(new Set([eventIdentity(event(30)), eventIdentity(event(20, 'RESOLVED'))]));
      }
      // The firing alert's event keeps its cursor, and its (key, kind) is still recorded once.
      expect((await store.firing())[0]).toEqual(old[2]);
      expect(await reader.record([event(30)])).toEqual([]);
      const again = await reader.record([event(50)]);
      expect(Number(again[0]!.cursor)).toBeGreaterThan(6);
      expect((await store.list({ after: null, first: 10 })).events.map((e) => e.threshold)).toEqual([30, 20, 40, 50]);
    });

    it('never gives a cursor twice, even once every event is pruned', async () => {
      const s = subject();
      const store = await s.first();
      const old = await store.record([event(10), event(10, 'RESOLVED')]);
      await store.prune(NOW + 1);
      expect(await store.list({ after: null, first: 10 })).toEqual({ events: [], hasMore: false });
      expect(await store.firing()).toEqual([]);
      await store.prune(NOW + 1);
      const reopened = await s.other();
      expect(await reopened.list({ after: null, first: 10 })).toEqual({ events: [], hasMore: false });
      // A period long past may be decided again: recorded anew, after every cursor a reader has seen.
      const recorded = await reopened.record([event(10)]);
      expect(recorded).toMatchObject([{ threshold: 10, kind: 'FIRED' }]);
      expect(Number(recorded[0]!.cursor)).toBeGreaterThan(Number(old[1]!.cursor));
      expect((await store.list({ after: old[1]!.cursor, first: 10 })).events).toEqual(recorded);
    });

  });
}

contract('FileAlertStore (the alert store contract)', () => {
  let dataDir = '';
  const open = async () => {
    const store = await FileAlertStore.open({ dataDir, now: () => now });
    cleanups.push(() => store.close());
    return store;
  };
  return {
    async first() {
      const made = await tempDataDir();
      dataDir = made.dir;
      cleanups.push(made.cleanup);
      return open();
    },
    other: open,
  };
});

describe('FileAlertStore journal', () => {
  it('rebuilds from the journal on open, skips a torn last line and writes the next event on a line of its own', async () => {
    const { dir, cleanup } = await tempDataDir();
    cleanups.push(cleanup);
    const store = await FileAlertStore.open({ dataDir: dir, now: () => now });
    await store.record([event(80), event(100)]);
    await store.close();
    const journal = join(dir, ALERT_FILES.dir, ALERT_FILES.journal);
    // A crash in the middle of writing a third event: its line has no newline and was never acknowledged.
    await appendFile(journal, '{"key":"torn","kind":"FI');
    const reopened = await FileAlertStore.open({ dataDir: dir, now: () => now });
    cleanups.push(() => reopened.close());
    expect((await reopened.firing()).map((e) => e.threshold)).toEqual([80, 100]);
    expect(await reopened.record([event(100)])).toEqual([]);
    expect(await reopened.record([event(90)])).toMatchObject([{ threshold: 90, cursor: '3' }]);
    const lines = (await readFile(journal, 'utf8')).split('\n');
    expect(lines.length).toBe(4);
    expect(lines.slice(0, 3).map((line) => (JSON.parse(line) as { threshold: number }).threshold)).toEqual([80, 100, 90]);
    expect(lines[3]).toBe('');
  });

  it('prunes by replacing the journal whole, leaving no file aside, and a restart reads what was kept', async () => {
    const { dir, cleanup } = await tempDataDir();
    cleanups.push(cleanup);
    const store = await FileAlertStore.open({ dataDir: dir, now: () => now });
    await store.record([event(10), event(10, 'RESOLVED'), event(20)]);
    now = NOW + DAY;
    await store.record([event(30)]);
    await store.prune(NOW + 1);
    await store.close();
    expect((await readdir(join(dir, ALERT_FILES.dir))).sort()).toEqual([ALERT_FILES.journal]);
    const journal = await readFile(join(dir, ALERT_FILES.dir, ALERT_FILES.journal), 'utf8');
    expect(journal.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { threshold?: number; sequenceFloor?: number })).toMatchObject([
      { threshold: 20, cursor: '3' },
      { threshold: 30, cursor: '4' },
      { sequenceFloor: 4 },
    ]);
    const reopened = await FileAlertStore.open({ dataDir: dir, now: () => now });
    cleanups.push(() => reopened.close());
    expect((await reopened.list({ after: null, first: 10 })).events.map((e) => e.cursor)).toEqual(['3', '4']);
    expect(await reopened.record([event(40)])).toMatchObject([{ threshold: 40, cursor: '5' }]);
  });

  it('starts over from a state file it cannot read, keeping the events', async () => {
    const { dir, cleanup } = await tempDataDir();
    cleanups.push(cleanup);
    const store = await FileAlertStore.open({ dataDir: dir, now: () => now });
    cleanups.push(() => store.close());
    await store.record([event(80)]);
    await writeFile(join(dir, ALERT_FILES.dir, ALERT_FILES.state), '{"half');
    expect(await store.loadState()).toBeNull();
    expect((await store.firing()).length).toBe(1);
  });
});

describe.skipIf(!postgresInstalled)(postgresSuite('PgAlertStore against a real PostgreSQL server'), () => {
  let server: PostgresServer;
  let databases = 0;
  beforeAll(async () => {
    server = await startPostgres('alerts');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('lets two evaluators on one database record the same events at once: each event is recorded by exactly one of them', async () => {
    const url = await server.createDatabase(`alerts_race`);
    const [one, two] = await Promise.all([PgAlertStore.open({ url, password: null, now: () => now }), PgAlertStore.open({ url, password: null, now: () => now })]);
    cleanups.push(() => one.close(), () => two.close());
    const batches = Array.from({ length: 20 }, (_, i) => [event(i + 1), event(i + 1, 'RESOLVED')]);
    const results = await Promise.all(batches.flatMap((batch) => [one.record(batch), two.record([...batch].reverse())]));
    const recorded = results.flat().map(eventIdentity);
    expect(recorded.length).toBe(40);
    expect(new Set(recorded).size).toBe(40);
    const all = await two.list({ after: null, first: 1000 });
    expect(all.events.map(eventIdentity).sort()).toEqual([...recorded].sort());
    // Cursors follow the order events became visible: no later page ever holds an older cursor.
    expect(all.events.map((e) => Number(e.cursor))).toEqual([...all.events.map((e) => Number(e.cursor))].sort((a, b) => a - b));
  });

  contract('PgAlertStore (the alert store contract)', () => {
    let url = '';
    const open = async () => {
      const store = await PgAlertStore.open({ url, password: null, now: () => now });
      cleanups.push(() => store.close());
      return store;
    };
    return {
      async first() {
        url = await server.createDatabase(`alerts_${++databases}`);
        return open();
      },
      other: open,
    };
  });
});
