/**
 * Partner usage ledger benchmark (not a test): ingest 1,000,000 Arrays stream entries (100,000
 * distinct subs) from the simulator with durable commits, then time two ledger queries through
 * yoga.fetch. Run: `npm run bench:ledger` (`npx tsx bench/ledger.ts`). Prints the figures and
 * writes them to bench/results/ledger.json.
 *
 * The process measured runs as a deployment runs the gateway: this file bundled by esbuild (the
 * production build's settings) and started with plain node, without the tsx loader, whose
 * transpiler and module hooks would otherwise be part of the peak RSS (some 60 MB).
 * `npm run bench:ledger -- --tsx` measures under the loader instead. The simulator runs in a
 * process of its own, as the vendor would be remote: the figures are the gateway's own CPU and
 * memory, not the simulator's.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGateway } from '../src/gateway.js';
import { startPartnerLedger } from '../src/ledger/index.js';
import { createLogger } from '../src/common/logger.js';
import { ArraysClient } from '../src/providers/arrays/client.js';
import { createProviderRegistry } from '../src/providers/registry.js';
import { startArraysSimulator } from '../src/simulators/arrays.js';
import { UpstreamHttp } from '../src/upstream/http.js';

const ENTRIES = 1_000_000;
const SUBS = 100_000;
const PAGE = 5000;
const BATCH = 1000;
const QUERY_RUNS = 5;
const COMMAND = 'npm run bench:ledger';
/** The repository: above bench/ledger.ts, or above dist/bench/ledger.mjs when running as the bundle. */
const ROOT = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '..' : '../..', import.meta.url));
const RESULTS = join(ROOT, 'bench/results/ledger.json');
/** Where the measured bundle is written; dist/ is the build output and not committed. */
const BUNDLE = join(ROOT, 'dist/bench/ledger.mjs');

/** The simulator in its own process; resolves with where it listens. */
async function startSimulatorProcess() {
  const self = fileURLToPath(import.meta.url);
  const args = self.endsWith('.ts') ? ['--import', 'tsx', self, '--simulator'] : [self, '--simulator'];
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const address = await new Promise<{ baseUrl: string; credential: string }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))));
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return { ...address, stop: () => child.stdin!.end() };
}

/**
 * Samples memory every 20 ms; the OS's own high-water mark (maxRSS) is reported alongside. The
 * breakdown of the sample with the highest RSS says where the peak went: the V8 heap (used and
 * reserved), buffers outside it (the arena, page bodies), and the rest (code, stacks, allocator).
 */
function rssSampler() {
  let peak = process.memoryUsage();
  const sample = () => {
    const now = process.memoryUsage();
    if (now.rss > peak.rss) peak = now;
  };
  const timer = setInterval(sample, 20);
  return {
    peakMb: () => {
      sample();
      return round(peak.rss / 2 ** 20);
    },
    /** MB at the peak: RSS, V8 heap reserved and used, external memory and the ArrayBuffers within it. */
    peakBreakdownMb: () => ({
      rss: round(peak.rss / 2 ** 20),
      heapTotal: round(peak.heapTotal / 2 ** 20),
      heapUsed: round(peak.heapUsed / 2 ** 20),
      external: round(peak.external / 2 ** 20),
      arrayBuffers: round(peak.arrayBuffers / 2 ** 20),
    }),
    stop: () => clearInterval(timer),
  };
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await run();
  return { ms: performance.now() - start, value };
}

