import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgLedgerStore } from '../../src/ledger/postgres/pg-store.js';
import { startArraysSimulator, type ArraysSimulatorHandle } from '../../src/simulators/arrays.js';
import { postgresInstalled, postgresSuite, startPostgres, type PostgresServer } from '../support/postgres-server.js';
import { startGateway, type FleetMember } from '../support/fleet.js';
import { eventually } from '../support/eventually.js';
import { expectStoreEquals, replayStream } from './stream-replay.fixtures.js';

/**
 * Three gateway processes, one PostgreSQL, the Arrays simulator: exactly one follows the stream;
 * SIGKILLing it mid-catch-up (twice) hands the lead to another within the takeover time; every
 * instance answers from the committed ledger within 2 s of a commit; a PostgreSQL restart under
 * ingestion is ridden out; the totals always equal a clean replay of the stream.
 */

/** Short for the test; the default (15) is checked by the config tests. */
const TAKEOVER_SECONDS = 5;
/** Stream latency while catching up: a catch-up of some seconds, so kills land mid-way. */
const SLOW_MS = 60;
const PASSWORD = 'pg-s3cret-never-printed';

const LEDGER = '{ partnerLedger { following cursor pagesIngested entriesIngested caughtUp headCursor lagMs lastError { code message } } }';

interface LedgerView {
  following: boolean;
  cursor: string;
  pagesIngested: number;
  entriesIngested: number;
  caughtUp: boolean;
  headCursor: string | null;
  lagMs: number | null;
  lastError: { code: string; message: string } | null;
}

