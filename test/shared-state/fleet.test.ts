import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVendorSimulators, type VendorSimulators } from '../../src/providers/vendor-simulators.js';
import { mostInWindow, startFleet, startRecordingProxy, type Fleet, type FleetMember, type RecordingProxy } from '../support/fleet.js';
import { HAS_REDIS_SERVER, REDIS_SUITE, startTestRedis, type TestRedis } from '../support/redis-server.js';
import { eventually } from '../support/eventually.js';
import { graphqlRequest } from '../support/graphql-request.js';

const OVERVIEW = '{ accounts { provider { id } account { plan { tier } } error { code } } }';
const SHARPE_ONLY = '{ account(provider: SHARPE) { plan { tier } fetchedAt } }';
const MINUTE_MS = 60_000;
/**
 * Vendor calls are admitted on Redis's clock and recorded when they reach the simulator's proxy,
 * a loopback hop later; under load on two shared cores that hop can vary by hundreds of ms, so
 * the sliding minute is measured one second short. The limit itself is exact (an atomic script).
 */
const TRANSIT_ALLOWANCE_MS = 1000;

const post = (member: FleetMember, query: string) => graphqlRequest(globalThis, { url: member.url, query });

async function ready(member: FleetMember): Promise<{ status: number; body: any }> {
  const response = await fetch(`${member.origin}/ready`);
  return { status: response.status, body: await response.json() };
}