async function main(runtime: string): Promise<void> {
  const rssAfterImports = process.memoryUsage();
  const sim = await startSimulatorProcess();
  const dir = await mkdtemp(join(tmpdir(), 'ledger-bench-'));
  const http = new UpstreamHttp({ timeoutMs: 30_000 });
  const client = new ArraysClient({ baseUrl: sim.baseUrl, credential: sim.credential, http });
  let upstreamCalls = 0;
  const logger = createLogger({ level: 'warn' });
  const rss = rssSampler();
  const cpuBefore = process.cpuUsage();

  const ingest = await timed(async () => {
    const ledger = await startPartnerLedger({
      dir,
      startCursor: '0',
      pollIntervalMs: 3_600_000,
      source: (from, count) => {
        upstreamCalls += 1;
        return client.fetchPackedPartnerPage(from, count);
      },
      logger,
      follower: { pageSize: PAGE },
    });
    for (;;) {
      const status = ledger.status();
      if (status.caughtUp) break;
      if (status.consecutiveFailures > 3) throw new Error(`ingestion failing: ${status.lastError?.message}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return ledger;
  });
  const ledger = ingest.value;
  const position = await ledger.store.position();
  if (position.entries !== ENTRIES) throw new Error(`ingested ${position.entries} entries, expected ${ENTRIES}`);
  const ingestPeakMb = rss.peakMb();
  const ingestPeakBreakdownMb = rss.peakBreakdownMb();
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;

  const registry = createProviderRegistry({ ARRAYS: { baseUrl: sim.baseUrl, credential: sim.credential, simulated: true } }, http);
  const yoga = createGateway({ registry, logger, ledger });
  const post = async (query: string, variables?: Record<string, unknown>) => {
    const response = await yoga.fetch('http://bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
    if (body.errors) throw new Error(`query failed: ${JSON.stringify(body.errors).slice(0, 500)}`);
    return body.data!;
  };

  const top = '{ partnerUsers(first: 100, orderBy: CALLS) { totalCount edges { cursor calls node { sub calls discoveries tweets } } } }';
  const subs = (await ledger.store.listUsers({ orderBy: 'SUB', first: BATCH, after: null, range: null })).users.map((u) => u.user.sub);
  // 1,000 lookups as a federation router sends them: one `_entities` operation whose
  // representations are a variable. Spelled as 1,000 aliased `partnerUser` fields instead, the
  // query passes the edge's 8,000-token limit, as it should for any client.
  const batch = 'query Batch($representations: [_Any!]!) { _entities(representations: $representations) { ... on PartnerUser { sub calls discoveries tweets byEndpoint { endpoint calls } } } }';
  const representations = subs.map((sub) => ({ __typename: 'PartnerUser', sub }));
  const topRuns: number[] = [];
  const batchRuns: number[] = [];
  let batchReads = 0;
  for (let run = 0; run < QUERY_RUNS; run++) {
    topRuns.push((await timed(() => post(top))).ms);
    const readsBefore = ledger.store.stats.reads;
    const answer = await timed(() => post(batch, { representations }));
    const resolved = (answer.value._entities as ({ sub?: string } | null)[]).filter((entity, i) => entity?.sub === subs[i]).length;
    if (resolved !== BATCH) throw new Error(`_entities resolved ${resolved} of ${BATCH} partner users`);
    batchRuns.push(answer.ms);
    batchReads = ledger.store.stats.reads - readsBefore;
  }
  const closing = await timed(() => ledger.close());
  rss.stop();
  const files = await readdir(dir);
  const bytes = Object.fromEntries(await Promise.all(files.map(async (file) => [file, (await stat(join(dir, file))).size])));
  const median = (values: number[]) => round([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!);

  const results = {
    command: COMMAND,
    runtime,
    /** The measured process before ingesting: node, the gateway's modules and (under tsx) the loader. */
    rssAfterImportsMb: round(rssAfterImports.rss / 2 ** 20),
    date: new Date().toISOString(),
    node: process.version,
    nodeFlags: [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(' ')].filter((flag) => flag.startsWith('--max-')),
    cpus: (await import('node:os')).cpus().length,
    stream: { entries: ENTRIES, distinctSubs: SUBS, pageSize: PAGE, usersCounted: position.users },
    ingest: {
      seconds: round(ingest.ms / 1000, 2),
      entriesPerSecond: Math.round(ENTRIES / (ingest.ms / 1000)),
      gatewayCpuSeconds: round(cpuSeconds, 2),
      entriesPerGatewayCpuSecond: Math.round(ENTRIES / cpuSeconds),
      commits: position.pages,
      upstreamCalls,
      durable: 'one fsync per commit (journal), snapshots written to a temp file, fsync, rename, directory fsync',
      peakRssMb: ingestPeakMb,
      peakBreakdownMb: ingestPeakBreakdownMb,
    },
    queries: {
      partnerUsersFirst100ByCallsMs: { first: round(topRuns[0]!), median: median(topRuns) },
      partnerUserEntities1000Ms: { first: round(batchRuns[0]!), median: median(batchRuns) },
      ledgerReadsPerBatch: batchReads,
    },
    closeWithFinalSnapshotMs: round(closing.ms),
    peakRssMb: rss.peakMb(),
    peakBreakdownMb: rss.peakBreakdownMb(),
    maxRssMbByOs: round(process.resourceUsage().maxRSS / 1024),
    filesAfterClose: bytes,
  };
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  await writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  await http.close();
  sim.stop();
  await rm(dir, { recursive: true, force: true });
}

/** Bundles this file as `npm run build` bundles the gateway, runs it with plain node, and waits for it. */
async function measureProductionBuild(): Promise<void> {
  const { build } = await import('esbuild');
  await build({
    absWorkingDir: ROOT,
    entryPoints: [fileURLToPath(import.meta.url)],
    outfile: BUNDLE,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [BUNDLE, '--measure'], { cwd: ROOT, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`the measured process ended with ${code}`);
}

if (process.argv.includes('--simulator')) {
  const sim = await startArraysSimulator({ entries: ENTRIES, subs: SUBS });
  process.stdout.write(`${JSON.stringify({ baseUrl: sim.baseUrl, credential: sim.credential })}\n`);
  process.stdin.on('end', () => void sim.close().then(() => process.exit(0)));
  process.stdin.resume();
} else if (process.argv.includes('--measure')) {
  await main('production build (esbuild bundle of bench/ledger.ts, plain node)');
} else if (process.argv.includes('--tsx')) {
  await main('development (tsx loader)');
} else {
  await measureProductionBuild();
}
