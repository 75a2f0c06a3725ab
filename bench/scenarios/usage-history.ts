import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLogger } from '../../src/common/logger.js';
import { createGateway } from '../../src/gateway.js';
import { FileHistoryStore } from '../../src/monitoring/file-history-store.js';
import { startHistorySampler, type SamplerTimers } from '../../src/monitoring/sampler.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { VENDORS as VENDOR_MODULES } from '../../src/providers/vendors.js';
import { ResilientUpstream } from '../../src/upstream/resilient-upstream.js';
import { resolvePolicy } from '../../src/upstream/policy.js';
import { downsample } from '../../src/usage/downsample.js';
import { assignPeriods } from '../../src/usage/history.js';
import { DAY_MS, dayOfQuotaSamples, p50 } from '../lib/history-year.js';
import { round } from '../lib/load.js';
import type { SimulatorsClient, Vendor } from '../lib/simulators.js';

/** Options of {@link usageHistoryScenario}. */
export interface UsageHistoryOptions {
  /** The bench's simulators (in their own process, so this process's CPU time is the sampler's alone). */
  sims: SimulatorsClient;
  /** Sampling ticks measured per vendor. */
  ticks: number;
  /** Days of five-minute history written and read (365: a year). */
  days: number;
  /** Series of that history (20: a large account's quotas, limits and counters). */
  seriesCount: number;
  /** Reads of the year measured. */
  reads: number;
  log: (message: string) => void;
}

/** What one vendor's sampling costs. */
export interface VendorSamplingCost {
  vendor: string;
  /** Vendor HTTP calls per tick, counted by the simulator. */
  callsPerTick: number;
  /** Samples appended per tick. */
  samplesPerTick: number;
  /** This process's CPU time (user + system) per tick, ms: the client, channel, mapping and the durable append. */
  cpuMsPerTick: number;
  /** Median wall time of a tick, ms (vendor round trip and fsync included). */
  tickP50Ms: number;
}

export interface UsageHistoryResult {
  sampling: VendorSamplingCost[];
  year: {
    days: number;
    samples: number;
    /** p50 of `store.read` of the whole span of one series, ms. */
    readP50Ms: number;
    /** p50 of read + `assignPeriods` + `downsample` to DAY, ms: what a history query at DAY resolution computes. */
    readToDaysP50Ms: number;
    points: number;
    /**
     * p50 of the whole GraphQL answer, ms: `account(provider: SHARPE) { quotas { history(…, resolution:
     * DAY) } }` over a year of five-minute samples of Sharpe's quota, through `yoga.fetch` (the
     * account itself from the vendor cache after the first query).
     */
    graphqlP50Ms: number;
    /** Day points in that GraphQL answer. */
    graphqlPoints: number;
  };
  memory: { series: number; samples: number; rssDeltaMiB: number; heapDeltaMiB: number; bytesPerSample: number };
}

const run = promisify(execFile);
const SHARPE = 'SHARPE';
const SHARPE_QUOTA = 'quota:monthly_requests';
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Timers that never fire: the scenario drives every tick itself. */
const NO_TIMERS: SamplerTimers = { schedule: () => () => undefined };

/**
 * The usage history's costs: each vendor's sampling (vendor calls and CPU per tick, with the
 * cache off so that every tick reads the vendor, as ticks a minute apart past a 30 s cache do), a
 * year of five-minute history read and told by day, and the memory a year of `seriesCount`
 * series takes once loaded (in a child process of its own, measured after full collections).
 */
