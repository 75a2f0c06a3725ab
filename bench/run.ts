import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGateway } from '../scripts/build.mjs';
import { isCleanAnswer, median, runLoad, post, round, waitForLedgerCaughtUp, type LoadResult } from './lib/load.js';
import { killAll, startService, type Service } from './lib/processes.js';
import {
  ENTITIES_QUERY,
  graphqlBody,
  HELLO_QUERY,
  MESH_OVERVIEW_QUERY,
  MESH_PARTNER_USAGE_QUERY,
  APOLLO_PARTNER_USAGE_QUERY,
  OVERVIEW_QUERY,
  ourPartnerUsageQuery,
  VENDOR_OVERVIEW_CALLS,
} from './lib/queries.js';
import { PEER_CACHE_TTL_MS, PEERS, peerEnv } from './lib/peers.js';
import { installNode24, type InstalledRuntime } from './lib/runtime.js';
import { renderMarkdown, updateResultsBlock } from './lib/report.js';
import { checkSameData, checkSamePartnerPage } from './lib/same-data.js';
import { edgeAuthScenario } from './scenarios/edge-auth.js';
import { coldPhasesScenario, type ColdPhasesResult } from './scenarios/cold-phases.js';
import { fleetScenario } from './scenarios/fleet.js';
import { jitScenario } from './scenarios/jit.js';
import { usageHistoryScenario } from './scenarios/usage-history.js';
import { VENDORS as VENDOR_MODULES } from '../src/providers/vendors.js';
import { SimulatorsClient, VENDORS, type Vendor } from './lib/simulators.js';

/**
 * `npm run bench [-- --quick] [-- --node24]`: our gateway, its peers and two baselines side by
 * side, each in its own process on 127.0.0.1, against one set of vendor simulators. Every load run
 * is bounded in requests and seconds; every child is killed on exit, failure or Ctrl-C. With
 * `--node24`, the warm overview's rows (ours, the cached peers, the bare ceiling) also run on Node
 * 24 LTS, installed from the npm registry into a temporary prefix, beside the same rows on this
 * machine's Node.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const here = (path: string) => join(root, path);
const quick = process.argv.includes('--quick');
const node24 = process.argv.includes('--node24');
/** Node 24 when `--node24` asked for it; removed when the bench ends. */
let runtime24: InstalledRuntime | null = null;

const PLAN = quick
  ? { warmupSeconds: 0.2, overviewSeconds: 1, coldSeconds: 1, partnerSeconds: 1, entitiesSeconds: 1, soakRequests: 10_000, soakSeconds: 2, ledgerSeconds: 20, edgeAuthSeconds: 1, edgeAuthRounds: 1, jit: { rounds: 2, warmupSeconds: 0.2, loadSeconds: 1 } }
  : { warmupSeconds: 2, overviewSeconds: 8, coldSeconds: 8, partnerSeconds: 6, entitiesSeconds: 6, soakRequests: 200_000, soakSeconds: 75, ledgerSeconds: 120, edgeAuthSeconds: 5, edgeAuthRounds: 3, jit: { rounds: 4, warmupSeconds: 1, loadSeconds: 4 } };
/** Connections of each scenario: the warm overview enough to saturate 2 cores, the cold fan-out, the partnerUsage page and the _entities batch a dashboard's or a router's worth. */
const CONNECTIONS = { overview: 32, cold: 4, partner: 8, entities: 8, soak: 256 };
/** Partner users per `_entities` call in the _entities batch. */
const ENTITIES = 1000;
/**
 * The cold fan-out is about latency, so it runs at a fixed rate every target sustains: 5 overviews a second is
 * 300 Sharpe calls a minute, within the 600 a minute Sharpe's simulator reports as its limit and
 * our gateway therefore budgets (above it, ours would refuse calls rather than be slow).
 */
