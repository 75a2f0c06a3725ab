import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway.js';
import { startPartnerLedger, type RunningPartnerLedger } from '../../src/ledger/index.js';
import { createLogger } from '../../src/common/logger.js';
import { ArraysClient } from '../../src/providers/arrays/client.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { startArraysSimulator, sumStream, type ArraysSimulatorHandle } from '../../src/simulators/arrays.js';
import { UpstreamHttp } from '../../src/upstream/http.js';
import { startFakeArrays, type FakeArrays, type FakeFault } from './fake-arrays.js';
import { tempDir } from '../support/temp-dir.js';
import { eventually } from '../support/eventually.js';
import { expectStoreEquals, replayStream } from './stream-replay.fixtures.js';

describe('the ledger follower', () => {
  let http: UpstreamHttp;
  let dir: string;
  let cleanup: () => Promise<void>;
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  const running: RunningPartnerLedger[] = [];
  const closers: (() => Promise<void>)[] = [];
  /** Pages each follower asked its source for, so a test can tell which follower polled. */
  const pagesAsked = new Map<RunningPartnerLedger, { count: number }>();

  beforeEach(async () => {
    http = new UpstreamHttp({ timeoutMs: 3000 });
    ({ dir, cleanup } = await tempDir('ledger-test-'));
    logs.length = 0;
  });
  afterEach(async () => {
    for (const ledger of running.splice(0)) await ledger.close();
    for (const close of closers.splice(0)) await close();
    await http.close();
    await cleanup();
  });

  async function follow(vendor: { baseUrl: string; credential: string }, options: { startCursor?: string; pageSize?: number } = {}) {
    const client = new ArraysClient({ baseUrl: vendor.baseUrl, credential: vendor.credential, http });
    const asked = { count: 0 };
    const ledger = await startPartnerLedger({
      dir,
      startCursor: options.startCursor ?? '0',
      pollIntervalMs: 20,
      source: (from, count) => {
        asked.count += 1;
        return client.fetchPackedPartnerPage(from, count);
      },
      logger,
      follower: { backoffBaseMs: 10, backoffMaxMs: 50, ...(options.pageSize ? { pageSize: options.pageSize } : {}) },
    });
    running.push(ledger);
    pagesAsked.set(ledger, asked);
    return ledger;
  }

  async function simulator(entries: number, subs: number): Promise<ArraysSimulatorHandle> {
    const sim = await startArraysSimulator({ entries, subs });
    closers.push(() => sim.close());
    return sim;
  }

  const caughtUpTo = (ledger: RunningPartnerLedger, cursor: string) => async () =>
    ledger.status().caughtUp && (await ledger.store.position()).cursor === cursor;

  it('follows the stream to its head with totals, endpoints and UTC days equal to a clean replay', async () => {
    const sim = await simulator(6000, 300);
    const ledger = await follow(sim);
    await eventually(caughtUpTo(ledger, sim.entry(sim.length - 1).id), { withinMs: 20_000, everyMs: 10, what: 'catch-up' });
    const position = await ledger.store.position();
    expect(position).toMatchObject({ startCursor: '0', entries: 6000 });
    // The stream spans 30 days: each committed page lies within one UTC day.
    expect(position.pages).toBeGreaterThanOrEqual(30);
    await expectStoreEquals(ledger.store, replayStream(sim));
    expect(ledger.status()).toMatchObject({ following: true, caughtUp: true, lastError: null, consecutiveFailures: 0 });
  });

  it('counts appended entries once, across a restart, and starts a new ledger at ARRAYS_START_CURSOR', async () => {
    const sim = await simulator(3000, 200);
    let ledger = await follow(sim, { startCursor: sim.entry(499).id, pageSize: 700 });
    await eventually(caughtUpTo(ledger, sim.entry(2999).id), { withinMs: 20_000, everyMs: 10 });
    sim.append(1500);
    await eventually(caughtUpTo(ledger, sim.entry(4499).id), { withinMs: 20_000, everyMs: 10 });
    await ledger.close();
    running.length = 0;
    sim.append(1000);
    // A restart resumes from the committed cursor; the configured start cursor only names a new ledger's start.
    ledger = await follow(sim, { startCursor: '0', pageSize: 700 });
    await eventually(caughtUpTo(ledger, sim.entry(5499).id), { withinMs: 20_000, everyMs: 10 });
    expect(await ledger.store.position()).toMatchObject({ startCursor: sim.entry(499).id, entries: 5000 });
    await expectStoreEquals(ledger.store, replayStream(sim, 500));
    expect(logs.some((line) => line.includes('ARRAYS_START_CURSOR differs'))).toBe(true);
  });

  it('rejects a page that breaks the vendor contract (simulator drift fault): nothing committed, lastError set, retried with backoff', async () => {
    const sim = await simulator(4000, 200);
    sim.setFault({ fault: { mode: 'drift' }, count: 4 });
    const ledger = await follow(sim);
    await eventually(() => ledger.status().consecutiveFailures >= 2, { withinMs: 5000, everyMs: 10, what: 'failures' });
    expect((await ledger.store.position()).pages).toBe(0);
    expect(ledger.status().lastError).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', at: expect.any(Date) });
    await eventually(caughtUpTo(ledger, sim.entry(3999).id), { withinMs: 20_000, everyMs: 10 });
    expect(ledger.status().consecutiveFailures).toBe(0);
    await expectStoreEquals(ledger.store, replayStream(sim));
    expect(logs.some((line) => line.includes('reading the Arrays stream failed'))).toBe(true);
  });

  describe.each<[FakeFault, string, RegExp]>([
    ['stuck-cursor', 'LEDGER_BAD_PAGE', /does not advance/],
    ['backwards-cursor', 'LEDGER_BAD_PAGE', /goes backwards/],
    ['negative-count', 'UPSTREAM_BAD_RESPONSE', /./],
    ['numeric-sub', 'UPSTREAM_BAD_RESPONSE', /./],
    ['missing-field', 'UPSTREAM_BAD_RESPONSE', /./],
  ])('a page with a %s', (fault, code, message) => {
    let fake: FakeArrays;
    beforeEach(async () => {
      fake = await startFakeArrays(['20000000000000000001', '20000000000000000002', '7'], 40);
      closers.push(() => fake.close());
    });

    it(`is rejected whole with ${code}; the gateway keeps serving what it has; the follower recovers`, async () => {
      fake.fault = fault;
      const ledger = await follow(fake, { pageSize: 30 });
      await eventually(() => ledger.status().consecutiveFailures >= 3, { withinMs: 5000, everyMs: 10, what: 'repeated failures' });
      const stuckAt = await ledger.store.position();
      // Only the first page (30 entries, before the fault applies) is committed.
      expect(stuckAt).toMatchObject({ pages: 1, entries: 30, cursor: fake.entries[29]!.id });
      expect(ledger.status().lastError).toMatchObject({ code, message: expect.stringMatching(message) });

      const registry = createProviderRegistry({ ARRAYS: { baseUrl: fake.baseUrl, credential: fake.credential, simulated: true } }, http);
      const yoga = createGateway({ registry, logger, ledger });
      const response = await yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ partnerUser(sub: "20000000000000000001") { calls tweets } partnerLedger { entriesIngested lastError { code message } consecutiveFailures } }' }),
      });
      const body = (await response.json()) as any;
      expect(body.errors).toBeUndefined();
      expect(body.data.partnerUser).toEqual({ calls: 10, tweets: 20 });
      expect(body.data.partnerLedger).toMatchObject({ entriesIngested: 30, lastError: { code } });
      expect(body.data.partnerLedger.consecutiveFailures).toBeGreaterThanOrEqual(3);

      fake.fault = 'none';
      await eventually(caughtUpTo(ledger, fake.entries.at(-1)!.id), { withinMs: 20_000, everyMs: 10 });
      const users = await ledger.store.getUsers(['20000000000000000001', '20000000000000000002', '7']);
      expect(users.map((u) => [u?.calls, u?.tweets])).toEqual([[40, 80], [40, 80], [40, 80]]);
      expect((await ledger.store.position()).entries).toBe(120);
    });
  });

  it('a second follower on the same DATA_DIR is refused and serves the ledger read-only', async () => {
    const sim = await simulator(2000, 100);
    const first = await follow(sim);
    await eventually(caughtUpTo(first, sim.entry(1999).id), { withinMs: 20_000, everyMs: 10 });
    const second = await follow(sim);
    expect(second.status()).toMatchObject({ following: false, lastError: { code: 'LEDGER_LOCKED', message: expect.stringContaining(`process ${process.pid}`) } });
    expect(second.store.writable).toBe(false);
    const expected = sumStream(sim);
    const [sub, totals] = [...expected][0]!;
    expect((await second.store.getUsers([sub]))[0]).toMatchObject(totals);
    // Only the first follower polls: wait for more of its polls (a slow machine only makes that later),
    // over which a second follower that polled too would have asked at least once. Polls are
    // sequential, so once the fourth has begun the three before it have reached the vendor.
    sim.resetHits();
    const firstAsked = pagesAsked.get(first)!.count;
    await eventually(() => pagesAsked.get(first)!.count >= firstAsked + 4, { withinMs: 20_000, everyMs: 10, what: "the first follower's polls" });
    expect(sim.hits()).toBeGreaterThanOrEqual(3);
    expect(pagesAsked.get(second)!.count).toBe(0);
    await first.close();
    running.splice(running.indexOf(first), 1);
    const closedAt = pagesAsked.get(first)!.count;
    sim.resetHits();
    // Once the first is closed, nobody polls: neither it nor the read-only second takes over.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.hits()).toBe(0);
    expect(pagesAsked.get(first)!.count).toBe(closedAt);
    expect(pagesAsked.get(second)!.count).toBe(0);
  });
});