/** Two clients per instance, each asking `query` every 200 ms until `stop()`; every HTTP status is kept. */
function load(members: FleetMember[], query: string) {
  const statuses: number[] = [];
  let running = true;
  const loops = members.flatMap((member) =>
    [0, 1].map(async () => {
      while (running) {
        try {
          statuses.push((await post(member, query)).status);
        } catch {
          statuses.push(0);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }),
  );
  return {
    statuses,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe.skipIf(!HAS_REDIS_SERVER)(`three gateway processes sharing one Redis (${REDIS_SUITE})`, () => {
  let redis: TestRedis;
  let sims: VendorSimulators;
  const proxies: Record<string, RecordingProxy> = {};
  let fleet: Fleet | undefined;

  /** The fleet's environment: Sharpe, Anylayer and Faraday through recording proxies (Arrays' ledger follows the stream on its own, not part of this). */
  const env = (extra: Record<string, string>) => ({
    GATEWAY_DEMO: '0',
    AUTH_DISABLED: '1',
    REDIS_URL: redis.url,
    GATEWAY_INSTANCES: '3',
    // One test client is one caller: its own limit and share would be what the test measured.
    CALLER_RATE_LIMIT_PER_MINUTE: '1000000',
    SHARPE_API_KEY: sims.sharpe.credential,
    SHARPE_BASE_URL: proxies.SHARPE!.baseUrl,
    ANYLAYER_API_KEY: sims.anylayer.credential,
    ANYLAYER_BASE_URL: proxies.ANYLAYER!.baseUrl,
    FARADAY_API_KEY: sims.faraday.credential,
    FARADAY_BASE_URL: proxies.FARADAY!.baseUrl,
    ...extra,
  });

  beforeAll(async () => {
    redis = await startTestRedis();
    sims = await startVendorSimulators();
    proxies.SHARPE = await startRecordingProxy(sims.sharpe.baseUrl);
    proxies.ANYLAYER = await startRecordingProxy(sims.anylayer.baseUrl);
    proxies.FARADAY = await startRecordingProxy(sims.faraday.baseUrl);
  }, 60_000);

  afterAll(async () => {
    await fleet?.kill();
    await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
    await sims?.close();
    await redis?.close();
  }, 60_000);

  it('3 instances x 200 concurrent overview queries, cache cold: each vendor endpoint is called once', async () => {
    // 600 queries at once on two shared cores can hold a Redis reply past the 500 ms default, and a
    // command that times out sends its instance to local state (each alone, 1/3 of every limit):
    // what this test measures is the sharing, so Redis gets the time it needs here.
    fleet = await startFleet(3, env({ REDIS_COMMAND_TIMEOUT_MS: '5000' }));
    for (const member of fleet.members) expect((await ready(member)).body.components.sharedState).toBe('redis');
    const answers = await Promise.all(fleet.members.flatMap((member) => Array.from({ length: 200 }, () => post(member, OVERVIEW))));
    const bodies = answers.map((answer) => answer.body as any);
    expect(answers.map((answer) => answer.status).every((status) => status === 200)).toBe(true);
    for (const body of bodies) {
      expect(body.errors).toBeUndefined();
      expect(body.data.accounts).toHaveLength(3);
      for (const entry of body.data.accounts) expect(entry).toMatchObject({ account: expect.any(Object), error: null });
    }
    const byPath = (proxy: RecordingProxy) => Object.fromEntries([...new Set(proxy.hits.map((hit) => hit.path))].map((path) => [path, proxy.hits.filter((hit) => hit.path === path).length]));
    // 600 queries, 4 endpoints (a Faraday account is two calls): 4 vendor calls in all.
    expect(byPath(proxies.SHARPE!)).toEqual({ '/api/v1/usage': 1 });
    expect(Object.values(byPath(proxies.ANYLAYER!))).toEqual([1]);
    expect(byPath(proxies.FARADAY!)).toEqual({ '/v1/usages': 1, '/v1/accounts/current/usage': 1 });
    await fleet.stop();
    for (const member of fleet.members) expect(await member.exited).toBe(0);
    fleet = undefined;
  }, 90_000);

  it(
    'a vendor limit of 30 a minute holds summed over 3 instances under 70 s of load, and through a Redis stop and restart (GATEWAY_INSTANCES=3)',
    async () => {
      fleet = await startFleet(3, env({ SHARPE_RATE_LIMIT_PER_MINUTE: '30', SHARPE_CACHE_TTL_SECONDS: '1', CALLER_VENDOR_SHARE_PERCENT: '100' }));
      const members = fleet.members;
      const sharpe = proxies.SHARPE!;
      sharpe.hits.length = 0;

      // 2. Seventy seconds of load wanting a Sharpe call every second (1 s cache): twice the limit.
      const steady = load(members, SHARPE_ONLY);
      await new Promise((resolve) => setTimeout(resolve, 70_000));
      await steady.stop();
      const steadyHits = sharpe.hits.length;
      expect(mostInWindow(sharpe.hits, MINUTE_MS - TRANSIT_ALLOWANCE_MS)).toBeLessThanOrEqual(30);
      // The limit was reached, and the window slid: calls resumed once the first ones were a minute old.
      expect(steadyHits).toBeGreaterThan(30);
      expect(steady.statuses.every((status) => status === 200)).toBe(true);

      // 3. Redis stopped under load, then restarted.
      const outage = load(members, SHARPE_ONLY);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await redis.stop();
      await eventually(async () => (await Promise.all(members.map(ready))).every(({ body }) => body.components.sharedState === 'local-fallback'), { withinMs: 20_000, everyMs: 100 });
      for (const member of members) {
        const probe = await ready(member);
        // Still ready: it answers, on local state.
        expect(probe.status).toBe(200);
        expect(probe.body).toMatchObject({ status: 'ready', components: { sharedState: 'local-fallback' } });
        expect(await (await fetch(`${member.origin}/metrics`)).text()).toMatch(/^usage_gateway_shared_state_up 0$/m);
      }
      await new Promise((resolve) => setTimeout(resolve, 5000));
      await redis.start();
      await eventually(async () => (await Promise.all(members.map(ready))).every(({ body }) => body.components.sharedState === 'redis'), { withinMs: 20_000, everyMs: 100 });
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await outage.stop();

      expect(outage.statuses.length).toBeGreaterThan(50);
      // No 5xx, no connection failure: every query was answered.
      expect(outage.statuses.filter((status) => status !== 200)).toEqual([]);
      for (const member of members) {
        expect(member.child.exitCode).toBeNull();
        expect(await (await fetch(`${member.origin}/metrics`)).text()).toMatch(/^usage_gateway_shared_state_up 1$/m);
        const turns = member.lines().filter((line) => String(line.message).startsWith('shared state:'));
        // One line per transition: shared at start, local at the stop, shared again.
        expect(turns.map((line) => line.level)).toEqual(['info', 'warn', 'info']);
        expect(turns[1]!.message).toContain('GATEWAY_INSTANCES=3');
      }
      // Over the whole run, outage included, the fleet never passed 30 Sharpe calls in a minute.
      expect(mostInWindow(sharpe.hits, MINUTE_MS - TRANSIT_ALLOWANCE_MS)).toBeLessThanOrEqual(30);
      await fleet.stop();
      fleet = undefined;
    },
    150_000,
  );
});
