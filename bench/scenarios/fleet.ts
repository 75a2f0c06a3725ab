import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HAS_REDIS_SERVER, startTestRedis, type TestRedis } from '../../test/support/redis-server.js';
import { postgresInstalled, startPostgres, type PostgresServer } from '../../test/support/postgres-server.js';
import { median, post, round, runLoad, waitForLedgerCaughtUp, type LoadResult } from '../lib/load.js';
import { startService, type Service } from '../lib/processes.js';
import { graphqlBody, OVERVIEW_QUERY } from '../lib/queries.js';
import type { SimulatorsClient, Vendor } from '../lib/simulators.js';

/** Options of {@link fleetScenario}. */
export interface FleetOptions {
  /** The production bundle (`dist/main.js`). */
  production: string;
  /** Gateway environment shared with the other rows (simulators, budgets, GATEWAY_ENV). */
  env: Record<string, string>;
  sims: SimulatorsClient;
  /** The embedded-ledger gateway of the other rows, compared on `partnerUsers`. */
  embedded: Service;
  /** Total connections over the fleet, as the warm overview uses for one instance. */
  connections: number;
  warmupSeconds: number;
  loadSeconds: number;
  /** Sequential `partnerUsers` queries per ledger for the p50. */
  sequentialQueries: number;
  /** The per-vendor limit configured in `env`, reported beside the fleet's calls. */
  vendorLimitPerMinute: number;
  log: (message: string) => void;
}

export type FleetResult =
  | { status: 'skipped'; reason: string }
  | {
      status: 'measured';
      instances: number;
      overview: { fleet: FleetLoad; singleInstance: LoadResult; fleetToSingle: number };
      vendorCalls: { perMinute: Record<Vendor, number> & { total: number }; limitPerMinute: number; seconds: number };
      partnerUsers: { query: string; postgres: LedgerLatency; embedded: LedgerLatency; postgresToEmbeddedP50: number; sameData: boolean; totalUsers: number | null };
    };

/** Parallel load runs summed: answers/s add up, latency is the worst instance's. */
export interface FleetLoad {
  requestsPerSecond: number;
  cleanPerSecond: number;
  failures: number;
  errorAnswers: number;
  latencyMs: { p50: number; p99: number };
  perInstance: number[];
}

export interface LedgerLatency {
  sequentialP50Ms: number;
  underLoad: LoadResult;
}

const INSTANCES = 3;
export const PARTNER_USERS_QUERY = '{ partnerUsers(first: 100) { totalCount edges { node { sub calls discoveries tweets } } } }';

/** Sums the results of load runs made at the same time against several instances. */
export function sumParallelLoads(results: readonly LoadResult[]): FleetLoad {
  const sum = (pick: (result: LoadResult) => number) => round(results.reduce((total, result) => total + pick(result), 0));
  return {
    requestsPerSecond: sum((result) => result.requestsPerSecond),
    cleanPerSecond: sum((result) => result.cleanPerSecond),
    failures: sum((result) => result.failures),
    errorAnswers: sum((result) => result.errorAnswers),
    latencyMs: { p50: Math.max(...results.map((result) => result.latencyMs.p50)), p99: Math.max(...results.map((result) => result.latencyMs.p99)) },
    perInstance: results.map((result) => result.requestsPerSecond),
  };
}

/**
 * Three production gateways on one Redis and one PostgreSQL: the fleet's warm overview rate, the
 * vendor calls it makes meanwhile, and `partnerUsers` read from PostgreSQL against the embedded
 * ledger. Skipped (not failed) where redis-server or PostgreSQL is not installed.
 */