export async function usageHistoryScenario(options: UsageHistoryOptions): Promise<UsageHistoryResult> {
  const { sims, log } = options;
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-history-'));
  try {
    const sampling: VendorSamplingCost[] = [];
    for (const vendor of VENDOR_MODULES) {
      sampling.push(await samplingCost(sims, vendor.key, vendor.id, join(dataDir, `sampling-${vendor.key}`), options.ticks));
      log(`usage history: sampling ${vendor.id}: ${JSON.stringify(sampling.at(-1))}`);
    }
    const yearDir = join(dataDir, 'year');
    const written = await writeHistory(yearDir, options.days, options.seriesCount);
    log(`usage history: wrote ${written} samples (${options.seriesCount} series × ${options.days} days of five-minute samples)`);
    const year = await readYear(yearDir, options.reads, sims, options.days);
    log(`usage history: read ${JSON.stringify(year)}`);
    const memory = await measureMemory(yearDir);
    log(`usage history: memory ${JSON.stringify(memory)}`);
    return { sampling, year, memory };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function samplingCost(sims: SimulatorsClient, key: Vendor, id: string, dataDir: string, ticks: number): Promise<VendorSamplingCost> {
  const endpoint = sims.vendors[key];
  const upstream = new ResilientUpstream({ policies: { [id]: resolvePolicy({ cacheTtlMs: 0, rateLimitPerMinute: 100_000, callerShareRatio: 1 }) } });
  const registry = createProviderRegistry({ [id]: { ...endpoint, simulated: true } }, upstream, VENDOR_MODULES);
  const store = await FileHistoryStore.open({ dataDir });
  const sampler = startHistorySampler({ clients: registry.list().map((provider) => provider.client), store, intervalMs: 60_000, timers: NO_TIMERS, startNow: false });
  try {
    // One tick to open connections and warm the code paths.
    await sampler.tick();
    await sims.resetHits();
    const wall: number[] = [];
    let samples = 0;
    const cpu = process.cpuUsage();
    for (let i = 0; i < ticks; i += 1) {
      const started = performance.now();
      const outcome = await sampler.tick();
      wall.push(performance.now() - started);
      samples += outcome.appended[id] ?? 0;
    }
    const used = process.cpuUsage(cpu);
    const calls = (await sims.hits())[key];
    return {
      vendor: id,
      callsPerTick: round(calls / ticks, 2),
      samplesPerTick: round(samples / ticks, 1),
      cpuMsPerTick: round((used.user + used.system) / 1000 / ticks, 2),
      tickP50Ms: round(p50(wall) ?? 0, 2),
    };
  } finally {
    await sampler.close();
    await store.close();
    await upstream.close();
  }
}

async function writeHistory(dataDir: string, days: number, seriesCount: number): Promise<number> {
  const store = await FileHistoryStore.open({ dataDir, retentionDays: 3660 });
  let written = 0;
  try {
    await store.tryLead();
    const first = Date.UTC(2025, 0, 1);
    for (let day = 0; day < days; day += 1) {
      const samples = dayOfQuotaSamples(first + day * DAY_MS, seriesCount);
      // Sharpe's own quota too, so that a GraphQL query over a real vendor's account reads a year.
      for (const sample of dayOfQuotaSamples(first + day * DAY_MS, 1, SHARPE)) samples.push({ ...sample, series: SHARPE_QUOTA });
      await store.append(samples);
      written += samples.length;
    }
  } finally {
    await store.close();
  }
  return written;
}

async function readYear(dataDir: string, reads: number, sims: SimulatorsClient, days: number): Promise<UsageHistoryResult['year']> {
  const store = await FileHistoryStore.open({ dataDir, retentionDays: 3660 });
  try {
    const key = (await store.series()).find((series) => series.provider !== SHARPE)!;
    const readTimes: number[] = [];
    const pipelineTimes: number[] = [];
    let samples = 0;
    let points = 0;
    for (let i = 0; i < reads; i += 1) {
      const started = performance.now();
      const rows = await store.read(key);
      const read = performance.now();
      const days = downsample(assignPeriods(rows).samples, 'DAY');
      const done = performance.now();
      readTimes.push(read - started);
      pipelineTimes.push(done - started);
      samples = rows.length;
      points = days.length;
    }
    const graphql = await graphqlYear(store, sims, days, reads);
    return { days: Math.round(samples / 288), samples, readP50Ms: round(p50(readTimes)!, 1), readToDaysP50Ms: round(p50(pipelineTimes)!, 1), points, ...graphql };
  } finally {
    await store.close();
  }
}

/** The year answered as a client asks for it: one GraphQL query through a gateway over that store. */
async function graphqlYear(store: FileHistoryStore, sims: SimulatorsClient, days: number, reads: number): Promise<{ graphqlP50Ms: number; graphqlPoints: number }> {
  const first = Date.UTC(2025, 0, 1);
  const end = first + days * DAY_MS;
  const upstream = new ResilientUpstream({ policies: { [SHARPE]: resolvePolicy({ rateLimitPerMinute: 100_000, callerShareRatio: 1 }) } });
  const registry = createProviderRegistry({ [SHARPE]: { ...sims.vendors.sharpe, simulated: true } }, upstream, VENDOR_MODULES);
  const yoga = createGateway({ registry, logger: createLogger({ level: 'silent' }), history: store, historyRetentionDays: 3660, now: () => end });
  const query = `{ account(provider: SHARPE) { quotas { name history(since: "${new Date(first).toISOString()}", until: "${new Date(end - 1).toISOString()}", resolution: DAY) { at used increase } } } }`;
  try {
    const times: number[] = [];
    let graphqlPoints = 0;
    // One query first: the vendor's account into the cache, the code paths warm.
    for (let i = 0; i <= reads; i += 1) {
      const started = performance.now();
      const response = await yoga.fetch('http://bench/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      const body = (await response.json()) as { data?: { account?: { quotas: { name: string; history: unknown[] | null }[] } }; errors?: unknown[] };
      if (i > 0) times.push(performance.now() - started);
      const quota = body.data?.account?.quotas.find((candidate) => `quota:${candidate.name}` === SHARPE_QUOTA);
      if (body.errors !== undefined || quota?.history == null) throw new Error(`the history query failed: ${JSON.stringify(body).slice(0, 300)}`);
      graphqlPoints = quota.history.length;
    }
    return { graphqlP50Ms: round(p50(times)!, 1), graphqlPoints };
  } finally {
    await upstream.close();
  }
}

async function measureMemory(dataDir: string): Promise<UsageHistoryResult['memory']> {
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', join(root, 'bench/scenarios/history-memory-child.ts'), dataDir], { cwd: root, maxBuffer: 1 << 20 });
  const figures = JSON.parse(stdout.trim().split('\n').at(-1)!) as { series: number; samples: number; rssBefore: number; rssAfter: number; heapBefore: number; heapAfter: number };
  const MiB = 2 ** 20;
  return {
    series: figures.series,
    samples: figures.samples,
    rssDeltaMiB: round((figures.rssAfter - figures.rssBefore) / MiB, 1),
    heapDeltaMiB: round((figures.heapAfter - figures.heapBefore) / MiB, 1),
    bytesPerSample: round((figures.heapAfter - figures.heapBefore) / figures.samples, 1),
  };
}