const COLD_RATE_PER_SECOND = 5;
const VENDOR_LATENCY_MS = 50;
/** The soak's second production instance: a cap on V8's old generation, which `NODE_OPTIONS` can set in a deployment. */
const SOAK_HEAP_CAP_FLAG = '--max-old-space-size=96';
/** Sequential queries over which upstream calls per query are counted. */
const CALL_SAMPLES = 10;

/** Turns the shared upstream cache off for the cold fan-out: a TTL of 0 for every vendor. */
const CACHE_OFF_ENV = { UPSTREAM_CACHE_TTL_SECONDS: '0' };

/**
 * The simulators enforce no rate limit, and the gateway's own budget defaults to a free tier (60 a
 * minute) that a benchmark exhausts in a second; a deployment on a paid tier raises it the same way.
 * The load comes from one address, one caller, which may then use the whole budget.
 */
const RATE_BUDGET_ENV = {
  ...Object.fromEntries(VENDOR_MODULES.map(({ id }) => [`${id}_RATE_LIMIT_PER_MINUTE`, '100000'])),
  CALLER_VENDOR_SHARE_PERCENT: '100',
};

/**
 * `info`, not `warn`: the URL of a PORT=0 gateway is only in its "gateway listening" info line;
 * at info every request also writes its access line, as a deployment's would. The ledger
 * follower of each gateway catches up with the Arrays stream as it starts; its later polls (every
 * 15 s by default) would land among the calls counted per query, so they are pushed past the run.
 */
const GATEWAY_ENV = {
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  ARRAYS_POLL_INTERVAL_MS: '86400000',
  // The history sampler reads every vendor once at start; later ticks would land among the counted calls.
  HISTORY_SAMPLE_INTERVAL_SECONDS: '86400',
  // The load generator is one caller at thousands of requests a second: the per-caller limit
  // (600 a minute by default) would answer it 429s; these rows measure the gateway, not the limit.
  CALLER_RATE_LIMIT_PER_MINUTE: '0',
};

/** Every gateway keeps its ledger in a directory of its own (one ledger per directory: a lock). */
const dataDirs: string[] = [];
function dataDir(): { DATA_DIR: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ledger-'));
  dataDirs.push(dir);
  return { DATA_DIR: dir };
}

interface TargetResult extends LoadResult {
  target: string;
  /** Vendor HTTP calls per query, per simulator, counted over sequential queries after the run. */
  upstreamCallsPerQuery?: Record<Vendor, number> & { total: number };
  /** Median latency of those sequential queries: one query at a time, nothing to share a call with. */
  sequentialP50Ms?: number;
  /** How many of those sequential queries were answered without error. */
  sequentialClean?: string;
}