export async function fleetScenario(options: FleetOptions): Promise<FleetResult> {
  if (!HAS_REDIS_SERVER) return { status: 'skipped', reason: 'redis-server not installed' };
  if (!postgresInstalled) return { status: 'skipped', reason: 'PostgreSQL not installed' };
  const { log, sims } = options;
  let redis: TestRedis | undefined;
  let postgres: PostgresServer | undefined;
  const gateways: Service[] = [];
  const dirs: string[] = [];
  try {
    [redis, postgres] = await Promise.all([startTestRedis(), startPostgres('bench_ledger')]);
    const env = { ...options.env, REDIS_URL: redis.url, DATABASE_URL: postgres.url, GATEWAY_INSTANCES: String(INSTANCES) };
    for (let i = 0; i < INSTANCES; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'bench-fleet-'));
      dirs.push(dir);
      // One at a time: the first runs the migrations before the others look for them.
      gateways.push(await startService(`fleet #${i + 1}`, options.production, { ...env, DATA_DIR: dir }, { plain: true }));
    }
    log(`fleet: ${INSTANCES} instances on ${redis.url} and PostgreSQL port ${postgres.port}`);

    const overviewBody = graphqlBody(OVERVIEW_QUERY);
    const perInstance = Math.max(1, Math.round(options.connections / INSTANCES));
    await Promise.all(gateways.map((gateway) => runLoad(gateway, { body: overviewBody, connections: perInstance, durationSeconds: options.warmupSeconds })));
    await sims.resetHits();
    const started = Date.now();
    const fleet = sumParallelLoads(await Promise.all(gateways.map((gateway) => runLoad(gateway, { body: overviewBody, connections: perInstance, durationSeconds: options.loadSeconds }))));
    const seconds = (Date.now() - started) / 1000;
    const hits = await sims.hits();
    const perMinute = Object.fromEntries(Object.entries(hits).map(([vendor, count]) => [vendor, round((count * 60) / seconds)])) as Record<Vendor, number>;
    const total = round(Object.values(perMinute).reduce((a, b) => a + b, 0));
    const single = await runLoad(gateways[0]!, { body: overviewBody, connections: options.connections, durationSeconds: options.loadSeconds });
    log(`fleet overview: ${fleet.requestsPerSecond} answers/s (single instance ${single.requestsPerSecond}), vendor calls ${total}/min`);

    await Promise.all([waitForLedgerCaughtUp(gateways[0]!), waitForLedgerCaughtUp(options.embedded)]);
    const fromPostgres = await post(gateways[1]!, graphqlBody(PARTNER_USERS_QUERY));
    const fromEmbedded = await post(options.embedded, graphqlBody(PARTNER_USERS_QUERY));
    const sameData = JSON.stringify(JSON.parse(fromPostgres.text).data) === JSON.stringify(JSON.parse(fromEmbedded.text).data);
    // Equal empty lists would compare nothing: the user count is reported beside the latencies.
    const totalUsers = (JSON.parse(fromPostgres.text) as { data?: { partnerUsers?: { totalCount?: number } } }).data?.partnerUsers?.totalCount ?? null;
    if (!sameData) log('fleet: partnerUsers differ between PostgreSQL and the embedded ledger; latencies not comparable');
    const postgresLatency = await ledgerLatency(gateways[1]!, options);
    const embeddedLatency = await ledgerLatency(options.embedded, options);
    log(`partnerUsers p50: PostgreSQL ${postgresLatency.sequentialP50Ms} ms, embedded ${embeddedLatency.sequentialP50Ms} ms`);
    return {
      status: 'measured',
      instances: INSTANCES,
      overview: { fleet, singleInstance: single, fleetToSingle: round(fleet.requestsPerSecond / single.requestsPerSecond, 2) },
      vendorCalls: { perMinute: { ...perMinute, total }, limitPerMinute: options.vendorLimitPerMinute, seconds: round(seconds) },
      partnerUsers: {
        query: PARTNER_USERS_QUERY,
        postgres: postgresLatency,
        embedded: embeddedLatency,
        postgresToEmbeddedP50: round(postgresLatency.sequentialP50Ms / embeddedLatency.sequentialP50Ms, 2),
        sameData,
        totalUsers,
      },
    };
  } finally {
    await Promise.allSettled(gateways.map((gateway) => gateway.stop()));
    await Promise.allSettled([redis?.close(), postgres?.close()]);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

async function ledgerLatency(target: Service, options: FleetOptions): Promise<LedgerLatency> {
  const body = graphqlBody(PARTNER_USERS_QUERY);
  const samples: number[] = [];
  for (let i = 0; i < options.sequentialQueries; i++) {
    const start = performance.now();
    await post(target, body);
    samples.push(performance.now() - start);
  }
  const underLoad = await runLoad(target, { body, connections: 4, durationSeconds: options.loadSeconds });
  return { sequentialP50Ms: round(median(samples), 2), underLoad };
}