describe.skipIf(!postgresInstalled)(postgresSuite('three gateway instances on one PostgreSQL ledger'), () => {
  let server: PostgresServer;
  let sim: ArraysSimulatorHandle;
  let env: Record<string, string>;
  const fleet: FleetMember[] = [];
  const everyStderr: (() => string)[] = [];

  const view = async (instance: FleetMember): Promise<LedgerView | null> => {
    try {
      return (await instance.query<{ partnerLedger: LedgerView }>(LEDGER)).partnerLedger;
    } catch {
      return null;
    }
  };
  const alive = () => fleet.filter((instance) => instance.alive());
  const launch = async (count: number) => {
    const started = await Promise.all(Array.from({ length: count }, () => startGateway(env)));
    fleet.push(...started);
    everyStderr.push(...started.map((instance) => instance.stderr));
    return started;
  };
  /** The one live instance that follows; fails if two ever do at once. */
  const leader = async (): Promise<FleetMember | null> => {
    const views = await Promise.all(alive().map(async (instance) => [instance, await view(instance)] as const));
    const leading = views.filter(([, v]) => v?.following === true);
    expect(leading.length, 'instances following at once').toBeLessThanOrEqual(1);
    return leading[0]?.[0] ?? null;
  };
  const waitForLeader = async (timeoutMs: number, what: string) => {
    let found: FleetMember | null = null;
    await eventually(async () => (found = await leader()) !== null, { withinMs: timeoutMs, everyMs: 10, what });
    return found!;
  };
  const pages = async (instance: FleetMember) => (await view(instance))?.pagesIngested ?? -1;
  const expectReplay = async () => {
    const store = await PgLedgerStore.open({ url: env.DATABASE_URL!, password: PASSWORD });
    try {
      expect(await store.position()).toMatchObject({ cursor: sim.entry(sim.length - 1).id, entries: sim.length });
      await expectStoreEquals(store, replayStream(sim));
    } finally {
      await store.close();
    }
  };
  const caughtUpTo = (instance: FleetMember, cursor: string) => async () => {
    const v = await view(instance);
    return v?.caughtUp === true && v.cursor === cursor;
  };

  beforeAll(async () => {
    server = await startPostgres('fleet');
    sim = await startArraysSimulator({ entries: 30_000, subs: 300 });
    env = {
      GATEWAY_DEMO: '0',
      AUTH_DISABLED: '1',
      LOG_LEVEL: 'info',
      ARRAYS_BASE_URL: sim.baseUrl,
      ARRAYS_SERVICE_TOKEN: sim.credential,
      ARRAYS_POLL_INTERVAL_MS: '200',
      ARRAYS_RATE_LIMIT_PER_MINUTE: '100000',
      // Trust authentication ignores the password; the gateway must still never print it.
      DATABASE_URL: server.url.replace('postgres@', `postgres:${PASSWORD}@`),
      LEDGER_LEADER_TAKEOVER_SECONDS: String(TAKEOVER_SECONDS),
    };
  }, 60_000);

  afterAll(async () => {
    await Promise.all(fleet.map((instance) => instance.kill('SIGKILL')));
    await sim?.close();
    await server?.close();
  });

  it('SIGKILL of the leader mid-catch-up, twice: another instance leads within the takeover time; totals equal a clean replay', async () => {
    sim.setFault({ fault: { mode: 'latency', ms: SLOW_MS } });
    await launch(3);
    const takeovers: number[] = [];
    let current = await waitForLeader(10_000, 'a first leader');
    for (let kill = 0; kill < 2; kill++) {
      const before = await pages(current);
      await eventually(async () => (await pages(current)) >= before + 3, { withinMs: 60_000, everyMs: 10, what: 'the leader to commit three pages' });
      const state = (await view(current))!;
      expect(state.caughtUp, 'killed mid-catch-up').toBe(false);
      await current.kill('SIGKILL');
      const killedAt = performance.now();
      const next = await waitForLeader(TAKEOVER_SECONDS * 1000 * 3, 'another instance to lead');
      takeovers.push(performance.now() - killedAt);
      expect(next).not.toBe(current);
      current = next;
    }
    console.log(`takeover after SIGKILL of the leader: ${takeovers.map((ms) => `${ms.toFixed(0)} ms`).join(', ')} (bound ${TAKEOVER_SECONDS * 1000} ms)`);
    for (const ms of takeovers) expect(ms).toBeLessThan(TAKEOVER_SECONDS * 1000);
    // Back to three, the newcomers as followers of the same ledger.
    await launch(2);
    sim.setFault(null as never);
    const head = sim.entry(sim.length - 1).id;
    const last = await waitForLeader(10_000, 'a leader');
    await eventually(caughtUpTo(last, head), { withinMs: 90_000, everyMs: 10, what: 'the catch-up to finish' });
    await expectReplay();
    // Every instance, leading or not, answers the same totals.
    for (const instance of alive()) await eventually(async () => (await view(instance))?.cursor === head, { withinMs: 2000, everyMs: 10, what: `${instance.name} to see the head` });
    // partnerLedger works on every instance: the others report the leader's follower as of its last heartbeat.
    for (const instance of alive().filter((i) => i !== last)) {
      await eventually(async () => {
        const v = await view(instance);
        return v !== null && !v.following && v.caughtUp && v.headCursor === head && v.lagMs === 0;
      }, { withinMs: TAKEOVER_SECONDS * 1000, everyMs: 10, what: `${instance.name} to report the leader's status` });
    }
    // The leadership gauge names exactly one leader, the one that took the lead last.
    const leaderGauge = async (instance: FleetMember) => {
      const text = await (await fetch(`${instance.origin}/metrics`)).text();
      return Number(/^usage_gateway_ledger_leader (\d+)$/m.exec(text)?.[1] ?? NaN);
    };
    const gauges = await Promise.all(alive().map(async (instance) => [instance.name, await leaderGauge(instance)] as const));
    expect(Object.fromEntries(gauges)).toEqual(Object.fromEntries(alive().map((instance) => [instance.name, instance === last ? 1 : 0])));
    const subs = [...replayStream(sim).keys()].slice(0, 20);
    const query = `{ ${subs.map((sub, i) => `u${i}: partnerUser(sub: ${JSON.stringify(sub)}) { sub calls discoveries tweets byEndpoint { endpoint calls } }`).join(' ')} }`;
    const answers = await Promise.all(alive().map((instance) => instance.query(query)));
    expect(answers.length).toBe(3);
    for (const answer of answers) expect(answer).toEqual(answers[0]);
  }, 180_000);

  it('every instance answers from the leader\'s commits within 2 s of them', async () => {
    const delays: number[] = [];
    for (let round = 0; round < 3; round++) {
      sim.append(300);
      const head = sim.entry(sim.length - 1).id;
      const seen = new Map<string, number>();
      const instances = alive();
      await eventually(async () => {
          await Promise.all(
            instances.map(async (instance) => {
              if (!seen.has(instance.name) && (await view(instance))?.cursor === head) seen.set(instance.name, performance.now());
            }),
          );
          return seen.size === instances.length;
        }, { withinMs: 20_000, everyMs: 10, what: 'every instance to see the new head' });
      const times = [...seen.values()];
      delays.push(Math.max(...times) - Math.min(...times));
    }
    console.log(`spread between the first and the last instance seeing a commit: ${delays.map((ms) => `${ms.toFixed(0)} ms`).join(', ')} (bound 2000 ms, polled every ~50 ms)`);
    for (const ms of delays) expect(ms).toBeLessThan(2000);
    await expectReplay();
  }, 60_000);

  it('PostgreSQL restarted under ingestion: the follower retries, nothing is counted twice, every instance recovers', async () => {
    sim.setFault({ fault: { mode: 'latency', ms: SLOW_MS } });
    sim.append(8000);
    const current = await waitForLeader(10_000, 'a leader');
    const lostBefore = current.stderr().split('lost the lead').length;
    const before = await pages(current);
    await eventually(async () => (await pages(current)) >= before + 2, { withinMs: 60_000, everyMs: 10, what: 'ingestion to be under way' });
    await server.restart('fast');
    // While the database was away (or right after) an instance says so with a coded error.
    const errors = new Set<string>();
    const watch = setInterval(() => {
      for (const instance of alive()) void view(instance).then((v) => v?.lastError && errors.add(v.lastError.code));
    }, 100);
    try {
      sim.setFault(null as never);
      const head = sim.entry(sim.length - 1).id;
      await eventually(async () => {
        const leading = await leader();
        return leading !== null && (await caughtUpTo(leading, head)());
      }, { withinMs: 90_000, everyMs: 10, what: 'the ledger to catch up after the restart' });
      for (const instance of alive()) await eventually(async () => (await view(instance))?.cursor === head, { withinMs: 5000, everyMs: 10, what: `${instance.name} to recover` });
    } finally {
      clearInterval(watch);
    }
    await expectReplay();
    // The restart ended the leader's session: it stopped following at once and said so.
    expect(current.stderr().split('lost the lead').length).toBeGreaterThan(lostBefore);
    expect([...errors].every((code) => code === 'LEDGER_STORE_UNAVAILABLE' || code === 'LEDGER_CONFLICT'), [...errors].join()).toBe(true);
    for (const stderr of everyStderr) expect(stderr()).not.toContain(PASSWORD);
  }, 150_000);
});