async function main(): Promise<void> {
  const started = Date.now();
  const log = (message: string) => process.stderr.write(`[bench ${round((Date.now() - started) / 1000)}s] ${message}\n`);
  // Our rows run the production build (`npm run build`, then plain node), as a deployment does.
  const [simService, production] = await Promise.all([startService('simulators', here('bench/services/simulators.ts'), {}), buildProduction()]);
  const sims = SimulatorsClient.of(simService);
  const env = { ...GATEWAY_ENV, ...RATE_BUDGET_ENV, ...sims.gatewayEnv() };
  log('simulators up; starting our gateways, the peers and the baselines');

  // Each peer twice from the same server file: as shipped, and with its own caches on (peerEnv).
  const [ours, oursCold, oursTsx, oursDemo, apollo, apolloCached, mesh, meshCached, mercuriusCached, yogaHello] = await Promise.all([
    startService('ours', production, { ...env, ...dataDir() }, { plain: true }),
    startService('ours (cache off)', production, { ...env, ...CACHE_OFF_ENV, ...dataDir() }, { plain: true }),
    startService('ours (tsx, development)', here('src/main.ts'), { ...env, ...dataDir() }),
    startService('ours (demo mode, ledger)', production, { ...GATEWAY_ENV, GATEWAY_DEMO: '1', ...dataDir() }, { plain: true }),
    startService(PEERS.apollo.targets['as-shipped'], here(PEERS.apollo.script), { ...env, ...peerEnv('as-shipped') }),
    startService(PEERS.apollo.targets.cached, here(PEERS.apollo.script), { ...env, ...peerEnv('cached') }),
    startService(PEERS.mesh.targets['as-shipped'], here(PEERS.mesh.script), { ...env, ...peerEnv('as-shipped') }),
    startService(PEERS.mesh.targets.cached, here(PEERS.mesh.script), { ...env, ...peerEnv('cached') }),
    // Mercurius only with its cache on: the fastest peer a performance-minded user would deploy.
    startService(PEERS.mercurius.targets.cached, here(PEERS.mercurius.script), { ...env, ...peerEnv('cached') }),
    startService('graphql-yoga hello world (floor)', here('bench/baselines/yoga-hello.ts'), {}),
  ]);

  const overview = await post(ours, graphqlBody(OVERVIEW_QUERY));
  assertClean(ours, overview);
  const responseFile = join(tmpdir(), `bench-overview-${process.pid}.json`);
  writeFileSync(responseFile, overview.text);
  const bare = await startService('bare node:http (ceiling)', here('bench/baselines/bare-node.ts'), {
    BENCH_RESPONSE_FILE: responseFile,
    BENCH_RESPONSE_CONTENT_TYPE: overview.contentType,
  });
  const bareEnv = { BENCH_RESPONSE_FILE: responseFile, BENCH_RESPONSE_CONTENT_TYPE: overview.contentType };
  // The warm overview's rows again on Node 24: the same build, server files and simulators.
  const on24 = node24 ? await startOnNode24(production, env, bareEnv, log) : null;
  const idleRss = Object.fromEntries([ours, oursCold, oursTsx, oursDemo, apollo, apolloCached, mesh, meshCached, mercuriusCached, yogaHello, bare].map((s) => [s.name, round(s.rssMiB() ?? NaN)]));
  const sameData = await checkSameData(overview.text, {
    ourShape: {
      apolloEqualsOurs: apollo,
      apolloCachedEqualsOurs: apolloCached,
      mercuriusCachedEqualsOurs: mercuriusCached,
      ...(on24 === null ? {} : { oursNode24EqualsOurs: on24.ours, apolloCachedNode24EqualsOurs: on24.apolloCached, mercuriusCachedNode24EqualsOurs: on24.mercuriusCached }),
    },
    meshShape: {
      meshSharpeQuotaUsedEqualsOurs: mesh,
      meshCachedSharpeQuotaUsedEqualsOurs: meshCached,
      ...(on24 === null ? {} : { meshCachedNode24SharpeQuotaUsedEqualsOurs: on24.meshCached }),
    },
  });
  log(`answers checked: ${JSON.stringify(sameData)}`);

  const countCalls = async (target: Service, body: string, vendors: SimulatorsClient) => {
    // Calls still in flight from the load run would be joined (single-flight) and go uncounted.
    // (Our response cache cannot hide calls here: it is off with the upstream cache, and a warm
    // overview makes none to hide. A cached peer's calls are counted the same way: its warm 0 is
    // its own caches at work, the point of its row.)
    await new Promise((resolve) => setTimeout(resolve, quick ? 300 : 1000));
    await vendors.resetHits();
    const times: number[] = [];
    let clean = 0;
    for (let i = 0; i < CALL_SAMPLES; i += 1) {
      const start = performance.now();
      const answer = await post(target, body);
      times.push(performance.now() - start);
      if (answer.status === 200 && isCleanAnswer(answer.text)) clean += 1;
    }
    const hits = await vendors.hits();
    const perQuery = Object.fromEntries(VENDORS.map((vendor) => [vendor, round(hits[vendor] / CALL_SAMPLES, 2)])) as Record<Vendor, number>;
    return {
      upstreamCallsPerQuery: { ...perQuery, total: round(VENDORS.reduce((sum, vendor) => sum + perQuery[vendor], 0), 2) },
      sequentialP50Ms: round(median(times)),
      sequentialClean: `${clean}/${CALL_SAMPLES}`,
    };
  };
  const measure = async (
    target: Service,
    body: string,
    connections: number,
    seconds: number,
    calls: SimulatorsClient | null,
    rate?: number,
  ): Promise<TargetResult> => {
    const bounds = { body, connections, ...(rate === undefined ? {} : { ratePerSecond: rate }) };
    await runLoad(target, { ...bounds, durationSeconds: PLAN.warmupSeconds });
    const result = await runLoad(target, { ...bounds, durationSeconds: seconds });
    log(`${target.name}: ${result.requestsPerSecond} answers/s (${result.cleanPerSecond} clean), p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, failures ${result.failures}`);
    return { target: target.name, ...result, ...(calls === null ? {} : await countCalls(target, body, calls)) };
  };

  const overviewBody = graphqlBody(OVERVIEW_QUERY);
  const meshOverviewBody = graphqlBody(MESH_OVERVIEW_QUERY);
  // The cold fan-out first: uncached peers in the warm overview exhaust Sharpe's 600 calls a minute for the next minute.
  log(`cold fan-out: cache off, every vendor +${VENDOR_LATENCY_MS} ms`);
  await sims.setLatency(VENDOR_LATENCY_MS);
  let scenarioB: TargetResult[];
  let vendorLatency: { slowestVendorP50Ms: number; allAtOnceP50Ms: number };
  let coldPhases: ColdPhasesResult;
  try {
    vendorLatency = await vendorLatencies(sims);
    scenarioB = [
      await measure(oursCold, overviewBody, CONNECTIONS.cold, PLAN.coldSeconds, sims, COLD_RATE_PER_SECOND),
      await measure(apollo, overviewBody, CONNECTIONS.cold, PLAN.coldSeconds, sims, COLD_RATE_PER_SECOND),
      await measure(mesh, meshOverviewBody, CONNECTIONS.cold, PLAN.coldSeconds, sims, COLD_RATE_PER_SECOND),
    ];
    coldPhases = await coldPhasesScenario({ production, env: { ...env, ...CACHE_OFF_ENV, ...dataDir() }, sims, queries: quick ? 10 : 40, spacingMs: 200 });
    log(`cold fan-out phases: ours ${coldPhases.oursP50Ms} ms, five calls at once ${coldPhases.fiveAtOnceP50Ms} ms, ours − five at once ${coldPhases.overheadP50Ms} ms`);
  } finally {
    await sims.setLatency(null);
  }

  // Before the warm overview: its uncached peers spend Sharpe's 600 calls a minute, and this scenario's gateway starts with a cold cache.
  log('warm overview with authentication: a JWT per request, the per-caller limit counting');
  const edgeAuth = await edgeAuthScenario({ production, env, dataDir, unauthenticated: ours, connections: CONNECTIONS.overview, warmupSeconds: PLAN.warmupSeconds, loadSeconds: PLAN.edgeAuthSeconds, rounds: PLAN.edgeAuthRounds, log });

  log('warm overview, cache warm');
  // The cached peers before the as-shipped ones: those exhaust Sharpe's 600 calls a minute, and a
  // cached peer that refilled its cache then would cache (Apollo, Mercurius) or keep fetching (Mesh) a 429.
  const scenarioA = [
    await measure(ours, overviewBody, CONNECTIONS.overview, PLAN.overviewSeconds, sims),
    await measure(apolloCached, overviewBody, CONNECTIONS.overview, PLAN.overviewSeconds, sims),
    await measure(meshCached, meshOverviewBody, CONNECTIONS.overview, PLAN.overviewSeconds, sims),
    await measure(mercuriusCached, overviewBody, CONNECTIONS.overview, PLAN.overviewSeconds, sims),
  ];
  // Node 24's cached rows also before the as-shipped peers; each row under its Node 20 name, so the report pairs them.
  let overviewWarmNode24: { node: string; results: TargetResult[] } | undefined;
  if (on24 !== null) {
    log(`warm overview on Node ${runtime24!.version}: ours, the cached peers, the bare ceiling`);
    const results: TargetResult[] = [];
    for (const [service, body, node20] of [
      [on24.ours, overviewBody, ours],
      [on24.apolloCached, overviewBody, apolloCached],
      [on24.meshCached, meshOverviewBody, meshCached],
      [on24.mercuriusCached, overviewBody, mercuriusCached],
    ] as const) {
      results.push({ ...(await measure(service, body, CONNECTIONS.overview, PLAN.overviewSeconds, sims)), target: node20.name });
    }
    results.push({ ...(await measure(on24.bare, overviewBody, CONNECTIONS.overview, PLAN.overviewSeconds, null)), target: bare.name });
    overviewWarmNode24 = { node: runtime24!.version, results };
    await Promise.all(Object.values(on24).map((service) => service.stop()));
  }
  scenarioA.push(
    await measure(apollo, overviewBody, CONNECTIONS.overview, PLAN.overviewSeconds, sims),
    await measure(mesh, meshOverviewBody, CONNECTIONS.overview, PLAN.overviewSeconds, sims),
    await measure(bare, overviewBody, CONNECTIONS.overview, PLAN.overviewSeconds, null),
    await measure(yogaHello, graphqlBody(HELLO_QUERY), CONNECTIONS.overview, PLAN.overviewSeconds, null),
  );

  log('partnerUsage page: one page of 5000 stream entries');
  const pageUsers = await usersOfFirstPartnerPage(sims);
  const [ourPartnerBody, apolloPartnerBody] = [graphqlBody(ourPartnerUsageQuery(pageUsers)), graphqlBody(APOLLO_PARTNER_USAGE_QUERY)];
  await checkSamePartnerPage(ours, ourPartnerBody, [apolloCached, mercuriusCached, apollo], apolloPartnerBody, pageUsers);
  const meshPartnerBody = graphqlBody(MESH_PARTNER_USAGE_QUERY);
  const scenarioC = [
    await measure(ours, ourPartnerBody, CONNECTIONS.partner, PLAN.partnerSeconds, sims),
    await measure(apolloCached, apolloPartnerBody, CONNECTIONS.partner, PLAN.partnerSeconds, sims),
    await measure(meshCached, meshPartnerBody, CONNECTIONS.partner, PLAN.partnerSeconds, sims),
    await measure(mercuriusCached, apolloPartnerBody, CONNECTIONS.partner, PLAN.partnerSeconds, sims),
    await measure(apollo, apolloPartnerBody, CONNECTIONS.partner, PLAN.partnerSeconds, sims),
    await measure(mesh, meshPartnerBody, CONNECTIONS.partner, PLAN.partnerSeconds, sims),
  ];

  log(`_entities batch: _entities with ${ENTITIES} partner users (demo mode, ledger)`);
  const entities = await entitiesScenario(oursDemo, measure);

  log('graphql-jit on vs off: the partnerUsage page, the _entities batch and the warm overview, alternating');
  const jit = await jitScenario({ production, env, demoEnv: { ...GATEWAY_ENV, GATEWAY_DEMO: '1' }, dataDir, partnerBody: ourPartnerBody, entities: ENTITIES, connections: CONNECTIONS, ...PLAN.jit, log });

  // Fresh instances: the one of the warm overview and the partnerUsage page still holds the page's garbage, which the soak would measure
  // instead of what 256 connections cost. The second shows how much of the peak is uncollected
  // garbage: V8's old generation capped at 96 MB, as a deployment may set in NODE_OPTIONS.
  const soakTargets = await Promise.all([
    startService('ours (fresh instance)', production, { ...env, ...dataDir() }, { plain: true }),
    startService(`ours (fresh instance, ${SOAK_HEAP_CAP_FLAG})`, production, { ...env, ...dataDir() }, { plain: true, nodeArgs: [SOAK_HEAP_CAP_FLAG] }),
  ]);
  const memory = [];
  for (const target of [...soakTargets, oursTsx]) {
    log(`memory: ${PLAN.soakRequests} overview requests over ${CONNECTIONS.soak} connections to ${target.name}`);
    memory.push(await soak(target, overviewBody));
    log(`memory: ${JSON.stringify(memory.at(-1))}`);
  }

  log('fleet: three instances on Redis and PostgreSQL');
  const fleet = await fleetScenario({ production, env, sims, embedded: ours, connections: CONNECTIONS.overview, warmupSeconds: PLAN.warmupSeconds, loadSeconds: PLAN.overviewSeconds, sequentialQueries: quick ? 20 : 200, vendorLimitPerMinute: Number(Object.values(RATE_BUDGET_ENV)[0]), log });

  log('usage history: sampling cost, a year of history, memory');
  const usageHistory = await usageHistoryScenario({ sims, ticks: quick ? 5 : 40, days: quick ? 30 : 365, seriesCount: 20, reads: quick ? 3 : 15, log });

  log('ledger ingestion');
  const ledger = await runLedger();

  const results = {
    command: `npm run bench${quick || node24 ? ' --' : ''}${quick ? ' --quick' : ''}${node24 ? ' --node24' : ''}`,
    finishedAt: new Date().toISOString(),
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryGiB: round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
    },
    plan: { ...PLAN, connections: CONNECTIONS, entities: ENTITIES, coldRatePerSecond: COLD_RATE_PER_SECOND, rateBudgetEnv: RATE_BUDGET_ENV, vendorLatencyMs: VENDOR_LATENCY_MS, callSamples: CALL_SAMPLES, cacheOffEnv: CACHE_OFF_ENV, peerCacheTtlMs: PEER_CACHE_TTL_MS },
    sameData,
    idleRssMiB: idleRss,
    scenarios: {
      overviewWarm: scenarioA,
      ...(overviewWarmNode24 === undefined ? {} : { overviewWarmNode24 }),
      coldFanOut: { ...vendorLatency, results: scenarioB, phases: coldPhases },
      partnerUsage5000: scenarioC,
      ledgerIngestion: ledger,
      entities1000: entities,
      fleet,
      edgeAuth,
      jit,
      usageHistory,
    },
    memory,
    durationSeconds: round((Date.now() - started) / 1000),
  };
  mkdirSync(here('bench/results'), { recursive: true });
  // --quick is a smoke run: its figures never replace the published ones.
  const name = quick ? 'quick' : 'latest';
  writeFileSync(here(`bench/results/${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  const markdown = renderMarkdown(results);
  writeFileSync(here(`bench/results/${name}.md`), markdown);
  if (!quick) updateResultsBlock(here('bench/README.md'), markdown);
  process.stdout.write(markdown);
  log(`done in ${results.durationSeconds}s; wrote bench/results/${name}.json and .md${quick ? '' : ' and the bench/README.md table'}`);
}

/** A figure measured on error answers would flatter whoever failed fastest. */
function assertClean(target: Service, answer: { status: number; text: string }): void {
  if (answer.status !== 200 || !isCleanAnswer(answer.text)) {
    throw new Error(`${target.name} did not answer cleanly: ${answer.status} ${answer.text.slice(0, 500)}`);
  }
}

/** How many users the simulator's first 5000 stream entries hold: the edges of the partnerUsage page scenario. */
async function usersOfFirstPartnerPage(sims: SimulatorsClient): Promise<number> {
  const { baseUrl, credential } = sims.vendors.arrays;
  const response = await fetch(`${baseUrl}/v1/partner/usage?from_id=0&count=5000`, { headers: { 'x-service-token': credential } });
  const body = (await response.json()) as { data: unknown[] };
  return body.data.length;
}

/**
 * Median latency of each vendor endpoint our overview calls, under the current fault, each alone;
 * the largest of them is "the slowest vendor". Also the median of the five called at once, as a
 * perfect fan-out would call them (each simulator runs in a process of its own, so they answer in
 * parallel; Faraday's two calls share its process).
 */
async function vendorLatencies(sims: SimulatorsClient): Promise<{ slowestVendorP50Ms: number; allAtOnceP50Ms: number }> {
  const call = async (vendor: Vendor, path: string) => {
    const { baseUrl, credential } = sims.vendors[vendor];
    const response = await fetch(baseUrl + path, { headers: { authorization: `Bearer ${credential}`, 'x-service-token': credential } });
    await response.arrayBuffer();
  };
  const timed = async (run: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < (quick ? 5 : 9); i += 1) {
      const start = performance.now();
      await run();
      times.push(performance.now() - start);
    }
    return median(times);
  };
  let slowest = 0;
  for (const [vendor, path] of VENDOR_OVERVIEW_CALLS) slowest = Math.max(slowest, await timed(() => call(vendor, path)));
  const allAtOnce = await timed(() => Promise.all(VENDOR_OVERVIEW_CALLS.map(([vendor, path]) => call(vendor, path))));
  return { slowestVendorP50Ms: round(slowest), allAtOnceP50Ms: round(allAtOnce) };
}

/**
 * The _entities batch: a demo-mode gateway (its own simulators, its ledger following their Arrays
 * stream) answers `_entities` for 1,000 PartnerUser representations, as a federation router
 * would send them. Measured once the ledger has caught up; the subs are the ledger's heaviest.
 */
async function entitiesScenario(target: Service, measure: (target: Service, body: string, connections: number, seconds: number, calls: SimulatorsClient | null) => Promise<TargetResult>) {
  const ask = async <T>(query: string): Promise<T> => {
    const answer = await post(target, graphqlBody(query));
    assertClean(target, answer);
    return (JSON.parse(answer.text) as { data: T }).data;
  };
  const started = Date.now();
  await waitForLedgerCaughtUp(target);
  const users = await ask<{ partnerUsers: { edges: { node: { sub: string } }[] } }>(`{ partnerUsers(first: ${ENTITIES}) { edges { node { sub } } } }`);
  const representations = users.partnerUsers.edges.map(({ node }) => ({ __typename: 'PartnerUser', sub: node.sub }));
  if (representations.length !== ENTITIES) throw new Error(`${target.name}: the ledger holds ${representations.length} partner users, not ${ENTITIES}`);
  const body = JSON.stringify({ query: ENTITIES_QUERY, variables: { representations } });
  const answer = await post(target, body);
  assertClean(target, answer);
  const resolved = (JSON.parse(answer.text) as { data: { _entities: unknown[] } }).data._entities.filter((entity) => entity !== null).length;
  const providers = await ask<{ providers: { id: string; origin: string }[] }>('{ providers { id origin } }');
  const origin = (vendor: Vendor) => providers.providers.find((provider) => provider.id === VENDOR_MODULES.find(({ key }) => key === vendor)!.id)!.origin;
  // The demo simulators' admin routes take the token the gateway logged, and no vendor credential.
  const demoSims = new SimulatorsClient(
    Object.fromEntries(VENDORS.map((vendor) => [vendor, { baseUrl: origin(vendor), credential: '' }])) as Record<Vendor, { baseUrl: string; credential: string }>,
    SimulatorsClient.demoAdminToken(target),
  );
  const result = await measure(target, body, CONNECTIONS.entities, PLAN.entitiesSeconds, demoSims);
  return { representations: ENTITIES, resolved, ledgerCaughtUpAfterSeconds: round((Date.now() - started) / 1000), results: [result] };
}

/** The production build (`npm run build`: dist/main.js), which our rows run with plain node. */
async function buildProduction(): Promise<string> {
  await buildGateway();
  return here('dist/main.js');
}

/** RSS of our gateway before, at the peak of, and after a long run at 256 connections. */
async function soak(target: Service, body: string) {
  const beforeMiB = target.rssMiB();
  const result = await runLoad(target, { body, connections: CONNECTIONS.soak, durationSeconds: PLAN.soakSeconds, amount: PLAN.soakRequests });
  await new Promise((resolve) => setTimeout(resolve, quick ? 500 : 2000));
  const afterMiB = target.rssMiB();
  return {
    target: target.name,
    requests: result.requests,
    connections: CONNECTIONS.soak,
    requestsPerSecond: result.requestsPerSecond,
    latencyMs: result.latencyMs,
    failures: result.failures,
    rssBeforeMiB: beforeMiB === null ? null : round(beforeMiB),
    rssPeakMiB: result.peakRssMiB,
    rssAfterMiB: afterMiB === null ? null : round(afterMiB),
    growthMiB: beforeMiB === null || afterMiB === null ? null : round(afterMiB - beforeMiB),
  };
}

/**
 * Ledger ingestion lives in `bench/ledger.ts`: run it when present, bounded
 * in time, and fold in the JSON it writes. A million entries do not fit --quick's minute.
 */
async function runLedger(): Promise<unknown> {
  const script = here('bench/ledger.ts');
  if (!existsSync(script)) return { status: 'not yet available', reason: 'bench/ledger.ts does not exist yet' };
  if (quick) return { status: 'skipped', reason: 'not run by --quick; `npm run bench` or `npm run bench:ledger` runs it' };
  const output = here('bench/results/ledger.json');
  const code = await new Promise<number | string>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), PLAN.ledgerSeconds * 1000);
    child.once('error', (error) => resolve(error.message));
    child.once('exit', (exitCode, signal) => {
      clearTimeout(timer);
      resolve(exitCode ?? signal ?? 'unknown');
    });
  });
  if (code !== 0) return { status: 'failed', reason: `bench/ledger.ts ended with ${code} (bound ${PLAN.ledgerSeconds} s)` };
  return { status: 'measured', ...(JSON.parse(readFileSync(output, 'utf8')) as object) };
}

/**
 * Installs Node 24 and starts on it what the warm overview compares: ours (the same production
 * build, plain node), the cached peers (through tsx, as on Node 20) and the bare ceiling.
 */
async function startOnNode24(production: string, env: Record<string, string>, bareEnv: Record<string, string>, log: (message: string) => void) {
  log('installing Node 24 LTS into a temporary prefix');
  runtime24 = installNode24();
  const node = runtime24.node;
  const suffix = ` (Node ${runtime24.version})`;
  const [ours, apolloCached, meshCached, mercuriusCached, bare] = await Promise.all([
    startService(`ours${suffix}`, production, { ...env, ...dataDir() }, { plain: true, node }),
    startService(`${PEERS.apollo.targets.cached}${suffix}`, here(PEERS.apollo.script), { ...env, ...peerEnv('cached') }, { node }),
    startService(`${PEERS.mesh.targets.cached}${suffix}`, here(PEERS.mesh.script), { ...env, ...peerEnv('cached') }, { node }),
    startService(`${PEERS.mercurius.targets.cached}${suffix}`, here(PEERS.mercurius.script), { ...env, ...peerEnv('cached') }, { node }),
    startService(`bare node:http (ceiling)${suffix}`, here('bench/baselines/bare-node.ts'), bareEnv, { node }),
  ]);
  return { ours, apolloCached, meshCached, mercuriusCached, bare };
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    killAll();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    runtime24?.remove();
  });
